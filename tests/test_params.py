"""The report's parameters: declared once, checked, and declared alike by every notebook."""

from __future__ import annotations

import pytest

from helpers.core.params import (
    PARAMETER_NAMES,
    ParameterError,
    ReportParams,
    find_problems,
    parse_parameters_source,
    read_parameters_cell,
)
from helpers.core.paths import NOTEBOOKS_DIR
from helpers.report import SECTION_ORDER

SECTION_NOTEBOOKS = [NOTEBOOKS_DIR / f"{name}.ipynb" for name in SECTION_ORDER]


@pytest.mark.parametrize("notebook", SECTION_NOTEBOOKS, ids=lambda p: p.stem)
def test_every_section_declares_exactly_the_report_parameters(notebook):
    declared = read_parameters_cell(notebook)
    assert list(declared) == list(PARAMETER_NAMES)
    # The notebook's defaults are themselves valid parameters.
    ReportParams(**declared)


def test_parameter_names_are_the_notebook_cell_names():
    assert PARAMETER_NAMES == ("year", "data_dir", "lang", "min_cell", "output_dir")


def test_valid_parameters_are_accepted():
    params = ReportParams(year=2023, data_dir="/data/x", lang="fr", min_cell=1)
    assert params.as_dict() == {
        "year": 2023,
        "data_dir": "/data/x",
        "lang": "fr",
        "min_cell": 1,
        "output_dir": None,
    }
    assert params.replace(output_dir="/tmp/run").output_dir == "/tmp/run"


@pytest.mark.parametrize(
    ("values", "problem"),
    [
        ({"year": "2022"}, "year must be an integer"),
        ({"year": True}, "year must be an integer"),
        ({"year": 22}, "year must be between"),
        ({"year": 2022, "lang": "de"}, "lang must be one of en, fr"),
        ({"year": 2022, "min_cell": 0}, "min_cell must be an integer >= 1"),
        ({"year": 2022, "min_cell": 2.5}, "min_cell must be an integer >= 1"),
        ({"year": 2022, "data_dir": ""}, "data_dir must be a folder path or None"),
        ({"year": 2022, "output_dir": 3}, "output_dir must be a folder path or None"),
        ({"year": 2022, "colour": "red"}, "unknown parameter(s): colour"),
    ],
)
def test_each_broken_rule_is_named(values, problem):
    problems = find_problems(values)
    assert len(problems) == 1 and problems[0].startswith(problem), problems


def test_every_problem_is_reported_at_once():
    with pytest.raises(ParameterError) as error:
        ReportParams(year="x", lang="de", min_cell=0)
    assert len(str(error.value).splitlines()) == 3


def test_parameters_cell_is_read_as_literals():
    source = 'year = 2022\ndata_dir = None\nlang: str = "fr"\nmin_cell = 10\noutput_dir = None\n'
    assert parse_parameters_source(source) == {
        "year": 2022,
        "data_dir": None,
        "lang": "fr",
        "min_cell": 10,
        "output_dir": None,
    }


@pytest.mark.parametrize(
    "source",
    ["year = 2020 + 2", "import os", "year, lang = 2022, 'en'", "x = y = 1", "print(year)"],
)
def test_parameters_cell_refuses_anything_but_literal_assignments(source):
    with pytest.raises(ParameterError):
        parse_parameters_source(source)


def test_notebook_without_a_parameters_cell_is_refused(tmp_path):
    notebook = tmp_path / "bare.ipynb"
    notebook.write_text('{"cells": [{"cell_type": "code", "metadata": {}, "source": "x = 1"}]}')
    with pytest.raises(ParameterError, match="expected one cell tagged 'parameters', found 0"):
        read_parameters_cell(notebook)

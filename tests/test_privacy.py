"""No identifier of the dataset reaches any output of a report run."""

from __future__ import annotations

import base64
import json
import re

import pandas as pd
import pytest
from conftest import make_reference_frames, make_valid_frames, write_dataset
from report_runs import FIXTURE_NOTEBOOKS, build_smoke_report, run_report

from helpers.intake import contract
from helpers.intake.dataset import Dataset
from helpers.intake.load import load_dataset
from helpers.run.privacy import bounded_substrings, could_occur, scan_folder, scan_outputs

# Identifiers a contract allows: any string. Each is planted as the id of one member.
ODD_IDS = {
    "spaces": "m 17",
    "comma": "m17,5",
    "parentheses": "(m17)",
    "equals": "=m17",
    "accents": "Zoë-ñ7",
    "script": "學生7",
}


@pytest.fixture(scope="session")
def smoke(tmp_path_factory):
    return build_smoke_report(tmp_path_factory.getbasetemp())


def dataset_with_member_ids(*ids: str) -> Dataset:
    """The hand-made dataset, its first member renamed to the first id and one more member
    for each other id (members only: each id is found in one column)."""
    frames = make_valid_frames()
    members = frames["members"]
    members.loc[0, "member_id"] = ids[0]
    extra = members.iloc[[0] * (len(ids) - 1)].reset_index(drop=True)
    extra["member_id"] = list(ids[1:])
    frames["members"] = pd.concat([members, extra], ignore_index=True)
    return Dataset.from_frames(frames)


@pytest.fixture
def ds() -> Dataset:
    return dataset_with_member_ids("M000123", *ODD_IDS.values())


def hits_of(ds: Dataset, folder) -> set[tuple[str, str, int]]:
    return {(h.file, f"{h.table}.{h.column}", h.count) for h in scan_outputs(ds, folder)}


@pytest.mark.slow
def test_a_report_is_refused_when_an_output_holds_an_identifier(tmp_path):
    # The run itself scans: a notebook that prints a member's id is not published, and the
    # refusal names the file and column, not the value.
    data = write_dataset({**make_valid_frames(), **make_reference_frames()}, tmp_path / "data")
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    nb = json.loads((FIXTURE_NOTEBOOKS / "good.ipynb").read_text())
    nb["cells"].append({"cell_type": "markdown", "metadata": {}, "source": "Member m2 left."})
    (notebooks / "good.ipynb").write_text(json.dumps(nb))
    args = ["--year", "2022", "--data", str(data), "--notebooks", str(notebooks)]
    refused = run_report(*args, "--out", str(tmp_path / "out"), "--min-cell", "1")
    assert refused.returncode == 1
    assert "good.html: 1 occurrence of members.member_id values" in refused.stderr
    assert not re.search(r"\bm2\b", refused.stderr)
    assert not (tmp_path / "out" / "2022").exists()
    unchecked = run_report(*args, "--out", str(tmp_path / "out2"), "--no-privacy-check")
    assert unchecked.returncode == 0, unchecked.stderr
    assert "privacy: scan turned off (--no-privacy-check)" in unchecked.stdout


@pytest.mark.slow
def test_the_committees_texts_are_scanned_like_every_output(tmp_path):
    # An opinion that names a member by their identifier is not published.
    data = write_dataset({**make_valid_frames(), **make_reference_frames()}, tmp_path / "data")
    committee = tmp_path / "committee" / "2022"
    committee.mkdir(parents=True)
    (committee / "opinion.en.md").write_text("We met member m2 in June.\n", encoding="utf-8")
    refused = run_report(
        "--year", "2022", "--data", str(data), "--notebooks", str(FIXTURE_NOTEBOOKS),
        "--out", str(tmp_path / "out"), "--min-cell", "1",
        "--committee", str(tmp_path / "committee"), "--sections", "good",
    )  # fmt: skip
    assert refused.returncode == 1
    assert "committee.html: 1 occurrence of members.member_id values" in refused.stderr
    assert not re.search(r"\bm2\b", refused.stderr)


@pytest.mark.slow
def test_no_output_of_a_run_holds_an_identifier_of_its_dataset(smoke):
    assert smoke.result.returncode == 0, smoke.result.stderr
    assert "privacy: no identifier in" in smoke.result.stdout
    ds = load_dataset(smoke.data)
    outputs = [p for p in smoke.folder.rglob("*") if p.is_file()]
    assert {p.suffix for p in outputs} >= {".html", ".csv", ".ipynb", ".json"}
    assert scan_outputs(ds, smoke.folder) == []


@pytest.mark.slow
def test_the_scan_finds_a_value_of_every_identifier_column_of_the_run(smoke, tmp_path):
    # A planted value of each column is found: the scan really looks at them all (a
    # column that refers to another is found as the column it refers to).
    ds = load_dataset(smoke.data)
    for table, columns in contract.IDENTIFIER_COLUMNS.items():
        if not ds.has(table):
            continue
        for column in columns:
            value = ds.scalar(f'SELECT max("{column}") FROM "{table}"')
            if value is not None:
                (tmp_path / f"{table}.{column}.html").write_text(f"<td>{value}</td>")
    planted = {p.name for p in tmp_path.iterdir()}
    assert len(planted) >= 12
    assert {file for file, _, _ in hits_of(ds, tmp_path)} == planted
    found = {column for _, column, _ in hits_of(ds, tmp_path)}
    assert {"members.member_id", "course_enrollments.course_enrollment_id"} <= found


@pytest.mark.parametrize("kind", sorted(ODD_IDS))
@pytest.mark.parametrize(
    ("template", "name"),
    [
        ("<td>{}</td>", "page.html"),
        ("year,member\n2022,{}\n", "kpis.csv"),
        ("note: {}.", "notes.md"),
        ("«{}»", "notes.txt"),
    ],
)
def test_an_identifier_of_any_characters_is_found_in_any_file(tmp_path, ds, kind, template, name):
    (tmp_path / name).write_text(template.format(ODD_IDS[kind]), encoding="utf-8")
    assert hits_of(ds, tmp_path) == {(name, "members.member_id", 1)}


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("<td>M000123</td><td>M000123</td>", "page.html"),
        ('<p title="M000123">x</p>\n<p>(M000123)</p>', "page.html"),
        ("year,member\n2022,M000123\n2023,M000123\n", "kpis.csv"),
        ("(M000123), then [M000123]", "notes.md"),
    ],
)
def test_each_occurrence_is_counted(tmp_path, ds, text, name):
    (tmp_path / name).write_text(text)
    assert hits_of(ds, tmp_path) == {(name, "members.member_id", 2)}


def test_an_identifier_in_an_executed_notebook_is_found_once_unescaped(tmp_path, ds):
    # JSON escapes quotes and may escape non-ASCII letters: the scan reads its strings.
    cell = {"outputs": [{"text/plain": ["member Zo\u00eb-\u00f17 left"]}]}
    folder = tmp_path / "notebooks"
    folder.mkdir()
    (folder / "funnel.ipynb").write_text(json.dumps({"cells": [cell]}, ensure_ascii=True))
    assert hits_of(ds, tmp_path) == {("notebooks/funnel.ipynb", "members.member_id", 1)}


def test_an_identifier_behind_html_entities_or_csv_quotes_is_found(tmp_path):
    ds = dataset_with_member_ids('a&b "7"')
    (tmp_path / "page.html").write_text("<td>a&amp;b &quot;7&quot;</td>")
    (tmp_path / "kpis.csv").write_text('member\n"a&b ""7"""\n')
    assert hits_of(ds, tmp_path) == {
        ("page.html", "members.member_id", 1),
        ("kpis.csv", "members.member_id", 1),
    }


def test_an_identifier_in_embedded_svg_is_found_and_raster_bytes_are_skipped(tmp_path, ds):
    svg = base64.b64encode(b"<svg><text>M000123</text></svg>").decode()
    (tmp_path / "chart.html").write_text(f'<img src="data:image/svg+xml;base64,{svg}">')
    (tmp_path / "other.html").write_text('<img src="data:image/png;base64,AAM000123+AA==">')
    assert hits_of(ds, tmp_path) == {("chart.html", "members.member_id", 1)}


def test_a_short_identifier_inside_a_word_or_number_is_not_found(tmp_path):
    ds = dataset_with_member_ids("q2", "é7")
    (tmp_path / "index.html").write_text(
        "<p>1,325 visitors in 2022; q22, xq2, q2x, 1q2 and q2é are words; é77, aé7</p>"
    )
    assert hits_of(ds, tmp_path) == set()
    (tmp_path / "index.html").write_text("<p>q2_é7</p>")
    assert hits_of(ds, tmp_path) == {("index.html", "members.member_id", 2)}


def test_the_refusal_never_holds_the_value(tmp_path, ds):
    (tmp_path / "page.html").write_text("<td>M000123</td>")
    [hit] = scan_outputs(ds, tmp_path)
    assert "M000123" not in hit.describe()
    assert hit.describe() == "page.html: 1 occurrence of members.member_id values"


def test_a_file_that_is_not_text_is_listed_as_skipped(tmp_path, ds):
    (tmp_path / "report.pdf").write_bytes(b"%PDF-1.7\n\x00\xff binary M000123")
    (tmp_path / "page.html").write_text("<p>clean</p>")
    scan = scan_folder(ds, tmp_path)
    assert scan.hits == [] and scan.skipped == ["report.pdf"] and scan.files == 1


def test_an_identifier_in_the_text_of_a_pdf_is_found(tmp_path, ds):
    from weasyprint import HTML

    HTML(string="<h1>Report</h1><p>Withheld: M000123 (second page)</p>").write_pdf(
        tmp_path / "mission-report-2022-en.pdf"
    )
    scan = scan_folder(ds, tmp_path)
    assert scan.skipped == []
    assert hits_of(ds, tmp_path) == {("mission-report-2022-en.pdf", "members.member_id", 1)}


def test_candidates_are_the_stretches_bounded_by_non_alphanumerics():
    assert bounded_substrings("ab (c1) d", [2]) == {"ab", "c1", " d"}
    assert bounded_substrings("ab (c1) d", [4]) == {"(c1)"}


def test_a_column_is_read_only_when_the_start_its_values_share_is_in_the_outputs():
    value_range = ("CE00000001", "CE13213949")
    assert not could_occur(value_range, ["the CEO met CE2", "xCE01 is inside a word"])
    assert could_occur(value_range, ["(CE01)"])
    assert could_occur(value_range, ["CE1 at the start"])
    # Values that share no start still begin between their first letters.
    assert could_occur(("A1", "Z9"), ["a Mx"]) and not could_occur(("A1", "Z9"), ["nothing"])
    assert could_occur(("", "Z9"), ["nothing"])


# --- identifiers that read as numbers -----------------------------------------------------

NUMERIC_IDS = {"short": "7", "medium": "48213", "long": "123456789012", "decimal": "17,5"}


@pytest.fixture
def numeric_ds() -> Dataset:
    return dataset_with_member_ids("M000123", *NUMERIC_IDS.values())


FIGURES = {
    "page.html": (
        "<p>7 of 48213 visitors (17,5 %); 123456789012 in all, 2022</p>"
        '<table><thead><tr><th></th><th scope="col">Applicants</th><th>2022</th></tr></thead>'
        "<tbody><tr><th>7</th><td>48213</td><td>123456789012</td></tr></tbody></table>"
        "<svg><text>48213</text><text>7</text></svg>"
    ),
    "kpis.csv": "metric,segment,value,numerator,denominator\nrate,all,17,5,7\ncount,all,48213,,\n",
    "run.json": '{"year": 2022, "figures": [7, 48213, 123456789012], "note": "7 of 48213"}',
    "notes.md": "Of 48213 applicants, 7 were admitted (17,5 %).",
}


def test_numbers_in_figures_are_not_identifiers(tmp_path, numeric_ds):
    for name, text in FIGURES.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    assert hits_of(numeric_ds, tmp_path) == set()


@pytest.mark.parametrize("kind", sorted(NUMERIC_IDS))
@pytest.mark.parametrize(
    ("template", "name"),
    [
        ('member_id,year\n"{}",2022\n', "rows.csv"),  # a CSV field under an identifier
        ('year,ID\n2022,"{}"\n', "kpis.csv"),
        ("<table><tr><td>{}</td><td>2022</td></tr></table>", "page.html"),  # no header row
        ("<table><tr><th>memberId</th></tr><tr><td>{}</td></tr></table>", "list.html"),
        ('{{"rows": [{{"member": "{}"}}]}}', "run.json"),  # a JSON string
        ('{{"cells": [{{"id": "1", "outputs": [{{"text": "{}"}}]}}]}}', "nb.ipynb"),
    ],
)
def test_a_numeric_identifier_is_found_where_it_would_leak(
    tmp_path, numeric_ds, kind, template, name
):
    (tmp_path / name).write_text(template.format(NUMERIC_IDS[kind]), encoding="utf-8")
    assert hits_of(numeric_ds, tmp_path) == {(name, "members.member_id", 1)}


def test_a_chart_s_embedded_figures_are_searched_as_csv(tmp_path, numeric_ds):
    leaked = base64.b64encode(b"member_id\n48213\n").decode()
    figures = base64.b64encode(b"label,value\na,48213\n").decode()
    (tmp_path / "page.html").write_text(
        f'<a href="data:text/csv;base64,{leaked}">x</a><a href="data:text/csv;base64,{figures}">'
    )
    assert hits_of(numeric_ds, tmp_path) == {("page.html", "members.member_id", 1)}


def test_a_word_identifier_is_still_found_in_running_text(tmp_path, numeric_ds):
    (tmp_path / "notes.md").write_text("Member M000123 left; 48213 stayed.")
    assert hits_of(numeric_ds, tmp_path) == {("notes.md", "members.member_id", 1)}


def integer_ids(frames: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The hand-made dataset with every identifier a whole number, each kind from 1."""
    prefixes = {"ce": "", "mt": "", "m": "", "a": "", "e": "", "o": "", "k": ""}
    columns = {c for names in contract.IDENTIFIER_COLUMNS.values() for c in names}

    def renumber(value):
        if not isinstance(value, str):
            return value
        for prefix in prefixes:
            if value.startswith(prefix) and value[len(prefix) :].isdigit():
                return value[len(prefix) :]
        return value

    return {
        name: frame.assign(**{c: frame[c].map(renumber) for c in frame.columns if c in columns})
        for name, frame in frames.items()
    }


@pytest.mark.slow
def test_a_report_on_integer_identifiers_builds_and_publishes(tmp_path):
    frames = integer_ids(make_valid_frames())
    assert set(frames["members"]["member_id"]) == {"1", "2", "3", "4", "5"}
    data = write_dataset({**frames, **make_reference_frames()}, tmp_path / "data")
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    (notebooks / "good.ipynb").write_text((FIXTURE_NOTEBOOKS / "good.ipynb").read_text())
    args = ["--year", "2022", "--data", str(data), "--notebooks", str(notebooks)]
    built = run_report(*args, "--out", str(tmp_path / "out"), "--min-cell", "1")
    assert built.returncode == 0, built.stderr
    assert "privacy: no identifier in" in built.stdout
    page = tmp_path / "out" / "2022" / "en" / "good.html"
    assert re.search(r">[1-5]<", page.read_text())  # figures equal to ids are published

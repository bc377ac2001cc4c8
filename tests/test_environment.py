"""The three dependency lists (pyproject.toml, environment.yml, requirements.lock) agree."""

import re
import tomllib

from helpers.core.paths import ROOT

# conda-forge spells a few packages differently from PyPI.
CONDA_NAMES = {"duckdb": "python-duckdb", "xxhash": "python-xxhash"}


def _pyproject_names() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = list(project["dependencies"]) + list(project["optional-dependencies"]["dev"])
    return {re.split(r"[<>=!~\[; ]", n, maxsplit=1)[0].lower() for n in names}


def _lock() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, version = line.split("==")
            pins[name.lower()] = version
    return pins


def _environment_yml() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "environment.yml").read_text().splitlines():
        match = re.fullmatch(r"\s+- ([A-Za-z0-9_.-]+)=([0-9][^\s]*)", line)
        if match:
            pins[match.group(1).lower()] = match.group(2)
    return pins


def test_environment_yml_names_the_same_packages_as_pyproject():
    conda = set(_environment_yml()) - {"python"}
    expected = {CONDA_NAMES.get(n, n) for n in _pyproject_names()}
    assert conda == expected


def test_every_direct_dependency_is_pinned_in_the_lock():
    lock = _lock()
    assert _pyproject_names() <= set(lock)


def test_environment_yml_pins_the_locked_versions():
    lock = _lock()
    reverse = {v: k for k, v in CONDA_NAMES.items()}
    for conda_name, version in _environment_yml().items():
        if conda_name == "python":
            continue
        assert lock[reverse.get(conda_name, conda_name)] == version, conda_name


def test_design_card_packages_are_declared():
    assert {
        "jupyterlab",
        "pandas",
        "seaborn",
        "papermill",
        "nbconvert",
        "scipy",
    } <= _pyproject_names()

"""The three dependency lists (pyproject.toml, environment.yml, requirements.lock) agree."""

import importlib.util
import re
import subprocess
import sys
import tomllib
from importlib.metadata import entry_points
from pathlib import Path

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


# --- the analyst's environment (.venv) and the benchmark's (.venv-bench) ----------------

# The Jupyter server extensions JupyterLab needs: itself, its language-server bridge,
# its terminals, and the shim that lets it serve classic extensions.
SERVER_EXTENSIONS = {"jupyterlab", "jupyter_lsp", "jupyter_server_terminals", "notebook_shim"}
# jupyter_client's own way of starting a kernel, the only one JupyterLab uses here.
KERNEL_PROVISIONERS = {"local-provisioner"}
# Server settings that replace a part of the server: none is expected.
REPLACED_PARTS = ("contents_manager_class", "kernel_manager_class", "kernel_spec_manager_class")


def _bench_names() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return {n.lower() for n in project["optional-dependencies"]["bench"]}


def _pins(path) -> dict[str, str]:
    lines = path.read_text().splitlines()
    return dict(line.strip().lower().split("==") for line in lines if "==" in line)


def test_the_benchmark_s_tools_are_locked_apart_from_the_analyst_s_environment():
    bench_lock, lock = _pins(ROOT / "requirements-bench.lock"), _lock()
    assert _bench_names() <= set(bench_lock)
    assert not _bench_names() & set(lock)
    # Both lock files pin the packages they share at one version.
    shared = set(bench_lock) & set(lock)
    assert shared and {n: bench_lock[n] for n in shared} == {n: lock[n] for n in shared}


def test_the_analyst_s_environment_holds_none_of_the_benchmark_s_tools():
    # Ploomber pulls notebook 6, nbclassic and jupytext; none of them is JupyterLab's.
    for module in [*_bench_names(), "jupytext", "nbclassic", "notebook"]:
        assert importlib.util.find_spec(module) is None, module


def test_the_jupyter_server_extensions_are_those_jupyterlab_needs():
    jupyter = Path(sys.executable).parent / "jupyter"
    done = subprocess.run(
        [jupyter, "server", "extension", "list"], capture_output=True, text=True, timeout=120
    )
    listing = re.sub(r"\x1b\[[0-9;]*m", "", done.stdout + done.stderr)
    enabled = set(re.findall(r"^\s+([\w.-]+) enabled$", listing, flags=re.MULTILINE))
    assert "jupyterlab" in enabled, listing
    assert enabled <= SERVER_EXTENSIONS, enabled - SERVER_EXTENSIONS


def test_no_installed_package_replaces_a_part_of_the_jupyter_server():
    config = Path(sys.prefix) / "etc" / "jupyter"
    for path in sorted(config.rglob("*.json")):
        text = path.read_text(encoding="utf-8")
        assert not any(part in text for part in REPLACED_PARTS), path.name
    provisioners = {e.name for e in entry_points(group="jupyter_client.kernel_provisioners")}
    assert provisioners <= KERNEL_PROVISIONERS

"""The package's shape: stages that import one way, notebooks on the pages' interface, and a
README whose tree is the package's."""

from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.core.paths import NOTEBOOKS_DIR, PACKAGE_DIR, ROOT

STAGES = ("core", "intake", "figures", "pages", "run", "synth")
# Where a dataset or the shipped reference tables sit: the pages never name them.
DATA_LOCATIONS = {"DATA_DIR", "REFERENCE_DIR", "DEFAULT_DATA_DIR", "BENCH_DATA_DIR"}


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    """``lint-imports`` on the package under ``root``/src, with ``root``'s contracts."""
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from importlinter.cli import lint_imports_command;"
            " sys.exit(lint_imports_command())",
            "--no-cache",
        ],
        cwd=root,
        env={"PYTHONPATH": str(root / "src"), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_stages_import_one_way():
    done = lint_imports(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


@pytest.fixture(scope="module")
def copy_of_the_package(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("package")
    shutil.copytree(
        PACKAGE_DIR, root / "src" / "helpers", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    return root


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        (
            "pages/rogue.py",
            "from helpers.intake.load import load_dataset",
            "never from the dataset",
        ),
        ("figures/rogue.py", "from helpers.pages import render", "runs one way"),
        ("intake/rogue.py", "from helpers.figures import stats", "runs one way"),
        ("core/rogue.py", "from helpers.intake import contract", "runs one way"),
        ("pages/rogue.py", "from helpers.run import publish", "runs one way"),
        ("pages/rogue.py", "from helpers.core.paths import ROOT", "never from the dataset"),
        (
            "pages/sections/rogue.py",
            "from helpers.figures import kpi_file",
            "never from the dataset",
        ),
    ],
)
def test_an_import_against_the_flow_is_caught(copy_of_the_package, module, line, contract):
    rogue = copy_of_the_package / "src" / "helpers" / module
    rogue.write_text(f'"""An import against the flow."""\n\n{line}\n', encoding="utf-8")
    try:
        done = lint_imports(copy_of_the_package)
    finally:
        rogue.unlink()
    assert done.returncode != 0
    broken = [block for block in done.stdout.split("\n\n") if "BROKEN" in block]
    assert any(contract in block for block in broken), done.stdout


def python_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.py") if "__pycache__" not in p.parts)


@pytest.mark.parametrize("path", python_files(PACKAGE_DIR / "pages"), ids=lambda p: p.name)
def test_pages_never_name_where_the_data_sits(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    named = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "helpers.core.paths":
            named |= {alias.name for alias in node.names}
        if isinstance(node, ast.Attribute) and node.attr in DATA_LOCATIONS:
            named.add(node.attr)
    assert not named & DATA_LOCATIONS


def notebook_imports(notebook: Path) -> set[str]:
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    found = set()
    for cell in cells:
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.ImportFrom):
                found.add(node.module or "")
            elif isinstance(node, ast.Import):
                found |= {alias.name for alias in node.names}
    return found


@pytest.mark.parametrize("notebook", sorted(NOTEBOOKS_DIR.glob("*.ipynb")), ids=lambda p: p.stem)
def test_notebooks_import_only_the_pages_interface(notebook):
    ours = {m for m in notebook_imports(notebook) if m.split(".")[0] == "helpers"}
    assert ours == {"helpers.pages.sections"}


@pytest.mark.parametrize("stage", STAGES)
def test_each_stage_opens_with_what_it_takes_and_gives(stage):
    doc = ast.get_docstring(ast.parse((PACKAGE_DIR / stage / "__init__.py").read_text()))
    assert doc and len(doc.split()) >= 20


# --- the README's tree ------------------------------------------------------------------


def readme_tree() -> tuple[set[str], set[str]]:
    """The folders and modules of src/helpers that the README's layout names, as paths
    relative to the package ("figures/metrics", "figures/metrics/carbon.py")."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("## Layout", 1)[1].split("```", 2)[1]
    folders: set[str] = set()
    modules: set[str] = set()
    stack: list[tuple[int, str]] = []
    inside = False
    for line in block.splitlines():
        indent = len(line) - len(line.lstrip())
        first = re.split(r"\s{2,}", line.strip(), maxsplit=1)[0] if line.strip() else ""
        if indent == 0:
            inside = first == "src/helpers/"
            stack = [(-1, "")]
            continue
        if not inside or not first:
            continue
        while stack[-1][0] >= indent:
            stack.pop()
        parent = stack[-1][1]
        if re.fullmatch(r"\w+/", first):
            path = f"{parent}{first}"
            folders.add(path.rstrip("/"))
            stack.append((indent, path))
        elif re.match(r"\w+\.py\b", first):
            modules |= {f"{parent}{name}" for name in re.findall(r"\b\w+\.py\b", first)}
    return folders, modules


def package_tree() -> tuple[set[str], set[str]]:
    files = [p.relative_to(PACKAGE_DIR).as_posix() for p in python_files(PACKAGE_DIR)]
    folders = {str(Path(f).parent) for f in files} - {"."}
    folders |= {p.relative_to(PACKAGE_DIR).as_posix() for p in PACKAGE_DIR.glob("*/templates")}
    return folders, set(files)


def test_the_readme_tree_is_the_package():
    named_folders, named_modules = readme_tree()
    folders, modules = package_tree()
    assert named_folders == folders
    # Every module is named; an ``__init__.py`` may go without saying.
    assert named_modules <= modules, sorted(named_modules - modules)
    unnamed = {m for m in modules - named_modules if not m.endswith("__init__.py")}
    assert not unnamed, sorted(unnamed)

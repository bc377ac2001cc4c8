"""docs/sections.md, the reference of what a section notebook calls, is the one the
code writes (``make section-doc``), and names everything the notebooks call."""

from __future__ import annotations

import ast
import json
import re

from helpers.core.paths import DOCS_DIR, NOTEBOOKS_DIR
from helpers.pages import section_doc

DOC = DOCS_DIR / "sections.md"


def test_the_page_is_current():
    assert DOC.read_text(encoding="utf-8") == section_doc.render(), (
        "docs/sections.md is out of date: run make section-doc"
    )


def test_check_says_whether_a_page_is_current(tmp_path):
    page = tmp_path / "sections.md"
    page.write_text("# stale\n", encoding="utf-8")
    assert section_doc.main(["--check", str(page)]) == 1
    assert section_doc.main([str(page)]) == 0
    assert section_doc.main(["--check", str(page)]) == 0


def called_methods() -> set[tuple[str, str]]:
    """(variable, method) of every ``variable.method(...)`` call of the notebooks."""
    calls = set()
    for notebook in sorted(NOTEBOOKS_DIR.glob("*.ipynb")):
        for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] != "code":
                continue
            for node in ast.walk(ast.parse("".join(cell["source"]))):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                    owner = node.func.value
                    if isinstance(owner, ast.Name):
                        calls.add((owner.id, node.func.attr))
    return calls


def test_every_call_of_a_notebook_is_on_the_page_with_what_it_does():
    page = section_doc.render()
    variables = {variable for _, _, variable in section_doc.OPENED}
    calls = {(v, m) for v, m in called_methods() if v in variables}
    assert calls
    for variable, method in sorted(calls):
        # A method is listed once, with the first class that defines it.
        entry = next(
            (line for line in page.splitlines() if re.match(rf"- `\w+\.{method}\(", line)),
            None,
        )
        assert entry is not None, f"{variable}.{method}"
        assert "`: " in entry, f"{variable}.{method} has no docstring"

"""What a section notebook may call, as an analyst reads it: ``docs/sections.md``,
written from the docstrings of ``helpers.pages.sections``.

A notebook imports ``helpers.pages.sections`` and calls the functions it exports
(``open_section``, ``open_scorecard``, ``open_reconciliation``) and the methods of the
object they return. The page lists them, grouped by the module that holds them (the
lead and texts, tables, charts, chart titles, impact pieces, caveats, ...), each with
its signature and the first paragraph of its docstring; a test fails when the committed
page differs from what this module writes. Regenerate it with ``make section-doc``.

    python -m helpers.pages.section_doc [--check] OUT
"""

from __future__ import annotations

import argparse
import inspect
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from helpers.pages import sections

INTRO = """\
# What a section notebook calls

A section notebook holds a `parameters` cell, then calls to `helpers.pages.sections`
only: `open_section(...)` gives a `Section` whose methods display the run's figures as
the committee reads them (texts, tables, charts). This page lists what a notebook may
call, grouped by the module that holds it, with the first paragraph of each docstring.
It is generated from the code by `make section-doc`; a test keeps it current.

Arguments named `metric` are ids of the KPI file (the metric registry,
`src/helpers/figures/registry.py`; their definitions are on the report's methods page);
`segment` is a group (`all`, `underserved`, a category, a scope, a team); keys such as
`"carbon.chart_scopes"` name texts of the catalogs `src/helpers/pages/i18n/en.toml` and
`fr.toml`.
"""

# The objects a notebook receives, and the variable the notebooks name each one.
OPENED = (
    ("open_section", sections.Section, "section"),
    ("open_scorecard", sections.Scorecard, "scorecard"),
    ("open_reconciliation", sections.Reconciliation, "page"),
)


def first_paragraph(thing: object) -> str:
    """The first paragraph of ``thing``'s docstring, on one line."""
    doc = inspect.getdoc(thing) or ""
    return " ".join(doc.split("\n\n", 1)[0].split())


def signature(name: str, function: Callable) -> str:
    """``name(arguments)``, without ``self`` and annotations (they are in the code)."""
    parameters = [
        p.replace(annotation=inspect.Parameter.empty)
        for p in inspect.signature(function).parameters.values()
        if p.name != "self"
    ]
    return f"{name}({', '.join(str(p) for p in parameters)})"


def module_path(cls: type) -> str:
    return "src/" + cls.__module__.replace(".", "/") + ".py"


def own_members(cls: type) -> list[tuple[str, object]]:
    """The public methods and properties ``cls`` defines itself, in source order."""
    members = [
        (name, value)
        for name, value in vars(cls).items()
        if not name.startswith("_") and (callable(value) or isinstance(value, property))
    ]
    return members


def describe_class(cls: type, variable: str, seen: set[type]) -> list[str]:
    """The sections of the page for ``cls`` and the classes it is made of."""
    lines: list[str] = []
    for part in cls.__mro__:
        if part is object or part in seen or not own_members(part):
            continue
        seen.add(part)
        lines += ["", f"### `{part.__name__}` (`{module_path(part)}`)", ""]
        summary = first_paragraph(part)
        if summary:
            lines += [summary, ""]
        for name, value in own_members(part):
            if isinstance(value, property):
                entry = f"`{variable}.{name}`"
                doc = first_paragraph(value.fget)
            else:
                function = (
                    value.__func__ if isinstance(value, staticmethod | classmethod) else value
                )
                entry = f"`{variable}.{signature(name, function)}`"
                doc = first_paragraph(function)
            lines.append(f"- {entry}" + (f": {doc}" if doc else ""))
    return lines


def render() -> str:
    """The whole page, as ``docs/sections.md`` holds it."""
    lines = [INTRO.rstrip("\n"), "", "## Opening a section", ""]
    for name, _, variable in OPENED:
        function = getattr(sections, name)
        lines.append(f"- `{variable} = {signature(name, function)}`: {first_paragraph(function)}")
    lines += ["", "## Names a notebook imports", ""]
    for name in sorted(n for n in sections.__all__ if n.isupper()):
        lines.append(f"- `{name}` = `{getattr(sections, name)!r}`")
    seen: set[type] = set()
    for _, cls, variable in OPENED:
        lines += ["", f"## `{cls.__name__}`: what `{variable}.` offers"]
        lines += describe_class(cls, variable, seen)
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m helpers.pages.section_doc",
        description="Write the reference of what a section notebook calls.",
    )
    parser.add_argument("out", type=Path, help="the page to write (docs/sections.md)")
    parser.add_argument("--check", action="store_true", help="only say whether it is current")
    args = parser.parse_args(argv)
    page = render()
    if args.check:
        current = args.out.is_file() and args.out.read_text(encoding="utf-8") == page
        if not current:
            print(f"{args.out}: out of date: run make section-doc", file=sys.stderr)
        return 0 if current else 1
    args.out.write_text(page, encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

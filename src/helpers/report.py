"""Build the committee's report of a year: ``python -m helpers.report --year 2022``.

The command line of a run; the run itself is ``helpers.run.orchestrate``. In order: check
the parameters and every notebook's parameters cell; work out what is already built
(each section is keyed by the hash of its notebook, the helper code, the data
fingerprint and the parameters; with nothing changed the run stops there); start worker
processes that warm a kernel each; validate the dataset (refused with one line per
broken rule before any notebook runs; a dataset this code already found valid is not
checked again) and compute the run's figures once, shared by every language; execute
and render the sections that changed; write the methods notes, the index, the PDF, the
KPI file and the executed notebooks of each language into a staging folder and swap it
in for OUT/Y at once. A failure leaves OUT/Y as it was and says in one line which
notebook and cell failed. ``--no-cache`` builds everything again.

``--lang`` takes ``en``, ``fr``, ``en,fr`` or ``all``: each language goes to
OUT/Y/<lang>/ and OUT/Y/index.html chooses between them; building one language keeps
the other as published before.

OUT must be a new or empty folder, or one this project writes reports into (it holds
the ``.mission-report`` marker the first run writes); any other folder is refused.

Exit status (``helpers.core.exit_codes``): 0 built or up to date, 1 failed (data refused,
year not covered, notebook, disk, lock), 2 bad command line, parameters, or a data or
output folder that cannot be used.
"""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from helpers.core.exit_codes import DONE, REFUSED, USAGE
from helpers.core.params import DEFAULT_MIN_CELL, LANGUAGES, ReportParams, find_problems
from helpers.core.paths import (
    COMMITTEE_DIR,
    DEFAULT_DATA_DIR,
    METHODS_NOTES,
    NOTEBOOKS_DIR,
    OUTPUTS_DIR,
)
from helpers.run import orchestrate, publish
from helpers.run.assemble import FOLDER_README_TEMPLATES
from helpers.run.execute import one_line
from helpers.run.orchestrate import Terminated
from helpers.run.plan import (
    DEFAULT_CELL_TIMEOUT,
    DEFAULT_WORKERS,
    MANIFEST,
    SECTION_ORDER,
    ReportFailure,
    ReportOptions,
    list_sections,
)
from helpers.run.prepare import validate_dataset
from helpers.run.progress import Progress

__all__ = ["FOLDER_README_TEMPLATES", "MANIFEST", "SECTION_ORDER", "main"]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m helpers.report",
        description="Build the Mission Committee's report of a year into OUT/YEAR.",
    )
    years = parser.add_mutually_exclusive_group(required=True)
    years.add_argument("--year", type=int, help="the report year")
    years.add_argument("--all-years", action="store_true", help="every year the dataset covers")
    # Text, not a Path: a URL's "//" must survive.
    parser.add_argument(
        "--data",
        default=str(DEFAULT_DATA_DIR),
        help="dataset folder, or a postgresql:// URL (read into a snapshot under OUT/.build)",
    )
    parser.add_argument("--out", type=Path, default=OUTPUTS_DIR, help="reports folder")
    parser.add_argument(
        "--committee",
        type=Path,
        default=COMMITTEE_DIR,
        help="folder of the committee's texts, one folder per year (default: committee/)",
    )
    parser.add_argument(
        "--lang", default="en", help="en, fr, en,fr or all (both, sharing the figures)"
    )
    parser.add_argument(
        "--min-cell", type=int, default=DEFAULT_MIN_CELL, help="smallest count published"
    )
    parser.add_argument(
        "--cell-timeout",
        type=float,
        default=DEFAULT_CELL_TIMEOUT,
        help="seconds a notebook cell may run before it is stopped (0: no limit)",
    )
    parser.add_argument(
        "--workers", type=int, default=DEFAULT_WORKERS, help="notebooks run at once"
    )
    parser.add_argument(
        "--notebooks", type=Path, default=NOTEBOOKS_DIR, help="folder of section notebooks"
    )
    parser.add_argument(
        "--methods",
        type=Path,
        default=METHODS_NOTES,
        help="hand-written methods notes (Markdown), part of methods.html",
    )
    parser.add_argument(
        "--no-privacy-check",
        action="store_true",
        help="publish without scanning the outputs for the dataset's identifiers (faster; "
        "the run says so)",
    )
    parser.add_argument(
        "--sections",
        default="",
        help="comma-separated sections to build (e.g. funnel,carbon) into OUT/YEAR-<sections>, "
        "leaving the full report OUT/YEAR as it is; default: every section",
    )
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="reuse nothing built before: check the data, compute the figures and run "
        "every section again (the previous report stays until the new one replaces it)",
    )
    return parser.parse_args(argv)


def parse_languages(text: str) -> tuple[str, ...]:
    """The languages of ``--lang`` in the catalog's order; empty when it names an unknown
    one (``en``, ``fr``, ``en,fr``, ``fr,en`` or ``all``)."""
    names = [n.strip() for n in text.split(",")]
    if names == ["all"]:
        return LANGUAGES
    if not names or any(n not in LANGUAGES for n in names):
        return ()
    return tuple(lang for lang in LANGUAGES if lang in names)


def make_options(
    args: argparse.Namespace, year: int, sibling_years: Sequence[int] = ()
) -> list[ReportOptions]:
    """The options of each language asked for, for ``year``."""
    return [
        make_language_options(args, year, lang, sibling_years)
        for lang in parse_languages(args.lang)
    ]


def make_language_options(
    args: argparse.Namespace, year: int, lang: str, sibling_years: Sequence[int] = ()
) -> ReportOptions:
    data_dir = Path(args.data).resolve()
    # A snapshot's folder is temporary: the run records the source it was read from.
    shown = getattr(args, "shown", None) or str(data_dir)
    params = ReportParams(year=year, data_dir=shown, lang=lang, min_cell=args.min_cell)
    return ReportOptions(
        params=params,
        data_dir=data_dir,
        out=args.out.resolve(),
        notebooks_dir=args.notebooks.resolve(),
        methods=choose_methods_notes(args.methods.resolve(), lang),
        cell_timeout=args.cell_timeout or None,
        workers=max(1, args.workers),
        check_privacy=not args.no_privacy_check,
        sibling_years=tuple(sibling_years),
        use_cache=not args.no_cache,
        sections=chosen_sections(args),
        committee=args.committee.resolve(),
    )


def chosen_sections(args: argparse.Namespace) -> tuple[str, ...]:
    """The sections named by ``--sections``, in reading order (empty: all)."""
    names = {n.strip() for n in args.sections.split(",") if n.strip()}
    return tuple(s.name for s in list_sections(args.notebooks) if s.name in names)


def find_unknown_sections(args: argparse.Namespace) -> str:
    """A usage problem when ``--sections`` names a section that has no notebook."""
    names = [n.strip() for n in args.sections.split(",") if n.strip()]
    known = [s.name for s in list_sections(args.notebooks)]
    unknown = [n for n in names if n not in known]
    if args.sections and not names:
        return "--sections names no section"
    if unknown:
        return f"unknown section {', '.join(unknown)}; choose among {', '.join(known)}"
    return ""


def choose_methods_notes(notes: Path, lang: str) -> Path:
    """The methods notes in ``lang`` (``methods.fr.md`` beside ``methods.md``) if written,
    else ``notes``."""
    translated = notes.with_name(f"{notes.stem}.{lang}{notes.suffix}")
    return translated if translated.is_file() else notes


def main(argv: Sequence[str] | None = None) -> int:
    """Command line; see the module docstring for the exit status."""
    from helpers.intake.load import ContractError, UnusableDatasetError
    from helpers.intake.pgsource import SourceError, resolve

    args = parse_args(argv)
    progress = Progress()
    previous = signal.signal(signal.SIGTERM, _terminate)
    progress.start()
    try:
        # Checked before any data is read; the year, for --all-years, comes from the data.
        given = {"min_cell": args.min_cell}
        problems = find_problems(given if args.all_years else {**given, "year": args.year})
        if not parse_languages(args.lang):
            problems.insert(0, f"--lang must be en, fr, en,fr or all (both), got {args.lang!r}")
        if unknown := find_unknown_sections(args):
            problems.append(unknown)
        if problems:
            print(f"report failed: {'; '.join(problems)}", file=sys.stderr)
            return USAGE
        publish.claim_output_folder(args.out.resolve())
        with resolve(args.data, work=publish.build_root(args.out)) as resolved:
            if resolved.source is not None:
                progress.say(f"snapshot: {resolved.shown} read")
            args.data = str(resolved.folder)
            args.shown = resolved.shown if resolved.source is not None else None
            try:
                build_years(args, progress)
            except UnusableDatasetError:
                raise
            except ContractError as error:
                raise resolved.locate(error) from None
        return DONE
    except publish.OutputFolderError as error:
        print(f"report failed: {error}", file=sys.stderr)
        return USAGE
    except SourceError as error:
        print(f"report failed: {error}; the previous report is untouched", file=sys.stderr)
        return REFUSED
    except UnusableDatasetError as error:
        # Caught before ContractError, its parent: the folder named is not a dataset.
        print(f"report failed: {one_line(str(error))}", file=sys.stderr)
        return USAGE
    except ContractError as error:
        print(str(error), file=sys.stderr)
        print(
            "report failed: the dataset breaks the data contract; no notebook was run",
            file=sys.stderr,
        )
        return 1
    except (ReportFailure, publish.ReportBusyError) as error:
        message = str(error)
        if not message.startswith("report failed"):
            message = f"report failed: {message}"
        print(message, file=sys.stderr)
        return 1
    except OSError as error:
        print(f"report failed: {describe_os_error(error)}", file=sys.stderr)
        return 1
    except Terminated:
        print("report stopped: terminated; the previous report is untouched", file=sys.stderr)
        return 128 + signal.SIGTERM
    except KeyboardInterrupt:
        print("report stopped: interrupted; the previous report is untouched", file=sys.stderr)
        return 130
    finally:
        progress.stop()
        signal.signal(signal.SIGTERM, previous)


def build_years(args: argparse.Namespace, progress: Progress) -> None:
    """Build the year asked for, or every year the dataset covers, in each language."""
    ds = None
    years = [args.year]
    if args.all_years:
        from helpers.figures.run_data import list_covered_years

        ds = validate_dataset(Path(args.data).resolve(), progress, not args.no_cache)
        years = list_covered_years(ds)
    siblings = years if args.all_years else ()
    orchestrate.build_years(years, lambda year: make_options(args, year, siblings), progress, ds)


def describe_os_error(error: OSError) -> str:
    """One line naming the file and the cause (disk full, read-only, no permission)."""
    where = f"{error.filename}: " if error.filename else ""
    return f"cannot write the report: {where}{error.strerror or error}"


def _terminate(signum: int, frame: Any) -> None:
    raise Terminated()


if __name__ == "__main__":
    raise SystemExit(main())

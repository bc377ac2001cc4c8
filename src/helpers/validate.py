"""Check a dataset folder against the data contract before any report is run.

    python -m helpers.validate DIR|postgresql://... [--reference DIR]

Prints one line per broken rule (file, column, rule, count of rows and the first
offending rows) and a verdict; on a valid dataset, one line per warning about values
possible but implausible (``helpers.intake.plausibility``), which do not change the verdict,
and one per column outside the contract, ignored. A PostgreSQL schema is read into a
temporary snapshot first (``helpers.intake.pgsource``); its problems name schema.table and give
the SQL listing the offending rows on the server. Exit status (``helpers.core.exit_codes``):
0 valid, 1 the dataset breaks the contract or the database cannot be read, 2 the folder
cannot be examined (missing, not a folder). Bad input never shows a traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from helpers.core import stopping
from helpers.core.exit_codes import DONE, REFUSED, USAGE
from helpers.core.paths import REFERENCE_DIR
from helpers.intake import contract
from helpers.intake.dataset import Dataset
from helpers.intake.load import ContractError, UnusableDatasetError, load_dataset
from helpers.intake.pgsource import SourceError, SourceUrlError, resolve

VALID, INVALID, UNUSABLE = DONE, REFUSED, USAGE


def describe_valid(dataset: Dataset) -> str:
    """The verdict on a valid dataset: tables, rows, and the optional tables absent."""
    tables = sorted(dataset.present, key=list(contract.TABLES_BY_NAME).index)
    rows = sum(dataset.scalar(f'SELECT count(*) FROM "{name}"') for name in tables)
    verdict = f"valid: {len(tables)} tables, {rows} rows"
    if dataset.absent:
        verdict += f"; absent optional: {', '.join(sorted(dataset.absent))}"
    return verdict


def describe_invalid(error: ContractError) -> str:
    """The verdict closing the list of broken rules."""
    count = len(error.problems)
    return f"invalid: {count} broken rule{'s' if count > 1 else ''}"


def main(argv: list[str] | None = None) -> int:
    """Validate the folder named on the command line; return the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m helpers.validate", description="Check a dataset against the data contract."
    )
    # Text, not a Path: a URL's "//" must survive.
    parser.add_argument("data_dir", help="the dataset folder, or a postgresql:// URL")
    parser.add_argument(
        "--reference",
        type=Path,
        default=REFERENCE_DIR,
        help="the shipped reference tables (default: data/reference)",
    )
    args = parser.parse_args(argv)
    with stopping.guarded():
        return check(args)


def check(args: argparse.Namespace) -> int:
    """What ``main`` does once its arguments are read; every failure is one line."""
    try:
        with resolve(args.data_dir) as resolved:
            try:
                dataset = load_dataset(resolved.folder, args.reference)
            except ContractError as error:
                raise resolved.locate(error) from None
            try:
                print(describe_valid(dataset))
                for warning in dataset.warnings:
                    print(f"warning: {warning.problem}")
                for file, column in dataset.ignored:
                    print(f"ignored: {file}: {column}: not in the data contract, never read")
            finally:
                dataset.con.close()
    except UnusableDatasetError as error:
        print(error, file=sys.stderr)
        return UNUSABLE
    except ContractError as error:
        for problem in error.problems:
            print(problem)
        print(describe_invalid(error))
        return INVALID
    except SourceUrlError as error:
        print(error, file=sys.stderr)
        return UNUSABLE
    except SourceError as error:
        print(error, file=sys.stderr)
        return INVALID
    except BaseException as error:
        # A signal, as itself or as the error a library made of it (DuckDB's "Query
        # interrupted"); anything else is a bug, and shows its traceback.
        stop = stopping.stopped_by(error)
        if stop is None:
            raise
        print(f"validate stopped: {stop.word}", file=sys.stderr)
        return stop.status
    return VALID


if __name__ == "__main__":
    raise SystemExit(main())

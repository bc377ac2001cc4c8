"""Check a dataset folder against the data contract before any report is run.

    python -m helpers.validate DIR [--reference DIR]

Prints one line per broken rule (file, column, rule, count of rows and the first
offending rows) and a verdict; on a valid dataset, one line per warning about values
possible but implausible (``helpers.plausibility``), which do not change the verdict.
Exit status (``helpers.exit_codes``): 0 valid, 1 the dataset breaks the contract, 2 the
folder cannot be examined (missing, not a folder). Bad input never shows a traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from helpers import contract
from helpers.dataset import Dataset
from helpers.exit_codes import DONE, REFUSED, USAGE
from helpers.load import ContractError, UnusableDatasetError, load_dataset
from helpers.paths import REFERENCE_DIR

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
    parser.add_argument("data_dir", type=Path, help="the dataset folder")
    parser.add_argument(
        "--reference",
        type=Path,
        default=REFERENCE_DIR,
        help="the shipped reference tables (default: data/reference)",
    )
    args = parser.parse_args(argv)
    try:
        dataset = load_dataset(args.data_dir, args.reference)
    except UnusableDatasetError as error:
        print(error, file=sys.stderr)
        return UNUSABLE
    except ContractError as error:
        for problem in error.problems:
            print(problem)
        print(describe_invalid(error))
        return INVALID
    try:
        print(describe_valid(dataset))
        for warning in dataset.warnings:
            print(f"warning: {warning.problem}")
        for file, column in dataset.ignored:
            print(f"ignored: {file}: {column}: not in the data contract, never read")
    finally:
        dataset.con.close()
    return VALID


if __name__ == "__main__":
    raise SystemExit(main())

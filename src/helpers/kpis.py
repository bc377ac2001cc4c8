"""Write the KPI file of one year from the command line, without notebooks::

    python -m helpers.kpis --year 2022 --data DIR --out outputs/2022/kpis.csv --min-cell 10

The figures are those of ``helpers.figures.kpi_file``; this module validates the dataset
first and turns every failure into one line and an exit status.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from helpers.core import stopping
from helpers.core.exit_codes import DONE, REFUSED, USAGE
from helpers.figures import stats
from helpers.figures.kpi_file import compute_kpis, compute_series, write_kpis, write_series
from helpers.intake.dataset import Dataset


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Return the command-line arguments."""
    parser = argparse.ArgumentParser(
        prog="python -m helpers.kpis", description="Write the KPI file of one report year."
    )
    parser.add_argument("--year", type=int, required=True, help="report year, e.g. 2022")
    parser.add_argument(
        "--data", required=True, help="dataset folder, or a postgresql:// URL (text: keeps its //)"
    )
    parser.add_argument("--out", type=Path, required=True, help="KPI file to write")
    parser.add_argument(
        "--min-cell",
        type=int,
        default=stats.MIN_CELL,
        help="smallest count shown (default %(default)s; 1 shows everything)",
    )
    parser.add_argument("--series", type=Path, help="also write the chart series to this file")
    args = parser.parse_args(argv)
    if args.min_cell < 1:
        parser.error("--min-cell must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Validate the dataset, compute the year's figures and write the KPI file.

    Exit status (``helpers.core.exit_codes``): 0 written, 1 the dataset breaks the contract or
    does not cover the year (or the file cannot be written), 2 bad command line or a
    data folder that does not exist.
    """
    args = parse_args(argv)
    # Imported here: loading and validation are only needed by the command line.
    from helpers.intake.pgsource import is_postgres_url, redact

    shown = redact(args.data) if is_postgres_url(args.data) else args.data
    with stopping.guarded():
        try:
            return write(args, shown)
        except BaseException as error:
            # A signal, as itself or as the error a library made of it (DuckDB's "Query
            # interrupted"); anything else is a bug, and shows its traceback.
            stop = stopping.stopped_by(error)
            if stop is None:
                raise
            print(f"kpis stopped: {stop.word}", file=sys.stderr)
            return stop.status


def write(args: argparse.Namespace, shown: str) -> int:
    """Validate the dataset and write the year's files; every failure is one line."""
    from helpers.intake.load import ContractError, UnusableDatasetError, load_dataset
    from helpers.intake.pgsource import SourceError, SourceUrlError, resolve

    try:
        with resolve(args.data) as resolved:
            try:
                # A dataset this code already found valid (same fingerprint) is not
                # checked again.
                ds = load_dataset(resolved.folder, reuse_verdict=True)
            except ContractError as error:
                if isinstance(error, UnusableDatasetError):
                    raise
                raise resolved.locate(error) from None
            try:
                return write_year(ds, args)
            finally:
                ds.con.close()
    except UnusableDatasetError as error:
        print(f"kpis failed: {error}", file=sys.stderr)
        return USAGE
    except ContractError as error:
        print(f"{shown}: the dataset breaks the data contract\n{error}", file=sys.stderr)
        return REFUSED
    except SourceUrlError as error:
        print(f"kpis failed: {error}", file=sys.stderr)
        return USAGE
    except SourceError as error:
        print(f"kpis failed: {error}", file=sys.stderr)
        return REFUSED


def write_year(ds: Dataset, args: argparse.Namespace) -> int:
    """Write the KPI file (and the series when asked) of ``args.year``; the exit status."""
    from helpers.figures.run_data import list_covered_years

    for warning in ds.warnings:
        print(f"warning: {warning.problem}", file=sys.stderr)
    years = list_covered_years(ds)
    if args.year not in years:
        # As the report: a year outside the data would give a file of empty figures.
        span = f"{years[0]}–{years[-1]}" if years else "no year"
        print(
            f"kpis failed: the dataset does not cover {args.year} (it covers {span})",
            file=sys.stderr,
        )
        return REFUSED
    try:
        kpis = compute_kpis(ds, args.year, args.min_cell)
        written = write_kpis(kpis, args.out)
        print(f"{written}: {len(kpis)} figures for {args.year}", file=sys.stderr)
        if args.series:
            series = write_series(compute_series(ds, args.year, args.min_cell), args.series)
            print(f"{series}: chart series for {args.year}", file=sys.stderr)
    except OSError as error:
        where = f"{error.filename}: " if error.filename else ""
        print(f"kpis failed: cannot write {where}{error.strerror or error}", file=sys.stderr)
        return REFUSED
    return DONE


if __name__ == "__main__":
    raise SystemExit(main())

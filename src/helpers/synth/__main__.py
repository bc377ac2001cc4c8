"""Command line of the generator: ``python -m helpers.synth {ensure,generate} --out DIR``."""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from pathlib import Path

from helpers.core.exit_codes import DONE, REFUSED, USAGE
from helpers.synth.stamp import DEFAULT_SEED, Summary, is_current


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m helpers.synth",
        description="Generate the synthetic dataset (every table of the data contract).",
    )
    parser.add_argument(
        "command",
        choices=("ensure", "generate"),
        help="ensure: generate only if the folder's stamp differs; generate: always",
    )
    parser.add_argument("--out", type=Path, required=True, help="dataset folder to write")
    parser.add_argument("--scale", type=float, default=1.0, help="volume multiplier (default 1)")
    parser.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help=f"seed (default {DEFAULT_SEED})"
    )
    return parser.parse_args(argv)


def report(summary: Summary) -> str:
    if not summary.generated:
        return f"{summary.folder}: synthetic dataset up to date"
    lines = [f"{summary.folder}: synthetic dataset generated in {summary.seconds:.1f} s"]
    lines += [f"  {name:<20} {rows:>12,d} rows" for name, rows in sorted(summary.rows.items())]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Generate; the exit status follows ``helpers.core.exit_codes`` (1: the folder cannot be
    written, 2: bad command line)."""
    args = parse_args(argv)
    if not math.isfinite(args.scale) or args.scale <= 0:
        print("--scale must be a positive number", file=sys.stderr)
        return USAGE
    if args.seed < 0:
        print("--seed must be zero or more", file=sys.stderr)
        return USAGE
    # A relative --out is relative to the working directory, as for any command.
    out = args.out.resolve()
    if args.command == "ensure" and is_current(out, args.scale, args.seed):
        # Answered from the stamp alone, without importing the generator's libraries.
        print(report(Summary(out, generated=False)))
        return DONE
    from helpers.synth.generate import ensure_dataset, generate_dataset

    run = ensure_dataset if args.command == "ensure" else generate_dataset
    try:
        print(report(run(out, scale=args.scale, seed=args.seed)))
    except OSError as error:
        where = f"{error.filename}: " if error.filename else ""
        print(f"synth failed: cannot write {where}{error.strerror or error}", file=sys.stderr)
        return REFUSED
    return DONE


if __name__ == "__main__":
    raise SystemExit(main())

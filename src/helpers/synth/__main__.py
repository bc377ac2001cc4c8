"""Command line of the generator: ``python -m helpers.synth {ensure,generate} --out DIR``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from helpers.synth.generate import DEFAULT_SEED, Summary, ensure_dataset, generate_dataset


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
    args = parse_args(argv)
    if args.scale <= 0:
        print("--scale must be positive", file=sys.stderr)
        return 2
    # A relative --out is relative to the working directory, as for any command.
    out = args.out.resolve()
    run = ensure_dataset if args.command == "ensure" else generate_dataset
    print(report(run(out, scale=args.scale, seed=args.seed)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Check that no identifier of a dataset reached the outputs of a report.

Identifiers (``helpers.contract.IDENTIFIER_COLUMNS``) can number in the millions, the
outputs in the thousands of words: rather than search every output for every
identifier, each output is cut into tokens, the tokens of plausible identifier length
are put in one small table, and DuckDB joins it with the identifier columns where they
lie. Two tokenizations are used, so an identifier is found whether it sits between
spaces, quotes, tags or punctuation: runs of word characters and hyphens, and runs of
anything but spaces, quotes and brackets (with trailing punctuation dropped).

Pages carry their charts and the charts' figures inside themselves, base64-encoded
(SVG and CSV ``data:`` addresses): those are decoded and read too. The PDF edition is
laid out from the pages, so what they hold is what it holds.

Command line: ``python -m helpers.privacy --data DIR OUTPUT_FOLDER`` (exit 1 on a hit).
"""

from __future__ import annotations

import argparse
import base64
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from helpers import contract
from helpers.dataset import Dataset

# No identifier is this long.
MAX_TOKEN_LENGTH = 128
# Embedded images: their base64 text is image bytes, not words, and its "+" and "/" would
# cut it into short pieces that can equal an identifier by chance ("...+E119/...").
_DATA_URI = re.compile(r"data:[\w.+-]+/[\w.+-]+;base64,[A-Za-z0-9+/=]+")
_WORDS = re.compile(r"[\w\-]+")
_CHUNKS = re.compile(r"[^\s\"'<>()\[\]{},;=`|]+")
_TRAILING = ".:!?*"


# A chart (SVG) or its figures (CSV) carried inside a page.
_EMBEDDED = re.compile(r"data:(?:image/svg\+xml|text/csv)[^,\"'\s]*;base64,([A-Za-z0-9+/=]+)")


@dataclass(frozen=True)
class Hit:
    """An identifier value found in an output file."""

    file: str
    table: str
    column: str
    value: str


def scan_outputs(ds: Dataset, folder: Path) -> list[Hit]:
    """Every identifier of ``ds`` found in any file under ``folder``.

    Parameters
    ----------
    ds : Dataset
        The dataset the outputs were computed from.
    folder : Path
        A report folder (every file is read as text, whatever its type).

    Returns
    -------
    list of Hit
        One per (file, column, value); empty when the outputs are clean.
    """
    folder = Path(folder)
    columns = list_identifier_columns(ds)
    if not columns:
        return []
    shortest, longest = measure_identifiers(ds, columns)
    tokens = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        text = read_readable_text(path)
        name = str(path.relative_to(folder))
        tokens += [(name, token) for token in tokenize(text, shortest, longest)]
    if not tokens:
        return []
    return match_tokens(ds, columns, pd.DataFrame(tokens, columns=["file", "token"]))


def read_readable_text(path: Path) -> str:
    """A file's text, with what its base64 ``data:`` addresses carry decoded beside it."""
    text = path.read_text(encoding="utf-8", errors="ignore")
    embedded = [
        base64.b64decode(payload).decode("utf-8", errors="ignore")
        for payload in _EMBEDDED.findall(text)
    ]
    return "\n".join([text, *embedded])


def list_identifier_columns(ds: Dataset) -> list[tuple[str, str]]:
    """The (table, column) pairs of identifiers present in ``ds``."""
    return [
        (table, column)
        for table, names in contract.IDENTIFIER_COLUMNS.items()
        if ds.has(table)
        for column in names
    ]


def measure_identifiers(ds: Dataset, columns: Sequence[tuple[str, str]]) -> tuple[int, int]:
    """The shortest and longest identifier lengths (tokens outside them cannot match)."""
    parts = " UNION ALL ".join(
        f'SELECT min(length("{c}")) AS lo, max(length("{c}")) AS hi FROM "{t}"' for t, c in columns
    )
    [(lo, hi)] = ds.con.cursor().execute(f"SELECT min(lo), max(hi) FROM ({parts})").fetchall()
    return int(lo or 1), min(int(hi or 0), MAX_TOKEN_LENGTH)


def tokenize(text: str, shortest: int = 1, longest: int = MAX_TOKEN_LENGTH) -> set[str]:
    """The distinct tokens of ``text`` whose length lies in [shortest, longest], leaving
    out the bytes of embedded images."""
    text = _DATA_URI.sub(" ", text)
    found = set(_WORDS.findall(text))
    found |= {chunk.rstrip(_TRAILING) for chunk in _CHUNKS.findall(text)}
    return {t for t in found if shortest <= len(t) <= longest}


def match_tokens(
    ds: Dataset, columns: Iterable[tuple[str, str]], tokens: pd.DataFrame
) -> list[Hit]:
    """The tokens that equal an identifier value, joined in DuckDB."""
    # A cursor of its own: the scan must not disturb queries under way on the dataset.
    con = ds.con.cursor()
    con.register("_output_tokens", tokens)
    try:
        parts = " UNION ALL ".join(
            f"SELECT DISTINCT o.file, '{t}' AS tbl, '{c}' AS col, o.token "
            f'FROM _output_tokens o JOIN "{t}" d ON d."{c}" = o.token'
            for t, c in columns
        )
        rows = con.execute(f"{parts} ORDER BY 1, 2, 3, 4").fetchall()
    finally:
        con.unregister("_output_tokens")
        con.close()
    return [Hit(*row) for row in rows]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m helpers.privacy",
        description="Search a report folder for the identifiers of its dataset.",
    )
    parser.add_argument("folder", type=Path, help="a report folder, e.g. outputs/2022")
    parser.add_argument("--data", type=Path, required=True, help="the dataset folder")
    args = parser.parse_args(argv)
    from helpers.load import load_dataset

    hits = scan_outputs(load_dataset(args.data), args.folder)
    for hit in hits:
        # The value itself is not printed: the message may end up in a log.
        print(f"{hit.file}: a value of {hit.table}.{hit.column}", file=sys.stderr)
    print(f"{len(hits)} identifier values found in {args.folder}")
    return 1 if hits else 0


if __name__ == "__main__":
    raise SystemExit(main())

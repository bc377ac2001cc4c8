"""Check that no identifier of a dataset reached the outputs of a report.

Every value of an identifier column (``helpers.intake.contract.IDENTIFIER_COLUMNS``: members,
applications, enrollments, course enrollments, career outcomes, mentors, companies) is
searched for as a substring of every output file, whatever characters it holds (spaces,
commas, parentheses, ``=``, letters of any script). An occurrence counts when the
characters on either side of it are not letters or digits (Unicode's, ``str.isalnum``),
so that a short identifier is not found inside a longer word or number.

Identifiers number in the millions and the outputs in the megabytes, so the search runs in
two steps. First every stretch of an output that could be an identifier — of a length
some identifier has, with no letter or digit just before or after it — is put in one
table, and DuckDB keeps the identifier values equal to one of them (a join over the
columns where they lie, without bringing them into Python). Then an Aho–Corasick automaton
(pyahocorasick) of the few values kept counts their occurrences in each file.

A file is searched as it is, and as a reader of its format sees it: HTML with its entities
decoded, JSON (executed notebooks, run.json) with its strings unescaped, CSV with its
cells unquoted.

An identifier that reads as a number (``48213``, ``17,5``: a warehouse's serial keys) is
not looked for in running text, where every figure's digits would match one: numbers in
figures are not identifiers. It is looked for where a value stands whole and a figure
cannot be mistaken for it: a JSON string (figures are JSON numbers), and a CSV field or
an HTML table cell, unless its column is headed by a name that is not an identifier's
(``value``, ``Applicants``: a column of figures; a blank header: the rows' labels). A
field under ``member_id`` or ``ID``, a cell of a table without a header row: each is
searched. The bytes of embedded raster images (base64 PNG, JPEG, ...) are not text
and are left out; embedded SVG is decoded and searched. A file that is not UTF-8 text
(a PDF, an image) cannot be searched and is listed as skipped.

Command line: ``python -m helpers.run.privacy --data DIR OUTPUT_FOLDER`` (exit 1 on a hit).
"""

from __future__ import annotations

import argparse
import base64
import binascii
import bisect
import contextlib
import csv
import html
import io
import json
import os
import re
import sys
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import ahocorasick
import numpy as np
import pyarrow as pa

from helpers.intake import contract, rules
from helpers.intake.dataset import Dataset

# Embedded files: raster bytes are skipped, SVG (text) is decoded and searched.
_DATA_URI = re.compile(r"data:([\w.+-]+/[\w.+-]+);base64,([A-Za-z0-9+/=]+)")
# Embedded text a reader gets: a chart (SVG) and the figures it draws (CSV).
_TEXT_MEDIA = {"image/svg+xml", "text/csv"}
# Bytes read to tell text from binary.
_SNIFF = 8192
_ASCII_ALNUM = np.array([chr(c).isalnum() for c in range(128)])


@dataclass(frozen=True)
class Hit:
    """Values of one identifier column found in one output file (never the values)."""

    file: str
    table: str
    column: str
    count: int

    def describe(self) -> str:
        plural = "s" if self.count != 1 else ""
        return f"{self.file}: {self.count} occurrence{plural} of {self.table}.{self.column} values"


@dataclass
class Scan:
    """What a scan found, and which files it could not read."""

    hits: list[Hit] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    files: int = 0


def scan_outputs(ds: Dataset, folder: Path) -> list[Hit]:
    """Every identifier column of ``ds`` whose values appear in a file under ``folder``.

    Returns
    -------
    list of Hit
        One per (file, table, column), with the number of occurrences; empty when the
        outputs are clean.
    """
    return scan_folder(ds, folder).hits


def scan_folder(ds: Dataset, folder: Path) -> Scan:
    """The hits of ``scan_outputs`` and the files that are not text (skipped)."""
    folder = Path(folder)
    scan = Scan()
    views: dict[str, list[str]] = {}
    fields: dict[str, list[str]] = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        name = path.relative_to(folder).as_posix()
        texts = read_views(path)
        if texts is None:
            scan.skipped.append(name)
        else:
            views[name] = texts
            fields[name] = [f for f in text_fields(path) if is_numeric(f)]
    scan.files = len(views)
    texts = [text for found in views.values() for text in found]
    all_ranges = measure_ranges(ds, list_identifier_columns(ds))
    # Every value of a column starts with what its smallest and largest values share: a
    # column whose shared start is nowhere in the outputs need not be read at all.
    ranges = {pair: r for pair, r in all_ranges.items() if could_occur(r, texts)}
    if not ranges or not texts:
        return scan
    lengths = measure_identifiers(ds, list(ranges))
    candidates = set()
    for text in texts:
        candidates |= bounded_substrings(text, lengths)
    # Numbers in running text are figures: identifiers that read as numbers are counted
    # in whole fields only.
    owners = {
        value: columns
        for value, columns in find_identifiers(ds, ranges, candidates).items()
        if not is_numeric(value)
    }
    if owners:
        scan.hits = count_occurrences(views, owners)
    numeric = {f for found in fields.values() for f in found}
    in_fields = find_identifiers(ds, all_ranges, numeric)
    if in_fields:
        scan.hits = merge_hits(scan.hits, count_fields(fields, in_fields))
    return scan


# A value written as a number: digits, with a decimal part after a point or a comma.
_NUMERIC = re.compile(r"(?:0|[1-9][0-9]*)(?:[.,][0-9]+)?")
# Words of a column header that say the column identifies people or records.
_IDENTIFYING_WORDS = frozenset({"id", "ids", "identifier", "identifiers", "identifiant", "uuid"})


def is_numeric(value: str) -> bool:
    """True for a value that a figure could be written as (``48213``, ``17,5``)."""
    return bool(_NUMERIC.fullmatch(value))


def names_identifier(header: str) -> bool:
    """True when a column header says it holds identifiers (``member_id``, ``ID``,
    ``enrollmentId``), or is the name of an identifier column of the contract."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", header)
    words = {w.lower() for w in re.split(r"[^0-9A-Za-z]+", spaced) if w}
    named = {c for columns in contract.IDENTIFIER_COLUMNS.values() for c in columns}
    return bool(words & _IDENTIFYING_WORDS) or header.strip().lower() in named


def text_fields(path: Path) -> list[str]:
    """The values of the text file ``path`` that stand whole where a figure cannot be
    mistaken for an identifier: JSON strings, and CSV fields and HTML table cells outside
    columns of figures (``column_fields``); CSV embedded in a page (a chart's figures)
    counts too."""
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        return []  # running text: its numbers are figures
    raw = path.read_bytes().decode("utf-8", "replace")
    found: list[str] = []
    blanked, embedded = split_embedded(raw)
    if suffix in {".json", ".ipynb"}:
        found += json_values(raw)
    elif suffix == ".csv":
        found += csv_fields(raw)
    elif suffix in {".html", ".htm", ".svg", ".xml"}:
        found += table_fields(blanked)
    for text in embedded:
        found += csv_fields(text) if not text.lstrip().startswith("<") else table_fields(text)
    return [f.strip() for f in found]


def column_fields(rows: list[list[str]], header: list[str] | None) -> list[str]:
    """The fields of ``rows`` that may hold an identifier: every field of a table
    without a header row, and of a column whose header names an identifier. Headers are
    names (a year heads a column of figures), not values; a column with a blank header
    holds the rows' labels (a frame's row numbers)."""
    found: list[str] = []
    for row in rows:
        for i, cell in enumerate(row):
            if header is None or (i < len(header) and names_identifier(header[i])):
                found.append(cell)
    return found


def csv_fields(text: str) -> list[str]:
    """``column_fields`` of a CSV text, its first row the header."""
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error:
        return []
    if not rows:
        return []
    return column_fields(rows[1:], rows[0])


def json_values(text: str) -> list[str]:
    """Every string value of a JSON document (not its keys), unescaped; in a notebook,
    not the cells' own ids (``"id": "5"``), which nbformat numbers."""
    try:
        document = json.loads(text)
    except ValueError:
        return []
    found: list[str] = []
    if isinstance(document, dict) and isinstance(document.get("cells"), list):
        document = {
            **document,
            "cells": [
                {k: v for k, v in cell.items() if k != "id"} if isinstance(cell, dict) else cell
                for cell in document["cells"]
            ],
        }
    stack = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            found.append(node)
        elif isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found


class _Tables(HTMLParser):
    """The tables of an HTML text: for each, its rows of cell texts and whether each row
    is made of header cells."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[tuple[bool, list[str]]]] = []
        self._open: list[list[tuple[bool, list[str]]]] = []
        self._row: list[str] | None = None
        self._headers = True
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "table":
            self._open.append([])
        elif tag == "tr" and self._open:
            self._row, self._headers = [], True
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
            self._headers = self._headers and tag == "th"

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell))
            self._cell = None
        elif tag == "tr" and self._row is not None and self._open:
            self._open[-1].append((self._headers and bool(self._row), self._row))
            self._row = None
        elif tag == "table" and self._open:
            self.tables.append(self._open.pop())

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def table_fields(text: str) -> list[str]:
    """``column_fields`` of every table of an HTML text (a header row is one of header
    cells only); a cell outside any table row is searched too."""
    parser = _Tables()
    try:
        parser.feed(text)
        parser.close()
    except (AssertionError, ValueError):
        return []
    # A cell left open (a fragment without its row or table) is searched as it is.
    found: list[str] = []
    for rows in parser.tables + parser._open:
        header = next((cells for is_header, cells in rows if is_header), None)
        body = [cells for is_header, cells in rows if not is_header]
        found += column_fields(body, header)
    if parser._row:
        found += parser._row
    return found


def count_fields(
    fields: dict[str, list[str]], owners: dict[str, set[tuple[str, str]]]
) -> list[Hit]:
    """Occurrences of the ``owners`` values among each file's whole fields."""
    hits = []
    for name, values in fields.items():
        counts: dict[tuple[str, str], int] = defaultdict(int)
        for value in values:
            for owner in owners.get(value, ()):
                counts[owner] += 1
        hits += [Hit(name, t, c, counts[t, c]) for t, c in sorted(counts)]
    return hits


def merge_hits(first: list[Hit], second: list[Hit]) -> list[Hit]:
    """The hits of both lists, one per file and column, their counts added."""
    counts: dict[tuple[str, str, str], int] = defaultdict(int)
    for hit in first + second:
        counts[hit.file, hit.table, hit.column] += hit.count
    return [Hit(f, t, c, n) for (f, t, c), n in sorted(counts.items())]


def list_identifier_columns(ds: Dataset) -> list[tuple[str, str]]:
    """The (table, column) pairs of identifiers present in ``ds`` that must be read.

    A column whose values the data contract requires to be values of another identifier
    column (a reference: ``course_enrollments.member_id`` names a member) is not read: its
    values are found, and named, as the column it refers to. The dataset is validated
    before a report is built, so the references hold.
    """
    present = [
        (table, column)
        for table, names in contract.IDENTIFIER_COLUMNS.items()
        if ds.has(table)
        for column in names
    ]
    covered = {
        (rule.table, rule.column)
        for rule in rules.CROSS_RULES
        if isinstance(rule, rules.LookupRule)
        and not rule.broken
        and rule.via == rule.column
        and (rule.target, rule.target_key) in present
    }
    return [pair for pair in present if pair not in covered]


def measure_ranges(
    ds: Dataset, columns: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], tuple[str, str]]:
    """The smallest and largest value of each column that holds any.

    DuckDB reads them from the Parquet files' statistics, without reading the column.
    """
    con = ds.con.cursor()
    try:
        ranges = {}
        for table, column in columns:
            [(low, high)] = con.execute(
                f'SELECT min("{column}"), max("{column}") FROM "{table}"'
            ).fetchall()
            if low is not None:
                ranges[table, column] = (low, high)
        return ranges
    finally:
        con.close()


def could_occur(value_range: tuple[str, str], texts: Sequence[str]) -> bool:
    """False when no text holds, after a boundary, the start that every value of the
    range has (then none of them is in the texts)."""
    low, high = value_range
    shared = os.path.commonprefix([low, high])
    pattern = re.escape(shared)
    if len(shared) < len(low):
        # The next character lies between theirs ("CE0" and "CE1" for CE0... to CE1...).
        pattern += f"[{re.escape(low[len(shared)])}-{re.escape(high[len(shared)])}]"
    if not pattern:
        return True
    # No look-behind in the pattern: a literal start lets the search skip ahead quickly.
    start = re.compile(pattern)
    return any(
        m.start() == 0 or not text[m.start() - 1].isalnum()
        for text in texts
        for m in start.finditer(text)
    )


def measure_identifiers(ds: Dataset, columns: Sequence[tuple[str, str]]) -> list[int]:
    """The distinct lengths (in characters) of the identifier values."""
    parts = " UNION ".join(
        f'SELECT DISTINCT length("{c}") AS n FROM "{t}" WHERE "{c}" IS NOT NULL' for t, c in columns
    )
    rows = ds.con.cursor().execute(f"SELECT DISTINCT n FROM ({parts}) WHERE n > 0").fetchall()
    return sorted(int(n) for (n,) in rows)


def read_views(path: Path) -> list[str] | None:
    """The texts of ``path`` to search: as written, and as its format's reader sees it
    (a PDF as the text of its pages); None when the file is neither text nor a PDF."""
    if path.suffix.lower() == ".pdf":
        return pdf_text(path)
    data = path.read_bytes()
    if b"\0" in data[:_SNIFF]:
        return None
    try:
        raw = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    raw, embedded = split_embedded(raw)
    texts = [raw, *embedded]
    suffix = path.suffix.lower()
    if suffix in {".html", ".htm", ".svg", ".xml"}:
        texts.append(html.unescape(raw))
    elif suffix in {".json", ".ipynb"}:
        texts += json_strings(raw)
    elif suffix == ".csv":
        texts.append(csv_cells(raw))
    return texts


def pdf_text(path: Path) -> list[str] | None:
    """The text of every page of a PDF, as a reader selects it (PDFium, a fraction of a
    second for the report's edition); None when the file cannot be read as a PDF."""
    import pypdfium2

    try:
        document = pypdfium2.PdfDocument(path)
    except pypdfium2.PdfiumError:
        return None
    try:
        return ["\n".join(page.get_textpage().get_text_range() for page in document)]
    finally:
        document.close()


def split_embedded(text: str) -> tuple[str, list[str]]:
    """``text`` with its base64 data URIs blanked, and the decoded ones that are text."""
    embedded = []

    def blank(match: re.Match[str]) -> str:
        if match.group(1) in _TEXT_MEDIA:
            # An SVG that is not valid base64 cannot be shown either: nothing to read.
            with contextlib.suppress(binascii.Error, ValueError):
                embedded.append(base64.b64decode(match.group(2)).decode("utf-8", "replace"))
        return " "

    return _DATA_URI.sub(blank, text), embedded


def json_strings(text: str) -> list[str]:
    """The string values and keys of a JSON document, unescaped; none when it is not JSON.

    Each string is one text of its own, so that its ends are boundaries."""
    try:
        document = json.loads(text)
    except ValueError:
        return []
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, str):
            blanked, embedded = split_embedded(node)
            found.append(blanked)
            found.extend(embedded)
        elif isinstance(node, dict):
            for key, value in node.items():
                found.append(str(key))
                # Raster images in notebook outputs: base64 bytes, not words.
                if not (str(key).startswith("image/") and str(key) not in _TEXT_MEDIA):
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(document)
    # Notebook sources and outputs are lists of lines: rejoin them, since a value may
    # span two.
    return ["\n".join(found)]


def csv_cells(text: str) -> str:
    """The cells of a CSV as a reader sees them (quotes removed), one per line."""
    try:
        return "\n".join(cell for row in csv.reader(io.StringIO(text)) for cell in row)
    except csv.Error:
        return ""


def is_boundary_mask(text: str) -> np.ndarray:
    """For each character of ``text``, True when it is neither a letter nor a digit."""
    # surrogatepass: a JSON string may hold a lone surrogate escape.
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    alnum = np.zeros(len(codes), dtype=bool)
    ascii_ = codes < 128
    alnum[ascii_] = _ASCII_ALNUM[codes[ascii_]]
    others = np.flatnonzero(~ascii_)
    if len(others):
        unique, inverse = np.unique(codes[others], return_inverse=True)
        alnum[others] = np.array([chr(c).isalnum() for c in unique])[inverse]
    return ~alnum


def bounded_substrings(text: str, lengths: Iterable[int]) -> set[str]:
    """Every substring of ``text`` of one of ``lengths`` with no letter or digit just
    before or after it: all that could be an identifier, as it must be found."""
    n = len(text)
    if n == 0:
        return set()
    # Padded with a boundary at each end: the start and end of a text are boundaries.
    boundary = np.concatenate(([True], is_boundary_mask(text), [True]))
    starts = np.flatnonzero(boundary[:-1])  # position i: text[i - 1] is a boundary
    found: set[str] = set()
    for length in lengths:
        if length > n:
            break
        ok = starts[starts + length <= n]
        ok = ok[boundary[ok + length + 1]]
        found.update(text[i : i + length] for i in ok.tolist())
    return found


def find_identifiers(
    ds: Dataset, ranges: dict[tuple[str, str], tuple[str, str]], candidates: set[str]
) -> dict[str, set[tuple[str, str]]]:
    """The candidates that are identifier values, each with the columns that hold it.

    ``ranges`` gives each column's smallest and largest value (``measure_ranges``): a
    candidate outside them cannot be one of its values, and most columns are left with
    none to look up.
    """
    if not candidates:
        return {}
    # A cursor of its own: the scan must not disturb queries under way on the dataset.
    con = ds.con.cursor()
    owners: dict[str, set[tuple[str, str]]] = defaultdict(set)
    ordered = sorted(candidates)
    try:
        for (table, column), (low, high) in ranges.items():
            within = ordered[bisect.bisect_left(ordered, low) : bisect.bisect_right(ordered, high)]
            if not within:
                continue
            con.register("_output_candidates", pa.table({"token": pa.array(within)}))
            try:
                rows = con.execute(
                    f'SELECT DISTINCT d."{column}" FROM "{table}" d '
                    f'SEMI JOIN _output_candidates o ON d."{column}" = o.token'
                ).fetchall()
            finally:
                con.unregister("_output_candidates")
            for (value,) in rows:
                owners[value].add((table, column))
    finally:
        con.close()
    return dict(owners)


def count_occurrences(
    views: dict[str, list[str]], owners: dict[str, set[tuple[str, str]]]
) -> list[Hit]:
    """Occurrences of the ``owners`` values in each file, per identifier column."""
    automaton = ahocorasick.Automaton()
    for value in owners:
        automaton.add_word(value, value)
    automaton.make_automaton()
    hits = []
    for name, texts in views.items():
        # The most occurrences any one view shows (the same value read twice is one).
        counts: dict[tuple[str, str], int] = defaultdict(int)
        for text in texts:
            found: dict[tuple[str, str], int] = defaultdict(int)
            for value, _ in find_bounded(automaton, text):
                for owner in owners[value]:
                    found[owner] += 1
            for owner, count in found.items():
                counts[owner] = max(counts[owner], count)
        hits += [Hit(name, t, c, counts[t, c]) for t, c in sorted(counts)]
    return hits


def find_bounded(automaton: ahocorasick.Automaton, text: str) -> Iterator[tuple[str, int]]:
    """(value, start) of each occurrence in ``text`` with no letter or digit either side."""
    for end, value in automaton.iter(text):
        start = end - len(value) + 1
        before = text[start - 1] if start > 0 else " "
        after = text[end + 1] if end + 1 < len(text) else " "
        if not before.isalnum() and not after.isalnum():
            yield value, start


def describe_refusal(scan: Scan) -> str:
    """The lines of a refused publication: file, column and count, never a value."""
    lines = [f"report failed: {hit.describe()}" for hit in scan.hits]
    lines.append(
        "report failed: identifiers of the dataset appear in the outputs; nothing was published"
    )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m helpers.run.privacy",
        description="Search a report folder for the identifiers of its dataset.",
    )
    parser.add_argument("folder", type=Path, help="a report folder, e.g. outputs/2022")
    parser.add_argument("--data", type=Path, required=True, help="the dataset folder")
    args = parser.parse_args(argv)
    from helpers.intake.load import load_dataset

    scan = scan_folder(load_dataset(args.data), args.folder)
    for hit in scan.hits:
        # The value itself is not printed: the message may end up in a log.
        print(hit.describe(), file=sys.stderr)
    for name in scan.skipped:
        print(f"{name}: not text, not searched", file=sys.stderr)
    print(f"{len(scan.hits)} files × columns with identifiers in {args.folder}")
    return 1 if scan.hits else 0


if __name__ == "__main__":
    raise SystemExit(main())

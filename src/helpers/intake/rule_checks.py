"""Every rule of the contract evaluated as SQL over whole columns, and the rows that break it.

``find_broken_rules`` runs the type checks, then each table's row, uniqueness and
reference rules, and returns ``Finding``s; rows are located only for broken rules, and
Parquet statistics spare the scans they prove (a column without nulls, a key that rises
strictly). ``display_rows`` turns row positions into the line numbers a person sees in
the file, and ``to_problem`` a finding into the line of the verdict.

A valid dataset costs one or two aggregate scans per table (types, then row rules), one
check per uniqueness rule and one anti-join per reference. A key column whose values rise
strictly from row to row (checked by streaming it, much cheaper than grouping it) is
unique without a hash aggregate.
"""

from __future__ import annotations

import csv
import itertools
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from helpers.intake import contract, rules
from helpers.intake.column_types import column_reading, type_family
from helpers.intake.plausibility import overflow_findings
from helpers.intake.rules import (
    ContractError,
    DuplicateRule,
    LookupRule,
    Problem,
    RowRule,
    UniqueRule,
    literal,
    quote,
)
from helpers.intake.sources import Source, first_line

# Rows read at a time when streaming a key column to see whether it rises strictly.
KEY_BATCH_ROWS = 1 << 16


@dataclass
class Finding:
    """A broken rule found in a source, rows still as 0-based positions."""

    source: Source
    column: str
    rule: str
    count: int
    indexes: list[int]


def find_broken_rules(
    con: duckdb.DuckDBPyConnection,
    sources: dict[str, Source],
    type_checks: dict[str, list[tuple[str, str, str]]],
) -> list[Finding]:
    """Every broken rule of the sources: types first, then the rules of each table.

    A Parquet file whose footer reads but whose pages do not fails one of these scans
    (DuckDB raises a bare ``duckdb.Error`` for some damaged pages): the file and column
    are then found and reported instead.
    """
    try:
        findings: list[Finding] = []
        read = columns_read_by_rules(sources)
        for name, source in sources.items():
            findings += type_findings(con, source, type_checks[name], read[name])
        clear = clear_references(con, sources)
        for source in sources.values():
            findings += rule_findings(con, source, sources, clear)
        findings += order_findings(con, sources)
        return findings + overflow_findings(con, sources)
    except duckdb.Error as error:
        raise ContractError(unreadable_columns(con, sources, error)) from None


def columns_read_by_rules(sources: dict[str, Source]) -> dict[str, set[str]]:
    """The columns of each source that some rule scans, whose damaged pages it would meet.

    Not-null rules that Parquet statistics prove do not scan their column.
    """
    read: dict[str, set[str]] = {name: set() for name in sources}
    for name, source in sources.items():
        for rule in source.rules:
            if isinstance(rule, RowRule) and proven_by_statistics(source, rule):
                continue
            read[name].update(rule.reads)
            if isinstance(rule, LookupRule) and rule.target in read:
                read[rule.target].update(rule.target_reads)
    return read


def unreadable_columns(
    con: duckdb.DuckDBPyConnection, sources: dict[str, Source], error: duckdb.Error
) -> list[Problem]:
    """The contract columns of the Parquet sources that cannot be read, one problem each;
    a problem naming the error when none can be pinned down."""
    problems = []
    for source in sources.values():
        if source.is_csv:
            continue  # read whole into a table already: its values are in memory
        scan = f"read_parquet({literal(str(source.path))})"
        for column in source.types:
            try:
                con.execute(f"SELECT count({decoded(column)}) FROM {scan}").fetchone()
            except duckdb.Error:
                # DuckDB's message says nothing a person can act on ("don't know what
                # type"): the column is what to name.
                problems.append(
                    Problem(source.label, column, "cannot be read: its data pages are damaged")
                )
    return problems or [Problem("dataset", "", f"cannot be read ({first_line(error)})")]


def decoded(column: str) -> str:
    """SQL that needs every value of ``column`` decoded: a hash, which no statistics
    of the file can stand for."""
    return f"hash({quote(column)})"


def type_findings(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    checks: list[tuple[str, str, str]],
    read_by_rules: set[str] = frozenset(),
) -> list[Finding]:
    """The values of the wrong type in the typed relation of ``source``.

    The same scan decodes the other contract columns of a Parquet file that no rule
    reads (``read_by_rules`` are those some rule does), so that a damaged page is found
    during validation, whichever column holds it, and never by a notebook.
    """
    skip = {name for name, _, _ in checks} | set(read_by_rules)
    unchecked = (
        []
        if source.is_csv or not source.usable
        else [f"{decoded(c)} IS NULL" for c in source.types if c not in skip]
    )
    if not checks and not unchecked:
        return []
    counts = count_rows(con, source, [flag for _, flag, _ in checks] + unchecked)
    findings = []
    for (name, flag, rule), count in zip(checks, counts[: len(checks)], strict=True):
        if count:
            source.bad.add(name)
            findings.append(Finding(source, name, rule, count, first_rows(con, source, flag)))
    return findings


def count_rows(con: duckdb.DuckDBPyConnection, source: Source, predicates: list[str]) -> list[int]:
    """How many typed rows of ``source`` meet each predicate, in one scan."""
    if not predicates:
        return []
    filters = ", ".join(f"count(*) FILTER (WHERE {p})" for p in predicates)
    return list(con.execute(f"SELECT {filters} FROM {source.typed}").fetchone())


def first_rows(con: duckdb.DuckDBPyConnection, source: Source, predicate: str) -> list[int]:
    sql = (
        f"SELECT _row FROM {source.typed} WHERE {predicate} ORDER BY _row LIMIT {rules.ROWS_SHOWN}"
    )
    return [row for (row,) in con.execute(sql).fetchall()]


def well_typed(source: Source, columns: tuple[str, ...], alias: str = "") -> str:
    """SQL leaving out the rows where one of ``columns`` failed its type (already reported)."""
    prefix = f"{alias}." if alias else ""
    flags = [f"NOT {prefix}{quote('_bad_' + c)}" for c in columns if c in source.bad]
    return " AND ".join(flags) or "true"


def rule_findings(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    sources: dict[str, Source],
    clear: frozenset[LookupRule] = frozenset(),
) -> list[Finding]:
    """Evaluate every rule of ``source``'s table whose columns and tables are there, but
    the references already known to be unbroken (``clear``)."""
    if not source.usable:
        return []
    # The orders of events are checked by ``order_findings``, with their warnings.
    table_rules = [r for r in source.rules if r not in rules.ORDER_RULES]
    row_rules = [
        r
        for r in table_rules
        if isinstance(r, RowRule) and source.has(r.reads) and not proven_by_statistics(source, r)
    ]
    predicates = [f"({r.violation}) AND {well_typed(source, r.reads)}" for r in row_rules]
    findings = []
    for rule, predicate, count in zip(
        row_rules, predicates, count_rows(con, source, predicates), strict=True
    ):
        if count:
            findings.append(
                Finding(source, rule.column, rule.rule, count, first_rows(con, source, predicate))
            )
    for rule in table_rules:
        if isinstance(rule, UniqueRule) and source.has(rule.key):
            findings += unique_findings(con, source, rule)
        elif isinstance(rule, DuplicateRule) and source.has(rule.columns):
            findings += duplicate_findings(con, source, rule)
        elif isinstance(rule, LookupRule) and rule not in clear:
            target = sources.get(rule.target)
            if source.has(rule.reads) and target is not None and target.has(rule.target_reads):
                findings += lookup_findings(con, source, target, rule)
    return findings


def clear_references(
    con: duckdb.DuckDBPyConnection, sources: dict[str, Source]
) -> frozenset[LookupRule]:
    """The plain references that one shared anti-join proves unbroken.

    Tables that refer to the same key (course_enrollments, applications and
    career_outcomes to the member_id of members) are checked against it in one join, so
    the large table's hash is built once rather than once per table. The references of
    a table that has a broken row are left to ``lookup_findings`` to count and locate.
    """
    groups: dict[tuple[str, str, rules.Condition | None, str], list[tuple[Source, LookupRule]]] = {}
    for source in sources.values():
        if not source.usable:
            continue
        for rule in source.rules:
            target = sources.get(getattr(rule, "target", ""))
            if (
                isinstance(rule, LookupRule)
                and not rule.broken
                and source.has(rule.reads)
                and target is not None
                and target.has(rule.target_reads)
            ):
                group = (rule.target, rule.target_key, rule.target_filter, rule.also)
                groups.setdefault(group, []).append((source, rule))
    clear: set[LookupRule] = set()
    for (target, key, condition, also), members in groups.items():
        if len(members) < 2 or also:
            continue
        parts = " UNION ALL ".join(
            f"SELECT {i} AS part, t.{quote(rule.via)} AS via FROM {source.typed} t "
            f"WHERE t.{quote(rule.via)} IS NOT NULL AND {well_typed(source, rule.reads, 't')}"
            for i, (source, rule) in enumerate(members)
        )
        match = f"r.{quote(key)} = t.via"
        if condition is not None:
            match += f" AND {condition.sql('r')}"
        broken = con.execute(
            f"SELECT DISTINCT part FROM ({parts}) t ANTI JOIN {sources[target].typed} r ON {match}"
        ).fetchall()
        clear |= {rule for i, (_, rule) in enumerate(members) if (i,) not in broken}
    return frozenset(clear)


def proven_by_statistics(source: Source, rule: RowRule) -> bool:
    """True when the Parquet statistics of ``source`` prove that no row breaks ``rule``.

    They prove a not-null rule when no row group counts a null in the column and the
    column's values read as the contract type without fail (a failed reading would be
    null, but those are reported as type problems, never as nulls).
    """
    if not rule.is_not_null or rule.column not in source.no_nulls:
        return False
    return column_reading(contract_column(source, rule.column), source)[1] is None


def contract_column(source: Source, name: str) -> contract.Column:
    return next(c for c in source.table.columns if c.name == name)


def unique_findings(
    con: duckdb.DuckDBPyConnection, source: Source, rule: UniqueRule
) -> list[Finding]:
    """The rows sharing their key with another row (every one of them)."""
    if is_rising_key(source, rule):
        return []
    key = ", ".join(quote(c) for c in rule.key)
    known = " AND ".join(f"{quote(c)} IS NOT NULL" for c in rule.key)
    keep = f"{known} AND {well_typed(source, rule.key)}"
    # Grouping 64-bit hashes is twice as fast as grouping the strings: distinct hashes
    # prove the keys distinct; a repeated hash (a duplicate, or rarely a collision) sends
    # the check on to the exact keys.
    hashed = (
        f"SELECT hash({key}) AS h FROM {source.typed} WHERE {keep} GROUP BY h HAVING count(*) > 1"
    )
    if not con.execute(f"SELECT count(*) FROM ({hashed})").fetchone()[0]:
        return []
    repeated = f"SELECT {key} FROM {source.typed} WHERE {keep} GROUP BY {key} HAVING count(*) > 1"
    if not con.execute(f"SELECT count(*) FROM ({repeated})").fetchone()[0]:
        return []
    rows = f"FROM {source.typed} SEMI JOIN ({repeated}) USING ({key}) WHERE {keep}"
    count = con.execute(f"SELECT count(*) {rows}").fetchone()[0]
    first = con.execute(f"SELECT _row {rows} ORDER BY _row LIMIT {rules.ROWS_SHOWN}").fetchall()
    return [Finding(source, rule.column, rule.rule, count, [r for (r,) in first])]


def duplicate_findings(
    con: duckdb.DuckDBPyConnection, source: Source, rule: DuplicateRule
) -> list[Finding]:
    """The rows equal to another row in every column (all copies of each), nulls equal."""
    columns = ", ".join(quote(c) for c in rule.columns)
    keep = well_typed(source, rule.columns)
    # As for keys, distinct hashes of whole rows prove the rows distinct in one cheap
    # aggregate; only a repeated hash sends the check on to the values themselves.
    hashed = f"SELECT hash({columns}) AS h FROM {source.typed} WHERE {keep} GROUP BY h HAVING count(*) > 1"
    if not con.execute(f"SELECT count(*) FROM ({hashed})").fetchone()[0]:
        return []
    rows = (
        f"FROM (SELECT _row, count(*) OVER (PARTITION BY {columns}) AS n "
        f"FROM {source.typed} WHERE {keep}) WHERE n > 1"
    )
    count = con.execute(f"SELECT count(*) {rows}").fetchone()[0]
    if not count:
        return []
    first = con.execute(f"SELECT _row {rows} ORDER BY _row LIMIT {rules.ROWS_SHOWN}").fetchall()
    return [Finding(source, rule.column, rule.rule, count, [r for (r,) in first])]


def order_findings(con: duckdb.DuckDBPyConnection, sources: dict[str, Source]) -> list[Finding]:
    """The rows breaking an order of events (``rules.ORDER_OF_EVENTS``) by more than a day,
    as findings; those a day early at most are kept on their source (``Source.early``)
    as warnings.

    One scan (a row's own dates) or one join (a date of the row another table's row
    names) counts both. The join is an inner join: DuckDB builds its hash table on the
    smaller side, the applications, and streams the members past it; a semi-join would
    hash the millions of members (at scale 1 this join costs about 0.7 s of CPU, the
    other orders a few hundredths). Rows are located only when some are found.
    """
    findings = []
    for refused, warned in rules.ORDER_OF_EVENTS:
        source = sources.get(refused.table)
        if source is None or not source.has(refused.reads):
            continue
        keep = well_typed(source, refused.reads, "t")
        if isinstance(refused, RowRule):
            relation, pair = f"{source.typed} t", (refused.violation, warned.violation)
        else:
            target = sources.get(refused.target)
            if target is None or not target.has(refused.target_reads):
                continue
            match = f"r.{quote(refused.target_key)} = t.{quote(refused.via)}"
            relation = f"{source.typed} t JOIN {target.typed} r ON {match}"
            pair = (refused.broken, warned.broken)
        counts = con.execute(
            f"SELECT {', '.join(f'count(*) FILTER (WHERE {p})' for p in pair)} "
            f"FROM {relation} WHERE {keep}"
        ).fetchone()
        for rule, predicate, count in zip((refused, warned), pair, counts, strict=True):
            if not count:
                continue
            first = con.execute(
                f"SELECT t._row FROM {relation} WHERE {keep} AND ({predicate}) "
                f"ORDER BY t._row LIMIT {rules.ROWS_SHOWN}"
            ).fetchall()
            finding = Finding(source, rule.column, rule.rule, count, [r for (r,) in first])
            (findings if rule is refused else source.early).append(finding)
    return findings


def early_findings(sources: dict[str, Source]) -> list[Finding]:
    """The rows a day early in an order of events, found by ``order_findings``."""
    return [finding for source in sources.values() for finding in source.early]


def is_rising_key(source: Source, rule: UniqueRule) -> bool:
    """True when the one-column key of a Parquet ``source`` rises strictly from row to row,
    which proves it unique; False when that is not so or cannot be shown cheaply.

    Only a key read as it is written qualifies (text, or integers read as their digits:
    distinct values stay distinct), with statistics counting no null, so that the rule's
    rows are every row. Delivered identifiers are usually written in order.
    """
    if source.is_csv or len(rule.key) != 1 or rule.column not in source.no_nulls:
        return False
    column = contract_column(source, rule.column)
    family = type_family(source.types[column.name])
    if family not in ("text", "integer") or column_reading(column, source)[1] is not None:
        return False
    try:
        return rises_strictly(source.path, column.name)
    except (OSError, ValueError, pa.ArrowException):
        return False  # the hash aggregate decides, and reports an unreadable file


def rises_strictly(path: Path, column: str) -> bool:
    """True when every value of the Parquet ``column`` is greater than the one before.

    The row groups' statistics rule out most unsorted files without reading them; the
    column is then streamed in batches, so memory stays small whatever the file's size.
    """
    parquet = pq.ParquetFile(path)
    metadata = parquet.metadata
    index = parquet.schema_arrow.get_field_index(column)
    bounds = []
    for group in range(metadata.num_row_groups):
        if not metadata.row_group(group).num_rows:
            continue
        statistics = metadata.row_group(group).column(index).statistics
        if statistics is None or not statistics.has_min_max:
            return False
        bounds.append((statistics.min, statistics.max))
    if any(earlier[1] >= later[0] for earlier, later in itertools.pairwise(bounds)):
        return False
    last = None
    for batch in parquet.iter_batches(batch_size=KEY_BATCH_ROWS, columns=[column]):
        values = batch.column(0)
        if values.null_count:
            return False
        if not len(values):
            continue
        # Each value against the one before it, the batch's first against the last seen.
        if last is not None and not pc.greater(values[0], last).as_py():
            return False
        rising = pc.greater(values.slice(1), values.slice(0, len(values) - 1))
        if not pc.all(rising).as_py():
            return False
        last = values[-1]
    return True


def lookup_findings(
    con: duckdb.DuckDBPyConnection, source: Source, target: Source, rule: LookupRule
) -> list[Finding]:
    """Rows whose pointer names no suitable row, or a row they disagree with."""
    match = f"r.{quote(rule.target_key)} = t.{quote(rule.via)}"
    if rule.target_filter is not None:
        match += f" AND {rule.target_filter.sql('r')}"
    if rule.also:
        match += f" AND {rule.also}"
    keep = well_typed(source, rule.reads, "t")
    # Semi- and anti-joins, not correlated EXISTS: DuckDB runs them as one hash join,
    # about twice as fast on a reference to a large table.
    if rule.broken:
        rows = (
            f"FROM {source.typed} t SEMI JOIN {target.typed} r ON {match} AND {rule.broken} "
            f"WHERE {keep}"
        )
    else:
        rows = (
            f"FROM {source.typed} t ANTI JOIN {target.typed} r ON {match} "
            f"WHERE t.{quote(rule.via)} IS NOT NULL AND {keep}"
        )
    first = con.execute(f"SELECT t._row {rows} ORDER BY t._row LIMIT {rules.ROWS_SHOWN}").fetchall()
    if not first:
        return []
    count = con.execute(f"SELECT count(*) {rows}").fetchone()[0]
    return [Finding(source, rule.column, rule.rule, count, [r for (r,) in first])]


def display_rows(findings: list[Finding]) -> list[tuple[int, ...]]:
    """Each finding's rows as a person counts them: CSV lines, 1-based Parquet rows."""
    wanted: dict[Path, set[int]] = {}
    for f in findings:
        if f.source.is_csv:
            wanted.setdefault(f.source.path, set()).update(f.indexes)
    lines = {path: csv_record_lines(path, indexes) for path, indexes in wanted.items()}
    return [
        tuple(lines[f.source.path][i] for i in f.indexes)
        if f.source.is_csv
        else tuple(i + 1 for i in f.indexes)
        for f in findings
    ]


def csv_record_lines(path: Path, indexes: set[int]) -> dict[int, int]:
    """The line on which each record starts (records 0-based after the header).

    Reads the file only up to the last record asked for. A record spans several lines
    when a quoted field holds a line break, and blank lines are not records, so the
    line is not simply the record's position plus two.
    """
    lines = {i: i + 2 for i in indexes}  # right for every file without those two cases
    if not indexes:
        return lines
    last = max(indexes)
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            reader = csv.reader(f)
            next(reader, None)
            record, end = -1, reader.line_num
            for fields in reader:
                start, end = end + 1, reader.line_num
                if not fields:
                    continue
                record += 1
                if record in indexes:
                    lines[record] = start
                if record >= last:
                    break
    except (csv.Error, UnicodeDecodeError):
        pass  # a field beyond the csv module's size limit: keep the plain count
    return lines


def to_problem(finding: Finding, rows: tuple[int, ...]) -> Problem:
    return Problem(finding.source.label, finding.column, finding.rule, finding.count, rows)


def order_problems(problems: list[Problem]) -> list[Problem]:
    """Problems grouped by file in contract order, each file's in the order found."""
    order = {name: i for i, name in enumerate(contract.TABLES_BY_NAME)}

    def rank(problem: Problem) -> int:
        stem = Path(problem.file).name.split(".")[0]
        return order.get(stem, len(order))

    return sorted(problems, key=rank)

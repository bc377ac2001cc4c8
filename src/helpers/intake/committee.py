"""The committee's own words for a report year: read and checked before any notebook runs.

A folder per report year (``committee/<year>/`` by default) holds the committee's opinion
and an optional foreword per language in Markdown, ``recommendations.csv`` and
``release.toml`` (the publication's particulars). ``read_committee`` reads them and
refuses, like a dataset, whatever the report could not publish as it stands: a broken
recommendations file (file, column, rule, lines), Markdown holding raw HTML, an image
from outside or a link other than ``https:`` and ``mailto:`` (file, line), malformed
particulars. A text missing in a language is a warning: the page shows it in the language
it has, marked. The project lays these texts out; it never writes or translates them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import tomllib
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from helpers.core.params import LANGUAGES
from helpers.intake.rules import ContractError, Problem

TEXT_KINDS = ("foreword", "opinion")
REQUIRED_TEXTS = ("opinion",)
RECOMMENDATIONS_FILE = "recommendations.csv"
RELEASE_FILE = "release.toml"
STATUSES = ("new", "in_progress", "done", "dropped")
RECOMMENDATION_COLUMNS = (
    "recommendation_id",
    "year_made",
    "title_en",
    "title_fr",
    "text_en",
    "text_fr",
    "status",
    "follow_up_en",
    "follow_up_fr",
    "metric",
    "segment",
)
# The particulars of release.toml, in the order the pages list them.
PARTICULARS = ("release_date", "next_release", "contact", "licence", "revision_policy", "status")
# Particulars written once per language.
SENTENCES = ("revision_policy", "status")
LINK_SCHEMES = ("https:", "mailto:")
TITLE_MAX = 160
LINES_SHOWN = 5
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


class CommitteeError(ContractError):
    """The committee's folder holds something the report cannot publish."""


@dataclass(frozen=True)
class Committee:
    """The committee's texts of one year, checked.

    ``texts[kind][lang]`` is the Markdown of a text as written in ``lang``;
    ``recommendations`` the rows of recommendations.csv (empty cells as None, year_made
    an int); ``release`` the particulars found (dates as ``datetime.date``), and
    ``missing`` those release.toml does not give (all of them without the file).
    """

    year: int
    # How the pages and messages name the folder: its place under the committee root.
    shown: str = ""
    present: bool = False
    texts: dict[str, dict[str, str]] = field(default_factory=dict)
    recommendations: tuple[dict[str, Any], ...] = ()
    release: dict[str, Any] = field(default_factory=dict)
    missing: tuple[str, ...] = PARTICULARS
    example: bool = False
    warnings: tuple[str, ...] = ()

    def text(self, kind: str, lang: str) -> tuple[str, str] | None:
        """The Markdown of ``kind`` for a reader of ``lang`` and the language it is written
        in: ``lang`` when written, else the first language that has it; None when none."""
        written = self.texts.get(kind, {})
        if lang in written:
            return written[lang], lang
        for other in LANGUAGES:
            if other in written:
                return written[other], other
        return None


def committee_folder(root: Path, year: int) -> Path:
    """The folder of ``year`` under the committee root."""
    return Path(root) / str(int(year))


def committee_files(root: Path, year: int) -> list[Path]:
    """The files of the year's folder that the report reads (for the report's key)."""
    folder = committee_folder(root, year)
    if not folder.is_dir():
        return []
    names = {RECOMMENDATIONS_FILE, RELEASE_FILE}
    names |= {f"{kind}.{lang}.md" for kind in TEXT_KINDS for lang in LANGUAGES}
    return sorted(p for p in folder.iterdir() if p.name in names and p.is_file())


def read_committee(
    root: Path, year: int, langs: Sequence[str], metrics: Collection[str]
) -> Committee:
    """Read and check the committee's folder of ``year`` for a report in ``langs``.

    Parameters
    ----------
    root : Path
        The folder holding one folder per year.
    year : int
        The report year.
    langs : sequence of str
        The languages the report is built in: a text missing in one is a warning.
    metrics : collection of str
        The metric ids of the KPI file a recommendation may name.

    Raises
    ------
    CommitteeError
        One problem per broken rule (file, column or line, rule, lines).
    """
    folder = committee_folder(root, year)
    shown = f"{Path(root).name}/{int(year)}"
    if not folder.is_dir():
        return Committee(year, shown)
    problems: list[Problem] = []
    warnings: list[str] = []
    texts: dict[str, dict[str, str]] = {}
    for kind in TEXT_KINDS:
        for lang in LANGUAGES:
            path = folder / f"{kind}.{lang}.md"
            if not path.is_file():
                continue
            text = _read_text(path, f"{shown}/{path.name}", problems)
            if text is None:
                continue
            problems += check_markdown(text, f"{shown}/{path.name}")
            texts.setdefault(kind, {})[lang] = text
        written = texts.get(kind, {})
        for lang in langs:
            if written and lang not in written:
                other = next(iter(written))
                warnings.append(
                    f"{shown}/{kind}.{lang}.md: not written; the {kind} is shown in "
                    f"'{other}', marked as not translated"
                )
    for kind in REQUIRED_TEXTS:
        if kind not in texts:
            warnings.append(
                f"{shown}: no {kind} in any language; the pages say it is not there yet"
            )
    recommendations: list[dict[str, Any]] = []
    path = folder / RECOMMENDATIONS_FILE
    if path.is_file():
        recommendations = check_recommendations(
            _read_text(path, f"{shown}/{RECOMMENDATIONS_FILE}", problems) or "",
            f"{shown}/{RECOMMENDATIONS_FILE}",
            year,
            metrics,
            problems,
            langs,
            warnings,
        )
    release: dict[str, Any] = {}
    example = False
    path = folder / RELEASE_FILE
    if path.is_file():
        release, example = check_release(path, f"{shown}/{RELEASE_FILE}", problems)
    missing = tuple(p for p in PARTICULARS if p not in release)
    if missing:
        warnings.append(f"{shown}/{RELEASE_FILE}: missing {', '.join(missing)}")
    if problems:
        raise CommitteeError(problems)
    return Committee(
        year,
        shown,
        True,
        texts,
        tuple(recommendations),
        release,
        missing,
        example,
        tuple(warnings),
    )


def _read_text(path: Path, shown: str, problems: list[Problem]) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        problems.append(Problem(shown, "", "must be UTF-8 text"))
    except OSError as error:
        problems.append(Problem(shown, "", f"cannot be read ({error.strerror or 'error'})"))
    return None


# --- Markdown ----------------------------------------------------------------------------


def markdown_parser(*, html: bool):
    """CommonMark with every link kept as written, so that the checks see it.

    ``html=True`` parses raw HTML as such (to find and refuse it); the pages render with
    ``html=False``, which can only escape it.
    """
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark", {"html": html})
    parser.validateLink = lambda url: True
    return parser


def check_markdown(text: str, shown: str) -> list[Problem]:
    """Problems of a committee text: raw HTML, an image from outside, a link whose scheme is
    not https: or mailto: — each with its line (the file's first line is 1)."""
    found: list[tuple[int, str]] = []
    for token in markdown_parser(html=True).parse(text):
        line = token.map[0] + 1 if token.map else 1
        if token.type == "html_block":
            found.append((line, "raw HTML is not allowed"))
        for child in token.children or ():
            if child.type in ("softbreak", "hardbreak"):
                line += 1
            elif child.type == "html_inline":
                found.append((line, "raw HTML is not allowed"))
            elif child.type == "link_open":
                href = str(child.attrGet("href") or "")
                if not href.lower().startswith(LINK_SCHEMES):
                    found.append(
                        (line, f"a link must start with https: or mailto:, not {_show(href)}")
                    )
            elif child.type == "image":
                src = str(child.attrGet("src") or "")
                if _SCHEME.match(src) or src.startswith("//"):
                    found.append((line, "an image from outside is not allowed"))
            if child.type == "text" or child.type == "code_inline":
                line += child.content.count("\n")
    return [Problem(shown, f"line {line}", rule) for line, rule in sorted(set(found))]


def _show(href: str) -> str:
    scheme = _SCHEME.match(href)
    return f"'{scheme.group(0)}'" if scheme else "a relative address"


# --- recommendations.csv ----------------------------------------------------------------


def check_recommendations(
    text: str,
    shown: str,
    year: int,
    metrics: Collection[str],
    problems: list[Problem],
    langs: Sequence[str] = LANGUAGES,
    warnings: list[str] | None = None,
) -> list[dict[str, Any]]:
    """The rows of recommendations.csv, typed; broken rules appended to ``problems``.

    Lines are counted as in the file, the header being line 1.
    """
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    absent = [c for c in RECOMMENDATION_COLUMNS if c not in header]
    if absent:
        problems += [Problem(shown, c, "column is missing") for c in absent]
        return []
    rows = []
    for line, raw in enumerate(reader, start=2):
        row = {c: (raw.get(c) or "").strip() or None for c in RECOMMENDATION_COLUMNS}
        row["line"] = line
        rows.append(row)
    broken: dict[tuple[str, str], list[int]] = {}

    def flag(column: str, rule: str, line: int) -> None:
        broken.setdefault((column, rule), []).append(line)

    seen: dict[str, int] = {}
    for row in rows:
        line = row["line"]
        key = row["recommendation_id"]
        if key is None:
            flag("recommendation_id", "must not be empty", line)
        elif key in seen:
            flag("recommendation_id", "must be unique", seen[key])
            flag("recommendation_id", "must be unique", line)
        else:
            seen[key] = line
        made = row["year_made"]
        if made is None or not re.fullmatch(r"\d{4}", made):
            flag("year_made", "must be a year (four digits)", line)
        else:
            row["year_made"] = int(made)
            if row["year_made"] > year:
                flag("year_made", f"must not be after the folder's year ({year})", line)
        if row["title_en"] is None and row["title_fr"] is None:
            flag("title_en, title_fr", "at least one must be given", line)
        for column in ("title_en", "title_fr"):
            if row[column] is not None and len(row[column]) > TITLE_MAX:
                flag(column, f"must be short (at most {TITLE_MAX} characters)", line)
        if row["status"] not in STATUSES:
            flag("status", f"must be one of {', '.join(STATUSES)}", line)
        if row["metric"] is not None and row["metric"] not in metrics:
            flag("metric", "must be a metric of the KPI file", line)
        if row["segment"] is not None and row["metric"] is None:
            flag("segment", "must come with a metric", line)
        row["segment"] = row["segment"] or "all"
        for column in ("title", "text", "follow_up"):
            for lang in langs:
                own = row.get(f"{column}_{lang}")
                others = [row.get(f"{column}_{o}") for o in LANGUAGES if o != lang]
                if own is None and any(others) and warnings is not None:
                    warnings.append(
                        f"{shown}: line {line}: {column}_{lang} is empty; the other "
                        "language's text is shown, marked as not translated"
                    )
    for (column, rule), lines in broken.items():
        lines = sorted(set(lines))
        problems.append(Problem(shown, column, rule, len(lines), tuple(lines[:LINES_SHOWN])))
    return rows


# --- release.toml --------------------------------------------------------------------------


def check_release(path: Path, shown: str, problems: list[Problem]) -> tuple[dict[str, Any], bool]:
    """The particulars release.toml gives, checked, and whether the folder is an example."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        problems.append(Problem(shown, "", f"is not valid TOML ({error})"))
        return {}, False
    found: dict[str, Any] = {}
    for key in ("release_date", "next_release"):
        if key in data:
            value = data[key]
            if isinstance(value, str):
                try:
                    value = dt.date.fromisoformat(value)
                except ValueError:
                    value = None
            if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
                found[key] = value
            else:
                problems.append(Problem(shown, key, "must be a date (YYYY-MM-DD)"))
    dates = [found.get("release_date"), found.get("next_release")]
    if None not in dates and dates[1] <= dates[0]:
        problems.append(Problem(shown, "next_release", "must be after release_date"))
    if "contact" in data:
        contact = data["contact"]
        if isinstance(contact, str) and (
            re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", contact) or contact.startswith("https://")
        ):
            found["contact"] = contact
        else:
            problems.append(
                Problem(shown, "contact", "must be an e-mail address or an https:// page")
            )
    if "licence" in data:
        licence = data["licence"]
        if (
            isinstance(licence, dict)
            and isinstance(licence.get("name"), str)
            and licence["name"].strip()
            and isinstance(licence.get("link"), str)
            and licence["link"].startswith("https://")
        ):
            found["licence"] = {"name": licence["name"].strip(), "link": licence["link"]}
        else:
            problems.append(
                Problem(shown, "licence", "must give name and link (an https:// address)")
            )
    for key in SENTENCES:
        if key in data:
            value = data[key]
            if (
                isinstance(value, dict)
                and value
                and all(
                    lang in LANGUAGES and isinstance(text, str) and text.strip()
                    for lang, text in value.items()
                )
            ):
                found[key] = {lang: text.strip() for lang, text in value.items()}
            else:
                problems.append(
                    Problem(
                        shown, key, f"must give one sentence per language ({', '.join(LANGUAGES)})"
                    )
                )
    example = data.get("example", False)
    if not isinstance(example, bool):
        problems.append(Problem(shown, "example", "must be true or false"))
        example = False
    return found, example

"""The methods page of a report (``methods.html``), generated from the metric registry.

For every metric id it gives the definition in words, the function that computes it,
the tables and columns it reads, the groups it is given for in the report year (with
the category rules in force that year) and the published figures and objectives of the
year it is set beside. Each entry carries the anchor ``metric-<id>``
(``helpers.pages.sections.markup.metric_anchor``), which every figure of the sections links
to; each section's entries sit under the section's id (``#funnel``), and the status and
tolerance rules of the objectives and published-figures pages under ``#targets`` and
``#reconciliation``.

The hand-written methods notes (``docs/methods.md``: the KPI file, readings,
disclosure control, intervals) are part of the same page: the generated definitions
take the place of the notes' chapter ``Definitions``, so one page answers every "how is
this measured", and the notes' own links (``#definitions``, ``#funnel``) still land.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pandas as pd

from helpers.figures import reconcile, registry, verdicts
from helpers.figures.objectives import read_targets
from helpers.figures.run_data import RunData
from helpers.figures.segments import SEGMENT_ORDER, segment_rank
from helpers.pages import i18n
from helpers.pages.i18n import t
from helpers.pages.render import METHODS_PAGE, Site, markdown_to_html, render_page, slugify
from helpers.pages.sections.figures import (
    CATEGORY_SEGMENTS,
    changed_segments,
    format_threshold_amount,
    rules_in_force,
)
from helpers.pages.sections.markup import escape, html_table, metric_anchor
from helpers.pages.sections.published import format_published, name_document
from helpers.pages.sections.reconciliation import PAGE as RECONCILIATION_PAGE
from helpers.pages.sections.reconciliation import describe_tolerances
from helpers.pages.sections.scorecard import PAGE as TARGETS_PAGE
from helpers.pages.sections.scorecard import name_comparator

# The notes' chapter whose place the generated definitions take (its heading's slug).
DEFINITIONS_CHAPTER = "definitions"
# The notes' chapters about the report's files rather than its figures (their headings'
# slugs in each language): the PDF edition, which has no files beside it, leaves them out.
FILE_CHAPTERS = frozenset({"the-kpi-file", "le-fichier-des-kpi"})
# The notes' chapter that lists their chapters, in each language.
CONTENTS_CHAPTERS = frozenset({"contents", "sommaire"})
# The class of a category's rule written as the data's columns and values.
RULE_CLASS = "mr-rule"
GROUPS_ANCHOR = "groups"
# How the registry says "every category" in a metric's list of segments.
EVERY_CATEGORY = "each underserved category"
CHAPTER = re.compile(r"^## +(.+?)\s*#*\s*$")
FENCE = re.compile(r"^(```|~~~)")
STYLE = """<style>
.mr-entry{margin:1.2rem 0 1.6rem;padding-left:.9rem;border-left:3px solid #dfe2ea}
.mr-entry h4{margin:0 0 .3rem;font-size:1.02rem}
.mr-entry h4 code{font-weight:400;font-size:.8rem;margin-left:.4rem}
.mr-entry:target{border-left-color:#5a3bd6;background:#f6f7fb}
.mr-facts{display:grid;grid-template-columns:max-content 1fr;gap:.15rem 1rem;margin:.4rem 0;font-size:.92rem}
.mr-facts dt{color:#5b6275}
.mr-facts dd{margin:0}
.mr-changed{font-size:.78rem;background:#fff4d6;color:#6b4a00;padding:0 .35rem;border-radius:3px;margin-left:.3rem}
</style>"""


def build_methods_body(
    year: int,
    lang: str,
    notes: str | None = None,
    *,
    run: RunData | None = None,
    published: pd.DataFrame | None = None,
    targets: pd.DataFrame | None = None,
    category_rules: pd.DataFrame | None = None,
) -> str:
    """The HTML body of the methods page of ``year`` in ``lang``.

    Parameters
    ----------
    year, lang
        The report year and language.
    notes : str, optional
        The hand-written methods notes (Markdown); the generated definitions replace
        their ``Definitions`` chapter, or follow their introduction when they have none.
    run : RunData, optional
        The run whose reference tables (objectives, category rules, published figures)
        the page describes; those shipped with the code when not given.
    published, targets, category_rules : DataFrame, optional
        Tables that replace the run's.

    Returns
    -------
    str
        HTML for ``helpers.pages.render.render_page``.
    """
    i18n.check_language(lang)
    reference = run if run is not None else shipped_reference()
    published = reference.published if published is None else published
    targets = reference.targets if targets is None else targets
    rules = reference.category_rules if category_rules is None else category_rules
    head = [STYLE, f"<h1>{escape(t('methods_page.title', lang))}</h1>"]

    def generated(preface: str = "") -> list[str]:
        return [
            build_definitions(year, lang, rules, published, targets, preface),
            build_rules_chapter(TARGETS_PAGE, lang),
            build_reconciliation_chapter(lang),
            build_run_chapter(reference, year, lang),
        ]

    if notes is None:
        intro = t("methods_page.intro", lang, year=year)
        return "\n".join([*head, f"<p>{escape(intro)}</p>", *generated()])
    introduction, chapters = split_chapters(notes)
    body = [*head, markdown_to_html(drop_title(introduction))]
    # Notes in another language name the chapter in their words ("Définitions").
    definitions = {DEFINITIONS_CHAPTER, slugify(t("methods_page.definitions_title", lang))}
    if not definitions & {slug for slug, _ in chapters}:
        body += generated()
    for slug, text in chapters:
        if slug in definitions:
            # The notes' chapter holds what applies to every definition ("active in
            # Y"); the entries themselves are generated.
            body += generated(markdown_to_html(drop_chapter_heading(text)))
        elif slug in CONTENTS_CHAPTERS:
            # The notes' list of their chapters: navigation, which print leaves out.
            body.append(f'<nav class="page-contents" aria-labelledby="{slug}">')
            body += [markdown_to_html(text), "</nav>"]
        else:
            body.append(markdown_to_html(text))
    return "\n".join(body)


def shipped_reference() -> RunData:
    """A run of no figures over the reference tables shipped with the code."""
    return RunData(
        kpis=pd.DataFrame(), history=pd.DataFrame(), series=pd.DataFrame(), provenance={}
    )


def render_methods_page(site: Site, notes: str | None = None, run: RunData | None = None) -> str:
    """The standalone methods page of a report, with the report's chrome.

    Parameters
    ----------
    site : Site
        The report the page belongs to (its year and language).
    notes : str, optional
        The hand-written methods notes (Markdown), included as ``build_methods_body``
        says.
    run : RunData, optional
        The run whose reference tables the page describes (``build_methods_body``).
    """
    body = build_methods_body(site.year, site.lang, notes, run=run)
    return render_page(body, site, METHODS_PAGE, page_class="methods-page")


def split_chapters(markdown: str) -> tuple[str, list[tuple[str, str]]]:
    """The notes' introduction, and each level-2 chapter with its heading's slug.

    Headings inside fenced code blocks are text, not chapters.
    """
    introduction: list[str] = []
    chapters: list[tuple[str, list[str]]] = []
    fenced = False
    for line in markdown.splitlines(keepends=True):
        if FENCE.match(line):
            fenced = not fenced
        heading = None if fenced else CHAPTER.match(line)
        if heading:
            chapters.append((slugify(heading.group(1)), [line]))
        elif chapters:
            chapters[-1][1].append(line)
        else:
            introduction.append(line)
    return "".join(introduction), [(slug, "".join(lines)) for slug, lines in chapters]


def drop_chapter_heading(markdown: str) -> str:
    """A chapter's text without its level-2 heading, which the generated chapter gives."""
    return re.sub(r"^## .*\n?", "", markdown, count=1, flags=re.MULTILINE)


def drop_title(markdown: str) -> str:
    """``markdown`` without its level-1 title: the page has its own, in its language."""
    return re.sub(r"^# .*\n?", "", markdown, count=1, flags=re.MULTILINE)


# --- the definitions -------------------------------------------------------------------


def build_definitions(
    year: int,
    lang: str,
    rules: pd.DataFrame,
    published: pd.DataFrame,
    targets: pd.DataFrame,
    preface: str = "",
) -> str:
    """The generated chapter: the groups of the year, then every metric by section.

    ``preface`` (HTML) is the notes' own text on what every definition shares.
    """
    figures = select_published(published, year)
    objectives = select_objectives(targets, year)
    parts = [
        f'<h2 id="{DEFINITIONS_CHAPTER}">{escape(t("methods_page.definitions_title", lang))}</h2>',
        f'<p class="mr-definitions-intro">'
        f"{escape(t('methods_page.definitions_intro', lang, year=year))}</p>",
        preface,
        build_groups(year, lang, rules),
    ]
    categories = list_categories(rules, year)
    for section in registry.SECTIONS:
        parts.append(f'<h3 id="{section}">{escape(t(f"{section}.title", lang))}</h3>')
        parts += [
            build_entry(spec, year, lang, categories, figures, objectives)
            for spec in registry.METRICS
            if spec.section == section
        ]
    return "\n".join(parts)


def list_categories(rules: pd.DataFrame, year: int) -> list[str]:
    """The underserved categories with a rule in force in ``year``, in display order."""
    return sorted(rules_in_force(rules, year), key=segment_rank)


def list_metric_segments(spec: registry.MetricSpec, categories: Sequence[str]) -> list[str]:
    """The segments a metric is given for, read from its registry entry, with "each
    underserved category" standing for the categories in force.

    Raises
    ------
    ValueError
        When the entry names a segment the report does not know.
    """
    if spec.segments in registry.DATA_SEGMENTS:
        return []  # the data's own names (teams, populations surveyed), listed on their page
    text = spec.segments.replace(EVERY_CATEGORY, " ".join(categories))
    words = [w for w in re.split(r"[,\s]+", text) if w and w != "and"]
    unknown = [w for w in words if w not in SEGMENT_ORDER and w not in categories]
    if unknown:
        raise ValueError(f"{spec.id}: unknown segments {', '.join(unknown)} in the registry")
    return sorted(dict.fromkeys(words), key=segment_rank)


def build_groups(year: int, lang: str, rules: pd.DataFrame) -> str:
    """Every group of the year and who is in it; categories with their rules in force."""
    in_force = rules_in_force(rules, year)
    changed = changed_segments(rules, year - 1, year)
    rows, ids = [], []
    for segment in sorted({*SEGMENT_ORDER, *in_force}, key=segment_rank):
        if segment in CATEGORY_SEGMENTS and segment not in in_force:
            continue
        if segment in in_force:
            who = describe_category_rule(in_force[segment])
        else:
            who = escape(t(f"methods_page.group_rule.{segment}", lang))
        name = escape(name_segment(segment, lang))
        if segment in in_force and segment in changed:
            name += f'<span class="mr-changed">{escape(t("methods_page.changed", lang, year=year))}</span>'
        rows.append([("", name), ("", who)])
        ids.append(f"group-{segment}")
    headers = [("", t("methods_page.group", lang)), ("", t("methods_page.who", lang))]
    title = t("methods_page.groups_table_title", lang, year=year)
    return (
        f'<h3 id="{GROUPS_ANCHOR}">{escape(t("methods_page.groups_title", lang, year=year))}</h3>'
        f'<p class="mr-groups-intro">{escape(t("methods_page.groups_intro", lang, year=year))}</p>'
        + html_table(headers, rows, title=title, row_ids=ids)
    )


def describe_category_rule(rule: frozenset[tuple[str, str]]) -> str:
    """A category's rule as the application columns and the values that place a person."""
    by_column: dict[str, list[str]] = {}
    for column, value in sorted(rule):
        by_column.setdefault(column, []).append(value)
    rule = "; ".join(
        f"<code>{escape(column)}</code>: " + ", ".join(f"<code>{escape(v)}</code>" for v in values)
        for column, values in by_column.items()
    )
    return f'<span class="{RULE_CLASS}">{rule}</span>'


def name_segment(segment: str, lang: str) -> str:
    """A segment's name in ``lang``; a category the catalog does not know, as spelled."""
    key = f"segment.{segment}"
    return t(key, lang) if i18n.has_key(key, lang) else segment.replace("_", " ")


def build_entry(
    spec: registry.MetricSpec,
    year: int,
    lang: str,
    categories: Sequence[str],
    figures: pd.DataFrame,
    objectives: pd.DataFrame,
) -> str:
    """One metric's entry, with the anchor the section pages link to."""
    function = f"{spec.compute.__module__}.{spec.compute.__qualname__}"
    reads = "; ".join(
        f"<code>{escape(table)}</code> ("
        + ", ".join(f"<code>{escape(c)}</code>" for c in dict.fromkeys(columns))
        + ")"
        for table, columns in spec.reads.items()
    )
    segments = list_metric_segments(spec, categories)
    groups = ", ".join(
        f'<a href="#group-{s}">{escape(name_segment(s, lang))}</a>' for s in segments
    ) or escape(t("methods_page.team_groups", lang))
    pages = dict.fromkeys([spec.section_of(s) for s in segments] or [spec.section])
    shown = " · ".join(f'<a href="{p}.html">{escape(t(f"{p}.title", lang))}</a>' for p in pages)
    facts = [
        ("methods_page.computed_by", f"<code>{escape(function)}</code>"),
        ("methods_page.reads", reads),
        ("methods_page.groups", groups),
        ("methods_page.shown_in", shown),
        ("methods_page.direction", describe_direction(spec, segments, lang)),
        ("methods_page.published", describe_published(spec.id, figures, lang)),
    ]
    mine = objectives[objectives["metric"] == spec.id]
    if len(mine):
        facts.append(("methods_page.objectives", describe_objectives(mine, lang)))
    rows = "".join(
        f"<dt>{escape(t(key, lang, year=year))}</dt><dd>{value}</dd>" for key, value in facts
    )
    label = escape(t(spec.label_key, lang))
    definition = escape(t(spec.definition_key, lang))
    return (
        f'<section class="mr-entry" id="{metric_anchor(spec.id)}">'
        f"<h4>{label}<code>{escape(spec.id)}</code></h4><p>{definition}</p>"
        f'<dl class="mr-facts">{rows}</dl></section>'
    )


def describe_direction(spec: registry.MetricSpec, segments: Sequence[str], lang: str) -> str:
    """Which way a change of the figure serves the mission, with the groups excepted."""
    text = escape(t(f"methods_page.direction_{spec.direction}", lang))
    excepted = [s for s in segments if spec.direction_of(s) != spec.direction]
    if excepted:
        names = ", ".join(escape(name_segment(s, lang)) for s in excepted)
        text += " " + escape(t("methods_page.direction_except", lang, groups=names))
    return text


def select_published(published: pd.DataFrame, year: int) -> pd.DataFrame:
    """The figures published about ``year`` that describe a result, each under the KPI
    metric it is set beside (a published growth under the count it is the growth of)."""
    figures = reconcile.read_published(published)
    figures = figures[(figures["year"] == year) & figures["kind"].isin(reconcile.OBSERVED_KINDS)]
    figures = figures[figures["value"].notna()].copy()
    figures["compared_with"] = [
        metric
        if metric in registry.METRICS_BY_ID
        else (reconcile.growth_base_metric(metric) if unit == "growth" else None)
        for metric, unit in zip(figures["metric"], figures["unit"], strict=True)
    ]
    return figures


def describe_published(metric: str, figures: pd.DataFrame, lang: str) -> str:
    """The published figures set beside ``metric``, grouped by document, with a link to
    the reconciliation page; "none" when there is none."""
    mine = figures[figures["compared_with"] == metric]
    if mine.empty:
        return escape(t("methods_page.none", lang))
    parts = []
    for source, rows in mine.groupby("source", sort=True):
        items = "; ".join(
            t(
                "methods_page.item",
                lang,
                group=name_segment(row["segment"], lang),
                value=describe_published_value(row, lang),
            )
            for row in sorted(
                rows.to_dict("records"), key=lambda r: (segment_rank(r["segment"]), r["kind"])
            )
        )
        parts.append(
            escape(
                t(
                    "methods_page.from_document",
                    lang,
                    document=name_document(source, lang),
                    items=items,
                )
            )
        )
    link = (
        f'<a href="{RECONCILIATION_PAGE}.html">{escape(t("methods_page.compare_link", lang))}</a>'
    )
    return "<br>".join(parts) + f"<br>{link}"


def describe_published_value(figure: dict, lang: str) -> str:
    """A published figure's value as written, saying so when it was given in words."""
    value = format_published(figure["value"], figure["unit"], lang)
    if figure["kind"] == "approximate":
        return t("methods_page.in_words", lang, value=value)
    return value


def select_objectives(targets: pd.DataFrame, year: int) -> pd.DataFrame:
    """The objectives that apply to ``year``."""
    table = read_targets(targets)
    return table[(table["first_year"] <= year) & (year <= table["last_year"])]


def describe_objectives(objectives: pd.DataFrame, lang: str) -> str:
    """A metric's objectives of the year, with a link to the objectives page."""
    items = "; ".join(
        t(
            "methods_page.item",
            lang,
            group=name_segment(row["segment"], lang),
            value=describe_threshold(row, lang),
        )
        for row in objectives.to_dict("records")
    )
    link = f'<a href="{TARGETS_PAGE}.html">{escape(t("targets.title", lang))}</a>'
    return f"{escape(items)}<br>{link}"


def describe_threshold(objective: dict, lang: str) -> str:
    """An objective's comparator and threshold: "at least 60%"."""
    comparator = t(f"targets.comparator.{name_comparator(objective['comparator'])}", lang)
    amount = format_threshold_amount(
        objective["metric"], objective["comparator"], objective["threshold"], lang
    )
    return f"{comparator} {amount}"


# --- the rules of the objectives and published-figures pages ----------------------------


def build_rules_chapter(page: str, lang: str, **words: str) -> str:
    """How a page judges what it shows: its title and its methods text (with ``words``
    filling its placeholders), under ``#page``."""
    return (
        f'<h2 id="{page}">{escape(t(f"{page}.title", lang))}</h2>'
        f"<p>{escape(t(f'{page}.methods', lang, **words))}</p>"
    )


def build_reconciliation_chapter(lang: str) -> str:
    """The published-figures page's tolerances and its consistency rules."""
    rules = "".join(
        f"<li>{escape(t(f'reconciliation.rule.{rule}', lang))}</li>"
        for rule, _ in reconcile.CONSISTENCY_RULES
    )
    intro = escape(t("reconciliation.rules_intro", lang))
    chapter = build_rules_chapter(RECONCILIATION_PAGE, lang, **describe_tolerances(lang))
    return f"{chapter}<p>{intro}</p><ul>{rules}</ul>"


def build_run_chapter(run: RunData, year: int, lang: str) -> str:
    """What this run's figures say of its verdicts and of disclosure control: about how
    many verdicts are drawn at 95 %, and the figures withheld to protect others."""
    if run.history.empty:
        return ""
    proportions = {m.id for m in registry.METRICS if m.kind in registry.PROPORTION_KINDS}
    count = verdicts.count_verdicts(run.history, year, proportions)
    title = escape(t("methods_page.run_title", lang, year=year))
    parts = [
        f'<h2 id="this-run">{title}</h2>',
        "<p>"
        + escape(
            t(
                "methods_page.verdicts",
                lang,
                count=i18n.format_number(count, lang),
                chance=i18n.format_number(round(count / 20), lang),
            )
        )
        + "</p>",
    ]
    protected = run.protected
    if protected.empty:
        parts.append(f"<p>{escape(t('methods_page.protected_none', lang))}</p>")
    else:
        items = "".join(
            "<li>"
            + escape(
                t(
                    "methods_page.protected_item",
                    lang,
                    year=int(row["year"]),
                    figure=t(registry.metric(str(row["metric"])).label_key, lang),
                    group=name_segment(str(row["segment"]), lang),
                )
            )
            + "</li>"
            for _, row in protected.iterrows()
        )
        intro = escape(t("methods_page.protected_intro", lang))
        parts.append(f"<p>{intro}</p><ul>{items}</ul>")
    return "\n".join(parts)

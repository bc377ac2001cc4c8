"""What a section notebook calls: the year's figures and the pieces the committee reads.

``open_section`` gathers the run's figures (``helpers.figures.run_data``) for one section, year
and language; the ``Section`` it returns turns them into display pieces: the lead
paragraph, tables with denominators, 95 % intervals and previous-year changes,
comparisons of groups with Newcombe intervals, charts, data-gap notes and the methods
note. Nothing here computes a figure of the report: values come from the KPI file; the
only arithmetic is the change between two of its values and the interval of a difference
(``helpers.figures.stats``). Every text comes from the language catalogs (``helpers.pages.i18n``).

The module names say what each part draws: ``text`` (the lead, headings, notes, key
findings, gaps, methods), ``tables``, ``funnel_charts``, ``group_charts`` (groups side by
side), ``time_charts`` (years and months), ``carbon_charts`` (emissions and budgets),
``impact``, ``scorecard`` and ``reconciliation``; and what they share: ``figures`` (a KPI
row, comparisons, number formats), ``chart_pieces``, ``chart_titles``, ``caveats`` and
``markup`` (HTML). ``docs/sections.md`` lists every call with its module.
"""

from helpers.pages.sections.chart_pieces import FUNDING_METRICS
from helpers.pages.sections.figures import (
    CATEGORY_SEGMENTS,
    SMALL_GROUP_SIZE,
    Change,
    Kpi,
    compare_groups,
    compare_years,
    format_threshold,
    format_value,
)
from helpers.pages.sections.impact import IMPACT_CATEGORIES
from helpers.pages.sections.reconciliation import Reconciliation, open_reconciliation
from helpers.pages.sections.scorecard import Scorecard, open_scorecard
from helpers.pages.sections.section import SECTIONS, Section, open_section

# The groups the sections show, in the order the committee reads them.
UNDERSERVED_SEGMENTS = ("underserved", *CATEGORY_SEGMENTS)
COMPARED_SEGMENTS = ("non_underserved", "underserved", *CATEGORY_SEGMENTS)
FUNNEL_STAGES = (
    "visitors_monthly_avg",
    "active_members_monthly_avg",
    "prospects",
    "applicants",
    "admitted",
    "students_started",
    "graduates",
    "career_outcomes",
)
SUCCESS_RATES = ("admission_rate", "graduation_rate", "career_outcome_rate_6m")
SCOPE_SEGMENTS = ("scope_1", "scope_2", "scope_3")
# Pages beside the sections, each with its notebook: the committee's objectives and
# the published figures.
PAGES = ("targets", "reconciliation")

__all__ = [
    "CATEGORY_SEGMENTS",
    "COMPARED_SEGMENTS",
    "FUNDING_METRICS",
    "FUNNEL_STAGES",
    "IMPACT_CATEGORIES",
    "PAGES",
    "SCOPE_SEGMENTS",
    "SECTIONS",
    "SMALL_GROUP_SIZE",
    "SUCCESS_RATES",
    "UNDERSERVED_SEGMENTS",
    "Change",
    "Kpi",
    "Reconciliation",
    "Scorecard",
    "Section",
    "compare_groups",
    "compare_years",
    "format_threshold",
    "format_value",
    "open_reconciliation",
    "open_scorecard",
    "open_section",
]

"""The report's sections in reading order: the one list the registry, the run and the
pages share.

Each name is a notebook of ``notebooks/`` and a page of the report. The metric sections
hold the figures of the KPI file (every metric declares one of them); the objectives and
the published-figure check follow them.
"""

METRIC_SECTIONS = ("funnel", "categories", "funding", "apprenticeship", "carbon", "impact")
SECTION_ORDER = (*METRIC_SECTIONS, "targets", "reconciliation")

"""Computing the report's figures.

Takes a validated ``Dataset`` and gives every figure of a year: the segments, the
statistics (intervals, disclosure control), one function per metric declared in
``registry``, the KPI file and the series behind the charts, the objectives and the
reconciliation with the published figures. ``run_data`` writes them into a run-data
folder and reads them back as ``RunData``, the one interface the pages use.
Imports ``helpers.intake`` and ``helpers.core``, never the pages.
"""

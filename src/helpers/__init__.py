"""Helpers behind the mission-report notebooks, one subpackage per stage of the flow.

A report moves through four stages, each importing only the ones before it:

1. ``helpers.intake`` reads a dataset (a folder of files or a PostgreSQL schema) and
   checks it against the data contract; it gives a validated ``Dataset``.
2. ``helpers.figures`` computes every figure from a ``Dataset``: segments, statistics,
   the metrics and their registry, the KPI file, the series, the objectives and the
   reconciliation with the published reports; it gives the run's figures (``RunData``).
3. ``helpers.pages`` turns the run's figures into what the committee reads: section
   pieces, charts, words in each language, templates, the index, the methods page and the
   PDF edition. It never opens the dataset or the reference folder.
4. ``helpers.run`` runs and publishes a report: kernels for the section notebooks, the
   cache, the privacy and path checks, the atomic publish.

``helpers.core`` holds what every stage shares (paths, parameters and their defaults,
the report's layout, exit statuses, atomic and spreadsheet-safe writing, the cache);
``helpers.synth`` generates the synthetic dataset. The command-line entry points sit at
the top: ``python -m helpers.report``, ``helpers.validate``, ``helpers.kpis`` and
``helpers.bench``.
"""

from helpers.core.stopping import guard_command_start as _guard_command_start

__version__ = "0.1.0"

# Run as a command (python -m helpers.report, ...), a signal that arrives while the
# modules are still being imported ends it with one line (helpers.core.stopping).
_guard_command_start()

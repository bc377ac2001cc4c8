"""Helpers behind the mission-report notebooks.

The data flows contract -> load and validate -> metrics -> sections -> render:
``helpers.contract`` describes the tables, ``helpers.load`` reads and validates a dataset
folder into a ``helpers.dataset.Dataset``, the metric modules compute every figure of the
KPI file, and ``helpers.report`` runs the section notebooks into the committee's HTML.
"""

__version__ = "0.1.0"

"""The figures of the report, one function per metric id of the metric definitions.

Modules follow the report sections: ``funnel``, ``categories``, ``funding``, ``focus``
(the focus groups of 2023: women in tech, students with a disability), ``apprenticeship``
and ``carbon``. Every function has the signature ``(ds, year, min_cell) -> tidy frame``
(``helpers.figures.metrics.common.FIGURE_COLUMNS``); ``helpers.figures.registry`` lists them.
"""

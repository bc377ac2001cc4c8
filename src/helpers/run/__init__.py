"""Running and publishing a report.

Takes a dataset, a year, the report's languages and parameters; ``orchestrate`` runs
one year in order: ``plan`` (what to build, what is up to date), ``prepare`` (the data
validated, the figures computed once for every language), ``execute`` (the section
notebooks on warm kernels, ``kernels``), ``assemble`` (each language's folder and the
year's language chooser), ``checks`` (personal data and machine paths in every output,
``privacy``, ``machine_paths``) and ``publish`` (the year folder swapped in atomically).
"""

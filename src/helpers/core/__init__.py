"""What every stage shares: paths, report parameters and their defaults, the layout of a
report (sections and their order), exit statuses, spreadsheet-safe CSV writing, atomic
writing (``atomic``) and the one content-addressed cache (``cache``).

Imports nothing else of the package.
"""

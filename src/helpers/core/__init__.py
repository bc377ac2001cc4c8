"""What every stage shares: paths, report parameters and their defaults, the layout of a
report (sections and their order), exit statuses and spreadsheet-safe CSV writing.

Imports nothing else of the package.
"""

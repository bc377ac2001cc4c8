"""Reading and validating a dataset.

Takes a dataset folder (Parquet or CSV files with a ``dataset.json``) or a PostgreSQL
schema, checks it against the data contract (``contract``, ``rules``) and gives a
validated ``dataset.Dataset`` whose tables the figures stage queries, or a refusal
naming file or table, column, rule and rows. Imports only ``helpers.core``.
"""

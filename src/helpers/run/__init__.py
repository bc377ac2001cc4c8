"""Running and publishing a report.

Takes a dataset, a year and the report's parameters; validates the data, writes the
run's figures, runs the section notebooks on warm kernels (``kernels``), checks every
output for personal data and machine paths (``privacy``, ``machine_paths``) and
publishes the report folder atomically (``publish``).
"""

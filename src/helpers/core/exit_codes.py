"""The exit status of every command of the project, one rule for all.

``helpers.report``, ``helpers.validate``, ``helpers.kpis``, ``helpers.synth`` and
``helpers.synth.calibrate`` (and the make targets that run them) end with:

- ``DONE`` (0): the command did what was asked (a warning may have been printed);
- ``REFUSED`` (1): the data was refused (it breaks the contract, it does not cover the
  year asked for, its figures miss the published ones) or the work failed on the way
  (a notebook, a full disk, a report already being built);
- ``USAGE`` (2): the command line was wrong and nothing was read: an unknown option, a
  bad value, a data folder that does not exist, an output folder that is not the
  project's.
"""

DONE, REFUSED, USAGE = 0, 1, 2

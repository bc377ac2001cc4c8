"""``python -m helpers.bench``: see the package's docstring."""

from helpers.bench.cli import main

raise SystemExit(main())

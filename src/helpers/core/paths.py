"""Every path the project uses, anchored on this file rather than the working directory.

A notebook opened from any folder, papermill (which changes directory) and the tests all
find the same files.
"""

from pathlib import Path

# This file sits in helpers/core/: the package is its parent folder.
PACKAGE_DIR = Path(__file__).resolve().parents[1]
ROOT = PACKAGE_DIR.parents[1]
DATA_DIR = ROOT / "data"
REFERENCE_DIR = DATA_DIR / "reference"
DEFAULT_DATA_DIR = DATA_DIR / "default"
BENCH_DATA_DIR = DATA_DIR / "bench"
NOTEBOOKS_DIR = ROOT / "notebooks"
OUTPUTS_DIR = ROOT / "outputs"
DOCS_DIR = ROOT / "docs"
METHODS_NOTES = DOCS_DIR / "methods.md"
COMMITTEE_DIR = ROOT / "committee"

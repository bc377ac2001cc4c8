"""nbformat, imported without the part of jsonschema no notebook needs.

jsonschema, under nbformat, builds an IRI grammar when ``rfc3987_syntax`` is importable
(0.8 s of CPU per process) for a string format the notebook schema never uses. A None
entry in ``sys.modules`` makes that optional import fail at once; every process of the
report that reads or writes notebooks imports nbformat through here.
"""

from __future__ import annotations

import sys
from types import ModuleType


def import_nbformat() -> ModuleType:
    sys.modules.setdefault("rfc3987_syntax", None)
    import nbformat

    return nbformat

"""No absolute path of the machine that built a report in what it publishes.

A report names its dataset by folder name and fingerprint, never by where the folder sat:
paths say who built it and how their machine is laid out, and mean nothing to a reader.
Two steps keep them out. ``publish_notebook`` writes an executed notebook with the places
papermill recorded replaced: the source and executed notebooks by their names in the
report, ``output_dir`` (the run's figures) by ``../run-data``, where the report publishes
them beside the notebooks, so that the notebook reruns from the report folder, and
``data_dir`` by the dataset's name. ``find_machine_paths`` then searches every output for
the folders of the run (data, output, build folder, the code's checkout, the home
folder) and the report is refused when one is found.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from helpers.core.notebook_format import import_nbformat
from helpers.run.privacy import read_views

# Where the report publishes the run's figures, seen from its notebooks/ folder.
RUN_DATA_FROM_NOTEBOOKS = "../run-data"
EXECUTED_DIR = "notebooks"
# Characters of a path name: a place counts when none is just before or after it (a
# longer path, or a URL that merely contains the same letters, is another place).
_NAME_CHARACTER = r"[\w.~-]"
# What papermill records of when a notebook and each of its cells ran.
CLOCK_KEYS = ("start_time", "end_time", "duration")
# The tag of the cell papermill adds with the run's parameters.
INJECTED_TAG = "injected-parameters"


@dataclass(frozen=True)
class PathHit:
    """A place of the build machine found in an output (the path itself is not kept)."""

    file: str
    place: str
    count: int

    def describe(self) -> str:
        times = "once" if self.count == 1 else f"{self.count} times"
        return f"{self.file} holds the absolute path of the {self.place} ({times})"


def publish_notebook(source: Path, destination: Path, name: str, dataset_name: str) -> None:
    """Write the executed notebook ``source`` to ``destination`` without machine paths.

    Parameters
    ----------
    source : Path
        An executed notebook (papermill's metadata and injected parameters included).
    destination : Path
        Where the report publishes it (``notebooks/<name>.ipynb``).
    name : str
        The section's name.
    dataset_name : str
        The dataset's folder name, which replaces ``data_dir``.
    """
    nbformat = import_nbformat()
    nb = nbformat.read(source, as_version=4)
    papermill = nb.metadata.get("papermill", {})
    parameters = papermill.get("parameters", {})
    replacements = {}
    if parameters.get("output_dir"):
        replacements[str(parameters["output_dir"])] = RUN_DATA_FROM_NOTEBOOKS
    if parameters.get("data_dir"):
        replacements[str(parameters["data_dir"])] = dataset_name
    if papermill:
        papermill["input_path"] = f"{EXECUTED_DIR}/{name}.ipynb"
        papermill["output_path"] = f"{EXECUTED_DIR}/{name}.ipynb"
    drop_clock(nb)
    scrubbed = replace_in_strings(nb, replacements)
    destination.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nbformat.from_dict(scrubbed), destination)


def drop_clock(nb: Any) -> None:
    """Remove from executed notebook ``nb`` what says when it ran, which changes at every
    run of the same inputs: papermill's start and end times and durations, nbclient's
    message times, and the random id papermill gives the cell of the parameters it
    injects (named after its tag instead)."""
    for key in CLOCK_KEYS:
        nb.metadata.get("papermill", {}).pop(key, None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        for key in CLOCK_KEYS:
            cell.metadata.get("papermill", {}).pop(key, None)
        if INJECTED_TAG in cell.metadata.get("tags", []):
            cell["id"] = INJECTED_TAG


def replace_in_strings(node: Any, replacements: Mapping[str, str]) -> Any:
    """``node`` (JSON-like) with every string's occurrences of each key replaced, the
    longest keys first (one place may lie inside another)."""
    order = sorted(replacements, key=len, reverse=True)

    def walk(value: Any) -> Any:
        if isinstance(value, str):
            for old in order:
                value = value.replace(old, replacements[old])
            return value
        if isinstance(value, Mapping):
            return {k: walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    return walk(json.loads(json.dumps(node)))


def machine_places(
    data_dir: Path, out: Path, build: Path, checkout: Path, home: str | None = None
) -> dict[str, str]:
    """The absolute paths a report must not show, by what they are.

    Each folder is given as written and resolved (a symbolic link has two spellings); the
    file system root and the home folder when unset or ``/`` are left out, since every
    path starts with them.
    """
    home = os.environ.get("HOME") if home is None else home
    named = {
        "data folder": [data_dir],
        "output folder": [out],
        "build folder": [build],
        "code checkout": [checkout],
        "home folder": [Path(home)] if home else [],
    }
    places: dict[str, str] = {}
    for label, paths in named.items():
        for path in paths:
            for spelling in {str(path), str(path.resolve())}:
                if path.is_absolute() and spelling.rstrip("/") not in ("", "/"):
                    places.setdefault(spelling.rstrip("/"), label)
    return places


def find_machine_paths(folder: Path, places: Mapping[str, str]) -> list[PathHit]:
    """Every (file, place) of ``places`` found in a file under ``folder``, with its
    count; the most specific place is named when one lies inside another."""
    patterns = [
        (re.compile(f"(?<!{_NAME_CHARACTER}){re.escape(p)}(?!{_NAME_CHARACTER})"), p)
        for p in sorted(places, key=len, reverse=True)
    ]
    hits = []
    for path in sorted(p for p in Path(folder).rglob("*") if p.is_file()):
        texts = read_views(path)
        if texts is None:
            continue  # not text: the privacy scan lists it
        counts: dict[str, int] = {}
        for text in texts:
            for pattern, place in patterns:
                found = len(pattern.findall(text))
                if found:
                    counts[places[place]] = max(counts.get(places[place], 0), found)
                    # The longer place has been counted: blank it for the shorter ones.
                    text = pattern.sub(" ", text)
        name = path.relative_to(folder).as_posix()
        hits += [PathHit(name, place, n) for place, n in sorted(counts.items())]
    return hits


def describe_refusal(hits: Iterable[PathHit]) -> str:
    lines = [f"report failed: {hit.describe()}" for hit in hits]
    lines.append(
        "report failed: a path of this machine appears in the outputs; nothing was published"
    )
    return "\n".join(lines)

"""The one cache (its key and store) and the one atomic write."""

from __future__ import annotations

import os

import pytest

from helpers.core.atomic import write_atomically, write_text_atomically
from helpers.core.cache import Store, cache_key


def test_the_key_changes_with_each_declared_input_and_only_with_them():
    base = cache_key(files={"a.csv": "1"}, params={"year": 2022}, code="c1")
    assert base == cache_key(files={"a.csv": "1"}, params={"year": 2022}, code="c1")
    assert base != cache_key(files={"a.csv": "2"}, params={"year": 2022}, code="c1")
    assert base != cache_key(files={"a.csv": "1"}, params={"year": 2023}, code="c1")
    assert base != cache_key(files={"a.csv": "1"}, params={"year": 2022}, code="c2")
    # Order of declaration does not matter.
    assert cache_key(params={"a": 1, "b": 2}) == cache_key(params={"b": 2, "a": 1})


def test_a_folder_entry_is_published_whole_and_pruned_by_use(tmp_path):
    source = tmp_path / "made"
    source.mkdir()
    (source / "kpis.csv").write_text("x")
    (source / "other.txt").write_text("y")
    store = Store(tmp_path / "store")
    assert not store.has("k1", ["kpis.csv"])
    entry = store.put("k1", source, names=["kpis.csv"])
    assert entry == store.folder("k1")
    assert store.has("k1", ["kpis.csv"]) and not (entry / "other.txt").exists()
    store.put("k2", source)
    os.utime(store.folder("k1"), (1, 1))  # k1 used long ago
    store.prune(1)
    assert [p.name for p in (tmp_path / "store").iterdir()] == ["k2"]


def test_a_record_is_read_back_and_an_unreadable_one_is_empty(tmp_path):
    store = Store(tmp_path)
    store.write_record("verdicts.json", {"k": {"at": "now"}})
    assert store.record("verdicts.json") == {"k": {"at": "now"}}
    (tmp_path / "verdicts.json").write_text("{half")
    assert store.record("verdicts.json") == {}


def test_an_atomic_write_that_fails_leaves_the_previous_file(tmp_path):
    path = tmp_path / "kpis.csv"
    write_text_atomically(path, "previous")

    def fail(temporary):
        temporary.write_text("half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_atomically(fail, path)
    assert path.read_text() == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["kpis.csv"]

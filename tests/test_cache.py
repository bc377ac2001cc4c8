"""The one cache (its key and store) and the one atomic write."""

from __future__ import annotations

import os

import pytest

from helpers.core.atomic import write_atomically, write_text_atomically
from helpers.core.cache import ABSENT, DAMAGED, INTACT, Store, cache_key, check_seal, seal


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


# --- entries are verified on read -------------------------------------------------------


def truncate(path):
    path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])


def flip(path):
    content = bytearray(path.read_bytes())
    content[len(content) // 2] ^= 0x01
    path.write_bytes(bytes(content))


def delete(path):
    path.unlink()


DAMAGES = [truncate, flip, delete]


def sealed_entry(folder):
    folder.mkdir(parents=True)
    (folder / "kpis.csv").write_text("year,metric,value\n" + "2022,m,1\n" * 400)
    (folder / "run.json").write_text('{"year": 2022}')
    (folder / "sub").mkdir()
    (folder / "sub" / "page.html").write_text("<p>page</p>" * 50)
    seal(folder)
    return folder


@pytest.mark.parametrize("damage", DAMAGES)
@pytest.mark.parametrize("name", ["kpis.csv", "run.json", "sub/page.html", ".digests.json"])
def test_a_damaged_folder_entry_is_found(tmp_path, damage, name):
    entry = sealed_entry(tmp_path / "entry")
    assert check_seal(entry, ["kpis.csv", "run.json"]) == INTACT
    damage(entry / name)
    assert check_seal(entry, ["kpis.csv", "run.json"]) == DAMAGED


def test_an_entry_without_digests_or_missing_a_file_asked_for_is_damaged(tmp_path):
    entry = sealed_entry(tmp_path / "entry")
    assert check_seal(entry, ["kpis.csv", "history.csv"]) == DAMAGED
    assert check_seal(tmp_path / "absent", ["kpis.csv"]) == ABSENT
    unsealed = tmp_path / "unsealed"
    unsealed.mkdir()
    (unsealed / "kpis.csv").write_text("x")
    assert check_seal(unsealed, ["kpis.csv"]) == DAMAGED


@pytest.mark.parametrize("damage", DAMAGES)
def test_the_store_discards_a_damaged_entry(tmp_path, damage):
    source = sealed_entry(tmp_path / "made")
    store = Store(tmp_path / "store")
    store.put("k1", source, names=["kpis.csv", "run.json"])
    assert store.check("k1", ["kpis.csv"]) == INTACT
    damage(store.folder("k1") / "kpis.csv")
    assert store.check("k1", ["kpis.csv"]) == DAMAGED
    assert not store.folder("k1").exists()
    assert store.check("k1", ["kpis.csv"]) == ABSENT


@pytest.mark.parametrize("damage", [truncate, flip])
def test_a_damaged_record_is_discarded_and_read_as_empty(tmp_path, damage):
    store = Store(tmp_path)
    store.write_record("verdicts.json", {"abc": {"at": "2026-01-01T00:00:00+00:00"}})
    assert store.read_record("verdicts.json") == (
        {"abc": {"at": "2026-01-01T00:00:00+00:00"}},
        INTACT,
    )
    damage(tmp_path / "verdicts.json")
    assert store.read_record("verdicts.json") == ({}, DAMAGED)
    assert not (tmp_path / "verdicts.json").exists()
    assert store.read_record("verdicts.json") == ({}, ABSENT)


def test_a_record_changed_into_other_valid_json_is_damaged(tmp_path):
    store = Store(tmp_path)
    store.write_record("verdicts.json", {"abc": {"at": "2026-01-01"}})
    path = tmp_path / "verdicts.json"
    path.write_text(path.read_text().replace("abc", "abd"))
    assert store.read_record("verdicts.json") == ({}, DAMAGED)
    path.write_text('{"abc": {"at": "2026-01-01"}}')  # a record without its digest
    assert store.read_record("verdicts.json") == ({}, DAMAGED)

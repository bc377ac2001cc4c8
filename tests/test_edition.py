"""The date a report carries comes from one place, never from the build clock: the
committee's release date, else SOURCE_DATE_EPOCH, else the data's extraction date."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
from pathlib import Path

import pytest

from helpers.run.edition import edition_date


def dataset(folder: Path, **description) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    if description:
        (folder / "dataset.json").write_text(json.dumps(description), encoding="utf-8")
    return folder


def committee(folder: Path, year: int, text: str) -> Path:
    (folder / str(year)).mkdir(parents=True, exist_ok=True)
    (folder / str(year) / "release.toml").write_text(text, encoding="utf-8")
    return folder


def test_the_data_s_extraction_date_dates_a_report_without_other_source(tmp_path):
    data = dataset(tmp_path / "data", extraction_date="2023-02-15")
    edition = edition_date(2022, data, environ={}, committee_dir=tmp_path / "none")
    assert edition.date == "2023-02-15"
    assert "extraction" in edition.source


def test_source_date_epoch_replaces_the_extraction_date(tmp_path):
    data = dataset(tmp_path / "data", extraction_date="2023-02-15")
    # 1700000000 s after 1970-01-01 UTC is 14 November 2023, 22:13 UTC.
    environ = {"SOURCE_DATE_EPOCH": "1700000000"}
    edition = edition_date(2022, data, environ=environ, committee_dir=tmp_path / "none")
    assert edition.date == "2023-11-14"
    assert edition.source == "SOURCE_DATE_EPOCH"


def test_the_committee_s_release_date_comes_first(tmp_path):
    data = dataset(tmp_path / "data", extraction_date="2023-02-15")
    folder = committee(tmp_path / "committee", 2022, 'release_date = 2023-06-30\nstatus = "x"\n')
    environ = {"SOURCE_DATE_EPOCH": "1700000000"}
    assert edition_date(2022, data, environ=environ, committee_dir=folder).date == "2023-06-30"
    # Another year's file says nothing about this one.
    assert edition_date(2021, data, environ={}, committee_dir=folder).date == "2023-02-15"


def test_a_release_file_without_its_date_leaves_the_next_source(tmp_path):
    data = dataset(tmp_path / "data", extraction_date="2023-02-15")
    folder = committee(tmp_path / "committee", 2022, 'contact = "someone"\n')
    assert edition_date(2022, data, environ={}, committee_dir=folder).date == "2023-02-15"


def test_no_source_gives_no_date(tmp_path):
    edition = edition_date(2022, dataset(tmp_path / "data"), {}, tmp_path / "none")
    assert (edition.date, edition.source) == ("", "")


@pytest.mark.parametrize(
    ("environ", "release", "words"),
    [
        ({"SOURCE_DATE_EPOCH": "yesterday"}, None, "SOURCE_DATE_EPOCH must be a whole number"),
        ({}, 'release_date = "soon"\n', "release_date must be a date"),
        ({}, "release_date = \n", "not valid TOML"),
    ],
)
def test_a_date_that_is_not_one_is_refused_in_one_line(tmp_path, environ, release, words):
    data = dataset(tmp_path / "data", extraction_date="2023-02-15")
    folder = committee(tmp_path / "committee", 2022, release) if release else tmp_path / "none"
    with pytest.raises(ValueError, match=words) as refused:
        edition_date(2022, data, environ=environ, committee_dir=folder)
    assert "\n" not in str(refused.value)


@pytest.mark.parametrize(("date", "stamp"), [("2023-04-01", "2023-04-01"), ("", "1970-01-01")])
def test_the_fonts_the_pdf_embeds_carry_the_edition_date_never_the_clock(monkeypatch, date, stamp):
    """A font subset is written with a "modified" time: the edition's, so that two builds
    of the same report embed the same bytes; the caller's SOURCE_DATE_EPOCH comes back."""
    from fontTools.misc.timeTools import timestampSinceEpoch
    from fontTools.ttLib import TTFont
    from matplotlib import font_manager

    from helpers.pages.pdf_edition import fonts_dated

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    font = TTFont(font_manager.findfont("DejaVu Sans"))
    with fonts_dated(date):
        font.save(io.BytesIO())
    moment = dt.datetime.fromisoformat(stamp).replace(tzinfo=dt.UTC)
    assert font["head"].modified == timestampSinceEpoch(moment.timestamp())
    assert os.environ["SOURCE_DATE_EPOCH"] == "1700000000"

"""The committee's folder: read, checked like a dataset, and laid out as text and
structure only; a text missing in a language shown in the other, marked."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pandas as pd
import pytest

from helpers.core.paths import ROOT
from helpers.figures.registry import METRICS_BY_ID
from helpers.intake.committee import (
    PARTICULARS,
    CommitteeError,
    committee_files,
    read_committee,
)
from helpers.intake.rules import Problem
from helpers.pages.committee_page import (
    build_committee_page,
    format_cover_particulars,
    format_index_opinion,
    format_text,
    particulars_markdown,
    render_markdown,
)
from helpers.pages.render import Site

FIXTURE = ROOT / "tests" / "fixtures" / "committee"
METRICS = set(METRICS_BY_ID)
HEADER = (
    "recommendation_id,year_made,title_en,title_fr,text_en,text_fr,status,"
    "follow_up_en,follow_up_fr,metric,segment\n"
)
GOOD_ROW = "r1,2022,A title,Un titre,,,new,,,students_started,\n"


def folder(tmp_path: Path, files: dict[str, str], year: int = 2022) -> Path:
    root = tmp_path / "committee"
    (root / str(year)).mkdir(parents=True)
    for name, text in files.items():
        (root / str(year) / name).write_text(text, encoding="utf-8")
    return root


def problems(root: Path, year: int = 2022) -> list[Problem]:
    with pytest.raises(CommitteeError) as caught:
        read_committee(root, year, ["en", "fr"], METRICS)
    return caught.value.problems


def site(lang: str = "en", pages=(("committee.html", "Texts"), ("funnel.html", "Funnel"))) -> Site:
    return Site(2022, lang, True, tuple(pages), "data", "abc", "code")


# --- reading ---------------------------------------------------------------------------


def test_the_fixture_folder_is_read_with_its_warnings():
    committee = read_committee(FIXTURE, 2022, ["en", "fr"], METRICS)
    assert committee.present and committee.shown == "committee/2022"
    assert set(committee.texts["foreword"]) == {"en", "fr"}
    assert set(committee.texts["opinion"]) == {"en"}
    # The French reader gets the English opinion, said to be English.
    text, written = committee.text("opinion", "fr")
    assert written == "en" and text.startswith("# Test opinion")
    assert committee.text("foreword", "fr")[1] == "fr"
    assert [r["recommendation_id"] for r in committee.recommendations] == [
        "t-2022-1",
        "t-2021-1",
        "t-2020-1",
    ]
    assert committee.recommendations[1]["year_made"] == 2021
    assert committee.recommendations[0]["segment"] == "all"
    assert committee.release["release_date"] == dt.date(2023, 4, 1)
    assert committee.missing == ("next_release", "status")
    assert any("opinion.fr.md: not written" in w for w in committee.warnings)
    assert any("missing next_release, status" in w for w in committee.warnings)
    # A report in English alone does not warn about the French opinion.
    alone = read_committee(FIXTURE, 2022, ["en"], METRICS)
    assert not any("opinion.fr.md" in w for w in alone.warnings)


def test_a_year_without_a_folder_has_no_texts_and_misses_every_particular(tmp_path):
    committee = read_committee(tmp_path, 2023, ["en"], METRICS)
    assert not committee.present
    assert committee.missing == PARTICULARS
    assert committee.text("opinion", "en") is None
    assert committee_files(tmp_path, 2023) == []


def test_the_key_reads_only_the_files_the_report_uses(tmp_path):
    root = folder(tmp_path, {"opinion.en.md": "Text.", "notes.txt": "drafts", "release.toml": ""})
    assert [p.name for p in committee_files(root, 2022)] == ["opinion.en.md", "release.toml"]


def test_the_shipped_example_fills_every_file_of_the_latest_year():
    committee = read_committee(ROOT / "committee", 2023, ["en", "fr"], METRICS)
    assert committee.example
    assert committee.warnings == ()
    assert committee.missing == ()
    assert {k: set(v) for k, v in committee.texts.items()} == {
        "foreword": {"en", "fr"},
        "opinion": {"en", "fr"},
    }
    statuses = {r["status"] for r in committee.recommendations}
    assert {"new", "in_progress", "done"} <= statuses
    assert any(r["year_made"] < 2023 for r in committee.recommendations)


# --- recommendations.csv: every rule -----------------------------------------------------


@pytest.mark.parametrize(
    "row, column, rule, lines",
    [
        (
            "r2,2022,T,,,,finished,,,,\n",
            "status",
            "must be one of new, in_progress, done, dropped",
            (3,),
        ),
        (
            "r2,2022,T,,,,new,,,no_such_metric,\n",
            "metric",
            "must be a metric of the KPI file",
            (3,),
        ),
        ("r2,2023,T,,,,new,,,,\n", "year_made", "must not be after the folder's year (2022)", (3,)),
        ("r1,2021,T,,,,done,,,,\n", "recommendation_id", "must be unique", (2, 3)),
        ("r2,2022,,,,,new,,,,\n", "title_en, title_fr", "at least one must be given", (3,)),
        ("r2,22,T,,,,new,,,,\n", "year_made", "must be a year (four digits)", (3,)),
        ("r2,2022,T,,,,new,,,,underserved\n", "segment", "must come with a metric", (3,)),
        (",2022,T,,,,new,,,,\n", "recommendation_id", "must not be empty", (3,)),
    ],
    ids=["status", "metric", "year-after", "duplicate", "title", "year-type", "segment", "id"],
)
def test_a_broken_recommendations_file_is_refused_naming_column_rule_and_lines(
    tmp_path, row, column, rule, lines
):
    root = folder(tmp_path, {"recommendations.csv": HEADER + GOOD_ROW + row})
    assert problems(root) == [
        Problem("committee/2022/recommendations.csv", column, rule, len(lines), lines)
    ]


def test_every_broken_rule_is_listed_at_once(tmp_path):
    rows = "r2,2030,T,,,,late,,,nope,\nr3,2022,,,,,new,,,,\n"
    root = folder(tmp_path, {"recommendations.csv": HEADER + GOOD_ROW + rows})
    found = {(p.column, p.rule) for p in problems(root)}
    assert found == {
        ("year_made", "must not be after the folder's year (2022)"),
        ("status", "must be one of new, in_progress, done, dropped"),
        ("metric", "must be a metric of the KPI file"),
        ("title_en, title_fr", "at least one must be given"),
    }


def test_a_missing_column_is_refused(tmp_path):
    root = folder(tmp_path, {"recommendations.csv": "recommendation_id,year_made\nr1,2022\n"})
    assert {p.column for p in problems(root)} >= {"status", "title_en", "metric"}


def test_the_refusal_stops_the_command_line_before_any_notebook(tmp_path):
    from report_runs import run_report

    root = folder(tmp_path, {"recommendations.csv": HEADER + "r1,2022,T,,,,finished,,,,\n"})
    result = run_report(
        "--year", "2022", "--data", str(tmp_path / "no-data"), "--out", str(tmp_path / "out"),
        "--committee", str(root),
    )  # fmt: skip
    assert result.returncode == 1
    assert (
        "report failed: committee/2022/recommendations.csv: status: must be one of new, "
        "in_progress, done, dropped: 1 row (line 2)"
    ) in result.stderr
    assert "no notebook was run" in result.stderr
    assert "Traceback" not in result.stderr


# --- Markdown: text and structure only --------------------------------------------------


@pytest.mark.parametrize(
    "text, line, rule",
    [
        ("Title\n\n<div>raw</div>\n", 3, "raw HTML is not allowed"),
        ("One line\nand <b>bold</b> here\n", 2, "raw HTML is not allowed"),
        ("Intro\n\n<script>alert(1)</script>\n", 3, "raw HTML is not allowed"),
        ("Intro\n\nSee ![logo](https://tracker.example/pixel.png)\n", 3, "an image from outside is not allowed"),
        ("Intro\n\n![logo](//cdn.example/a.png)\n", 3, "an image from outside is not allowed"),
        ("[click](javascript:alert(1))\n", 1, "a link must start with https: or mailto:, not 'javascript:'"),
        ("Text\n\n<javascript:alert(1)>\n", 3, "a link must start with https: or mailto:, not 'javascript:'"),
        ("[old](http://example.org)\n", 1, "a link must start with https: or mailto:, not 'http:'"),
        ("a\nb\n[page](funnel.html)\n", 3, "a link must start with https: or mailto:, not a relative address"),
        ("[x](data:text/html;base64,AAAA)\n", 1, "a link must start with https: or mailto:, not 'data:'"),
    ],
    ids=["html-block", "html-inline", "script", "image-https", "image-protocol-relative",
         "javascript-link", "javascript-autolink", "http-link", "relative-link", "data-link"],
)  # fmt: skip
def test_a_text_holding_html_an_outside_image_or_a_bad_link_is_refused_with_its_line(
    tmp_path, text, line, rule
):
    root = folder(tmp_path, {"opinion.fr.md": text})
    assert problems(root) == [Problem("committee/2022/opinion.fr.md", f"line {line}", rule)]


def test_links_to_https_and_mailto_and_a_local_image_pass(tmp_path):
    text = (
        "[site](https://example.org) and [mail](mailto:a@example.org)\n\n![alt text](local.png)\n"
    )
    root = folder(tmp_path, {"opinion.en.md": text})
    assert read_committee(root, 2022, ["en"], METRICS).texts["opinion"]["en"] == text


def test_markdown_renders_structure_only():
    out = render_markdown("# Heading\n\nSome *text* and ![a drawing](local.png).\n\n- one\n- two\n")
    assert "<h3>Heading</h3>" in out
    assert "<em>text</em>" in out and "<li>one</li>" in out
    assert "<img" not in out and "a drawing" in out
    # Whatever slips through is escaped, never markup.
    assert "&lt;b&gt;" in render_markdown("<b>x</b>")


# --- on the pages ------------------------------------------------------------------------


def test_a_text_missing_in_the_readers_language_is_shown_marked():
    committee = read_committee(FIXTURE, 2022, ["en", "fr"], METRICS)
    french = format_text(committee, "opinion", "fr")
    assert 'class="not-translated"' in french and "Non traduit" in french
    assert 'lang="en"' in french and "Test opinion" in french
    english = format_text(committee, "opinion", "en")
    assert "not-translated" not in english and 'lang="en"' in english
    assert "not-translated" not in format_text(committee, "foreword", "fr")


def test_the_page_holds_foreword_opinion_recommendations_and_follow_up_with_figures():
    committee = read_committee(FIXTURE, 2022, ["en", "fr"], METRICS)
    kpis = pd.DataFrame(
        [
            ("students_started", "all", 1234.0, False),
            ("segment_share", "underserved", None, True),
        ],
        columns=["metric", "segment", "value", "suppressed"],
    )
    page = build_committee_page(committee, kpis, site())
    order = [
        page.index(h)
        for h in ('id="foreword"', 'id="opinion"', 'id="recommendations"', 'id="follow-up"')
    ]
    assert order == sorted(order)
    this_year = page[page.index('id="recommendations"') : page.index('id="follow-up"')]
    follow_up = page[page.index('id="follow-up"') :]
    assert "Test recommendation of the year" in this_year and "Earlier" not in this_year
    assert "1,234" in this_year and '<a href="funnel.html">' in this_year
    # Earlier ones: most recent first, with status, what was done and the figure withheld.
    assert follow_up.index("Earlier test recommendation") < follow_up.index("Oldest test")
    assert "In progress" in follow_up and "Something was done" in follow_up
    assert "withheld" in follow_up
    french = build_committee_page(committee, kpis, site("fr"))
    assert 'lang="en"' in french and "non traduit" in french  # the empty French title


def test_the_index_opens_with_the_opinion_or_says_the_texts_are_not_there_yet(tmp_path):
    committee = read_committee(FIXTURE, 2022, ["en"], METRICS)
    block = format_index_opinion(committee, site())
    assert "Test opinion" in block and 'href="committee.html"' in block
    absent = format_index_opinion(read_committee(tmp_path, 2022, ["en"], METRICS), site())
    assert "not there yet" in absent
    assert "pas encore disponibles" in format_index_opinion(None, site("fr"))


def test_the_particulars_and_those_missing_on_the_cover_and_in_the_readme(tmp_path):
    committee = read_committee(FIXTURE, 2022, ["en", "fr"], METRICS)
    cover = format_cover_particulars(committee, "en")
    assert "1 April 2023" in cover and "CC BY 4.0" in cover
    assert "Particulars not given for this year: Next release, Status of these statistics." in cover
    readme = particulars_markdown(committee, "fr")
    assert "Publié le : 1 avril 2023" in readme.replace("\u00a0", " ")
    assert "Un chiffre corrigé est annoncé" in readme
    nothing = particulars_markdown(read_committee(tmp_path, 2022, ["en"], METRICS), "en")
    assert "Released on, Next release, Contact" in nothing


@pytest.mark.parametrize(
    "text, column, rule",
    [
        ('release_date = "15/04/2024"\n', "release_date", "must be a date (YYYY-MM-DD)"),
        ("release_date = 2024-04-15\nnext_release = 2024-01-01\n", "next_release", "must be after release_date"),
        ('contact = "someone"\n', "contact", "must be an e-mail address or an https:// page"),
        ('[licence]\nname = "CC BY"\nlink = "http://x.org"\n', "licence", "must give name and link (an https:// address)"),
        ('[status]\nde = "Amtlich"\n', "status", "must give one sentence per language (en, fr)"),
    ],
    ids=["date", "order", "contact", "licence", "language"],
)  # fmt: skip
def test_malformed_particulars_are_refused(tmp_path, text, column, rule):
    root = folder(tmp_path, {"release.toml": text})
    assert problems(root) == [Problem("committee/2022/release.toml", column, rule)]


def test_the_example_copy_keeps_its_rules_when_moved(tmp_path):
    """The shipped example, as a committee would start from it, passes for its year."""
    root = tmp_path / "texts"
    shutil.copytree(ROOT / "committee" / "2023", root / "2023")
    assert read_committee(root, 2023, ["fr"], METRICS).shown == "texts/2023"


# --- the report's key: a word changed rebuilds the pages that show it --------------------


def test_a_changed_word_changes_the_reports_key_and_nothing_else(tmp_path, valid_frames):
    from conftest import write_dataset

    from helpers.core.params import ReportParams
    from helpers.run.plan import ReportOptions, plan_report

    data = write_dataset(valid_frames, tmp_path / "data")
    root = tmp_path / "texts"
    shutil.copytree(FIXTURE / "2022", root / "2022")
    params = ReportParams(year=2022, data_dir=str(data), lang="en", min_cell=10)
    options = ReportOptions(params=params, data_dir=data, out=tmp_path / "out", committee=root)
    before = plan_report(options)
    opinion = root / "2022" / "opinion.en.md"
    opinion.write_text(
        opinion.read_text(encoding="utf-8").replace("reads", "studies"), encoding="utf-8"
    )
    after = plan_report(options)
    assert after.report_key != before.report_key  # the index, the committee's page, the PDF
    assert [s.key for s in after.sections] == [s.key for s in before.sections]
    assert (after.run_key, after.figures_key) == (before.run_key, before.figures_key)
    # A file the report does not read changes nothing.
    (root / "2022" / "draft.txt").write_text("notes", encoding="utf-8")
    assert plan_report(options).report_key == after.report_key
    # Another year's folder neither.
    shutil.copytree(root / "2022", root / "2021")
    assert plan_report(options).report_key == after.report_key

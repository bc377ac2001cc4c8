"""The year's language chooser, OUT/Y/index.html."""

from __future__ import annotations

import re

from helpers.pages.chooser import build_chooser
from helpers.report import parse_languages


def test_the_chooser_links_each_language_named_in_its_own_language():
    page = build_chooser(2022, ["en", "fr"], synthetic=True)
    assert page.startswith("<!DOCTYPE html>")
    links = re.findall(r'<a href="([^"]+)" hreflang="(\w+)" lang="(\w+)">([^<]+)', page)
    assert links == [
        ("en/index.html", "en", "en", "English version"),
        ("fr/index.html", "fr", "fr", "Version française"),
    ]
    assert '<span lang="fr">Rapport au Comité de mission 2022</span>' in page
    assert '<link rel="alternate" hreflang="fr" href="fr/index.html">' in page
    assert 'name="viewport"' in page and "@media print" in page
    # Synthetic data is said in both languages; nothing is fetched, nothing runs.
    assert page.count('class="note"') == 2
    assert "<script" not in page and "http" not in page.replace("http-equiv", "")


def test_a_chooser_of_one_language_links_only_that_one():
    page = build_chooser(2021, ["fr"])
    assert 'href="fr/index.html"' in page and 'href="en/' not in page
    assert '<html lang="fr">' in page and 'class="note"' not in page


def test_the_languages_of_the_command_line():
    assert parse_languages("en") == ("en",)
    assert parse_languages("fr,en") == ("en", "fr")
    assert parse_languages("all") == ("en", "fr")
    assert parse_languages("en, fr") == ("en", "fr")
    assert parse_languages("de") == ()
    assert parse_languages("en,de") == ()
    assert parse_languages("") == ()

"""French pages set French spacing whatever wrote their words: no-break spaces before
: ; ! ? and inside « », narrow no-break spaces between groups of thousands."""

from __future__ import annotations

import pytest

from helpers.pages.typography import french_spacing, typeset_page

NBSP, NNBSP = "\u00a0", "\u202f"


@pytest.mark.parametrize(
    ("written", "set"),
    [
        ("Bas : 12", f"Bas{NBSP}: 12"),
        ("deux ; trois", f"deux{NBSP}; trois"),
        ("représentées ?", f"représentées{NBSP}?"),
        ("« Impact »", f"«{NBSP}Impact{NBSP}»"),
        ("de 10 000 à 2 500 000", f"de 10{NNBSP}000 à 2{NNBSP}500{NNBSP}000"),
        (f"1{NBSP}825 jours", f"1{NNBSP}825 jours"),
        # Already set, or nothing to set: unchanged.
        (f"Bas{NBSP}: 12", f"Bas{NBSP}: 12"),
        ("en 2021, 2022 et 2023", "en 2021, 2022 et 2023"),
        ("0,5 et 3,25", "0,5 et 3,25"),
        ("https://example.org", "https://example.org"),
    ],
)
def test_french_spacing(written, set):
    assert french_spacing(written) == set


def test_a_french_page_is_spaced_but_not_its_styles_code_or_english_passages():
    page = (
        '<html lang="fr"><style>a :hover { x: 1 }</style><p>Seuil : 10 000</p>'
        "<code>a ; b</code>"
        '<p><q lang="en" class="mr-quote">Growth : 12 000 ?</q> <strong>Haut</strong> : 3</p>'
    )
    assert typeset_page(page, "fr") == (
        f'<html lang="fr"><style>a :hover {{ x: 1 }}</style><p>Seuil{NBSP}: 10{NNBSP}000</p>'
        "<code>a ; b</code>"
        f'<p><q lang="en" class="mr-quote">Growth : 12 000 ?</q> <strong>Haut</strong>{NBSP}: 3</p>'
    )
    assert typeset_page(page, "en") == page

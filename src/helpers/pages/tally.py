"""The one wording of a tally of verdicts ("1 met, 1 missed within uncertainty, 2 missed"),
for every page that counts the objectives or the stated aims of a year.

``format_tally`` words the counts of ``helpers.figures.objectives.count_target_statuses``
(every status, in the order of ``STATUSES``, zeros left out); ``tally_html`` puts a
sentence around it with the tally marked as a claim (``data-claim="tally"``).
"""

from __future__ import annotations

import html
from collections.abc import Mapping

from helpers.figures import claims
from helpers.figures.objectives import STATUSES
from helpers.pages import i18n


def format_tally(counts: Mapping[str, int], lang: str) -> claims.ClaimText:
    """The statuses with a count, worded and joined; "0 met" when nothing applies."""
    parts = claims.tally_parts(counts, STATUSES) or [("met", 0)]
    text = i18n.t("targets.count_separator", lang).join(
        i18n.t_count(
            f"targets.count.{status}", lang, number, count=i18n.format_number(number, lang)
        )
        for status, number in parts
    )
    facts = {status.replace("_", "-"): int(counts.get(status, 0)) for status in STATUSES}
    return claims.ClaimText(text, claims.Claim(claims.TALLY, facts=facts))


def tally_html(sentence: str, tally: claims.ClaimText) -> str:
    """``sentence`` as HTML, the tally it holds wrapped in a span that carries the claim."""
    marks = "".join(f' {k}="{html.escape(v)}"' for k, v in tally.claim.attributes().items())
    words = html.escape(tally)
    span = f'<span class="mr-tally"{marks}>{words}</span>'
    return html.escape(sentence).replace(words, span, 1)

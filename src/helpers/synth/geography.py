"""Countries of members, applicants and students.

Free members come from France first, then French-speaking Africa (Morocco leading), the
rest of Europe, North America and a long tail; paid students are mostly resident in
France, with the United Kingdom and the United States next.
"""

from __future__ import annotations

import numpy as np

ISO_CODES = tuple(
    """
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ
BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM
DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS
GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN
KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ
MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM
PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV
SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI
VN VU WF WS YE YT ZA ZM ZW
""".split()  # noqa: SIM905 - a block of codes reads like the ISO table
)

# Territories without inhabitants: nobody learns from there.
UNINHABITED = frozenset({"AQ", "BV", "GS", "HM", "IO", "TF", "UM"})
TERRITORIES = frozenset(
    """AI AS AW AX BL BM BQ CC CK CW CX EH FK FO GF GG GI GL GP GU HK IM JE KY MF MO MP MQ
    MS NC NF NU PF PM PN PR RE SH SJ SX TC TK TW VG VI WF YT""".split()  # noqa: SIM905 - a block of codes reads like the ISO table
)

FRENCH_SPEAKING = frozenset(
    """FR BE CH LU MC MA DZ TN SN CI CM BJ BF TG ML NE GN GA CG CD MG MU HT DJ CF TD BI RW
    KM MR LB SC VU RE GP MQ GF YT NC PF PM WF BL MF""".split()  # noqa: SIM905 - a block of codes reads like the ISO table
)

# Relative weights of the main countries of free members (the long tail is added below).
FREE_MEMBER_WEIGHTS = {
    "FR": 360, "MA": 65, "DZ": 58, "CM": 45, "CI": 42, "SN": 36, "TN": 35, "CA": 34,
    "US": 34, "BE": 30, "GB": 28, "CD": 22, "IN": 18, "MG": 15, "BJ": 15, "BF": 14,
    "GN": 12, "TG": 12, "CH": 12, "ML": 10, "HT": 8, "GA": 8, "CG": 8, "NG": 8, "DE": 8,
    "EG": 6, "ES": 6, "IT": 6, "NE": 6, "VN": 6, "BR": 5, "LB": 4, "PT": 4, "NL": 4,
    "MR": 4, "TD": 4, "RE": 4, "LU": 3, "BI": 3, "RW": 3, "MU": 3, "MX": 3, "PK": 3,
    "JP": 2, "IE": 2, "PL": 2, "RO": 2, "KE": 2, "GH": 2, "DJ": 2, "CF": 2, "CO": 2,
}  # fmt: skip

# Paid students: France first, then the UK and the US (paths accredited there), then the
# French-speaking countries; shares are rescaled to the year's share of France.
STUDENT_WEIGHTS = {
    "FR": 800, "GB": 36, "US": 30, "MA": 18, "BE": 15, "CA": 12, "SN": 10, "CI": 10,
    "CM": 10, "TN": 10, "DZ": 9, "CH": 8, "MG": 4, "BJ": 4, "LU": 3, "BF": 3, "TG": 3,
    "CD": 3, "DE": 3, "ES": 3, "JP": 2, "GA": 2, "ML": 2, "GN": 2, "MU": 2, "IT": 2,
    "PT": 2, "NL": 2, "IE": 2, "IN": 2, "NG": 2,
}  # fmt: skip

# Applicants who are not admitted come from further afield than students.
APPLICANT_WEIGHTS = {
    "FR": 640, "GB": 40, "US": 40, "MA": 40, "CI": 25, "CM": 25, "SN": 22, "DZ": 22,
    "TN": 20, "BE": 16, "CA": 16, "CD": 10, "BJ": 9, "MG": 8, "CH": 8, "IN": 8, "NG": 8,
    "BF": 7, "TG": 7, "GN": 6, "HT": 4, "GA": 4, "CG": 4, "ML": 4, "DE": 3, "ES": 3,
}  # fmt: skip


def long_tail() -> tuple[str, ...]:
    """Inhabited countries outside the weighted lists: states first, territories last."""
    named = set(FREE_MEMBER_WEIGHTS) | set(STUDENT_WEIGHTS) | set(APPLICANT_WEIGHTS)
    rest = [c for c in ISO_CODES if c not in named and c not in UNINHABITED]
    return tuple(sorted(rest, key=lambda c: (c in TERRITORIES, c)))


def mix(weights: dict[str, float], tail_total: float, decay: float = 0.97) -> dict[str, float]:
    """The weighted countries plus the long tail sharing ``tail_total`` geometrically."""
    tail = [c for c in long_tail() if c not in weights]
    shares = decay ** np.arange(len(tail))
    shares = tail_total * shares / shares.sum()
    out = dict(weights)
    out.update({c: float(s) for c, s in zip(tail, shares, strict=True)})
    return out


def free_member_mix() -> dict[str, float]:
    """Countries of free members, long tail included.

    The tail is steep: in 2019 about seventy countries had more than a hundred active
    members a month (000), out of some 140 with any.
    """
    return mix(FREE_MEMBER_WEIGHTS, tail_total=20.0, decay=0.92)


def rescale_france(weights: dict[str, float], france_share: float) -> dict[str, float]:
    """The same mix with France holding ``france_share`` of the total."""
    others = sum(w for c, w in weights.items() if c != "FR")
    out = {c: w * (1 - france_share) / others for c, w in weights.items() if c != "FR"}
    out["FR"] = france_share
    return out


def path_language(country: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Language of the path a resident of ``country`` follows (``u`` uniform draws)."""
    french = np.isin(country, sorted(FRENCH_SPEAKING))
    # Canada is bilingual; elsewhere a few French speakers abroad take French paths.
    french |= (country == "CA") & (u < 0.7)
    french |= ~np.isin(country, sorted(FRENCH_SPEAKING | {"CA"})) & (u < 0.15)
    return np.where(french, "fr", "en")

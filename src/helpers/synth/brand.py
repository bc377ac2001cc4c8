"""The brand survey: two waves a year of a survey institute's brand tracker.

The 2021 mission report quotes two awareness measures, up from 12 % to 17 % and from 19 %
to 25 %, and consideration up from 12 % to 17 % and from 14 % to 17 %, without naming the
audience of either; the project reads them as job seekers of the Paris region (the
audience of the company's 2021 campaign) and job seekers in France, 2020 against 2021.
The autumn wave of those years reproduces them exactly; the other years, the spring waves
and a general-population sample are the generator's own choice, moving plausibly around
them. Survey samples do not grow with the dataset's scale: an institute asks about the
same number of people whatever the company's size.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

RESPONDENTS = 1200
SOURCE = "synthetic brand tracker (online panel, quota sample)"
# Autumn wave (latest of the year): (aware, considering) shares by population and year.
AUTUMN: dict[str, dict[int, tuple[float, float]]] = {
    "job_seekers_paris_region": {
        2019: (0.10, 0.10),
        2020: (0.12, 0.12),  # [published] mission report 2021
        2021: (0.17, 0.17),  # [published] mission report 2021
        2022: (0.19, 0.18),
        2023: (0.21, 0.19),
    },
    "job_seekers_france": {
        2019: (0.17, 0.13),
        2020: (0.19, 0.14),  # [published] mission report 2021
        2021: (0.25, 0.17),  # [published] mission report 2021
        2022: (0.26, 0.18),
        2023: (0.28, 0.20),
    },
    "general_population": {
        2019: (0.14, 0.06),
        2020: (0.15, 0.06),
        2021: (0.17, 0.07),
        2022: (0.18, 0.08),
        2023: (0.19, 0.08),
    },
}
UNDERSERVED = {"job_seekers_paris_region", "job_seekers_france"}
# The spring wave stands a little below the autumn one (fewer campaigns before it).
SPRING_FACTOR = 0.9


def brand_surveys(years: list[int]) -> pd.DataFrame:
    """Two waves (31 May and 30 November) of every population for each of ``years``."""
    rows = []
    for population, by_year in AUTUMN.items():
        for year in years:
            aware, considering = by_year.get(
                year, by_year[min(by_year, key=lambda y: abs(y - year))]
            )
            for wave, factor in ((date(year, 5, 31), SPRING_FACTOR), (date(year, 11, 30), 1.0)):
                rows.append(
                    {
                        "wave_date": (wave - date(1970, 1, 1)).days,
                        "population": population,
                        "underserved": population in UNDERSERVED,
                        "respondents": RESPONDENTS,
                        "aware": round(aware * factor * RESPONDENTS),
                        "considering": round(considering * factor * RESPONDENTS),
                        "source": SOURCE,
                    }
                )
    return pd.DataFrame(rows)

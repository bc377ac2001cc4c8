"""The carbon page's pieces: the year's emissions broken down (by category, by scope),
and each team's emissions against its budget, as a chart and as a table.

``CarbonCharts`` is mixed into ``helpers.pages.sections.section.Section``, whose figures and
words it uses; the drawing is ``helpers.pages.charts``'s.
"""

from __future__ import annotations

import math

import pandas as pd
from IPython.display import HTML

from helpers.figures import claims, display_names
from helpers.pages import charts, i18n, impact_charts
from helpers.pages.i18n import t
from helpers.pages.sections.markup import escape, html_table, tag


class CarbonCharts:
    """Emissions broken down, and the teams against their budgets (see ``Section``)."""

    def breakdown_chart(self, series: str, names: str, title_key: str) -> HTML:
        """A yearly breakdown of the run's series (e.g. emissions by category) as bars,
        largest first; empty without data.

        ``names`` is the catalog table naming the breakdown's keys; a key the catalog does
        not know (the data's own category) is shown as the data spells it.
        """
        frame = self.run.series
        if frame.empty:
            return self.note("chart.no_data", year=self.year)
        found = frame[(frame["series"] == series) & (frame["period"].astype(str) == str(self.year))]
        found = found.dropna(subset=["value"]).sort_values(
            ["value", "segment"], ascending=[False, True]
        )
        if found.empty:
            return self.note("chart.no_data", year=self.year)
        rows = [
            {
                "label": self._name_of(names, str(record["segment"])),
                "group": str(self.year),
                "value": float(record["value"]),
                "text": t(
                    "unit.tonnes",
                    self.lang,
                    value=i18n.format_number(float(record["value"]), self.lang, 1),
                ),
            }
            for record in found.to_dict("records")
        ]
        title = t(title_key, self.lang, year=self.year)
        frame = pd.DataFrame(rows)
        figure = charts.plot_bars(
            frame,
            title,
            t("chart.tonnes_axis", self.lang),
            lambda value: i18n.format_tick(value, self.lang),
        )
        top = rows[0]
        finding = self.largest_title(top["label"], top["text"], top["value"] / frame["value"].sum())
        return self._show(figure, title, frame, finding)

    # --- the carbon budget by team ---------------------------------------------------------

    def _team_segments(self) -> list[str]:
        """The teams of the year's emissions, in the KPI file's order."""
        frame = self.run.kpis
        rows = frame[(frame["metric"] == "team_emissions_tco2e") & (frame["segment"] != "all")]
        return list(dict.fromkeys(rows["segment"]))

    def _team_name(self, team: str) -> str:
        """A team as readers know it (``data/reference/display_names.csv``), or its code
        in words when the table does not name it."""
        return display_names.display_name(display_names.TEAM, team, self.lang)

    def budget_chart(self) -> HTML:
        """Each team's cumulative monthly emissions against its budget line."""
        teams = self._team_segments()
        if not teams:
            return self.note("chart.no_data", year=self.year)
        rows = []
        for team in teams:
            found = self._series_rows("team_emissions_tco2e", team)
            running = 0.0
            for record in found.sort_values("period").to_dict("records"):
                month = int(str(record["period"])[5:7])
                if pd.isna(record["value"]):
                    rows.append(
                        {"team": self._team_name(team), "month": month, "cumulative": math.nan}
                    )
                    continue
                running += float(record["value"])
                rows.append({"team": self._team_name(team), "month": month, "cumulative": running})
        budgets = {
            self._team_name(team): self.kpi("team_budget_tco2e", team).value
            for team in teams
            if self.kpi("team_budget_tco2e", team).measured
        }
        title = t("carbon.chart_budgets", self.lang, year=self.year)
        figure = impact_charts.plot_budgets(
            pd.DataFrame(rows),
            budgets,
            title,
            [i18n.format_month(m, self.lang, "abbreviated") for m in range(1, 13)],
            {
                "emissions": t("carbon.chart_budgets_emissions", self.lang),
                "budget": t("carbon.chart_budgets_budget", self.lang),
            },
            lambda value: i18n.format_tick(value, self.lang),
            note=None if budgets else t("gap.no_budgets", self.lang, year=self.year),
            over=frozenset(
                self._team_name(team)
                for team in teams
                if claims.count_over_budget([self.kpi("team_budget_use", team).value])[0]
            ),
        )
        budget_word = t("carbon.chart_budgets_budget", self.lang)
        drawn = pd.DataFrame(
            [{"group": r["team"], "month": r["month"], "value": r["cumulative"]} for r in rows]
            + [{"group": team, "part": budget_word, "value": v} for team, v in budgets.items()]
        )
        drawn["text"] = [
            t("chart.withheld", self.lang) if math.isnan(v) else i18n.format_number(v, self.lang, 1)
            for v in drawn["value"]
        ]
        return self._show(figure, title, drawn, self._budgets_finding(teams))

    def budget_table(self) -> HTML:
        """Each team: emissions, budget, share used and the year-end forecast."""
        metrics = (
            "team_emissions_tco2e",
            "team_budget_tco2e",
            "team_budget_use",
            "team_emissions_forecast_tco2e",
        )
        headers = [("", t("carbon.table.team", self.lang))]
        headers += [("number", self.label(m)) for m in metrics]
        body = []
        for team in self._team_segments():
            cells = [("", escape(self._team_name(team)))]
            for metric in metrics:
                kpi = self.kpi(metric, team)
                text = self._value_cell(kpi)
                if metric == "team_budget_use" and claims.count_over_budget([kpi.value])[0]:
                    text += tag(t("carbon.over_budget", self.lang), "mr-small")
                cells.append(("number", text))
            body.append(cells)
        return HTML(
            html_table(
                headers,
                body,
                title=t("carbon.table.budgets_title", self.lang, year=self.year),
                caption=t("carbon.table.budgets_caption", self.lang, year=self.year),
            )
        )

    def _budgets_finding(self, teams: list[str]) -> str | None:
        """The budget chart's active title: how many teams went over their budget."""
        used = [self.kpi("team_budget_use", team) for team in teams]
        over, total = claims.count_over_budget(k.value for k in used if k.measured)
        if not total:
            return None
        claim = claims.Claim(
            claims.OVER_BUDGET,
            "team_budget_use",
            claims.ANY_SEGMENT,
            self.year,
            {"over": over, "total": total},
        )
        text = t("carbon.finding_budgets", self.lang, over=over, total=total, year=self.year)
        return claims.ClaimText(text, claim)

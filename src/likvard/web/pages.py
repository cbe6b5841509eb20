"""What each page shows, built from the cached overview through ``likvard.views`` only (suppressed
tables and charts), limited to the schools the user may read (:mod:`likvard.web.scope`)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pandas as pd
import plotly.io as pio

from likvard.analyses.overview import Overview
from likvard.analyses.school import school_profile
from likvard.privacy import SUPPRESSED
from likvard.views.charts import dot_chart, interval_chart, line_chart
from likvard.views.common import school_year_label
from likvard.views.composition import school_table
from likvard.views.expected import effect_tables, published_expected_tables
from likvard.views.findings import overview_findings
from likvard.views.need import need_table
from likvard.views.school import school_tables
from likvard.views.segregation import change_table, contributions_table, decomposition_tables, series_table
from likvard.views.suppression import publish
from likvard.views.table import Table

WHOLE_AUTHORITY_TOPICS = ("Hur segregerade är skolorna?", "Hur har det förändrats?",
                          "Jämfört med riket och liknande kommuner", "Hur mycket kommer från skolvalet?")
"""Findings about the whole authority (they name no school): shown to every role."""


@dataclass(frozen=True)
class Filters:
    """The state of a per-school chart, kept in the URL: search text, organiser type, highlighted school."""

    sok: str = ""
    huvudman: str = ""
    markera: str = ""

    def keep(self, rows: pd.DataFrame, organiser: dict[str, str]) -> pd.DataFrame:
        out = rows
        if self.sok:
            hit = out["name"].astype(str).str.contains(self.sok, case=False, regex=False) | \
                out["school_id"].astype(str).str.contains(self.sok, regex=False)
            out = out[hit | (out["school_id"].astype(str) == self.markera)]
        if self.huvudman in ("municipal", "independent"):
            out = out[out["school_id"].astype(str).map(organiser).eq(self.huvudman)]
        return out


@dataclass
class Chart:
    id: str
    title: str
    figure_json: str
    description: str


@dataclass
class Section:
    key: str
    title: str
    intro: list[str] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)

    def __post_init__(self) -> None:
        # every table of a page (rows kept for the user's schools) passes disclosure control
        self.tables = [publish(t) for t in self.tables]


def figure_json(fig) -> str:
    """The figure as JSON safe to place inside ``<script type="application/json">``."""
    fig.update_layout(width=None, autosize=True)
    text = pio.to_json(fig, validate=False, engine="json")
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _chart(key: str, fig, description: str) -> Chart:
    title = fig.layout.title.text or ""
    return Chart(f"fig-{key}", title, figure_json(fig), description)


def _organisers(ov: Overview) -> dict[str, str]:
    s = ov.dataset.schools
    return dict(zip(s["school_id"].astype(str), s["organiser_type"].astype(str)))


def _scoped(t: pd.DataFrame, visible: set[str]) -> pd.DataFrame:
    return t[t["school_id"].astype(str).isin(visible)].reset_index(drop=True)


def findings(ov: Overview, sees_all: bool) -> list[tuple[str, str]]:
    """Key findings as (question, sentences); schools are named only for users who may read them all."""
    out = [(f.topic, f.text) for f in overview_findings(ov)]
    return out if sees_all else [(t, s) for t, s in out if t in WHOLE_AUTHORITY_TOPICS]


def segregation_over_time(ov: Overview) -> Section | None:
    res = ov.segregation
    if res is None or res.series.empty:
        return None
    h = res.series[res.series["key"] == "theil_h"].sort_values("school_year")
    fig = interval_chart([school_year_label(int(y)) for y in h["school_year"]], h["value"].tolist(),
                         h["low"].tolist(), h["high"].tolist(), title="Segregation över tid (Theils H)",
                         y_title="Theils H", decimals=3, baseline=h["baseline"].tolist())
    intro = [f"Theils H mäter hur olika skolornas elevsammansättning efter föräldrarnas utbildning är (0 = alla skolor "
             f"lika). Strecken är {ov.settings.percent}-intervall; den prickade linjen är vad slumpen ensam skulle ge."]
    return Section("segregation", "Segregation över tid", intro, [_chart("segregation", fig,
                   "Theils H per läsår med intervall och slumpnivå; samma värden finns i tabellen.")],
                   [series_table(res)])


def _dot(key: str, rows: pd.DataFrame, value: str, filters: Filters, title: str, x_title: str, decimals: int = 1,
         low: str | None = None, high: str | None = None, reference: float | None = None, ref_name: str = "",
         n: str | None = "n_students", colour: str = "#1f5f8b") -> Chart:
    marks = (rows["school_id"].astype(str) == filters.markera).tolist()
    fig = dot_chart(rows["name"].astype(str).tolist(), rows[value].tolist(),
                    rows[n].tolist() if n else None,
                    low=rows[low].tolist() if low else None, high=rows[high].tolist() if high else None,
                    title=title, x_title=x_title, decimals=decimals, reference=reference, reference_name=ref_name,
                    highlight=marks, colour=colour)
    fig.update_layout(width=None, autosize=True)
    return _chart(key, fig, f"{title}: en rad per skola, sorterad efter värdet; skolor vars uppgifter döljs står sist med ..")


def composition(ov: Overview, visible: set[str], filters: Filters) -> Section | None:
    if ov.composition is None:
        return None
    t = school_table(ov.composition, ov.dataset, ov.settings)
    last = _scoped(t[t["school_year"] == ov.dataset.last_year], visible)
    rows = filters.keep(last, _organisers(ov))
    year = school_year_label(ov.dataset.last_year)
    charts = [] if rows.empty else [_dot("sammansattning", rows, "share_post_secondary", filters,
                                         f"Andel elever med eftergymnasialt utbildade föräldrar {year}", "Procent")]
    shown = rows[["school_id", "name", "organiser_type", "n_students", "share_post_secondary",
                  "share_foreign_background", "share_newly_arrived"]]
    return Section("sammansattning", "Elevsammansättning", [
        f"Läsåret {year}. Skolor med färre än {ov.settings.min_students} elever (och skolor som skyddar dem) visas som ..."],
        charts, [Table("sammansattning", f"Elevsammansättning per skola {year}", shown.reset_index(drop=True))])


def need(ov: Overview, visible: set[str], filters: Filters) -> Section | None:
    if ov.need is None:
        return None
    t = need_table(ov.need, ov.dataset, ov.settings)
    rows = filters.keep(_scoped(t.data, visible), _organisers(ov))
    charts = [] if rows.empty else [_dot("behov", rows, "need_index", filters, t.title, "Behovsindex (100 = genomsnitt)",
                                         0, "need_index_low", "need_index_high", 100.0, "Genomsnitt", colour="#3a8d5c")]
    return Section("behov", "Behov", [f"Behovsindex: risken att elevsammansättningen ger att inte bli behörig, där 100 "
                                      f"är genomsnittet för {ov.need.reference}."], charts,
                   [Table(t.key, t.title, rows.reset_index(drop=True), t.decimals, t.labels, t.note)])


def results(ov: Overview, visible: set[str], filters: Filters) -> Section | None:
    if ov.school_effects is not None:
        t = effect_tables(ov.school_effects, ov.dataset, ov.settings)[0]
        rows = filters.keep(_scoped(t.data, visible), _organisers(ov))
        charts = [] if rows.empty else [_dot("resultat", rows, "effect", filters,
                                             "Meritvärde jämfört med förväntan (skoleffekt)", "Meritpoäng över förväntan",
                                             1, "low", "high", 0.0, "Som förväntat", colour="#d9822b")]
        intro = [f"Hur mycket högre eller lägre meritvärde eleverna får än deras bakgrund ger anledning att vänta, "
                 f"sammanvägt över läsåren med {ov.settings.percent}-intervall."]
        return Section("resultat", "Resultat jämfört med förväntan", intro, charts,
                       [Table(t.key, t.title, rows.reset_index(drop=True), t.decimals, t.labels, t.note)])
    if ov.published_expected is not None:
        tables = published_expected_tables(ov.published_expected, ov.dataset, ov.settings)
        shown = [Table(t.key, t.title, filters.keep(_scoped(t.data, visible), _organisers(ov)), t.decimals, t.labels)
                 for t in tables]
        return Section("resultat", "Resultat jämfört med förväntan", [], [], shown)
    return None


def contributions(ov: Overview, visible: set[str], filters: Filters) -> Section | None:
    res = ov.segregation
    if res is None:
        return None
    t = contributions_table(res, ov.dataset, ov.settings)
    if t is None:
        return None
    rows = filters.keep(_scoped(t.data, visible), _organisers(ov))
    charts = [] if rows.empty else [_dot("bidrag", rows, "contribution", filters,
                                         f"Varje skolas andel av segregationen (M) {school_year_label(res.year)}",
                                         "Procent av M", colour="#8e44ad")]
    return Section("bidrag", "Skolornas bidrag till segregationen",
                   ["Varje skolas lokala segregationsbidrag vägt med dess storlek; bidragen summerar till M (Elbers 2023)."],
                   charts, [Table(t.key, t.title, rows.reset_index(drop=True), t.decimals, t.labels, t.note)])


def decomposition(ov: Overview) -> Section | None:
    res = ov.segregation
    if res is None:
        return None
    tables = decomposition_tables(res)
    ch = change_table(res)
    if ch is not None:
        tables.append(ch)
    if not tables:
        return None
    return Section("uppdelning", "Uppdelning och förändring",
                   ["Hur mycket av segregationen (M) som ligger mellan grupper av skolor och inom dem, och vad "
                    "förändringen över perioden består av."], [], tables)


def overview_sections(ov: Overview, visible: set[str], filters: Filters) -> list[Section]:
    parts = [segregation_over_time(ov), composition(ov, visible, filters), need(ov, visible, filters),
             results(ov, visible, filters)]
    return [s for s in parts if s is not None]


def segregation_sections(ov: Overview, visible: set[str], filters: Filters) -> list[Section]:
    parts = [segregation_over_time(ov), decomposition(ov), contributions(ov, visible, filters)]
    return [s for s in parts if s is not None]


def school_sections(ov: Overview, school_id: str) -> tuple[str, list[Section]]:
    """The school's name and its sections (tables through ``views.school``, charts from those tables)."""
    profile = school_profile(ov.dataset, school_id, ov)
    tables = school_tables(ov, profile)
    sections: list[Section] = []
    by_key = {t.key: t for t in tables}
    comp = by_key.get("sammansattning")
    if comp is not None:
        d = comp.data
        years = [school_year_label(int(y)) for y in d["school_year"]]
        fig = line_chart({"Eftergymnasialt utbildade föräldrar (%)": (years, d["share_post_secondary"].tolist(), None),
                          "Utländsk bakgrund (%)": (years, d["share_foreign_background"].tolist(), None)},
                         title="Elevsammansättningen över tid", y_title="Procent")
        sections.append(Section("sammansattning", "Elevsammansättning och dess förändring", [],
                                [_chart("skola-sammansattning", fig, "Andelar per läsår; samma värden finns i tabellen.")],
                                [comp]))
    res = by_key.get("resultat")
    if res is not None and len(res.data):
        d = res.data
        years = [school_year_label(int(y)) for y in d["school_year"]]
        fig = line_chart({"Meritvärde": (years, d["merit_value"].tolist(), None)}, title="Meritvärde i årskurs 9",
                         y_title="Meritvärde")
        sections.append(Section("resultat", "Resultat över tid", [], [_chart("skola-resultat", fig,
                                "Meritvärde per läsår; samma värden finns i tabellen.")], [res]))
    for key, title in (("skoleffekt", "Resultat jämfört med förväntan"), ("bidrag", "Bidrag till segregationen"),
                       ("behov", "Behov"), ("indikatorer", "Skolenkäten och personal")):
        if key in by_key:
            sections.append(Section(key, title, [], [], [by_key[key]]))
    return profile.name, sections


def school_json(name: str, school_id: str, sections: list[Section]) -> dict:
    """The school page's tables as JSON (the same suppressed figures as the page)."""
    from likvard.export import json_ready

    return json_ready({"school_id": school_id, "name": name,
                       "tables": {t.key: {"title": t.title, "rows": t.data.to_dict("records")}
                                  for s in sections for t in s.tables}})  # type: ignore[return-value]


def has_suppressed(sections: list[Section]) -> bool:
    return any((t.data.astype(object) == SUPPRESSED).any().any() for s in sections for t in s.tables)


def dumps(obj: object) -> str:
    return json.dumps(obj, ensure_ascii=False)

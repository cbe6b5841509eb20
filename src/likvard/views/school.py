"""One school's shown tables (the web app's school page, the principal's view): its composition
over the years, its contribution to segregation per year, results over time, need index, school
effect and indicators, each suppressed exactly as the authority-wide tables are (they are those
tables' rows: below 10 students and the dataset's hidden units of each year read ``..``) and
passed through :func:`likvard.views.suppression.publish`."""

from __future__ import annotations

import pandas as pd

from likvard.analyses.overview import Overview
from likvard.analyses.school import SchoolProfile
from likvard.views.composition import school_table
from likvard.views.expected import effect_tables, trend_table
from likvard.views.indicators import indicator_table
from likvard.views.need import need_table
from likvard.views.suppression import publish, suppress_table, suppress_units
from likvard.views.table import Table


def _rows(table: Table, school_id: str, key: str, title: str) -> Table:
    d = table.data[table.data["school_id"].astype(str) == school_id].drop(columns=["school_id"], errors="ignore")
    d = d.drop(columns=["name"], errors="ignore").reset_index(drop=True)
    return Table(key, title, d, table.decimals, table.labels, table.note)


def school_tables(ov: Overview, profile: SchoolProfile) -> list[Table]:
    """The shown tables of ``profile`` (see the module docstring), in reading order."""
    ds, settings, sid = ov.dataset, ov.settings, profile.school_id
    out: list[Table] = []
    if ov.composition is not None:
        comp = Table("sammansattning", "", school_table(ov.composition, ds, settings))
        t = _rows(comp, sid, "sammansattning", "Elevsammansättning per läsår")
        out.append(Table(t.key, t.title, t.data.drop(columns=["organiser_type"], errors="ignore")))
    c = profile.contributions
    if len(c):
        parts = []
        for year, g in c.groupby("school_year", sort=True):
            g = suppress_table(g, "n_students", ["local_score", "contribution"], totals_shown=False,
                               min_n=settings.min_students)
            parts.append(suppress_units(g.assign(school_id=sid), "school_id",
                                        ds.hidden(int(year), settings.min_students, settings.complementary_suppression),
                                        ["n_students", "local_score", "contribution"]).drop(columns=["school_id"]))
        out.append(Table("bidrag", "Bidrag till segregationen per läsår", pd.concat(parts, ignore_index=True),
                         decimals={"local_score": 4, "contribution": 1}))
    if ov.trend is not None:
        out.append(_rows(trend_table(ov.trend, ds, settings), sid, "resultat", "Meritvärde och behörighet per läsår"))
    if ov.school_effects is not None:
        out.append(_rows(effect_tables(ov.school_effects, ds, settings)[0], sid, "skoleffekt",
                         "Resultat jämfört med förväntan (sammanvägt över läsåren)"))
    if ov.need is not None:
        out.append(_rows(need_table(ov.need, ds, settings), sid, "behov", "Behovsindex"))
    if ov.indicators is not None:
        out.append(_rows(indicator_table(ov.indicators, ds, settings), sid, "indikatorer",
                         "Skolenkäten, lärare och behov"))
    return [publish(t) for t in out if len(t.data)]

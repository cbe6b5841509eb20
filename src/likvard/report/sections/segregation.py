"""Segregation between the schools over time with intervals and the random baseline, its
decomposition by organiser type and area type, and the change over the period."""

from __future__ import annotations

from likvard.analyses.overview import Overview
from likvard.report.glossary import explain
from likvard.report.model import Figure, Section
from likvard.views.charts import bar_chart, interval_chart
from likvard.views.common import format_number, school_year_label
from likvard.views.segregation import (
    CHANGE_LABELS,
    DECOMPOSITION_TITLES,
    change_table,
    decomposition_tables,
    ranges_table,
    series_table,
)


def groups_text(ov: Overview) -> str:
    cols = ov.dataset.group_columns("parent_education")
    return ("föräldrarnas utbildningsnivå (förgymnasial, gymnasial, eftergymnasial)" if "compulsory" in cols
            else "om eleverna har minst en förälder med eftergymnasial utbildning eller inte")


def build(ov: Overview) -> Section | None:
    res = ov.segregation
    if res is None or res.series.empty:
        return None
    p = ov.settings.percent
    h = res.series[res.series["key"] == "theil_h"]
    d = res.series[res.series["key"] == "dissimilarity"]
    years = [school_year_label(y) for y in h["school_year"]]
    fig_h = interval_chart(years, h["value"].tolist(), h["low"].tolist(), h["high"].tolist(),
                           title=f"Theils H per läsår med {p} osäkerhetsintervall", y_title="H", decimals=3,
                           baseline=h["baseline"].tolist())
    fig_h.update_layout(height=300, margin={"b": 50})
    last = res.value("theil_h")
    intro = [
        f"Måtten visar hur ojämnt eleverna är fördelade mellan skolorna efter {groups_text(ov)}. "
        f"Läsåret {school_year_label(res.year)} var H = {format_number(last['value'], 3)} "
        f"({p} intervall {format_number(last['low'], 3)}–{format_number(last['high'], 3)}; slumpnivå "
        f"{format_number(last['baseline'], 3)}) och D = {format_number(d.iloc[-1]['value'], 3)} "
        f"({format_number(d.iloc[-1]['low'], 3)}–{format_number(d.iloc[-1]['high'], 3)}); alla år och mått finns i Excelfilen.",
        explain("theil_h"), explain("dissimilarity"), explain("interval"), explain("baseline"),
    ]
    tables = [series_table(res)]
    shown = []
    for dec, t in zip(res.decompositions, decomposition_tables(res)):
        shown.append(t)
        intro.append(f"{DECOMPOSITION_TITLES[dec.by]}: {format_number(100 * dec.share_between)} % av segregationen (M) "
                     "ligger mellan grupperna av skolor och resten inom dem.")
    if res.decompositions:
        intro.append(explain("decomposition"))
    figures = [Figure(fig_h)]
    ct = change_table(res)
    if ct is not None and res.change is not None:
        ch = res.change
        period = f"{school_year_label(ch.first_year)}–{school_year_label(ch.last_year)}"
        fig = bar_chart(list(CHANGE_LABELS.values()), [ch.parts[k] for k in CHANGE_LABELS],
                        title=f"Varför segregationen (M) förändrades {period}", y_title="Förändring av M",
                        decimals=4, colour="#3a8d5c", horizontal=True)
        figures.append(Figure(fig))
        shown.append(ct)
        intro.append(f"M förändrades med {format_number(ch.parts['total'], 4)} mellan {period}. " + explain("change"))
    rt = ranges_table(res)
    if rt is not None:
        tables.append(rt)
        intro.append("Skolverket döljer andelar för små skolor. Excelfilen visar D och H med de dolda skolorna mitt i "
                     "sitt möjliga intervall, det minsta och största värde måttet kan ha, och värdet utan dem.")
    return Section("segregation", "Segregation mellan skolorna över tid", intro, figures, tables=shown,
                   excel_tables=tables + shown, terms=["theil_h", "dissimilarity", "mutual_information", "interval",
                                                       "baseline", "decomposition", "change"])

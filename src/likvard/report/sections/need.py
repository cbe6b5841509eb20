"""Need index per school (``likvard.expected.need_index``): the mean predicted risk of not becoming
eligible for upper-secondary school among the school's students, scaled so the population mean is
100 (an SCB-style logistic model on the authority's own cohorts), with its interval."""

from __future__ import annotations

import pandas as pd

from likvard.report.context import ReportContext
from likvard.report.engines import engine_function
from likvard.report.model import ReportTable, Section
from likvard.views.charts import interval_chart
from likvard.views.common import format_number, school_year_label
from likvard.views.suppression import suppress_table, suppress_units

VALUES = ["need_index", "need_index_low", "need_index_high"]


def need_table(ctx: ReportContext) -> pd.DataFrame | None:
    """Unsuppressed engine result for the report's years with school names, or None."""
    need_index = engine_function("likvard.expected", "need_index")
    if need_index is None or not ctx.has_students:
        return None
    st = ctx.data.students
    st = st[st["school_year"].isin(ctx.years)]
    try:
        res = need_index(st)
    except ValueError:
        return None
    res = res.copy()
    res["school_id"] = res["school_id"].astype(str)
    res["name"] = res["school_id"].map(ctx.names()).fillna(res["school_id"])
    return res


def build(ctx: ReportContext) -> Section | None:
    res = need_table(ctx)
    if res is None or res.empty:
        return None
    last = res[res["school_year"] == res["school_year"].max()].sort_values("need_index", ascending=False)
    t = suppress_table(last[["school_id", "name", "n_students", *VALUES]], "n_students", VALUES, totals_shown=False)
    t = suppress_units(t, "school_id", ctx.hidden(int(last["school_year"].iloc[0])), ["n_students", *VALUES])
    t = t.reset_index(drop=True)
    fig = interval_chart(t["name"].tolist(), t["need_index"].tolist(), t["need_index_low"].tolist(),
                         t["need_index_high"].tolist(), t["n_students"].tolist(),
                         title=f"Behovsindex per skola {school_year_label(int(last['school_year'].iloc[0]))} (100 = genomsnittet)",
                         y_title="Behovsindex", decimals=0, reference=100.0)
    top = t.iloc[0]
    intro = [
        "Behovsindex bygger på en modell av hur sannolikt det är att en elev inte blir behörig till gymnasiet, "
        "givet elevens bakgrund (föräldrarnas utbildning, migrationsbakgrund, kön, nyanländ). Skolans index är "
        "medelvärdet för dess elever, skalat så att genomsnittet för alla elever är 100: 150 betyder 50 % större "
        "risk än genomsnittet.",
        f"Skolan med störst behov är {top['name']} (index {format_number(top['need_index'], 0)}). Intervallen "
        "visar osäkerheten; för små skolor är de breda.",
    ]
    table = ReportTable("behovsindex", "Behovsindex per skola", t, decimals={v: 0 for v in VALUES})
    return Section("need", "Behovsindex", intro, [fig], [table], results={"need": res})

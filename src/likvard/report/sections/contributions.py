"""Each school's contribution to segregation: Elbers' local score L_j weighted by school size;
the contributions add up to M (Elbers 2023, Sociological Methods & Research)."""

from __future__ import annotations

import pandas as pd

from likvard.report.context import ReportContext
from likvard.report.engines import engine_function
from likvard.report.model import ReportTable, Section
from likvard.views.charts import bar_chart
from likvard.views.common import school_year_label
from likvard.views.suppression import suppress_table, suppress_units


def build(ctx: ReportContext) -> Section | None:
    local_scores = engine_function("likvard.segregation", "local_scores", "local")
    if local_scores is None or ctx.group_table is None:
        return None
    counts = ctx.group_counts(ctx.last_year)
    if len(counts) < 2:
        return None
    L = local_scores(counts)
    n = counts.sum(axis=1)
    contrib = n / n.sum() * L
    M = float(contrib.sum())
    names = ctx.names()
    t = pd.DataFrame({
        "school_id": counts.index.astype(str), "name": [names.get(str(s), str(s)) for s in counts.index],
        "n_students": n.to_numpy(), "local_score": L.to_numpy(),
        "contribution": (100.0 * contrib / M).to_numpy() if M > 0 else float("nan"),
    }).sort_values("contribution", ascending=False)
    t = suppress_table(t, "n_students", ["local_score", "contribution"], totals_shown=False)
    t = suppress_units(t, "school_id", ctx.hidden(ctx.last_year), ["n_students", "local_score", "contribution"])
    t = t.reset_index(drop=True)
    fig = bar_chart(t["name"].tolist(), t["contribution"].tolist(), t["n_students"].tolist(),
                    title=f"Varje skolas andel av segregationen {school_year_label(ctx.last_year)}",
                    y_title="Procent av M", colour="#8e44ad")
    intro = [
        "Segregationen är en egenskap hos hela skolsystemet, men den kan delas upp på skolorna. En skolas "
        "bidrag är hur mycket dess elevsammansättning avviker från helhetens (lokalt bidrag L), vägt med "
        "skolans storlek; bidragen summerar till 100 %. Stora skolor med avvikande sammansättning bidrar mest, "
        "oavsett om avvikelsen är åt det gynnade eller det utsatta hållet.",
        "Små skolor har osäkra lokala bidrag; skolor med färre än 10 elever visas som ..",
    ]
    table = ReportTable("skolornas_bidrag", f"Skolornas bidrag till segregationen {school_year_label(ctx.last_year)}", t,
                        decimals={"local_score": 4, "n_students": 0})
    return Section("contributions", "Varje skolas bidrag till segregationen", intro, [fig], [table],
                   results={"local_scores": L, "m": M})

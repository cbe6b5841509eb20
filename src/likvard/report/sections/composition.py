"""Student mix of every school and how it changed (shares of the students in grades present)."""

from __future__ import annotations

import pandas as pd

from likvard.privacy import SUPPRESSED
from likvard.report.context import ReportContext
from likvard.report.model import ReportTable, Section
from likvard.views.charts import bar_chart, line_chart
from likvard.views.common import as_percent, format_number, school_year_label
from likvard.views.suppression import suppress_derived, suppress_table, suppress_units

SHARES = ("share_post_secondary", "share_foreign_background", "share_newly_arrived")
COUNTS = ("n_post_secondary", "n_foreign_background", "n_newly_arrived")


def composition_table(ctx: ReportContext) -> pd.DataFrame:
    """Per school and year: students and shares in percent, suppressed (primary + complementary per year)."""
    comp = ctx.composition.copy()
    shares = [s for s in SHARES if comp[s].notna().any()]
    cols = ["school_id", "name", "organiser_type", "school_year", "n_students", *shares]
    t = comp[cols].copy()
    for s in shares:
        t[s] = as_percent(t[s])
    t = suppress_table(t, "n_students", shares, totals_shown=False)
    parts = [suppress_units(g, "school_id", ctx.hidden(int(y)), ["n_students", *shares])
             for y, g in t.groupby("school_year", sort=False)]
    t = pd.concat(parts).loc[t.index]
    if "share_suppressed" in comp:  # Skolverket's own '..'
        for s in ("share_post_secondary", "share_foreign_background"):
            if s in t:
                v = t[s].astype(object)
                v[comp["share_suppressed"].to_numpy() & v.isna().to_numpy()] = SUPPRESSED
                t[s] = v
    t["organiser_type"] = t["organiser_type"].map({"municipal": "Kommunal", "independent": "Fristående"}).fillna("")
    return t.reset_index(drop=True)


def totals_table(ctx: ReportContext) -> pd.DataFrame:
    """The whole municipality or organiser per year (shares over students whose share is known)."""
    c = ctx.composition
    rows = []
    for year, g in c.groupby("school_year"):
        row = {"school_year": int(year), "n_students": float(g["n_students"].sum())}
        for s, n in zip(SHARES, COUNTS):
            known = g[n].notna()
            if known.any():
                row[s] = 100.0 * g.loc[known, n].sum() / g.loc[known, "n_students"].sum()
        rows.append(row)
    return pd.DataFrame(rows)


def change_table(table: pd.DataFrame, first: int, last: int) -> pd.DataFrame:
    """Share of post-secondary parents and foreign background, first and last year, and the change."""
    shares = [s for s in ("share_post_secondary", "share_foreign_background") if s in table]
    a = table[table["school_year"] == first].set_index("school_id")
    b = table[table["school_year"] == last].set_index("school_id")
    out = pd.DataFrame({"name": b["name"], "n_students": b["n_students"]})
    for s in shares:
        short = s.removeprefix("share_")
        out[f"{short}_first"] = a[s].reindex(out.index)
        out[f"{short}_last"] = b[s]
        diff = []
        for x, y in zip(out[f"{short}_first"], out[f"{short}_last"]):
            diff.append(y - x if isinstance(x, float) and isinstance(y, float) else SUPPRESSED)
        out[f"change_{short}"] = diff
        out = suppress_derived(out, f"change_{short}", [f"{short}_first", f"{short}_last"])
        out[f"{short}_first"] = out[f"{short}_first"].astype(object).where(out[f"{short}_first"].notna(), "–")
    return out.reset_index()


def build(ctx: ReportContext) -> Section | None:
    if ctx.composition.empty:
        return None
    table = composition_table(ctx)
    totals = totals_table(ctx)
    first, last = ctx.first_year, ctx.last_year
    latest = table[table["school_year"] == last]
    key = pd.to_numeric(latest["share_post_secondary"], errors="coerce").fillna(-1.0)
    latest = latest.assign(_k=key.to_numpy()).sort_values("_k", ascending=False).drop(columns="_k")
    figures = [
        bar_chart(
            latest["name"].tolist(), latest["share_post_secondary"].tolist(), latest["n_students"].tolist(),
            title=f"Andel elever med eftergymnasialt utbildade föräldrar {school_year_label(last)}",
            y_title="Procent",
        )
    ]
    if "share_foreign_background" in latest:
        figures.append(
            bar_chart(
                latest["name"].tolist(), latest["share_foreign_background"].tolist(), latest["n_students"].tolist(),
                title=f"Andel elever med utländsk bakgrund {school_year_label(last)}", y_title="Procent",
                colour="#d9822b",
            )
        )
    tables = [
        ReportTable("elevsammansattning", "Elevsammansättning per skola och läsår", table),
        ReportTable("kommunen_totalt", "Alla skolor tillsammans per läsår", totals),
    ]
    if first != last:
        ch = change_table(table, first, last)
        labels = {
            "post_secondary_first": f"Andel eftergymnasial {school_year_label(first)} (%)",
            "post_secondary_last": f"Andel eftergymnasial {school_year_label(last)} (%)",
            "foreign_background_first": f"Andel utländsk bakgrund {school_year_label(first)} (%)",
            "foreign_background_last": f"Andel utländsk bakgrund {school_year_label(last)} (%)",
        }
        tables.append(ReportTable("forandring", f"Förändring {school_year_label(first)}–{school_year_label(last)}", ch, labels=labels))
        figures.append(
            line_chart(
                {"Alla skolor": ([school_year_label(y) for y in totals["school_year"]], totals["share_post_secondary"].tolist(), None)},
                title="Andel elever med eftergymnasialt utbildade föräldrar, alla skolor", y_title="Procent",
            )
        )
    tot_last = totals[totals["school_year"] == last].iloc[0]
    intro = [
        f"Tabellen visar hur elevsammansättningen ser ut på varje skola läsåren {school_year_label(first)}–"
        f"{school_year_label(last)}. Läsåret {school_year_label(last)} gick {format_number(tot_last['n_students'], 0)} "
        f"elever i skolorna, och {format_number(tot_last['share_post_secondary'])} % av dem hade minst en "
        "förälder med eftergymnasial utbildning.",
        "Andelarna är räknade på alla elever på skolan och är exakta för de elever som finns i underlaget; "
        "de säger inget om orsaker. Uppgifter om färre än 10 elever visas som .. och ytterligare en liten "
        "skola döljs när den annars kunde räknas fram ur summan.",
    ]
    return Section("composition", "Elevsammansättning per skola", intro, figures, tables,
                   results={"composition": ctx.composition, "totals": totals})

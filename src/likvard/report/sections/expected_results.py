"""Expected and actual grade-9 results per school.

From Skolverket's files: SALSA 2024/25 (Skolverket's school-level regression of the merit value on
parents' education, share of boys and share of newly arrived; actual, model value and deviation as
published, without uncertainty). A school with fewer than 10 grade-9 students (as given by the
school's student count in grade 9) reads ``..``.
"""

from __future__ import annotations

import pandas as pd

from likvard.report.context import ReportContext
from likvard.report.model import ReportTable, Section
from likvard.views.charts import bar_chart, scatter_chart
from likvard.views.common import format_number
from likvard.views.suppression import suppress_table, suppress_units

VALUES = ["actual", "expected", "deviation"]


def salsa_table(ctx: ReportContext) -> pd.DataFrame | None:
    """Published SALSA rows of the municipality's schools with their grade-9 student counts."""
    sk = ctx.published.get("skolkarta")
    if sk is None or sk.empty:
        return None
    sk = sk.copy()
    sk["school_id"] = sk["school_id"].astype(str)
    ids = set(ctx.composition["school_id"])
    sk = sk[sk["school_id"].isin(ids)]
    if sk.empty or "salsa_expected" not in sk:
        return None
    grade9 = ctx.published.get("grade9_counts")
    t = pd.DataFrame({
        "school_id": sk["school_id"],
        "name": sk["school_id"].map(ctx.names()).fillna(sk.get("name")),
        "n_students": sk["school_id"].map(grade9) if grade9 is not None else sk.get("n_students_approx"),
        "actual": sk["salsa_actual"].astype(float),
        "expected": sk["salsa_expected"].astype(float),
        "deviation": sk["salsa_deviation"].astype(float),
    })
    return t.dropna(subset=["expected"]).sort_values("deviation", ascending=False).reset_index(drop=True)


def build(ctx: ReportContext) -> Section | None:
    raw = salsa_table(ctx)
    if raw is None or raw.empty:
        return None
    t = suppress_table(raw, "n_students", VALUES, totals_shown=False)
    t = suppress_units(t, "school_id", ctx.hidden(ctx.last_year), ["n_students", *VALUES])
    figs = [
        bar_chart(t["name"].tolist(), t["deviation"].tolist(), t["n_students"].tolist(),
                  title="Avvikelse från förväntat meritvärde (SALSA 2024/25)", y_title="Meritpoäng"),
        scatter_chart(t["expected"].tolist(), t["actual"].tolist(), t["name"].tolist(), t["n_students"].tolist(),
                      title="Faktiskt mot förväntat meritvärde", x_title="Förväntat (SALSA)", y_title="Faktiskt"),
    ]
    best = raw.iloc[0]
    intro = [
        "SALSA är Skolverkets modell för vilket meritvärde en skola kan väntas få givet elevernas bakgrund "
        "(föräldrarnas utbildning, andel pojkar och andel nyanlända). En positiv avvikelse betyder att eleverna fick "
        "högre betyg än modellen väntar sig.",
        f"Störst positiv avvikelse har {best['name']} ({format_number(best['deviation'])} meritpoäng). Skolverket "
        "publicerar ingen osäkerhet: för en skola med 30 elever i årskurs 9 kan avvikelsen variera med omkring "
        "±15 meritpoäng mellan år av ren slump, så enstaka år ska tolkas försiktigt.",
    ]
    table = ReportTable("salsa", "Faktiskt och förväntat meritvärde (SALSA)", t,
                        labels={"n_students": "Antal elever (ca)"})
    return Section("expected_results", "Förväntade och faktiska resultat", intro, figs, [table], results={"salsa": raw})

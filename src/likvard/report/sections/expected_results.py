"""Expected and actual grade-9 results from published files: Skolverket's SALSA (no uncertainty
published) and Likvärd's own cross-fitted model with intervals."""

from __future__ import annotations

import pandas as pd

from likvard.analyses.overview import Overview
from likvard.report.glossary import explain
from likvard.report.model import Figure, Section
from likvard.views.charts import dot_chart
from likvard.views.common import format_number, school_year_label
from likvard.views.expected import published_expected_tables


def build(ov: Overview) -> Section | None:
    res = ov.published_expected
    if res is None:
        return None
    tables = published_expected_tables(res, ov.dataset, ov.settings)
    by_key = {t.key: t for t in tables}
    figures, intro = [], []
    p = ov.settings.percent
    own = by_key.get("forvantat_likvard")
    if own is not None and res.year is not None:
        d = own.data
        fig = dot_chart(d["name"].tolist(), d["deviation"].tolist(), d["n_students"].tolist(),
                        low=d["low"].tolist(), high=d["high"].tolist(),
                        title=f"Avvikelse från förväntat meritvärde {school_year_label(res.year)} (Likvärd, {p} intervall)",
                        x_title="Meritpoäng", reference=0.0, reference_name="som förväntat",
                        highlight=[r in ("över", "under") for r in d["reliably"]])
        figures.append(Figure(fig, per_school=True))
        shown = d[d["deviation"].astype(str) != ".."]
        above = shown[shown["reliably"] == "över"]["name"].astype(str).tolist()
        below = shown[shown["reliably"] == "under"]["name"].astype(str).tolist()
        intro += [
            explain("expected_own"),
            f"Modellen förklarar {format_number(100 * (res.r2 or 0))} % av skillnaderna i meritvärde mellan landets "
            f"{res.n_schools_country} skolenheter. Av kommunens {len(shown)} skolor med årskurs 9 ligger "
            f"{len(above)} tydligt över förväntan ({', '.join(above) or 'ingen'}) och {len(below)} tydligt under "
            f"({', '.join(below) or 'ingen'}); röda punkter.",
        ]
    salsa = by_key.get("salsa")
    if salsa is not None:
        d = salsa.data
        fig = dot_chart(d["name"].tolist(), d["deviation"].tolist(), d["n_students"].tolist(),
                        title="Avvikelse från förväntat meritvärde enligt SALSA 2024/25", x_title="Meritpoäng",
                        reference=0.0, reference_name="som förväntat", colour="#d9822b")
        figures.append(Figure(fig, per_school=True))
        dev = pd.to_numeric(d["deviation"], errors="coerce")
        intro += [explain("salsa"),
                  f"Enligt SALSA varierar avvikelserna från {format_number(dev.min(), 0)} till "
                  f"{format_number(dev.max(), 0)} meritpoäng. Skolverket publicerar ingen osäkerhet: för en skola med "
                  "30 elever i årskurs 9 kan avvikelsen variera med omkring ±15 meritpoäng mellan år av ren slump."]
    if not figures:
        return None
    return Section("expected_results", "Förväntade och faktiska resultat", intro, figures, excel_tables=tables,
                   terms=["expected_own", "salsa", "merit_value"])

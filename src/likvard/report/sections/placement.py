"""Placement scenarios side by side, when any were run and saved in the store
(``store.read_result("placement_comparison")``, written by ``likvard placement``).

The payload is a list of records, or a dict whose list-of-records values are tables (e.g. one
row per scenario with its segregation and travel figures, one row per scenario and school).
"""

from __future__ import annotations

import pandas as pd

from likvard.report.context import ReportContext
from likvard.report.model import ReportTable, Section
from likvard.views.suppression import suppress_table

TITLES = {"summary": "Scenarierna i sammandrag", "comparison": "Scenarierna i sammandrag",
          "schools": "Skolornas elevsammansättning per scenario"}


def payload_tables(payload: object) -> list[tuple[str, pd.DataFrame]]:
    """The tables inside a saved comparison payload."""
    if isinstance(payload, pd.DataFrame):
        return [("placeringsscenarier", payload)]
    if isinstance(payload, list) and payload and isinstance(payload[0], dict):
        return [("placeringsscenarier", pd.DataFrame(payload))]
    out = []
    if isinstance(payload, dict):
        for key, value in payload.items():
            if isinstance(value, list) and value and isinstance(value[0], dict):
                out.append((str(key), pd.DataFrame(value)))
        if not out and payload and all(isinstance(v, list) for v in payload.values()):
            try:
                out.append(("placeringsscenarier", pd.DataFrame(payload)))
            except ValueError:
                pass
    return out


def build(ctx: ReportContext) -> Section | None:
    store = ctx.store
    if store is None or not hasattr(store, "read_result"):
        return None
    payload = store.read_result("placement_comparison")
    tables = []
    for key, df in payload_tables(payload):
        if "measure" in df:
            try:
                from likvard.views.placement import MEASURE_LABELS
            except ImportError:
                MEASURE_LABELS = {}
            df = df.assign(measure=df["measure"].map(MEASURE_LABELS).fillna(df["measure"]))
        if "n_students" in df:
            values = [c for c in df.columns if c not in ("scenario", "school_id", "name", "n_students")
                      and pd.api.types.is_numeric_dtype(df[c])]
            df = suppress_table(df, "n_students", values, by="scenario" if "scenario" in df else None)
        tables.append(ReportTable(f"placering_{key}"[:31], TITLES.get(key, f"Placeringsscenarier: {key}"), df,
                                  labels={"measure": "Mått", "residential": "Om alla gick i närmaste skola"}))
    if not tables:
        return None
    intro = [
        "Tabellerna jämför de placeringsscenarier som har körts med Likvärd: hur elevsammansättningen, "
        "segregationen och resvägarna skulle bli med andra regler eller en annan skolorganisation. Varje scenario "
        "är kört många gånger med olika lottning och valdragningar; intervallen visar hur mycket slumpen påverkar.",
    ]
    return Section("placement", "Placeringsscenarier sida vid sida", intro, [], tables, results={"payload": payload})

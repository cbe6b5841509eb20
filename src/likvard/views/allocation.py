"""Swedish tables of allocation results and teacher distribution (for exports and the report)."""

from __future__ import annotations

import pandas as pd

from likvard.privacy import SUPPRESSED, is_suppressed
from likvard.views.common import ORGANISER_TYPE_LABELS as ORGANISER_LABELS
from likvard.views.common import school_year_label

ALLOCATION_LABELS = {
    "school_id": "Skolenhetskod",
    "name": "Skola",
    "organiser_type": "Huvudmannatyp",
    "n_students": "Antal elever",
    "need_index": "Behovsindex",
    "need_units": "Behovsenheter",
    "base": "Grundbelopp (kr)",
    "compensatory": "Kompensatoriskt belopp (kr)",
    "transition_adjustment": "Övergångsjustering (kr)",
    "total": "Totalt belopp (kr)",
    "per_student": "Belopp per elev (kr)",
    "current_total": "Nuvarande belopp (kr)",
    "change": "Förändring (kr)",
    "change_share": "Förändring (andel)",
    "model": "Modell",
}

TEACHER_LABELS = {
    "school_id": "Skolenhetskod",
    "name": "Skola",
    "school_year": "Läsår",
    "n_students": "Antal elever",
    "teacher_fte": "Lärare (heltidstjänster)",
    "certified_fte": "Legitimerade lärare (heltidstjänster)",
    "share_certified": "Andel legitimerade lärare",
    "lead_teachers": "Förstelärare",
    "lead_teachers_per_100": "Förstelärare per 100 elever",
    "mean_experience": "Genomsnittlig erfarenhet (år)",
    "turnover": "Personalomsättning",
    "need_index": "Behovsindex",
}

EQUITY_LABELS = {
    "concentration_index": "Koncentrationsindex (pengar mot behov)",
    "compensation_ratio": "Kompensationskvot (mest/minst behövande femtedel)",
}


def allocation_table(result: pd.DataFrame, names: dict[str, str] | None = None) -> pd.DataFrame:
    """An ``allocate`` result with Swedish headers; need figures of schools with < 10 students
    read ``..`` (the amounts themselves are budget figures and are shown)."""
    out = result.copy()
    if names:
        out.insert(1, "name", out["school_id"].map(names))
    out["organiser_type"] = out["organiser_type"].map(ORGANISER_LABELS).fillna(out["organiser_type"])
    small = is_suppressed(out["n_students"].to_numpy())
    for col in ("need_index", "need_units"):
        if col in out:
            values = out[col].astype(object)
            values[small] = SUPPRESSED
            out[col] = values
    return out.rename(columns=ALLOCATION_LABELS)


def teacher_table(distribution: pd.DataFrame, names: dict[str, str] | None = None) -> pd.DataFrame:
    """Teacher distribution with Swedish headers; per-student figures of schools with < 10
    students read ``..``."""
    out = distribution.copy()
    if names:
        out.insert(1, "name", out["school_id"].map(names))
    out["school_year"] = out["school_year"].map(school_year_label)
    small = is_suppressed(out["n_students"].to_numpy())
    for col in ("lead_teachers_per_100", "need_index", "n_students"):
        if col in out:
            values = out[col].astype(object)
            values[small] = SUPPRESSED
            out[col] = values
    return out.rename(columns=TEACHER_LABELS)

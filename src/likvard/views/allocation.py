"""Swedish tables of allocation results and teacher distribution (for exports and the report)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from likvard.disclosure import MIN_SHOWN_TEACHERS, protect
from likvard.privacy import SUPPRESSED, is_suppressed
from likvard.tables import MIN_SHOWN_STUDENTS
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
    "n_teachers": "Antal lärare",
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


AMOUNTS = ("base", "compensatory", "transition_adjustment", "total", "per_student", "current_total", "change",
           "change_share")
TEACHER_FIGURES = ("teacher_fte", "certified_fte", "share_certified", "lead_teachers", "lead_teachers_per_100",
                   "mean_experience", "turnover")


def hidden_schools(n_students: pd.Series, organiser_type: pd.Series | None = None,
                   min_n: int = MIN_SHOWN_STUDENTS) -> set:
    """Index labels of the schools whose figures are hidden: fewer than ``min_n`` students, and
    the complements that keep them from following from the total over all schools and per
    organiser type (``likvard.disclosure.protect``)."""
    n = pd.to_numeric(n_students, errors="coerce").fillna(0.0)
    values = {k: float(v) for k, v in n.items()}
    totals: dict = {"all": list(n.index)}
    if organiser_type is not None:
        for g, idx in organiser_type.astype(str).groupby(organiser_type.astype(str)).groups.items():
            totals[("organiser_type", g)] = list(idx)
    primary = {k for k, v in values.items() if v < min_n}
    return set(protect(values, totals, primary, min_total=0).hidden)


def _hide(out: pd.DataFrame, mask: np.ndarray, columns) -> pd.DataFrame:
    for col in columns:
        if col in out:
            values = out[col].astype(object)
            values[mask] = SUPPRESSED
            out[col] = values
    return out


def allocation_table(result: pd.DataFrame, names: dict[str, str] | None = None,
                     min_n: int = MIN_SHOWN_STUDENTS) -> pd.DataFrame:
    """An ``allocate`` result (code-name columns; headers in ``ALLOCATION_LABELS``) where every
    figure of a hidden school reads ``..``: fewer than ``min_n`` students, or a complement of one
    (:func:`hidden_schools`). The amounts are hidden too: the base amount is the number of
    students times a price, and the compensatory amount the need units times a price."""
    out = result.copy()
    if names:
        out.insert(1, "name", out["school_id"].astype(str).map(names))
    hidden = hidden_schools(out["n_students"], out.get("organiser_type"), min_n)
    out["organiser_type"] = out["organiser_type"].map(ORGANISER_LABELS).fillna(out["organiser_type"])
    mask = out.index.isin(list(hidden))
    return _hide(out, mask, ["n_students", "need_index", "need_units", *AMOUNTS])


def teacher_table(distribution: pd.DataFrame, names: dict[str, str] | None = None,
                  min_n: int = MIN_SHOWN_STUDENTS, min_teachers: int = MIN_SHOWN_TEACHERS) -> pd.DataFrame:
    """Teacher distribution (code-name columns; headers in ``TEACHER_LABELS``): the per-student
    figures of a school year with fewer than ``min_n`` students read ``..``, and every teacher
    figure of a school year with fewer than ``min_teachers`` teachers (a share of two or three
    teachers tells each one's certification)."""
    out = distribution.copy()
    if names:
        out.insert(1, "name", out["school_id"].astype(str).map(names))
    few_students = is_suppressed(out["n_students"].to_numpy(), min_n)
    out = _hide(out, few_students, ["lead_teachers_per_100", "need_index", "n_students"])
    if "n_teachers" in out:
        few_teachers = ~(pd.to_numeric(out["n_teachers"], errors="coerce").to_numpy() >= min_teachers)
    else:
        few_teachers = ~(pd.to_numeric(out["teacher_fte"], errors="coerce").to_numpy() >= min_teachers)
    out = _hide(out, few_teachers, TEACHER_FIGURES)
    out["school_year"] = out["school_year"].map(school_year_label)
    return out

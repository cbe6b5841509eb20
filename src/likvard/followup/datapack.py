"""The data pack of a quality dialogue, frozen when generated.

For the school and school year: each indicator (``vocabulary.INDICATORS``; survey indices of
grade 5 and grade 8 students) with its value, students behind it, 90 % interval where the
students' values give one, the authority's mean and the school's quarter among the
authority's schools, and a three-year trend; staffing (FTE-weighted share of certified
teachers, turnover: ``likvard.allocation.teachers``); the flags (``flags``); the running
interventions at the school and the evaluations that are due; the open decisions of the
school's previous dialogue with their status. Every figure resting on fewer than 10 students
(counts in the trend too), and staffing at a school with fewer than ``MIN_SHOWN_TEACHERS``
teachers, is ``..`` already in the pack. ``sha256`` is the hash of the content, ``data_version`` the hash
of the panels it came from.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm

from likvard.allocation.teachers import teacher_distribution
from likvard.disclosure import MIN_SHOWN_TEACHERS
from likvard.followup import vocabulary as v
from likvard.followup.baseline import data_version, indicator_panel
from likvard.followup.flags import school_flags
from likvard.followup.records import Decision, Intervention
from likvard.privacy import SUPPRESSED
from likvard.tables import MIN_SHOWN_STUDENTS, AuthorityData
from likvard.text import school_year_label

PACK_INDICATORS: tuple[tuple[str, str | None, str], ...] = (
    ("merit_value", None, "Meritvärde åk 9"),
    ("share_eligible", None, "Andel behöriga till gymnasiet"),
    ("trygghet", "student_grade5", "Trygghet, åk 5"),
    ("studiero", "student_grade5", "Studiero, åk 5"),
    ("trygghet", "student_grade8", "Trygghet, åk 8"),
    ("studiero", "student_grade8", "Studiero, åk 8"),
    ("stod", "student_grade8", "Stöd, åk 8"),
)
Z = float(norm.ppf(0.95))


def _key(indicator: str, respondent: str | None) -> str:
    return indicator if respondent is None else f"{indicator}_{respondent.removeprefix('student_')}"


def _shown(value: float | None, n: int) -> float | str | None:
    if value is None:
        return None
    return SUPPRESSED if n < MIN_SHOWN_STUDENTS else round(float(value), 3)


def _student_interval(data: AuthorityData, indicator: str, school_id: str, year: int) -> tuple[float, float] | None:
    col = {"merit_value": "merit_value", "share_eligible": "eligible"}.get(indicator)
    st = data.students
    if col is None or col not in st:
        return None
    x = st[(st["grade"] == 9) & (st["school_year"] == year) & (st["school_id"].astype(str) == school_id)
           & st[col].notna()][col].astype(float).to_numpy()
    if len(x) < 2:
        return None
    half = Z * float(np.std(x, ddof=1)) / np.sqrt(len(x))
    return float(x.mean() - half), float(x.mean() + half)


def _indicator_row(data: AuthorityData, panel: pd.DataFrame, indicator: str, school_id: str, year: int) -> dict[str, Any]:
    here = panel[panel["school_year"] == year]
    mine = here[here["school_id"].astype(str) == school_id]
    trend = []
    for y in (year - 2, year - 1, year):
        r = panel[(panel["school_year"] == y) & (panel["school_id"].astype(str) == school_id)]
        if len(r):
            n_y = int(r["n_students"].iloc[0])
            trend.append({"school_year": y, "value": _shown(float(r["value"].iloc[0]), n_y),
                          "n": n_y if n_y >= MIN_SHOWN_STUDENTS else SUPPRESSED})
    if mine.empty:
        return {"value": None, "n": 0, "trend": trend}
    n = int(mine["n_students"].iloc[0])
    value = float(mine["value"].iloc[0])
    mean = float(np.average(here["value"], weights=here["n_students"])) if here["n_students"].sum() > 0 else None
    q = here["value"].astype(float).quantile([0.25, 0.5, 0.75]).to_numpy()
    quartile = int(1 + (value > q[0]) + (value > q[1]) + (value > q[2])) if len(here) >= 4 else None
    interval = _student_interval(data, indicator, school_id, year)
    hidden = n < MIN_SHOWN_STUDENTS
    return {"value": _shown(value, n), "n": n if not hidden else SUPPRESSED,
            "low": None if interval is None or hidden else round(interval[0], 3),
            "high": None if interval is None or hidden else round(interval[1], 3),
            "authority_mean": None if mean is None else round(mean, 3),
            "quartile": None if hidden else quartile, "trend": trend}


def build_data_pack(data: AuthorityData, school_id: str, school_year: int, *,
                    interventions: Sequence[Intervention] = (),
                    previous_decisions: Sequence[Decision] = ()) -> tuple[dict[str, Any], str]:
    """``(content, data_version)`` of the module docstring."""
    versions = []
    rows: dict[str, dict[str, Any]] = {}
    labels: dict[str, str] = {}
    for indicator, respondent, label in PACK_INDICATORS:
        panel = indicator_panel(data, indicator, respondent)
        versions.append(data_version(panel))
        if panel.empty:
            continue
        key = _key(indicator, respondent)
        labels[key] = label
        row = _indicator_row(data, panel, indicator, school_id, school_year)
        row["label"] = label
        row["indicator"] = indicator
        rows[key] = row
    flag_rows = {k: {**r, "n": r["n"] if isinstance(r.get("n"), int) else 0} for k, r in rows.items()}
    flags = school_flags(flag_rows, labels)
    staffing: dict[str, Any] = {}
    if len(data.staff):
        td = teacher_distribution(data.staff, data.students)
        me = td[(td["school_id"].astype(str) == school_id) & (td["school_year"] == school_year)]
        if len(me):
            r = me.iloc[0]
            staffing = {"teacher_fte": round(float(r["teacher_fte"]), 1),
                        "share_certified": round(float(r["share_certified"]), 3),
                        "turnover": None if pd.isna(r.get("turnover")) else round(float(r["turnover"]), 3)}
            if not float(r.get("n_teachers", r["teacher_fte"])) >= MIN_SHOWN_TEACHERS:
                # staff rule: with two or three teachers a share tells each one's certification
                staffing = dict.fromkeys(staffing, SUPPRESSED)
        versions.append(hashlib.sha256(td.to_csv(index=False).encode()).hexdigest())
    running = [{"id": iv.id, "name": iv.name, "category": iv.category, "indicator": iv.indicator,
                "start_year": iv.start_year, "horizon": iv.horizon, "expected_effect": iv.expected_effect,
                "status": iv.status, "due": iv.due_for_evaluation(school_year),
                "latest_verdict": iv.latest_evaluation.verdict if iv.latest_evaluation else None}
               for iv in interventions if school_id in iv.school_ids and not iv.deleted]
    open_decisions = [{"id": d.id, "what": d.what, "responsible_role": d.responsible_role,
                       "due_date": d.due_date.isoformat(), "status": d.status, "status_comment": d.status_comment}
                      for d in previous_decisions if d.status in v.OPEN_DECISION_STATUSES and not d.deleted]
    content = {"school_id": school_id, "school_year": school_year, "school_year_label": school_year_label(school_year),
               "indicators": rows, "staffing": staffing, "flags": [asdict(f) for f in flags],
               "interventions": running, "open_decisions": open_decisions}
    version = hashlib.sha256("".join(versions).encode()).hexdigest()
    return content, version


def pack_hash(content: dict[str, Any]) -> str:
    """SHA-256 of the content (canonical JSON): shows that a stored pack was not changed."""
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()

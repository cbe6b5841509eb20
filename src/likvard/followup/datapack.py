"""The data pack of a quality dialogue, frozen when generated.

For the school and school year: each indicator (``vocabulary.INDICATORS``; survey indices of
grade 5 and grade 8 students) with its value, students behind it, 90 % interval where the
students' values give one, the authority's mean and the school's quarter among the
authority's schools, and a three-year trend; staffing (FTE-weighted share of certified
teachers, turnover: ``likvard.allocation.teachers``); the flags (``flags``); the running
interventions at the school and the evaluations that are due; the open decisions of the
school's previous dialogue with their status. Every figure resting on fewer than 10 students
(counts in the trend too), and staffing at a school with fewer than ``MIN_SHOWN_TEACHERS``
teachers, is ``..`` already in the pack. So is every figure of a school in a year in which the
published tables hide it to protect a small school (``likvard.disclosure.schools.hidden_schools``,
the same decision as the Nulägesrapport and the quality report): its own counts beside the
authority's total would otherwise give the small school's size. Ranks and quarters are among the
shown schools only. The school's need index (``likvard.expected.need.need_index``:
100 × the school's mean predicted risk of not becoming eligible over the authority's mean that
year, with its 90 % interval and the school's rank among the authority's schools). ``sha256`` is
the hash of the content, ``data_version`` the hash of the panels it came from.

The panels, the teacher distribution and the need index depend on the data only, not on the
school: they are computed once per data object (``AuthorityData`` is not changed in place) and
reused for every dialogue of a batch.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import ndtri

from likvard.allocation.teachers import teacher_distribution
from likvard.disclosure import MIN_SHOWN_TEACHERS
from likvard.disclosure.schools import authority_counts, hidden_schools, student_years
from likvard.errors import LikvardError
from likvard.expected.need import need_index
from likvard.followup import vocabulary as v
from likvard.followup.baseline import derived, shared_panel, shared_version
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
Z = float(ndtri(0.95))


def pack_panel(data: AuthorityData, indicator: str, respondent: str | None) -> pd.DataFrame:
    """``baseline.indicator_panel`` of ``data``, computed once per data object (shared by every
    reader: not to be changed in place)."""
    return shared_panel(data, indicator, respondent)


def teacher_table(data: AuthorityData) -> pd.DataFrame:
    """``likvard.allocation.teachers.teacher_distribution`` of ``data``, computed once per data
    object (shared: not to be changed in place)."""
    return derived(data, "teachers", lambda: teacher_distribution(data.staff, data.students))


def _need_table(data: AuthorityData) -> pd.DataFrame | None:
    try:
        return need_index(data.students)
    except LikvardError:  # too few grade-9 students with known eligibility to fit the model
        return None


def hidden_in(data: AuthorityData, year: int) -> frozenset[str]:
    """The schools every published table of ``year`` hides (``likvard.disclosure.schools.hidden_schools``:
    the school counts of every year computed once per data object, the protection once per year)."""
    def make() -> frozenset[str]:
        counts = derived(data, "disclosure_counts", lambda: authority_counts(data, student_years(data)))
        return hidden_schools(data, int(year), counts=counts)

    return derived(data, f"hidden:{int(year)}", make)


def _need_rows(data: AuthorityData, year: int) -> dict[str, dict[str, Any]]:
    """The data pack's need entry per school in ``year`` (module docstring)."""
    table = derived(data, "need_table", partial(_need_table, data))
    if table is None:
        return {}
    out: dict[str, dict[str, Any]] = {}
    hidden = hidden_in(data, year)
    here = table[table["school_year"] == year]
    if len(here):
        # ranked among the schools whose need index is shown: a hidden school's place among them
        # would bound its value
        shown = ((here["n_students"].to_numpy(float) >= MIN_SHOWN_STUDENTS)
                 & ~here["school_id"].astype(str).isin(hidden).to_numpy())
        values = here["need_index"].to_numpy(float)[shown]
        for r, visible in zip(here.itertuples(index=False), shown):
            n = int(r.n_students)
            key = str(r.school_id)
            if not visible:
                out[key] = {"value": SUPPRESSED, "n": SUPPRESSED, "low": None, "high": None, "rank": None,
                            "n_schools": int(shown.sum())}
                continue
            rank = int((values > r.need_index).sum()) + 1  # 1 = the highest need
            out[key] = {"value": round(float(r.need_index), 1), "low": round(float(r.need_index_low), 1),
                        "high": round(float(r.need_index_high), 1), "n": n, "rank": rank,
                        "n_schools": int(shown.sum())}
    return out


def _need_row(data: AuthorityData, school_id: str, year: int) -> dict[str, Any]:
    rows = derived(data, f"need:{int(year)}", partial(_need_rows, data, int(year)))
    return dict(rows.get(school_id, {}))


def _key(indicator: str, respondent: str | None) -> str:
    return indicator if respondent is None else f"{indicator}_{respondent.removeprefix('student_')}"


def _shown(value: float | None, n: int, hidden: bool = False) -> float | str | None:
    if value is None:
        return None
    return SUPPRESSED if hidden or n < MIN_SHOWN_STUDENTS else round(float(value), 3)


def _student_stats(data: AuthorityData, col: str) -> dict[tuple[str, int], tuple[float, float, int]]:
    """Grade-9 students' mean, standard deviation and number per (school, year) for ``col``."""
    st = data.students
    g9 = st[(st["grade"] == 9) & st[col].notna()]
    x = g9[col].astype(float)
    grouped = x.groupby([g9["school_id"].astype(str), g9["school_year"].astype(int)])
    table = pd.DataFrame({"mean": grouped.mean(), "sd": grouped.std(ddof=1), "n": grouped.size()})
    return {(str(k[0]), int(k[1])): (float(r.mean), float(r.sd), int(r.n)) for k, r in zip(table.index, table.itertuples())}


def _student_interval(data: AuthorityData, indicator: str, school_id: str, year: int) -> tuple[float, float] | None:
    col = {"merit_value": "merit_value", "share_eligible": "eligible"}.get(indicator)
    if col is None or col not in data.students:
        return None
    stats = derived(data, f"students:{col}", lambda: _student_stats(data, col))
    hit = stats.get((school_id, int(year)))
    if hit is None or hit[2] < 2:
        return None
    mean, sd, n = hit
    half = Z * sd / np.sqrt(n)
    return float(mean - half), float(mean + half)


@dataclass(frozen=True)
class _PanelLookup:
    """A panel by (school, year): value and students, and per year the n-weighted mean of the
    schools' values."""

    cells: dict[tuple[str, int], tuple[float, int]]
    means: dict[int, float | None]


def _lookup(panel: pd.DataFrame) -> _PanelLookup:
    sid = panel["school_id"].astype(str).to_numpy()
    year = panel["school_year"].astype(int).to_numpy()
    value = panel["value"].astype(float).to_numpy()
    n = panel["n_students"].astype(int).to_numpy()
    cells = {(s, int(y)): (float(x), int(k)) for s, y, x, k in zip(sid, year, value, n)}
    means: dict[int, float | None] = {}
    for y in np.unique(year):
        hit = year == y
        w = n[hit]
        means[int(y)] = float(np.average(value[hit], weights=w)) if w.sum() > 0 else None
    return _PanelLookup(cells, means)


def _quarters(panel: _PanelLookup, year: int, hidden: frozenset[str]) -> tuple[np.ndarray, int]:
    """The quarters' limits of the shown schools' values in ``year`` and their number: limits
    through hidden values would bound them."""
    shown = [x for (s, y), (x, k) in panel.cells.items()
             if y == year and k >= MIN_SHOWN_STUDENTS and s not in hidden]
    return pd.Series(shown, dtype=float).quantile([0.25, 0.5, 0.75]).to_numpy(), len(shown)


def _indicator_row(data: AuthorityData, panel: _PanelLookup, indicator: str, school_id: str,
                   year: int, key: str) -> dict[str, Any]:
    trend = []
    for y in (year - 2, year - 1, year):
        cell = panel.cells.get((school_id, y))
        if cell is not None:
            protected = school_id in hidden_in(data, y)
            trend.append({"school_year": y, "value": _shown(cell[0], cell[1], protected),
                          "n": cell[1] if cell[1] >= MIN_SHOWN_STUDENTS and not protected else SUPPRESSED})
    mine = panel.cells.get((school_id, year))
    if mine is None:
        return {"value": None, "n": 0, "trend": trend}
    value, n = mine
    mean = panel.means[year]
    hidden_now = hidden_in(data, year)
    q, n_shown = derived(data, f"quarters:{indicator}:{key}:{int(year)}", partial(_quarters, panel, year, hidden_now))
    quartile = int(1 + (value > q[0]) + (value > q[1]) + (value > q[2])) if n_shown >= 4 else None
    interval = _student_interval(data, indicator, school_id, year)
    hidden = n < MIN_SHOWN_STUDENTS or school_id in hidden_now
    return {"value": _shown(value, n, hidden), "n": n if not hidden else SUPPRESSED,
            "low": None if interval is None or hidden else round(interval[0], 3),
            "high": None if interval is None or hidden else round(interval[1], 3),
            "authority_mean": None if mean is None else round(mean, 3),
            "quartile": None if hidden else quartile, "trend": trend}


def _teacher_rows(td: pd.DataFrame) -> dict[tuple[str, int], pd.Series]:
    """The first row of the teacher distribution of each (school, year)."""
    out: dict[tuple[str, int], pd.Series] = {}
    for i, (sid, year) in enumerate(zip(td["school_id"].astype(str), td["school_year"])):
        out.setdefault((sid, int(year)), td.iloc[i])
    return out


def build_data_pack(data: AuthorityData, school_id: str, school_year: int, *,
                    interventions: Sequence[Intervention] = (),
                    previous_decisions: Sequence[Decision] = ()) -> tuple[dict[str, Any], str]:
    """``(content, data_version)`` of the module docstring."""
    versions = []
    rows: dict[str, dict[str, Any]] = {}
    labels: dict[str, str] = {}
    for indicator, respondent, label in PACK_INDICATORS:
        panel = pack_panel(data, indicator, respondent)
        versions.append(shared_version(data, indicator, respondent))
        if panel.empty:
            continue
        key = _key(indicator, respondent)
        labels[key] = label
        lookup = derived(data, f"lookup:{indicator}:{respondent}", partial(_lookup, panel))
        row = _indicator_row(data, lookup, indicator, school_id, school_year, key)
        row["label"] = label
        row["indicator"] = indicator
        rows[key] = row
    flag_rows = {k: {**r, "n": r["n"] if isinstance(r.get("n"), int) else 0} for k, r in rows.items()}
    flags = school_flags(flag_rows, labels)
    staffing: dict[str, Any] = {}
    if len(data.staff):
        td = teacher_table(data)
        r = derived(data, "teacher_rows", partial(_teacher_rows, td)).get((school_id, int(school_year)))
        if r is not None:
            staffing = {"teacher_fte": round(float(r["teacher_fte"]), 1),
                        "share_certified": round(float(r["share_certified"]), 3),
                        "turnover": None if pd.isna(r.get("turnover")) else round(float(r["turnover"]), 3)}
            few = not float(r.get("n_teachers", r["teacher_fte"])) >= MIN_SHOWN_TEACHERS
            if few or school_id in hidden_in(data, school_year):
                # staff rule: with two or three teachers a share tells each one's certification;
                # a school hidden in the published tables shows no staffing there either
                staffing = dict.fromkeys(staffing, SUPPRESSED)
        versions.append(derived(data, "teachers_version",
                                lambda: hashlib.sha256(td.to_csv(index=False).encode()).hexdigest()))
    running = [{"id": iv.id, "name": iv.name, "category": iv.category, "indicator": iv.indicator,
                "start_year": iv.start_year, "horizon": iv.horizon, "expected_effect": iv.expected_effect,
                "status": iv.status, "due": iv.due_for_evaluation(school_year),
                "latest_verdict": iv.latest_evaluation.verdict if iv.latest_evaluation else None}
               for iv in interventions if school_id in iv.school_ids and not iv.deleted]
    open_decisions = [{"id": d.id, "what": d.what, "responsible_role": d.responsible_role,
                       "due_date": d.due_date.isoformat(), "status": d.status, "status_comment": d.status_comment}
                      for d in previous_decisions if d.status in v.OPEN_DECISION_STATUSES and not d.deleted]
    content = {"school_id": school_id, "school_year": school_year, "school_year_label": school_year_label(school_year),
               "indicators": rows, "staffing": staffing, "need": _need_row(data, school_id, school_year),
               "flags": [asdict(f) for f in flags],
               "interventions": running, "open_decisions": open_decisions}
    version = hashlib.sha256("".join(versions).encode()).hexdigest()
    return content, version


def pack_hash(content: dict[str, Any]) -> str:
    """SHA-256 of the content (canonical JSON): shows that a stored pack was not changed."""
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()

"""School panels (``school_id, school_year, value, n_students``) from an authority's registers.

Outcomes: ``merit_value`` (mean grade-9 merit value of students with one), ``share_eligible``
(share of grade-9 students eligible for a national upper-secondary programme), ``share_certified``
(FTE-weighted share of certified teachers, ``likvard.allocation.teachers``; ``n_students`` is the
school's students) and the survey indices ``trygghet``, ``studiero``, ``stod`` (Skolenkäten,
grade-8 students by default; ``n_students`` is the number of respondents).
"""

from __future__ import annotations

import pandas as pd

from likvard.errors import ParameterError
from likvard.tables import AuthorityData

OUTCOMES = {
    "merit_value": "Meritvärde åk 9",
    "share_eligible": "Andel behöriga till gymnasiets nationella program",
    "share_certified": "Andel legitimerade lärare",
    "trygghet": "Trygghet (Skolenkäten, 0–10)",
    "studiero": "Studiero (Skolenkäten, 0–10)",
    "stod": "Stöd (Skolenkäten, 0–10)",
}
COLUMNS = ["school_id", "school_year", "value", "n_students"]


def authority_panel(data: AuthorityData, outcome: str = "merit_value", respondent: str = "student_grade8") -> pd.DataFrame:
    """The panel of ``outcome`` (module docstring), one row per school and school year."""
    if outcome not in OUTCOMES:
        raise ParameterError("outcome", f"okänt utfall {outcome!r}; välj bland {', '.join(OUTCOMES)}.")
    st = data.students
    if outcome in ("merit_value", "share_eligible"):
        col = "merit_value" if outcome == "merit_value" else "eligible"
        if col not in st:
            return pd.DataFrame(columns=COLUMNS)
        g9 = st[(st["grade"] == 9) & st[col].notna()].copy()
        g9["v"] = g9[col].astype(float)
        out = g9.groupby([g9["school_id"].astype(str), "school_year"])["v"].agg(value="mean", n_students="size")
        return out.reset_index()[COLUMNS]
    if outcome == "share_certified":
        from likvard.allocation.teachers import teacher_distribution

        td = teacher_distribution(data.staff, st)
        td = td.rename(columns={"share_certified": "value"})
        return td[COLUMNS].reset_index(drop=True)
    sv = data.survey
    sv = sv[(sv["area"] == outcome) & (sv["respondent"] == respondent)]
    out = pd.DataFrame({"school_id": sv["school_id"].astype(str), "school_year": sv["school_year"].astype(int),
                        "value": sv["value"].astype(float), "n_students": sv["n_respondents"]})
    return out.reset_index(drop=True)

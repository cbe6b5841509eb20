"""A small authority for the follow-up tests: 12 schools over 8 school years (2016/17-2023/24),
15 grade-5 and 12 grade-9 students per school and year, a Skolenkät index trygghet (grade 5) from a
one-factor model with school levels, and an effect of +1.5 planted at S00 and S01 from 2021/22."""

from __future__ import annotations

import numpy as np
import pandas as pd

from likvard.tables import AuthorityData

YEARS = list(range(2016, 2024))
SCHOOLS = [f"100000{i:02d}" for i in range(12)]
TREATED = SCHOOLS[:2]
START = 2021
EFFECT = 1.5


def small_authority(seed: int = 0, effect: float = EFFECT) -> AuthorityData:
    rng = np.random.default_rng(seed)
    schools = pd.DataFrame([{"school_id": s, "school_year": y, "name": f"Skola {i}", "organiser": "Småstad",
                             "organiser_type": "municipal", "municipality_code": "9999", "x": 5e5 + i * 100.0,
                             "y": 6.5e6, "grade_min": 0, "grade_max": 9}
                            for i, s in enumerate(SCHOOLS) for y in YEARS])
    rows = []
    k = 0
    for s in SCHOOLS:
        for y in YEARS:
            for grade, n in ((5, 15), (9, 12)):
                for _ in range(n):
                    rows.append({"student_id": f"p{k}", "school_year": y, "school_id": s, "grade": grade,
                                 "sex": "F" if k % 2 else "M", "parent_education": "upper_secondary",
                                 "migration_background": "swedish", "newly_arrived": False,
                                 "home_x": 5e5, "home_y": 6.5e6,
                                 "merit_value": float(rng.normal(220, 40)) if grade == 9 else np.nan,
                                 "eligible": bool(rng.random() < 0.85) if grade == 9 else pd.NA})
                    k += 1
    students = pd.DataFrame(rows)
    students["eligible"] = students["eligible"].astype("boolean")
    level = rng.normal(7.0, 0.6, len(SCHOOLS))
    factor = np.cumsum(rng.normal(0, 0.15, len(YEARS)))
    survey = []
    for i, s in enumerate(SCHOOLS):
        for j, y in enumerate(YEARS):
            value = level[i] + factor[j] + rng.normal(0, 0.12)
            if s in TREATED and y >= START:
                value += effect
            survey.append({"school_id": s, "school_year": y, "respondent": "student_grade5", "area": "trygghet",
                           "value": round(float(np.clip(value, 0, 10)), 2), "n_respondents": 14})
    staff = pd.DataFrame([{"staff_id": f"t{i}_{j}", "school_year": y, "school_id": s, "certified": j % 4 != 0,
                           "lead_teacher": j == 0, "fte": 1.0}
                          for i, s in enumerate(SCHOOLS) for y in YEARS for j in range(6)])
    return AuthorityData(schools=schools, students=students, staff=staff, survey=pd.DataFrame(survey),
                         name="Småstad")

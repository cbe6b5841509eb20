"""A small hand-made authority (not Exempelstad) for the report and view tests: six schools over
two years, one of them ("Lillskolan") with only 7 students each year."""

from __future__ import annotations

import numpy as np
import pandas as pd

from likvard.tables import AuthorityData

SCHOOLS = [
    # school_id, name, organiser_type, x, y, n, share post-secondary, share foreign
    ("10000001", "Norrskolan", "municipal", 500000.0, 6600000.0, 320, 0.75, 0.10),
    ("10000002", "Söderskolan", "municipal", 503000.0, 6596000.0, 280, 0.30, 0.55),
    ("10000003", "Östra skolan", "municipal", 506000.0, 6600500.0, 250, 0.50, 0.25),
    ("10000004", "Friskolan Lärkan", "independent", 501000.0, 6601500.0, 180, 0.85, 0.08),
    ("10000005", "Västra skolan", "municipal", 496000.0, 6599000.0, 210, 0.40, 0.40),
    ("10000006", "Lillskolan", "independent", 499000.0, 6603000.0, 7, 0.60, 0.20),
]
SMALL_ID, SMALL_NAME = "10000006", "Lillskolan"


def make_authority(years: tuple[int, ...] = (2023, 2024), seed: int = 7) -> AuthorityData:
    rng = np.random.default_rng(seed)
    schools, students, staff, survey = [], [], [], []
    sid = 0
    for y_i, year in enumerate(years):
        for code, name, org, x, y, n, p_post, p_for in SCHOOLS:
            schools.append(dict(school_id=code, school_year=year, name=name, organiser=name if org == "independent"
                                else "Kommunen", organiser_type=org, municipality_code="9999", x=x, y=y,
                                grade_min=0, grade_max=9, profile=""))
            n_y = n + (0 if n < 10 else int(rng.integers(-20, 20)))
            p = min(0.95, p_post + 0.03 * y_i * (1 if p_post > 0.5 else -1))
            for _ in range(n_y):
                sid += 1
                edu = "post_secondary" if rng.random() < p else ("upper_secondary" if rng.random() < 0.7 else "compulsory")
                mig = rng.choice(["swedish", "born_in_sweden_foreign_parents", "foreign_born"],
                                 p=[1 - p_for, p_for / 2, p_for / 2])
                grade = int(rng.integers(0, 10))
                merit = float(np.clip(rng.normal(200 + 60 * (edu == "post_secondary") - 30 * (mig == "foreign_born"), 40), 0, 340))
                students.append(dict(
                    student_id=f"s{sid}", school_year=year, school_id=code, grade=grade, sex=rng.choice(["F", "M"]),
                    parent_education=edu, migration_background=mig, newly_arrived=bool(rng.random() < 0.05 * p_for * 4),
                    home_x=x + rng.normal(0, 1500), home_y=y + rng.normal(0, 1500),
                    merit_value=merit if grade == 9 else np.nan,
                    eligible=bool(merit > 160) if grade == 9 else None,
                ))
            for t in range(max(1, n // 15)):
                staff.append(dict(staff_id=f"{code}-{t}", school_year=year, school_id=code,
                                  certified=bool(rng.random() < 0.6 + 0.3 * p_post), lead_teacher=bool(rng.random() < 0.1), fte=1.0))
            for area, base in (("trygghet", 7.5), ("studiero", 6.5), ("stod", 7.0)):
                survey.append(dict(school_id=code, school_year=year, respondent="student_grade8", area=area,
                                   value=round(base + 2 * (p_post - 0.5) + rng.normal(0, 0.2), 1), n_respondents=max(5, n // 9)))
    return AuthorityData(schools=pd.DataFrame(schools), students=pd.DataFrame(students), staff=pd.DataFrame(staff),
                         survey=pd.DataFrame(survey), name="Provkommunen")

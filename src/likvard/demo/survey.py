"""Skolenkät-like survey values (index 0-10) for Exempelstad's schools.

For each school, year, respondent group and area (trygghet, studiero, stod): the national mean
and spread of that item (``calibration.SURVEY_MEANS``) shifted by a persistent school climate
(correlated with the hidden school effect: calmer schools teach better), a small positive
association with the share of post-secondary parents (as in the real data, correlation about
0.1-0.2), and yearly noise shrinking with the number of respondents. Respondents: grade 5 and
grade 8 students (about 85 % answer), guardians (about 45 %), teachers (about 80 %).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from likvard.demo import calibration as cal

AREAS = ("trygghet", "studiero", "stod")
RESPONSE_RATE = {"student_grade5": 0.85, "student_grade8": 0.85, "guardian": 0.45, "teacher": 0.8}


def make_survey(rng: np.random.Generator, counts: pd.DataFrame, effects: pd.Series) -> pd.DataFrame:
    """``counts``: school_id, school_year, n_grade5, n_grade8, n_students, n_teachers, share_post_secondary;
    ``effects``: hidden school effect (merit points) indexed by school_id."""
    schools = sorted(counts["school_id"].unique())
    climate = (pd.Series(rng.normal(0, 0.6, len(schools)), index=schools)
               + 0.06 * effects.reindex(schools).fillna(0))
    rows = []
    for r in counts.itertuples(index=False):
        n_by = {"student_grade5": r.n_grade5, "student_grade8": r.n_grade8, "guardian": r.n_students,
                "teacher": r.n_teachers}
        for resp, n in n_by.items():
            if n <= 0:
                continue
            n_resp = int(rng.binomial(int(n), RESPONSE_RATE[resp]))
            if n_resp == 0:
                continue
            for area in AREAS:
                mean, sd = cal.SURVEY_MEANS[(resp, area)]
                v = (mean + sd * (0.7 * climate[r.school_id] + 1.2 * (r.share_post_secondary - 0.6))
                     + rng.normal(0, 1.6 / np.sqrt(n_resp)) + rng.normal(0, 0.15 * sd))
                value = float(np.clip(np.round(v, 1), 0, 10))
                rows.append((r.school_id, int(r.school_year), resp, area, value, n_resp))
    return pd.DataFrame(rows, columns=["school_id", "school_year", "respondent", "area", "value", "n_respondents"])

"""Teachers of Exempelstad's schools, followed over the years with turnover.

Each school needs about one full-time teacher per ``calibration.STUDENTS_PER_TEACHER`` students.
Teachers stay or leave each year (leaving is likelier at schools with a low share of
post-secondary-educated parents); leavers are replaced by new hires. A hire is certified with
probability SHARE_CERTIFIED + slope * (share_ps - national share) (Underlag för analys 2024/25:
certified share rises from 64 % to 79 % across quintiles of parental education), plus a school
random effect; lead teachers (förstelärare) are drawn among experienced certified teachers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from likvard.demo import calibration as cal

TURNOVER_BASE = 0.11
TURNOVER_SLOPE = 0.25  # extra yearly leaving probability per unit share below the national share
SCHOOL_CERT_SD = 0.05
CERTIFY_PER_YEAR = 0.04  # uncertified teachers who become certified in a year
NEW_HIRE_CERT_GAP = 0.06  # new hires are less often certified than the staff as a whole
LEAD_INITIAL = 0.17  # among experienced certified teachers, first year
LEAD_PROMOTE = 0.045
LEAD_STEP_DOWN = 0.12


def make_staff(rng: np.random.Generator, students_per_school_year: pd.DataFrame, id_prefix: str = "P") -> pd.DataFrame:
    """Staff table (``staff_id, school_year, school_id, certified, lead_teacher, fte, experience_years``).

    ``students_per_school_year`` has ``school_id, school_year, n_students, share_post_secondary``.
    """
    df = students_per_school_year.sort_values(["school_year", "school_id"])
    school_ids = sorted(df["school_id"].unique())
    school_re = dict(zip(school_ids, rng.normal(0, SCHOOL_CERT_SD, len(school_ids))))
    # per school: arrays id, certified, lead, fte, experience
    staff_at: dict[str, tuple[np.ndarray, ...]] = {}
    next_id = 1
    first = df["school_year"].min()
    cols: dict[str, list] = {k: [] for k in ("id", "year", "school", "cert", "lead", "fte", "exp")}
    for r in df.itertuples(index=False):
        first_year = r.school_year == first
        need = max(1.0, r.n_students / cal.STUDENTS_PER_TEACHER)
        ps = r.share_post_secondary
        p_cert = np.clip(cal.SHARE_CERTIFIED + cal.CERTIFIED_SLOPE_PER_SHARE_POST_SECONDARY
                         * (ps - cal.NATIONAL_SHARE_POST_SECONDARY) + school_re[r.school_id], 0.3, 0.97)
        if r.school_id in staff_at:
            ids, cert, lead, fte, exp = staff_at[r.school_id]
            p_leave = TURNOVER_BASE + TURNOVER_SLOPE * max(0.0, cal.NATIONAL_SHARE_POST_SECONDARY - ps)
            stay = rng.random(len(ids)) >= p_leave
            ids, cert, lead, fte, exp = ids[stay], cert[stay], lead[stay], fte[stay], exp[stay] + 1.0
            cert = cert | (rng.random(len(ids)) < CERTIFY_PER_YEAR)  # some obtain their certification
        else:
            ids, cert, lead = np.zeros(0, dtype=object), np.zeros(0, dtype=bool), np.zeros(0, dtype=bool)
            fte, exp = np.zeros(0), np.zeros(0)
        if fte.sum() > need + 1.0:  # shrink: the last hired leave
            keep = np.cumsum(fte) <= need + 0.5
            ids, cert, lead, fte, exp = ids[keep], cert[keep], lead[keep], fte[keep], exp[keep]
        n_new = int(np.ceil(max(0.0, need - fte.sum()) / 0.9))
        if n_new:
            new_fte = np.where(rng.random(n_new) < 0.8, 1.0, rng.choice([0.5, 0.6, 0.75, 0.8], n_new))
            new_cert = rng.random(n_new) < (p_cert if first_year else p_cert - NEW_HIRE_CERT_GAP)
            ids = np.concatenate([ids, np.array([f"{id_prefix}{next_id + k:06d}" for k in range(n_new)], dtype=object)])
            cert = np.concatenate([cert, new_cert])
            lead = np.concatenate([lead, np.zeros(n_new, dtype=bool)])
            fte = np.concatenate([fte, new_fte])
            exp = np.concatenate([exp, np.round(rng.gamma(2.0, 5.0, n_new))])
            next_id += n_new
        # lead teachers: yearly promotions among experienced certified teachers, some step down;
        # stationary share about SHARE_LEAD_TEACHERS (initial staff drawn at that share)
        u = rng.random(len(ids))
        p_promote = LEAD_INITIAL if first_year else LEAD_PROMOTE
        lead = np.where(lead, u >= LEAD_STEP_DOWN, cert & (exp >= 5) & (u < p_promote)) & cert
        staff_at[r.school_id] = (ids, cert, lead, fte, exp)
        for key, val in (("id", ids), ("cert", cert), ("lead", lead), ("fte", fte), ("exp", exp)):
            cols[key].append(val)
        cols["year"].append(np.full(len(ids), int(r.school_year)))
        cols["school"].append(np.full(len(ids), r.school_id, dtype=object))
    cat = {k: np.concatenate(v) for k, v in cols.items()}
    return pd.DataFrame({"staff_id": cat["id"], "school_year": cat["year"].astype(np.int64), "school_id": cat["school"],
                         "certified": cat["cert"].astype(bool), "lead_teacher": cat["lead"].astype(bool),
                         "fte": cat["fte"].astype(float), "experience_years": cat["exp"].astype(float)})

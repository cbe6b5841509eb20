"""``generate_national``: one school year for a synthetic Sweden, for benchmarks.

Same tables and columns as Exempelstad, built fully vectorised. Simplifications compared with
``generate_exempelstad`` (recorded in ``truth["simplifications"]``):

- one school year, no panel; students are drawn independently (each is its own ``sibling_group``,
  so the ``sibling`` feature is always 0);
- municipalities have lognormal sizes (a few large cities, many small ones) and are placed at
  random inside Sweden's SWEREF99 TM extent; each has areas with a smooth advantage gradient;
- each student chooses among the ``K_NEAREST`` nearest schools offering the grade with the same
  exploded logit (``share_post_secondary`` is the share in the school's surrounding areas instead
  of last year's share at the school); the ranking is drawn for every student, recorded in
  ``choices`` for entry grades 0 and 7, and every student is placed at the first choice (no
  capacities, no deferred acceptance); capacities are then set to the resulting enrolment plus
  a margin;
- staff and survey are drawn per school without turnover.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from likvard.demo import calibration as cal
from likvard.demo import choice, results
from likvard.demo.exempelstad import SCHOOL_COLUMNS, STUDENT_COLUMNS
from likvard.demo.population import (FOREIGN_BG_INTERCEPT, FOREIGN_BG_SLOPE, POST_SECONDARY_ADVANTAGE,
                                     POST_SECONDARY_FOREIGN, POST_SECONDARY_INTERCEPT)
from likvard.demo.truth import DemoData

K_NEAREST = 6
STUDENTS_PER_AREA = 250
N_MUNICIPALITIES = 290
SPAN_X = (300_000.0, 900_000.0)
SPAN_Y = (6_150_000.0, 7_500_000.0)
SCHOOL_KINDS = ((0, 6, 0.55), (7, 9, 0.18), (0, 9, 0.27))  # grade_min, grade_max, share of schools
SHARE_INDEPENDENT_SCHOOLS = 0.17
NATIONAL_FOREIGN_SHIFT = -0.30  # the country has fewer foreign-background students than Exempelstad (27-29 %)
NATIONAL_POST_SECONDARY_SHIFT = 0.25  # and more post-secondary parents (64-65 %); see calibration.py


def _logistic(z):
    return 1.0 / (1.0 + np.exp(-z))


def generate_national(seed: int = 1, n_schools: int = 5000, n_students: int = 1_100_000,
                      school_year: int = 2024) -> DemoData:
    """A synthetic country: ``n_schools`` school units and ``n_students`` students in one year."""
    if n_schools < 3 or n_students < n_schools:
        raise ValueError("need at least 3 schools and at least as many students as schools")
    rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(1)[0])
    n_mun = int(np.clip(n_schools // 17, 1, N_MUNICIPALITIES))
    size = rng.lognormal(0.0, 1.0, n_mun)
    size /= size.sum()
    mun_code = np.array([f"{c:04d}" for c in rng.choice(np.arange(114, 2585), n_mun, replace=False)])
    mx = rng.uniform(*SPAN_X, n_mun)
    my = rng.uniform(*SPAN_Y, n_mun)
    theta0 = rng.uniform(0, 2 * np.pi, n_mun)

    # areas
    n_areas = max(n_mun, n_students // STUDENTS_PER_AREA)
    a_mun = np.concatenate([np.arange(n_mun), rng.choice(n_mun, n_areas - n_mun, p=size)])
    a_mun.sort()
    per_mun = np.bincount(a_mun, minlength=n_mun)
    radius = 1500.0 * np.sqrt(per_mun)  # ~ constant density
    u, ang = rng.random(n_areas), rng.uniform(0, 2 * np.pi, n_areas)
    r = radius[a_mun] * np.sqrt(u)
    ax, ay = mx[a_mun] + r * np.cos(ang), my[a_mun] + r * np.sin(ang)
    adv = np.cos(ang - theta0[a_mun]) * (0.4 + 0.8 * np.sqrt(u)) + rng.normal(0, cal.AREA_ADVANTAGE_NOISE_SD, n_areas)
    adv = (adv - adv.mean()) / adv.std()
    order = np.argsort(np.argsort(adv))
    area_type = 1 + np.searchsorted(np.cumsum(cal.AREA_TYPE_SHARES) * n_areas, order + 0.5)
    first_area = np.cumsum(per_mun) - per_mun
    a_local = np.arange(n_areas) - first_area[a_mun]
    area_id = np.char.add(np.char.add(mun_code[a_mun], "C"), np.char.zfill((a_local + 1).astype(str), 4))

    # students
    w = np.where(area_type <= 2, 1.5, 1.0) * rng.lognormal(0, 0.25, n_areas)
    s_area = rng.choice(n_areas, n_students, p=w / w.sum())
    s_adv = adv[s_area]
    hx = np.round(ax[s_area] + rng.normal(0, 380.0, n_students))
    hy = np.round(ay[s_area] + rng.normal(0, 380.0, n_students))
    grade = rng.integers(0, 10, n_students)
    z_fb = FOREIGN_BG_INTERCEPT + NATIONAL_FOREIGN_SHIFT + FOREIGN_BG_SLOPE * s_adv
    foreign = rng.random(n_students) < _logistic(z_fb)
    years_here = rng.exponential(24.0, n_students)
    age = grade + 6.5
    born_abroad = foreign & (years_here < age)
    newly = born_abroad & (years_here < 4)
    mig = np.where(~foreign, 0, np.where(born_abroad, 2, 1))
    p_ps = _logistic(POST_SECONDARY_INTERCEPT + NATIONAL_POST_SECONDARY_SHIFT + POST_SECONDARY_ADVANTAGE * s_adv
                     + POST_SECONDARY_FOREIGN * foreign)
    p_unknown = np.where(newly, 0.15, np.where(foreign, 0.04, 0.01))
    p_comp = (1 - p_ps) * _logistic(-1.6 - 0.6 * s_adv + 1.4 * foreign)
    uu = rng.random(n_students)
    edu = np.where(uu < p_unknown, 3, np.where(uu < p_unknown + p_ps * (1 - p_unknown), 2,
                   np.where(uu < p_unknown + (p_ps + p_comp) * (1 - p_unknown), 0, 1)))
    post_sec = edu == 2
    sex = np.where(rng.random(n_students) < 0.487, "F", "M")

    # schools: at least one per municipality, the rest by size; located at (weighted) areas
    sch_mun = np.concatenate([np.arange(n_mun), rng.choice(n_mun, n_schools - n_mun, p=size)]) if n_schools >= n_mun \
        else rng.choice(n_mun, n_schools, p=size)
    sch_mun.sort()
    area_w = np.bincount(s_area, minlength=n_areas).astype(float) + 1e-9
    mun_area_sum = np.bincount(a_mun, weights=area_w, minlength=n_mun)
    # pick an area per school inside its municipality: inverse-CDF on the municipality's areas
    cum = np.cumsum(area_w)
    lo = np.concatenate([[0.0], cum])[first_area[sch_mun]]
    pick = lo + rng.random(n_schools) * mun_area_sum[sch_mun]
    sch_area = np.minimum(np.searchsorted(cum, pick), n_areas - 1)
    sx = np.round(ax[sch_area] + rng.normal(0, 250.0, n_schools))
    sy = np.round(ay[sch_area] + rng.normal(0, 250.0, n_schools))
    kind = rng.choice(len(SCHOOL_KINDS), n_schools, p=[k[2] for k in SCHOOL_KINDS])
    gmin = np.array([k[0] for k in SCHOOL_KINDS])[kind]
    gmax = np.array([k[1] for k in SCHOOL_KINDS])[kind]
    # every municipality offers both stages: its first school is F-9
    first_school = np.searchsorted(sch_mun, np.arange(n_mun))
    first_school = first_school[first_school < n_schools]
    gmin[first_school], gmax[first_school] = 0, 9
    independent = rng.random(n_schools) < SHARE_INDEPENDENT_SCHOOLS
    independent[first_school] = False
    profile = independent & (rng.random(n_schools) < 0.3)
    sch_ids = rng.choice(89_999_999, n_schools, replace=False) + 10_000_000
    school_ids = np.char.zfill(sch_ids.astype(str), 8)

    # area-based composition around each school (feature share_post_secondary)
    area_ps = np.bincount(s_area, weights=post_sec, minlength=n_areas) / np.maximum(area_w, 1)
    share_feature = area_ps[sch_area]

    # choice among the K nearest schools offering the grade (lower stage 0-6, upper 7-9)
    beta = dict(choice.CHOICE_PARAMETERS)
    school = np.empty(n_students, dtype=np.int64)
    home = np.empty(n_students, dtype=np.int64)
    rankings = []
    for stage, (g_lo, g_hi) in enumerate(((0, 6), (7, 9))):
        offers = np.flatnonzero((gmin <= g_lo) & (gmax >= g_hi))
        who = np.flatnonzero((grade >= g_lo) & (grade <= g_hi))
        k = min(K_NEAREST, len(offers))
        dist, idx = cKDTree(np.column_stack([sx[offers], sy[offers]])).query(np.column_stack([hx[who], hy[who]]), k=k)
        dist, idx = dist.reshape(len(who), k) / 1000.0, offers[idx.reshape(len(who), k)]
        feats = choice.features(dist, post_sec[who], np.zeros_like(dist), np.zeros(k), np.zeros(k), np.zeros(k))
        feats["share_post_secondary"] = share_feature[idx]
        feats["share_post_secondary_x_post_secondary"] = share_feature[idx] * post_sec[who, None]
        feats["independent"] = independent[idx].astype(float)
        feats["profile"] = profile[idx].astype(float)
        top = choice.draw_rankings(rng, feats, beta)
        chosen = np.take_along_axis(idx, top, axis=1)
        school[who] = chosen[:, 0]
        home[who] = idx[:, 0]
        entry = grade[who] == (0 if stage == 0 else 7)
        rankings.append((who[entry], chosen[entry]))

    # composition, results
    n_at = np.bincount(school, minlength=n_schools)
    share_ps = np.bincount(school, weights=post_sec, minlength=n_schools) / np.maximum(n_at, 1)
    has9 = gmax == 9
    effects = results.school_effects(rng, n_schools, has9)
    g9 = np.flatnonzero(grade == 9)
    pe_codes = np.array(("compulsory", "upper_secondary", "post_secondary", "unknown"), dtype=object)
    mig_codes = np.array(("swedish", "born_in_sweden_foreign_parents", "foreign_born"), dtype=object)
    latent = results.merit_latent(rng, pe_codes[edu[g9]], mig_codes[mig[g9]], newly[g9], sex[g9],
                                  share_ps[school[g9]], effects[school[g9]], np.zeros(len(g9)))
    merit, eligible = results.merit_and_eligibility(rng, latent)
    mv = np.full(n_students, np.nan)
    mv[g9] = merit
    el = np.zeros(n_students, dtype=bool)
    el[g9] = eligible
    el_mask = np.ones(n_students, dtype=bool)
    el_mask[g9] = False

    student_ids = np.char.add("N", np.char.zfill(np.arange(1, n_students + 1).astype(str), 7))
    students = pd.DataFrame({
        "student_id": pd.array(student_ids, dtype="str"),
        "school_year": np.full(n_students, school_year, dtype=np.int64),
        "school_id": pd.array(school_ids[school], dtype="str"),
        "grade": grade.astype(np.int64),
        "sex": pd.array(sex, dtype="str"),
        "parent_education": pd.array(pe_codes[edu].astype(str), dtype="str"),
        "migration_background": pd.array(mig_codes[mig].astype(str), dtype="str"),
        "newly_arrived": newly,
        "home_x": hx, "home_y": hy,
        "home_area": pd.array(area_id[s_area], dtype="str"),
        "sibling_group": pd.array(student_ids, dtype="str"),
        "protected_identity": rng.random(n_students) < 0.004,
        "merit_value": mv,
        "eligible": pd.arrays.BooleanArray(el, el_mask),
    })[STUDENT_COLUMNS]

    who = np.concatenate([r[0] for r in rankings])
    ranked = np.concatenate([r[1] for r in rankings])
    k = ranked.shape[1]
    choices = pd.DataFrame({
        "student_id": pd.array(np.repeat(student_ids[who], k), dtype="str"),
        "school_year": school_year,
        "grade": np.repeat(grade[who], k).astype(np.int64),
        "rank": np.tile(np.arange(1, k + 1), len(who)).astype(np.int64),
        "school_id": pd.array(school_ids[ranked.ravel()], dtype="str"),
    })

    per_grade = np.zeros((n_schools, 10))
    np.add.at(per_grade, (school, grade), 1)
    cap = np.ceil(per_grade * 1.1 / 5) * 5
    schools = pd.DataFrame({
        "school_id": pd.array(school_ids, dtype="str"), "school_year": school_year,
        "name": pd.array([f"Skola {i + 1}" for i in range(n_schools)], dtype="str"),
        "organiser": pd.array(np.where(independent, np.char.add("Friskola AB ", (np.arange(n_schools) % 400).astype(str)),
                                       np.char.add("Kommun ", mun_code[sch_mun])), dtype="str"),
        "organiser_type": pd.array(np.where(independent, "independent", "municipal"), dtype="str"),
        "municipality_code": pd.array(mun_code[sch_mun], dtype="str"),
        "x": sx, "y": sy, "grade_min": gmin.astype(np.int64), "grade_max": gmax.astype(np.int64),
        "profile": pd.array(np.where(profile, "profil", ""), dtype="str"),
    })
    for g in range(10):
        offered = (gmin <= g) & (gmax >= g)
        schools[f"capacity_{g}"] = pd.array(np.where(offered, cap[:, g], np.nan), dtype="Float64").astype("Int64")
    schools = schools[SCHOOL_COLUMNS]

    staff = _staff(rng, n_at, share_ps, school_ids, school_year)
    survey = _survey(rng, n_at, per_grade, share_ps, effects, school_ids, school_year)
    areas = pd.DataFrame({"area_id": pd.array(area_id, dtype="str"),
                          "name": pd.array(np.char.add("Område ", area_id), dtype="str"),
                          "area_type": area_type.astype(np.int64), "x": np.round(ax), "y": np.round(ay)})
    truth = {
        "seed": seed, "school_year": school_year,
        "school_effects": pd.DataFrame({"school_id": school_ids, "effect": effects}),
        "merit_model": dict(results.MERIT_MODEL),
        "composition_effect": results.MERIT_MODEL["composition_effect"],
        "eligibility_model": dict(results.ELIGIBILITY_MODEL),
        "choice_parameters": beta,
        "home_school": pd.DataFrame({"student_id": students["student_id"], "school_year": school_year,
                                     "school_id": pd.array(school_ids[home], dtype="str")}),
        "interventions": pd.DataFrame({"school_id": pd.Series(dtype="str"), "start_year": pd.Series(dtype="int64"),
                                       "effect": pd.Series(dtype=float)}),
        "municipalities": pd.DataFrame({"municipality_code": mun_code, "size_weight": size}),
        "simplifications": [
            "one school year, no panel; no siblings (sibling feature always 0)",
            f"choice among the {K_NEAREST} nearest schools offering the grade; share_post_secondary from the "
            "school's surrounding area, not last year's students",
            "every student placed at the first choice (no capacities, no deferred acceptance); capacities set "
            "afterwards to enrolment + 10 %",
            "staff and survey drawn per school without turnover",
        ],
    }
    return DemoData(schools=schools, students=students, choices=choices, staff=staff, survey=survey, areas=areas,
                    name="Riket (syntetiskt)", truth=truth)


def _staff(rng, n_at, share_ps, school_ids, school_year) -> pd.DataFrame:
    n_teach = np.maximum(1, np.round(n_at / cal.STUDENTS_PER_TEACHER / 0.95)).astype(np.int64)
    sch = np.repeat(np.arange(len(n_at)), n_teach)
    n = len(sch)
    p_cert = np.clip(cal.SHARE_CERTIFIED + cal.CERTIFIED_SLOPE_PER_SHARE_POST_SECONDARY
                     * (share_ps - cal.NATIONAL_SHARE_POST_SECONDARY) + rng.normal(0, 0.05, len(n_at)), 0.3, 0.97)
    certified = rng.random(n) < p_cert[sch]
    exp_years = np.round(rng.gamma(2.0, 6.0, n))
    lead = certified & (exp_years >= 5) & (rng.random(n) < 0.17)
    fte = np.where(rng.random(n) < 0.8, 1.0, rng.choice([0.5, 0.6, 0.75, 0.8], n))
    ids = np.char.add("NP", np.char.zfill(np.arange(1, n + 1).astype(str), 7))
    return pd.DataFrame({"staff_id": pd.array(ids, dtype="str"), "school_year": school_year,
                         "school_id": pd.array(school_ids[sch], dtype="str"), "certified": certified,
                         "lead_teacher": lead, "fte": fte, "experience_years": exp_years})


def _survey(rng, n_at, per_grade, share_ps, effects, school_ids, school_year) -> pd.DataFrame:
    frames = []
    climate = rng.normal(0, 0.6, len(n_at)) + 0.06 * effects
    counts = {"student_grade5": per_grade[:, 5], "student_grade8": per_grade[:, 8], "guardian": n_at.astype(float),
              "teacher": n_at / cal.STUDENTS_PER_TEACHER}
    rates = {"student_grade5": 0.85, "student_grade8": 0.85, "guardian": 0.45, "teacher": 0.8}
    for resp, cnt in counts.items():
        n_resp = rng.binomial(np.round(cnt).astype(np.int64), rates[resp])
        ok = np.flatnonzero(n_resp > 0)
        for area in ("trygghet", "studiero", "stod"):
            mean, sd = cal.SURVEY_MEANS[(resp, area)]
            v = (mean + sd * (0.7 * climate[ok] + 1.2 * (share_ps[ok] - 0.6)) + rng.normal(0, 1.6 / np.sqrt(n_resp[ok]))
                 + rng.normal(0, 0.15 * sd, len(ok)))
            frames.append(pd.DataFrame({"school_id": pd.array(school_ids[ok], dtype="str"), "school_year": school_year,
                                        "respondent": resp, "area": area, "value": np.clip(np.round(v, 1), 0, 10),
                                        "n_respondents": n_resp[ok].astype(np.int64)}))
    return pd.concat(frames, ignore_index=True)

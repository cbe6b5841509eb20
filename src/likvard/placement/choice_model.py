"""How families rank schools: a rank-ordered (exploded) conditional logit.

Utility of school j for family i: ``U_ij = sum_k beta_k x_ijk + e_ij`` with e_ij i.i.d. standard
Gumbel. A ranked list r_1, r_2, ... then has probability (Beggs, Cardell and Hausman 1981;
Train, *Discrete Choice Methods with Simulation*, 2009, ch. 7.3)

    P = prod_k exp(V_{i r_k}) / sum_{j in A_i minus {r_1..r_{k-1}}} exp(V_ij),

the product of conditional logits over the alternatives still left. The log-likelihood is
maximised with ``scipy.optimize`` using its analytic gradient and Hessian; standard errors are the
square roots of the diagonal of the inverse negative Hessian at the optimum. Fit: log-likelihood,
McFadden's pseudo-R² ``1 - LL / LL_0`` (LL_0: all beta = 0, every remaining school equally likely)
and the hit rate (share of families whose first choice has the highest fitted utility).

Drawing ranked lists under a scenario: add Gumbel noise to V and sort, which draws exactly from the
exploded logit (Luce-Plackett).

Features (names of the shared contract): ``distance_km`` straight-line km home -> school;
``distance_km_x_post_secondary``; ``sibling`` (a student with the same ``sibling_group`` attends
the school that year, in another grade, and was there before the applicant was placed: see
``sibling_pairs``); ``share_post_secondary`` (school's share of students with
post-secondary-educated parents in the previous school year; the same year when there is none);
``share_post_secondary_x_post_secondary``; ``independent``; ``profile``. Optional extra features:
``merit_value`` (school's mean grade-9 merit value previous year, in 100 points) and
``distance_km_x_foreign_born``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numba
import numpy as np
import pandas as pd

from likvard.errors import DataError, ParameterError
from likvard.validation import (
    Array,
    Frame,
    InstanceOf,
    Integer,
    Mapping,
    Nullable,
    validate_params,
)

CONTRACT_FEATURES = (
    "distance_km",
    "distance_km_x_post_secondary",
    "sibling",
    "share_post_secondary",
    "share_post_secondary_x_post_secondary",
    "independent",
    "profile",
)
EXTRA_FEATURES = ("merit_value", "distance_km_x_foreign_born")


@dataclass
class ChoiceData:
    """One choice situation (or several stacked): families x schools x features.

    ``X`` float (n x m x K); ``available`` bool (n x m); ``ranked`` int (n x R) school indices best
    first, -1 padded (may have zero columns when only drawing).
    """

    X: np.ndarray
    available: np.ndarray
    ranked: np.ndarray
    feature_names: list[str]
    student_ids: np.ndarray
    school_ids: np.ndarray
    school_years: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))

    @property
    def n_students(self) -> int:
        return self.X.shape[0]


@dataclass
class ChoiceModelFit:
    """Estimates and fit of the exploded logit."""

    params: pd.DataFrame  # feature, estimate, std_error, z
    log_likelihood: float
    log_likelihood_null: float
    mcfadden_r2: float
    hit_rate: float
    n_families: int
    n_ranks: int
    converged: bool
    covariance: np.ndarray

    @property
    def beta(self) -> dict[str, float]:
        return dict(zip(self.params["feature"], self.params["estimate"], strict=True))


def _post_secondary(students: pd.DataFrame) -> np.ndarray:
    return (students["parent_education"].astype(str) == "post_secondary").to_numpy()


def school_shares(students: pd.DataFrame) -> pd.DataFrame:
    """Per school and year: ``n_students`` and ``share_post_secondary`` (0-1)."""
    df = pd.DataFrame(
        {
            "school_id": students["school_id"].astype(str).to_numpy(),
            "school_year": students["school_year"].astype(int).to_numpy(),
            "ps": _post_secondary(students).astype(float),
        }
    )
    g = df.groupby(["school_id", "school_year"], sort=True)["ps"]
    return g.agg(n_students="size", share_post_secondary="mean").reset_index()


def offering_schools(schools: pd.DataFrame, school_year: int, grade: int) -> pd.DataFrame:
    """Schools of ``school_year`` whose grade span includes ``grade`` (sorted by school_id)."""
    s = schools[schools["school_year"].astype(int) == int(school_year)]
    s = s[(s["grade_min"].astype(int) <= grade) & (s["grade_max"].astype(int) >= grade)]
    return s.sort_values("school_id").reset_index(drop=True)


ENTRY_GRADES = (0, 7)

CHOICE_COLUMNS = ("student_id", "school_year", "grade", "rank", "school_id")


def ranked_lists(
    choices: pd.DataFrame,
    applicant_ids: np.ndarray,
    school_ids: np.ndarray,
    all_school_ids: np.ndarray,
    school_year: int,
    grade: int,
) -> np.ndarray:
    """Each applicant's ranked schools (rows of ``applicant_ids``, columns best first, school
    indices into ``school_ids``, -1 padded) from the ``choices`` of ``school_year`` and ``grade``.

    Refused (``ParameterError`` naming the row): a rank that is not a whole number >= 1, a
    student who is not an applicant of the round, a school unknown that year or not offering
    the grade, two schools with the same rank, the same school twice.
    """
    missing = [c for c in CHOICE_COLUMNS if c not in choices.columns]
    if missing:
        raise ParameterError("choices", f"kolumnen {missing[0]!r} saknas.")
    year = pd.to_numeric(choices["school_year"], errors="coerce").to_numpy()
    grd = pd.to_numeric(choices["grade"], errors="coerce").to_numpy()
    ch = choices[(year == school_year) & (grd == grade)]
    n = len(applicant_ids)
    if ch.empty:
        return np.full((n, 0), -1, dtype=np.int32)
    sid = ch["student_id"].astype(str).to_numpy()

    def where(k: int) -> str:
        return f"raden {ch.index[k]!r} (elev {sid[k]}, rang {ch['rank'].iloc[k]!r})"

    school = ch["school_id"].astype(str).to_numpy()
    rank = pd.to_numeric(ch["rank"], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(rank) | (rank < 1) | (rank != np.floor(rank))
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise ParameterError("choices", f"{where(k)}: rangen ska vara ett heltal ≥ 1.")
    r = pd.Index(np.asarray(applicant_ids, dtype=str)).get_indexer(sid)
    if (r < 0).any():
        k = int(np.flatnonzero(r < 0)[0])
        raise ParameterError(
            "choices", f"{where(k)}: eleven finns inte bland eleverna i årskurs {grade} läsåret {school_year}."
        )
    c = pd.Index(np.asarray(school_ids, dtype=str)).get_indexer(school)
    if (c < 0).any():
        k = int(np.flatnonzero(c < 0)[0])
        known = school[k] in set(np.asarray(all_school_ids, dtype=str))
        reason = (f"skolenheten {school[k]} erbjuder inte årskurs {grade}" if known
                  else f"skolenheten {school[k]} finns inte i skoltabellen")
        raise ParameterError("choices", f"{where(k)}: {reason} läsåret {school_year}.")
    for key, what in (((r, rank), "två skolor med samma rang"), ((r, c), "samma skolenhet två gånger")):
        frame = pd.DataFrame({"a": key[0], "b": key[1]})
        dup = frame.duplicated(keep=False).to_numpy()
        if dup.any():
            k = int(np.flatnonzero(dup)[1])
            raise ParameterError("choices", f"{where(k)}: eleven har {what}.")
    order = np.lexsort((rank, r))
    r, c = r[order], c[order]
    pos = pd.Series(r).groupby(r).cumcount().to_numpy()
    out = np.full((n, int(pos.max()) + 1), -1, dtype=np.int32)
    out[r, pos] = c
    return out


def sibling_pairs(
    applicants: pd.DataFrame,
    students: pd.DataFrame,
    school_ids: np.ndarray,
    school_year: int,
    definition: str = "already_there",
    entry_grades: tuple[int, ...] = ENTRY_GRADES,
) -> pd.DataFrame:
    """Applicant row, school column and grade of each sibling (same ``sibling_group``, another
    grade) attending one of ``school_ids`` in ``school_year``.

    ``definition="same_year"``: every such sibling. ``"already_there"`` (default): only siblings
    already at the school when the applicant is placed: those in a non-entry grade who were at
    the same school the previous year, and those placed earlier in the same round (a higher entry
    grade: grade 7 is placed before grade 0). Without previous-year data, siblings in higher grades.
    """
    empty = pd.DataFrame({"row": np.zeros(0, int), "col": np.zeros(0, int), "grade_sib": np.zeros(0, int)})
    if "sibling_group" not in applicants or "sibling_group" not in students:
        return empty
    yr = students["school_year"].astype(int)
    year = students[yr == int(school_year)]
    year = year[year["sibling_group"].notna() & (year["sibling_group"].astype(str) != "")]
    col = {sid: j for j, sid in enumerate(school_ids)}
    sibs = pd.DataFrame(
        {
            "sibling_group": year["sibling_group"].astype(str).to_numpy(),
            "sib_id": year["student_id"].astype(str).to_numpy(),
            "grade_sib": year["grade"].astype(int).to_numpy(),
            "school_now": year["school_id"].astype(str).to_numpy(),
            "col": year["school_id"].astype(str).map(col).to_numpy(),
        }
    ).dropna(subset=["col"])
    app = pd.DataFrame(
        {
            "row": np.arange(len(applicants)),
            "sibling_group": applicants["sibling_group"].astype(str).to_numpy(),
            "grade": applicants["grade"].astype(int).to_numpy(),
            "valid": applicants["sibling_group"].notna().to_numpy(),
        }
    )
    merged = app[app["valid"]].merge(sibs, on="sibling_group")
    merged = merged[merged["grade_sib"] != merged["grade"]]
    if definition == "already_there" and len(merged):
        prev = students[yr == int(school_year) - 1]
        if len(prev):
            before = prev.assign(student_id=prev["student_id"].astype(str)).drop_duplicates("student_id")
            before = before.set_index("student_id")["school_id"].astype(str)
            stayed = merged["sib_id"].map(before).to_numpy() == merged["school_now"].to_numpy()
            entry = merged["grade_sib"].isin(entry_grades).to_numpy()
            keep = (~entry & stayed) | (entry & (merged["grade_sib"] > merged["grade"]).to_numpy())
        else:
            keep = (merged["grade_sib"] > merged["grade"]).to_numpy()
        merged = merged[keep]
    elif definition not in ("already_there", "same_year"):
        raise ParameterError("definition", f"tillåtna värden är 'already_there', 'same_year'; fick {definition!r}.")
    return pd.DataFrame(
        {"row": merged["row"].to_numpy(int), "col": merged["col"].to_numpy().astype(int), "grade_sib": merged["grade_sib"].to_numpy(int)}
    )


def sibling_matrix(
    applicants: pd.DataFrame, students: pd.DataFrame, school_ids: np.ndarray, school_year: int,
    definition: str = "already_there",
) -> np.ndarray:
    """Bool (n_applicants x n_schools): a sibling attends the school (see ``sibling_pairs``)."""
    out = np.zeros((len(applicants), len(school_ids)), dtype=bool)
    pairs = sibling_pairs(applicants, students, school_ids, school_year, definition)
    out[pairs["row"].to_numpy(), pairs["col"].to_numpy()] = True
    return out


def sibling_grade_bits(
    applicants: pd.DataFrame, students: pd.DataFrame, school_ids: np.ndarray, school_year: int,
    definition: str = "already_there",
) -> np.ndarray:
    """Int32 (n_applicants x n_schools): bit g set when a sibling in grade g attends the school."""
    out = np.zeros((len(applicants), len(school_ids)), dtype=np.int32)
    pairs = sibling_pairs(applicants, students, school_ids, school_year, definition)
    np.bitwise_or.at(out, (pairs["row"].to_numpy(), pairs["col"].to_numpy()), (1 << pairs["grade_sib"].to_numpy()).astype(np.int32))
    return out


def distance_km_matrix(applicants: pd.DataFrame, schools: pd.DataFrame) -> np.ndarray:
    """Straight-line km (n x m) from ``home_x, home_y`` to school ``x, y`` (SWEREF99 TM)."""
    hx = applicants["home_x"].to_numpy(dtype=float)[:, None]
    hy = applicants["home_y"].to_numpy(dtype=float)[:, None]
    sx = schools["x"].to_numpy(dtype=float)[None, :]
    sy = schools["y"].to_numpy(dtype=float)[None, :]
    return np.hypot(hx - sx, hy - sy) / 1000.0


def feature_tensor(
    distance_km: np.ndarray,
    sibling: np.ndarray,
    post_secondary: np.ndarray,
    share_post_secondary: np.ndarray,
    independent: np.ndarray,
    profile: np.ndarray,
    features: tuple[str, ...] = CONTRACT_FEATURES,
    merit_value: np.ndarray | None = None,
    foreign_born: np.ndarray | None = None,
    distance_weight: np.ndarray | None = None,
) -> np.ndarray:
    """Stack the contract features into X (n x m x K).

    ``distance_weight`` (n) multiplies the distance terms (bus cards: a family whose cost of
    distance is halved has weight 0.5).
    """
    n, m = distance_km.shape
    d = distance_km if distance_weight is None else distance_km * distance_weight[:, None]
    ps = post_secondary.astype(float)[:, None]
    cols = {
        "distance_km": lambda: d,
        "distance_km_x_post_secondary": lambda: d * ps,
        "sibling": lambda: sibling.astype(float),
        "share_post_secondary": lambda: np.broadcast_to(share_post_secondary[None, :], (n, m)),
        "share_post_secondary_x_post_secondary": lambda: share_post_secondary[None, :] * ps,
        "independent": lambda: np.broadcast_to(independent.astype(float)[None, :], (n, m)),
        "profile": lambda: np.broadcast_to(profile.astype(float)[None, :], (n, m)),
        "merit_value": lambda: np.broadcast_to(
            (np.zeros(m) if merit_value is None else merit_value)[None, :], (n, m)
        ),
        "distance_km_x_foreign_born": lambda: d
        * (np.zeros(n) if foreign_born is None else foreign_born.astype(float))[:, None],
    }
    unknown = [f for f in features if f not in cols]
    if unknown:
        raise ParameterError("features", f"okänd variabel i valmodellen: {unknown}; tillåtna: {sorted(cols)}.")
    return np.stack([np.asarray(cols[f](), dtype=float) for f in features], axis=2)


def school_attributes(
    schools_year: pd.DataFrame, students: pd.DataFrame, school_year: int
) -> dict[str, np.ndarray]:
    """``share_post_secondary`` (previous year, else same year, else the municipal mean),
    ``independent``, ``profile`` and ``merit_value`` (previous year's mean / 100) per school."""
    ids = schools_year["school_id"].astype(str).to_numpy()
    shares = school_shares(students)
    prev = shares[shares["school_year"] == school_year - 1].set_index("school_id")["share_post_secondary"]
    same = shares[shares["school_year"] == school_year].set_index("school_id")["share_post_secondary"]
    share = pd.Series(ids).map(prev)
    share = share.fillna(pd.Series(ids).map(same))
    fallback = float(_post_secondary(students).mean()) if len(students) else 0.0
    share = share.fillna(fallback).to_numpy(dtype=float)
    independent = (schools_year["organiser_type"].astype(str) == "independent").to_numpy()
    if "profile" in schools_year:
        prof = schools_year["profile"]
        profile = (prof.notna() & (prof.astype(str).str.strip() != "")).to_numpy()
    else:
        profile = np.zeros(len(ids), dtype=bool)
    merit = np.zeros(len(ids))
    if "merit_value" in students:
        st = students[(students["school_year"].astype(int) == school_year - 1) & students["merit_value"].notna()]
        means = st.groupby(st["school_id"].astype(str))["merit_value"].mean()
        merit = pd.Series(ids).map(means).fillna(means.mean() if len(means) else 0.0).to_numpy() / 100.0
    return {"share_post_secondary": share, "independent": independent, "profile": profile, "merit_value": merit}


_SCHOOLS = Frame(("school_id", "school_year", "grade_min", "grade_max", "organiser_type", "x", "y"),
                 expected="en skoltabell")
_STUDENTS = Frame(("student_id", "school_year", "school_id", "grade", "parent_education", "home_x", "home_y"),
                  expected="en elevtabell")


@validate_params(
    schools=_SCHOOLS,
    students=_STUDENTS,
    choices=Frame(CHOICE_COLUMNS, expected="en tabell med skolval"),
    school_year=Integer(min=1900, max=2200),
    grade=Integer(min=0, max=9),
)
def build_choice_data(
    schools: pd.DataFrame,
    students: pd.DataFrame,
    choices: pd.DataFrame,
    school_year: int,
    grade: int,
    *,
    features: tuple[str, ...] = CONTRACT_FEATURES,
) -> ChoiceData:
    """Families applying for ``grade`` in ``school_year`` with their ranked lists.

    Each applicant's home, parent education and sibling group come from their ``students`` row of
    the same school year; the ranked lists are checked as ``ranked_lists`` says.
    """
    ch = choices[(choices["school_year"].astype(int) == school_year) & (choices["grade"].astype(int) == grade)]
    if ch.empty:
        raise DataError(f"Det finns inga skolval för årskurs {grade} läsåret {school_year}.")
    sch = offering_schools(schools, school_year, grade)
    school_ids = sch["school_id"].astype(str).to_numpy()
    ids = np.array(sorted(ch["student_id"].astype(str).unique()))
    st = students[students["school_year"].astype(int) == school_year].copy()
    st["student_id"] = st["student_id"].astype(str)
    st = st.drop_duplicates("student_id").set_index("student_id")
    missing = pd.Index(ids).difference(st.index).to_numpy()
    if len(missing):
        raise DataError(
            f"{len(missing)} sökande saknas i elevtabellen läsåret {school_year} (t.ex. elev {missing[0]}); "
            "varje sökande behöver en elevrad med hemadress och vårdnadshavares utbildning."
        )
    app = st.loc[ids].reset_index()
    app["grade"] = grade
    all_ids = schools.loc[schools["school_year"].astype(int) == school_year, "school_id"].astype(str).to_numpy()
    ranked = ranked_lists(ch, ids, school_ids, all_ids, school_year, grade).astype(np.int64)
    attrs = school_attributes(sch, students, school_year)
    X = feature_tensor(
        distance_km_matrix(app, sch),
        sibling_matrix(app, students, school_ids, school_year),
        _post_secondary(app),
        attrs["share_post_secondary"],
        attrs["independent"],
        attrs["profile"],
        features=features,
        merit_value=attrs["merit_value"],
        foreign_born=(app["migration_background"].astype(str) == "foreign_born").to_numpy()
        if "migration_background" in app
        else None,
    )
    return ChoiceData(
        X=X,
        available=np.ones(X.shape[:2], dtype=bool),
        ranked=ranked,
        feature_names=list(features),
        student_ids=ids,
        school_ids=school_ids,
        school_years=np.full(len(ids), school_year),
    )


def stack(parts: list[ChoiceData]) -> ChoiceData:
    """Stack choice situations with different school sets (pads alternatives as unavailable)."""
    m = max(p.X.shape[1] for p in parts)
    r = max(p.ranked.shape[1] for p in parts)
    k = parts[0].X.shape[2]
    Xs, avs, rks = [], [], []
    for p in parts:
        n, mp, _ = p.X.shape
        X = np.zeros((n, m, k))
        X[:, :mp] = p.X
        av = np.zeros((n, m), dtype=bool)
        av[:, :mp] = p.available
        rk = np.full((n, r), -1, dtype=np.int64)
        rk[:, : p.ranked.shape[1]] = p.ranked
        Xs.append(X)
        avs.append(av)
        rks.append(rk)
    return ChoiceData(
        X=np.concatenate(Xs),
        available=np.concatenate(avs),
        ranked=np.concatenate(rks),
        feature_names=parts[0].feature_names,
        student_ids=np.concatenate([p.student_ids for p in parts]),
        school_ids=parts[0].school_ids if len(parts) == 1 else np.array([], dtype=str),
        school_years=np.concatenate([p.school_years for p in parts]),
    )


def _loglik_parts(beta: np.ndarray, X: np.ndarray, available: np.ndarray, ranked: np.ndarray):
    """Log-likelihood, gradient and Hessian of the exploded logit (analytic)."""
    n, _, k = X.shape
    V = X @ beta
    V = np.where(available, V, -np.inf)
    remaining = available.copy()
    rows = np.arange(n)
    ll = 0.0
    grad = np.zeros(k)
    hess = np.zeros((k, k))
    for r in range(ranked.shape[1]):
        chosen = ranked[:, r]
        ok = chosen >= 0
        if not ok.any():
            break
        idx = rows[ok]
        c = chosen[ok]
        Vr = np.where(remaining[idx], V[idx], -np.inf)
        vmax = Vr.max(axis=1, keepdims=True)
        e = np.exp(Vr - vmax)
        s = e.sum(axis=1, keepdims=True)
        p = e / s
        ll += float((V[idx, c] - vmax[:, 0] - np.log(s[:, 0])).sum())
        Xi = X[idx]
        xbar = np.einsum("nj,njk->nk", p, Xi)
        grad += (X[idx, c] - xbar).sum(axis=0)
        dev = (Xi - xbar[:, None, :]).reshape(-1, k)
        hess -= (dev * p.reshape(-1, 1)).T @ dev
        remaining[idx, c] = False
    return ll, grad, hess


def log_likelihood(beta: np.ndarray, data: ChoiceData) -> float:
    """Exploded-logit log-likelihood of ``data`` at ``beta``."""
    return _loglik_parts(np.asarray(beta, float), data.X, data.available, data.ranked)[0]


@validate_params(data=InstanceOf(ChoiceData, "valdata (ChoiceData)"), start=Nullable(Array(1, "f")))
def estimate(data: ChoiceData, start: np.ndarray | None = None) -> ChoiceModelFit:
    """Maximum-likelihood estimates with Hessian standard errors and fit statistics."""
    k = data.X.shape[2]
    if start is not None and len(start) != k:
        raise ParameterError("start", f"väntade {k} startvärden, fick {len(start)}.")
    keep = data.ranked[:, 0] >= 0
    X, av, rk = data.X[keep], data.available[keep], data.ranked[keep]
    if len(X) == 0:
        raise DataError("Det finns inga rangordnade val att skatta valmodellen på.")

    scale = 1.0 / len(X)  # mean log-likelihood: tolerances independent of sample size

    cache: dict[bytes, tuple] = {}

    def parts(b):  # trust-exact asks for value and Hessian at the same point: compute once
        key = np.asarray(b, float).tobytes()
        if key not in cache:
            cache.clear()
            cache[key] = _loglik_parts(b, X, av, rk)
        return cache[key]

    def fun(b):
        ll, g, _ = parts(b)
        return -ll * scale, -g * scale

    def hess(b):
        return -parts(b)[2] * scale

    b0 = np.zeros(k) if start is None else np.asarray(start, float)
    from scipy import optimize  # imported where the model is estimated

    res = optimize.minimize(fun, b0, jac=True, hess=hess, method="trust-exact", options={"gtol": 1e-9})
    ll, g, h = _loglik_parts(res.x, X, av, rk)
    # trust-exact may stop on rounding once the gradient is already zero to working precision
    converged = bool(res.success) or float(np.abs(g * scale).max()) < 1e-6
    try:
        cov = np.linalg.inv(-h)
    except np.linalg.LinAlgError:
        cov = np.linalg.pinv(-h)
    se = np.sqrt(np.clip(np.diag(cov), 0, None))
    ll0 = _loglik_parts(np.zeros(k), X, av, rk)[0]
    V = np.where(av, X @ res.x, -np.inf)
    hit = float((V.argmax(axis=1) == rk[:, 0]).mean())
    params = pd.DataFrame(
        {"feature": data.feature_names, "estimate": res.x, "std_error": se, "z": res.x / np.where(se > 0, se, np.nan)}
    )
    return ChoiceModelFit(
        params=params,
        log_likelihood=ll,
        log_likelihood_null=ll0,
        mcfadden_r2=1.0 - ll / ll0 if ll0 != 0 else float("nan"),
        hit_rate=hit,
        n_families=len(X),
        n_ranks=int((rk >= 0).sum()),
        converged=converged,
        covariance=cov,
    )


@validate_params(X=Array(3, "f"))
def utilities(X: np.ndarray, beta: np.ndarray | dict[str, float], feature_names: list[str] | None = None) -> np.ndarray:
    """Systematic utilities V = X beta (n x m); ``beta`` as array or dict by feature name."""
    if isinstance(beta, dict):
        beta = Mapping()(beta, "beta")
        if feature_names is None:
            raise ParameterError("feature_names", "behövs när beta ges som en ordlista.")
        beta = np.array([beta.get(f, 0.0) for f in feature_names])
    b = Array(1, "f")(beta, "beta")
    if len(b) != X.shape[2]:
        raise ParameterError("beta", f"väntade {X.shape[2]} koefficienter (en per variabel), fick {len(b)}.")
    return X @ b


@validate_params(
    V=Array(2, "f", dtype=np.float32),
    n_ranks=Integer(min=0),
    rng=InstanceOf(np.random.Generator, "en numpy.random.Generator"),
    available=Nullable(InstanceOf(np.ndarray, "en array med sanningsvärden (elever × skolor)")),
)
def draw_rankings(
    V: np.ndarray,
    n_ranks: int,
    rng: np.random.Generator,
    available: np.ndarray | None = None,
) -> np.ndarray:
    """Ranked lists (n x n_ranks, int32, -1 padded) drawn from the exploded logit with
    systematic utilities ``V``: the schools with the largest V + standard Gumbel noise, best first
    (noise drawn as -ln(-ln u) in single precision); schools not ``available`` are never listed."""
    if available is not None and (available.dtype != np.bool_ or available.shape != V.shape):
        raise ParameterError("available", f"väntade sanningsvärden med formen {V.shape}, fick {available.shape}.")
    return draw_rankings_unchecked(V, n_ranks, rng, available)


def race_weights(V: np.ndarray) -> np.ndarray:
    """``exp(-(V - max_j V))`` per student (float64, ≥ 1): the weights of the exponential race
    that gives the same ranked lists as the Gumbel trick (see :func:`draw_rankings_unchecked`);
    computed once when the same utilities are drawn from many times."""
    V64 = np.asarray(V, dtype=np.float64)
    top = V64.max(axis=1, keepdims=True) if V64.shape[1] else np.zeros((V64.shape[0], 1))
    with np.errstate(over="ignore"):
        return np.ascontiguousarray(np.exp(top - V64))


def draw_rankings_unchecked(V: np.ndarray, n_ranks: int, rng: np.random.Generator,
                            available: np.ndarray | None = None,
                            weights: np.ndarray | None = None) -> np.ndarray:
    """``draw_rankings`` without the argument checks, for utilities the engine made itself.

    The Gumbel trick ranks schools by ``V_ij - ln(-ln u_ij)`` (best first); since ``exp`` is
    increasing, that is the order of ``-ln(u_ij) · exp(-V_ij)`` from the smallest (the
    exponential race, Plackett–Luce). Computed that way in one compiled pass over ``u`` (one
    logarithm per pair, the top ``n_ranks`` kept per student), with the same uniform numbers and
    so the same lists. ``weights``: :func:`race_weights` of ``V`` when already computed."""
    n, m = V.shape
    u = rng.random((n, m), dtype=np.float32)
    W = race_weights(V) if weights is None else weights
    if available is None:
        avail = np.ones((1, m), dtype=np.bool_)
    else:
        avail = available
        if avail.strides[0] == 0:  # the same availability for every student
            avail = avail[:1]
    return _race_top_k(W, u, min(n_ranks, m), np.ascontiguousarray(avail))


@numba.njit(cache=True)
def _race_top_k(W, u, k, available):  # pragma: no cover - compiled
    """Per student, the k smallest keys ``-ln(u) · W`` among available schools, smallest first
    (``available`` has one row per student, or one row for all). One thread: replications run
    side by side in workers, and two threads on a busy 2-core machine were slower than one.

    The logarithm is bounded without computing it, ``v + v²/2 ≤ -ln u ≤ v / u`` with v = 1 − u:
    the k-th smallest upper bound T is at least the k-th smallest key, so a school whose lower
    bound exceeds T cannot be among the k, and only the others get the exact key (in the same
    order as a scan of all schools, so ties are broken the same way)."""
    n, m = W.shape
    out = np.full((n, k), -1, np.int32)
    if k == 0:
        return out
    shared = available.shape[0] == 1
    vals = np.empty(max(k, 1), np.float64)
    ubs = np.empty(max(k, 1), np.float64)
    lows = np.empty(m, np.float64)
    for i in range(n):
        row = 0 if shared else i
        nub = 0
        for j in range(m):
            if not available[row, j]:
                lows[j] = np.inf
                continue
            uj = max(np.float64(u[i, j]), 1e-30)
            v = 1.0 - uj
            lows[j] = (v + 0.5 * v * v) * W[i, j] * (1.0 - 1e-9)
            hi = v / uj * W[i, j] * (1.0 + 1e-9)
            if nub < k:
                p = nub
                nub += 1
            elif hi < ubs[k - 1]:
                p = k - 1
            else:
                continue
            while p > 0 and ubs[p - 1] > hi:
                ubs[p] = ubs[p - 1]
                p -= 1
            ubs[p] = hi
        T = ubs[k - 1] if nub == k else np.inf
        filled = 0
        for j in range(m):
            if not available[row, j] or lows[j] > T:
                continue
            x = -np.log(max(np.float64(u[i, j]), 1e-30)) * W[i, j]
            if filled < k:
                p = filled
                filled += 1
            elif x < vals[k - 1]:
                p = k - 1
            else:
                continue
            while p > 0 and vals[p - 1] > x:
                vals[p] = vals[p - 1]
                out[i, p] = out[i, p - 1]
                p -= 1
            vals[p] = x
            out[i, p] = j
    return out


def simulate_choice_data(
    X: np.ndarray, beta: np.ndarray, n_ranks: int, seed: int, feature_names: list[str]
) -> ChoiceData:
    """Ranked lists drawn from known parameters (for checking the estimator)."""
    rng = np.random.default_rng(seed)
    pref = draw_rankings(X @ beta, n_ranks, rng).astype(np.int64)
    n, m, _ = X.shape
    return ChoiceData(
        X=X,
        available=np.ones((n, m), dtype=bool),
        ranked=pref,
        feature_names=list(feature_names),
        student_ids=np.arange(n).astype(str),
        school_ids=np.arange(m).astype(str),
    )


@validate_params(
    schools=_SCHOOLS,
    students=_STUDENTS,
    choices=Frame(CHOICE_COLUMNS, expected="en tabell med skolval"),
    grade=Integer(min=0, max=9),
)
def estimate_from_tables(
    schools: pd.DataFrame,
    students: pd.DataFrame,
    choices: pd.DataFrame,
    grade: int,
    *,
    years: list[int] | None = None,
    features: tuple[str, ...] = CONTRACT_FEATURES,
) -> ChoiceModelFit:
    """Estimate the model on every school year with choices for ``grade`` (or ``years``)."""
    ch = choices[choices["grade"].astype(int) == grade]
    available = sorted(int(y) for y in ch["school_year"].unique())
    years = available if years is None else [y for y in years if y in available]
    if not years:
        raise DataError(f"Det finns inga skolval för årskurs {grade} att skatta valmodellen på.")
    parts = [build_choice_data(schools, students, choices, y, grade, features=features) for y in years]
    return estimate(stack(parts))

"""Run a placement market many times over lotteries and choice draws and summarise the outcomes.

Replication r of every scenario uses the random stream ``[seed, r]`` (common random numbers, so
scenario differences are not lottery noise). Each replication: draw ranked lists from the choice
model (or use the observed lists, closed schools removed), break priority ties by lottery, run the
mechanism, place the unplaced administratively at the nearest municipal school with a free seat
(skollagen 10 kap. 30 §), and record each school's student mix, segregation (mutual information
M, Theil 1971, in nats, and multigroup dissimilarity D, Reardon and Firebaugh 2002, over parent
education; D over foreign-born/not), travel distances, first/any-choice shares, administrative
placements and cut-offs. Intervals are percentile intervals over replications at ``level`` (default
0.90, ``likvard.defaults``). The residential baseline places everyone at their nearest open school
offering the grade.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numba
import numpy as np
import pandas as pd

from likvard.defaults import LEVEL, N_REPLICATIONS, SEED
from likvard.errors import DataError, ParameterError
from likvard.placement import choice_model as cm
from likvard.placement.mechanisms import assign_arrays, assign_checked  # noqa: F401 (assign_arrays re-exported)
from likvard.placement.priorities import priority_scores, reserved_seats, rule_key
from likvard.placement.scenarios import (
    Market,
    apply_scenario,
    build_market,
    drop_closed_from_lists,
)
from likvard.tables import PARENT_EDUCATION
from likvard.validation import (
    Function,
    InstanceOf,
    Level,
    Mapping,
    Nullable,
    Replications,
    Seed,
    validate_params,
)


def place_administratively(assignment, distance_m, capacities, allowed):
    """Unplaced students, nearest first, get the nearest allowed school with a free seat
    (skollagen 10 kap. 30 §). Returns the new assignment and a flag per administratively placed
    student."""
    out = np.asarray(assignment, dtype=np.int32).copy()
    left = capacities.astype(np.int64) - np.bincount(out[out >= 0], minlength=len(capacities))
    todo = np.flatnonzero(out < 0)
    placed = np.zeros(len(out), dtype=bool)
    if len(todo) == 0:
        return out, placed
    d = np.where(allowed[todo], distance_m[todo], np.inf)
    order = np.argsort(d.min(axis=1), kind="stable")
    _admin_fill(out, placed, todo[order], np.ascontiguousarray(d[order]), left)
    return out, placed


@numba.njit(cache=True)
def _admin_fill(out, placed, todo, d, left):  # pragma: no cover - compiled
    for k in range(todo.shape[0]):
        best, bj = np.inf, -1
        for j in range(d.shape[1]):
            if left[j] > 0 and d[k, j] < best:
                best, bj = d[k, j], j
        if bj >= 0:
            out[todo[k]] = bj
            placed[todo[k]] = True
            left[bj] -= 1


@numba.njit(cache=True)
def _cutoff_kernel(assignment, pref, pair_rank, m):  # pragma: no cover - compiled
    n, L = pref.shape
    cut = np.full(m, -1, np.int64)
    last = np.full(m, -1, np.int64)
    for i in range(n):
        a = assignment[i]
        if a < 0:
            continue
        for k in range(L):
            if pref[i, k] == a:
                r = pair_rank[i, k]
                if r > cut[a]:
                    cut[a] = r
                    last[a] = i
                break
    return cut, last


def cutoff_students(assignment: np.ndarray, pref: np.ndarray, pair_rank: np.ndarray, n_schools: int):
    """Per school, the rank of the last admitted student (-1 if none) and that student (-1)."""
    a = np.ascontiguousarray(assignment, dtype=np.int32)
    if pref.shape != pair_rank.shape or len(a) != pref.shape[0] or (a >= n_schools).any():
        raise ParameterError("pair_rank", "pref, pair_rank och assignment passar inte ihop.")
    return _cutoff_kernel(a, np.ascontiguousarray(pref, dtype=np.int32),
                          np.ascontiguousarray(pair_rank, dtype=np.int64), n_schools)


def cutoffs(assignment: np.ndarray, pref: np.ndarray, pair_rank: np.ndarray, n_schools: int) -> np.ndarray:
    """Per school, the rank (as in ``pair_rank``) of the last admitted student (-1 if none)."""
    return cutoff_students(assignment, pref, pair_rank, n_schools)[0]


@numba.njit(cache=True)
def _lottery_ranks(level, start, perms):  # pragma: no cover - compiled
    """rank[s, i] = first rank of i's priority level at s + number of students of that level
    drawn before i in school s's lottery order ``perms[s]`` (one shared row for a single lottery)."""
    m, n = level.shape
    rank = np.empty((m, n), np.int32)
    counter = np.empty(start.shape[1], np.int64)
    for s in range(m):
        counter[:] = start[s]
        order = perms[s if perms.shape[0] > 1 else 0]
        for k in range(n):
            i = order[k]
            lv = level[s, i]
            if lv >= 0:
                rank[s, i] = counter[lv]
                counter[lv] += 1
            else:
                rank[s, i] = -1
    return rank


@numba.njit(cache=True)
def _radix_order(keys, bits):  # pragma: no cover - compiled
    """Stable order of non-negative integer ``keys`` below 2**bits: LSD radix sort, 11 bits a pass."""
    n = keys.shape[0]
    order = np.arange(n)
    tmp = np.empty(n, np.int64)
    count = np.empty(2049, np.int64)
    shift = 0
    while shift < bits:
        count[:] = 0
        for j in range(n):
            count[((keys[order[j]] >> shift) & 2047) + 1] += 1
        for b in range(2048):
            count[b + 1] += count[b]
        for j in range(n):
            d = (keys[order[j]] >> shift) & 2047
            tmp[count[d]] = order[j]
            count[d] += 1
        order, tmp = tmp, order
        shift += 11
    return order


@numba.njit(cache=True)
def _pair_lottery_ranks(pref, level, lottery, scale, n_levels):  # pragma: no cover - compiled
    """Rank of each listed pair among the school's applicants by (priority level, lottery number):
    one radix sort of the key (school, level, lottery number) over all pairs, O(pairs); -1 where
    the school does not accept the student."""
    n, L = pref.shape
    out = np.full((n, L), -1, np.int32)
    count = 0
    for i in range(n):
        for k in range(L):
            s = pref[i, k]
            if s < 0:
                break
            if level[s, i] >= 0:
                count += 1
    keys = np.empty(count, np.int64)
    where = np.empty(count, np.int64)
    j = 0
    for i in range(n):
        for k in range(L):
            s = pref[i, k]
            if s < 0:
                break
            lv = level[s, i]
            if lv >= 0:
                keys[j] = (s * n_levels + lv) * scale + lottery[i, k]
                where[j] = i * L + k
                j += 1
    bits = 1
    top = (level.shape[0] * n_levels) * scale
    while (1 << bits) < top:
        bits += 1
    order = _radix_order(keys, bits)
    prev = -1
    r = 0
    for t in range(count):
        w = where[order[t]]
        s = pref[w // L, w % L]
        if s != prev:
            prev = s
            r = 0
        out[w // L, w % L] = r
        r += 1
    return out


class LotteryRanks:
    """Strict ranks from priority scores, redrawn per replication in O(m n): the scores'
    dense levels are fixed, only the order within a tied level follows the lottery. Same
    definition as ``tiebreak.priority_ranks`` (lower score first, then lower lottery number)."""

    def __init__(self, scores: np.ndarray, lottery: str = "single") -> None:
        if lottery not in ("single", "per_school"):
            raise ParameterError("lottery", f"tillåtna värden är 'single', 'per_school'; fick {lottery!r}.")
        self.lottery = lottery
        m, n = scores.shape
        level = np.full((m, n), -1, np.int32)
        start = np.zeros((m, n + 1), np.int64)
        for s in range(m):
            ok = ~np.isnan(scores[s])
            uniq, inv = np.unique(scores[s, ok], return_inverse=True)
            level[s, ok] = inv
            counts = np.bincount(inv, minlength=len(uniq))
            start[s, : len(uniq)] = np.cumsum(counts) - counts
        self.level, self.start = level, start
        self.n_levels = int(level.max(initial=-1)) + 1

    def draw(self, rng: np.random.Generator) -> np.ndarray:
        """Dense ranks (schools x students) of one lottery."""
        m, n = self.level.shape
        if self.lottery == "single":
            return _lottery_ranks(self.level, self.start, rng.permutation(n)[None, :])
        perms = rng.permuted(np.tile(np.arange(n), (m, 1)), axis=1)
        return _lottery_ranks(self.level, self.start, perms)

    def draw_pairs(self, pref: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Ranks of one lottery for the listed pairs only (shaped like ``pref``): each school's
        applicants ordered by priority level, ties by lottery (one number per student for a
        single lottery, one per application for ``per_school``); memory grows with the pairs."""
        n, L = pref.shape
        pref = np.ascontiguousarray(pref, dtype=np.int32)
        if self.lottery == "single":
            pos = np.empty(n, dtype=np.int64)
            pos[rng.permutation(n)] = np.arange(n)
            lottery = np.broadcast_to(pos[:, None], (n, L))
            scale = n
        else:
            lottery = rng.permutation(n * L).reshape(n, L)
            scale = n * L
        return _pair_lottery_ranks(pref, self.level, np.ascontiguousarray(lottery), scale, self.n_levels)


# --------------------------------------------------------------------------------------------
# Segregation of many count tables at once (checked against likvard.segregation in the tests).


def mutual_information(counts: np.ndarray) -> np.ndarray:
    """M = sum_j sum_g (t_jg / T) ln(p_g|j / P_g) for counts (..., schools, groups), in nats."""
    c = counts.astype(float)
    T = c.sum(axis=(-2, -1), keepdims=True)
    tj = c.sum(axis=-1, keepdims=True)
    Pg = c.sum(axis=-2, keepdims=True) / T
    with np.errstate(divide="ignore", invalid="ignore"):
        term = np.where(c > 0, (c / T) * np.log((c / tj) / Pg), 0.0)
    return term.sum(axis=(-2, -1))


def dissimilarity(counts: np.ndarray) -> np.ndarray:
    """Multigroup D = sum_j sum_g t_j |p_g|j - P_g| / (2 T I), I = sum_g P_g (1 - P_g)."""
    c = counts.astype(float)
    T = c.sum(axis=(-2, -1), keepdims=True)
    tj = c.sum(axis=-1, keepdims=True)
    Pg = c.sum(axis=-2, keepdims=True) / T
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(tj > 0, c / tj, Pg)
        num = (tj * np.abs(p - Pg)).sum(axis=(-2, -1))
        inter = (Pg * (1 - Pg)).sum(axis=(-2, -1))
        return num / (2 * T[..., 0, 0] * inter)


# --------------------------------------------------------------------------------------------


@dataclass
class Placement:
    """One replication: ranked lists (``pref``, students x L), the schools' ranks of the listed
    pairs (``pair_rank``, shaped like ``pref``: position among the school's applicants, -1 = not
    accepted), assignment by the mechanism and after administrative placement."""

    pref: np.ndarray
    pair_rank: np.ndarray
    by_mechanism: np.ndarray
    assignment: np.ndarray
    admin: np.ndarray


@dataclass
class Prepared:
    market: Market
    scores: np.ndarray
    ranker: LotteryRanks
    V: np.ndarray | None
    available: np.ndarray
    reserved: np.ndarray | None
    reserve_eligible: np.ndarray | None
    reserve_order: str | None
    allowed: np.ndarray
    groups: np.ndarray
    fixed_pref: np.ndarray | None = None
    cutoff_key: np.ndarray | None = None  # m x n: first distance-type rule's key (m), NaN if none
    capacities32: np.ndarray | None = None
    race_weights: np.ndarray | None = None  # cm.race_weights(V), computed once


def prepare(market: Market, beta: dict[str, float] | None = None) -> Prepared:
    """Scores, lottery ranker and choice utilities of a market (computed once per scenario).

    With ``beta`` ranked lists are drawn from the choice model; without, the observed lists are
    used (closed schools removed)."""
    scores = priority_scores(market.rules, market.priority_inputs())
    scores[~market.is_open] = np.nan
    available = np.broadcast_to(market.is_open, (market.n_students, market.n_schools))
    V = None
    fixed = None
    if beta is not None:
        V = cm.utilities(market.choice_X(), beta, list(market.features)).astype(np.float32)
    else:
        fixed = drop_closed_from_lists(market.observed_pref, market.is_open)
        if fixed.shape[1] == 0:
            raise DataError("Det finns inga observerade skolval och ingen valmodell: eleverna kan inte placeras.")
    reserved, eligible, order = reserved_seats(market.rules, market.capacities, market.group_flags())
    code = {c: k for k, c in enumerate(PARENT_EDUCATION)}
    groups = np.array([code.get(p, code["unknown"]) for p in market.parent_education], dtype=np.int64)
    inputs = market.priority_inputs()
    ckey = np.full((market.n_schools, market.n_students), np.nan)
    for s, sr in enumerate(market.rules):
        for rule in sr.rules:
            if rule.kind == "lottery":
                break
            if rule.kind in ("relative_proximity", "distance"):
                ckey[s] = rule_key(rule, s, inputs)
                break
    return Prepared(
        market, scores, LotteryRanks(scores, market.lottery), V, available, reserved, eligible, order,
        market.allowed_admin(), groups, fixed, ckey, np.ascontiguousarray(market.capacities, dtype=np.int32),
        None if V is None else cm.race_weights(V),
    )


def place_once(prep: Prepared, rng: np.random.Generator) -> Placement:
    """One replication of the placement."""
    mk = prep.market
    if prep.V is not None:
        pref = cm.draw_rankings_unchecked(prep.V, mk.n_choices, rng, prep.available, prep.race_weights)
    else:
        assert prep.fixed_pref is not None  # prepare() makes one or the other
        pref = prep.fixed_pref
    assert prep.capacities32 is not None
    pair_rank = prep.ranker.draw_pairs(pref, rng)
    # lists and ranks made here are valid by construction (distinct schools, -1 padding at the
    # end, ranks 0..k-1 among each school's applicants): the checks of assign_arrays are skipped
    by_mech = assign_checked(
        np.ascontiguousarray(pref, dtype=np.int32), pair_rank, prep.capacities32, mk.mechanism,
        prep.reserved, prep.reserve_eligible, prep.reserve_order or "reserved_first",
    )
    final, admin = place_administratively(by_mech, mk.distance_m, mk.capacities, prep.allowed)
    return Placement(pref, pair_rank, by_mech, final, admin)


@dataclass
class SimulationResult:
    """Outcomes over replications of one scenario."""

    scenario: str
    market: Market
    schools: pd.DataFrame
    summary: pd.DataFrame
    draws: dict[str, np.ndarray] = field(default_factory=dict)


def _interval(x: np.ndarray, level: float, axis: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean and percentile interval at ``level`` over replications (NaN where never defined)."""
    tail = 50.0 * (1.0 - level)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return (np.nanmean(x, axis=axis), np.nanpercentile(x, tail, axis=axis),
                np.nanpercentile(x, 100.0 - tail, axis=axis))


@dataclass
class Draws:
    """Per-replication outcomes of replications ``start`` … ``start + len - 1`` of one market
    (arrays with one row per replication), as ``simulate`` summarises them."""

    start: int
    counts: np.ndarray
    fb: np.ndarray
    na: np.ndarray
    admin_school: np.ndarray
    cut: np.ndarray
    cut_m: np.ndarray
    dist: np.ndarray
    first: np.ndarray
    anyc: np.ndarray
    n_admin: np.ndarray
    unplaced: np.ndarray

    @staticmethod
    def join(parts: list[Draws]) -> Draws:
        """Chunks in replication order (they must cover consecutive replications)."""
        parts = sorted(parts, key=lambda d: d.start)
        at = parts[0].start
        for d in parts:
            if d.start != at:
                raise ParameterError("parts", "delarna täcker inte replikeringarna i en följd.")
            at += len(d.first)
        names = [f for f in Draws.__dataclass_fields__ if f != "start"]
        return Draws(parts[0].start, *(np.concatenate([getattr(d, f) for d in parts]) for f in names))


def replicate(prep: Prepared, seed: int, start: int, stop: int,
              on_replication: Callable[[], object] | None = None) -> Draws:
    """Replications ``start`` … ``stop - 1`` of ``prep``; replication r uses the stream
    ``[seed, r]`` whichever chunk it is run in, so chunks run anywhere give the same draws."""
    mk = prep.market
    n, m, G = mk.n_students, mk.n_schools, len(PARENT_EDUCATION)
    R = int(stop) - int(start)
    counts = np.zeros((R, m, G), np.int32)
    fb = np.zeros((R, m), np.int32)
    na = np.zeros((R, m), np.int32)
    admin_school = np.zeros((R, m), np.int32)
    cut = np.zeros((R, m), np.int64)
    cut_m = np.full((R, m), np.nan)
    school_rows = np.arange(m)
    dist = np.zeros((R, 3))
    first = np.zeros(R)
    anyc = np.zeros(R)
    n_admin = np.zeros(R)
    unplaced = np.zeros(R)
    ps = np.ascontiguousarray(mk.post_secondary, dtype=np.bool_)
    foreign = np.ascontiguousarray(mk.foreign_born, dtype=np.bool_)
    newly = np.ascontiguousarray(mk.newly_arrived, dtype=np.bool_)
    groups = np.ascontiguousarray(prep.groups, dtype=np.int64)
    distance = np.ascontiguousarray(mk.distance_m, dtype=np.float64)
    no_choice = np.full(n, -1, np.int32)
    assert prep.cutoff_key is not None  # prepare() always computes it
    for r in range(R):
        rng = np.random.default_rng([seed, int(start) + r])
        pl = place_once(prep, rng)
        first_choice = np.ascontiguousarray(pl.pref[:, 0], dtype=np.int32) if pl.pref.shape[1] > 0 else no_choice
        tally = _tally(np.ascontiguousarray(pl.assignment, dtype=np.int32), pl.admin, groups, foreign, newly, ps,
                       distance, np.ascontiguousarray(pl.by_mechanism, dtype=np.int32), first_choice,
                       counts[r], fb[r], na[r], admin_school[r])
        dist[r] = tally[:3]
        first[r], anyc[r], n_admin[r], unplaced[r] = tally[3:]
        cut[r], last = cutoff_students(pl.by_mechanism, pl.pref, pl.pair_rank, m)
        cut_m[r] = np.where(cut[r] >= 0, prep.cutoff_key[school_rows, np.clip(last, 0, None)], np.nan)
        if on_replication is not None:
            on_replication()
    return Draws(int(start), counts, fb, na, admin_school, cut, cut_m, dist, first, anyc, n_admin, unplaced)


@numba.njit(cache=True)
def _tally(a, admin, groups, foreign, newly, ps, distance, by_mech, first_choice,
           counts, fb, na, adm):  # pragma: no cover - compiled
    """One replication's outcomes in one pass over the students: the count rows (filled in
    place) and (mean km, mean km post-secondary, mean km other, share first choice, share any
    choice, administrative placements, unplaced); NaN for a mean over no one."""
    s_all = s_ps = s_other = 0.0
    n_all = n_ps = n_other = n_chose = n_first = n_any = n_admin = n_unplaced = 0
    for i in range(a.shape[0]):
        j = a[i]
        if j >= 0:
            counts[j, groups[i]] += 1
            if foreign[i]:
                fb[j] += 1
            if newly[i]:
                na[j] += 1
            d = distance[i, j] / 1000.0
            s_all += d
            n_all += 1
            if ps[i]:
                s_ps += d
                n_ps += 1
            else:
                s_other += d
                n_other += 1
            if admin[i]:
                adm[j] += 1
                n_admin += 1
        else:
            n_unplaced += 1
        f = first_choice[i]
        if f >= 0:
            n_chose += 1
            if by_mech[i] == f:
                n_first += 1
            if by_mech[i] >= 0:
                n_any += 1
    out = np.full(7, np.nan)
    if n_all > 0:
        out[0] = s_all / n_all
    if n_ps > 0:
        out[1] = s_ps / n_ps
    if n_other > 0:
        out[2] = s_other / n_other
    if n_chose > 0:
        out[3] = n_first / n_chose
        out[4] = n_any / n_chose
    out[5] = n_admin
    out[6] = n_unplaced
    return out


ChunkMapper = Callable[[list[tuple[int, int]]], list[Draws]]
"""Runs ``replicate`` for each ``(start, stop)`` chunk (e.g. in worker processes) and returns the
draws; see ``likvard.analyses.placement.parallel_simulate``."""


@validate_params(
    market=InstanceOf(Market, "en marknad från build_market"),
    n_replications=Replications(1),
    seed=Seed(),
    level=Level(),
    beta=Nullable(Mapping()),
    on_replication=Nullable(Function()),
    map_chunks=Nullable(Function()),
)
def simulate(
    market: Market,
    *,
    n_replications: int = N_REPLICATIONS,
    seed: int = SEED,
    level: float = LEVEL,
    beta: dict[str, float] | None = None,
    on_replication: Callable[[], object] | None = None,
    map_chunks: ChunkMapper | None = None,
    chunks: int = 1,
) -> SimulationResult:
    """Run ``market`` ``n_replications`` times; intervals (``low``, ``high``) are percentile
    intervals at ``level``; ``on_replication()`` is called after each (for progress bars).
    ``map_chunks``: runs the replications in ``chunks`` consecutive chunks elsewhere (worker
    processes); the result is the same as in one process."""
    prep = prepare(market, beta)
    R = int(n_replications)
    if map_chunks is None:
        draws = replicate(prep, seed, 0, R, on_replication)
    else:
        k = max(1, min(int(chunks), R))
        edges = np.linspace(0, R, k + 1).round().astype(int)
        draws = Draws.join(map_chunks([(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:], strict=True)]))
    return summarise(prep, draws, level)


def summarise(prep: Prepared, draws: Draws, level: float = LEVEL) -> SimulationResult:
    """The outcomes of ``draws`` (see :func:`simulate`)."""
    mk = prep.market
    m, G = mk.n_schools, len(PARENT_EDUCATION)
    counts, fb, na, admin_school = draws.counts, draws.fb, draws.na, draws.admin_school
    cut, cut_m, dist, first, anyc = draws.cut, draws.cut_m, draws.dist, draws.first, draws.anyc
    n_admin, unplaced = draws.n_admin, draws.unplaced
    ps = mk.post_secondary
    fb_counts = np.stack([counts.sum(-1) - fb, fb], axis=-1)
    seg_m = mutual_information(counts)
    seg_d = dissimilarity(counts)
    seg_d_fb = dissimilarity(fb_counts)
    # residential baseline: everyone at the nearest open school
    near = mk.nearest_open()
    res_counts = np.bincount(near * G + prep.groups, minlength=m * G).reshape(m, G)
    res_fb = np.bincount(near[mk.foreign_born], minlength=m)
    res_fb_counts = np.stack([res_counts.sum(-1) - res_fb, res_fb], axis=-1)
    res_d = np.hypot(*(mk.home_xy - mk.school_xy[near]).T) / 1000.0
    summary_rows = [
        ("mutual_information", seg_m, float(mutual_information(res_counts))),
        ("dissimilarity", seg_d, float(dissimilarity(res_counts))),
        ("dissimilarity_foreign_born", seg_d_fb, float(dissimilarity(res_fb_counts))),
        ("mean_distance_km", dist[:, 0], float(res_d.mean())),
        ("mean_distance_km_post_secondary", dist[:, 1], float(res_d[ps].mean()) if ps.any() else np.nan),
        ("mean_distance_km_other", dist[:, 2], float(res_d[~ps].mean()) if (~ps).any() else np.nan),
        ("share_first_choice", first, np.nan),
        ("share_any_choice", anyc, np.nan),
        ("n_administrative", n_admin, np.nan),
        ("n_unplaced", unplaced, np.nan),
    ]
    summary = pd.DataFrame(
        [
            {"scenario": mk.scenario_name, "measure": name, "mean": float(np.nanmean(v)),
             "low": float(np.nanpercentile(v, 50.0 * (1.0 - level))),
             "high": float(np.nanpercentile(v, 100.0 - 50.0 * (1.0 - level))),
             "residential": resv}
            for name, v, resv in summary_rows
        ]
    )
    size = counts.sum(-1).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        share_ps = counts[..., PARENT_EDUCATION.index("post_secondary")] / size
        share_fb = fb / size
        share_na = na / size
    cutf = np.where(cut >= 0, cut, np.nan).astype(float)
    cols = {}
    for name, arr in [("n_students", size), ("share_post_secondary", share_ps), ("share_foreign_born", share_fb),
                      ("share_newly_arrived", share_na), ("n_administrative", admin_school.astype(float)),
                      ("cutoff_rank", cutf), ("cutoff_distance_m", cut_m)]:
        mean, low, high = _interval(arr, level)
        cols[name], cols[f"{name}_low"], cols[f"{name}_high"] = mean, low, high
    schools = pd.DataFrame(
        {
            "scenario": mk.scenario_name,
            "school_id": mk.school_ids,
            "name": mk.school_names,
            "organiser_type": mk.organiser_type,
            "is_open": mk.is_open,
            "capacity": mk.capacities,
            **cols,
            "share_full": (size >= mk.capacities[None, :]).mean(axis=0),
            "residential_n_students": res_counts.sum(-1),
        }
    )
    return SimulationResult(mk.scenario_name, mk, schools, summary,
                            {"counts": counts, "mutual_information": seg_m, "dissimilarity": seg_d})


def compare(results: list[SimulationResult]) -> pd.DataFrame:
    """Scenarios side by side: one row per measure; ``residential`` (everyone at the nearest
    school, from the first scenario), then per scenario ``<name>`` (mean), ``<name> low`` and
    ``<name> high`` (the interval over replications at each result's ``level``)."""
    names = [r.scenario for r in results]
    if len(set(names)) != len(names):
        raise ParameterError("results", f"scenarierna måste ha olika namn: {names}")
    first = results[0].summary.set_index("measure")
    out = pd.DataFrame({"residential": first["residential"]})
    for res in results:
        s = res.summary.set_index("measure")
        out[res.scenario] = s["mean"]
        out[f"{res.scenario} low"] = s["low"]
        out[f"{res.scenario} high"] = s["high"]
    return out.reset_index()


@validate_params(
    n_replications=Nullable(Replications(1)),
    level=Level(),
    on_replication=Nullable(Function()),
)
def run_scenarios(
    data,
    scenario_file,
    *,
    on_replication: Callable[[], object] | None = None,
    n_replications: int | None = None,
    fit=None,
    level: float = LEVEL,
) -> tuple[list[SimulationResult], cm.ChoiceModelFit | None]:
    """Every scenario of a ``ScenarioFile`` on ``data`` (an ``AuthorityData``): build the market,
    estimate the choice model when the file says ``skattad`` (unless ``fit`` is given), simulate
    ``n_replications`` times (default: the file's)."""
    sf = scenario_file
    year = sf.school_year
    if year is None:
        graded = data.students[data.students["grade"].astype(int) == sf.grade]
        if graded.empty:
            raise DataError(f"Det finns inga elever i årskurs {sf.grade}.")
        year = int(graded["school_year"].max())
    market = build_market(data.schools, data.students, data.choices, year, sf.grade)
    beta = None
    if isinstance(sf.choice_model, dict):
        beta = sf.choice_model
    elif sf.choice_model == "skattad":
        if fit is None:
            fit = cm.estimate_from_tables(data.schools, data.students, data.choices, sf.grade)
        beta = fit.beta
    n = n_replications or sf.n_replications
    results = [
        simulate(apply_scenario(market, sc), n_replications=n, seed=sf.seed, level=level, beta=beta,
                 on_replication=on_replication)
        for sc in sf.scenarios_for(market)
    ]
    return results, fit

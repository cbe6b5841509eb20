"""Mechanisms against independent references and properties: the textbook example, exhaustive
enumeration on small instances, the ``matching`` library, stability, Pareto efficiency, order
invariance and reserved seats."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from likvard.placement import assign
from likvard.placement.mechanisms import assign_arrays

# Abdulkadiroğlu and Sönmez (2003, AER 93(3), Appendix pp. 742-744), as reproduced in the R package
# matchingMarkets (ttc2 example): 8 students, 4 schools with capacities 2, 2, 3, 3 (0-based here).
AS_PREFS = [[1, 0, 2, 3], [0, 1, 2, 3], [2, 1, 0, 3], [2, 3, 0, 1], [0, 2, 3, 1], [3, 0, 1, 2], [0, 1, 2, 3], [0, 1, 3, 2]]
AS_PRIORITY = [[0, 1, 2, 3, 4, 5, 6, 7], [2, 4, 3, 7, 6, 1, 0, 5], [4, 2, 0, 6, 1, 7, 5, 3], [5, 7, 6, 3, 1, 2, 4, 0]]
AS_CAP = [2, 2, 3, 3]


def test_textbook_example_deferred_acceptance():
    # round 1: s1 keeps i2, i5 of {i2, i5, i7, i8}; round 2: i7, i8 to s2 which drops i1;
    # round 3: i1 to s1 which drops i5; round 4: i5 to s3.
    assert assign(AS_PREFS, AS_PRIORITY, AS_CAP) == [0, 0, 2, 2, 2, 3, 1, 1]


def test_textbook_example_top_trading_cycles():
    # step 1: cycles (i1 s2 i3 s3 i5 s1) and (i6 s4); step 2: (i2 s1); step 3: (i4 s3 i7 s2);
    # step 4: (i8 s4).
    assert assign(AS_PREFS, AS_PRIORITY, AS_CAP, "top_trading_cycles") == [1, 0, 2, 2, 0, 3, 1, 3]


def test_textbook_example_immediate_acceptance():
    # round 1 as DA but final; round 2: s2's last seat to i8 (priority over i7); round 3: i7 to s3.
    assert assign(AS_PREFS, AS_PRIORITY, AS_CAP, "immediate_acceptance") == [1, 0, 2, 2, 0, 3, 2, 1]


def random_instance(rng, n, m, max_cap=2, partial=True):
    prefs = []
    for _ in range(n):
        k = int(rng.integers(1, m + 1)) if partial else m
        prefs.append(list(rng.permutation(m)[:k]))
    priority = [list(rng.permutation(n)) for _ in range(m)]
    cap = list(rng.integers(1, max_cap + 1, m))
    return prefs, priority, cap


def feasible_matchings(prefs, cap, n, m):
    """Every assignment of students to a listed school or nothing, within capacities."""
    options = [list(p) + [None] for p in prefs]
    for combo in itertools.product(*options):
        counts = np.zeros(m, int)
        for s in combo:
            if s is not None:
                counts[s] += 1
        if (counts <= np.asarray(cap)).all():
            yield list(combo)


def pos(prefs, i, s):
    return len(prefs[i]) if s is None else prefs[i].index(s)


def is_stable(match, prefs, priority, cap):
    rank = [{st: k for k, st in enumerate(o)} for o in priority]
    for i, p in enumerate(prefs):
        for s in p[: pos(prefs, i, match[i])]:  # schools i prefers to its own
            holders = [j for j, t in enumerate(match) if t == s]
            if len(holders) < cap[s] or any(rank[s][i] < rank[s][j] for j in holders):
                return False
    return True


@pytest.mark.parametrize("seed", range(40))
def test_da_is_the_student_optimal_stable_matching(seed):
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(2, 6)), int(rng.integers(1, 4))
    prefs, priority, cap = random_instance(rng, n, m)
    da = assign(prefs, priority, cap)
    assert is_stable(da, prefs, priority, cap)
    stable = [mt for mt in feasible_matchings(prefs, cap, n, m) if is_stable(mt, prefs, priority, cap)]
    assert da in stable
    for other in stable:  # every student weakly prefers DA to any stable matching
        assert all(pos(prefs, i, da[i]) <= pos(prefs, i, other[i]) for i in range(n))


@pytest.mark.parametrize("seed", range(40))
def test_ttc_is_pareto_efficient(seed):
    rng = np.random.default_rng(100 + seed)
    n, m = int(rng.integers(2, 6)), int(rng.integers(1, 4))
    prefs, priority, cap = random_instance(rng, n, m)
    ttc = assign(prefs, priority, cap, "top_trading_cycles")
    counts = np.bincount([s for s in ttc if s is not None], minlength=m)
    assert (counts <= np.asarray(cap)).all()
    for other in feasible_matchings(prefs, cap, n, m):
        better = [pos(prefs, i, other[i]) <= pos(prefs, i, ttc[i]) for i in range(n)]
        strictly = [pos(prefs, i, other[i]) < pos(prefs, i, ttc[i]) for i in range(n)]
        assert not (all(better) and any(strictly)), (ttc, other)


@pytest.mark.parametrize("mechanism", ["deferred_acceptance", "immediate_acceptance", "top_trading_cycles"])
def test_results_do_not_depend_on_input_order(mechanism):
    rng = np.random.default_rng(7)
    n, m = 60, 6
    prefs, priority, cap = random_instance(rng, n, m, max_cap=8)
    base = assign(prefs, priority, cap, mechanism)
    sp = rng.permutation(n)  # new index k holds old student sp[k]
    cp = rng.permutation(m)
    inv_s, inv_c = np.argsort(sp), np.argsort(cp)
    prefs2 = [[int(inv_c[s]) for s in prefs[sp[k]]] for k in range(n)]
    priority2 = [[int(inv_s[i]) for i in priority[cp[c]]] for c in range(m)]
    cap2 = [cap[cp[c]] for c in range(m)]
    out = assign(prefs2, priority2, cap2, mechanism)
    back = [None if out[inv_s[i]] is None else int(cp[out[inv_s[i]]]) for i in range(n)]
    assert back == base


@pytest.mark.parametrize("seed", range(5))
def test_da_agrees_with_matching_library(seed):
    from matching.games import HospitalResident

    rng = np.random.default_rng(seed)
    n, m = 80, 7
    prefs, priority, cap = random_instance(rng, n, m, max_cap=12)
    # the matching library needs mutually acceptable lists: a school ranks exactly its applicants
    applied = [[i for i in priority[s] if s in prefs[i]] for s in range(m)]
    game = HospitalResident.create_from_dictionaries(
        {f"r{i}": [f"h{s}" for s in prefs[i]] for i in range(n)},
        {f"h{s}": [f"r{i}" for i in applied[s]] for s in range(m)},
        {f"h{s}": int(cap[s]) for s in range(m)},
    )
    solution = game.solve(optimal="resident")
    theirs = [None] * n
    for hospital, residents in solution.items():
        for r in residents:
            theirs[int(r.name[1:])] = int(hospital.name[1:])
    assert assign(prefs, priority, cap) == theirs


def test_boston_differs_from_da_and_respects_first_choices():
    # Two students want school 0 (one seat); the one with lower priority there ranks it first,
    # the other ranks it second: Boston gives it to the first-ranker, DA to the higher priority.
    prefs = [[1, 0], [0, 1]]
    priority = [[0, 1], [1, 0]]
    cap = [1, 1]
    assert assign(prefs, priority, cap, "immediate_acceptance") == [1, 0]
    assert assign([[1, 0], [0, 1]], priority, cap) == [1, 0]
    prefs = [[0], [0, 1]]
    priority = [[0, 1], [0, 1]]
    assert assign(prefs, priority, [1, 1], "immediate_acceptance") == [0, 1]
    prefs = [[1, 0], [0]]  # student 0 has priority at 0 but ranks it second: Boston loses it
    assert assign(prefs, [[0, 1], [1, 0]], [1, 0], "immediate_acceptance") == [None, 0]
    assert assign(prefs, [[0, 1], [1, 0]], [1, 0]) == [0, None]


@pytest.mark.parametrize("order", ["reserved_first", "open_first"])
def test_reserved_seats_go_to_eligible_students(order):
    rng = np.random.default_rng(3)
    n, m = 200, 4
    pref = np.array([rng.permutation(m) for _ in range(n)], dtype=np.int32)
    rank = np.array([rng.permutation(n) for _ in range(m)], dtype=np.int32)
    cap = np.array([30, 30, 30, 30], dtype=np.int32)
    reserved = np.array([10, 0, 5, 0], dtype=np.int32)
    eligible = rng.random(n) < 0.1
    out = assign_arrays(pref, rank, cap, reserved=reserved, reserve_eligible=eligible, reserve_order=order)
    counts = np.bincount(out[out >= 0], minlength=m)
    assert (counts <= cap).all()
    plain = assign_arrays(pref, rank, cap)
    # eligible students are at least as well off as without reserves at the reserving schools
    assert (out[eligible] == 0).sum() >= (plain[eligible] == 0).sum()
    # an eligible student who ranks school 0 first can only lose its 10 reserved seats to other
    # eligible students, so at least min(10, such students) eligible students get school 0
    first0 = eligible & (pref[:, 0] == 0)
    assert (out[eligible] == 0).sum() >= min(10, first0.sum())
    assert first0.sum() > 10 or (out[first0] == 0).all()


def test_unknown_mechanism_is_rejected():
    with pytest.raises(ValueError, match="mechanism"):
        assign([[0]], [[0]], [1], "lottery")

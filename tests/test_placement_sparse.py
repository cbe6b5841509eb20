"""Sparse placement: ranks per listed pair, the pointer-chasing TTC against a round-based
reference, and every bad argument refused with a ParameterError before a kernel sees it."""

from __future__ import annotations

import numpy as np
import pytest

from likvard.errors import ParameterError
from likvard.placement.mechanisms import MECHANISMS, assign_arrays, assigned_rank


def ttc_rounds(pref: np.ndarray, rank: np.ndarray, cap: np.ndarray) -> np.ndarray:
    """Reference: top trading cycles in simultaneous rounds (Abdulkadiroğlu and Sönmez 2003):
    every active student points to the best school on the list with a free seat that accepts them
    (rank >= 0), every school with seats to its highest-priority active student; all cycles of the
    round are cleared, then everyone points again."""
    n = pref.shape[0]
    m = len(cap)
    result = np.full(n, -1)
    left = cap.astype(int).copy()
    active = np.ones(n, bool)
    while True:
        points = np.full(n, -1)
        for i in np.flatnonzero(active):
            for s in pref[i]:
                if s < 0:
                    break
                if left[s] > 0 and rank[s, i] >= 0:
                    points[i] = s
                    break
            if points[i] < 0:
                active[i] = False
        if not active.any():
            return result
        target = np.full(m, -1)
        for s in range(m):
            cand = [i for i in np.flatnonzero(active) if rank[s, i] >= 0]
            if left[s] > 0 and cand:
                target[s] = min(cand, key=lambda i: rank[s, i])
        cycles = set()
        for start in np.flatnonzero(active):  # walk student -> school -> student until a repeat
            position: dict[int, int] = {}
            path, i = [], int(start)
            while i not in position:
                position[i] = len(path)
                path.append(i)
                i = int(target[points[i]])
            cycles.add(frozenset(path[position[i]:]))
        for cyc in cycles:
            for j in cyc:
                result[j] = points[j]
                left[points[j]] -= 1
                active[j] = False


def random_market(rng, n, m, max_len, cap_share=0.8, acceptable=1.0):
    pref = np.full((n, max_len), -1, np.int64)
    for i in range(n):
        k = int(rng.integers(1, max_len + 1))
        pref[i, :k] = rng.choice(m, size=k, replace=False)
    rank = np.argsort(rng.random((m, n)), axis=1).argsort(axis=1)
    if acceptable < 1.0:
        rank = np.where(rng.random((m, n)) < acceptable, rank, -1)
    cap = rng.multinomial(max(int(cap_share * n), m), np.ones(m) / m)
    return pref, rank, cap


def pair_ranks(pref, rank):
    n = pref.shape[0]
    out = np.where(pref >= 0, rank[np.clip(pref, 0, None), np.arange(n)[:, None]], -1)
    return out


@pytest.mark.parametrize("seed", range(30))
def test_ttc_equals_round_based_reference_with_dense_ranks(seed):
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(3, 40)), int(rng.integers(1, 7))
    pref, rank, cap = random_market(rng, n, m, min(m, 4), acceptable=0.85)
    got = assign_arrays(pref, rank, cap, mechanism="top_trading_cycles", rank_form="schools")
    np.testing.assert_array_equal(got, ttc_rounds(pref, rank, cap))


@pytest.mark.parametrize("seed", range(30))
def test_ttc_with_pair_ranks_equals_reference_where_schools_rank_only_applicants(seed):
    rng = np.random.default_rng(100 + seed)
    n, m = int(rng.integers(3, 40)), int(rng.integers(1, 7))
    pref, rank, cap = random_market(rng, n, m, min(m, 4), acceptable=0.85)
    pr = pair_ranks(pref, rank)
    applicants_only = np.full_like(rank, -1)
    for i in range(n):
        for s, r in zip(pref[i], pr[i], strict=True):
            if s >= 0:
                applicants_only[s, i] = r
    got = assign_arrays(pref, pr, cap, mechanism="top_trading_cycles", rank_form="pairs")
    np.testing.assert_array_equal(got, ttc_rounds(pref, applicants_only, cap))


def test_ttc_forms_can_differ_when_a_school_points_to_a_non_applicant():
    # i0 has top priority at s0 but lists only s1; i1 lists only s0 and has top priority at s1;
    # i2 lists only s1, where she comes after i1 and before i0. One seat each.
    pref = np.array([[1], [0], [1]])
    rank = np.array([[0, 1, 2], [2, 0, 1]])
    cap = np.array([1, 1])
    dense = assign_arrays(pref, rank, cap, mechanism="top_trading_cycles", rank_form="schools")
    pairs = assign_arrays(pref, pair_ranks(pref, rank), cap, mechanism="top_trading_cycles")
    # dense: s0 points to i0 and s1 to i1, so i0 and i1 trade their claims (cycle i0 s1 i1 s0)
    assert dense.tolist() == [1, 0, -1]
    # pairs: each school points to its best applicant: s0 to i1, s1 to i2
    assert pairs.tolist() == [-1, 0, 1]


@pytest.mark.parametrize("mechanism", ["deferred_acceptance", "immediate_acceptance"])
def test_pair_ranks_and_dense_ranks_give_the_same_placement(mechanism):
    rng = np.random.default_rng(5)
    pref, rank, cap = random_market(rng, 3000, 40, 5, acceptable=0.95)
    dense = assign_arrays(pref, rank, cap, mechanism=mechanism)
    pairs = assign_arrays(pref, pair_ranks(pref, rank), cap, mechanism=mechanism)
    np.testing.assert_array_equal(dense, pairs)
    # pair ranks only need to be unique within a school: any increasing relabelling gives the same
    relabelled = np.where(pair_ranks(pref, rank) >= 0, 7 * pair_ranks(pref, rank) + 3, -1)
    np.testing.assert_array_equal(assign_arrays(pref, relabelled, cap, mechanism=mechanism), dense)


def test_large_ttc_equals_reference():
    rng = np.random.default_rng(9)
    pref, rank, cap = random_market(rng, 400, 12, 5, cap_share=0.9)
    got = assign_arrays(pref, rank, cap, mechanism="top_trading_cycles")
    np.testing.assert_array_equal(got, ttc_rounds(pref, rank, cap))


@pytest.mark.parametrize("mechanism", MECHANISMS)
@pytest.mark.parametrize("order", ["reserved_first", "open_first"])
def test_reserved_seats_same_in_both_forms(mechanism, order):
    rng = np.random.default_rng(3)
    pref, rank, cap = random_market(rng, 300, 6, 4, cap_share=0.9)
    reserved = np.minimum(cap, [5, 0, 3, 0, 8, 1])
    eligible = rng.random(300) < 0.15
    kw = {"mechanism": mechanism, "reserved": reserved, "reserve_eligible": eligible, "reserve_order": order}
    out = assign_arrays(pref, pair_ranks(pref, rank), cap, **kw)
    counts = np.bincount(out[out >= 0], minlength=6)
    assert (counts <= cap).all()
    if mechanism != "top_trading_cycles":
        np.testing.assert_array_equal(out, assign_arrays(pref, rank, cap, **kw))
    # ineligible students never take more than the open seats
    ineligible = np.bincount(out[(out >= 0) & ~eligible], minlength=6)
    assert (ineligible <= cap - reserved).all()


def test_assigned_rank():
    pref = np.array([[2, 0, -1], [1, -1, -1], [0, 1, 2]])
    pr = np.array([[4, 1, -1], [0, -1, -1], [2, 3, 5]])
    np.testing.assert_array_equal(assigned_rank(pref, pr, np.array([0, -1, 2])), [1, -1, 5])


# ---------------------------------------------------------------------------------------------
# every case of bad input is refused with the parameter's name (no segfault, no silent result)

PREF = np.array([[0, 1], [1, -1], [0, 1]])
RANK = np.array([[0, 1, 2], [2, 0, 1]])
CAP = np.array([1, 2])


@pytest.mark.parametrize(
    ("kwargs", "parameter", "fragment"),
    [
        ({"pref": np.array([[0, 7], [1, -1], [0, 1]])}, "pref", "skolindex 7 finns inte"),
        ({"pref": np.array([[0, -2], [1, -1], [0, 1]])}, "pref", "skolindex -2"),
        ({"pref": np.array([[-1, 1], [1, -1], [0, 1]])}, "pref", "efter utfyllnaden"),
        ({"pref": np.array([[1, 1], [1, -1], [0, 1]])}, "pref", "två gånger"),
        ({"pref": np.array([[0.5, 1], [1, -1], [0, 1]])}, "pref", "inte ett heltal"),
        ({"pair_rank": RANK[:, :2]}, "pair_rank", "väntade formen"),
        ({"pair_rank": np.array([[0, 1, 1], [2, 0, 1]])}, "pair_rank", "samma rang"),
        ({"pair_rank": np.array([[0, 1, 3], [2, 0, 1]])}, "pair_rank", "plats 0 .. 2"),
        ({"pair_rank": np.array([[0, 1], [0, -1], [1, 0]])}, "pair_rank", "samma rang"),
        ({"capacity": np.array([1, -1])}, "capacity", "-1 platser"),
        ({"reserved": np.array([2, 0]), "reserve_eligible": np.ones(3, bool)}, "reserved", "reserverade"),
        ({"reserved": np.array([1, 0])}, "reserve_eligible", "behövs"),
        ({"reserved": np.array([1, 0]), "reserve_eligible": np.ones(2, bool)}, "reserve_eligible", "en per elev"),
        ({"reserved": np.array([1, 0]), "reserve_eligible": np.ones(3, bool), "reserve_order": "reserved-first"},
         "reserve_order", "reserved_first"),
        ({"mechanism": "boston"}, "mechanism", "deferred_acceptance"),
        ({"rank_form": "dense"}, "rank_form", "pairs"),
    ],
)
def test_bad_arguments_are_refused(kwargs, parameter, fragment):
    args = {"pref": PREF, "pair_rank": RANK, "capacity": CAP} | kwargs
    with pytest.raises(ParameterError, match=fragment) as info:
        assign_arrays(**args)
    assert info.value.parameter == parameter


def test_a_school_index_beyond_the_schools_never_reaches_the_kernel():
    # formerly a segmentation fault (exit 139) or a student placed at a non-existent school
    rng = np.random.default_rng(0)
    pref, rank, cap = random_market(rng, 500, 5, 3)
    pref[17, 0] = 10_000
    for mechanism in MECHANISMS:
        with pytest.raises(ParameterError, match="elev 17"):
            assign_arrays(pref, rank, cap, mechanism=mechanism)


def test_ambiguous_shape_needs_rank_form():
    pref = np.array([[0, 1], [1, 0]])
    rank = np.array([[0, 1], [1, 0]])
    with pytest.raises(ParameterError, match="rank_form"):
        assign_arrays(pref, rank, np.array([1, 1]))
    # pairs: both students rank 0 at their first school, 1 at their second
    pairs = assign_arrays(pref, np.array([[0, 1], [0, 1]]), np.array([1, 1]), rank_form="pairs")
    assert pairs.tolist() == [0, 1]


def test_options_are_keyword_only():
    with pytest.raises(TypeError):
        assign_arrays(PREF, RANK, CAP, "top_trading_cycles")

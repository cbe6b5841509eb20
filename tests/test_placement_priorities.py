"""Declared priority rules: hand-computed keys and lexicographic ranks, lottery tie-breaking."""

from __future__ import annotations

import numpy as np
import pytest

from likvard.placement.priorities import (
    PriorityInputs,
    Quota,
    Rule,
    SchoolRules,
    deciding_rule,
    lexicographic_dense_rank,
    nearest_other,
    priority_scores,
    reserved_seats,
)
from likvard.placement.simulate import LotteryRanks

# 4 applicants x 3 schools (metres)
D = np.array(
    [
        [500.0, 900.0, 2000.0],
        [1200.0, 400.0, 1500.0],
        [800.0, 800.0, 300.0],
        [3000.0, 2600.0, 2500.0],
    ]
)
# bit g set = a sibling in grade g attends that school
SIB = np.array([[0, 1 << 3, 0], [1 << 8, 0, 0], [0, 0, 0], [1 << 2, 0, 0]], dtype=np.int32)


def _inputs(reference=None):
    return PriorityInputs(D, SIB, catchment=np.array([0, 1, 2, 2]), queue_days=None, reference=reference)


def test_nearest_other_by_hand():
    other = nearest_other(D)
    np.testing.assert_allclose(other[0], [900, 500, 500])
    np.testing.assert_allclose(other[2], [300, 300, 800])
    ref = np.array([True, True, False])  # school 2 is not a reference (e.g. independent)
    np.testing.assert_allclose(nearest_other(D, ref)[2], [800, 800, 800])


def test_relative_proximity_scores_by_hand():
    rules = [SchoolRules([Rule("relative_proximity")])] * 3
    scores = priority_scores(rules, _inputs())
    # school 0: d - nearest other = [500-900, 1200-400, 800-300, 3000-2500] = [-400, 800, 500, 500]
    np.testing.assert_array_equal(scores[0], [0, 2, 1, 1])
    # absolute distance would put applicant 2 first at school 0 ties aside; relative puts applicant 0
    dist = priority_scores([SchoolRules([Rule("distance")])] * 3, _inputs())
    np.testing.assert_array_equal(dist[0], [0, 2, 1, 3])


def test_sibling_conditions_grade_and_distance():
    any_grade = SchoolRules([Rule("sibling"), Rule("distance")])
    young = SchoolRules([Rule("sibling", grades=tuple(range(6))), Rule("distance")])
    near = SchoolRules([Rule("sibling", max_distance_m=2000), Rule("distance")])
    s_any = priority_scores([any_grade] * 3, _inputs())[0]
    s_young = priority_scores([young] * 3, _inputs())[0]
    s_near = priority_scores([near] * 3, _inputs())[0]
    # at school 0: applicant 1 has a sibling in grade 8, applicant 3 one in grade 2 living 3 km away
    np.testing.assert_array_equal(s_any, [2, 0, 3, 1])  # siblings 1 (1200 m) and 3 (3000 m) first
    np.testing.assert_array_equal(s_young, [1, 3, 2, 0])  # only the grade-2 sibling counts; then 500 < 800 < 1200 m
    np.testing.assert_array_equal(s_near, [1, 0, 2, 3])  # only the sibling within 2 km counts


def test_catchment_then_lottery_leaves_ties():
    rules = [SchoolRules([Rule("catchment"), Rule("lottery"), Rule("distance")])] * 3
    scores = priority_scores(rules, _inputs())
    np.testing.assert_array_equal(scores[2], [1, 1, 0, 0])  # rules after the lottery never count
    assert deciding_rule(rules[2], 2, _inputs(), 0, 2) == "catchment"
    assert deciding_rule(rules[2], 2, _inputs(), 0, 1) == "lottery"


def test_lexicographic_dense_rank_against_sorting_tuples():
    rng = np.random.default_rng(0)
    keys = [rng.integers(0, 3, 200).astype(float), rng.integers(0, 4, 200).astype(float)]
    dense = lexicographic_dense_rank(keys, 200)
    tuples = sorted(set(zip(keys[0], keys[1], strict=True)))
    expected = [tuples.index((a, b)) for a, b in zip(keys[0], keys[1], strict=True)]
    np.testing.assert_array_equal(dense, expected)


@pytest.mark.parametrize("lottery", ["single", "per_school"])
def test_lottery_ranks_are_strict_and_respect_scores(lottery):
    rng = np.random.default_rng(1)
    scores = rng.integers(0, 5, size=(6, 300)).astype(float)
    scores[2, :10] = np.nan
    ranks = LotteryRanks(scores, lottery).draw(np.random.default_rng(2))
    for s in range(6):
        ok = ~np.isnan(scores[s])
        assert np.all(ranks[s, ~ok] == -1)
        np.testing.assert_array_equal(np.sort(ranks[s, ok]), np.arange(ok.sum()))
        # a strictly better score always means a better rank
        order = np.argsort(ranks[s, ok])
        assert np.all(np.diff(scores[s, ok][order]) >= 0)


def test_single_lottery_uses_one_number_per_student():
    scores = np.zeros((3, 50))
    ranks = LotteryRanks(scores, "single").draw(np.random.default_rng(3))
    np.testing.assert_array_equal(ranks[0], ranks[1])
    np.testing.assert_array_equal(ranks[0], ranks[2])
    per = LotteryRanks(scores, "per_school").draw(np.random.default_rng(3))
    assert not np.array_equal(per[0], per[1])


def test_lottery_is_uniform_within_a_tie():
    scores = np.array([[0.0, 1.0, 1.0, 1.0]])
    ranker = LotteryRanks(scores, "single")
    firsts = np.zeros(4)
    rng = np.random.default_rng(4)
    for _ in range(6000):
        r = ranker.draw(rng)[0]
        assert r[0] == 0
        firsts[np.argmin(np.where(r == 1, 0, 1))] += 1
    np.testing.assert_allclose(firsts[1:] / 6000, 1 / 3, atol=0.03)


def test_quota_seats():
    rules = [SchoolRules([Rule("lottery")], Quota("newly_arrived", share=0.1)), SchoolRules([Rule("lottery")])]
    reserved, eligible, order = reserved_seats(rules, np.array([25, 30]), {"newly_arrived": np.array([True, False])})
    np.testing.assert_array_equal(reserved, [2, 0])
    np.testing.assert_array_equal(eligible, [True, False])
    assert order == "reserved_first"
    with pytest.raises(ValueError, match="group"):
        reserved_seats([SchoolRules([], Quota("pets", seats=3))], np.array([10]), {"newly_arrived": np.array([True])})

"""Lottery replications spread over worker processes give the same result as one process for
the same seed (replication r always draws from the stream [seed, r]), whatever the backend and
the number of chunks; a straightforward reference loop of ``place_once`` gives the same counts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from likvard.errors import ParameterError
from likvard.parallel.replications import simulate_parallel
from likvard.placement.scenarios import Scenario, apply_scenario, build_market
from likvard.placement.simulate import Draws, place_once, prepare, replicate, simulate
from likvard.tables import PARENT_EDUCATION
from test_placement_scenarios import BETA, town


@pytest.fixture(scope="module")
def market():
    return build_market(*town(600, seed=3), 2024, 0)


def _same(a, b):
    pd.testing.assert_frame_equal(a.summary, b.summary)
    pd.testing.assert_frame_equal(a.schools, b.schools)
    for key in a.draws:
        np.testing.assert_array_equal(a.draws[key], b.draws[key])


def test_chunks_in_workers_equal_one_process(market):
    one = simulate(market, n_replications=13, seed=7, beta=BETA)
    _same(one, simulate_parallel(market, n_replications=13, seed=7, beta=BETA, backend="joblib", n_jobs=2))
    _same(one, simulate_parallel(market, n_replications=13, seed=7, beta=BETA, backend="joblib", n_jobs=2,
                                 chunks=5))
    other = simulate(market, n_replications=13, seed=8, beta=BETA)
    assert not np.array_equal(one.draws["counts"], other.draws["counts"])  # the seed matters


def test_per_school_lottery_and_observed_lists_in_chunks(market):
    scen = apply_scenario(market, Scenario(name="Lottning per skola", lottery="per_school"))
    one = simulate(scen, n_replications=6, seed=2)
    _same(one, simulate_parallel(scen, n_replications=6, seed=2, backend="joblib", n_jobs=2, chunks=3))


def test_draws_equal_a_plain_loop_of_place_once(market):
    prep = prepare(market, BETA)
    d = Draws.join([replicate(prep, 5, 4, 9), replicate(prep, 5, 0, 4)])
    G = len(PARENT_EDUCATION)
    for r in range(9):
        pl = place_once(prep, np.random.default_rng([5, r]))
        a = pl.assignment
        ref = np.zeros((market.n_schools, G), int)
        np.add.at(ref, (a[a >= 0], prep.groups[a >= 0]), 1)
        np.testing.assert_array_equal(d.counts[r], ref)
        assert d.n_admin[r] == pl.admin.sum() and d.unplaced[r] == (a < 0).sum()
    with pytest.raises(ParameterError):
        Draws.join([replicate(prep, 5, 0, 2), replicate(prep, 5, 3, 4)])  # replication 2 missing
    with pytest.raises(ParameterError):
        simulate_parallel(market, n_replications=4, seed=1, beta=BETA, backend="joblib", chunks=0)

"""On Exempelstad: the choice model recovers the generator's preference parameters, and closing
a school moves its students to nearby schools."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import norm

from likvard.placement import choice_model as cm
from likvard.placement.scenarios import Scenario, apply_scenario, build_market
from likvard.placement.simulate import place_once, prepare, simulate


@pytest.fixture(scope="module")
def exempelstad():
    from likvard.demo import generate_exempelstad

    return generate_exempelstad()


@pytest.mark.parametrize("grade", [0, 7])
def test_recovers_generator_choice_parameters(exempelstad, grade):
    d = exempelstad
    fit = cm.estimate_from_tables(d.schools, d.students, d.choices, grade)
    truth = d.truth["choice_parameters"]
    p = fit.params.set_index("feature")
    z = (p["estimate"] - p.index.map(truth)) / p["std_error"]
    assert fit.converged
    # every parameter within sampling error: a family-wise 1 % bound over the k parameters
    # (Bonferroni), since with eleven school years of choices the standard errors are small
    bound = norm.ppf(1 - 0.005 / len(p))
    assert np.all(np.abs(z) < bound), p.assign(true=p.index.map(truth), z=z)
    assert 0 < fit.mcfadden_r2 < 1 and fit.hit_rate > 0.3


def test_closing_a_school_on_exempelstad(exempelstad):
    d = exempelstad
    year = int(d.choices["school_year"].max())
    market = build_market(d.schools, d.students, d.choices, year, 0)
    beta = d.truth["choice_parameters"]
    municipal = np.flatnonzero(market.organiser_type == "municipal")
    size = np.bincount(market.nearest_open(), minlength=market.n_schools)
    j = int(municipal[np.argmax(size[municipal])])  # the municipal school most families live nearest
    closed = market.school_ids[j]
    scen = apply_scenario(market, Scenario(name="Stäng", close=[closed]))
    res = simulate(scen, n_replications=10, seed=1, beta=beta)
    assert res.schools.set_index("school_id").loc[closed, "n_students_high"] == 0
    p0, p1 = prepare(market, beta), prepare(scen, beta)
    a = place_once(p0, np.random.default_rng([1, 0])).assignment
    b = place_once(p1, np.random.default_rng([1, 0]))
    moved = np.flatnonzero(a == j)
    assert len(moved) > 10 and np.all(b.assignment[moved] != j)
    d_open = np.where(scen.is_open, scen.distance_m, np.inf)[moved]
    near3 = np.argsort(d_open, axis=1)[:, :3]
    # most displaced students go to one of the nearest schools (families with post-secondary
    # education travel further in Exempelstad's choice model, so not all of them), and far closer
    # than a school picked at random among the open ones
    assert np.mean(near3 == b.assignment[moved][:, None], axis=0).sum() > 0.5
    new_dist = scen.distance_m[moved, b.assignment[moved]]
    random_dist = np.nanmean(np.where(np.isfinite(d_open), d_open, np.nan), axis=1)
    assert new_dist.mean() < 0.6 * random_dist.mean()
    # those who got none of their choices were placed by the municipality, at a municipal school
    admin = b.admin
    assert np.all(scen.organiser_type[b.assignment[admin]] == "municipal")
    assert np.all(b.assignment >= 0) or (b.assignment < 0).sum() <= max(0, market.n_students - scen.capacities.sum())

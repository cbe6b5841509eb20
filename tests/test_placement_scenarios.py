"""Scenarios and simulation on a small synthetic town with known choice parameters: closing a
school, bus cards, the array engine against the reference ``assign``, segregation against
``likvard.segregation``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from likvard.placement import assign
from likvard.placement import choice_model as cm
from likvard.placement.scenarios import (
    BusCards,
    NewSchool,
    Scenario,
    apply_scenario,
    build_market,
    drop_closed_from_lists,
)
from likvard.placement.simulate import (
    assign_arrays,
    compare,
    dissimilarity,
    mutual_information,
    place_administratively,
    place_once,
    prepare,
    simulate,
)

BETA = {
    "distance_km": -1.2,
    "distance_km_x_post_secondary": 0.4,
    "sibling": 2.5,
    "share_post_secondary": 1.0,
    "share_post_secondary_x_post_secondary": 1.5,
    "independent": -0.3,
    "profile": 0.4,
}


def town(n: int = 900, seed: int = 0):
    """8 schools on a 12 x 12 km town; richer families in the north-east; grade 0 in 2024,
    older siblings in grade 3 and last year's pupils for the school shares."""
    rng = np.random.default_rng(seed)
    xy = np.array([[2, 2], [6, 2], [10, 2], [2, 7], [6, 7], [10, 7], [4, 11], [9, 11]], float) * 1000
    schools = pd.DataFrame(
        {
            "school_id": [f"2000000{k}" for k in range(8)],
            "name": [f"Skola {chr(65 + k)}" for k in range(8)],
            "organiser": ["Kommun"] * 6 + ["Friskola AB"] * 2,
            "organiser_type": ["municipal"] * 6 + ["independent"] * 2,
            "municipality_code": "9999",
            "x": xy[:, 0],
            "y": xy[:, 1],
            "grade_min": 0,
            "grade_max": 9,
            "profile": [""] * 7 + ["idrott"],
        }
    )
    schools = pd.concat([schools.assign(school_year=2023), schools.assign(school_year=2024)], ignore_index=True)
    for g in range(10):
        schools[f"capacity_{g}"] = [150] * 6 + [90, 90] + [150] * 6 + [90, 90]
    hx, hy = rng.uniform(0, 12000, n), rng.uniform(0, 12000, n)
    p_ps = 0.15 + 0.6 * (hx + hy) / 24000
    ps = rng.random(n) < p_ps
    edu = np.where(ps, "post_secondary", np.where(rng.random(n) < 0.2, "compulsory", "upper_secondary"))
    students = pd.DataFrame(
        {
            "student_id": [f"e{i:04d}" for i in range(n)],
            "school_year": 2024,
            "grade": 0,
            "parent_education": edu,
            "migration_background": np.where(rng.random(n) < 0.5 - 0.4 * p_ps, "foreign_born", "swedish"),
            "newly_arrived": rng.random(n) < 0.05,
            "home_x": hx,
            "home_y": hy,
            "sibling_group": [f"f{i}" if i % 5 == 0 else None for i in range(n)],
            "sex": np.where(rng.random(n) < 0.5, "F", "M"),
        }
    )
    near = np.hypot(hx[:, None] - xy[:, 0], hy[:, None] - xy[:, 1]).argmin(axis=1)
    students["school_id"] = schools["school_id"].to_numpy()[near]  # enrolled this autumn
    # older siblings in grade 3 at their nearest school
    sib = students[students["sibling_group"].notna()].copy()
    d = np.hypot(sib["home_x"].to_numpy()[:, None] - xy[:, 0], sib["home_y"].to_numpy()[:, None] - xy[:, 1])
    sib = sib.assign(student_id=sib["student_id"] + "s", grade=3, school_id=schools["school_id"].to_numpy()[d.argmin(1)])
    prev = pd.DataFrame(
        {
            "student_id": [f"p{k}" for k in range(8 * 20)],
            "school_year": 2023,
            "grade": 5,
            "school_id": np.repeat(schools["school_id"].to_numpy()[:8], 20),
            "parent_education": np.where(
                rng.random(160) < np.repeat([0.2, 0.3, 0.5, 0.3, 0.5, 0.7, 0.6, 0.8], 20), "post_secondary", "compulsory"
            ),
            "migration_background": "swedish",
            "newly_arrived": False,
            "home_x": 0.0,
            "home_y": 0.0,
            "sibling_group": None,
            "sex": "F",
        }
    )
    # the siblings were at the same school last year too (so their priority counts)
    all_students = pd.concat([students, sib, sib.assign(school_year=2023, grade=2), prev], ignore_index=True)
    market = build_market(schools, all_students, None, 2024, 0)
    # observed choices drawn from the known model
    pref = cm.draw_rankings(cm.utilities(market.choice_X(), BETA, list(market.features)), 3, rng)
    choices = pd.DataFrame(
        {
            "student_id": np.repeat(market.student_ids, 3),
            "school_year": 2024,
            "grade": 0,
            "rank": np.tile([1, 2, 3], n),
            "school_id": market.school_ids[pref.ravel()],
        }
    )
    return schools, all_students, choices


@pytest.fixture(scope="module")
def tables():
    return town()


@pytest.fixture(scope="module")
def market(tables):
    return build_market(*tables, 2024, 0)


def test_market_from_tables(market, tables):
    assert market.n_students == 900 and market.n_schools == 8
    np.testing.assert_array_equal(market.capacities, [150] * 6 + [90, 90])
    # observed lists equal the choices table
    choices = tables[2].sort_values(["student_id", "rank"])
    first = choices[choices["rank"] == 1].set_index("student_id")["school_id"]
    np.testing.assert_array_equal(market.school_ids[market.observed_pref[:, 0]], first.loc[market.student_ids])
    # every fifth student has a grade-3 sibling at the nearest school
    assert np.all((market.sibling_grades != 0).sum(axis=1)[::5] == 1)
    assert np.all(market.sibling_grades[market.sibling_grades != 0] == 1 << 3)


def test_estimates_from_tables_recover_the_parameters(tables):
    data = cm.build_choice_data(*tables, 2024, 0)
    fit = cm.estimate(data)
    z = (fit.params["estimate"] - fit.params["feature"].map(BETA)) / fit.params["std_error"]
    assert np.all(np.abs(z) < 3.0), fit.params


def test_deferred_acceptance_engine_equals_reference_assign():
    rng = np.random.default_rng(5)
    for _ in range(30):
        n, m = int(rng.integers(5, 40)), int(rng.integers(2, 6))
        pref = np.full((n, 3), -1, np.int32)
        for i in range(n):
            k = min(int(rng.integers(1, 4)), m)
            pref[i, :k] = rng.choice(m, size=k, replace=False)
        rank = np.array([rng.permutation(n) for _ in range(m)], dtype=np.int32)
        cap = rng.integers(0, 8, m).astype(np.int32)
        got = assign_arrays(pref, rank, cap)
        prefs = [[int(s) for s in row if s >= 0] for row in pref]
        order = [list(np.argsort(rank[s])) for s in range(m)]
        ref = assign(prefs, order, list(cap))
        np.testing.assert_array_equal(got, [-1 if r is None else r for r in ref])


def test_boston_gives_first_choices_first():
    # student 0 ranks school 0 second; student 1 ranks it first with lower priority: Boston seats 1
    pref = np.array([[1, 0], [0, 1], [1, 0]], np.int32)
    rank = np.array([[0, 2, 1], [1, 0, 2]], np.int32)
    cap = np.array([1, 1], np.int32)
    got = assign_arrays(pref, rank, cap, mechanism="immediate_acceptance")
    # round 1: student 1 alone at school 0; students 0 and 2 at school 1, where 0 has priority
    # (rank 1 < 2); round 2: student 2 applies to school 0, already full
    np.testing.assert_array_equal(got, [1, 0, -1])
    # deferred acceptance (worked by hand): 2 displaces 1 at school 0, 1 displaces 0 at school 1,
    # 0 displaces 2 at school 0: priorities count, not the round in which one applied
    np.testing.assert_array_equal(assign_arrays(pref, rank, cap), [0, 1, -1])


def test_administrative_placement_nearest_free_municipal_school():
    assignment = np.array([0, -1, -1], np.int32)
    distance = np.array([[0, 5, 9], [100, 300, 200], [50, 400, 60]], float)
    cap = np.array([1, 5, 5])
    allowed = np.array([[True, True, False]] * 3)
    out, admin = place_administratively(assignment, distance, cap, allowed)
    np.testing.assert_array_equal(out, [0, 1, 1])  # school 0 full, school 2 not allowed
    np.testing.assert_array_equal(admin, [False, True, True])


def test_segregation_matches_likvard_segregation():
    from likvard.segregation import indices
    rng = np.random.default_rng(6)
    counts = rng.integers(0, 40, size=(7, 4))
    counts[3] = 0
    ref = indices(pd.DataFrame(counts, columns=list("abcd")))
    assert mutual_information(counts) == pytest.approx(ref["mutual_information"], rel=1e-10)
    assert dissimilarity(counts) == pytest.approx(ref["dissimilarity"], rel=1e-10)
    many = np.stack([counts, counts[::-1]])
    np.testing.assert_allclose(mutual_information(many), ref["mutual_information"])


def test_drop_closed_moves_later_choices_up():
    pref = np.array([[2, 0, 1], [1, 2, -1]], np.int32)
    out = drop_closed_from_lists(pref, np.array([True, True, False]))
    np.testing.assert_array_equal(out, [[0, 1, -1], [1, -1, -1]])


def test_closing_a_school_moves_its_students_nearby(market):
    base = simulate(market, n_replications=20, seed=1, beta=BETA)
    closed = market.school_ids[4]  # the central school
    scen = apply_scenario(market, Scenario(name="Stäng E", close=[closed]))
    res = simulate(scen, n_replications=20, seed=1, beta=BETA)
    row = res.schools.set_index("school_id")
    assert row.loc[closed, "n_students"] == 0 and row.loc[closed, "n_students_high"] == 0
    assert res.draws["counts"][:, 4].sum() == 0
    # every student is placed (capacity suffices) and the closed school's pupils go to its neighbours
    assert res.summary.set_index("measure").loc["n_unplaced", "mean"] == 0
    gain = (row["n_students"] - base.schools.set_index("school_id")["n_students"]).drop(closed)
    lost = base.schools.set_index("school_id").loc[closed, "n_students"]
    assert gain.sum() == pytest.approx(lost, abs=1e-9)
    # student by student (same lotteries and choice draws): those at the closed school in the
    # baseline mostly land at one of their three nearest remaining schools
    p0, p1 = prepare(market, BETA), prepare(scen, BETA)
    shares = []
    for r in range(5):
        a = place_once(p0, np.random.default_rng([1, r])).assignment
        b = place_once(p1, np.random.default_rng([1, r])).assignment
        moved = np.flatnonzero(a == 4)
        d = np.where(scen.is_open, scen.distance_m, np.inf)[moved]
        near3 = np.argsort(d, axis=1)[:, :3]
        shares.append(np.mean(near3 == b[moved][:, None], axis=0).sum())
    assert np.mean(shares) > 0.8
    # travel gets longer on average
    s0 = base.summary.set_index("measure")
    s1 = res.summary.set_index("measure")
    assert s1.loc["mean_distance_km", "mean"] > s0.loc["mean_distance_km", "mean"]


def test_closing_with_tight_capacity_needs_administrative_placements(market):
    scen = apply_scenario(
        market,
        Scenario(name="Stäng och krymp", close=[market.school_ids[4]],
                 capacities={sid: 145 for sid in market.school_ids[:6] if sid != market.school_ids[4]}),
    )
    # seats: 5 x 145 + 2 x 90 = 905 for 900 pupils: many get none of their three choices
    res = simulate(scen, n_replications=5, seed=2, beta=BETA)
    s = res.summary.set_index("measure")
    placed_independent = res.schools.set_index("school_id")["n_students"].loc[market.school_ids[6:]].sum()
    # the municipality places everyone it can: unplaced only when its own seats are all taken
    assert s.loc["n_unplaced", "mean"] == pytest.approx(max(0.0, 900 - 725 - placed_independent))
    assert s.loc["n_administrative", "mean"] > 0
    row = res.schools.set_index("school_id")
    assert row["n_administrative"].loc[market.school_ids[6:]].sum() == 0  # never at independent schools
    assert np.all(row["n_students"].to_numpy() <= scen.capacities)


def test_opening_a_school_fills_it_from_its_surroundings(market):
    new = NewSchool("29999999", "Nya skolan", 6000.0, 11500.0, 120)
    scen = apply_scenario(market, Scenario(name="Ny skola", open=[new]))
    res = simulate(scen, n_replications=10, seed=3, beta=BETA)
    row = res.schools.set_index("school_id").loc["29999999"]
    assert 0 < row["n_students"] <= 120


def test_bus_cards_lengthen_trips_of_the_group(market):
    base = simulate(market, n_replications=20, seed=4, beta=BETA)
    scen = apply_scenario(market, Scenario(name="Busskort", bus_cards=BusCards(0.3, group="not_post_secondary")))
    res = simulate(scen, n_replications=20, seed=4, beta=BETA)
    d0 = base.summary.set_index("measure").loc["mean_distance_km_other", "mean"]
    d1 = res.summary.set_index("measure").loc["mean_distance_km_other", "mean"]
    assert d1 > d0 + 0.1


def test_same_seed_same_result_and_observed_lists(market):
    a = simulate(market, n_replications=5, seed=9)
    b = simulate(market, n_replications=5, seed=9)
    pd.testing.assert_frame_equal(a.summary, b.summary)
    c = simulate(apply_scenario(market, Scenario(name="Lottning per skola", lottery="per_school")), n_replications=5, seed=9)
    table = compare([a, c]).set_index("measure")
    assert list(table.columns) == ["residential", "Nuläge", "Nuläge low", "Nuläge high", "Lottning per skola",
                                   "Lottning per skola low", "Lottning per skola high"]
    assert table.loc["mutual_information", "Nuläge low"] <= table.loc["mutual_information", "Nuläge"] <= table.loc["mutual_information", "Nuläge high"]
    assert table.loc["mutual_information", "Nuläge"] == pytest.approx(a.draws["mutual_information"].mean())
    # observed lists are fixed: first-choice share differs between lotteries only by chance
    assert abs(table.loc["share_first_choice", "Nuläge"] - table.loc["share_first_choice", "Lottning per skola"]) < 0.1


def test_cutoff_distance_is_the_farthest_admitted_by_relative_proximity(market):
    # with rules [relative proximity, lottery] the last admitted is the one with the largest
    # relative distance among those admitted (ties in metres are practically impossible)
    from likvard.placement.priorities import Rule, SchoolRules, nearest_other

    scen = apply_scenario(market, Scenario(name="Bara närhet", rules={"default": SchoolRules([Rule("relative_proximity")])},
                                           capacities={sid: 100 for sid in market.school_ids}))
    res = simulate(scen, n_replications=1, seed=5, beta=BETA)
    pl = place_once(prepare(scen, BETA), np.random.default_rng([5, 0]))
    rel = scen.distance_m - nearest_other(scen.distance_m, scen.organiser_type == "municipal")
    for s in range(scen.n_schools):
        admitted = pl.by_mechanism == s
        if admitted.any():
            assert res.schools["cutoff_distance_m"].iloc[s] == pytest.approx(rel[admitted, s].max())


@pytest.mark.parametrize(("order", "expected"), [("reserved_first", [0, -1, 0]), ("open_first", [0, 0, -1])])
def test_reserved_seats_order(order, expected):
    # one school, 2 seats, 1 reserved for eligible students; priority E1 > N > E2
    # reserved first: E1 takes the reserved seat, N the open one; open first: E1 the open, E2 the reserved
    pref = np.array([[0], [0], [0]], np.int32)  # students E1, E2, N
    rank = np.array([[0, 2, 1]], np.int32)
    got = assign_arrays(pref, rank, np.array([2], np.int32), reserved=np.array([1], np.int32),
                        reserve_eligible=np.array([True, True, False]), reserve_order=order)
    np.testing.assert_array_equal(got, expected)


def test_quota_for_newly_arrived_raises_their_placement_at_popular_schools(market):
    tight = {sid: 100 for sid in market.school_ids}
    base = apply_scenario(market, Scenario(name="Utan kvot", capacities=tight))
    from likvard.placement.priorities import Quota

    quota = apply_scenario(market, Scenario(name="Kvot", capacities=tight, quota=Quota("newly_arrived", share=0.1)))
    r0 = simulate(base, n_replications=10, seed=3, beta=BETA)
    r1 = simulate(quota, n_replications=10, seed=3, beta=BETA)
    s0, s1 = r0.summary.set_index("measure"), r1.summary.set_index("measure")
    # the quota can only help the newly arrived to get a school they chose
    pl0 = place_once(prepare(base, BETA), np.random.default_rng([3, 0]))
    pl1 = place_once(prepare(quota, BETA), np.random.default_rng([3, 0]))
    na = market.newly_arrived
    assert (pl1.by_mechanism[na] >= 0).mean() >= (pl0.by_mechanism[na] >= 0).mean()
    # 800 seats for 900: 100 without a place; reserved seats left empty at the two independent
    # schools (10 each) cannot be used by the municipality's administrative placement
    assert s0.loc["n_unplaced", "mean"] == 100
    assert 100 <= s1.loc["n_unplaced", "mean"] <= 120

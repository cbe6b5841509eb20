"""Complementary suppression solved over the published margins: checked against an independent
linear program (scipy's linprog over *every* cell, the shown ones fixed), on hand-made tables and
on tables hypothesis generates with small cells."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from likvard.disclosure import PROTECTION, audit, protect, sensitive_share


def attacker_intervals(cells: dict, totals: dict, hidden: set, hidden_totals: set, bounds: list = ()) -> dict:
    """Reference: min and max of each hidden cell and hidden total over all non-negative tables
    that agree with every shown cell and every shown total (all cells are variables), and with
    ``bounds`` (pairs ``a <= b``: a part is at most its whole)."""
    keys = sorted(cells, key=repr)
    pos = {k: i for i, k in enumerate(keys)}
    a_eq, b_eq = [], []
    for k in keys:
        if k not in hidden:
            row = np.zeros(len(keys))
            row[pos[k]] = 1
            a_eq.append(row)
            b_eq.append(cells[k])
    for name, members in totals.items():
        if name in hidden_totals:
            continue
        row = np.zeros(len(keys))
        for m in members:
            row[pos[m]] = 1
        a_eq.append(row)
        b_eq.append(sum(cells[m] for m in members))
    out = {}
    targets = [(k, [k]) for k in hidden] + [(("total", n), totals[n]) for n in hidden_totals]
    for name, members in targets:
        c = np.zeros(len(keys))
        for m in members:
            c[pos[m]] = 1
        a_ub = []
        for a, b in bounds:
            row = np.zeros(len(keys))
            row[pos[a]], row[pos[b]] = 1, -1
            a_ub.append(row)
        ub = {"A_ub": np.array(a_ub), "b_ub": np.zeros(len(a_ub))} if a_ub else {}
        lo = linprog(c, A_eq=np.array(a_eq), b_eq=np.array(b_eq), bounds=(0, None), method="highs", **ub)
        hi = linprog(-c, A_eq=np.array(a_eq), b_eq=np.array(b_eq), bounds=(0, None), method="highs", **ub)
        assert lo.status == 0
        out[name] = (lo.fun, np.inf if hi.status == 3 else -hi.fun)
    return out


def two_way(table: np.ndarray, groups: list[int]) -> tuple[dict, dict]:
    """Cells (school, category), totals per school (row), per category, per group of schools and
    category, and the grand total: what a per-school table with a totals row publishes."""
    r, c = table.shape
    cells = {(i, j): float(table[i, j]) for i in range(r) for j in range(c)}
    totals: dict = {("row", i): [(i, j) for j in range(c)] for i in range(r)}
    for j in range(c):
        totals[("col", j)] = [(i, j) for i in range(r)]
        for g in set(groups):
            totals[("group", g, j)] = [(i, j) for i in range(r) if groups[i] == g]
    totals[("all",)] = list(cells)
    return cells, totals


def primary_cells(cells: dict) -> set:
    """A count of 1–9 students is sensitive (its complement within the row is in the row total)."""
    return {k for k, v in cells.items() if 1 <= v <= 9}


def test_single_hidden_cell_in_a_total_is_exact_without_complements_and_protected_with():
    cells = {"a": 8.0, "b": 25.0, "c": 40.0}
    totals = {"all": ["a", "b", "c"]}
    ref = attacker_intervals(cells, totals, {"a"}, set())
    assert ref["a"] == pytest.approx((8.0, 8.0))  # the attack of issue 16: total minus the rest
    prot = protect(cells, totals, {"a"})
    assert prot.hidden == {"a", "b"}  # the smallest shown school
    ref = attacker_intervals(cells, totals, set(prot.hidden), set(prot.hidden_totals))
    assert ref["a"][1] - ref["a"][0] >= 2 * PROTECTION


def test_two_tiny_hidden_cells_need_a_third():
    """1 + 2 hidden in a total pins each to [0, 3]: narrower than ±3, so a third cell goes."""
    cells = {"a": 1.0, "b": 2.0, "c": 30.0, "d": 50.0}
    totals = {"all": list(cells)}
    prot = protect(cells, totals, {"a", "b"})
    assert prot.hidden == {"a", "b", "c"}
    ref = attacker_intervals(cells, totals, set(prot.hidden), set())
    assert all(hi - lo >= 6 for lo, hi in ref.values())


def test_audit_agrees_with_the_reference_program():
    rng = np.random.default_rng(3)
    table = rng.integers(0, 40, size=(5, 3)).astype(float)
    table[1, 1], table[3, 0] = 2, 7
    cells, totals = two_way(table, [0, 0, 1, 1, 1])
    hidden = {(1, 1), (3, 0), (1, 0), (3, 1)}
    mine = audit(cells, totals, hidden)
    ref = attacker_intervals(cells, totals, hidden, set())
    for k in hidden:
        assert mine[k] == pytest.approx(ref[k], abs=1e-6)


def test_hidden_total_of_a_single_cell_group_is_protected():
    cells = {"a": 5.0, "b": 3.0, "c": 90.0, "d": 40.0}
    totals = {"small": ["a", "b"], "all": list(cells)}
    prot = protect(cells, totals, {"a", "b"})
    assert "small" in prot.hidden_totals  # 8 students in the group: below 10
    ref = attacker_intervals(cells, totals, set(prot.hidden), set(prot.hidden_totals))
    assert all(hi - lo >= 6 for lo, hi in ref.values())


def test_share_rule():
    assert sensitive_share(3, 40) and sensitive_share(37, 40)  # numerator or complement 1–9
    assert not sensitive_share(0, 40) and not sensitive_share(40, 40) and not sensitive_share(20, 40)
    assert sensitive_share(5, 9)  # fewer than 10 students


small_cells = st.one_of(st.integers(0, 9), st.integers(10, 60))


@st.composite
def tables(draw):
    r = draw(st.integers(3, 7))
    c = draw(st.integers(2, 3))
    values = draw(st.lists(small_cells, min_size=r * c, max_size=r * c))
    groups = draw(st.lists(st.integers(0, 1), min_size=r, max_size=r))
    return np.array(values, dtype=float).reshape(r, c), groups


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_every_suppressed_cell_keeps_an_interval_of_plus_minus_three(drawn):
    table, groups = drawn
    cells, totals = two_way(table, groups)
    prot = protect(cells, totals, primary_cells(cells))
    assert primary_cells(cells) <= prot.hidden
    ref = attacker_intervals(cells, totals, set(prot.hidden), set(prot.hidden_totals))
    for key, (lo, hi) in ref.items():
        assert hi - lo >= 2 * PROTECTION - 1e-6, (key, lo, hi, table, groups)
    for name, members in totals.items():  # a shown total below 10 would itself give a small count
        s = sum(cells[m] for m in members)
        if 0 < s < 10:
            assert name in prot.hidden_totals


def test_first_pass_hides_the_complement_inside_the_smallest_total():
    """A hidden school in a group of two: its neighbour in the group protects it in the group and
    in the whole; no school of the other group is hidden as well."""
    cells = {"a": 4.0, "b": 163.0, "c": 64.0, "d": 64.0, "e": 119.0}
    totals = {"all": list(cells), "small_group": ["a", "b"], "big_group": ["c", "d", "e"]}
    prot = protect(cells, totals, {"a"})
    assert prot.hidden == {"a", "b"}
    ref = attacker_intervals(cells, totals, set(prot.hidden), set(prot.hidden_totals))
    assert all(hi - lo >= 2 * PROTECTION for lo, hi in ref.values())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_a_total_shown_whatever_happens_is_never_hidden_and_cells_stay_protected(drawn):
    """The grand total is published in any case (the municipality): protection comes from
    further cells and other totals, and every hidden figure still keeps ±3."""
    table, groups = drawn
    cells, totals = two_way(table, groups)
    assume(table.sum() >= 20)
    prot = protect(cells, totals, primary_cells(cells), shown_totals=[("all",)])
    assert ("all",) not in prot.hidden_totals and primary_cells(cells) <= prot.hidden
    ref = attacker_intervals(cells, totals, set(prot.hidden), set(prot.hidden_totals))
    for key, (lo, hi) in ref.items():
        assert hi - lo >= 2 * PROTECTION - 1e-6, (key, lo, hi, table, groups)


def test_a_shown_part_bounds_its_hidden_whole_from_below():
    """A school's students hidden, its students with post-secondary parents shown (40): the
    attacker knows the school has at least 40 students, and the audit says so."""
    cells = {("n", "a"): 45.0, ("n", "b"): 48.0, ("n", "c"): 200.0, ("k", "a"): 40.0, ("k", "b"): 20.0,
             ("k", "c"): 100.0}
    totals = {"n": [("n", "a"), ("n", "b"), ("n", "c")], "k": [("k", "a"), ("k", "b"), ("k", "c")]}
    bounds = [(("k", s), ("n", s)) for s in "abc"]
    hidden = {("n", "a"), ("n", "b")}
    mine = audit(cells, totals, hidden, bounds=bounds)
    ref = attacker_intervals(cells, totals, hidden, set(), bounds)
    for k in hidden:
        assert mine[k] == pytest.approx(ref[k], abs=1e-6)
    # a + b = 93, a >= 40 and b >= 20: a in [40, 73], b in [20, 53]
    assert mine[("n", "a")] == pytest.approx((40.0, 73.0)) and mine[("n", "b")] == pytest.approx((20.0, 53.0))


@st.composite
def parts_and_wholes(draw):
    """Schools with a number of students and a part of them (e.g. post-secondary parents), in one
    or two organiser types: what the student-mix table and its totals publish."""
    r = draw(st.integers(3, 7))
    n = draw(st.lists(st.one_of(st.integers(1, 9), st.integers(10, 80)), min_size=r, max_size=r))
    k = [draw(st.integers(0, x)) for x in n]
    groups = draw(st.lists(st.integers(0, 1), min_size=r, max_size=r))
    return n, k, groups


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(parts_and_wholes())
@example(([1, 1, 18], [0, 0, 0], [0, 0, 0]))  # one group: its total is the published grand total
def test_parts_and_wholes_keep_plus_minus_three_with_the_part_at_most_the_whole(drawn):
    n, k, groups = drawn
    assume(sum(n) >= 20)  # the grand total is shown whatever happens: below 20 nothing can give ±3
    cells, bounds, primary = {}, [], set()
    for i, (ni, ki) in enumerate(zip(n, k)):
        cells[("n", i)], cells[("k", i)] = float(ni), float(ki)
        bounds.append((("k", i), ("n", i)))
        if ni < 10:
            primary |= {("n", i), ("k", i)}
        elif sensitive_share(ki, ni):
            primary.add(("k", i))
    totals = {("sum", f, "all"): [(f, i) for i in range(len(n))] for f in "nk"}
    for g in set(groups):
        for f in "nk":
            totals[("sum", f, g)] = [(f, i) for i in range(len(n)) if groups[i] == g]
    prot = protect(cells, totals, primary, bounds=bounds, min_total=0, shown_totals=[("sum", "n", "all")])
    assert primary <= prot.hidden
    ref = attacker_intervals(cells, totals, set(prot.hidden), set(prot.hidden_totals), bounds)
    mine = audit(cells, totals, set(prot.hidden), set(prot.hidden_totals), bounds=bounds)
    for key in prot.hidden:
        assert mine[key] == pytest.approx(ref[key], abs=1e-6)
    for key, (lo, hi) in ref.items():
        assert hi - lo >= 2 * PROTECTION - 1e-6, (key, lo, hi, n, k, groups)

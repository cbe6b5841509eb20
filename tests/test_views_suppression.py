"""Small-number suppression: primary rule, complementary rule, derived cells, chart values."""

from __future__ import annotations

import numpy as np
import pandas as pd

from likvard.privacy import SUPPRESSED
from likvard.views.suppression import (
    chart_values,
    complementary_suppression,
    is_marked,
    suppress_derived,
    suppress_table,
)


def table() -> pd.DataFrame:
    return pd.DataFrame({
        "name": ["A", "B", "C", "D"],
        "n_students": [120, 7, 15, 40],
        "share": [50.0, 42.9, 60.0, 20.0],
    })


def test_primary_rule_hides_school_below_ten_only():
    t = suppress_table(table(), "n_students", ["share"], totals_shown=False)
    assert list(is_marked(t["share"])) == [False, True, False, False]
    assert t.loc[1, "n_students"] == SUPPRESSED
    assert t.loc[2, "share"] == 60.0


def test_complementary_rule_hides_next_smallest_so_total_does_not_reveal_it():
    t = suppress_table(table(), "n_students", ["share"])
    # C (15 students) is the smallest unsuppressed school: hidden too.
    assert list(is_marked(t["n_students"])) == [False, True, True, False]
    total = table()["n_students"].sum()
    shown = pd.to_numeric(t["n_students"], errors="coerce").sum()
    # total minus the shown cells is the sum of two hidden schools, not one value
    assert total - shown == 7 + 15


def test_complementary_rule_works_per_group_and_leaves_unaffected_groups():
    df = pd.concat([table().assign(year=2023), table().assign(year=2024, n_students=[120, 30, 15, 40])], ignore_index=True)
    t = complementary_suppression(suppress_table(df, "n_students", ["share"], totals_shown=False), "n_students",
                                  ["share"], by="year")
    assert is_marked(t.loc[t["year"] == 2023, "n_students"]).sum() == 2
    assert is_marked(t.loc[t["year"] == 2024, "n_students"]).sum() == 0


def test_two_primary_suppressions_need_no_secondary():
    df = table()
    df.loc[2, "n_students"] = 5
    t = suppress_table(df, "n_students", ["share"])
    assert list(is_marked(t["n_students"])) == [False, True, True, False]


def test_derived_cell_is_hidden_when_an_input_is():
    df = pd.DataFrame({"a": [1.0, SUPPRESSED], "b": [2.0, 3.0], "d": [1.0, 99.0]})
    out = suppress_derived(df, "d", ["a", "b"])
    assert out.loc[0, "d"] == 1.0 and out.loc[1, "d"] == SUPPRESSED


def test_chart_values_drop_suppressed_small_and_missing():
    vals = chart_values([1.5, SUPPRESSED, 3.0, np.nan, 4.0], n=[20, 20, 9, 30, 10])
    assert vals == [1.5, None, None, None, 4.0]


def test_property_never_exactly_one_hidden_cell_per_total():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    @settings(max_examples=200, deadline=None)
    @given(st.lists(st.integers(min_value=0, max_value=60), min_size=1, max_size=12))
    def check(ns):
        df = pd.DataFrame({"n_students": ns, "v": [float(i) for i in range(len(ns))]})
        out = suppress_table(df, "n_students", ["v"])
        hidden = is_marked(out["n_students"])
        assert hidden.sum() != 1 or len(ns) == 1
        assert all(hidden[i] for i, n in enumerate(ns) if n < 10)  # primary rule always applied
        assert all(out.loc[i, "v"] == SUPPRESSED for i in np.flatnonzero(hidden))

    check()


def test_protected_units_hold_within_every_grouping():
    from likvard.views.suppression import protected_units

    n = pd.Series({"a": 7, "b": 200, "c": 150, "d": 30, "e": 400}, dtype=float)
    org = pd.DataFrame({"org": {"a": "m", "b": "m", "c": "m", "d": "i", "e": "i"}})
    # without groupings: a hidden, plus the smallest other (d)
    assert protected_units(n) == {"a", "d"}
    # with organiser totals shown: a is alone among 'm' and d alone among 'i' -> c and e too
    hidden = protected_units(n, org)
    assert hidden == {"a", "c", "d", "e"}
    for grp, members in org.groupby("org").groups.items():
        assert sum(u in hidden for u in members) != 1


def test_property_protected_units_never_single_in_a_group():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from likvard.views.suppression import protected_units

    @settings(max_examples=150, deadline=None)
    @given(st.lists(st.tuples(st.integers(0, 80), st.sampled_from("xyz")), min_size=2, max_size=15))
    def check(rows):
        n = pd.Series([r[0] for r in rows], index=[f"u{i}" for i in range(len(rows))], dtype=float)
        g = pd.DataFrame({"g": [r[1] for r in rows]}, index=n.index)
        hidden = protected_units(n, g)
        assert {u for u in n.index if n[u] < 10} <= hidden
        assert sum(u in hidden for u in n.index) != 1
        for _, members in g.groupby("g").groups.items():
            if len(members) > 1:
                assert sum(u in hidden for u in members) != 1

    check()

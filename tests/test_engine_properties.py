"""Property: every public engine function, given arguments drawn near and far from valid ones,
either returns or raises a Likvärd error with a Swedish message naming what is wrong; it never
crashes with another exception (and a compiled kernel never sees an unchecked index).

Bounded: 80 examples per engine, about a minute in all.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from likvard.errors import LikvardError
from likvard.placement.distances import relative_proximity, straight_line_m
from likvard.placement.mechanisms import assign, assign_arrays

SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))

numbers = st.one_of(
    st.integers(-5, 40),
    st.floats(allow_nan=True, allow_infinity=True, width=32),
    st.sampled_from([0, 1, 2, 0.5, 1e20, -1e-9]),
)
anything = st.one_of(numbers, st.text(max_size=5), st.none(), st.booleans(), st.just([1, 2]), st.just({"a": 1}))
levels = st.one_of(st.sampled_from([0.9, 0.5, 0.999, 0.0, 1.0, 90, 95.0, -0.1]), anything)
counts_cell = st.one_of(st.integers(0, 12), st.sampled_from([0, 0, 3, -1, float("nan"), float("inf"), "x", 2.5]))


@st.composite
def count_tables(draw, max_rows=6, max_cols=4):
    rows = draw(st.integers(0, max_rows))
    cols = draw(st.integers(0, max_cols))
    cells = draw(st.lists(st.lists(counts_cell, min_size=cols, max_size=cols), min_size=rows, max_size=rows))
    frame = pd.DataFrame(cells, columns=[f"g{j}" for j in range(cols)], index=[f"s{i}" for i in range(rows)])
    if draw(st.booleans()) and rows:
        frame.index = [f"s{draw(st.integers(0, rows))}" for _ in range(rows)]  # maybe duplicated
    return frame


def _call(fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except LikvardError as exc:
        text = str(exc)
        assert text and text[0].isupper() or text.startswith("Parametern"), text
    # any other exception propagates and fails the test


@SETTINGS
@given(count_tables(), count_tables(), levels, anything, st.sampled_from(["elbers", "symmetric_shapley", "x"]))
def test_segregation_engine(a, b, level, other, method):
    from likvard import segregation as seg

    _call(seg.indices, a)
    _call(seg.indices, a, log_base=other)
    _call(seg.local_scores, a)
    _call(seg.contributions, a, log_base=other)
    _call(seg.ordinal_information, a, kind=other)
    _call(seg.expected_m_random, a)
    _call(seg.bootstrap, a, n_replications=5, level=level, seed=7)
    _call(seg.bootstrap, a, n_replications=other)
    _call(seg.random_baseline, a, n_replications=5, level=level)
    _call(seg.random_baseline, a, seed=other, n_replications=3)
    _call(seg.change, a, b, method=method)
    _call(seg.decompose, a, pd.Series(["x", "y"] * (len(a) // 2) + ["x"] * (len(a) % 2), index=a.index))
    _call(seg.decompose, a, other)


@st.composite
def markets(draw):
    n = draw(st.integers(0, 7))
    m = draw(st.integers(0, 4))
    L = draw(st.integers(0, 4))
    pref = np.array(draw(st.lists(st.lists(st.integers(-3, m + 2), min_size=L, max_size=L), min_size=n, max_size=n)),
                    dtype=np.int64).reshape(n, L)
    shape = draw(st.sampled_from(["pairs", "dense", "other"]))
    if shape == "pairs":
        rank = np.array(draw(st.lists(st.integers(-2, 9), min_size=n * L, max_size=n * L))).reshape(n, L)
    elif shape == "dense":
        rank = np.array(draw(st.lists(st.integers(-2, n + 1), min_size=n * m, max_size=n * m))).reshape(m, n)
    else:
        rank = np.zeros((draw(st.integers(0, 3)), draw(st.integers(0, 3))), dtype=np.int64)
    cap = np.array(draw(st.lists(st.integers(-1, 4), min_size=m, max_size=m + draw(st.integers(0, 1)))))
    return pref, rank, cap


@SETTINGS
@given(markets(), st.sampled_from(["deferred_acceptance", "immediate_acceptance", "top_trading_cycles", "boston"]),
       st.one_of(st.none(), st.lists(st.integers(-1, 4), max_size=5)),
       st.one_of(st.none(), st.lists(st.booleans(), max_size=8)),
       st.sampled_from(["reserved_first", "open_first", "reserved-first"]),
       st.sampled_from(["auto", "pairs", "schools", "dense"]))
def test_placement_engine(market, mechanism, reserved, eligible, order, form):
    pref, rank, cap = market
    _call(assign_arrays, pref, rank, cap, mechanism=mechanism, rank_form=form)
    _call(
        assign_arrays, pref, rank, cap, mechanism=mechanism, rank_form=form,
        reserved=None if reserved is None else np.array(reserved, dtype=np.int64),
        reserve_eligible=None if eligible is None else np.array(eligible, dtype=bool), reserve_order=order,
    )
    _call(assign_arrays, pref.astype(float) + 0.5, rank, cap)
    _call(relative_proximity, rank.astype(float))
    _call(straight_line_m, rank.astype(float), cap.astype(float))


@SETTINGS
@given(st.lists(st.lists(st.integers(-2, 4), max_size=4), max_size=5),
       st.lists(st.lists(st.integers(-2, 6), max_size=6), max_size=5),
       st.lists(st.integers(-1, 3), max_size=5))
def test_list_interface(prefs, orders, caps):
    _call(assign, prefs, orders, caps)
    _call(assign, prefs, orders, caps, "top_trading_cycles")


students_cell = st.sampled_from(["compulsory", "upper_secondary", "post_secondary", "unknown", "x", None])


@st.composite
def student_tables(draw):
    n = draw(st.integers(0, 80))
    rng = np.random.default_rng(draw(st.integers(0, 10_000)))
    pe = np.array(["compulsory", "upper_secondary", "post_secondary", "unknown"])[rng.integers(0, 4, n)]
    frame = pd.DataFrame({
        "student_id": [f"e{i}" for i in range(n)],
        "school_id": rng.choice(["10000001", "10000002", "10000003"], n),
        "school_year": rng.choice([2023, 2024], n),
        "grade": rng.choice([draw(st.sampled_from([9, 3, 12])), 9], n),
        "parent_education": pe,
        "migration_background": rng.choice(["swedish", "foreign_born", "born_in_sweden_foreign_parents"], n),
        "newly_arrived": rng.random(n) < 0.1,
        "sex": rng.choice(["F", "M"], n),
        "eligible": rng.random(n) < 0.8,
        "merit_value": rng.normal(220, 40, n),
    })
    drop = draw(st.one_of(st.none(), st.sampled_from(list(frame.columns))))
    if drop is not None:
        frame = frame.drop(columns=drop)
    if n and draw(st.booleans()):
        frame.loc[frame.index[0], "parent_education"] = draw(students_cell)
    return frame


@SETTINGS
@given(student_tables(), levels, anything)
def test_expected_and_allocation_engines(students, level, other):
    from likvard.allocation import (
        compensation_ratio,
        concentration_index,
        school_inputs,
    )
    from likvard.expected import need_index
    from likvard.expected.area_type import area_types
    from likvard.expected.multilevel import fit_random_intercept
    from likvard.expected.shrinkage import pooled_school_effects, student_residuals

    _call(need_index, students, n_replications=3, level=level)
    _call(need_index, students, n_replications=other)
    _call(student_residuals, students)
    try:
        res = student_residuals(students)
    except LikvardError:
        res = None
    if res is not None:
        _call(pooled_school_effects, res, level=level)
    _call(school_inputs, students[students.get("school_year", pd.Series(2024, index=students.index)) == 2024]
          if "school_year" in students else students)
    values = np.arange(len(students), dtype=float)
    _call(concentration_index, values, values[::-1], np.ones(len(students)))
    _call(compensation_ratio, values, other, np.ones(len(students)))
    _call(area_types, values, mean=other)
    if "merit_value" in students and "school_id" in students:
        _call(fit_random_intercept, students["merit_value"].to_numpy(), np.ones((len(students), 1)),
              students["school_id"].to_numpy())


def test_the_checks_themselves_can_fail():
    """The property above would catch an engine that raises something else."""
    with pytest.raises(ZeroDivisionError):
        _call(lambda: 1 / 0)

"""Following school units through code changes, and yearly change series."""

from __future__ import annotations

import pandas as pd
import pytest

from likvard.segregation import change
from likvard.segregation.panel import change_series, follow_schools, implied_counts


def comp():
    rows = []
    # year 2019: A, B, C ; 2020: A, B renamed code (B2), D new ; 2021: A, B2, D, C gone in 2020
    data = {
        2019: [
            ("A", "Alfaskolan", 200, 0.2),
            ("B", "Björkskolan", 150, 0.5),
            ("C", "Cedern", 80, 0.1),
        ],
        2020: [
            ("A", "Alfaskolan", 210, 0.25),
            ("B2", "BJÖRKSKOLAN ", 160, 0.55),
            ("D", "Dalen", 90, 0.3),
        ],
        2021: [
            ("A", "Alfaskolan", 220, 0.3),
            ("B2", "Björkskolan", 150, 0.6),
            ("D", "Dalen", 100, 0.35),
        ],
    }
    for year, units in data.items():
        for sid, name, total, share in units:
            rows.append(
                {
                    "school_id": sid,
                    "school_year": year,
                    "name": name,
                    "municipality_code": "1880",
                    "students_total": float(total),
                    "share_foreign_background": share,
                    "share_foreign_background_status": "value",
                }
            )
    return pd.DataFrame(rows)


def test_follow_schools_links_renamed_codes_and_lists_the_rest():
    c = comp()
    panel_id, links, lost = follow_schools(c)
    assert list(
        links[["old_school_id", "new_school_id"]].itertuples(index=False, name=None)
    ) == [("B", "B2")]
    assert set(panel_id[c.school_id == "B2"]) == {"B"}
    assert set(map(tuple, lost[["school_id", "event"]].to_numpy())) == {
        ("C", "closed"),
        ("D", "opened"),
    }


def test_change_series_uses_followed_units():
    c = comp()
    s = change_series(c).set_index("school_year")
    assert list(s.index) == [2020, 2021]
    assert (
        s.loc[2020, "n_common"] == 2
        and s.loc[2020, "n_added"] == 1
        and s.loc[2020, "n_removed"] == 1
    )
    counts = implied_counts(c)
    before = counts[c.school_year == 2019].set_axis(["A", "B", "C"])
    after = counts[c.school_year == 2020].set_axis(["A", "B", "D"])
    ref = change(before, after)
    for key in [
        "total",
        "additions",
        "removals",
        "structural",
        "unit_marginal",
        "group_marginal",
    ]:
        assert s.loc[2020, key] == pytest.approx(ref[key], abs=1e-14)

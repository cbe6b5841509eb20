"""The school-effect section of the report: the engine's figures, suppressed and read correctly."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from likvard.analyses.dataset import dataset_from_authority
from likvard.analyses.overview import run_overview
from likvard.analyses.settings import Settings
from likvard.expected.shrinkage import pooled_school_effects, student_residuals
from likvard.report.sections import school_effects

FAST = Settings(n_replications=20)


def build(data):
    ov = run_overview(dataset_from_authority(data), FAST, parts=("composition", "need", "school_effects"))
    return school_effects.build(ov), ov


@pytest.fixture(scope="module")
def section(exempelstad):
    return build(exempelstad)


def test_section_shows_the_engines_effects(section, exempelstad):
    sec, _ = section
    assert sec is not None and sec.key == "school_effects"
    ref = pooled_school_effects(student_residuals(exempelstad.students)).set_index("school_id")
    shown = sec.excel_tables[0].data.set_index("school_id")
    visible = shown[shown["effect"].astype(str) != ".."]
    assert len(visible) > 0
    # shown (and exported) to one decimal: no more precision than the table shows
    np.testing.assert_allclose(visible["effect"].astype(float), ref.loc[visible.index, "effect"].round(1), atol=1e-9)
    # the verdict follows the interval
    for _, row in visible.iterrows():
        lo, hi = float(row["low"]), float(row["high"])
        assert row["verdict"] == ("tydligt över förväntan" if lo > 0 else
                                  "tydligt under förväntan" if hi < 0 else "inom förväntan")


def test_small_schools_read_dots(exempelstad):
    """A school with one grade-9 student per year (fewer than 10 pooled) still enters the model but
    its figures read ``..``."""
    st = exempelstad.students
    g9 = st[st["grade"] == 9]
    school = g9["school_id"].value_counts().index[-1]
    mine = g9[g9["school_id"] == school]
    kept = mine.groupby("school_year").head(1)
    kept = kept[kept["school_year"].isin(sorted(kept["school_year"].unique())[:9])]
    drop = mine.index.difference(kept.index)
    small = dataclasses.replace(exempelstad, students=st.drop(index=drop))
    assert len(kept) < 10
    sec, ov = build(small)
    row = sec.excel_tables[0].data.set_index("school_id").loc[str(school)]
    assert str(row["effect"]) == ".." and str(row["low"]) == ".." and str(row["verdict"]) == ".."
    assert str(school) in set(ov.school_effects.effects["school_id"])


def test_intro_counts_agree_with_the_table(section):
    sec, ov = section
    eff = ov.school_effects.effects
    above, below = int((eff["low"] > 0).sum()), int((eff["high"] < 0).sum())
    assert f"ligger {above} tydligt över och {below} tydligt under" in " ".join(sec.intro)

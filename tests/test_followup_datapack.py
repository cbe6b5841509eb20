"""The dialogue's data pack: the need index beside the indicators (the engine's figure, rank 1 for
the highest need among the shown schools, ``..`` for a school with fewer than 10 students and for
the schools the published tables hide to protect it), and the figures computed once per data
object give the same pack as a fresh computation on a copy of the data."""

from __future__ import annotations

import dataclasses

import pandas as pd

from _followup_data import SCHOOLS, small_authority
from likvard.analyses.dataset import dataset_from_authority
from likvard.expected.need import need_index
from likvard.followup.datapack import build_data_pack
from likvard.privacy import SUPPRESSED

YEAR = 2022


def _with_needs(data):
    """Parents' education varies between schools (the need model needs variation), and one school
    has only 8 students in the year."""
    st = data.students.copy()
    school = st["school_id"].map({s: i for i, s in enumerate(SCHOOLS)})
    codes = ["compulsory", "upper_secondary", "post_secondary"]
    st["parent_education"] = [codes[(i + k) % 3 if i % 4 else 2] for k, i in enumerate(school)]
    small = st.index[(st["school_id"] == SCHOOLS[-1]) & (st["school_year"] == YEAR)]
    st = st.drop(small[8:])
    return dataclasses.replace(data, students=st.reset_index(drop=True))


def test_need_index_in_the_pack():
    data = _with_needs(small_authority())
    table = need_index(data.students)
    here = table[table["school_year"] == YEAR]
    # the schools the Nulägesrapport hides that year: the small one and those protecting it
    hidden = dataset_from_authority(data).hidden(YEAR)
    assert SCHOOLS[-1] in hidden and len(hidden) >= 2
    shown = here[(here["n_students"] >= 10) & ~here["school_id"].astype(str).isin(hidden)]
    for sid in sorted(set(SCHOOLS) - hidden):
        need = build_data_pack(data, sid, YEAR)[0]["need"]
        row = here[here["school_id"].astype(str) == sid].iloc[0]
        assert need["value"] == round(float(row["need_index"]), 1)
        assert need["low"] <= need["value"] <= need["high"]
        # ranked among the schools whose need is shown (the small school's place would bound its value)
        assert need["rank"] == 1 + int((shown["need_index"] > row["need_index"]).sum())
        assert need["n_schools"] == len(shown) == len(SCHOOLS) - len(hidden)
    highest = str(shown.loc[shown["need_index"].idxmax(), "school_id"])
    assert build_data_pack(data, highest, YEAR)[0]["need"]["rank"] == 1
    for sid in hidden:
        small = build_data_pack(data, sid, YEAR)[0]["need"]
        assert small["value"] == SUPPRESSED and small["n"] == SUPPRESSED
        assert small["rank"] is None and small["low"] is None


def test_cached_figures_equal_a_fresh_computation():
    data = _with_needs(small_authority())
    for sid in SCHOOLS[:3]:
        first = build_data_pack(data, sid, YEAR)
        again = build_data_pack(data, sid, YEAR)
        copied = dataclasses.replace(data, **{f.name: getattr(data, f.name).copy()
                                              for f in dataclasses.fields(data)
                                              if isinstance(getattr(data, f.name), pd.DataFrame)})
        fresh = build_data_pack(copied, sid, YEAR)
        assert first == again == fresh

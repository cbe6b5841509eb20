"""The need-index section shows exactly what the analysis computes (the engine's need index with
the shared settings), suppressed for small schools, highest need first."""

from __future__ import annotations

import numpy as np

from likvard.analyses.settings import Settings
from likvard.expected import need_index
from likvard.privacy import SUPPRESSED
from likvard.report import render_authority_report
from test_report_sample import SMALL_ID, SMALL_NAME, make_authority


def test_need_section_equals_engine_and_hides_small_school(tmp_path):
    data = make_authority()
    settings = Settings(n_replications=30, seed=5, level=0.8)
    r = render_authority_report(data, tmp_path, settings=settings)
    assert "need" in r.sections
    ref = need_index(data.students, n_replications=30, seed=5, level=0.8)
    ref = ref[ref["school_year"] == 2024].set_index("school_id")
    t = r.section("need").excel_tables[0].data.set_index("school_id")
    shown = t.index[t["need_index"].astype(object) != SUPPRESSED]
    assert len(shown) >= 3
    assert np.allclose(t.loc[shown, "need_index"].astype(float), ref.loc[shown, "need_index"], atol=0.5)  # shown to whole units
    assert np.allclose(t.loc[shown, "need_index_low"].astype(float), ref.loc[shown, "need_index_low"], atol=0.5)  # same draws
    assert t.loc[SMALL_ID, "need_index"] == SUPPRESSED and t.loc[SMALL_ID, "n_students"] == SUPPRESSED
    # the neediest school of the sample (fewest post-secondary parents) comes first
    assert t.index[0] == "10000002"
    dots = r.section("need").figures[0].figure
    labels = [y for tr in dots.data for y in (tr.y if tr.y is not None else ())]
    assert f"{SMALL_NAME} {SUPPRESSED}" in labels and SMALL_NAME not in labels
    assert "80 %" in " ".join(r.section("need").intro + [dots.layout.title.text])

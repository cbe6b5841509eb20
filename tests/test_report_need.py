"""The need-index section shows exactly what a need-index function of the contract returns
(``need_index(students) -> school_id, school_year, n_students, need_index, need_index_low,
need_index_high``), suppressed for small schools. Until ``likvard.expected`` is present the section
is fed by a reference implementation here (statsmodels logit, the SCB-style model of the contract)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import statsmodels.api as sm

from likvard.privacy import SUPPRESSED
from likvard.report import render_authority_report
from likvard.report.sections import need as need_section
from test_report_sample import SMALL_ID, make_authority


def reference_need_index(students: pd.DataFrame, reference=None) -> pd.DataFrame:
    g9 = students[students["grade"] == 9].dropna(subset=["eligible"])
    X = pd.get_dummies(g9[["parent_education", "migration_background"]], drop_first=True).astype(float)
    fit = sm.Logit(1.0 - g9["eligible"].astype(float), sm.add_constant(X)).fit(disp=0)
    Xa = pd.get_dummies(students[["parent_education", "migration_background"]], drop_first=True).astype(float)
    risk = pd.Series(fit.predict(sm.add_constant(Xa.reindex(columns=X.columns, fill_value=0.0), has_constant="add")),
                     index=students.index)
    scaled = 100.0 * risk / risk.mean()
    out = scaled.groupby([students["school_id"].astype(str), students["school_year"]]).agg(["mean", "std", "size"])
    se = out["std"].fillna(0) / np.sqrt(out["size"])
    return pd.DataFrame({"school_id": out.index.get_level_values(0), "school_year": out.index.get_level_values(1),
                         "n_students": out["size"].to_numpy(), "need_index": out["mean"].to_numpy(),
                         "need_index_low": (out["mean"] - 1.645 * se).to_numpy(),
                         "need_index_high": (out["mean"] + 1.645 * se).to_numpy()})


def test_need_section_equals_engine_and_hides_small_school(tmp_path, monkeypatch):
    real = need_section.engine_function
    monkeypatch.setattr(need_section, "engine_function",
                        lambda pkg, name, *m: reference_need_index if name == "need_index" else real(pkg, name, *m))
    data = make_authority()
    r = render_authority_report(data, tmp_path, n_bootstrap=10)
    assert "need" in r.sections
    sec = next(s for s in r.section_objects if s.key == "need")
    ref = reference_need_index(data.students)
    ref = ref[ref["school_year"] == 2024].set_index("school_id")
    t = sec.tables[0].data.set_index("school_id")
    shown = t.index[t["need_index"].astype(object) != SUPPRESSED]
    assert len(shown) >= 3
    assert np.allclose(t.loc[shown, "need_index"].astype(float), ref.loc[shown, "need_index"])
    assert t.loc[SMALL_ID, "need_index"] == SUPPRESSED and t.loc[SMALL_ID, "n_students"] == SUPPRESSED
    # the neediest school of the sample (fewest post-secondary parents) comes first
    assert t.index[0] == "10000002"
    fig = sec.figures[0].data[0]
    assert fig.y[list(fig.x).index("Lillskolan")] is None

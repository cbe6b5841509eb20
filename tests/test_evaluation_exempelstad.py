"""Exempelstad's planted interventions, evaluated from the data alone over several seeds: the
effective ones get ``effekt`` with intervals covering the planted effect; the one without effect,
placed at schools chosen for their low results, never gets ``effekt``."""

from __future__ import annotations

import pytest

from likvard.demo import generate_exempelstad
from likvard.evaluation import authority_panel, evaluate


def evaluate_planted(data, iid):
    iv = data.truth["interventions"]
    g = iv[iv["intervention_id"] == iid]
    outcome = g["outcome"].iloc[0]
    respondent = g["respondent"].iloc[0] or "student_grade8"
    panel = authority_panel(data, outcome, respondent=respondent)
    others = iv.loc[(iv["intervention_id"] != iid) & (iv["outcome"] == outcome), "school_id"].tolist()
    return g, evaluate(panel, dict(zip(g["school_id"], g["start_year"])), exclude=others,
                       expected_effect=float(g["expected_effect"].iloc[0]),
                       selected_for_low_results=bool(g["selected_for_low_results"].iloc[0]))


@pytest.fixture(scope="module", params=[1, 2, 3])
def town(request):
    return generate_exempelstad(seed=request.param)


@pytest.mark.parametrize("iid,design", [("I1", "sc"), ("I2", "did")])
def test_effective_interventions_are_found(town, iid, design):
    g, r = evaluate_planted(town, iid)
    assert r.design == design
    assert r.verdict == "effekt", r.reason
    assert r.ci_low <= float(g["effect"].iloc[0]) <= r.ci_high


def test_null_intervention_at_low_result_schools_is_not_called_effective(town):
    _, r = evaluate_planted(town, "I3")
    assert r.verdict != "effekt", r.reason
    assert r.rtm is not None
    assert any("låga resultat" in w for w in r.warnings)

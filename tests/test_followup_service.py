"""The follow-up register's service on a small authority: interventions with decision-time
baseline and MDE, versions, stored evaluations, dialogues with frozen data packs, decisions
followed up at the next dialogue, sign-offs, nulägesanalys and åtgärdsplan."""

from __future__ import annotations

import hashlib
import json
import shutil

import pytest

from _followup_data import SCHOOLS, START, TREATED, small_authority
from likvard.evaluation import authority_panel, minimum_detectable_effect
from likvard.followup import service as sv
from likvard.followup.rules import FollowupError
from likvard.store import open_store

KOMP = "Insatser med kompensatorisk prägel"
FIELDS = {"name": "Trygghetsteam", "category": KOMP, "school_ids": TREATED, "indicator": "trygghet",
          "respondent": "student_grade5", "expected_effect": 1.0, "horizon": 2, "start_year": START,
          "cost_per_year": 270000, "grades": [5]}


@pytest.fixture(scope="module")
def data():
    return small_authority()


@pytest.fixture(scope="module")
def template(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("fu") / "base.db"
    store = open_store(path)
    store.save_authority_data(data, "test")
    store.close()
    return path


@pytest.fixture
def store(template, tmp_path):
    path = tmp_path / "x.db"
    shutil.copy(template, path)
    s = open_store(path)
    yield s
    s.close()


def test_intervention_baseline_mde_and_cost(store, data):
    iv = sv.create_intervention(store, FIELDS, actor="anna", role="analytiker", data=data)
    sv_ = data.survey
    base = sv_[(sv_["school_year"] == START - 1) & sv_["school_id"].isin(TREATED)]
    assert iv.baseline.school_year == START - 1
    assert iv.baseline.value == pytest.approx(base["value"].mean())  # equal n: plain mean
    assert iv.baseline.n == int(base["n_respondents"].sum())
    panel = authority_panel(data, "trygghet", respondent="student_grade5")
    direct = minimum_detectable_effect(panel, {s: START for s in TREATED}, horizon=2, max_placebos=400)
    assert iv.baseline.mde == pytest.approx(direct.mde)
    assert iv.baseline.warning is None  # 1.0 is above the MDE
    n5 = int(((data.students["grade"] == 5) & data.students["school_id"].isin(TREATED)
              & (data.students["school_year"] == START)).sum())
    assert iv.baseline.n_students == n5 == 30
    assert iv.cost_per_student == pytest.approx(270000 / 30)
    small = sv.create_intervention(store, {**FIELDS, "name": "Liten", "expected_effect": 0.01}, actor="anna",
                                   role="analytiker", data=data)
    assert small.baseline.mde > 0.01 and "mindre än den minsta effekt" in small.baseline.warning


def test_an_edit_is_a_new_version_and_keeps_the_old(store, data):
    iv = sv.create_intervention(store, FIELDS, actor="anna", role="analytiker", compute_baseline=False)
    new = sv.update_intervention(store, iv.id, {"status": "pågående", "dose": "2 h/vecka"}, actor="bo",
                                 role="skolchef", compute_baseline=False)
    assert new.version == 2 and new.status == "pågående"
    assert [v.version for v in new.versions] == [1, 2]
    assert new.versions[0].values["status"] == "planerad"
    assert new.versions[1].changed == ("dose", "status") and new.versions[1].created_by == "bo"
    with pytest.raises(FollowupError, match="ändrar inget"):
        sv.update_intervention(store, iv.id, {"status": "pågående"}, actor="bo", role="skolchef")


def test_evaluation_is_stored_with_its_data_version(store, data):
    iv = sv.create_intervention(store, FIELDS, actor="anna", role="analytiker", compute_baseline=False)
    run = sv.evaluate_intervention(store, iv.id, actor="anna", role="analytiker", data=data)
    assert run.verdict == "effekt", run.reason
    assert run.ci_low <= 1.5 <= run.ci_high
    assert run.n_students == 28  # two schools x 14 respondents in each post-year
    panel = authority_panel(data, "trygghet", respondent="student_grade5")
    text = panel.sort_values(["school_id", "school_year"]).reset_index(drop=True).to_csv(
        index=False, float_format="%.10g")
    assert run.data_version == hashlib.sha256(text.encode()).hexdigest()
    again = sv.get_intervention(store, iv.id)
    assert again.latest_evaluation.id == run.id and again.latest_evaluation.estimate == run.estimate
    other = small_authority(seed=0, effect=0.0)
    run2 = sv.evaluate_intervention(store, iv.id, actor="anna", role="analytiker", data=other)
    assert run2.data_version != run.data_version and run2.verdict != "effekt"
    assert len(sv.get_intervention(store, iv.id).evaluations) == 2


def test_low_result_schools_get_the_regression_to_the_mean_figure(store):
    data = small_authority(effect=0.0)
    sv_ = data.survey
    before = sv_[sv_["school_year"] == START - 1].sort_values("value")
    lowest = before["school_id"].head(2).tolist()
    iv = sv.create_intervention(store, {**FIELDS, "school_ids": lowest, "name": "Lyft"}, actor="anna",
                                role="analytiker", compute_baseline=False)
    run = sv.evaluate_intervention(store, iv.id, actor="anna", role="analytiker", data=data)
    assert run.selected_for_low_results and run.rtm is not None
    assert run.verdict != "effekt"


def _autumn(store, data, school=SCHOOLS[5], year=2022, date="2022-10-05"):
    return sv.create_dialogue(store, school_id=school, school_year=year, kind="host", date=date,
                              participants=[("rektor", "Rut"), ("skolchef", "Bo")], actor="bo", role="skolchef",
                              data=data)


def test_dialogue_cycle(store, data):
    iv = sv.create_intervention(store, {**FIELDS, "school_ids": [SCHOOLS[5]]}, actor="anna", role="analytiker",
                                compute_baseline=False)
    autumn = _autumn(store, data)
    pack = autumn.data_pack
    assert pack.sha256 == hashlib.sha256(json.dumps(pack.content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    row = pack.content["indicators"]["trygghet_grade5"]
    sv_ = data.survey
    mine = sv_[(sv_["school_id"] == SCHOOLS[5]) & (sv_["school_year"] == 2022)]
    assert row["value"] == pytest.approx(float(mine["value"].iloc[0]), abs=1e-3)
    assert row["authority_mean"] == pytest.approx(float(sv_[sv_["school_year"] == 2022]["value"].mean()), abs=1e-3)
    assert [i["id"] for i in pack.content["interventions"]] == [iv.id]
    sv.set_focus_area(store, autumn.id, area="Studiero i åk 4–6", motivation="Många avbrott", actor="rut",
                      role="rektor")
    sv.set_authority_area(store, autumn.id, area="Närvaro", motivation="Frånvaron ökar", actor="bo", role="skolchef")
    d1 = sv.add_decision(store, autumn.id, what="Inför rastvärdar", responsible_role="rektor",
                         due_date="2023-03-01", intervention_id=iv.id, indicator="trygghet", actor="bo",
                         role="skolchef")
    assert d1.status == "ej påbörjad"
    dlg = sv.get_dialogue(store, autumn.id)
    assert {i.kind for i in dlg.items} >= {"rektor", "huvudman"}
    assert dlg.focus_area == "Studiero i åk 4–6"
    for item in dlg.items:
        if item.flagged:
            sv.add_note(store, dlg.id, item.id, kind="analys", text="Orsak: personalomsättning", actor="rut",
                        role="rektor")
    sv.sign_off(store, dlg.id, as_role="rektor", actor="rut", role="rektor")
    signed = sv.sign_off(store, dlg.id, as_role="huvudman", actor="bo", role="skolchef")
    assert signed.signed
    with pytest.raises(FollowupError, match="signerad"):
        sv.add_decision(store, dlg.id, what="x", responsible_role="rektor", due_date="2023-01-01", actor="bo",
                        role="skolchef")
    spring = sv.create_dialogue(store, school_id=SCHOOLS[5], school_year=2022, kind="var", date="2023-04-20",
                                participants=[("rektor", "Rut"), ("skolchef", "Bo")], actor="bo", role="skolchef",
                                data=data)
    assert [d.id for d in spring.previous_decisions] == [d1.id]
    assert spring.data_pack.content["open_decisions"][0]["what"] == "Inför rastvärdar"
    assert sv.get_dialogue(store, autumn.id).decisions[0].follow_up_dialogue_id == spring.id
    sv.set_decision_status(store, d1.id, status="pågår", comment="", dialogue_id=spring.id, actor="rut", role="rektor")
    done = sv.set_decision_status(store, d1.id, status="delvis", comment="Två av tre raster", dialogue_id=spring.id,
                                  actor="rut", role="rektor")
    assert [h.status for h in done.history] == ["ej påbörjad", "pågår", "delvis"]
    assert done.status == "delvis"
    # the frozen pack does not move when the data change
    store.save_authority_data(small_authority(seed=5), "ny data")
    assert sv.get_dialogue(store, autumn.id).data_pack.content == pack.content
    assert [d.school_year for d in sv.list_dialogues(store, school_ids=[SCHOOLS[5]])] == [2022, 2022]


def test_flags_follow_the_definition(store, data):
    sv_ = data.survey
    y = sv_[sv_["school_year"] == 2022].sort_values("value")
    weakest = y["school_id"].iloc[0]
    dlg = _autumn(store, data, school=weakest)
    assert any(f["kind"] == "svag" and f["indicator"] == "trygghet_grade5" for f in dlg.data_pack.content["flags"])
    assert any(i.flagged for i in dlg.items)
    strongest = y["school_id"].iloc[-1]
    top = _autumn(store, data, school=strongest)
    assert not any(f["indicator"] == "trygghet_grade5" for f in top.data_pack.content["flags"])


def test_nulagesanalys_and_action_plan(store, data):
    weakest = data.survey[data.survey["school_year"] == 2022].sort_values("value")["school_id"].iloc[0]
    na = sv.nulagesanalys(store, weakest, 2022, data=data)
    assert na.id is None and any(p.flagged for p in na.problems)
    flagged = [p for p in na.problems if p.flagged]
    closed = [{"title": p.title, "indicator": p.indicator, "flagged": True, "closed": True} for p in flagged]
    with pytest.raises(FollowupError, match="utan en orsak"):
        sv.save_nulagesanalys(store, weakest, 2022, sections={"problem": "x"}, problems=closed, actor="a",
                              role="analytiker", data=data)
    ok = [{**p, "cause": "Låg vuxennärvaro på raster", "cause_area": "trygghet och studiero"} for p in closed]
    saved = sv.save_nulagesanalys(store, weakest, 2022, sections={"orsaker": "Se problem."}, problems=ok,
                                  actor="a", role="analytiker", data=data)
    assert saved.version == 1 and saved.sections["orsaker"] == "Se problem." and saved.problems[0].closed
    row = sv.add_action_plan_row(store, weakest, 2022, goal="Tryggare raster", action="Rastvärdar",
                                 cause="Låg vuxennärvaro", owner_role="rektor", timeline="HT23–VT24",
                                 indicator="trygghet", expected_effect=0.5, horizon=2, actor="a", role="analytiker")
    iv = sv.plan_row_to_intervention(store, row.id, category=KOMP, actor="a", role="analytiker",
                                     extra={"respondent": "student_grade5"}, compute_baseline=False)
    assert iv.start_year == 2023 and iv.expected_effect == 0.5 and iv.school_ids == (weakest,)
    assert sv.action_plan(store, school_id=weakest)[0].intervention_id == iv.id


def test_soft_delete_keeps_history(store, data):
    iv = sv.create_intervention(store, FIELDS, actor="anna", role="analytiker", compute_baseline=False)
    dlg = _autumn(store, data)
    dec = sv.add_decision(store, dlg.id, what="Följ upp", responsible_role="rektor", due_date="2023-01-10",
                          intervention_id=iv.id, actor="bo", role="skolchef")
    sv.delete_intervention(store, iv.id, actor="bo", role="skolchef")
    assert iv.id not in [x.id for x in sv.list_interventions(store)]
    kept = sv.get_intervention(store, iv.id)
    assert kept.deleted and kept.name == "Trygghetsteam"
    assert sv.get_dialogue(store, dlg.id).decisions[0].intervention_id == iv.id
    gone = sv.delete_decision(store, dec.id, actor="bo", role="skolchef")
    assert gone.deleted and sv.get_dialogue(store, dlg.id).decisions[0].deleted
    assert sv.list_decisions(store) == []
    assert [d.id for d in sv.list_decisions(store, include_deleted=True)] == [dec.id]

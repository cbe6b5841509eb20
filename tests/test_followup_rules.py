"""Bad input and integrity: each rule of issue 12 gives a precise Swedish error and writes nothing."""

from __future__ import annotations

import shutil

import pytest
import sqlalchemy as sa

from _followup_data import SCHOOLS, START, TREATED, small_authority
from likvard.followup import service as sv
from likvard.followup.rules import FollowupError
from likvard.followup.tables import FOLLOWUP_TABLES
from likvard.store import open_store

KOMP = "Insatser med kompensatorisk prägel"
FIELDS = {"name": "Trygghetsteam", "category": KOMP, "school_ids": TREATED, "indicator": "trygghet",
          "respondent": "student_grade5", "expected_effect": 1.0, "horizon": 2, "start_year": START}
PEOPLE = [("rektor", "Rut"), ("skolchef", "Bo")]


@pytest.fixture(scope="module")
def data():
    return small_authority()


@pytest.fixture(scope="module")
def template(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("rules") / "base.db"
    store = open_store(path)
    store.save_authority_data(data, "test")
    iv = sv.create_intervention(store, FIELDS, actor="anna", role="analytiker", compute_baseline=False)
    autumn = sv.create_dialogue(store, school_id=SCHOOLS[3], school_year=2022, kind="host", date="2022-10-01",
                                participants=PEOPLE, actor="bo", role="skolchef", data=data)
    sv.add_item(store, autumn.id, title="Frånvaro", flagged=True, actor="bo", role="skolchef")
    assert iv.id == 1 and autumn.id == 1
    store.close()
    return path


@pytest.fixture
def store(template, tmp_path):
    path = tmp_path / "x.db"
    shutil.copy(template, path)
    s = open_store(path)
    yield s
    s.close()


def counts(store) -> dict[str, int]:
    with store.engine.connect() as conn:
        return {t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar() for t in FOLLOWUP_TABLES}


def refused(store, match, fn, *args, **kwargs):
    before = counts(store)
    with pytest.raises(FollowupError, match=match) as info:
        fn(store, *args, **kwargs)
    assert str(info.value).endswith("Ingenting har sparats.")
    assert counts(store) == before  # nothing written
    return str(info.value)


def test_decision_linked_to_an_intervention_that_does_not_exist(store):
    refused(store, "insatsen 99, som inte finns i insatsregistret", sv.add_decision, 1, what="Gör x",
            responsible_role="rektor", due_date="2023-01-01", intervention_id=99, actor="bo", role="skolchef")


def test_dialogue_for_a_school_that_does_not_exist(store, data):
    refused(store, "Skolenheten 99999999 finns inte i databasen", sv.create_dialogue, school_id="99999999",
            school_year=2022, kind="host", date="2022-10-01", participants=PEOPLE, actor="bo", role="skolchef",
            data=data)
    refused(store, "finns inte läsåret 2030/31", sv.create_dialogue, school_id=SCHOOLS[3], school_year=2030,
            kind="host", date="2030-10-01", participants=PEOPLE, actor="bo", role="skolchef", data=data)


def test_spring_dialogue_before_the_autumn_one(store, data):
    msg = refused(store, "Vårdialogen 2022-09-15 för skolenheten", sv.create_dialogue, school_id=SCHOOLS[3],
                  school_year=2022, kind="var", date="2022-09-15", participants=PEOPLE, actor="bo", role="skolchef",
                  data=data)
    assert "höstdialogen 2022-10-01 läsåret 2022/23" in msg


def test_expected_effect_without_indicator_or_horizon(store):
    refused(store, "förväntad effekt men ingen indikator", sv.create_intervention,
            {**FIELDS, "indicator": None}, actor="anna", role="analytiker", compute_baseline=False)
    refused(store, "förväntad effekt men ingen horisont", sv.create_intervention,
            {**FIELDS, "horizon": None}, actor="anna", role="analytiker", compute_baseline=False)


def test_sign_off_by_the_wrong_role(store):
    refused(store, "Bara rektor kan signera som rektor", sv.sign_off, 1, as_role="rektor", actor="bo",
            role="skolchef")
    refused(store, "Rollen rektor kan inte signera för huvudmannen", sv.sign_off, 1, as_role="huvudman",
            actor="rut", role="rektor")
    refused(store, "Rollen nämnd får läsa men inte signera", sv.sign_off, 1, as_role="huvudman", actor="n",
            role="nämnd")


def test_flagged_item_without_cause_analysis_blocks_the_sign_off(store):
    refused(store, "Flaggade punkter saknar orsaksanalys.*Frånvaro", sv.sign_off, 1, as_role="rektor", actor="rut",
            role="rektor")


def test_date_outside_the_school_year(store, data):
    refused(store, "Dialogens datum 2023-08-20 ligger utanför läsåret 2022/23", sv.create_dialogue,
            school_id=SCHOOLS[4], school_year=2022, kind="host", date="2023-08-20", participants=PEOPLE, actor="bo",
            role="skolchef", data=data)


@pytest.mark.parametrize("change,match", [
    ({"category": "Fritidsgårdar"}, "Kategori: 'Fritidsgårdar' finns inte"),
    ({"school_ids": ["12345678"]}, "Skolenheten 12345678 finns inte i databasen"),
    ({"indicator": "lycka"}, "Indikator: 'lycka' finns inte"),
    ({"horizon": 0}, "Horisont \\(läsår\\): 0 är mindre än 1"),
    ({"end_year": 2019}, "slutar \\(2019/20\\) före den börjar \\(2021/22\\)"),
    ({"cost_per_year": -5}, "Kostnad per år \\(kr\\): -5 är mindre än 0"),
    ({"fidelity": {"HT21": 120}}, "Införandegrad HT21: 120 är större än 100"),
    ({"name": ""}, "Insatsen saknar namn"),
])
def test_bad_intervention_fields(store, change, match):
    refused(store, match, sv.create_intervention, {**FIELDS, **change}, actor="anna", role="analytiker",
            compute_baseline=False)


def test_roles_and_actor(store):
    refused(store, "Rollen nämnd får läsa men inte", sv.create_intervention, FIELDS, actor="n", role="nämnd",
            compute_baseline=False)
    refused(store, "Rollen rektor får inte registrera insatser", sv.create_intervention, FIELDS, actor="r",
            role="rektor", compute_baseline=False)
    refused(store, "Okänd roll 'gud'", sv.create_intervention, FIELDS, actor="g", role="gud", compute_baseline=False)
    refused(store, "Användarnamn saknas", sv.create_intervention, FIELDS, actor=" ", role="admin",
            compute_baseline=False)
    refused(store, "Rollen rektor får inte lägga till huvudmannens område", sv.set_authority_area, 1, area="x",
            motivation="y", actor="r", role="rektor")


def test_decision_status_rules(store):
    dec = sv.add_decision(store, 1, what="Gör x", responsible_role="rektor", due_date="2023-01-01", actor="bo",
                          role="skolchef")
    refused(store, "Statusen 'klar' finns inte", sv.set_decision_status, dec.id, status="klar", comment="",
            dialogue_id=1, actor="r", role="rektor")
    refused(store, "Statusen struken kräver en kommentar", sv.set_decision_status, dec.id, status="struken",
            comment="", dialogue_id=1, actor="r", role="rektor")
    refused(store, "slutdatum 2022-01-01 ligger före dialogen", sv.add_decision, 1, what="x",
            responsible_role="rektor", due_date="2022-01-01", actor="bo", role="skolchef")


def test_deleted_intervention_cannot_get_new_decisions(store):
    sv.delete_intervention(store, 1, actor="bo", role="skolchef")
    refused(store, "insatsen 1, som är borttagen", sv.add_decision, 1, what="x", responsible_role="rektor",
            due_date="2023-01-01", intervention_id=1, actor="bo", role="skolchef")

"""``service.batch``: many service calls in one transaction write exactly what the same calls one
by one write, and return what the database then holds.

The same scenario of the register (interventions, dialogues with replaced areas, notes, decisions
deleted and followed up, sign-offs, a refused call) is run call by call and inside a batch on
copies of one store, with the clock stopped: every follow-up table dumped row by row, ordered by
id, is the same, and so is every value the calls returned. Inside the batch each returned
dialogue and decision, and every dialogue the batch keeps, equals a fresh read of the database
on the batch's connection. Exempelstad's follow-up history (a small town) is the same database
both ways, and the dialogues read together equal those read one by one."""

from __future__ import annotations

import datetime as dt
import shutil
from typing import Any

import pytest
import sqlalchemy as sa

from _followup_data import SCHOOLS, START, TREATED, small_authority
from tests._postgres import fresh_postgres_database
from likvard.analyses.dataset import dataset_from_authority
from likvard.followup import service as sv
from likvard.followup import tables as t
from likvard.followup.datapack import hidden_in
from likvard.followup.records import Decision, Dialogue, Intervention
from likvard.followup.rules import FollowupError
from likvard.store import open_store

NOW = dt.datetime(2026, 5, 4, 12, 30, 15, 123456, tzinfo=dt.UTC)
KOMP = "Insatser med kompensatorisk prägel"
FIELDS = {"name": "Trygghetsteam", "category": KOMP, "school_ids": TREATED, "indicator": "trygghet",
          "respondent": "student_grade5", "expected_effect": 1.0, "horizon": 2, "start_year": START,
          "cost_per_year": 270000, "grades": [5]}
PEOPLE = [("rektor", "Rut"), ("skolchef", "Bo")]


@pytest.fixture(scope="module")
def data():
    return small_authority()


@pytest.fixture(scope="module")
def template(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("batch") / "base.db"
    store = open_store(path)
    store.save_authority_data(data, "test")
    store.close()
    return path


@pytest.fixture
def stopped_clock(monkeypatch):
    monkeypatch.setattr(sv, "_now", lambda: NOW)


def _copy(template, path):
    shutil.copy(template, path)
    return open_store(path)


def dump(store) -> dict[str, list[dict[str, Any]]]:
    """Every follow-up table, row by row in id order."""
    with store.engine.connect() as conn:
        return {tab.name: [dict(r._mapping) for r in conn.execute(sa.select(tab).order_by(tab.c.id))]
                for tab in t.FOLLOWUP_TABLES}


def scenario(store, data) -> list[Any]:
    """Service calls as the web app makes them, with what each returned."""
    out: list[Any] = []
    keep = out.append
    iv = sv.create_intervention(store, FIELDS, actor="anna", role="analytiker", compute_baseline=False)
    other = sv.create_intervention(store, {**FIELDS, "name": "Läsfrämjande", "school_ids": [SCHOOLS[5]]},
                                   actor="anna", role="analytiker", compute_baseline=False)
    keep(iv)
    keep(other)
    keep(sv.update_intervention(store, other.id, {"expected_effect": 0.5}, actor="anna", role="analytiker",
                                compute_baseline=False))
    for school in (SCHOOLS[5], SCHOOLS[0]):
        autumn = sv.create_dialogue(store, school_id=school, school_year=2022, kind="host", date="2022-10-03",
                                    participants=PEOPLE, actor="bo", role="skolchef", data=data)
        keep(autumn)
        keep(sv.set_focus_area(store, autumn.id, area="Studiero", motivation="Avbrott", actor="rut", role="rektor"))
        keep(sv.set_focus_area(store, autumn.id, area="Studiero i åk 4–6", motivation="Många avbrott", actor="rut",
                               role="rektor"))
        keep(sv.set_authority_area(store, autumn.id, area="Närvaro", motivation="Frånvaron ökar", actor="bo",
                                   role="skolchef"))
        item = sv.add_item(store, autumn.id, title="Läxhjälp", actor="rut", role="rektor", flagged=True,
                           indicator="trygghet")
        keep(item)
        keep(sv.add_note(store, autumn.id, item.id, kind="analys", text="Få vuxna", actor="rut", role="rektor"))
        dlg = sv.get_dialogue(store, autumn.id)
        keep(sv.add_notes(store, autumn.id, [(i.id, "analys", f"Orsak {k}") for k, i in enumerate(dlg.items)
                                             if i.flagged] + [(item.id, "styrkor", "Engagerat lag")],
                          actor="rut", role="rektor"))
        first = sv.add_decision(store, autumn.id, what="Inför rastvärdar", responsible_role="rektor",
                                due_date="2023-03-01", intervention_id=other.id, indicator="trygghet", actor="bo",
                                role="skolchef")
        second = sv.add_decision(store, autumn.id, what="Kartlägg läsningen", responsible_role="förvaltning",
                                 due_date=dt.date(2023, 2, 1), resource="  specialpedagog  ", actor="bo",
                                 role="skolchef")
        dropped = sv.add_decision(store, autumn.id, what="Stryks", responsible_role="rektor", due_date="2023-01-10",
                                  actor="bo", role="skolchef")
        keep((first, second, dropped))
        keep(sv.delete_decision(store, dropped.id, actor="bo", role="skolchef"))
        keep(sv.get_dialogue(store, autumn.id))
        keep(sv.sign_off(store, autumn.id, as_role="rektor", actor="rut", role="rektor"))
        keep(sv.sign_off(store, autumn.id, as_role="huvudman", actor="bo", role="skolchef"))
        with pytest.raises(FollowupError, match="signerad"):
            sv.add_decision(store, autumn.id, what="x", responsible_role="rektor", due_date="2023-01-01",
                            actor="bo", role="skolchef")
        spring = sv.create_dialogue(store, school_id=school, school_year=2022, kind="var", date="2023-04-20",
                                    participants=PEOPLE, actor="bo", role="skolchef", data=data)
        keep(spring)
        keep(sv.set_decision_status(store, first.id, status="pågår", comment="", dialogue_id=spring.id, actor="rut",
                                    role="rektor"))
        keep(sv.set_decision_status(store, first.id, status="delvis", comment="Två av tre raster",
                                    dialogue_id=spring.id, actor="rut", role="rektor"))
        keep(sv.set_decision_status(store, second.id, status="genomförd", comment="", dialogue_id=None, actor="bo",
                                    role="skolchef"))
        keep(sv.get_dialogue(store, autumn.id))
        keep(sv.add_decision(store, spring.id, what="Följ upp rastvärdarna", responsible_role="rektor",
                             due_date="2023-06-01", actor="bo", role="skolchef"))
        keep(sv.get_dialogue(store, spring.id))
    keep(sv.delete_intervention(store, iv.id, actor="bo", role="skolchef"))
    keep(sv.list_interventions(store))
    keep(sv.list_interventions(store, include_deleted=True))
    keep(sv.list_dialogues(store))
    keep(sv.list_decisions(store, include_deleted=True))
    return out


@pytest.fixture(params=["sqlite", "postgresql"])
def two_stores(request, template, data, tmp_path):
    """Two stores holding ``data``: SQLite files, and two new databases on the PostgreSQL server in
    ``$LIKVARD_TEST_POSTGRES_URL`` (started by .ci/run; skipped with a message when unset)."""
    if request.param == "sqlite":
        stores = [_copy(template, tmp_path / f"{name}.db") for name in ("one", "many")]
        yield stores
        for store in stores:
            store.close()
        return
    with fresh_postgres_database("likvard_batch") as first, fresh_postgres_database("likvard_batch") as second:
        stores = [open_store(url) for url in (first, second)]
        try:
            for store in stores:
                store.save_authority_data(data, "test")
            yield stores
        finally:
            for store in stores:
                store.close()


def test_batch_writes_and_returns_what_call_by_call_does(two_stores, data, stopped_clock):
    one, many = two_stores
    alone = scenario(one, data)
    with sv.batch(many):
        together = scenario(many, data)
    written = dump(one)
    assert written == dump(many)
    assert len(written["dialogues"]) == 4 and len(written["decision_status"]) == 14
    assert any(r["deleted_at"] is not None for r in written["dialogue_items"]) and written["dialogue_notes"]
    assert together == alone


def test_inside_a_batch_what_is_returned_is_what_the_database_holds(template, data, tmp_path, monkeypatch):
    store = _copy(template, tmp_path / "x.db")
    checked: dict[str, int] = {}

    def fresh(value: Any) -> Any:
        conn = sv._BATCH.get().conn
        if isinstance(value, Dialogue):
            return sv._dialogue(conn, value.id)
        if isinstance(value, Decision):
            return sv._decision_by_id(conn, value.id)
        if isinstance(value, Intervention):
            return sv._intervention(conn, value.id)
        if isinstance(value, list | tuple):
            return type(value)(fresh(x) for x in value)
        return value

    def checking(name, call):
        def wrapped(*args, **kwargs):
            value = call(*args, **kwargs)
            assert value == fresh(value), name
            b = sv._BATCH.get()
            assert {i: d for i, d in b.dialogues.items()} == {i: sv._dialogue(b.conn, i) for i in b.dialogues}, name
            checked[name] = checked.get(name, 0) + 1
            return value
        return wrapped

    for name in ("create_dialogue", "set_focus_area", "set_authority_area", "add_notes", "add_decision",
                 "delete_decision", "set_decision_status", "sign_off", "get_dialogue", "list_dialogues",
                 "get_intervention", "list_interventions", "update_intervention", "delete_intervention"):
        monkeypatch.setattr(sv, name, checking(name, getattr(sv, name)))
    with sv.batch(store):
        scenario(store, data)
    assert checked["create_dialogue"] == 4 and checked["set_decision_status"] == 6 and checked["sign_off"] == 4
    store.close()


def test_an_error_leaving_the_batch_writes_nothing(template, data, tmp_path):
    store = _copy(template, tmp_path / "x.db")
    before = dump(store)
    with pytest.raises(FollowupError, match="redan en"):
        with sv.batch(store):
            sv.create_intervention(store, FIELDS, actor="anna", role="analytiker", compute_baseline=False)
            sv.create_dialogue(store, school_id=SCHOOLS[1], school_year=2022, kind="host", date="2022-10-03",
                               participants=PEOPLE, actor="bo", role="skolchef", data=data)
            sv.create_dialogue(store, school_id=SCHOOLS[1], school_year=2022, kind="host", date="2022-11-03",
                               participants=PEOPLE, actor="bo", role="skolchef", data=data)
    assert dump(store) == before
    with sv.batch(store):
        dlg = sv.create_dialogue(store, school_id=SCHOOLS[1], school_year=2022, kind="host", date="2022-10-03",
                                 participants=PEOPLE, actor="bo", role="skolchef", data=data)
    assert sv.get_dialogue(store, dlg.id) == dlg
    store.close()


def test_dialogues_read_together_equal_those_read_one_by_one(template, data, tmp_path):
    store = _copy(template, tmp_path / "x.db")
    scenario(store, data)
    listed = sv.list_dialogues(store)
    assert listed == [sv.get_dialogue(store, d.id) for d in listed]
    assert sum(len(d.previous_decisions) for d in listed) == 6
    with store.engine.connect() as conn:
        many = sv._dialogues_many(conn, [d.id for d in reversed(listed)])
    assert many == listed[::-1]
    store.close()


def test_the_quality_report_hides_the_schools_the_nulagesrapport_hides():
    """``datapack.hidden_in`` (the quality report's and the packs' decision) is ``Dataset.hidden``
    of the Nulägesrapport in every school year, with a planted small school."""
    from test_datapack_disclosure import PLANTED, planted_authority

    data = planted_authority()
    ds = dataset_from_authority(data)
    hidden = {y: set(hidden_in(data, y)) for y in ds.years}
    assert hidden == {y: ds.hidden(y) for y in ds.years}
    assert any(PLANTED in h and len(h) >= 2 for h in hidden.values())


@pytest.fixture(scope="module")
def town():
    from likvard.demo import generate_exempelstad

    return generate_exempelstad(seed=3, n_years=5, scale=0.2)


def test_exempelstads_history_is_the_same_database_in_a_batch(town, tmp_path, stopped_clock):
    from likvard.demo import followup as fu

    stores = []
    for name in ("one", "many"):
        store = open_store(tmp_path / f"{name}.db")
        store.save_authority_data(town, source="Exempelstad (frö 3)")
        stores.append(store)
    planted = town.truth["planted_interventions"]
    alone = fu._fill(stores[0], town, planted, 3, 50)  # call by call
    together = fu.fill_followup(stores[1], town, planted, seed=3, max_placebos=50)
    written = dump(stores[0])
    assert written == dump(stores[1])
    assert together == alone
    assert alone.n_dialogues == len(written["dialogues"]) > 0 and alone.n_decisions == len(written["decisions"]) > 0
    assert written["decision_status"] and written["dialogue_signoffs"] and written["status_analyses"]
    for store in stores:
        store.close()

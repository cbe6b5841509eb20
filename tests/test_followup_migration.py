"""Migration 0002_followup: a database made at 0001 (the previous version) with rows upgrades to
head without losing a row, gets the follow-up tables, and downgrades back without losing one."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command

from _followup_data import small_authority
from likvard.followup import service as sv
from likvard.followup.tables import FOLLOWUP_TABLES
from likvard.store import Store, open_store
from likvard.store.migrate import _config, current_revision, head_revision

OLD_TABLES = ("schools", "students", "staff", "survey", "imports", "meta")


def rows(engine, names):
    with engine.connect() as conn:
        return {n: sorted(map(tuple, conn.execute(sa.text(f"SELECT * FROM {n}")).all())) for n in names}


def test_upgrade_from_0001_keeps_rows_and_downgrade_removes_only_the_new_tables(tmp_path):
    db = tmp_path / "old.db"
    engine = sa.create_engine(f"sqlite:///{db}")
    cfg = _config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
    assert current_revision(engine) == "0001"
    # the previous version's store writes its rows into the 0001 schema
    data = small_authority()
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO meta (key, value) VALUES ('application', 'likvard')"))
    Store(engine).save_authority_data(data, "före uppgraderingen")
    assert current_revision(engine) == "0001"
    assert not set(sa.inspect(engine).get_table_names()) & {t.name for t in FOLLOWUP_TABLES}
    before = rows(engine, OLD_TABLES)
    assert len(before["students"]) == len(data.students) > 0
    engine.dispose()

    store = open_store(db)
    assert current_revision(store.engine) == head_revision() != "0001"
    assert rows(store.engine, OLD_TABLES) == before
    assert {t.name for t in FOLLOWUP_TABLES} <= set(sa.inspect(store.engine).get_table_names())
    iv = sv.create_intervention(store, {"name": "Läxhjälp", "category": "Insatser med kompensatorisk prägel",
                                        "school_ids": ["10000003"]}, actor="a", role="admin", compute_baseline=False)
    assert sv.get_intervention(store, iv.id).name == "Läxhjälp"
    assert len(store.load().students) == len(data.students)
    store.close()
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0001")
    assert rows(engine, OLD_TABLES) == before
    assert not set(sa.inspect(engine).get_table_names()) & {t.name for t in FOLLOWUP_TABLES}
    engine.dispose()

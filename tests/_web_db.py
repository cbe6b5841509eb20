"""The database of the web app's tests, as a module-scoped fixture: an SQLite file, and a new
database on the PostgreSQL server in ``$LIKVARD_TEST_POSTGRES_URL`` (started by .ci/run; the
PostgreSQL case is skipped with a message when it is unset), like the store tests' ``store_url``."""

from __future__ import annotations

import os
import uuid

import pytest

POSTGRES_ENV = "LIKVARD_TEST_POSTGRES_URL"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def web_db_url(request, tmp_path_factory):
    if request.param == "sqlite":
        yield str(tmp_path_factory.mktemp("webdb") / "web.db")
        return
    import sqlalchemy as sa

    from likvard.store import database_url

    admin_url = os.environ.get(POSTGRES_ENV)
    if not admin_url:
        pytest.skip(f"{POSTGRES_ENV} is not set: PostgreSQL tests run in .ci/run, which starts a server.")
    name = f"likvard_web_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(database_url(admin_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.engine.make_url(database_url(admin_url)).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                         {"n": name})
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()

"""A throw-away database on the PostgreSQL server named by ``$LIKVARD_TEST_POSTGRES_URL`` (started by
.ci/run); the test is skipped with a message when the variable is unset."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

POSTGRES_ENV = "LIKVARD_TEST_POSTGRES_URL"


@contextmanager
def fresh_postgres_database(prefix: str) -> Iterator[str]:
    """Create a new, empty database named ``PREFIX_<random>``, yield its URL, drop it afterwards."""
    import sqlalchemy as sa

    from likvard.store import database_url

    admin_url = os.environ.get(POSTGRES_ENV)
    if not admin_url:
        pytest.skip(f"{POSTGRES_ENV} is not set: PostgreSQL tests run in .ci/run, which starts a server.")
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
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

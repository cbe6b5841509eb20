"""Shared fixtures: the real public data folder (skipped with a message when absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

from likvard.paths import real_data_dir


@pytest.fixture(scope="session")
def real_data() -> Path:
    """Path of ../shared/data/real; tests using it are skipped when it is absent."""
    path = real_data_dir()
    if path is None:
        pytest.skip(
            "Real public data not found: set LIKVARD_REAL_DATA or place it in ../shared/data/real "
            "beside the checkout (see DESIGN.md)."
        )
    return path


@pytest.fixture(autouse=True)
def _isolated_config(tmp_path_factory, monkeypatch):
    """Keep the pseudonymisation key and settings of tests out of the user's home."""
    monkeypatch.setenv("LIKVARD_CONFIG_DIR", str(tmp_path_factory.getbasetemp() / "config"))


@pytest.fixture(scope="session")
def exempelstad():
    """Exempelstad with the default seed, generated once per test session (do not modify it)."""
    from likvard.demo import generate_exempelstad

    return generate_exempelstad()


POSTGRES_ENV = "LIKVARD_TEST_POSTGRES_URL"


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    """A fresh, empty database: an SQLite file, and a new PostgreSQL database on the server in
    ``$LIKVARD_TEST_POSTGRES_URL`` (started by .ci/run; skipped with a message when unset)."""
    if request.param == "sqlite":
        yield str(tmp_path / "likvard.db")
        return
    import os
    import uuid

    import sqlalchemy as sa

    from likvard.store import database_url

    admin_url = os.environ.get(POSTGRES_ENV)
    if not admin_url:
        pytest.skip(f"{POSTGRES_ENV} is not set: PostgreSQL tests run in .ci/run, which starts a server.")
    name = f"likvard_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(database_url(admin_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(database_url(admin_url)).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                         {"n": name})
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()

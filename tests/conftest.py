"""Shared fixtures: the real public data folder (skipped with a message when absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

from likvard.paths import real_data_dir
from tests._postgres import fresh_postgres_database


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


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    """A fresh, empty database: an SQLite file, and a new PostgreSQL database on the server in
    ``$LIKVARD_TEST_POSTGRES_URL`` (started by .ci/run; skipped with a message when unset)."""
    if request.param == "sqlite":
        yield str(tmp_path / "likvard.db")
        return
    with fresh_postgres_database("likvard_test") as url:
        yield url

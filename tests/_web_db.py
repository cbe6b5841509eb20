"""The database of the web app's tests, as a module-scoped fixture: an SQLite file, and a new
database on the PostgreSQL server in ``$LIKVARD_TEST_POSTGRES_URL`` (started by .ci/run; the
PostgreSQL case is skipped with a message when it is unset), like the store tests' ``store_url``."""

from __future__ import annotations

import pytest

from tests._postgres import fresh_postgres_database


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def web_db_url(request, tmp_path_factory):
    if request.param == "sqlite":
        yield str(tmp_path_factory.mktemp("webdb") / "web.db")
        return
    with fresh_postgres_database("likvard_web") as url:
        yield url

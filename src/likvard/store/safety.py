"""Guards around the database: whose it is, who writes, and what a message may show.

* :func:`check_is_likvard` refuses a database that holds another program's tables, so Likvärd
  never creates its tables inside it (a Likvärd database has ``alembic_version`` and ``meta``,
  and ``meta.application = 'likvard'`` from this version on);
* :func:`import_lock` / :func:`lock_for_import` serialise writers: on PostgreSQL with an advisory
  lock (``pg_advisory_lock`` / ``pg_advisory_xact_lock``), on SQLite by making the first
  statement of an import a write, which takes SQLite's single write lock (the second writer
  waits up to the connection's timeout);
* :func:`mask_url` and :func:`describe_error` keep passwords out of every message and turn
  driver errors into Swedish sentences.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from likvard.errors import StoreError

APPLICATION = "likvard"
ADVISORY_LOCK_KEY = 0x4C696B76617264  # "Likvard" in ASCII, fits a bigint
LIKVARD_TABLES = frozenset({"alembic_version", "meta", "imports", "results", "areas", "schools", "students",
                            "choices", "staff", "survey", "interventions", "intervention_versions",
                            "intervention_evaluations", "dialogues", "dialogue_items", "dialogue_notes",
                            "decisions", "decision_status", "dialogue_signoffs", "status_analyses",
                            "action_plan_rows", "catalogue_types", "catalogue_evidence", "catalogue_local",
                            "catalogue_imports", "web_users", "web_sessions", "audit_log", "web_jobs",
                            "web_scenarios"})

_USERINFO = re.compile(r"(://[^:/@\s]*:)([^@\s]*)(@)")


def mask_url(url: str) -> str:
    """``url`` with any password replaced by ``***`` (also when SQLAlchemy cannot parse it)."""
    text = str(url)
    try:
        return sa.engine.make_url(text).render_as_string(hide_password=True)
    except (sa.exc.ArgumentError, ValueError):  # an unparseable URL: mask by pattern
        return _USERINFO.sub(r"\1***\3", text)


def scrub(text: str, url: str) -> str:
    """``text`` with the password of ``url`` (if any) replaced by ``***`` wherever it occurs."""
    out = _USERINFO.sub(r"\1***\3", str(text))
    try:
        password = sa.engine.make_url(str(url)).password
    except (sa.exc.ArgumentError, ValueError):
        password = None
    if password:
        out = out.replace(str(password), "***")
    return out


def _is_postgres(engine: sa.Engine) -> bool:
    return engine.dialect.name == "postgresql"


@contextmanager
def import_lock(engine: sa.Engine) -> Iterator[None]:
    """Hold Likvärd's PostgreSQL advisory lock for the block (no-op on SQLite)."""
    if not _is_postgres(engine):
        yield
        return
    with engine.connect() as conn:
        conn.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": ADVISORY_LOCK_KEY})
        conn.commit()
        try:
            yield
        finally:
            conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_LOCK_KEY})
            conn.commit()


def lock_for_import(conn: sa.Connection) -> None:
    """First statement of an import transaction: wait until no other import is writing.

    PostgreSQL: ``pg_advisory_xact_lock`` (released at commit or rollback). SQLite: a write to the
    ``meta`` table takes the database's write lock at once; a second import waits for it (the
    connection's ``timeout``) and then sees the first one's rows, so it replaces them.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": ADVISORY_LOCK_KEY})
    else:
        conn.execute(sa.text("UPDATE meta SET value = value WHERE key = 'application'"))


def check_is_likvard(engine: sa.Engine) -> None:
    """Refuse a database that has tables but is not Likvärd's (see module docstring)."""
    names = set(sa.inspect(engine).get_table_names())
    if not names:
        return
    if {"alembic_version", "meta"} <= names:
        with engine.connect() as conn:
            app = conn.execute(sa.text("SELECT value FROM meta WHERE key = 'application'")).scalar()
            revision = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
        if app == APPLICATION:
            return
        if app is None and revision is not None and names <= LIKVARD_TABLES:
            return  # a Likvärd database from before the marker was written
    others = sorted(names - LIKVARD_TABLES) or sorted(names)
    shown = ", ".join(others[:5]) + (" …" if len(others) > 5 else "")
    raise StoreError(
        f"Databasen {mask_url(str(engine.url))} är inte en Likvärd-databas: den innehåller redan tabeller från ett "
        f"annat program ({shown}). Likvärd skapar inga tabeller där. Ange en ny databasfil eller en tom "
        "PostgreSQL-databas."
    )


def describe_error(exc: BaseException, url: str) -> str:
    """A Swedish sentence for a database driver error, naming the database without password."""
    where = mask_url(url)
    text = str(getattr(exc, "orig", None) or exc)
    low = text.lower()
    if "file is not a database" in low or "not a database" in low:
        return f"Filen {where.removeprefix('sqlite:///')} är inte en SQLite-databas (eller är skadad)."
    if "unable to open database file" in low:
        return (f"Databasfilen {where.removeprefix('sqlite:///')} kunde inte öppnas: kontrollera att mappen finns "
                "och att du har rätt att läsa och skriva den.")
    if "readonly database" in low or "read-only" in low:
        return f"Databasen {where} är skrivskyddad: Likvärd kan inte spara i den."
    if "database is locked" in low:
        return f"Databasen {where} är låst av en annan pågående import. Vänta tills den är klar och försök igen."
    if "password authentication failed" in low or "authentication failed" in low:
        return f"Inloggningen till {where} misslyckades: fel användarnamn eller lösenord."
    if "does not exist" in low and "database" in low:
        return f"Databasen i {where} finns inte på servern. Skapa den först (t.ex. createdb likvard)."
    if any(w in low for w in ("connection refused", "could not connect", "connection failed", "timeout expired",
                              "could not translate host name", "no route to host", "server closed the connection",
                              "name or service not known", "connection to server")):
        return (f"Databasservern för {where} svarar inte. Kontrollera adress och port, att servern är igång och "
                "att den tar emot anslutningar.")
    if "permission denied" in low:
        return f"Användaren saknar behörighet i databasen {where} (skapa tabeller, läsa eller skriva)."
    first = scrub(text.strip().splitlines()[0] if text.strip() else type(exc).__name__, url)
    return f"Databasen {where} kunde inte användas ({first})."

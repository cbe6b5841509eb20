"""Users of the web app and the audit log: created, listed and removed by ``likvard anvandare``
and the admin; every write anywhere in the app is logged here (who, what, when, before, after).
Passwords are hashed with argon2id (argon2-cffi's defaults, RFC 9106's second recommended set)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from likvard.errors import ParameterError
from likvard.store import Store, schema
from likvard.web.scope import ROLES, SCOPED_ROLES, User

MIN_PASSWORD = 10
"""Shortest password accepted (NIST SP 800-63B asks for at least 8; we ask for 10)."""

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("likvard-dummy-password")


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def hash_password(password: str) -> str:
    """argon2id hash of ``password``."""
    return _hasher.hash(password)


@dataclass(frozen=True)
class Account:
    """A user as listed: name, role, school units, created."""

    id: int
    name: str
    role: str
    schools: tuple[str, ...]
    created_at: dt.datetime


def _schools(text: str | None) -> tuple[str, ...]:
    return tuple(s for s in (text or "").split(",") if s)


def audit(conn: sa.Connection, actor: str, role: str, action: str, target: str,
          before: object = None, after: object = None) -> None:
    """Log one write (inside the write's own transaction, so both or neither are stored)."""
    clean = lambda v: None if v is None else json.loads(json.dumps(v, default=str))  # noqa: E731
    conn.execute(schema.audit_log.insert().values(at=now(), actor=actor, role=role, action=action, target=target,
                                                  before=clean(before), after=clean(after)))


def check_new_user(name: str, role: str, password: str, schools: Iterable[str]) -> tuple[str, str, tuple[str, ...]]:
    """Validated (name, role, schools); Swedish errors naming the option."""
    name = name.strip()
    if not name or len(name) > 100 or any(c.isspace() for c in name):
        raise ParameterError("namn", "användarnamnet ska vara 1–100 tecken utan mellanslag.")
    if role not in ROLES:
        raise ParameterError("roll", f"'{role}' är ingen roll; välj en av {', '.join(ROLES)}.")
    if len(password) < MIN_PASSWORD:
        raise ParameterError("losenord", f"lösenordet måste ha minst {MIN_PASSWORD} tecken.")
    codes = tuple(dict.fromkeys(s.strip() for s in schools if s.strip()))
    if role in SCOPED_ROLES and not codes:
        raise ParameterError("skolor", f"rollen {role} behöver minst en skolenhet (--skolor KOD,KOD).")
    if role not in SCOPED_ROLES and codes:
        raise ParameterError("skolor", f"rollen {role} ser alla skolor; ange inte --skolor.")
    return name, role, codes


def create_user(store: Store, name: str, role: str, password: str, schools: Iterable[str] = (), *,
                actor: str, actor_role: str = "admin") -> Account:
    """Add a user (refused if the name is taken); logged."""
    name, role, codes = check_new_user(name, role, password, schools)
    t = schema.web_users
    with store.engine.begin() as conn:
        if conn.execute(sa.select(t.c.id).where(t.c.name == name)).first() is not None:
            raise ParameterError("namn", f"användaren {name} finns redan.")
        created = now()
        uid = conn.execute(t.insert().values(name=name, password_hash=hash_password(password), role=role,
                                             schools=",".join(codes), created_at=created)).inserted_primary_key[0]  # type: ignore[index]
        audit(conn, actor, actor_role, "skapa användare", name, None, {"roll": role, "skolor": list(codes)})
    return Account(int(uid), name, role, codes, created)


def list_users(store: Store) -> list[Account]:
    """Every user, by name."""
    t = schema.web_users
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(t).order_by(t.c.name)).all()
    return [Account(int(r.id), r.name, r.role, _schools(r.schools), r.created_at) for r in rows]


def delete_user(store: Store, name: str, *, actor: str, actor_role: str = "admin") -> None:
    """Remove a user and end their sessions; logged."""
    t = schema.web_users
    with store.engine.begin() as conn:
        row = conn.execute(sa.select(t).where(t.c.name == name)).first()
        if row is None:
            raise ParameterError("namn", f"användaren {name} finns inte.")
        conn.execute(schema.web_sessions.delete().where(schema.web_sessions.c.user_id == row.id))
        conn.execute(t.delete().where(t.c.id == row.id))
        audit(conn, actor, actor_role, "ta bort användare", name, {"roll": row.role, "skolor": list(_schools(row.schools))},
              None)


def authenticate(store: Store, name: str, password: str) -> User | None:
    """The user if ``password`` is theirs, else None (the same work is done for unknown names)."""
    t = schema.web_users
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(t).where(t.c.name == name)).first()
    try:
        _hasher.verify(row.password_hash if row is not None else _DUMMY_HASH, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if row is None:
        return None
    return User(int(row.id), row.name, row.role, frozenset(_schools(row.schools)))


def user_by_id(conn: sa.Connection, user_id: int) -> User | None:
    t = schema.web_users
    row = conn.execute(sa.select(t).where(t.c.id == user_id)).first()
    return None if row is None else User(int(row.id), row.name, row.role, frozenset(_schools(row.schools)))


def audit_entries(store: Store, limit: int = 500) -> list[sa.Row]:
    """The newest ``limit`` entries of the audit log."""
    t = schema.audit_log
    with store.engine.connect() as conn:
        return list(conn.execute(sa.select(t).order_by(t.c.id.desc()).limit(limit)).all())


def log_write(store: Store, user: User, action: str, target: str, before: object = None, after: object = None) -> None:
    """Log a write done elsewhere in its own transaction (e.g. an import through the store)."""
    with store.engine.begin() as conn:
        audit(conn, user.name, user.role, action, target, before, after)

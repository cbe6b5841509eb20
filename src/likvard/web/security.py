"""Sessions, CSRF tokens, login throttling and security headers.

- Sessions are server-side: the cookie holds a random token (``secrets.token_urlsafe(32)``, 256
  bits); the database keeps only its SHA-256, so a leaked database gives no session. Cookies are
  httpOnly, SameSite=Lax and Secure when the request came over HTTPS. A new token is issued at
  every login and the token presented before it is deleted (no session fixation). Sessions end
  after ``idle`` without a request and after ``absolute`` in any case (OWASP Session Management
  Cheat Sheet).
- CSRF: a synchronizer token per session, sent by every form (hidden ``csrf_token``) and every
  HTMX request (header ``X-CSRF-Token``, set by ``app.js`` from the page's meta tag); before login,
  the login form uses a double-submit cookie. A missing or wrong token gives 403.
- Login throttling: after ``MAX_FAILURES`` failed logins for one user name or from one address in
  ``WINDOW`` seconds, further attempts are refused (429) until the window has passed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass

import sqlalchemy as sa

from likvard.store import Store, schema
from likvard.web.accounts import now, user_by_id
from likvard.web.scope import User

SESSION_COOKIE = "likvard_session"
LOGIN_CSRF_COOKIE = "likvard_login_csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
MAX_FAILURES = 5
WINDOW = 15 * 60

CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
       "frame-ancestors 'none'")
"""No inline or external scripts; plotly.js sets inline styles on its SVG, hence style-src 'unsafe-inline'."""

SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "geolocation=(), camera=(), microphone=()",
}


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def same(a: str | None, b: str | None) -> bool:
    """Constant-time comparison; False when either is missing."""
    return bool(a) and bool(b) and hmac.compare_digest(str(a).encode(), str(b).encode())


@dataclass(frozen=True)
class Session:
    user: User
    csrf_token: str
    token: str


@dataclass(frozen=True)
class SessionPolicy:
    """Idle and absolute lifetime of a session, in seconds."""

    idle: int = 30 * 60
    absolute: int = 10 * 60 * 60


def _aware(t: dt.datetime) -> dt.datetime:
    return t if t.tzinfo is not None else t.replace(tzinfo=dt.UTC)


class Sessions:
    """Server-side sessions in the store (see the module docstring)."""

    def __init__(self, store: Store, policy: SessionPolicy = SessionPolicy()):
        self.store = store
        self.policy = policy

    def start(self, user: User, previous_token: str | None = None) -> Session:
        """A new session for ``user``; the session of ``previous_token`` (if any) is deleted."""
        token = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        t = schema.web_sessions
        stamp = now()
        with self.store.engine.begin() as conn:
            if previous_token:
                conn.execute(t.delete().where(t.c.token_hash == token_hash(previous_token)))
            # expired sessions of anyone are cleared at each login
            conn.execute(t.delete().where(t.c.created_at < stamp - dt.timedelta(seconds=self.policy.absolute)))
            conn.execute(t.insert().values(token_hash=token_hash(token), user_id=user.id, csrf_token=csrf,
                                           created_at=stamp, last_seen=stamp))
        return Session(user, csrf, token)

    def get(self, token: str | None) -> Session | None:
        """The live session of ``token`` (its last use updated at most once a minute), or None."""
        if not token or len(token) > 200:
            return None
        t = schema.web_sessions
        key = token_hash(token)
        stamp = now()
        with self.store.engine.connect() as conn:
            row = conn.execute(sa.select(t).where(t.c.token_hash == key)).first()
            if row is None:
                return None
            created, seen = _aware(row.created_at), _aware(row.last_seen)
            if (stamp - created).total_seconds() > self.policy.absolute or \
                    (stamp - seen).total_seconds() > self.policy.idle:
                expired = True
                user = None
            else:
                expired = False
                user = user_by_id(conn, int(row.user_id))
        if expired or user is None:
            self.end(token)
            return None
        if (stamp - seen).total_seconds() > 60:
            with self.store.engine.begin() as conn:
                conn.execute(t.update().where(t.c.token_hash == key).values(last_seen=stamp))
        return Session(user, row.csrf_token, token)

    def end(self, token: str | None) -> None:
        if token:
            with self.store.engine.begin() as conn:
                conn.execute(schema.web_sessions.delete().where(schema.web_sessions.c.token_hash == token_hash(token)))


class Throttle:
    """Failed logins per user name and per address in a sliding window (in memory, per process)."""

    def __init__(self, max_failures: int = MAX_FAILURES, window: float = WINDOW):
        self.max_failures = max_failures
        self.window = window
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _live(self, key: str, t: float) -> deque[float]:
        q = self._failures[key]
        while q and t - q[0] > self.window:
            q.popleft()
        return q

    def blocked(self, name: str, address: str) -> bool:
        t = time.monotonic()
        with self._lock:
            return any(len(self._live(k, t)) >= self.max_failures for k in (f"u:{name.lower()}", f"a:{address}"))

    def failed(self, name: str, address: str) -> None:
        t = time.monotonic()
        with self._lock:
            for k in (f"u:{name.lower()}", f"a:{address}"):
                self._live(k, t).append(t)

    def succeeded(self, name: str) -> None:
        with self._lock:
            self._failures.pop(f"u:{name.lower()}", None)

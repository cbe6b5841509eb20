"""The web app's security promises, tried with FastAPI's TestClient on a small Exempelstad: login with
a CSRF token, session fixation, the one scope function (a principal cannot read another school's
page, fragment, download or JSON), the board cannot write, a school name with ``<script>`` is escaped,
and the security headers are sent. On SQLite and on PostgreSQL (see _web_db)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from _web_db import web_db_url  # noqa: F401 (the fixture)
from likvard.demo import generate_exempelstad
from likvard.store import open_store
from likvard.web.accounts import create_user
from likvard.web.app import create_app
from likvard.web.security import CSRF_HEADER, SESSION_COOKIE

EVIL = "<script>alert(1)</script> skolan"
PASSWORD = "ett långt lösenord 42"


@pytest.fixture(scope="module")
def site(web_db_url):  # noqa: F811 (the imported fixture)
    db = web_db_url
    data = generate_exempelstad(seed=5, n_years=3)
    ids = sorted(data.schools["school_id"].astype(str).unique())
    own, other = ids[0], ids[1]
    data.schools.loc[data.schools["school_id"].astype(str) == other, "name"] = EVIL
    store = open_store(db)
    store.save_authority_data(data, "test")
    create_user(store, "adam", "admin", PASSWORD, actor="test")
    create_user(store, "rut", "rektor", PASSWORD, [own], actor="test")
    create_user(store, "nina", "nämnd", PASSWORD, actor="test")
    app = create_app(str(db), store=store)
    assert app.state.cache.wait(600) is not None
    yield app, own, other
    store.close()


def _login_token(client: TestClient) -> str:
    page = client.get("/logga-in")
    assert page.status_code == 200
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, "inloggningsformuläret saknar csrf_token"
    return found.group(1)


def login(app, name: str) -> tuple[TestClient, str]:
    client = TestClient(app, base_url="http://127.0.0.1")
    token = _login_token(client)
    r = client.post("/logga-in", data={"anvandarnamn": name, "losenord": PASSWORD, "csrf_token": token},
                    follow_redirects=False)
    assert r.status_code == 303
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/skolor").text)
    assert csrf
    return client, csrf.group(1)


def test_health_and_login_form_without_session(site):
    app, _, _ = site
    client = TestClient(app, base_url="http://127.0.0.1")
    assert client.get("/halsa").json() == {"status": "ok"}
    r = client.get("/", follow_redirects=False)
    assert r.status_code in (302, 303, 307) and r.headers["location"].startswith("/logga-in")
    form = client.get("/logga-in").text
    for field in ('name="anvandarnamn"', 'name="losenord"', 'type="hidden" name="csrf_token"'):
        assert field in form


def test_login_needs_csrf_and_sets_a_safe_cookie(site):
    app, _, _ = site
    client = TestClient(app, base_url="http://127.0.0.1")
    _login_token(client)
    r = client.post("/logga-in", data={"anvandarnamn": "adam", "losenord": PASSWORD}, follow_redirects=False)
    assert r.status_code == 403
    r = client.post("/logga-in", data={"anvandarnamn": "adam", "losenord": PASSWORD, "csrf_token": "fel"},
                    follow_redirects=False)
    assert r.status_code == 403
    token = _login_token(client)
    r = client.post("/logga-in", data={"anvandarnamn": "adam", "losenord": "fel lösenord", "csrf_token": token},
                    follow_redirects=False)
    assert r.status_code == 401 and SESSION_COOKIE not in r.headers.get("set-cookie", "")
    r = client.post("/logga-in", data={"anvandarnamn": "adam", "losenord": PASSWORD, "csrf_token": token},
                    follow_redirects=False)
    assert r.status_code == 303
    cookie = r.headers["set-cookie"].lower()
    assert SESSION_COOKIE in cookie and "httponly" in cookie and "samesite=lax" in cookie


def test_session_fixation_is_prevented(site):
    app, _, _ = site
    client = TestClient(app, base_url="http://127.0.0.1")
    client.cookies.set(SESSION_COOKIE, "angriparens-token")
    token = _login_token(client)
    r = client.post("/logga-in", data={"anvandarnamn": "adam", "losenord": PASSWORD, "csrf_token": token},
                    follow_redirects=False)
    issued = re.search(SESSION_COOKIE + r"=([^;]+)", r.headers["set-cookie"])
    assert issued and issued.group(1) != "angriparens-token"
    attacker = TestClient(app, base_url="http://127.0.0.1")
    attacker.cookies.set(SESSION_COOKIE, "angriparens-token")
    assert attacker.get("/", follow_redirects=False).status_code in (302, 303, 307)


def test_principal_sees_only_own_school(site):
    app, own, other = site
    client, _ = login(app, "rut")
    assert client.get(f"/skolor/{own}").status_code == 200
    for url in (f"/skolor/{other}", f"/skolor/{other}/tabeller.csv", f"/api/skolor/{other}",
                f"/skolor/{other}/del/sammansattning"):
        assert client.get(url).status_code == 403, url
    assert EVIL not in client.get("/skolor").text


def test_board_cannot_write_and_writes_need_csrf(site):
    app, _, _ = site
    board, csrf = login(app, "nina")
    assert board.get("/").status_code == 200
    assert board.get("/import").status_code == 403
    assert board.post("/import", headers={CSRF_HEADER: csrf}, files={"fil": ("a.csv", b"x")}).status_code == 403
    admin, csrf = login(app, "adam")
    assert admin.post("/logga-ut", follow_redirects=False).status_code == 403
    assert admin.post("/logga-ut", headers={CSRF_HEADER: "fel"}, follow_redirects=False).status_code == 403
    assert admin.post("/logga-ut", headers={CSRF_HEADER: csrf}, follow_redirects=False).status_code == 303


def test_script_in_a_school_name_is_escaped_and_headers_are_sent(site):
    app, _, other = site
    admin, _ = login(app, "adam")
    page = admin.get(f"/skolor/{other}")
    assert page.status_code == 200
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "<script>alert(1)" not in page.text
    assert "<script>alert(1)" not in admin.get("/").text
    csp = page.headers.get("content-security-policy", "")
    assert "script-src" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert page.headers.get("x-frame-options", "").upper() in ("DENY", "SAMEORIGIN")
    assert page.headers.get("referrer-policy")

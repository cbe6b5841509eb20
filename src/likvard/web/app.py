"""The FastAPI app: routes, the session and CSRF guards, error pages (no stack traces) and headers.

Every route that shows or changes something calls :func:`likvard.web.scope.authorize` (through
``_allow``) with the action and, where it concerns one school, the school unit code. A request
with ``HX-Request`` gets only the page's main content; the same URL without it gets the full page,
so every fragment URL also works as a page and state lives in the URL.
"""

from __future__ import annotations

import csv
import io
import weakref
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import quote, urlencode

import jinja2
from markupsafe import Markup
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from likvard.analyses.settings import DEFAULTS, Settings
from likvard.errors import LikvardError
from likvard.store import Store, open_store
from likvard.views.common import format_table
from likvard.views.table import Table
from likvard.web import accounts, pages
from likvard.web.cache import AnalysisCache
from likvard.web.jobs import Jobs
from likvard.web.scope import ROLE_LABELS, Forbidden, Policy, User, authorize, sees_all, visible_schools
from likvard.web.security import (
    CSRF_FIELD,
    CSRF_HEADER,
    LOGIN_CSRF_COOKIE,
    SECURITY_HEADERS,
    SESSION_COOKIE,
    Session,
    SessionPolicy,
    Sessions,
    Throttle,
    same,
)

_TEXT_COLUMNS = {"school_id", "name", "organiser_type", "index", "part", "scenario", "weak_indicators", "verdict",
                 "reliably", "measure", "school_year", "key", "Mått", "Modell"}


class NotSignedIn(Exception):
    """No live session: the user is sent to the login page."""


class BadCsrf(Exception):
    """A write without a valid CSRF token."""


@dataclass(frozen=True)
class WebOptions:
    """Server options: session lifetimes, the authority's policy, login throttling."""

    sessions: SessionPolicy = SessionPolicy()
    policy: Policy = Policy()
    max_login_failures: int = 5


@cache
def _plotly_js() -> bytes:
    from plotly.offline import get_plotlyjs

    return get_plotlyjs().encode("utf-8")


def _static(name: str) -> bytes:
    return resources.files("likvard.web").joinpath(f"static/{name}").read_bytes()


STATIC_TYPES = {"htmx.min.js": "text/javascript", "app.js": "text/javascript", "app.css": "text/css"}


def table_html(table: Table, caption: str | None = None, link_schools: bool = False) -> str:
    """A suppressed table as accessible HTML (caption, header cells with scope; values escaped);
    a table that has not passed disclosure control is refused (``DisclosureError``)."""
    import html

    from likvard.export import require_disclosed

    require_disclosed([table])

    data = table.data.drop(columns=["key"], errors="ignore")
    shown = format_table(data, {c: table.decimals_of(c) for c in data.columns})
    head = "".join(f'<th scope="col">{html.escape(table.header(c))}</th>' for c in shown.columns if c != "school_id"
                   or not link_schools)
    rows = []
    for raw, row in zip(data.itertuples(index=False), shown.itertuples(index=False)):
        cells = []
        sid = str(getattr(raw, "school_id", "")) if "school_id" in data else ""
        for c, v in zip(shown.columns, row):
            if link_schools and c == "school_id":
                continue
            text = html.escape(str(v))
            if link_schools and c == "name" and sid:
                text = f'<a href="/skolor/{quote(sid)}">{text}</a>'
            cls = ' class="text"' if c in _TEXT_COLUMNS else ""
            cells.append(f"<td{cls}>{text}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    cap = html.escape(caption if caption is not None else table.title)
    note = f'<p class="note">{html.escape(table.note)}</p>' if table.note else ""
    return (f'<div class="table-wrap" role="region" aria-label="{cap}" tabindex="0"><table><caption>{cap}</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>{note}")


class TableHtml:
    """``table_html`` once per table object and link choice: the pages' tables live in the analysis
    cache, so a page request formats none of them again (the entry goes when the table does)."""

    def __init__(self) -> None:
        self._done: dict[tuple[int, bool], tuple[weakref.ref, Markup]] = {}

    def __call__(self, table: Table, link: bool = False) -> Markup:
        key = (id(table), bool(link))
        hit = self._done.get(key)
        if hit is not None and hit[0]() is table:
            return hit[1]
        html = Markup(table_html(table, link_schools=link))
        self._done[key] = (weakref.ref(table, lambda _ref, key=key: self._done.pop(key, None)), html)  # type: ignore[misc]
        return html


def create_app(store_url: str, *, settings: Settings = DEFAULTS, options: WebOptions = WebOptions(),
               store: Store | None = None) -> FastAPI:
    """The web app on the store at ``store_url`` (opened and migrated here), analyses run with ``settings``."""
    store = store or open_store(store_url)
    cache_ = AnalysisCache(store, settings)
    jobs = Jobs(store)
    sessions = Sessions(store, options.sessions)
    throttle = Throttle(options.max_login_failures)
    policy = options.policy
    env = jinja2.Environment(loader=jinja2.PackageLoader("likvard.web", "templates"),
                             autoescape=jinja2.select_autoescape(["html"]), undefined=jinja2.StrictUndefined)
    env.filters["table"] = TableHtml()
    env.globals["ROLE_LABELS"] = ROLE_LABELS

    def session_of(request: Request) -> Session | None:
        if not hasattr(request.state, "session"):
            request.state.session = sessions.get(request.cookies.get(SESSION_COOKIE))
        return request.state.session

    async def csrf_guard(request: Request) -> None:
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return
        sent = request.headers.get(CSRF_HEADER)
        if not sent:
            ctype = request.headers.get("content-type", "")
            if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
                sent = str((await request.form()).get(CSRF_FIELD) or "")
        s = session_of(request)
        expected = s.csrf_token if s is not None else request.cookies.get(LOGIN_CSRF_COOKIE)
        if not same(sent, expected):
            raise BadCsrf()

    app = FastAPI(title="Likvärd", docs_url=None, redoc_url=None, openapi_url=None, dependencies=[Depends(csrf_guard)])
    app.state.store = store
    app.state.cache = cache_
    app.state.jobs = jobs
    app.state.throttle = throttle

    @app.middleware("http")
    async def headers(request: Request, call_next: Any) -> Response:
        response = await call_next(request)
        for k, v in SECURITY_HEADERS.items():
            response.headers.setdefault(k, v)
        if not request.url.path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    def user_of(request: Request) -> User:
        s = session_of(request)
        if s is None:
            raise NotSignedIn()
        return s.user

    def partial(request: Request) -> bool:
        return request.headers.get("hx-request") == "true" and not request.headers.get("hx-history-restore-request")

    def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        s = session_of(request)
        user = s.user if s is not None else None
        context.setdefault("title", "Likvärd")
        page = env.get_template(template).render(
            request_path=request.url.path, user=user, csrf_token=s.csrf_token if s else context.pop("login_csrf", ""),
            layout="partial.html" if partial(request) else "base.html", nav=_nav(user), authority=store.name(),
            **context)
        return HTMLResponse(page, status_code=status)

    def _nav(user: User | None) -> list[tuple[str, str]]:
        if user is None:
            return []
        items = [("/", "Översikt"), ("/skolor", "Skolor"), ("/segregation", "Segregation")]
        for action, href, text in (("read_followup", "/insatser", "Insatser"), ("read_followup", "/dialoger", "Dialoger"),
                                   ("read_catalogue", "/katalog", "Katalog"),
                                   ("download_quality", "/kvalitetsrapport", "Kvalitetsrapport"),
                                   ("read_scenarios", "/placering", "Placering"),
                                   ("read_scenarios", "/fordelning", "Resursfördelning"),
                                   ("import", "/import", "Import"), ("read_log", "/logg", "Logg")):
            try:
                authorize(user, action, policy=policy)
            except Forbidden:
                continue
            items.append((href, text))
        return items

    def allow(user: User, action: str, school_id: str | None = None) -> None:
        authorize(user, action, school_id, policy)

    def overview_or_wait(request: Request) -> Any:
        ov = cache_.get()
        if ov is None:
            return None, render(request, "waiting.html", status=503 if cache_.error else 200,
                                title="Analyserna beräknas", error=cache_.error, part=cache_.part)
        return ov, None

    # --- errors -------------------------------------------------------------------------

    @app.exception_handler(NotSignedIn)
    async def _not_signed_in(request: Request, exc: NotSignedIn) -> Response:
        target = "/logga-in" + (f"?{urlencode({'nasta': request.url.path})}" if request.url.path != "/" else "")
        if partial(request):
            return Response(status_code=401, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, exc: Forbidden) -> Response:
        return render(request, "error.html", status=403, title="Ingen behörighet", heading="Ingen behörighet",
                      message=str(exc))

    @app.exception_handler(BadCsrf)
    async def _bad_csrf(request: Request, exc: BadCsrf) -> Response:
        return render(request, "error.html", status=403, title="Ogiltig begäran", heading="Ogiltig begäran",
                      message="Formuläret saknade en giltig säkerhetskod (CSRF). Ladda om sidan och försök igen.")

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        text = {404: "Sidan finns inte.", 405: "Metoden stöds inte för denna adress."}.get(exc.status_code,
                                                                                         "Begäran kunde inte utföras.")
        return render(request, "error.html", status=exc.status_code, title=text, heading=text, message="")

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        fields = ", ".join(str(e.get("loc", ["", "?"])[-1]) for e in exc.errors())
        return render(request, "error.html", status=400, title="Felaktig begäran", heading="Felaktig begäran",
                      message=f"Uppgifterna i formuläret eller adressen är ofullständiga eller felaktiga ({fields}).")

    @app.exception_handler(LikvardError)
    async def _likvard(request: Request, exc: LikvardError) -> Response:
        return render(request, "error.html", status=400, title="Det gick inte", heading="Det gick inte",
                      message=str(exc), back=_back(request))

    def _back(request: Request) -> str:
        """The page the refused form was sent from (same server only), to go back to and correct it."""
        from urllib.parse import urlsplit

        ref = urlsplit(request.headers.get("referer", ""))
        if ref.netloc != request.url.netloc or not ref.path.startswith("/") or ref.path.startswith("//"):
            return ""
        return ref.path + (f"?{ref.query}" if ref.query else "")

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception) -> Response:
        return HTMLResponse("<!doctype html><html lang=sv><title>Internt fel</title><h1>Internt fel</h1><p>Ett fel "
                            "inträffade i Likvärd. Försök igen; kvarstår felet, kontakta den som förvaltar "
                            "Likvärd.</p></html>", status_code=500, headers=SECURITY_HEADERS)

    # --- static, health, login ------------------------------------------------------------

    @app.get("/halsa")
    def halsa() -> dict:
        return {"status": "ok"}

    @app.get("/static/{name}")
    def static(name: str) -> Response:
        if name == "plotly.min.js":
            body = _plotly_js()
            media = "text/javascript"
        elif name in STATIC_TYPES:
            body = _static(name)
            media = STATIC_TYPES[name]
        else:
            raise StarletteHTTPException(404)
        return Response(body, media_type=media, headers={"Cache-Control": "public, max-age=86400"})

    def _secure(request: Request) -> bool:
        return request.url.scheme == "https"

    @app.get("/logga-in")
    def login_form(request: Request, nasta: str = "/") -> Response:
        import secrets

        token = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(32)
        response = render(request, "login.html", title="Logga in", login_csrf=token, nasta=_safe_next(nasta),
                          error="")
        response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="lax", secure=_secure(request),
                            path="/logga-in")
        return response

    def _safe_next(nasta: str) -> str:
        return nasta if nasta.startswith("/") and not nasta.startswith("//") and "\\" not in nasta else "/"

    @app.post("/logga-in")
    async def login(request: Request) -> Response:
        form = await request.form()
        name = str(form.get("anvandarnamn") or "").strip()
        password = str(form.get("losenord") or "")
        nasta = _safe_next(str(form.get("nasta") or "/"))
        address = request.client.host if request.client else "?"
        token = request.cookies.get(LOGIN_CSRF_COOKIE, "")
        if throttle.blocked(name, address):
            return render(request, "login.html", status=429, title="Logga in", login_csrf=token, nasta=nasta,
                          error="För många misslyckade inloggningar. Vänta en kvart och försök igen.")
        user = accounts.authenticate(store, name, password)
        if user is None:
            throttle.failed(name, address)
            return render(request, "login.html", status=401, title="Logga in", login_csrf=token, nasta=nasta,
                          error="Fel användarnamn eller lösenord.")
        throttle.succeeded(name)
        s = sessions.start(user, previous_token=request.cookies.get(SESSION_COOKIE))
        response = RedirectResponse(nasta, status_code=303)
        response.set_cookie(SESSION_COOKIE, s.token, httponly=True, samesite="lax", secure=_secure(request),
                            max_age=options.sessions.absolute)
        response.delete_cookie(LOGIN_CSRF_COOKIE, path="/logga-in")
        return response

    @app.post("/logga-ut")
    def logout(request: Request) -> Response:
        sessions.end(request.cookies.get(SESSION_COOKIE))
        response = RedirectResponse("/logga-in", status_code=303)
        response.delete_cookie(SESSION_COOKIE)
        return response

    # --- analysis pages -------------------------------------------------------------------

    def _filters(sok: str, huvudman: str, markera: str) -> pages.Filters:
        return pages.Filters(sok.strip()[:100], huvudman if huvudman in ("municipal", "independent") else "",
                             markera.strip()[:20])

    def _visible(user: User, ov: Any) -> set[str]:
        return set(visible_schools(user, ov.dataset.schools["school_id"].astype(str), policy))

    def _school_options(ov: Any, visible: set[str]) -> list[tuple[str, str]]:
        names = ov.dataset.names()
        return sorted(((sid, names[sid]) for sid in visible if sid in names), key=lambda x: x[1])

    def _scope_key(user: User) -> tuple:
        return (user.role, tuple(sorted(user.schools)), policy.principals_see_peers)

    @app.get("/")
    def overview(request: Request, user: User = Depends(user_of), sok: str = "", huvudman: str = "",
                 markera: str = "") -> Response:
        allow(user, "read_overview")
        ov, waiting = overview_or_wait(request)
        if waiting is not None:
            return waiting
        visible = _visible(user, ov)
        f = _filters(sok, huvudman, markera)
        everyone = sees_all(user, policy)
        found = cache_.memo(("findings", everyone), lambda: pages.findings(ov, everyone))
        sections = cache_.memo(("overview", _scope_key(user), f), lambda: pages.overview_sections(ov, visible, f))
        return render(request, "overview.html", title=f"Översikt – {ov.dataset.name}", findings=found,
                      sections=sections, filters=f, schools=_school_options(ov, visible), ds=ov.dataset,
                      omitted=ov.omitted, page_url="/")

    @app.get("/segregation")
    def segregation(request: Request, user: User = Depends(user_of), sok: str = "", huvudman: str = "",
                    markera: str = "") -> Response:
        allow(user, "read_segregation")
        ov, waiting = overview_or_wait(request)
        if waiting is not None:
            return waiting
        visible = _visible(user, ov)
        f = _filters(sok, huvudman, markera)
        sections = cache_.memo(("segregation", _scope_key(user), f), lambda: pages.segregation_sections(ov, visible, f))
        return render(request, "analysis.html", title="Segregation", heading="Segregation mellan skolorna",
                      sections=sections, filters=f, schools=_school_options(ov, visible), page_url="/segregation")

    @app.get("/skolor")
    def schools(request: Request, user: User = Depends(user_of), sok: str = "") -> Response:
        allow(user, "read_school")
        ov, waiting = overview_or_wait(request)
        if waiting is not None:
            return waiting
        options = _school_options(ov, _visible(user, ov))
        if sok.strip():
            options = [(s, n) for s, n in options if sok.strip().lower() in n.lower() or sok.strip() in s]
        return render(request, "schools.html", title="Skolor", schools=options, sok=sok.strip()[:100])

    def _school(request: Request, user: User, school_id: str) -> tuple[Any, str, list[pages.Section]] | Response:
        allow(user, "read_school", school_id)
        ov, waiting = overview_or_wait(request)
        if waiting is not None:
            return waiting
        if school_id not in ov.dataset.names():
            raise StarletteHTTPException(404)
        name, sections = cache_.memo(("school", school_id), lambda: pages.school_sections(ov, school_id))
        return ov, name, sections

    def _school_followup(user: User, school_id: str) -> dict[str, Any] | None:
        """The school's interventions and (for those who may read them) its quality dialogues."""
        from likvard.followup import service as followup

        try:
            allow(user, "read_followup", school_id)
        except Forbidden:
            return None
        ivs = [iv for iv in followup.list_interventions(store, school_ids=[school_id]) if iv.status != "avbruten"]
        try:
            allow(user, "read_dialogue", school_id)
        except Forbidden:
            return {"interventions": ivs, "dialogues": None}
        return {"interventions": ivs, "dialogues": followup.list_dialogues(store, school_ids=[school_id])}

    @app.get("/skolor/{school_id}")
    def school(request: Request, school_id: str, user: User = Depends(user_of)) -> Response:
        got = _school(request, user, school_id)
        if isinstance(got, Response):
            return got
        ov, name, sections = got
        return render(request, "school.html", title=name, name=name, school_id=school_id, sections=sections,
                      followup=_school_followup(user, school_id))

    @app.get("/skolor/{school_id}/del/{key}")
    def school_part(request: Request, school_id: str, key: str, user: User = Depends(user_of)) -> Response:
        got = _school(request, user, school_id)
        if isinstance(got, Response):
            return got
        ov, name, sections = got
        chosen = [s for s in sections if s.key == key]
        if not chosen:
            raise StarletteHTTPException(404)
        return render(request, "school.html", title=f"{name}: {chosen[0].title}", name=name, school_id=school_id,
                      sections=chosen, followup=None)

    @app.get("/skolor/{school_id}/tabeller.csv")
    def school_csv(request: Request, school_id: str, user: User = Depends(user_of)) -> Response:
        got = _school(request, user, school_id)
        if isinstance(got, Response):
            return got
        from likvard.disclosure import safe_text
        from likvard.export import csv_frame, require_disclosed

        ov, name, sections = got
        require_disclosed([t for s in sections for t in s.tables])
        buf = io.StringIO()
        writer = csv.writer(buf, delimiter=";", lineterminator="\r\n")
        for s in sections:
            for t in s.tables:
                frame = csv_frame(t)
                writer.writerow([safe_text(t.title)])
                writer.writerow(list(frame.columns))
                writer.writerows(frame.itertuples(index=False))
                writer.writerow([])
        return Response(("\ufeff" + buf.getvalue()).encode("utf-8"), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="skola-{quote(school_id)}.csv"'})

    @app.get("/api/skolor/{school_id}")
    def school_api(request: Request, school_id: str, user: User = Depends(user_of)) -> Response:
        got = _school(request, user, school_id)
        if isinstance(got, Response):
            return JSONResponse({"status": "beräknas"}, status_code=503)
        ov, name, sections = got
        return JSONResponse(pages.school_json(name, school_id, sections))

    # --- the rest of the pages --------------------------------------------------------------
    from likvard.web import routes_work

    routes_work.register(app, store=store, cache=cache_, jobs=jobs, render=render, user_of=user_of, allow=allow,
                         overview_or_wait=overview_or_wait, visible=_visible, school_options=_school_options)

    from likvard.web import routes_followup

    routes_followup.register(app, store=store, cache=cache_, jobs=jobs, render=render, user_of=user_of, allow=allow,
                             policy=policy)

    from likvard.web import routes_catalogue

    routes_catalogue.register(app, store=store, render=render, user_of=user_of, allow=allow)

    @app.get("/logg")
    def log(request: Request, user: User = Depends(user_of)) -> Response:
        allow(user, "read_log")
        entries = accounts.audit_entries(store)
        return render(request, "log.html", title="Logg", entries=entries)

    @app.on_event("shutdown")
    def _shutdown() -> None:
        jobs.shutdown()

    return app



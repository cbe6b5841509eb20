"""The web app in a real headless browser (Debian's chromium via Playwright) against a real uvicorn
server on a free port of 127.0.0.1, with a temporary SQLite store filled from the demo: one
workflow per role, every page checked for console errors, requests leaving the server, and
accessibility (axe-core, vendored: no serious or critical violation).

- rektor: fills the focus area of the autumn dialogue, writes the cause analyses, signs; another
  school's page answers 403;
- skolchef: adds the authority's area and a decision, signs for the authority;
- analytiker: registers an intervention in the form and runs its evaluation (background job with
  progress, then the result on the intervention's page);
- nämnd: sees the overview with '..' for a school of six students and no write form anywhere;
- analytiker (last, it changes the data): imports a staff file with an unknown school unit and
  sees the row, nothing imported; then the corrected file is imported.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from likvard.demo import generate_exempelstad
from likvard.followup import service as sv
from likvard.store import open_store
from likvard.web.accounts import create_user
from likvard.web.app import create_app

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
PASSWORD = "ett långt lösenord 42"
SMALL = 6

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not CHROMIUM.exists(),
                                 reason="Chromium saknas: installera Debians paket 'chromium' (/usr/bin/chromium).")]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """uvicorn serving the app on a demo store; yields (base URL, store, facts about the data)."""
    import uvicorn

    data = generate_exempelstad(seed=5, n_years=5)
    year = max(data.years())
    st = data.students
    counts = st[(st["grade"] == 9) & st["merit_value"].notna()].groupby(["school_id", "school_year"]).size().unstack()
    full = sorted(str(s) for s in counts.index[(counts.fillna(0) >= 20).all(axis=1)])
    own, area_other = full[0], full[1]
    ids = sorted(data.schools["school_id"].astype(str).unique())
    small = next(s for s in ids if s not in full[:2])
    mask = (st["school_year"] == year) & (st["school_id"].astype(str) == small)
    data.students = pd.concat([st[~mask], st[mask].head(SMALL)], ignore_index=True)
    db = tmp_path_factory.mktemp("webb") / "webb.db"
    store = open_store(db)
    store.save_authority_data(data, "test")
    for name, role, schools in (("ana", "analytiker", []), ("sven", "skolchef", [own, area_other]),
                                ("rut", "rektor", [own]), ("nina", "nämnd", [])):
        create_user(store, name, role, PASSWORD, schools, actor="test")
    dialogue = sv.create_dialogue(store, school_id=own, school_year=year, kind="host", date=f"{year}-10-01",
                                  participants=["rektor", "huvudman"], actor="test", role="analytiker")
    app = create_app(str(db), store=store)
    assert app.state.cache.wait(600) is not None
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    end = time.monotonic() + 30
    while not srv.started and time.monotonic() < end:
        time.sleep(0.05)
    assert srv.started, "uvicorn startade inte"
    yield {"base": f"http://127.0.0.1:{port}", "store": store, "own": own, "other": area_other, "small": small,
           "names": data.schools.drop_duplicates("school_id", keep="last").set_index("school_id")["name"].astype(str)
           .to_dict(), "year": year, "dialogue": dialogue.id, "treated": full[:2], "app": app,
           "staff": data.staff[data.staff["school_year"] == year].head(40)}
    srv.should_exit = True
    thread.join(10)
    app.state.jobs.shutdown()
    store.close()


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright (python) är inte installerat.")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


class Visit:
    """A signed-in browser context that records console errors and requests leaving the server and
    runs axe-core on every page it is asked to check."""

    def __init__(self, browser, base: str, name: str):
        # axe is injected as an inline script: the app's CSP (rightly) forbids that, so the test
        # context bypasses CSP for the injected checker only
        self.context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
        self.base = base
        self.errors: list[str] = []
        self.outside: list[str] = []
        self.violations: list[str] = []
        self.page = self.context.new_page()
        self.page.on("console", lambda m: self.errors.append(f"{m.type}: {m.text}") if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

        def route(r):
            if r.request.url.startswith(base):
                r.continue_()
            else:
                self.outside.append(r.request.url)
                r.abort()

        self.page.route("**/*", route)
        self.goto("/logga-in")
        self.page.fill("#anvandarnamn", name)
        self.page.fill("#losenord", PASSWORD)
        with self.page.expect_navigation():
            self.page.click("button[type=submit]")
        assert "/logga-in" not in self.page.url

    def goto(self, path: str, status: int = 200):
        before = len(self.errors)
        response = self.page.goto(self.base + path, wait_until="load")
        assert response is not None and response.status == status, (path, response and response.status)
        if status != 200:  # the browser logs the refused page itself as a console error: that one is expected
            expected = f"status of {status}"
            self.errors[before:] = [e for e in self.errors[before:] if expected not in e]
        return response

    def refused(self, status: int) -> None:
        """The page just shown was answered ``status`` on purpose: drop the browser's note of it."""
        self.errors = [e for e in self.errors if f"status of {status}" not in e]

    def check(self, path: str) -> None:
        """Open ``path``, wait for its charts, and run axe-core on it."""
        self.goto(path)
        if self.page.locator(".plot").count():
            self.page.wait_for_function("document.querySelectorAll('.plot .main-svg').length > 0", timeout=20000)
        self.page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
        found = self.page.evaluate("""async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
                .map(v => v.id + ': ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '));
        }""")
        self.violations.extend(f"{path}: {v}" for v in found)

    def post_forms(self) -> list[str]:
        return [a for a in self.page.eval_on_selector_all("form[method=post]", "fs => fs.map(f => f.action)")
                if not a.endswith("/logga-ut")]

    def close(self) -> None:
        self.context.close()
        assert not self.errors, self.errors
        assert not self.outside, self.outside
        assert not self.violations, self.violations


def test_principal_fills_focus_area_and_signs(server, browser):
    v = Visit(browser, server["base"], "rut")
    url = f"/dialoger/{server['dialogue']}"
    v.check("/dialoger")
    v.page.click(f"a[href='{url}']")
    v.page.wait_for_url(server["base"] + url)
    v.check(url)
    v.page.fill("#fokus-omrade", "Studiero")
    v.page.fill("#fokus-motivering", "Eleverna i åk 8 beskriver stök på lektionerna.")
    with v.page.expect_navigation():
        v.page.click("text=Spara fokusområdet")
    assert "Eleverna i åk 8 beskriver stök" in v.page.inner_text("main")
    flagged = [i.id for i in sv.get_dialogue(server["store"], server["dialogue"]).items if i.flagged]
    for item in flagged:
        v.page.select_option(f"#typ-{item}", "analys")
        v.page.fill(f"#text-{item}", "Hög personalomsättning i arbetslaget.")
        with v.page.expect_navigation():
            v.page.click(f"#punkt-{item} button[type=submit]")
    with v.page.expect_navigation():
        v.page.click("text=Signera som rektor")
    assert "väntar på den andra signaturen" in v.page.inner_text("main")
    v.check(f"/skolor/{server['own']}")
    v.goto(f"/skolor/{server['other']}", status=403)
    v.goto(f"/nulagesanalys/{server['other']}/{server['year']}", status=403)
    v.check(f"/nulagesanalys/{server['own']}/{server['year']}")
    v.check(f"/atgardsplan/{server['own']}/{server['year']}")
    v.close()


def test_school_chief_adds_area_and_decision(server, browser):
    v = Visit(browser, server["base"], "sven")
    url = f"/dialoger/{server['dialogue']}"
    v.goto(url)
    v.page.fill("#hm-omrade", "Trygghet")
    v.page.fill("#hm-motivering", "Skolenkäten visar lägre trygghet än i kommunen.")
    with v.page.expect_navigation():
        v.page.click("text=Spara huvudmannens område")
    v.page.fill("#b-vad", "Mentorstid varje vecka i åk 7–9")
    v.page.select_option("#b-ansvarig", "rektor")
    v.page.fill("#b-senast", f"{server['year'] + 1}-05-31")
    with v.page.expect_navigation():
        v.page.click("text=Spara beslutet")
    text = v.page.inner_text("main")
    assert "Trygghet" in text and "Mentorstid varje vecka" in text
    done = sv.get_dialogue(server["store"], server["dialogue"])
    assert [d.what for d in done.decisions] == ["Mentorstid varje vecka i åk 7–9"]
    v.check(url)
    v.close()


def test_analyst_creates_and_evaluates_an_intervention(server, browser):
    v = Visit(browser, server["base"], "ana")
    v.check("/insatser")
    v.page.click("text=Registrera en ny insats")
    v.page.wait_for_url(server["base"] + "/insatser/ny")
    v.check("/insatser/ny")
    v.page.fill("#f-name", "Läxhjälp i åk 9")
    v.page.select_option("#f-category", "Insatser med kompensatorisk prägel")
    for sid in server["treated"]:
        v.page.check(f"input[name=school_ids][value='{sid}']")
    v.page.select_option("#f-indicator", "merit_value")
    v.page.fill("#f-expected_effect", "12")
    v.page.fill("#f-horizon", "2")
    v.page.select_option("#f-start_year", str(server["year"] - 1))
    with v.page.expect_navigation():
        v.page.click("text=Registrera insatsen")
    assert re.search(r"/insatser/\d+$", v.page.url)
    intervention = v.page.url
    assert "Minsta påvisbara effekt" in v.page.inner_text("main")
    with v.page.expect_navigation():
        v.page.click("text=Kör utvärderingen")
    assert "/jobb/" in v.page.url
    v.page.wait_for_url(intervention, timeout=120000)  # the progress fragment redirects when done
    v.page.wait_for_function("document.querySelectorAll('.plot .main-svg').length > 0", timeout=20000)
    text = v.page.inner_text("main")
    assert "Senaste utvärderingen" in text and "Skattad effekt" in text
    v.check(intervention.removeprefix(server["base"]))
    v.check("/katalog")
    v.page.locator("main table a").first.click()
    v.page.wait_for_url(re.compile(r".*/katalog/typ\?id=.+"))
    v.check(v.page.url.removeprefix(server["base"]))
    v.check("/kvalitetsrapport")
    v.check("/dialoger/ny")
    v.close()


def test_board_reads_overview_without_forms(server, browser):
    v = Visit(browser, server["base"], "nina")
    v.check("/")
    name = server["names"][server["small"]]
    row = v.page.locator("tr", has=v.page.locator(f"a[href='/skolor/{server['small']}']")).first
    assert name in row.inner_text() and ".." in row.inner_text()
    assert v.post_forms() == []
    for path in ("/segregation", "/skolor", "/insatser", "/dialoger", "/katalog", "/kvalitetsrapport"):
        v.check(path)
        assert v.post_forms() == [], path
    # the checker can fail: an image without text on the same page is a critical violation
    v.page.evaluate("document.querySelector('main').appendChild(document.createElement('img'))")
    planted = v.page.evaluate("async () => (await axe.run(document)).violations.map(x => x.id + ':' + x.impact)")
    assert "image-alt:critical" in planted
    v.goto(f"/dialoger/{server['dialogue']}", status=403)
    v.goto("/insatser/ny", status=403)
    v.close()


def test_analyst_imports_a_file_with_an_error_then_a_good_one(server, browser, tmp_path):
    from likvard.sources.errors import RegisterValidationError
    from likvard.sources.registers import read_register_file

    store = server["store"]
    staff = server["staff"].copy()
    good = tmp_path / "personal.csv"
    staff.to_csv(good, index=False)
    bad = tmp_path / "personal-fel.csv"
    broken = staff.copy()
    broken.loc[broken.index[3], "school_id"] = "99999999"
    broken.to_csv(bad, index=False)
    with pytest.raises(RegisterValidationError) as found:  # what the validator says, to find on the page
        read_register_file("staff", bad, known_school_ids=store.school_ids_by_year())
    issue = next(i for i in found.value.issues if str(i.value) == "99999999")
    before = len(store.imports())

    v = Visit(browser, server["base"], "ana")
    v.check("/import")
    v.page.select_option("#typ", "staff")
    v.page.set_input_files("#fil", str(bad))
    with v.page.expect_navigation():
        v.page.click("text=Kontrollera och importera")
    v.refused(422)  # the refused import is answered 422 (Unprocessable Content) with the rows to correct
    rows = v.page.locator("table.issues tbody tr")
    texts = [rows.nth(k).inner_text() for k in range(rows.count())]
    assert any("99999999" in t and str(issue.row) in t.split("\t")[1] for t in texts), texts
    assert "Ingenting har importerats" in v.page.inner_text("main") and len(store.imports()) == before
    v.page.select_option("#typ", "staff")
    v.page.set_input_files("#fil", str(good))
    with v.page.expect_navigation():
        v.page.click("text=Kontrollera och importera")
    assert f"Klart: {len(staff)} rader ur personal.csv" in v.page.inner_text("main")
    assert len(store.imports()) == before + 1
    v.close()
    assert server["app"].state.cache.wait(600) is not None

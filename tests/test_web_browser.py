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
- analytiker: defines a placement scenario in the form (close a school, two runs), follows the
  background run's progress and reads the comparison side by side with the current state; the
  figures equal ``analyses.placement.compare_scenarios`` run in the test on the same data, and the
  closed school gets no students;
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
    gone = set(st.loc[mask, "student_id"]) - set(st[mask].head(SMALL)["student_id"])
    ch = data.choices  # the school choices of the students taken out go too (placement reads them)
    data.choices = ch[~((ch["school_year"] == year) & ch["student_id"].isin(gone))].reset_index(drop=True)
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


def _number(text: str) -> float:
    """A Swedish display number ('1\u202f234,5', '\u22120,25') as a float."""
    return float(text.replace("\u2212", "-").replace("\u202f", "").replace("\xa0", "").replace(" ", "").replace(",", "."))


def _shown_table(page, caption: str) -> list[dict[str, str]]:
    """The rows of the table with ``caption`` as header -> cell text."""
    table = page.locator("table", has=page.locator("caption", has_text=caption)).first
    heads = [h.strip() for h in table.locator("thead th").all_inner_texts()]
    return [dict(zip(heads, [c.strip() for c in row.locator("td").all_inner_texts()]))
            for row in table.locator("tbody tr").all()]


def test_analyst_runs_a_placement_scenario_and_sees_the_comparison(server, browser):
    from likvard.analyses.placement import compare_scenarios
    from likvard.placement.scenario_file import parse_scenario_text
    from likvard.views.placement import MEASURE_LABELS

    store, base, year = server["store"], server["base"], server["year"]
    data = store.load()
    schools = data.schools[data.schools["school_year"] == year]
    entry = schools[(schools["capacity_0"] > 0) & (schools["organiser_type"] == "municipal")]
    closed = sorted(str(s) for s in entry["school_id"] if str(s) != server["small"])[0]
    name = f"Stäng {server['names'][closed]}"
    # the same scenario written by hand in likvard.placement's format (the form's seed is 2026)
    reference = compare_scenarios(data, parse_scenario_text(
        f"namn: {name}\nårskurs: 0\nreplikeringar: 2\nfrö: 2026\nvalmodell: skattad\n"
        f"scenarier:\n  - namn: Nuläge\n  - namn: {name}\n    stäng: ['{closed}']\n", "test"))
    assert reference.scenarios == ["Nuläge", name]

    v = Visit(browser, base, "ana")
    v.check("/placering")
    v.page.fill("#namn", name)
    v.page.select_option("#arskurs", "0")
    v.page.check(f"input[name=stang][value='{closed}']")
    v.page.fill("#replikat", "2")
    with v.page.expect_navigation():
        v.page.click("text=Kör scenariot")
    job = v.page.url.removeprefix(base)
    assert re.fullmatch(r"/jobb/[0-9a-f]+", job), job
    assert v.page.locator("#jobb progress").count() == 1
    # follow the run as another tab would (the browser's own page polls with HTMX meanwhile)
    seen: list[tuple[str, int]] = []
    end = time.monotonic() + 120
    while time.monotonic() < end:
        body = v.context.request.get(base + job).text()
        status = re.search(r"Status: <strong>([^<]+)</strong>", body)
        value = re.search(r'<progress max="100" value="(\d+)"', body)
        assert status is not None and value is not None, body[:500]
        seen.append((status.group(1), int(value.group(1))))
        if status.group(1) in ("klar", "fel"):
            break
        time.sleep(0.2)
    assert seen[-1] == ("klar", 100), seen
    assert any(s == "körs" for s, _ in seen), seen  # the page answered while the run went on in the background
    assert [p for _, p in seen] == sorted(p for _, p in seen), seen  # and its progress never went back
    v.page.wait_for_url(re.compile(re.escape(base) + r"/placering/\d+$"), timeout=60000)  # HTMX redirect
    result = v.page.url.removeprefix(base)
    v.check(result)
    assert v.page.locator("h1").inner_text() == name

    measures = {r["Mått"]: r for r in _shown_table(v.page, "Scenarierna i sammandrag")}
    expected = reference.measures.set_index("measure")
    assert set(measures) == {MEASURE_LABELS[m] for m in expected.index}
    compared = 0
    for measure, row in expected.iterrows():
        for column in ("Nuläge", name):
            want, shown = row[column], measures[MEASURE_LABELS[measure]][column]
            if pd.isna(want):
                assert shown == "", (measure, column, shown)
            else:
                assert _number(shown) == pytest.approx(round(float(want), 3), abs=1e-9), (measure, column, shown)
                compared += 1
    assert compared >= 16
    # closing the school moved its students: the scenarios differ where they must
    assert expected.loc["mean_distance_km", name] > expected.loc["mean_distance_km", "Nuläge"]

    rows = _shown_table(v.page, "Skolornas elevsammansättning per scenario")
    by_key = {(r["Scenario"], r["Skolenhetskod"]): r for r in rows}
    ref = reference.schools.assign(school_id=reference.schools["school_id"].astype(str))
    assert len(by_key) == len(ref)
    shut = by_key[(name, closed)]
    assert shut["Öppen"] == "nej" and _number(shut["Antal elever (medel)"]) == 0
    assert _number(by_key[("Nuläge", closed)]["Antal elever (medel)"]) >= 10
    for r in ref.itertuples():
        cell = by_key[(r.scenario, r.school_id)]["Antal elever (medel)"]
        if cell == "..":
            continue
        shown = _number(cell)
        assert shown == pytest.approx(round(float(r.n_students), 1), abs=1e-9), (r.scenario, r.school_id, cell)
        assert shown == 0 or shown >= 10, (r.scenario, r.school_id, cell)  # fewer than 10 reads '..'
    assert any(r["Antal elever (medel)"] != ".." for r in rows)

    v.check(job)  # the finished run's page links to the comparison
    assert v.page.locator(f"a[href='{result}']").count() == 1
    v.check("/placering")
    assert v.page.locator(f"a[href='{result}']").inner_text() == name
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

"""The report in a real headless browser (Debian's chromium via Playwright): renders without
console errors, makes no network requests, draws its charts; a screenshot is saved."""

from __future__ import annotations

from pathlib import Path

import pytest

from likvard.report import render_authority_report
from test_report_sample import make_authority

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]

pytestmark = pytest.mark.browser


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium saknas: installera Debians paket 'chromium' (/usr/bin/chromium).")
def test_report_renders_offline_in_chromium(tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright (python) är inte installerat.")
    from likvard.analyses.settings import Settings

    result = render_authority_report(make_authority(), tmp_path / "rapport", settings=Settings(n_replications=30))
    url = result.html_path.resolve().as_uri()
    console, errors, requests = [], [], []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("console", lambda m: console.append((m.type, m.text)))
            page.on("pageerror", lambda e: errors.append(str(e)))

            def record(route):
                requests.append(route.request.url)
                if route.request.url == url:
                    route.continue_()
                else:
                    route.abort()

            page.route("**/*", record)
            page.goto(url, wait_until="load")
            page.wait_for_function("document.querySelectorAll('.js-plotly-plot .main-svg').length > 0", timeout=20000)
            n_plots = page.locator(".js-plotly-plot").count()
            n_svg = page.locator(".js-plotly-plot svg.main-svg").count()
            n_bars = page.locator(".js-plotly-plot g.point").count()
            headings = page.locator("section h2").all_inner_texts()
            page.screenshot(path=str(tmp_path / "rapport.png"), full_page=True)
        finally:
            browser.close()
    assert not errors, errors
    assert not [c for c in console if c[0] in ("error", "warning")], console
    assert requests == [url], requests
    n_figures = sum(len(s.figures) for s in result.section_objects)
    assert n_plots == n_figures and n_svg >= n_figures
    assert n_bars > 0
    assert "Elevsammansättning per skola" in headings
    assert (tmp_path / "rapport.png").stat().st_size > 10_000

"""Örebro's report from the real public files in Chromium: printed on A4 in at most 15 pages, the
summary first, and every per-school chart legible (markers at least 8 px apart)."""

from __future__ import annotations

from pathlib import Path

import pytest

from likvard.analyses.settings import Settings

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]

pytestmark = [pytest.mark.browser, pytest.mark.real_data, pytest.mark.slow]

MARKER_CENTRES = """
() => [...document.querySelectorAll('.per-school .js-plotly-plot')].map(plot => ({
  id: plot.id,
  traces: [...plot.querySelectorAll('.scatterlayer g.trace')].map(tr =>
    [...tr.querySelectorAll('path.point')].map(p => { const b = p.getBoundingClientRect(); return b.top + b.height / 2; }))
    .filter(ys => ys.length > 1)
}))
"""


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium saknas: installera Debians paket 'chromium' (/usr/bin/chromium).")
def test_orebro_report_prints_on_a4_in_at_most_15_pages(real_data, tmp_path):
    from playwright.sync_api import sync_playwright
    from pypdf import PdfReader

    from likvard.report import render_published_report

    result = render_published_report(real_data, "1880", tmp_path, settings=Settings(n_replications=50))
    assert result.sections[0] == "summary"
    pdf = tmp_path / "orebro.pdf"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 900})
            page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort())
            page.goto(result.html_path.resolve().as_uri(), wait_until="load")
            page.wait_for_function("document.querySelectorAll('.js-plotly-plot .main-svg').length > 0", timeout=30000)
            first = page.locator("main section").first
            assert first.get_attribute("id") == "summary"
            assert first.locator("h2").inner_text() == "Sammanfattning"
            assert first.locator("dl.findings dt").count() >= 4  # findings in sentences
            charts = page.evaluate(MARKER_CENTRES)
            page.emulate_media(media="print")
            page.pdf(path=str(pdf), format="A4", print_background=True)
        finally:
            browser.close()
    n_pages = len(PdfReader(str(pdf)).pages)
    assert 5 <= n_pages <= 15, n_pages
    assert len(charts) >= 4  # composition, contributions, expected results (two), need
    for chart in charts:
        assert chart["traces"], chart["id"]
        for ys in chart["traces"]:
            ys = sorted(ys)
            gaps = [b - a for a, b in zip(ys, ys[1:])]
            assert min(gaps) >= 8, (chart["id"], min(gaps))
    text = PdfReader(str(pdf)).pages[0].extract_text()
    assert "Sammanfattning" in text and "Theils H" in text

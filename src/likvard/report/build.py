"""Build the Nulägesrapport: one self-contained HTML file (works offline) and an Excel workbook.

Sections come from ``likvard.report.sections``; each appears only where the data allow it, and a
section whose engine is not importable is left out without an error.
"""

from __future__ import annotations

import html
import importlib
import time
import warnings
from collections.abc import Callable
from datetime import date
from importlib import resources
from pathlib import Path

import jinja2

from likvard.report.context import ReportContext, context_from_authority, context_from_published
from likvard.report.excel import write_workbook
from likvard.report.model import ReportResult, ReportTable, Section
from likvard.report.sections import SECTION_MODULES
from likvard.tables import AuthorityData
from likvard.views.charts import figure_html
from likvard.views.common import LABELS, format_table, school_year_label

_TEXT_COLUMNS = {"school_id", "school_year", "name", "organiser_type", "organiser", "index", "part", "scenario", "weak_indicators"}


def build_sections(ctx: ReportContext, on_section: Callable[[str], None] | None = None) -> list[Section]:
    """Run every section module on ``ctx``; sections without data or engine are skipped."""
    sections: list[Section] = []
    failed: list[str] = []
    for name in SECTION_MODULES:
        if on_section:
            on_section(name)
        try:
            module = importlib.import_module(f"likvard.report.sections.{name}")
        except ImportError:
            continue
        try:
            section = module.build(ctx)
        except Exception as exc:  # an engine failing on these data must not cost the whole report
            warnings.warn(f"Avsnittet {name} kunde inte göras: {exc!r}", stacklevel=2)
            failed.append(f"{name}: {exc}")
            continue
        if section is not None:
            sections.append(section)
    if failed:
        sections.append(Section("failed", "Avsnitt som inte kunde göras", [
            "Följande avsnitt kunde inte beräknas på dessa data. Felmeddelandet säger varför:", *failed]))
    return sections


def table_html(table: ReportTable) -> str:
    """A suppressed, formatted table as HTML with Swedish headers."""
    shown = format_table(table.data, table.decimals)
    labels = {**LABELS, **table.labels}
    head = "".join(f"<th>{html.escape(labels.get(c, c))}</th>" for c in shown.columns)
    rows = []
    for row in shown.itertuples(index=False):
        cells = []
        for c, v in zip(shown.columns, row):
            cls = ' class="text"' if c in _TEXT_COLUMNS else ""
            cells.append(f"<td{cls}>{html.escape(str(v))}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _plotly_js() -> str:
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


def write_report(ctx: ReportContext, sections: list[Section], out_dir: Path, stem: str) -> tuple[Path, Path]:
    """Write ``<stem>.html`` and ``<stem>.xlsx`` into ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    html_path = out_dir / f"{stem}.html"
    xlsx_path = out_dir / f"{stem}.xlsx"
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("likvard.report", "templates"), autoescape=jinja2.select_autoescape(["html"])
    )
    css = resources.files("likvard.report").joinpath("assets/report.css").read_text(encoding="utf-8")
    view = []
    k = 0
    for s in sections:
        figs = []
        for f in s.figures:
            k += 1
            figs.append(figure_html(f, f"fig-{s.key}-{k}"))
        view.append({
            "key": s.key, "title": s.title, "intro": s.intro, "notes": s.notes, "figures": figs,
            "tables": [{"title": t.title, "note": t.note, "html": table_html(t)} for t in s.tables],
        })
    page = env.get_template("report.html").render(
        title=ctx.title, source=ctx.source, created=date.today().isoformat(),
        period=f"{school_year_label(ctx.first_year)}–{school_year_label(ctx.last_year)}",
        sections=view, css=css, plotly_js=jinja2.utils.markupsafe.Markup(_plotly_js()), xlsx_name=xlsx_path.name,
    )
    html_path.write_text(page, encoding="utf-8")
    write_workbook([t for s in sections for t in s.tables], xlsx_path, title=ctx.title)
    return html_path, xlsx_path


def render_context(ctx: ReportContext, out_dir: Path, stem: str = "nulagesrapport",
                   on_section: Callable[[str], None] | None = None) -> ReportResult:
    """Sections + files for a ready context."""
    start = time.perf_counter()
    sections = build_sections(ctx, on_section)
    html_path, xlsx_path = write_report(ctx, sections, out_dir, stem)
    return ReportResult(html_path, xlsx_path, [s.key for s in sections], time.perf_counter() - start, sections)


def render_authority_report(
    data: AuthorityData,
    out_dir: Path,
    title: str = "",
    years: list[int] | None = None,
    store: object | None = None,
    n_bootstrap: int = 200,
    on_section: Callable[[str], None] | None = None,
) -> ReportResult:
    """The Nulägesrapport from an authority's registers (Exempelstad or imported data)."""
    start = time.perf_counter()
    ctx = context_from_authority(data, years=years, store=store, title=title)
    ctx.n_bootstrap = n_bootstrap
    result = render_context(ctx, out_dir, on_section=on_section)
    result.seconds = time.perf_counter() - start
    return result


def render_published_report(
    data_dir: Path,
    municipality_code: str,
    out_dir: Path,
    years: list[int] | None = None,
    n_bootstrap: int = 200,
    on_section: Callable[[str], None] | None = None,
) -> ReportResult:
    """The Nulägesrapport for one municipality from Skolverket's published files in ``data_dir``."""
    from likvard.report.published import load_published

    start = time.perf_counter()
    composition, coordinates, extra, polygons = load_published(Path(data_dir), str(municipality_code))
    ctx = context_from_published(composition, str(municipality_code), years=years, coordinates=coordinates,
                                 published=extra, polygons=polygons)
    ctx.n_bootstrap = n_bootstrap
    result = render_context(ctx, out_dir, stem=f"nulagesrapport_{municipality_code}", on_section=on_section)
    result.seconds = time.perf_counter() - start
    return result

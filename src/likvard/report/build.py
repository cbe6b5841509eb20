"""Build the Nulägesrapport: one self-contained HTML file (works offline, prints on A4) and an Excel
workbook with every table.

The report runs ``likvard.analyses.overview.run_overview`` once and renders its results: a first
section of key findings, one section per question, a glossary and a closing list of every section
left out and why. An error in an analysis is not hidden: it stops the report.
"""

from __future__ import annotations

import dataclasses
import html
import importlib
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from importlib import resources
from pathlib import Path

import jinja2

from likvard.analyses.dataset import Dataset, dataset_from_authority, dataset_from_published_folder
from likvard.analyses.overview import PARTS, Overview, run_overview
from likvard.analyses.settings import DEFAULTS, Settings
from likvard.report.glossary import TERMS
from likvard.report.model import ReportResult, Section
from likvard.report.sections import SECTION_MODULES, SECTION_TITLES
from likvard.tables import AuthorityData
from likvard.views.charts import figure_html
from likvard.views.common import format_table, school_year_label
from likvard.views.findings import key_findings
from likvard.views.table import Table

_TEXT_COLUMNS = {"school_id", "school_year", "name", "organiser_type", "organiser", "index", "part", "scenario",
                 "weak_indicators", "title", "kpi", "municipality", "municipality_code", "measure", "characteristic"}
PART_OF_SECTION = {
    "composition": "composition", "school_map": "composition", "segregation": "segregation",
    "comparison": "comparison", "contributions": "segregation", "residential_choice": "residential",
    "expected_results": "published_expected", "school_effects": "school_effects", "results_trend": "trend",
    "need": "need", "indicators": "indicators", "placement": "placement",
}
"""Which overview part each section shows (its absence is the section's reason to be left out)."""


def build_sections(ov: Overview, on_section: Callable[[Section], None] | None = None,
                   ) -> tuple[list[Section], list[tuple[str, str]]]:
    """Sections in reading order and the (title, reason) of every section left out;
    ``on_section(section)`` is called as soon as each is built."""
    reasons = {o.part: o.reason for o in ov.omitted}
    sections: list[Section] = []
    left_out: list[tuple[str, str]] = []
    for name in SECTION_MODULES:
        module = importlib.import_module(f"likvard.report.sections.{name}")
        section = module.build(ov)
        if section is not None:
            sections.append(section)
            if on_section is not None:
                on_section(section)
            continue
        part = PART_OF_SECTION[name]
        other_kind = "expected_results" if ov.dataset.has_students else "school_effects"
        if name == other_kind:
            continue  # the other kind of data has its own section on the same question
        left_out.append((SECTION_TITLES[name], reasons.get(part, "Underlaget räcker inte för avsnittet.")))
    return sections, left_out


def summary_section(ov: Overview, sections: list[Section]) -> Section:
    tables = {t.key: t.data for s in sections for t in (*s.tables, *s.excel_tables)}
    findings = key_findings(ov, tables)
    intro = [] if findings else ["Underlaget räcker inte för några sammanfattande resultat."]
    notes = [f"Alla intervall är {ov.settings.percent}-intervall. Uppgifter som bygger på färre än "
             f"{ov.settings.min_students} elever visas som .., och ingen skola vars uppgifter döljs nämns i texten. "
             "Måtten förklaras där de först används och i ordlistan sist i rapporten."]
    return Section("summary", "Sammanfattning", intro, notes=notes, findings=[(f.topic, f.text) for f in findings])


def glossary_section(sections: list[Section]) -> Section:
    used = [k for s in sections for k in s.terms]
    keys = list(dict.fromkeys([*used, "suppressed"]))
    items = [f"{TERMS[k][0]}: {TERMS[k][1]}" for k in keys]
    return Section("ordlista", "Ordlista", items)


def left_out_section(left_out: list[tuple[str, str]]) -> Section:
    items = [f"{title}: {reason}" for title, reason in left_out] or ["Inga avsnitt är utelämnade."]
    return Section("utelamnat", "Avsnitt som inte kunde göras", items)


def table_html(table: Table) -> str:
    """A suppressed, formatted table as HTML with Swedish headers; a table that has not passed
    disclosure control (``publish``) is refused, as the Excel export refuses it."""
    from likvard.export import require_disclosed

    require_disclosed([table])
    decimals = {c: table.decimals_of(c) for c in table.data.columns}
    shown = format_table(table.data, decimals)
    head = "".join(f"<th>{html.escape(table.header(c))}</th>" for c in shown.columns)
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


def _hidden_code_columns(table: Table) -> Table:
    """The page does not show the ``key`` code column of a table (the Excel file does)."""
    if "key" not in table.data:
        return table
    return dataclasses.replace(table, data=table.data.drop(columns=["key"]))


class _Workbook:
    """The report's workbook, written while the sections are built: each section's tables go to a
    second process (``likvard.parallel.beside.feed``) that writes their sheets at once, so the
    workbook is nearly done when the last section is; without ``fork`` it is written here at the end
    (the same file either way). A table shown in several sections is written once."""

    def __init__(self, path: Path, title: str, names: dict[str, str], fork: bool) -> None:
        from likvard.parallel.beside import feed

        self._seen: set[str] = set()

        def write(tables: Iterator[Table]) -> Path:
            from likvard.export import XlsxBook, with_names

            book = XlsxBook(path, title=title)
            try:
                for t in tables:
                    book.add(with_names(t, names))
            except BaseException:
                book.discard()
                raise
            return book.close()

        self._feed = feed(write, enabled=fork, pure=True)  # XlsxWriter: plain Python

    def add_section(self, section: Section) -> None:
        for t in section.excel_tables or section.tables:
            if t.key not in self._seen:
                self._seen.add(t.key)
                self._feed.put(t)

    def finish(self) -> Path:
        return self._feed.result()

    def cancel(self) -> None:
        self._feed.cancel()


def write_report(title: str, source: str, ds: Dataset, sections: list[Section], out_dir: Path,
                 stem: str, links: Sequence[tuple[str, str]] = (), fork: bool = False,
                 workbook: _Workbook | None = None) -> tuple[Path, Path]:
    """Write ``<stem>.html`` and ``<stem>.xlsx`` into ``out_dir``; ``links`` (text, relative
    address) are shown under the title (e.g. the quality report written beside it). With
    ``fork`` (a command line run) the workbook is written in a second process while the page is
    written here (``likvard.parallel.beside``; the files are the same); ``workbook``: one that
    was already given the sections' tables as they were built (``render_overview``)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    html_path = out_dir / f"{stem}.html"
    xlsx_path = out_dir / f"{stem}.xlsx"
    if workbook is None:
        workbook = _Workbook(xlsx_path, title, ds.names(), fork)
        for s in sections:
            workbook.add_section(s)
    try:
        _write_page(title, source, ds, sections, html_path, xlsx_path, links)
    except BaseException:
        workbook.cancel()
        raise
    workbook.finish()
    return html_path, xlsx_path


def _write_page(title: str, source: str, ds: Dataset, sections: list[Section], html_path: Path, xlsx_path: Path,
                links: Sequence[tuple[str, str]]) -> None:
    env = jinja2.Environment(loader=jinja2.PackageLoader("likvard.report", "templates"),
                             autoescape=jinja2.select_autoescape(["html"]))
    css = resources.files("likvard.report").joinpath("assets/report.css").read_text(encoding="utf-8")
    view = []
    k = 0
    for s in sections:
        figs = []
        for f in s.figures:
            k += 1
            figs.append(figure_html(f.figure, f"fig-{s.key}-{k}", "per-school" if f.per_school else ""))
        view.append({"key": s.key, "title": s.title, "intro": s.intro, "notes": s.notes, "figures": figs,
                     "list": s.key in ("ordlista", "utelamnat"), "findings": s.findings,
                     "tables": [{"title": t.title, "note": t.note, "html": table_html(_hidden_code_columns(t))}
                                for t in s.tables]})
    page = env.get_template("report.html").render(
        title=title, source=source, created=date.today().isoformat(),
        period=f"{school_year_label(ds.first_year)}–{school_year_label(ds.last_year)}",
        sections=view, css=css, plotly_js=jinja2.utils.markupsafe.Markup(_plotly_js()), xlsx_name=xlsx_path.name,
        links=list(links),
    )
    tmp = html_path.with_name(f".{html_path.name}.tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(html_path)


def render_overview(ov: Overview, out_dir: Path, title: str, stem: str = "nulagesrapport",
                    links: Sequence[tuple[str, str]] = (), fork: bool = False) -> ReportResult:
    """Sections and files for an overview already computed (``links``, ``fork``: see ``write_report``)."""
    start = time.perf_counter()
    stem_path = Path(out_dir) / f"{stem}.xlsx"
    workbook = _Workbook(stem_path, title, ov.dataset.names(), fork)  # the workbook's sheets beside the sections
    try:
        body, left_out = build_sections(ov, on_section=workbook.add_section)
        sections = [summary_section(ov, body), *body, glossary_section(body), left_out_section(left_out)]
    except BaseException:
        workbook.cancel()
        raise
    html_path, xlsx_path = write_report(title, ov.dataset.source, ov.dataset, sections, out_dir, stem, links,
                                        fork=fork, workbook=workbook)
    return ReportResult(html_path, xlsx_path, [s.key for s in sections], time.perf_counter() - start, sections, ov)


def render_authority_report(
    data: AuthorityData,
    out_dir: Path,
    title: str = "",
    years: list[int] | None = None,
    store: object | None = None,
    settings: Settings = DEFAULTS,
    on_part: Callable[[str], None] | None = None,
    published: Path | None = None,
) -> ReportResult:
    """The Nulägesrapport from an authority's registers (Exempelstad or imported data)."""
    start = time.perf_counter()
    ds = dataset_from_authority(data, years)
    ov = run_overview(ds, settings, store=store, on_part=on_part)
    result = render_overview(ov, out_dir, title or f"Nulägesrapport {ds.name}".strip())
    result.seconds = time.perf_counter() - start
    return result


def render_published_report(
    data_dir: Path,
    municipality_code: str,
    out_dir: Path,
    years: list[int] | None = None,
    settings: Settings = DEFAULTS,
    on_part: Callable[[str], None] | None = None,
) -> ReportResult:
    """The Nulägesrapport for one municipality from Skolverket's (and Kolada's) files in ``data_dir``."""
    start = time.perf_counter()
    ds = dataset_from_published_folder(Path(data_dir), str(municipality_code), years)
    ov = run_overview(ds, settings, on_part=on_part)
    result = render_overview(ov, out_dir, f"Nulägesrapport {ds.name}", stem=f"nulagesrapport_{municipality_code}")
    result.seconds = time.perf_counter() - start
    return result


__all__ = ["PARTS", "build_sections", "render_authority_report", "render_overview", "render_published_report"]

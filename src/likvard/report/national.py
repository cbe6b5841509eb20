"""Every municipality's Nulägesrapport from one read of Skolverket's files, and the national
overview (``riksoversikt.html`` and ``riksoversikt.xlsx``).

Each municipality's report is exactly the one ``likvard rapport --data DIR --kommun KOD`` writes
(same settings, same seeds). The reports run as independent tasks on ``likvard.parallel`` (worker
processes on this machine or a Dask cluster); each worker reads the published files once, from
the parsed cache. A municipality that fails is reported with its reason and the others go on.
Everything is written into a temporary folder beside ``out_dir`` and moved into place at the end,
so an interrupted run leaves nothing half-written.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from likvard.analyses.dataset import dataset_from_published
from likvard.analyses.dataset import published_files as read_folder
from likvard.analyses.national import MunicipalitySegregation, NationalOverview, municipality_segregation, national_overview
from likvard.analyses.overview import run_overview
from likvard.analyses.settings import DEFAULTS, Settings
from likvard.errors import DataError, LikvardError, ParameterError
from likvard.parallel import Backend, map_tasks
from likvard.privacy import SUPPRESSED
from likvard.sources.published import PublishedFiles
from likvard.views.table import Table

OVERVIEW_STEM = "riksoversikt"
LABELS = {
    "municipality_code": "Kommunkod", "municipality": "Kommun", "school_year": "Läsår", "n_schools": "Skolenheter",
    "n_students": "Elever", "theil_h": "Theils H", "theil_h_low": "H, nedre gräns", "theil_h_high": "H, övre gräns",
    "first_year": "Första läsår", "theil_h_first": "H första läsåret", "change": "Förändring av H sedan första läsåret",
    "trend_per_year": "Trend (förändring av H per år)", "rank": "Rang (1 = mest segregerad)",
    "rank_low": "Rang, bästa i intervallet", "rank_high": "Rang, sämsta i intervallet",
    "n_ranked": "Antal rangordnade kommuner", "note": "Anmärkning", "low": "H, nedre gräns", "high": "H, övre gräns",
    "value": "Theils H", "reason": "Orsak",
}
DECIMALS = {"theil_h": 3, "theil_h_low": 3, "theil_h_high": 3, "theil_h_first": 3, "change": 3,
            "trend_per_year": 4, "value": 3, "low": 3, "high": 3, "rank": 0, "rank_low": 0, "rank_high": 0,
            "n_ranked": 0, "n_schools": 0, "n_students": 0}


@dataclass(frozen=True)
class MunicipalityTask:
    """One municipality's report: read ``data`` (cached per process), write into ``out_dir``."""

    data: str
    code: str
    name: str
    years: tuple[int, ...] | None
    settings: Settings
    out_dir: str


@dataclass(frozen=True)
class MunicipalityRun:
    """What one task gave: the files written (names in ``out_dir/code``), the overview's part, or
    the Swedish reason it failed (``error``)."""

    code: str
    name: str
    files: tuple[str, ...]
    segregation: MunicipalitySegregation | None
    error: str | None
    seconds: float


@dataclass
class NationalResult:
    """Paths written into ``out_dir``, each municipality's run, the overview and the time taken."""

    out_dir: Path
    overview_html: Path
    overview_xlsx: Path
    runs: list[MunicipalityRun]
    overview: NationalOverview
    seconds: float
    report_paths: dict[str, list[Path]] = field(default_factory=dict)

    @property
    def failed(self) -> dict[str, str]:
        """code -> reason, for the municipalities whose report could not be made."""
        return {r.code: r.error for r in self.runs if r.error is not None}


_FILES: dict[str, PublishedFiles] = {}


def published_files(data: str | Path) -> PublishedFiles:
    """The published files under ``data``, read once per process (from the parsed cache)."""
    key = str(Path(data).resolve())
    if key not in _FILES:
        _FILES.clear()  # one folder at a time: a worker keeps no stale tables
        _FILES[key] = read_folder(Path(data))
    return _FILES[key]


def report_title(ds_name: str) -> str:
    """The title ``likvard rapport --data … --kommun KOD`` gives the report."""
    return f"Nulägesrapport {ds_name}".strip()


def run_municipality(task: MunicipalityTask, seed: object = None) -> MunicipalityRun:
    """One municipality's report and its part of the overview; never raises for one municipality's
    data (the reason is returned in ``error``)."""
    from likvard.report.build import render_overview

    start = time.perf_counter()
    out = Path(task.out_dir) / task.code
    try:
        ds = dataset_from_published(published_files(task.data), task.code, list(task.years) if task.years else None)
        ov = run_overview(ds, task.settings)
        result = render_overview(ov, out, report_title(ds.name), stem=f"nulagesrapport_{task.code}")
        if ov.segregation is not None:
            counts = ds.group_counts(ov.segregation.year, ov.segregation.grouping)
            part = municipality_segregation(task.code, ds.name, ov.segregation, counts, task.settings)
        else:
            reason = next((o.reason for o in ov.omitted if o.part == "segregation"), "Segregationen kunde inte mätas.")
            part = municipality_segregation(task.code, ds.name, None, None, task.settings, note=reason)
        files = (result.html_path.name, result.xlsx_path.name)
        return MunicipalityRun(task.code, ds.name, files, part, None, time.perf_counter() - start)
    except Exception as exc:  # one municipality's failure is reported; the others go on
        shutil.rmtree(out, ignore_errors=True)
        if isinstance(exc, LikvardError):
            message = str(exc)
        else:
            message = (f"oväntat fel ({type(exc).__name__}: {exc}); kör 'likvard --debug rapport --data … "
                       f"--kommun {task.code}' för hela felutskriften")
        return MunicipalityRun(task.code, task.name, (), None, message, time.perf_counter() - start)


def municipalities(files: PublishedFiles, years: Sequence[int] | None = None) -> pd.DataFrame:
    """``municipality_code, municipality, n_rows`` of every municipality in ``files`` (within
    ``years`` when given), by code."""
    c = files.composition
    if years:
        c = c[c["school_year"].isin(list(years))]
    c = c.dropna(subset=["municipality_code"])
    c = c.assign(municipality_code=c["municipality_code"].astype(str))
    names = c.sort_values("school_year").groupby("municipality_code")["municipality"].last().astype(str)
    sizes = c.groupby("municipality_code").size()
    out = pd.DataFrame({"municipality_code": names.index, "municipality": names.to_numpy(),
                        "n_rows": sizes.reindex(names.index).to_numpy()})
    return out[out["municipality_code"].str.fullmatch(r"\d{4}")].reset_index(drop=True)


def parse_codes(spec: str) -> list[str] | None:
    """``alla`` -> None (every municipality); ``0180,1480`` -> the codes. Raises ParameterError."""
    s = spec.strip()
    if s.lower() == "alla":
        return None
    codes = [c.strip() for c in s.split(",") if c.strip()]
    bad = [c for c in codes if not (len(c) == 4 and c.isdigit())]
    if bad or not codes:
        raise ParameterError("--kommun", f"'{', '.join(bad) or spec}' är ingen kommunkod; väntade fyra siffror, "
                                         "t.ex. 1880, flera med komma emellan (0180,1480) eller 'alla'.")
    return list(dict.fromkeys(codes))


def _year_label(year: int | None) -> str:
    return f"{year}/{str(year + 1)[-2:]}" if year is not None else ""


def _overview_tables(ov: NationalOverview, parts: Sequence[MunicipalitySegregation], min_students: int,
                     level_text: str) -> tuple[Table, Table, Table]:
    t = ov.table.copy().astype(object)
    small = pd.to_numeric(ov.table["n_students"], errors="coerce") < min_students
    for col in ("n_students", "theil_h", "theil_h_low", "theil_h_high", "theil_h_first", "change", "trend_per_year",
                "rank", "rank_low", "rank_high"):
        t.loc[small, col] = SUPPRESSED
    for col in ("school_year", "first_year"):
        known = pd.to_numeric(ov.table[col], errors="coerce")
        t[col] = [int(v) if v == v else "" for v in known]
    year_text = _year_label(ov.year)
    main = Table("riksoversikt", f"Segregation i alla kommuner {year_text}".strip(), t, DECIMALS, LABELS,
                 f"Theils H mäter hur olika skolorna i kommunen är i andelen elever med eftergymnasialt utbildade "
                 f"föräldrar (0 = alla skolor lika, 1 = helt åtskilda). Intervallen är {level_text}-intervall ur "
                 f"{ov.n_replications} bootstrap-replikat; rangintervallet är kommunens rang när alla kommuners replikat "
                 "rangordnas tillsammans (replikaten dras för varje kommun för sig).")
    rows = []
    for p in parts:
        if p.series.empty:
            continue
        s = p.series.copy()
        s.insert(0, "municipality", p.municipality)
        s.insert(0, "municipality_code", p.municipality_code)
        rows.append(s)
    cols = ["municipality_code", "municipality", "school_year", "value", "low", "high", "n_students", "n_schools"]
    series = pd.concat(rows, ignore_index=True)[cols] if rows else pd.DataFrame(columns=cols)
    series = series.astype(object)
    hide = pd.to_numeric(series["n_students"], errors="coerce") < min_students
    for col in ("value", "low", "high", "n_students"):
        series.loc[hide, col] = SUPPRESSED
    trend = Table("per_lasar", "Theils H per läsår och kommun", series, DECIMALS,
                  {**LABELS, "n_schools": "Skolenheter"}, f"{level_text}-intervall ur bootstrap-replikat.")
    failed = pd.DataFrame(sorted(ov.failed.items()), columns=["municipality_code", "reason"])
    return main, trend, Table("fel", "Kommuner vars rapport inte kunde göras", failed, {}, LABELS)


def write_overview(ov: NationalOverview, parts: Sequence[MunicipalitySegregation], out_dir: Path,
                   settings: Settings = DEFAULTS, source: str = "") -> tuple[Path, Path]:
    """``riksoversikt.html`` (offline, the report's style) and ``riksoversikt.xlsx`` in ``out_dir``."""
    import jinja2

    from likvard.export import write_xlsx
    from likvard.report.build import _plotly_js, table_html
    from likvard.views.charts import figure_html, interval_chart

    from likvard.views.suppression import publish

    out_dir.mkdir(parents=True, exist_ok=True)
    main, trend, failed = (publish(t, settings.min_students)
                           for t in _overview_tables(ov, parts, settings.min_students, settings.percent))
    title = "Riksöversikt – segregation mellan skolor i alla kommuner"
    shown = main.data[main.data["rank"].map(lambda v: isinstance(v, int | float) and np.isfinite(v))]
    figures = []
    if len(shown):
        fig = interval_chart(shown["municipality"].astype(str).tolist(), shown["theil_h"].tolist(),
                             shown["theil_h_low"].tolist(), shown["theil_h_high"].tolist(),
                             title=f"Theils H per kommun med {settings.percent}-intervall, i rangordning",
                             y_title="Theils H", decimals=3)
        fig.update_layout(height=460, xaxis={"showticklabels": len(shown) <= 60})
        figures.append(figure_html(fig, "fig-riket-1"))
    n_ranked = int(pd.to_numeric(ov.table["n_ranked"], errors="coerce").fillna(0).max()) if len(ov.table) else 0
    intro = [
        f"Översikten visar segregationen mellan skolorna i {n_ranked} kommuner läsåret "
        f"{_year_label(ov.year)}, mätt med Theils H på andelen elever med eftergymnasialt utbildade "
        "föräldrar, samma mått och samma intervall som i varje kommuns nulägesrapport.",
        "Rang 1 är den mest segregerade kommunen. Rangen är osäker: rangintervallet anger vilka rangplatser kommunen "
        f"får i {settings.percent} av bootstrap-replikaten. Kommuner med överlappande rangintervall går inte att "
        "skilja åt.",
        "Trenden är lutningen i en rät linje genom H per läsår; förändringen är skillnaden mellan sista och första "
        "läsåret.",
    ]
    view = [{"key": "riket", "title": "Segregation i alla kommuner", "intro": intro, "notes": [], "figures": figures,
             "list": False, "findings": [],
             "tables": [{"title": main.title, "note": main.note, "html": table_html(main)}]}]
    if ov.failed:
        view.append({"key": "utelamnat", "title": "Kommuner som inte kunde göras", "notes": [], "figures": [],
                     "list": True, "findings": [], "tables": [],
                     "intro": [f"{c}: {r}" for c, r in sorted(ov.failed.items())]})
    years = pd.to_numeric(ov.table["first_year"], errors="coerce").dropna()
    period = ""
    if len(years) and ov.year is not None:
        first = int(years.min())
        period = f"{_year_label(first)}–{_year_label(ov.year)}"
    env = jinja2.Environment(loader=jinja2.PackageLoader("likvard.report", "templates"),
                             autoescape=jinja2.select_autoescape(["html"]))
    css = resources.files("likvard.report").joinpath("assets/report.css").read_text(encoding="utf-8")
    xlsx_path = out_dir / f"{OVERVIEW_STEM}.xlsx"
    page = env.get_template("report.html").render(
        title=title, source=source or "Skolverkets officiella statistik per skolenhet",
        created=date.today().isoformat(), period=period, sections=view, css=css,
        plotly_js=jinja2.utils.markupsafe.Markup(_plotly_js()), xlsx_name=xlsx_path.name,
    )
    html_path = out_dir / f"{OVERVIEW_STEM}.html"
    html_path.write_text(page, encoding="utf-8")
    write_xlsx([main, trend, *([failed] if ov.failed else [])], xlsx_path, title=title)
    return html_path, xlsx_path


ProgressCallback = Callable[[int, int, str, str], None]
"""``(done, total, code, name)`` after each municipality."""


def render_national(
    data: str | Path,
    out_dir: str | Path,
    codes: Sequence[str] | None = None,
    years: Sequence[int] | None = None,
    settings: Settings = DEFAULTS,
    backend: Backend | str = "joblib",
    n_jobs: int | None = None,
    on_progress: ProgressCallback | None = None,
    on_start: Callable[[int], None] | None = None,
) -> NationalResult:
    """Reports for ``codes`` (None: every municipality in the files) and the national overview,
    written into ``out_dir`` (see the module docstring). ``on_start(n)`` once the files are read
    and the n tasks are about to start; ``on_progress`` after each municipality."""
    start = time.perf_counter()
    data = Path(data)
    out_dir = Path(out_dir)
    files = published_files(data)
    known = municipalities(files, years)
    if codes is None:
        chosen = known
    else:
        missing = [c for c in codes if c not in set(known["municipality_code"])]
        if missing:
            raise DataError(f"Kommunkoderna {', '.join(missing)} finns inte i Skolverkets filer i {data}"
                            + (" för de valda läsåren." if years else "."))
        chosen = known.set_index("municipality_code").loc[list(codes)].reset_index()
    chosen = chosen.sort_values("n_rows", ascending=False, kind="stable")  # the largest first: even load
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_dir.parent / f".{out_dir.name}.likvard-tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        tasks = [MunicipalityTask(str(data), str(r.municipality_code), str(r.municipality),
                                  tuple(int(y) for y in years) if years else None, settings, str(tmp))
                 for r in chosen.itertuples()]
        done = [0]

        def finished(i: int, run: MunicipalityRun) -> None:
            done[0] += 1
            if on_progress is not None:
                on_progress(done[0], len(tasks), run.code, run.name)

        if on_start is not None:
            on_start(len(tasks))
        if n_jobs == 1 and not isinstance(backend, Backend):
            backend = "serial"
        runs: list[MunicipalityRun] = map_tasks(run_municipality, tasks, backend=backend, n_jobs=n_jobs,
                                                on_result=finished)
        runs.sort(key=lambda r: r.code)
        parts = [r.segregation for r in runs if r.segregation is not None]
        ov = national_overview(parts, settings, failed={r.code: r.error for r in runs if r.error is not None})
        write_overview(ov, parts, tmp, settings)
        out_dir.mkdir(parents=True, exist_ok=True)
        paths: dict[str, list[Path]] = {}
        for r in runs:
            for name in r.files:
                target = out_dir / name
                os.replace(tmp / r.code / name, target)
                paths.setdefault(r.code, []).append(target)
        html_path, xlsx_path = out_dir / f"{OVERVIEW_STEM}.html", out_dir / f"{OVERVIEW_STEM}.xlsx"
        os.replace(tmp / html_path.name, html_path)
        os.replace(tmp / xlsx_path.name, xlsx_path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return NationalResult(out_dir, html_path, xlsx_path, runs, ov, time.perf_counter() - start, paths)


__all__ = ["MunicipalityRun", "MunicipalityTask", "NationalResult", "municipalities", "parse_codes",
           "published_files", "render_national", "run_municipality", "write_overview"]

"""``likvard rapport``: the Nulägesrapport as one offline HTML file (prints on A4) plus an Excel workbook."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from likvard.cli.common import (
    DataOption,
    DbOption,
    DemoOption,
    KommunOption,
    NivaOption,
    ReplikatOption,
    SeedOption,
    console,
    fail,
    out_option,
    part_progress,
    progress,
    settings_from,
    years_between,
)

if TYPE_CHECKING:
    from likvard.analyses.settings import Settings

PART_LABELS = {
    "composition": "Elevsammansättning", "segregation": "Segregation med intervall", "comparison": "Jämförelser",
    "residential": "Boende och skolval", "need": "Behovsindex", "school_effects": "Skoleffekter",
    "published_expected": "Förväntade resultat", "trend": "Resultat över tid", "indicators": "Indikatorer",
    "placement": "Placeringsscenarier",
}


def command(
    demo: bool = DemoOption,
    db: str = DbOption,
    data: Path | None = DataOption,
    kommun: str | None = KommunOption,
    fran: int | None = typer.Option(None, "--fran", help="Första läsår (höstterminens år, 2020 = 2020/21)."),
    till: int | None = typer.Option(None, "--till", help="Sista läsår (höstterminens år)."),
    niva: float = NivaOption,
    replikat: int = ReplikatOption,
    seed: int = SeedOption,
    ut: Path = out_option("likvard-ut"),
    arbetare: int | None = typer.Option(
        None, "--arbetare", help="Med --kommun alla eller flera koder: processer på den här datorn "
        "(förvalt: alla kärnor; 1 = ingen parallellkörning)."),
    dask: str | None = typer.Option(
        None, "--dask", help="Med --kommun alla eller flera koder: kör på ett Dask-kluster, t.ex. tcp://värd:8786."),
) -> None:
    """Skriv nulägesrapporten (HTML som fungerar utan nät och skrivs ut på A4, och Excel).

    Med --data MAPP --kommun alla (eller flera koder, 0180,1480) skrivs varje kommuns rapport och
    en riksöversikt (riksoversikt.html och riksoversikt.xlsx) efter en enda läsning av filerna."""
    from likvard.analyses.overview import PARTS, run_overview
    from likvard.cli.common import load_dataset
    from likvard.parallel.beside import beside
    from likvard.report import render_overview

    settings = settings_from(niva, replikat, seed)
    years = years_between(fran, till)
    if kommun is not None and (kommun.strip().lower() == "alla" or "," in kommun):
        _national(demo, data, kommun, years, settings, ut, arbetare, dask)
        return
    if arbetare is not None or dask is not None:
        fail("--arbetare och --dask gäller bara flera kommuner (--kommun alla eller t.ex. --kommun 0180,1480).")
    ds, store = load_dataset(demo, db, data, kommun, years)
    # which schools every table must hide (linear programs per year) is worked out in a second
    # process while the analyses run here
    protection = beside(lambda: ds.protection_of_all_years(settings.min_students, settings.complementary_suppression))
    with progress() as bar:
        # segregation with its intervals (numba's threads) in another process beside the other parts
        ov = run_overview(ds, settings, store=store, on_part=part_progress(bar, len(PARTS), PART_LABELS),
                          beside=("segregation",))
    ds.adopt_protection(protection.result())
    stem = f"nulagesrapport_{ds.municipality_code}" if ds.municipality_code else "nulagesrapport"
    title = "Nulägesrapport – Exempelstad" if demo else f"Nulägesrapport {ds.name}".strip()
    with console.status("Skriver rapporten …"):
        result = render_overview(ov, ut, title, stem=stem, fork=True)
    titles = [s.title for s in result.section_objects]
    console.print(f"Avsnitt ({len(titles)}): {'; '.join(titles)}.")
    if ov.omitted:
        console.print(f"Utelämnat ({len(ov.omitted)}): se sista avsnittet i rapporten.")
    console.print(f"Rapport: [bold]{result.html_path.resolve()}[/]")
    console.print(f"Tabeller (Excel): {result.xlsx_path.resolve()}")
    typer.echo(str(result.html_path.resolve()))


def _national(demo: bool, data: Path | None, kommun: str, years: list[int] | None, settings: Settings, ut: Path,
              arbetare: int | None, dask: str | None) -> None:
    """Every chosen municipality's report and the national overview."""
    from rich.markup import escape

    from likvard.cli.forbered import run_prepare
    from likvard.compiled import is_prepared
    from likvard.parallel import Backend
    from likvard.report.national import parse_codes, render_national

    if demo:
        fail("--demo och --kommun alla kan inte användas samtidigt; riksöversikten bygger på Skolverkets filer (--data).")
    if data is None:
        fail("--kommun alla (eller flera kommunkoder) kräver --data med Skolverkets filer, t.ex. --data skolverket/.")
    if not Path(data).is_dir():
        fail(f"--data: mappen {data} finns inte.")
    if arbetare is not None and arbetare < 1:
        fail(f"--arbetare: minst 1 process behövs, fick {arbetare}.")
    if arbetare is not None and dask is not None:
        fail("--arbetare och --dask kan inte anges samtidigt: på ett Dask-kluster bestämmer arbetarna själva.")
    codes = parse_codes(kommun)
    backend = Backend("dask", address=dask) if dask else Backend("serial") if arbetare == 1 else Backend(
        "joblib", n_jobs=arbetare)
    if backend.kind != "dask" and not is_prepared():
        run_prepare()  # workers then load the kernels instead of each compiling them
    with progress() as bar:
        task = bar.add_task("Läser Skolverkets filer …", total=None)

        def step(done: int, total: int, code: str, name: str) -> None:
            bar.update(task, total=total, completed=done, description=f"Klar: {name} ({code})")

        def started(total: int) -> None:
            bar.update(task, total=total, completed=0,
                       description=f"Kommunernas rapporter {backend.describe()} …")

        result = render_national(data, ut, codes, years, settings, backend=backend, on_progress=step,
                                 on_start=started)
    ok = sum(1 for r in result.runs if r.error is None)
    console.print(f"Rapporter för {ok} av {len(result.runs)} kommuner på {result.seconds:.0f} s i {result.out_dir.resolve()}")
    for code, reason in sorted(result.failed.items()):
        console.print(f"[red]Kommun {code}:[/] {escape(reason)}")
    console.print(f"Riksöversikt: [bold]{result.overview_html.resolve()}[/]")
    console.print(f"Tabeller (Excel): {result.overview_xlsx.resolve()}")
    typer.echo(str(result.overview_html.resolve()))
    if result.failed:
        raise typer.Exit(1)

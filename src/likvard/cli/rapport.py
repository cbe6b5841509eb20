"""``likvard rapport``: the Nulägesrapport as one offline HTML file plus an Excel workbook."""

from __future__ import annotations

from pathlib import Path

import typer

from likvard.cli.common import DEFAULT_DB, console, fail, progress

OUT = Path("likvard-ut")


def _years(fran: int | None, till: int | None) -> list[int] | None:
    if fran is None and till is None:
        return None
    lo = fran if fran is not None else 1900
    hi = till if till is not None else 2100
    if lo > hi:
        fail(f"--fran ({fran}) är senare än --till ({till}); ange läsår som höstår, t.ex. --fran 2020 --till 2024.")
    return list(range(lo, hi + 1))


def _load_store(db: str):
    from likvard.store import open_store

    if not str(db).startswith(("sqlite:", "postgresql")) and not Path(db).exists():
        fail(f"Databasen {db} finns inte. Kör 'likvard import' eller 'likvard demo' först, eller använd --demo.")
    store = open_store(db)
    for name in ("load", "load_authority_data"):
        loader = getattr(store, name, None)
        if callable(loader):
            return loader(), store
    fail(f"Databasen {db} saknar läsbara elevregister.")


def rapport(
    db: str = typer.Option(DEFAULT_DB, "--db", help="Databas (SQLite-fil eller SQLAlchemy-URL) med huvudmannens data.",
                            envvar="LIKVARD_DB"),
    demo: bool = typer.Option(False, "--demo", help="Skapa Exempelstad och gör rapporten för den."),
    data_dir: Path | None = typer.Option(None, "--data", help="Mapp med Skolverkets nedladdade filer."),
    kommun: str | None = typer.Option(None, "--kommun", help="Kommunkod (fyra siffror) med --data, t.ex. 1880."),
    fran: int | None = typer.Option(None, "--fran", help="Första läsår (hösttermin, 2020 = 2020/21)."),
    till: int | None = typer.Option(None, "--till", help="Sista läsår (hösttermin)."),
    out: Path = typer.Option(OUT, "--ut", help="Mapp där rapporten skrivs."),
    bootstrap: int = typer.Option(200, "--bootstrap", help="Antal bootstrap-dragningar för osäkerhetsintervallen."),
) -> None:
    """Skriv nulägesrapporten (HTML som fungerar utan nät, och Excel) för Exempelstad, egna data eller en kommun."""
    from likvard.report import render_authority_report, render_published_report
    from likvard.report.sections import SECTION_MODULES

    years = _years(fran, till)
    with progress() as bar:
        task = bar.add_task("Rapport", total=len(SECTION_MODULES))

        def step(name: str) -> None:
            bar.update(task, advance=1, description=f"Avsnitt: {name}")

        try:
            if data_dir is not None or kommun is not None:
                if data_dir is None or kommun is None:
                    fail("--data och --kommun måste anges tillsammans, t.ex. --data skolverket/ --kommun 1880.")
                if not (len(kommun) == 4 and kommun.isdigit()):
                    fail(f"--kommun: '{kommun}' är ingen kommunkod; väntade fyra siffror, t.ex. 1880.")
                if not data_dir.is_dir():
                    fail(f"--data: mappen {data_dir} finns inte.")
                result = render_published_report(data_dir, kommun, out, years=years, n_bootstrap=bootstrap, on_section=step)
            elif demo:
                from likvard.demo import generate_exempelstad

                bar.update(task, description="Skapar Exempelstad")
                data = generate_exempelstad()
                result = render_authority_report(data, out, title="Nulägesrapport – Exempelstad", years=years,
                                                 n_bootstrap=bootstrap, on_section=step)
            else:
                data, store = _load_store(db)
                result = render_authority_report(data, out, years=years, store=store, n_bootstrap=bootstrap,
                                                 on_section=step)
        except ValueError as exc:
            fail(str(exc))
        bar.update(task, completed=len(SECTION_MODULES), description="Klart")
    titles = [s.title for s in result.section_objects] or result.sections
    console.print(f"Avsnitt ({len(titles)}): {'; '.join(titles)}. Tid: {result.seconds:.1f} s.")
    console.print(f"Rapport: [bold]{result.html_path.resolve()}[/]")
    console.print(f"Tabeller (Excel): {result.xlsx_path.resolve()}")
    typer.echo(str(result.html_path.resolve()))


def register(app: typer.Typer) -> None:
    app.command("rapport")(rapport)

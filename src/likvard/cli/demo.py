"""``likvard demo``: create Exempelstad in a fresh database and write the Nulägesrapport for it."""

from __future__ import annotations

import time
from pathlib import Path

import typer

from likvard.cli.common import console, out_option

DEMO_DB = Path("exempelstad.db")


def command(
    db: Path = typer.Option(DEMO_DB, "--db", help="Databasfil som skapas på nytt för Exempelstad."),
    ut: Path = out_option("likvard-ut"),
    seed: int = typer.Option(2026, "--seed", help="Slumpfrö: samma frö ger samma Exempelstad."),
    antal_lasar: int = typer.Option(6, "--antal-lasar", help="Antal läsår att skapa."),
) -> None:
    """Skapa demokommunen Exempelstad i en ny databas och skriv nulägesrapporten."""
    from likvard.analyses.dataset import dataset_from_authority
    from likvard.analyses.overview import run_overview
    from likvard.demo import generate_exempelstad
    from likvard.report import render_overview
    from likvard.store import open_store

    started = time.perf_counter()
    ut.mkdir(parents=True, exist_ok=True)
    with console.status("Skapar Exempelstad …"):
        data = generate_exempelstad(seed=seed, n_years=antal_lasar)
    console.print(
        f"Exempelstad: {data.schools['school_id'].nunique()} skolenheter, "
        f"{len(data.students):,} elevrader över {len(data.years())} läsår.".replace(",", " ")
    )
    if db.exists():
        db.unlink()
    with console.status(f"Sparar i databasen {db} …"):
        store = open_store(db)
        store.save_authority_data(data, source=f"Exempelstad (frö {seed})")
    register_dir = ut / "exempelstad_register"
    truth_dir = ut / "exempelstad_facit"
    data.write(register_dir)
    data.write_truth(truth_dir)
    console.print(f"Registerfiler (för [bold]likvard import[/]): {register_dir}")
    console.print(f"Facit (generatorns dolda sanningar, för test av analyserna): {truth_dir}")
    with console.status("Kör analyserna och skriver rapporten …"):
        ov = run_overview(dataset_from_authority(data), store=store)
        result = render_overview(ov, ut, "Nulägesrapport – Exempelstad")
    console.print(f"[bold green]Klart[/] på {time.perf_counter() - started:.0f} s.")
    console.print(f"Rapport: [bold]{result.html_path.resolve()}[/]")
    console.print(f"Tabeller (Excel): {result.xlsx_path.resolve()}")
    typer.echo(str(result.html_path.resolve()))

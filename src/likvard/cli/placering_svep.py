"""``likvard placering svep``: every scenario of a scenario file in many municipalities, in
parallel on this machine or on a Dask cluster, resumable (``likvard.analyses.sweep``)."""

from __future__ import annotations

import time
from pathlib import Path

import typer

from likvard.cli.common import console, fail, progress

OUT = Path("likvard-ut/svep")
LABELS = {
    "municipality_code": "Kommunkod",
    "scenario": "Scenario",
    "measure": "Mått",
    "mean": "Medel",
    "low": "Nedre (95 %)",
    "high": "Övre (95 %)",
    "residential": "Om alla gick i närmaste skola",
    "n_students": "Elever i årskursen",
    "n_schools": "Skolor",
    "n_replications": "Replikeringar",
    "status": "Status",
}


def _municipalities(kommun: str) -> list[str] | None:
    if kommun.strip().lower() == "alla":
        return None
    codes = [c.strip() for c in kommun.split(",") if c.strip()]
    bad = [c for c in codes if not (c.isdigit() and len(c) <= 4)]
    if bad or not codes:
        fail(f"--kommun: '{kommun}' är inte 'alla' eller kommunkoder med fyra siffror, t.ex. 0180,1880.")
    return [c.zfill(4) for c in codes]


def _load(demo: bool, riket: bool, db: str | None, seed: int, riket_skolor: int, riket_elever: int):
    if riket:
        from likvard.demo import generate_national

        with console.status(f"Skapar ett syntetiskt riket ({riket_skolor} skolenheter, {riket_elever} elever) …"):
            return generate_national(n_schools=riket_skolor, n_students=riket_elever)
    if demo or db is None:
        from likvard.demo import generate_exempelstad

        with console.status("Skapar Exempelstad …"):
            return generate_exempelstad(seed=seed)
    from likvard.cli.common import open_database, read_registers

    return read_registers(open_database(db), db)


FIGURES = ("mean", "low", "high", "residential")


def sweep_table(table):
    """The sweep's long table as a shown table (code-name columns, Swedish headers ``LABELS``,
    figures to four decimals), through disclosure control: figures of a municipality whose entry
    grade has fewer than 10 students read ``..``."""
    from likvard.privacy import suppress
    from likvard.views.placement import MEASURE_LABELS
    from likvard.views.suppression import publish
    from likvard.views.table import Table

    out = table.copy()
    out["measure"] = out["measure"].map(MEASURE_LABELS).fillna(out["measure"])
    for col in FIGURES:
        out[col] = out[col].astype(float)
    out["status"] = out["status"].where(out["status"] != "ok", "")
    out = suppress(out, "n_students", list(FIGURES))
    return publish(Table("Svep", "Placeringsscenarier i flera kommuner", out, decimals=dict.fromkeys(FIGURES, 4),
                         labels=LABELS))


def svep(
    scenario_file: Path = typer.Argument(..., help="Scenariofil (YAML); samma format som 'placering kor'."),
    demo: bool = typer.Option(False, "--demo", help="Kör på demokommunen Exempelstad."),
    riket: bool = typer.Option(False, "--riket", help="Kör på ett syntetiskt riket (alla kommuner)."),
    riket_skolor: int = typer.Option(5000, "--riket-skolor", help="Skolenheter i det syntetiska riket."),
    riket_elever: int = typer.Option(1_100_000, "--riket-elever", help="Elever i det syntetiska riket."),
    db: str = typer.Option(None, "--db", help="Databas med importerade data."),
    kommun: str = typer.Option("alla", "--kommun", help="'alla' eller kommunkoder med komma emellan, t.ex. 0180,1880."),
    replications: int = typer.Option(None, "--replikat", help="Körningar per kommun och scenario (ersätter filens)."),
    seed: int = typer.Option(None, "--seed", help="Slumpfrö för hela svepet (ersätter filens frö)."),
    workers: int = typer.Option(None, "--arbetare", help="Processer på den här datorn (förvalt: alla kärnor; 1 = ingen parallellkörning)."),
    dask: str = typer.Option(None, "--dask", help="Kör på ett Dask-kluster: schemaläggarens adress, t.ex. tcp://värd:8786."),
    chunk: int = typer.Option(None, "--del-storlek", help="Uppgifter (kommun × scenario) per sparad del."),
    out: Path = typer.Option(OUT, "--ut", help="Mapp för delresultat och resultat; ett avbrutet svep fortsätter där."),
    demo_seed: int = typer.Option(2026, "--demo-fro", help="Slumpfrö för Exempelstad."),
) -> None:
    """Kör scenarierna i en scenariofil i många kommuner (parallellt, kan återupptas) och skriv en tabell."""
    from likvard.cli.forbered import run_prepare
    from likvard.compiled import is_prepared
    from likvard.errors import LikvardError
    from likvard.parallel import Backend
    from likvard.placement.scenario_file import ScenarioFileError, read_scenario_file
    from likvard.analyses.sweep import sweep

    if workers is not None and workers < 1:
        fail(f"--arbetare: minst 1 process behövs, fick {workers}.")
    if dask is not None and workers is not None:
        fail("--arbetare och --dask kan inte anges samtidigt: på ett Dask-kluster bestämmer arbetarna själva.")
    try:
        sf = read_scenario_file(scenario_file)
    except ScenarioFileError as exc:
        fail(str(exc))
    codes = _municipalities(kommun)
    data = _load(demo, riket, db, demo_seed, riket_skolor, riket_elever)
    if dask is not None:
        backend = Backend("dask", address=dask)
    elif workers == 1:
        backend = Backend("serial")
    else:
        backend = Backend("joblib", n_jobs=workers)
    if backend.kind != "dask" and not is_prepared():
        run_prepare()  # workers then load the kernels instead of each compiling them
    started = time.perf_counter()
    try:
        with progress() as bar:
            task = bar.add_task(f"Svep {backend.describe()}", total=None)

            def on_task(n: int) -> None:
                bar.advance(task, n)

            result = sweep(data, sf, out, municipalities=codes, n_replications=replications, seed=seed,
                           backend=backend, chunk_size=chunk, on_task=on_task,
                           on_start=lambda n: bar.update(task, total=n))
    except (LikvardError, ValueError) as exc:
        fail(str(exc))
    seconds = time.perf_counter() - started
    from likvard.export import write_csv, write_xlsx

    table = sweep_table(result.table)
    write_csv(table, out / "resultat.csv")
    write_xlsx([table], out / "resultat.xlsx", title="Placeringsscenarier i flera kommuner")
    n_tasks = len(result.municipalities) * len(result.scenarios)
    console.print(
        f"{len(result.municipalities)} kommuner × {len(result.scenarios)} scenarier = {n_tasks} uppgifter, "
        f"läsåret {result.school_year}/{(result.school_year + 1) % 100:02d}; "
        f"{len(result.computed_chunks)} delar beräknades nu, {len(result.reused_chunks)} fanns redan. "
        f"Tid: {seconds:.1f} s."
    )
    failed = result.failed()
    if len(failed):
        console.print(f"[yellow]{len(failed)} uppgifter kunde inte köras[/] (se kolumnen Status), t.ex. "
                      f"{failed.iloc[0]['municipality_code']}: {failed.iloc[0]['status']}")
    console.print(f"Resultat: [bold]{(out / 'resultat.csv').resolve()}[/] och resultat.xlsx")
    typer.echo(str((out / "resultat.csv").resolve()))


def register(app: typer.Typer) -> None:
    """Add ``svep`` to the placement command group ``app`` (``likvard placering``)."""
    app.command("svep")(svep)

"""``likvard demo``: create Exempelstad in a fresh database with its follow-up history (register,
quality dialogues, evaluations) and write the Kvalitetsrapport and the Nulägesrapport for it."""

from __future__ import annotations

import time
from pathlib import Path

import typer

from likvard.cli.common import console, fail, out_option

DEMO_DB = Path("exempelstad.db")
DEMO_SOURCE = "Exempelstad"


def _is_earlier_demo(db: Path) -> bool:
    """True if ``db`` is a Likvärd database holding only what 'likvard demo' stored."""
    import sqlite3

    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
            sources = {r[0] for r in con.execute("SELECT DISTINCT file_name FROM imports")}
    except sqlite3.Error:
        return False
    return bool(sources) and all(s.startswith(f"{DEMO_SOURCE} (frö ") for s in sources)


def command(
    db: Path = typer.Option(DEMO_DB, "--db", help="Databasfil som skapas på nytt för Exempelstad."),
    ut: Path = out_option("likvard-ut"),
    seed: int = typer.Option(2026, "--seed", help="Slumpfrö: samma frö ger samma Exempelstad."),
    antal_lasar: int = typer.Option(11, "--antal-lasar", help="Antal läsår att skapa."),
    overwrite: bool = typer.Option(False, "--skriv-over",
                                   help="Ersätt en befintlig databas (annars vägrar demo att röra en databas "
                                        "som inte är en tidigare Exempelstad)."),
    serve: bool = typer.Option(False, "--serve", help="Starta sedan webbappen med en användare per roll "
                                                      "(namn och lösenord skrivs ut)."),
    port: int = typer.Option(8000, "--port", help="Port för webbappen (med --serve)."),
) -> None:
    """Skapa demokommunen Exempelstad i en ny databas och skriv kvalitetsrapporten och nulägesrapporten."""
    from rich.markup import escape

    from likvard.analyses._reuse import reuse
    from likvard.parallel.beside import beside
    from likvard.report.file_names import quality_report_names
    from likvard.text import school_year_label

    if db.exists() and not overwrite and not _is_earlier_demo(db):  # before any work is done
        fail(f"Databasen {escape(str(db))} finns redan och innehåller annat än Exempelstad. 'likvard demo' "
             "skriver inte över den: välj en annan fil med --db, eller lägg till --skriv-over om den ska ersättas.")
    started = time.perf_counter()
    ut.mkdir(parents=True, exist_ok=True)
    with console.status("Skapar Exempelstad …"):
        # the generator is a pure function of the seed, the number of years and the code: a later
        # demo with the same ones reads the kept Exempelstad from the cache folder
        data = reuse("exempelstad", [], (seed, antal_lasar), lambda: _generate(seed, antal_lasar), keep=True)
    console.print(
        f"Exempelstad: {data.schools['school_id'].nunique()} skolenheter, "
        f"{len(data.students):,} elevrader över {len(data.years())} läsår.".replace(",", " ")
    )
    last_year = data.years()[-1]
    link = (f"Kvalitetsrapport {school_year_label(last_year)}", quality_report_names(last_year)[1])

    register_dir = ut / "exempelstad_register"
    truth_dir = ut / "exempelstad_facit"

    def nulagesrapport():
        """The register files, the truth and the Nulägesrapport rest on the registers alone (a new
        Exempelstad database has no saved placement comparison), not on the database or the
        follow-up history, so they are written in a second process while this one saves and fills
        in the follow-up (with --serve, here afterwards: the web app needs the analyses). Each
        process imports only what it needs, after the fork, side by side."""
        from likvard.analyses.dataset import dataset_from_authority
        from likvard.analyses.overview import run_overview
        from likvard.report import render_overview

        data.write(register_dir)
        data.write_truth(truth_dir)
        ov = run_overview(dataset_from_authority(data), store=None)
        # the workbook in a further process beside the page (the first process is done by then)
        result = render_overview(ov, ut, "Nulägesrapport – Exempelstad", links=[link], fork=not serve)
        return (ov if serve else None), result.html_path, result.xlsx_path

    report = beside(nulagesrapport, enabled=not serve)
    # what only this process needs (the database, the follow-up, the quality report) is read in
    # after the second process has started
    from likvard.demo.followup import fill_followup
    from likvard.report.quality import write_quality_report
    from likvard.store import open_store

    if db.exists():
        try:
            db.unlink()
        except OSError as exc:
            fail(f"Databasen {escape(str(db))} kunde inte ersättas ({escape(exc.strerror or '')}).")
        console.print(f"Ersätter {escape(str(db))} med en ny Exempelstad.")
    with console.status(f"Sparar i databasen {escape(str(db))} …"):
        store = open_store(db)
        store.save_authority_data(data, source=f"{DEMO_SOURCE} (frö {seed})")
    with console.status("Fyller i uppföljningen: insatser, kvalitetsdialoger och utvärderingar …"):
        history = fill_followup(store, data, data.truth["planted_interventions"], seed=seed)
        quality_docx, quality_html = write_quality_report(store, history.school_year, ut, data=data)
    console.print(f"Uppföljning: {history.n_interventions} insatser, "
                  f"{history.n_dialogues} kvalitetsdialoger med {history.n_decisions} beslut, "
                  f"{len(history.evaluations)} utvärderingar.")
    for reason in history.skipped:
        console.print(f"[yellow]Inte utvärderad:[/] {escape(reason)}")
    with console.status("Kör analyserna och skriver nulägesrapporten …"):
        ov, html_path, xlsx_path = report.result()
    console.print(f"Registerfiler (för [bold]likvard import[/]): {register_dir}")
    console.print(f"Facit (generatorns dolda sanningar, för test av analyserna): {truth_dir}")
    console.print(f"[bold green]Klart[/] på {time.perf_counter() - started:.0f} s.")
    console.print(f"Rapport: [bold]{html_path.resolve()}[/]")
    console.print(f"Tabeller (Excel): {xlsx_path.resolve()}")
    console.print(f"Kvalitetsrapport: {quality_html.resolve()} (Word: {quality_docx.name})")
    typer.echo(str(html_path.resolve()))
    if serve:
        serve_demo(store, data, db, port, ov)


def _generate(seed: int, n_years: int):
    """Exempelstad generated anew (the generator and the placement engine it needs are imported
    only then; a demo that reads the kept Exempelstad does without them)."""
    from likvard.demo import generate_exempelstad

    return generate_exempelstad(seed=seed, n_years=n_years)


DEMO_USERS = (("admin", "admin"), ("analytiker", "analytiker"), ("skolchef", "skolchef"), ("rektor", "rektor"),
              ("namnd", "nämnd"))


def serve_demo(store, data, db: Path, port: int, overview) -> None:
    """One user per role with a fresh random password (printed), then the web app on 127.0.0.1."""
    import secrets

    from likvard.cli.serve import serve_store
    from likvard.web.accounts import create_user, delete_user, list_users

    last = data.schools[data.schools["school_year"] == data.schools["school_year"].max()]
    ids = sorted(last["school_id"].astype(str))
    area = ids[: max(1, len(ids) // 2)]
    principal = ids[:1]
    existing = {a.name for a in list_users(store)}
    console.print("[bold]Användare i webbappen[/] (lösenorden gäller denna databas):")
    for name, role in DEMO_USERS:
        if name in existing:
            delete_user(store, name, actor="likvard demo")
        password = secrets.token_urlsafe(12)
        schools = area if role == "skolchef" else principal if role == "rektor" else []
        create_user(store, name, role, password, schools, actor="likvard demo")
        where = f" (skolenheter {', '.join(schools)})" if len(schools) <= 3 and schools else (
            f" ({len(schools)} skolenheter)" if schools else "")
        typer.echo(f"  {role:<11} användarnamn {name:<11} lösenord {password}{where}")
    from likvard.web.app import create_app

    app = create_app(str(db), store=store)
    app.state.cache.prime(overview)
    serve_store(str(db), "127.0.0.1", port, app=app)

"""``likvard katalog exportera|importera|lista|visa``: the shared intervention catalogue.

``exportera`` writes the authority's own catalogue rows (``--db``) or Exempelstad's evaluated
interventions (``--demo``) as a package (folder or .zip, docs/katalog.md); ``importera`` merges
other authorities' packages into the database (conflicts reported, never overwritten; a package
with an error stops the import and nothing is written); ``lista`` shows the types with the pooled
local evidence beside the research, ``visa`` one type in full.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from likvard.cli.common import console, fail

HELP = "Dela: insatskatalogen med insatstyper, forskningsstöd och huvudmännens egna utvärderingar."
katalog_app = typer.Typer(help=HELP, no_args_is_help=True)

DbOpt = typer.Option(None, "--db", help="Databasfil (SQLite) eller SQLAlchemy-URL.", envvar="LIKVARD_DB")
MethodOpt = typer.Option("reml", "--metod", help="Sammanvägning: reml, dl (DerSimonian–Laird) eller pm (Paule–Mandel).")
LevelOpt = typer.Option(0.95, "--niva", help="Intervallens nivå, t.ex. 0,95.")
NeedOpt = typer.Option(None, "--behovsband", help="Bara skolor som våra: behovsband (lågt, medel, högt).")
AreaOpt = typer.Option(None, "--omradestyp", help="Bara skolor som våra: områdestyp 1–5 bland elevernas.")
SizeOpt = typer.Option(None, "--storleksband", help="Bara skolor som våra: storleksband (t.ex. 200–399).")


def _store(db: str, create: bool):  # type: ignore[no-untyped-def]
    from likvard.cli.common import open_database
    from likvard.store import open_store

    if create:
        return open_store(db, create=True)
    return open_database(db)


def _num(x: float | None, digits: int = 2) -> str:
    return ".." if x is None else f"{x:.{digits}f}".replace(".", ",").replace("-", "−")


@katalog_app.command("exportera")
def exportera(
    ut: Path = typer.Option(..., "--ut", help="Paketets mapp eller .zip-fil (får inte finnas)."),
    db: str | None = DbOpt,
    demo: bool = typer.Option(False, "--demo", help="Exportera Exempelstads utvärderade insatser."),
    seed: int = typer.Option(2026, "--seed", help="Slumpfrö för Exempelstad (med --demo)."),
    visa_skolor: bool = typer.Option(False, "--visa-skolor", help="Ta med skolenhetskoderna (annars '..')."),
) -> None:
    """Skriv huvudmannens insatstyper, forskningsstöd och utvärderingar som ett katalogpaket."""
    from likvard.analyses.catalogue import exempelstad_catalogue, export_catalogue
    from likvard.catalogue import write_package

    if demo == (db is not None):
        fail("Ange antingen --db URL eller --demo.")
    if demo:
        from likvard.demo import generate_exempelstad

        with console.status("Skapar Exempelstad och utvärderar insatserna …"):
            cat = exempelstad_catalogue(generate_exempelstad(seed=seed))
        path = write_package(cat, ut, include_schools=visa_skolor)
    else:
        store = _store(str(db), create=False)
        try:
            path = export_catalogue(store, ut, include_schools=visa_skolor)
        finally:
            store.close()
    console.print(f"[bold green]Klart:[/] katalogpaketet är validerat och skrivet ({escape(str(path))}).")
    typer.echo(str(Path(path).resolve()))


@katalog_app.command("importera")
def importera(
    filer: list[Path] = typer.Argument(..., help="Katalogpaket (mappar eller .zip-filer)."),
    db: str = typer.Option(..., "--db", help="Databasfil (SQLite) eller SQLAlchemy-URL.", envvar="LIKVARD_DB"),
) -> None:
    """Läs in andra huvudmäns katalogpaket; konflikter redovisas och skrivs aldrig över."""
    from likvard.analyses.catalogue import import_packages

    store = _store(db, create=True)
    try:
        report = import_packages(store, filer)
    finally:
        store.close()
    a = report.added
    console.print(f"[bold green]Inläst:[/] {a['insatstyper']} insatstyper, {a['forskningsstod']} rader forskningsstöd "
                  f"och {a['lokala_utvarderingar']} utvärderingar från {len(report.packages)} paket.")
    same = sum(report.unchanged.values())
    if same:
        console.print(f"{same} rader fanns redan oförändrade.")
    for c in report.conflicts:
        console.print(f"[yellow]Konflikt:[/] {escape(c.message())}")


def _merged(db: str | None):  # type: ignore[no-untyped-def]
    """The starter catalogue with the database's catalogue on top (the database wins)."""
    import dataclasses

    from likvard.catalogue.starter import starter_catalogue

    start = starter_catalogue()
    if db is None:
        return start
    from likvard.analyses.catalogue import store_catalogue

    store = _store(db, create=False)
    try:
        cat = store_catalogue(store)
    finally:
        store.close()
    keys = {t.key for t in cat.types}
    ev = {e.evidens_id for e in cat.evidence}
    return dataclasses.replace(cat, types=tuple(sorted((*cat.types, *(t for t in start.types if t.key not in keys)),
                                                       key=lambda t: (t.kategori, t.namn))),
                               evidence=(*cat.evidence, *(e for e in start.evidence if e.evidens_id not in ev)))


@katalog_app.command("lista")
def lista(
    db: str | None = DbOpt,
    metod: str = MethodOpt,
    niva: float = LevelOpt,
    behovsband: str | None = NeedOpt,
    omradestyp: int | None = AreaOpt,
    storleksband: str | None = SizeOpt,
) -> None:
    """Lista insatstyperna med sammanvägda lokala resultat bredvid forskningsstödet."""
    from rich.table import Table

    from likvard.catalogue import context_filter, pool_evaluations
    from likvard.errors import LikvardError

    cat = _merged(db)
    local = context_filter(cat.local, need_band=behovsband, area_type=omradestyp, size_band=storleksband)
    try:
        groups = pool_evaluations(local, method=metod, level=niva)  # type: ignore[arg-type]
    except LikvardError as exc:
        fail(str(exc))
    by_type: dict[str, list] = {}
    for g in groups:
        by_type.setdefault(g.insats_typ_id, []).append(g)
    table = Table("Kategori", "Insatstyp", "Forskning", "Lokala utvärderingar (sammanvägt)", show_lines=False)
    for t in cat.types:
        research = [e for e in cat.evidence if e.insats_typ_id == t.insats_typ_id]
        rtext = "–" if not research else f"{len(research)} (styrka {max(e.evidensstyrka_0_5 for e in research)})"
        parts = []
        for g in by_type.get(t.insats_typ_id, []):
            if g.pooled is None:
                parts.append(f"{g.indikator}: {len(g.evaluation_ids)} utv.")
            else:
                p = g.pooled
                parts.append(f"{g.indikator}: {_num(p.estimate)} [{_num(p.ci_low)}; {_num(p.ci_high)}], k={p.k}")
        table.add_row(t.kategori, t.namn, rtext, "; ".join(parts) or "–")
    console.print(table)


@katalog_app.command("visa")
def visa(
    typ: str = typer.Argument(..., help="Insatstypens id, t.ex. se.likvard/insats/tvalararsystem."),
    db: str | None = DbOpt,
    metod: str = MethodOpt,
    niva: float = LevelOpt,
    behovsband: str | None = NeedOpt,
    omradestyp: int | None = AreaOpt,
    storleksband: str | None = SizeOpt,
) -> None:
    """Visa en insatstyp: insatskortet, forskningsstödet, utvärderingarna och sammanvägningen."""
    from likvard.catalogue import context_filter, pool_evaluations
    from likvard.errors import LikvardError

    cat = _merged(db)
    versions = [t for t in cat.types if t.insats_typ_id == typ]
    if not versions:
        fail(f"Insatstypen {typ} finns inte i katalogen; se 'likvard katalog lista'.")
    t = max(versions, key=lambda v: v.version)
    console.print(f"[bold]{escape(t.namn)}[/] ({escape(t.insats_typ_id)}, version {t.version})")
    console.print(f"Kategori: {escape(t.kategori)}. Adresserar: {escape(t.adresserar_problem)}.")
    if t.beskrivning:
        console.print(escape(t.beskrivning))
    if t.kalla:
        console.print(f"Källa: {escape(t.kalla)}")
    console.print("\n[bold]Forskningsstöd[/]")
    research = [e for e in cat.evidence if e.insats_typ_id == typ]
    if not research:
        console.print("Inget forskningsstöd registrerat.")
    for e in research:
        eff = "" if e.effekt_smd is None else f" SMD {_num(e.effekt_smd)} [{_num(e.ki_lag)}; {_num(e.ki_hog)}]."
        console.print(f"- {escape(e.kalla_typ)}, evidensstyrka {e.evidensstyrka_0_5}/5.{eff} "
                      f"{escape(e.publicerat_varde or '')} ({escape(e.referens)})")
    local = [e for e in context_filter(cat.local, need_band=behovsband, area_type=omradestyp,
                                       size_band=storleksband) if e.insats_typ_id == typ]
    console.print("\n[bold]Huvudmännens utvärderingar[/]")
    if not local:
        console.print("Inga lokala utvärderingar.")
    for e in local:
        console.print(f"- {escape(e.huvudman)} {e.period_start}–{e.period_slut}, {e.indikator}, {e.design}: "
                      f"{_num(e.skattad_effekt)} [{_num(e.ki_lag)}; {_num(e.ki_hog)}] ({_num(e.ki_niva)}), "
                      f"förväntat {_num(e.forvantad_effekt)}; {e.utlatande}.")
    try:
        groups = pool_evaluations(local, method=metod, level=niva)  # type: ignore[arg-type]
    except LikvardError as exc:
        fail(str(exc))
    for g in groups:
        console.print(f"\n[bold]Sammanvägt ({metod}), {g.indikator}[/]")
        if g.pooled is None:
            console.print(g.note or "")
            continue
        p = g.pooled
        pi = "kräver minst tre utvärderingar" if p.pi_low is None else f"{_num(p.pi_low)} till {_num(p.pi_high)}"
        console.print(f"Effekt {_num(p.estimate)} ({100 * p.level:.0f} %-intervall {_num(p.ci_low)} till "
                      f"{_num(p.ci_high)}), k = {p.k}, tau² = {_num(p.tau2, 3)}, I² = {100 * p.i2:.0f} %.")
        console.print(f"Prognosintervall för en skola som vår: {pi}.")


def register(app: typer.Typer) -> None:
    app.add_typer(katalog_app, name="katalog")

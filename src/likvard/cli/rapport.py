"""``likvard rapport``: the Nulägesrapport as one offline HTML file (prints on A4) plus an Excel workbook."""

from __future__ import annotations

from pathlib import Path

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
    out_option,
    part_progress,
    progress,
    settings_from,
    years_between,
)

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
) -> None:
    """Skriv nulägesrapporten (HTML som fungerar utan nät och skrivs ut på A4, och Excel)."""
    from likvard.analyses.overview import PARTS, run_overview
    from likvard.cli.common import load_dataset
    from likvard.report import render_overview

    settings = settings_from(niva, replikat, seed)
    years = years_between(fran, till)
    ds, store = load_dataset(demo, db, data, kommun, years)
    with progress() as bar:
        ov = run_overview(ds, settings, store=store, on_part=part_progress(bar, len(PARTS), PART_LABELS))
    stem = f"nulagesrapport_{ds.municipality_code}" if ds.municipality_code else "nulagesrapport"
    title = "Nulägesrapport – Exempelstad" if demo else f"Nulägesrapport {ds.name}".strip()
    with console.status("Skriver rapporten …"):
        result = render_overview(ov, ut, title, stem=stem)
    titles = [s.title for s in result.section_objects]
    console.print(f"Avsnitt ({len(titles)}): {'; '.join(titles)}.")
    if ov.omitted:
        console.print(f"Utelämnat ({len(ov.omitted)}): se sista avsnittet i rapporten.")
    console.print(f"Rapport: [bold]{result.html_path.resolve()}[/]")
    console.print(f"Tabeller (Excel): {result.xlsx_path.resolve()}")
    typer.echo(str(result.html_path.resolve()))

"""``likvard segregation``: segregation between the schools of Exempelstad, the database or a
municipality in Skolverket's files (``likvard.analyses.segregation``)."""

from __future__ import annotations

from pathlib import Path

import typer

from likvard.cli.common import (
    DataOption,
    DbOption,
    DemoOption,
    FormatOption,
    KommunOption,
    LasarOption,
    NivaOption,
    ReplikatOption,
    SeedOption,
    console,
    load_dataset,
    out_option,
    settings_from,
    write_output,
)

GROUPINGS = {"foraldrar": "parent_education", "bakgrund": "migration_background",
             "parent_education": "parent_education", "migration_background": "migration_background"}


def command(
    demo: bool = DemoOption,
    db: str = DbOption,
    data: Path | None = DataOption,
    kommun: str | None = KommunOption,
    grupp: str = typer.Option("foraldrar", "--grupp", help="Elevgrupper: foraldrar (föräldrarnas utbildning) eller "
                                                            "bakgrund (migrationsbakgrund)."),
    lasar: int | None = LasarOption,
    niva: float = NivaOption,
    replikat: int = ReplikatOption,
    seed: int = SeedOption,
    ut: Path = out_option("likvard-ut/segregation"),
    format: str = FormatOption,
) -> None:
    """Segregation mellan skolorna: index med intervall, uppdelning, förändring och skolornas bidrag."""
    from likvard.analyses.comparison import municipal_comparison
    from likvard.analyses.residential import residential_and_choice
    from likvard.analyses.segregation import analyse_segregation
    from likvard.cli.common import fail
    from likvard.export import check_format
    from likvard.views import segregation as view
    from likvard.views.comparison import comparison_tables

    check_format(format)
    if grupp not in GROUPINGS:
        fail(f"--grupp: '{grupp}' finns inte; välj foraldrar eller bakgrund.")
    settings = settings_from(niva, replikat, seed)
    ds, _ = load_dataset(demo, db, data, kommun)
    with console.status("Beräknar segregationen med intervall …"):
        res = analyse_segregation(ds, settings, GROUPINGS[grupp], lasar, follow=True)
        tables = view.segregation_tables(res, ds, settings)
        split = residential_and_choice(ds, settings, GROUPINGS[grupp])
        if split is not None:
            tables.append(view.residential_table(split))
        cmp = municipal_comparison(ds) if ds.published is not None and GROUPINGS[grupp] == "parent_education" else None
        if cmp is not None:
            tables += comparison_tables(cmp)
    h, d = res.value("theil_h"), res.value("dissimilarity")
    summary = {"area": ds.name, "grouping": res.grouping, "school_year": res.year, "level": settings.level,
               "n_replications": settings.n_replications, "seed": settings.seed,
               "theil_h": h.to_dict(), "dissimilarity": d.to_dict()}
    write_output(tables, ut, format, stem="segregation", title=f"Segregation {ds.name}", names=ds.names(), summary=summary)
    p = settings.percent
    console.print(f"Läsår {res.year}: H = {h['value']:.3f} ({p} intervall {h['low']:.3f}–{h['high']:.3f}), "
                  f"D = {d['value']:.3f} ({view.GROUPING_LABELS[res.grouping]}, {int(h['n_students'])} elever, "
                  f"{int(h['n_schools'])} skolenheter).".replace(".", ","))

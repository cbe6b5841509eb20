"""``likvard fordelning``: compensatory allocation models and teacher distribution
(``likvard.analyses.allocation``)."""

from __future__ import annotations

import shutil
from pathlib import Path

import typer

from likvard.cli.common import DbOption, DemoOption, FormatOption, LasarOption, console, fail, out_option, write_output
from likvard.cli.swedish import app as swedish_app

command = swedish_app("Förstärka: resursfördelning efter behov och lärarfördelning.")

EXAMPLES = Path(__file__).resolve().parent.parent / "allocation" / "examples"
ModelArgument = typer.Argument(..., metavar="MODELLFIL", help="Modellfil (YAML); se 'likvard fordelning exempel'.")


@command.command("berakna")
def compute(
    modeller: list[Path] = typer.Argument(..., metavar="MODELLFILER...", help="En eller flera modellfiler (YAML)."),
    demo: bool = DemoOption,
    db: str = DbOption,
    lasar: int | None = LasarOption,
    nuvarande: Path | None = typer.Option(None, "--nuvarande", help="Modellen som gäller nu (för förändring och övergångsgräns)."),
    ut: Path = out_option("likvard-ut/fordelning"),
    format: str = FormatOption,
) -> None:
    """Beräkna varje skolas belopp för en eller flera fördelningsmodeller och jämför dem."""
    from likvard.analyses.allocation import compare_models
    from likvard.cli.common import load_authority
    from likvard.export import check_format
    from likvard.views.allocation import ALLOCATION_LABELS, EQUITY_LABELS, allocation_table
    from likvard.views.suppression import publish
    from likvard.views.table import Table

    check_format(format)
    for path in [*modeller, *([nuvarande] if nuvarande else [])]:
        if not path.exists():
            fail(f"Modellfilen {path} finns inte.")
    data, _ = load_authority(demo, db)
    with console.status("Beräknar beloppen …"):
        res = compare_models(data, modeller, lasar, nuvarande)
    names = dict(zip(data.schools["school_id"].astype(str), data.schools["name"]))
    shown = {name: allocation_table(r, names) for name, r in res.results.items()}
    tables = [publish(Table(f"modell_{k + 1}", name, t, labels=ALLOCATION_LABELS)) for k, (name, t) in enumerate(shown.items())]
    side = None
    for name, r in shown.items():
        part = r[["school_id", "per_student"]].rename(columns={"per_student": f"{name}: belopp per elev (kr)"})
        side = part if side is None else side.merge(part, on="school_id", how="outer")
    if side is not None:
        tables.append(publish(Table("jamforelse", "Belopp per elev i modellerna", side,
                            decimals={c: 0 for c in side.columns if c != "school_id"})))
    write_output(tables, ut, format, stem="fordelning", title="Resursfördelning", names=names,
                 summary={"school_year": res.school_year, "models": res.equity})
    for name, eq in res.equity.items():
        console.print(f"[bold]{name}[/]: budget {eq['budget']:,} kr; {EQUITY_LABELS['concentration_index']} "
                      f"{eq['concentration_index']:.3f}; {EQUITY_LABELS['compensation_ratio']} "
                      f"{eq['compensation_ratio']:.2f}".replace(",", " "))


@command.command("pott")
def pot_variants(
    modell: Path = ModelArgument,
    fran: float = typer.Option(0.0, "--fran", help="Minsta pott (kr)."),
    till: float = typer.Option(1e8, "--till", help="Största pott (kr)."),
    steg: int = typer.Option(21, "--steg", help="Antal varianter."),
    demo: bool = DemoOption,
    db: str = DbOption,
    ut: Path = out_option("likvard-ut/fordelning"),
    format: str = FormatOption,
) -> None:
    """Hur likvärdighetsmåtten ändras med den kompensatoriska pottens storlek."""
    import numpy as np

    from likvard.analyses.allocation import pot_variants as analyse
    from likvard.cli.common import load_authority
    from likvard.export import check_format
    from likvard.views.suppression import publish
    from likvard.views.table import Table

    check_format(format)
    if not modell.exists():
        fail(f"Modellfilen {modell} finns inte.")
    if steg < 2 or fran > till:
        fail("--steg måste vara minst 2 och --fran högst --till.")
    data, _ = load_authority(demo, db)
    table = analyse(data, modell, np.linspace(fran, till, steg))
    write_output([publish(Table("pottvarianter", "Likvärdighetsmått per pottstorlek", table, decimals={"pot": 0, "concentration_index": 3,
                                                                                              "compensation_ratio": 3},
                        labels={"pot": "Pott (kr)", "concentration_index": "Koncentrationsindex",
                                "compensation_ratio": "Kompensationskvot"}))], ut, format, stem="pottvarianter")


@command.command("larare")
def teachers(
    demo: bool = DemoOption,
    db: str = DbOption,
    data: Path | None = typer.Option(None, "--data", help="Mapp med Skolverkets filer (Underlag för analys), i stället för databasen."),
    ut: Path = out_option("likvard-ut/fordelning"),
    format: str = FormatOption,
) -> None:
    """Lärarfördelning mot behov: legitimerade lärare, förstelärare, erfarenhet och omsättning."""
    from likvard.export import check_format
    from likvard.views.suppression import publish
    from likvard.views.table import Table

    check_format(format)
    if data is not None:
        tables = _published_gap(data)
        write_output(tables, ut, format, stem="lararfordelning", title="Legitimerade lärare efter elevsammansättning")
        return
    from likvard.analyses.allocation import teachers as analyse
    from likvard.cli.common import load_authority
    from likvard.views.allocation import TEACHER_LABELS, teacher_table

    registers, _ = load_authority(demo, db)
    res = analyse(registers)
    names = dict(zip(registers.schools["school_id"].astype(str), registers.schools["name"]))
    q = res.gaps["share_certified"]["quintiles"]
    console.print("Andel legitimerade lärare, minst till mest behövande femtedel av eleverna: "
                  + ", ".join(f"{v:.0%}" for v in q))
    write_output([publish(Table("lararfordelning", "Lärarfördelning", teacher_table(res.table, names),
                                        labels=TEACHER_LABELS))], ut, format,
                 stem="lararfordelning", summary={"school_year": res.school_year, **res.gaps})


def _published_gap(data_dir: Path) -> list:
    from likvard.allocation.teachers import certification_by_area_type, published_certification_gap
    from likvard.analyses.dataset import published_files
    from likvard.views.suppression import publish
    from likvard.views.table import Table

    if not data_dir.is_dir():
        fail(f"--data: mappen {data_dir} finns inte.")
    files = published_files(data_dir)
    if files.underlag is None:
        fail(f"Hittade ingen fil 'Underlag för analys' i {data_dir}.")
    gap = published_certification_gap(files.underlag)
    tables = [publish(Table("legitimation_efter_sammansattning", "Legitimerade lärare efter elevsammansättning", gap,
                    labels={"group": "Grupp (1 = mest gynnsam sammansättning)", "share_certified": "Andel legitimerade lärare",
                            "n_units": "Antal skolenheter", "mean_share_post_secondary": "Andel föräldrar med eftergymnasial utbildning",
                            "mean_share_foreign_background": "Andel utländsk bakgrund"}, decimals={"share_certified": 3}))]
    latest = files.composition[files.composition["school_year"] == files.composition["school_year"].max()]
    if "area_type" in latest and latest["area_type"].notna().any():
        by_type = certification_by_area_type(files.underlag, latest)
        tables.append(publish(Table("legitimation_efter_omradestyp", "Legitimerade lärare efter områdestyp", by_type,
                            labels={"area_type": "Socioekonomisk områdestyp (1 = stora utmaningar)",
                                    "n_units": "Antal skolenheter",
                                    "share_certified_unweighted": "Andel legitimerade lärare (medel per skola)",
                                    "share_certified": "Andel legitimerade lärare (elevviktad)"})))
    return tables


@command.command("exempel")
def example(fil: Path = typer.Argument(Path("fordelningsmodell.yaml"), metavar="FIL", help="Fil att skriva.")) -> None:
    """Skriv en exempelmodell (YAML) att utgå från."""
    if fil.exists():
        fail(f"{fil} finns redan; välj ett annat filnamn.")
    shutil.copyfile(EXAMPLES / "socioekonomisk.yaml", fil)
    console.print(f"Exempelmodell skriven till {fil}")

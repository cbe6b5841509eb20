"""``likvard placering``: run and compare placement scenarios, estimate the choice model, explain a
placement (``likvard.analyses.placement``)."""

from __future__ import annotations

from pathlib import Path

import typer

from likvard.cli.common import DbOption, DemoOption, FormatOption, SeedOption, console, fail, out_option, write_output
from likvard.cli.placering_svep import register as register_sweep
from likvard.cli.swedish import app as swedish_app

command = swedish_app("Organisera: simulera skolplacering och skolval i scenarier och jämför dem.")

EXAMPLES = Path(__file__).resolve().parent.parent / "placement" / "examples"
ScenarioArgument = typer.Argument(..., metavar="SCENARIOFIL", help="Scenariofil (YAML); se 'likvard placering exempel'.")


def _registers(demo: bool, db: str, seed: int):
    from likvard.cli.common import load_authority

    return load_authority(demo, db, seed)


def compare_cmd(
    scenariofil: Path = ScenarioArgument,
    demo: bool = DemoOption,
    db: str = DbOption,
    replikat: int | None = typer.Option(None, "--replikat", help="Antal körningar per scenario (ersätter filens)."),
    seed: int = SeedOption,
    spara: bool = typer.Option(False, "--spara", help="Spara jämförelsen i databasen (--db): rapporten och "
                                                       "webbappen visar den senast sparade."),
    ut: Path = out_option("likvard-ut/placering"),
    format: str = FormatOption,
) -> None:
    """Kör scenarierna i en scenariofil och jämför dem sida vid sida (segregation, val, resvägar)."""
    from likvard.analyses.placement import compare_scenarios, read_scenarios, save_comparison
    from likvard.cli.common import progress
    from likvard.export import check_format
    from likvard.views.placement import choice_model_table, placement_tables
    from likvard.views.suppression import publish
    from likvard.views.table import Table

    check_format(format)
    if spara and demo:
        fail("--spara sparar i databasen; kör först 'likvard demo' och sedan med --db exempelstad.db i stället för --demo.")
    sf = read_scenarios(scenariofil)
    data, store = _registers(demo, db, seed)
    n = replikat or sf.n_replications
    with progress() as bar:
        task = bar.add_task("Simulerar placeringar …", total=n * len(sf.raw_scenarios))
        cmp = compare_scenarios(data, sf, replications=n, on_replication=lambda: bar.advance(task))
    tables = placement_tables(cmp)
    if cmp.choice_model is not None:
        tables.append(publish(Table("valmodell", "Skattad valmodell", choice_model_table(cmp.choice_model))))
    write_output(tables, ut, format, stem="placering", title=f"Placeringsscenarier ({cmp.source})",
                 summary={"source": cmp.source, "school_year": cmp.school_year, "grade": cmp.grade,
                          "replications": cmp.replications, "seed": cmp.seed, "scenarios": cmp.scenarios, "fit": cmp.fit})
    _print_comparison(cmp)
    if spara:
        save_comparison(store, cmp)
        console.print(f"Jämförelsen är sparad i {db}; 'likvard rapport --db {db}' visar den.")


def _print_comparison(cmp) -> None:
    from rich.table import Table as RichTable

    from likvard.views.placement import MEASURE_LABELS

    def sv(x: float) -> str:
        return "" if x != x else f"{x:.3g}".replace(".", ",")

    table = RichTable(title="Scenarier sida vid sida (medel och 95 %-intervall)")
    table.add_column("Mått")
    table.add_column("Närmaste skola", justify="right")
    for name in cmp.scenarios:
        table.add_column(name, justify="right")
    for row in cmp.measures.to_dict("records"):
        cells = [MEASURE_LABELS.get(row["measure"], row["measure"]), sv(row["residential"])]
        cells += [f"{sv(row[n])}\n({sv(row[n + ' low'])}–{sv(row[n + ' high'])})" for n in cmp.scenarios]
        table.add_row(*cells)
    console.print(table)


command.command("jamfor")(compare_cmd)
command.command("kor", hidden=True)(compare_cmd)  # the first version's name
register_sweep(command)


@command.command("valmodell")
def choice_model(
    demo: bool = DemoOption,
    db: str = DbOption,
    arskurs: int = typer.Option(0, "--arskurs", help="Årskursen som söks (0 = förskoleklass, 7)."),
    seed: int = SeedOption,
) -> None:
    """Skatta hur familjer rangordnar skolor (rangordnad logit) och visa anpassningen."""
    from likvard.placement.choice_model import estimate_from_tables
    from likvard.views.placement import choice_model_table

    data, _ = _registers(demo, db, seed)
    if data.choices.empty:
        fail("Underlaget saknar skolval (choices). Importera med 'likvard import choices FIL'.")
    with console.status("Skattar valmodellen …"):
        fit = estimate_from_tables(data.schools, data.students, data.choices, arskurs)
    params = fit.params.copy()
    truth = getattr(data, "truth", None)
    if isinstance(truth, dict) and "choice_parameters" in truth:
        params["true"] = params["feature"].map(truth["choice_parameters"])
    console.print(choice_model_table(params).to_string(index=False))
    console.print(f"Familjer: {fit.n_families}, log-likelihood {fit.log_likelihood:.1f} (nollmodell "
                  f"{fit.log_likelihood_null:.1f}), McFaddens pseudo-R² {fit.mcfadden_r2:.3f}, förstahandsval rätt "
                  f"förutsagt för {fit.hit_rate:.1%}.")


@command.command("forklara")
def explain_cmd(
    scenariofil: Path = ScenarioArgument,
    elev: str = typer.Argument(..., metavar="ELEV", help="Elevens (pseudonyma) id."),
    scenario: str | None = typer.Option(None, "--scenario", help="Scenariots namn (förval: det första)."),
    korning: int = typer.Option(0, "--korning", help="Vilken körning (lottning) som förklaras."),
    demo: bool = DemoOption,
    db: str = DbOption,
    seed: int = SeedOption,
) -> None:
    """Förklara varför en elev fick den skola hen fick i ett scenario, och vilka val som är familjens
    verkliga och vilka som är simulerade."""
    from likvard.analyses.placement import explain_student, read_scenarios

    sf = read_scenarios(scenariofil)
    data, _ = _registers(demo, db, seed)
    typer.echo(explain_student(data, sf, elev, scenario, korning))


@command.command("exempel")
def example(fil: Path = typer.Argument(Path("scenarier.yaml"), metavar="FIL", help="Fil att skriva.")) -> None:
    """Skriv en exempelscenariofil att utgå från."""
    src = EXAMPLES / "exempelstad_stang_skola.yaml"
    if fil.exists():
        fail(f"{fil} finns redan; välj ett annat filnamn.")
    fil.write_text(src.read_text(encoding="utf-8"), encoding="utf-8")
    console.print(f"Skrev {fil}")

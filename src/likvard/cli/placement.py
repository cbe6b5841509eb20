"""``likvard placement``: run placement scenarios, estimate the choice model, explain a placement."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import typer

from likvard.cli.common import console, fail, progress

app = typer.Typer(
    help="Organisera: simulera skolplacering och skolval i scenarier (stänga/öppna skolor, urvalsgrunder, busskort).",
    no_args_is_help=True,
)

EXAMPLES = Path(__file__).resolve().parent.parent / "placement" / "examples"


def _load(exempelstad: bool, db: str | None, seed: int):
    if exempelstad or db is None:
        from likvard.demo import generate_exempelstad

        with console.status("Skapar Exempelstad …"):
            return generate_exempelstad(seed=seed)
    from likvard.store import open_store

    if not Path(db).exists() and "://" not in str(db):
        fail(f"Databasen {db} finns inte. Kör 'likvard demo' eller 'likvard import' först.")
    return open_store(db).load()


def _read(scenario_file: Path):
    from likvard.placement.scenario_file import ScenarioFileError, read_scenario_file

    try:
        return read_scenario_file(scenario_file)
    except ScenarioFileError as exc:
        fail(str(exc))


def _write_excel(path: Path, sheets: dict[str, pd.DataFrame]) -> None:
    tmp = path.with_suffix(".tmp.xlsx")
    with pd.ExcelWriter(tmp, engine="openpyxl") as xl:
        for name, df in sheets.items():
            df.to_excel(xl, sheet_name=name[:31], index=False)
    tmp.replace(path)


def _to_csv(df: pd.DataFrame, path: Path) -> None:
    """Semicolon CSV with decimal comma, also in columns that mix numbers and '..'."""
    out = df.copy()
    for c in out.columns:
        if out[c].dtype == object:
            out[c] = [
                ("" if not np.isfinite(v) else str(round(float(v), 4)).replace(".", ","))
                if isinstance(v, float | np.floating) else v
                for v in out[c]
            ]
    out.to_csv(path, index=False, sep=";", decimal=",")


def _fit_table(fit, truth: dict | None = None) -> pd.DataFrame:
    from likvard.views.placement import choice_model_table

    params = fit.params.copy()
    if truth:
        params["true"] = params["feature"].map(truth)
    return choice_model_table(params)


@app.command("kor")
def run(
    scenario_file: Path = typer.Argument(..., help="Scenariofil (YAML), se likvard placement exempel."),
    exempelstad: bool = typer.Option(False, "--exempelstad", help="Kör på demokommunen Exempelstad."),
    db: str = typer.Option(None, "--db", help="Databas med importerade data."),
    out: Path = typer.Option(Path("likvard-ut/placering"), "--ut", help="Mapp för tabeller och sammanfattning."),
    replications: int = typer.Option(None, "--replikeringar", help="Antal körningar per scenario (ersätter filens)."),
    seed: int = typer.Option(2026, "--demo-fro", help="Slumpfrö för Exempelstad."),
) -> None:
    """Kör scenarierna i en scenariofil och skriv jämförelsetabeller (CSV, Excel) och en JSON-sammanfattning."""
    from likvard.placement.scenario_file import ScenarioFileError
    from likvard.placement.simulate import compare, run_scenarios
    from likvard.views.placement import comparison_table, school_table

    sf = _read(scenario_file)
    data = _load(exempelstad, db, seed)
    n = replications or sf.n_replications
    total = n * len(sf.raw_scenarios)
    try:
        with progress() as bar:
            task = bar.add_task("Simulerar placeringar …", total=total)
            results, fit = run_scenarios(data, sf, on_replication=lambda: bar.advance(task), n_replications=n)
    except ScenarioFileError as exc:
        fail(str(exc))
    except (ValueError, NotImplementedError) as exc:
        fail(f"{scenario_file}: {exc}")
    out.mkdir(parents=True, exist_ok=True)
    comparison = comparison_table(compare(results), [r.scenario for r in results])
    schools = school_table(pd.concat([r.schools for r in results], ignore_index=True))
    _to_csv(comparison, out / "jamforelse.csv")
    _to_csv(schools, out / "skolor.csv")
    sheets = {"Jämförelse": comparison, "Skolor": schools}
    truth = getattr(data, "truth", None)
    if fit is not None:
        table = _fit_table(fit, truth.get("choice_parameters") if isinstance(truth, dict) else None)
        _to_csv(table, out / "valmodell.csv")
        sheets["Valmodell"] = table
    _write_excel(out / "placering.xlsx", sheets)
    summary = {
        "scenariofil": scenario_file.name,
        "läsår": int(results[0].market.school_year),
        "årskurs": int(results[0].market.grade),
        "replikeringar": n,
        "frö": sf.seed,
        "scenarier": {
            r.scenario: {
                row["measure"]: {"medel": row["mean"], "nedre": row["low"], "övre": row["high"]}
                for row in r.summary.to_dict("records")
            }
            for r in results
        },
        "boende_närmaste_skola": {row["measure"]: row["residential"] for row in results[0].summary.to_dict("records")
                                  if np.isfinite(row["residential"])},
    }
    if fit is not None:
        summary["valmodell"] = {
            "parametrar": {p["feature"]: {"skattning": p["estimate"], "medelfel": p["std_error"]} for p in fit.params.to_dict("records")},
            "loglikelihood": fit.log_likelihood,
            "mcfadden_r2": fit.mcfadden_r2,
            "träffsäkerhet_förstahandsval": fit.hit_rate,
            "antal_familjer": fit.n_families,
        }
    (out / "sammanfattning.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
    _print_comparison(comparison, [r.scenario for r in results])
    console.print(f"[bold green]Klart.[/] Tabeller i {out}")


def _print_comparison(comparison: pd.DataFrame, scenarios: list[str]) -> None:
    from rich.table import Table

    table = Table(title="Scenarier sida vid sida (medel och 90 %-intervall)")
    table.add_column("Mått")
    table.add_column("Närmaste skola", justify="right")
    for name in scenarios:
        table.add_column(name, justify="right")
    for row in comparison.to_dict("records"):
        cells = [row["Mått"], row["Om alla gick i närmaste skola"]]
        cells += [f"{row[n]}\n({row[n + ' (90 %-intervall)']})" for n in scenarios]
        table.add_row(*cells)
    console.print(table)


@app.command("valmodell")
def choice_model(
    exempelstad: bool = typer.Option(False, "--exempelstad", help="Skatta på demokommunen Exempelstad."),
    db: str = typer.Option(None, "--db", help="Databas med importerade data."),
    grade: int = typer.Option(0, "--arskurs", help="Årskursen som söks (0 = förskoleklass, 7)."),
    seed: int = typer.Option(2026, "--demo-fro", help="Slumpfrö för Exempelstad."),
) -> None:
    """Skatta hur familjer rangordnar skolor (rangordnad logit) och visa anpassningen."""
    from likvard.placement.choice_model import estimate_from_tables

    data = _load(exempelstad, db, seed)
    if data.choices.empty:
        fail("Underlaget saknar skolval (choices). Importera med 'likvard import choices FIL'.")
    try:
        with console.status("Skattar valmodellen …"):
            fit = estimate_from_tables(data.schools, data.students, data.choices, grade)
    except ValueError as exc:
        fail(str(exc))
    truth = getattr(data, "truth", None)
    console.print(_fit_table(fit, truth.get("choice_parameters") if isinstance(truth, dict) else None).to_string(index=False))
    console.print(
        f"Familjer: {fit.n_families}, log-likelihood {fit.log_likelihood:.1f} (nollmodell {fit.log_likelihood_null:.1f}), "
        f"McFaddens pseudo-R² {fit.mcfadden_r2:.3f}, förstahandsval rätt förutsagt för {fit.hit_rate:.1%}."
    )


@app.command("forklara")
def explain_cmd(
    scenario_file: Path = typer.Argument(..., help="Scenariofil (YAML)."),
    student_id: str = typer.Argument(..., help="Elevens (pseudonyma) id."),
    scenario: str = typer.Option(None, "--scenario", help="Scenariots namn (förvalt: det första)."),
    exempelstad: bool = typer.Option(False, "--exempelstad"),
    db: str = typer.Option(None, "--db"),
    replication: int = typer.Option(0, "--korning", help="Vilken körning (lottning) som förklaras."),
    seed: int = typer.Option(2026, "--demo-fro"),
) -> None:
    """Förklara på svenska varför en elev fick den skola hen fick i ett scenario."""
    from likvard.placement.choice_model import estimate_from_tables
    from likvard.placement.explain import explain
    from likvard.placement.scenario_file import ScenarioFileError
    from likvard.placement.scenarios import apply_scenario, build_market
    from likvard.placement.simulate import place_once, prepare

    sf = _read(scenario_file)
    data = _load(exempelstad, db, seed)
    try:
        year = sf.school_year or int(data.students[data.students["grade"].astype(int) == sf.grade]["school_year"].max())
        market = build_market(data.schools, data.students, data.choices, year, sf.grade)
        scenarios = sf.scenarios_for(market)
        chosen = scenarios[0] if scenario is None else next((s for s in scenarios if s.name == scenario), None)
        if chosen is None:
            fail(f"Scenariot '{scenario}' finns inte i {scenario_file}; finns: {', '.join(s.name for s in scenarios)}")
        beta = sf.choice_model if isinstance(sf.choice_model, dict) else None
        if sf.choice_model == "skattad":
            beta = estimate_from_tables(data.schools, data.students, data.choices, sf.grade).beta
        prep = prepare(apply_scenario(market, chosen), beta)
        pl = place_once(prep, np.random.default_rng([sf.seed, replication]))
        typer.echo(explain(prep, pl, student_id))
    except ScenarioFileError as exc:
        fail(str(exc))
    except ValueError as exc:
        fail(str(exc))


@app.command("exempel")
def example(out: Path = typer.Argument(Path("scenarier.yaml"), help="Fil att skriva.")) -> None:
    """Skriv en exempelscenariofil att utgå från."""
    src = EXAMPLES / "exempelstad_stang_skola.yaml"
    if not src.exists():
        fail("Exempelfilerna saknas i denna installation.")
    out.write_text(src.read_text(encoding="utf-8"), encoding="utf-8")
    console.print(f"Skrev {out}")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="placement")

"""``likvard expected``: expected results from background composition."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import typer

from likvard.cli.common import console, fail, load_authority

app = typer.Typer(help="Förväntade resultat och behov.", no_args_is_help=True)


@app.command("salsa")
def salsa(
    data: Path = typer.Option(..., "--data", help="Mapp med Skolverkets filer (som ../shared/data/real)."),
    fit_year: int = typer.Option(2023, "--fit-year", help="Läsår modellen skattas på (höstterminens år)."),
    year: int = typer.Option(2024, "--year", help="Läsår modellen tillämpas på."),
    out: Path = typer.Option(Path("forvantade_resultat.csv"), "--out", help="CSV-fil att skriva."),
    form: str = typer.Option("likvard", "--form", help="Modellform: likvard eller salsa."),
) -> None:
    """Förväntat meritvärde per skolenhet ur elevsammansättningen, skattat på ett läsår och
    tillämpat på ett annat; jämförs med SALSA när Skolverkets SALSA-värden finns."""
    from likvard.expected.school_level import composition_features, expected_results, fit_school_model, r_squared
    from likvard.sources.skolverket import SourceFileError, read_composition_series, read_skolkarta

    try:
        with console.status("Läser Skolverkets filer …"):
            comp = read_composition_series(data)
            karta_files = sorted(data.rglob("skolkarta_grundskolor_ak9_*.csv"))
            if not karta_files:
                fail(f"Hittade ingen fil med meritvärden per skolenhet (skolkarta_grundskolor_ak9_*.csv) i {data}.")
            karta = read_skolkarta(karta_files[-1]).set_index("school_id")
    except SourceFileError as exc:
        fail(str(exc))
    for y in (fit_year, year):
        if f"merit_value_{y}" not in karta:
            fail(f"Meritvärden för läsåret {y}/{(y + 1) % 100:02d} saknas i {karta_files[-1].name}.")
        if not (comp["school_year"] == y).any():
            fail(f"Elevsammansättning för läsåret {y}/{(y + 1) % 100:02d} saknas i {data}.")
    model = fit_school_model(composition_features(comp, fit_year), karta[f"merit_value_{fit_year}"], form)
    table = expected_results(model, composition_features(comp, year), karta[f"merit_value_{year}"])
    tmp = out.with_suffix(".tmp")
    table.to_csv(tmp, index=False)
    tmp.replace(out)
    summary = {
        "form": form, "fit_year": fit_year, "year": year, "n_schools_fit": model.n_schools,
        "n_schools": int(len(table)), "r2_in_sample": model.r2,
        "r2_out_of_sample": r_squared(table["actual"], table["expected"]),
        "coefficients": model.params.to_dict(),
    }
    if year == 2024 and {"salsa_actual", "salsa_expected"} <= set(karta.columns):
        both = table.join(karta[["salsa_actual", "salsa_expected"]], on="school_id").dropna()
        summary["salsa"] = {
            "n_schools": int(len(both)),
            "r2_salsa_in_sample": r_squared(both["salsa_actual"], both["salsa_expected"]),
            "r2_likvard_out_of_sample": r_squared(both["salsa_actual"], both["expected"]),
            "correlation_expected": float(np.corrcoef(both["expected"], both["salsa_expected"])[0, 1]),
        }
    out.with_suffix(".json").write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
    console.print(
        f"{len(table)} skolenheter; R² utanför skattningsåret {summary['r2_out_of_sample']:.3f}"
        + (f" (SALSA:s egen R² {summary['salsa']['r2_salsa_in_sample']:.3f})" if "salsa" in summary else "")
    )
    console.print(f"Skrev {out} och {out.with_suffix('.json')}")


@app.command("skoleffekter")
def school_effects(
    demo: bool = typer.Option(False, "--demo", help="Använd demokommunen Exempelstad."),
    db: str = typer.Option(None, "--db", help="Databas med importerade register."),
    out: Path = typer.Option(Path("likvard-ut/forvantade"), "--ut", help="Mapp för tabeller."),
) -> None:
    """Skoleffekter över flera år med osäkerhet, behovsindex och skolor som lyckas trots utmaningar."""
    import pandas as pd

    from likvard.expected import need_index
    from likvard.expected.shrinkage import pooled_school_effects, student_residuals, yearly_deviations
    from likvard.expected.succeed import schools_succeeding
    from likvard.privacy import suppress

    data = load_authority(demo, db)
    try:
        with console.status("Skattar skoleffekter …"):
            res = student_residuals(data.students)
            effects = pooled_school_effects(res)
            yearly = yearly_deviations(res)
            need = need_index(data.students)
    except ValueError as exc:
        fail(str(exc))
    listed = schools_succeeding(effects, need)
    names = dict(zip(data.schools["school_id"].astype(str), data.schools["name"]))
    out.mkdir(parents=True, exist_ok=True)
    eff_shown = suppress(effects, "n_students", ["raw_effect", "effect", "low", "high", "prob_above"])
    year_shown = suppress(yearly, "n_students", ["deviation", "se"])
    need_shown = suppress(need, "n_students", ["mean_risk", "need_index", "need_index_low", "need_index_high"])
    labels = {
        "school_id": "Skolenhetskod", "n_students": "Antal elever", "n_years": "Antal läsår",
        "raw_effect": "Avvikelse (rå, meritpoäng)", "raw_se": "Medelfel (rå)", "shrinkage": "Krympning",
        "effect": "Skoleffekt (meritpoäng)", "se": "Medelfel", "low": "Nedre gräns (90 %)",
        "high": "Övre gräns (90 %)", "prob_above": "Sannolikhet över förväntan", "school_year": "Läsår",
        "deviation": "Avvikelse (meritpoäng)", "shown": "Visas", "mean_risk": "Medelrisk att inte bli behörig",
        "need_index": "Behovsindex", "need_index_low": "Behovsindex, nedre gräns",
        "need_index_high": "Behovsindex, övre gräns",
    }
    tmp = out / "forvantade.tmp.xlsx"
    with pd.ExcelWriter(tmp, engine="openpyxl") as xl:
        for sheet, df in (("Skoleffekter", eff_shown), ("Per läsår", year_shown), ("Behovsindex", need_shown),
                          ("Lyckas trots utmaningar", listed)):
            df = df.copy()
            df.insert(1, "Skola", df["school_id"].map(names))
            df.rename(columns=labels).to_excel(xl, sheet_name=sheet, index=False)
    tmp.replace(out / "forvantade.xlsx")
    summary = {
        "n_schools": int(len(effects)), "between_school_variance": effects.attrs.get("tau2"),
        "within_school_variance": effects.attrs.get("sigma2"),
        "schools_succeeding": [{"school_id": s, "name": names.get(s, "")} for s in listed["school_id"]],
    }
    (out / "forvantade.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
    console.print(f"{len(effects)} skolor med årskurs 9; {len(listed)} lyckas trots utmaningar. Tabeller: {out}")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="expected")

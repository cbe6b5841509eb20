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
    from likvard.expected.school_level import (
        composition_features,
        expected_results,
        fit_school_model,
        r_squared,
    )
    from likvard.sources.skolverket import (
        SourceFileError,
        read_composition_series,
        read_skolkarta,
    )

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
    model = fit_school_model(composition_features(comp, fit_year), karta[f"merit_value_{fit_year}"], form=form)
    table = expected_results(model, composition_features(comp, year), karta[f"merit_value_{year}"])
    _write_csv(table, out)
    summary = {
        "form": form, "fit_year": fit_year, "year": year, "n_schools_fit": model.n_schools,
        "n_schools": len(table), "r2_in_sample": model.r2,
        "r2_out_of_sample": r_squared(table["actual"], table["expected"]),
        "coefficients": model.params.to_dict(),
    }
    if year == 2024 and {"salsa_actual", "salsa_expected"} <= set(karta.columns):
        both = table.join(karta[["salsa_actual", "salsa_expected"]], on="school_id").dropna()
        summary["salsa"] = {
            "n_schools": len(both),
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
    student_level: bool = typer.Option(False, "--elevniva",
                                       help="Skriv även förväntat meritvärde och behörighet per elev "
                                            "(pseudonymiserat, endast för internt bruk)."),
) -> None:
    """Skoleffekter över flera år med osäkerhet, variation mellan skolor och sammansättningseffekt,
    behovsindex (och var behovsmåtten skiljer sig) och skolor som lyckas trots utmaningar."""
    import pandas as pd

    from likvard.expected import need_index
    from likvard.expected import student_level as sl
    from likvard.expected.need_published import authority_need_measures
    from likvard.expected.shrinkage import (
        pooled_school_effects,
        student_residuals,
        yearly_deviations,
    )
    from likvard.expected.succeed import schools_succeeding
    from likvard.privacy import suppress
    from likvard.views.expected import EFFECT_VALUES, EXPECTED_LABELS, variance_table

    data = load_authority(demo, db)
    try:
        with console.status("Skattar skoleffekter …"):
            res = student_residuals(data.students)
            effects = pooled_school_effects(res)
            yearly = yearly_deviations(res)
            need = need_index(data.students)
            variance = sl.variance_between_schools(data.students)
            composition = sl.composition_effect(data.students)
            by_year = sl.composition_by_year(data.students)
            per_student = sl.student_expected(data.students) if student_level else None
    except ValueError as exc:
        fail(str(exc))
    measures = authority_need_measures(data.students, getattr(data, "areas", None), need)
    listed = schools_succeeding(effects, need)
    names = dict(zip(data.schools["school_id"].astype(str), data.schools["name"]))
    out.mkdir(parents=True, exist_ok=True)
    eff_shown = suppress(effects, "n_students", EFFECT_VALUES)
    year_shown = suppress(yearly, "n_students", ["deviation", "se"])
    need_shown = suppress(need, "n_students", ["mean_risk", "need_index", "need_index_low", "need_index_high"])
    labels = EXPECTED_LABELS
    variance = variance_table(variance)
    tmp = out / "forvantade.tmp.xlsx"
    with pd.ExcelWriter(tmp, engine="openpyxl") as xl:
        for sheet, df in (("Skoleffekter", eff_shown), ("Per läsår", year_shown), ("Behovsindex", need_shown),
                          ("Behovsmått", measures), ("Lyckas trots utmaningar", listed)):
            df = df.copy()
            df.insert(1, "Skola", df["school_id"].map(names))
            df.rename(columns=labels).to_excel(xl, sheet_name=sheet, index=False)
        variance.rename(columns=labels).to_excel(xl, sheet_name="Variation mellan skolor", index=False)
        by_year.rename(columns=labels).to_excel(xl, sheet_name="Sammansättningseffekt", index=False)
    tmp.replace(out / "forvantade.xlsx")
    if per_student is not None:
        _write_csv(per_student, out / "elever_forvantat.csv")
    summary = {
        "n_schools": len(effects), "between_school_variance": effects.attrs.get("tau2"),
        "within_school_variance": effects.attrs.get("sigma2"),
        "variance_between_schools": variance.to_dict(orient="records"),
        "composition_effect": composition,
        "composition_effect_by_year": by_year.to_dict(orient="records"),
        "need_measures_disagreeing": [str(s) for s in measures.loc[measures["disagrees"], "school_id"]],
        "schools_succeeding": [{"school_id": s, "name": names.get(s, "")} for s in listed["school_id"]],
    }
    (out / "forvantade.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
    icc = variance.set_index("model")["icc"]
    console.print(f"{len(effects)} skolor med årskurs 9; {len(listed)} lyckas trots utmaningar. "
                  f"Andel av variationen i meritvärde mellan skolor: {icc.iloc[0]:.1%} "
                  f"({icc.iloc[1]:.1%} givet egen bakgrund). Tabeller: {out}")


def _write_csv(table, out: Path) -> None:
    """Write ``table`` to ``out`` whole or not at all (temporary file, then rename)."""
    tmp = out.with_suffix(".tmp")
    table.to_csv(tmp, index=False)
    tmp.replace(out)


def _grade9_outcomes(data: Path, year: int, comp):
    """Per school unit of ``year``: merit_value, share_eligible, share_all_subjects, n_students
    (grade 9), from Skolverket's Slutbetyg export of the year, else from the school map's series."""
    import pandas as pd

    from likvard.sources.skolverket import read_grade9_results, read_skolkarta

    for f in sorted(data.rglob("Grundskola - Slutbetyg årskurs 9*Skolenhet.csv")):
        res = read_grade9_results(f)
        if (res["school_year"] == year).all():
            return res.drop_duplicates("school_id").set_index("school_id"), f.name
    for f in sorted(data.rglob("skolkarta_grundskolor_ak9_*.csv")):
        k = read_skolkarta(f).drop_duplicates("school_id").set_index("school_id")
        if f"merit_value_{year}" in k:
            n9 = comp[comp["school_year"] == year].drop_duplicates("school_id").set_index("school_id")
            out = pd.DataFrame({"merit_value": k[f"merit_value_{year}"],
                                "share_eligible": k.get(f"share_eligible_{year}"),
                                "n_students": n9["students_grade_9"].reindex(k.index)})
            return out, f.name
    fail(f"Hittade inga resultat för årskurs 9 läsåret {year}/{(year + 1) % 100:02d} i {data} "
         "(Slutbetyg årskurs 9 per skolenhet eller skolkarta_grundskolor_ak9_*.csv).")


@app.command("skolor")
def schools(
    data: Path = typer.Option(..., "--data", help="Mapp med Skolverkets filer (som ../shared/data/real)."),
    year: int = typer.Option(2024, "--year", help="Läsår (höstterminens år)."),
    out: Path = typer.Option(Path("forvantade_skolor.csv"), "--out", help="CSV-fil att skriva."),
    folds: int = typer.Option(10, "--folds", help="Antal delar vid korsanpassning."),
) -> None:
    """Förväntat meritvärde, andel behöriga och andel med godkänt i alla ämnen per skolenhet ur
    elevsammansättningen; varje skolas förväntade värde kommer från en modell skattad på de andra
    skolorna samma läsår (korsanpassning)."""
    import pandas as pd

    from likvard.expected.school_level import (
        composition_features,
        cross_fitted,
        r_squared,
    )
    from likvard.sources.skolverket import SourceFileError, read_composition_series

    try:
        with console.status("Läser Skolverkets filer …"):
            comp = read_composition_series(data)
            res, source = _grade9_outcomes(data, year, comp)
    except SourceFileError as exc:
        fail(str(exc))
    if not (comp["school_year"] == year).any():
        fail(f"Elevsammansättning för läsåret {year}/{(year + 1) % 100:02d} saknas i {data}.")
    feats = composition_features(comp, year)
    tables, summary = [], {"year": year, "source": source, "folds": folds, "outcomes": {}}
    for col in ("merit_value", "share_eligible", "share_all_subjects"):
        if col not in res or res[col].notna().sum() < 50:
            continue
        cf = cross_fitted(feats, res[col], None if col == "merit_value" else res["n_students"], folds=folds)
        z = cf["deviation"] / cf["se"]
        summary["outcomes"][col] = {"n_schools": len(cf), "r2_cross_fitted": r_squared(cf["actual"], cf["expected"]),
                                    "sd_of_deviation_over_se": float(z.std()),
                                    "reliably_above": int((cf["reliably"] == "över").sum()),
                                    "reliably_below": int((cf["reliably"] == "under").sum())}
        tables.append(cf.set_index("school_id").add_prefix(f"{col}_"))
    table = pd.concat(tables, axis=1).reset_index()
    _write_csv(table, out)
    out.with_suffix(".json").write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
    for col, v in summary["outcomes"].items():
        console.print(f"{col}: {v['n_schools']} skolenheter, R² {v['r2_cross_fitted']:.3f}, "
                      f"{v['reliably_above']} tydligt över och {v['reliably_below']} tydligt under förväntan")
    console.print(f"Skrev {out} och {out.with_suffix('.json')}")


@app.command("behov")
def need_published(
    data: Path = typer.Option(..., "--data", help="Mapp med Skolverkets filer (som ../shared/data/real)."),
    year: int = typer.Option(2024, "--year", help="Läsår indexet gäller (höstterminens år)."),
    fit_year: int = typer.Option(None, "--fit-year", help="Läsår modellen skattas på (standard: --year)."),
    out: Path = typer.Option(Path("behov_skolenheter.csv"), "--out", help="CSV-fil att skriva."),
    threshold: float = typer.Option(40.0, "--grans", help="Skillnad i percentilrang som räknas som oenighet."),
) -> None:
    """Behovsindex för varje skolenhet ur elevsammansättningen (medel 100, 90 % intervall), jämfört
    med områdestyp, föräldrarnas utbildning och SALSA:s föräldraindex: var säger måtten olika?"""
    import pandas as pd

    from likvard.expected.need_published import (
        composition_need_index,
        need_disagreement,
        rank_correlations,
    )
    from likvard.sources.skolverket import (
        SourceFileError,
        read_composition_series,
        read_skolkarta,
    )

    fit_year = year if fit_year is None else fit_year
    try:
        with console.status("Läser Skolverkets filer …"):
            comp = read_composition_series(data)
            res, _ = _grade9_outcomes(data, fit_year, comp)
            karta = [read_skolkarta(f) for f in sorted(data.rglob("skolkarta_grundskolor_ak9_*.csv"))]
    except SourceFileError as exc:
        fail(str(exc))
    if "share_eligible" not in res or res["share_eligible"].notna().sum() < 50:
        fail(f"Andel behöriga per skolenhet saknas för läsåret {fit_year}/{(fit_year + 1) % 100:02d}.")
    need = composition_need_index(comp, res, fit_year, year).set_index("school_id")
    this = comp[comp["school_year"] == year].drop_duplicates("school_id").set_index("school_id")
    measures = pd.DataFrame({"need_index": need["need_index"],
                             "share_not_post_secondary": 1 - this["share_post_secondary"].reindex(need.index)})
    higher = {"need_index": True, "share_not_post_secondary": True}
    area = comp.dropna(subset=["area_type"]).sort_values("school_year").drop_duplicates("school_id", keep="last")
    if len(area):
        measures["area_type"] = area.set_index("school_id")["area_type"].reindex(need.index)
        higher["area_type"] = False
    if karta:
        k = karta[-1].drop_duplicates("school_id").set_index("school_id")
        measures["salsa_parents"] = k["salsa_parents"].reindex(need.index)
        higher["salsa_parents"] = False
    dis = need_disagreement(measures, higher, threshold=threshold)
    table = need.join(dis.drop(columns=["need_index"])).reset_index()
    _write_csv(table, out)
    corr = rank_correlations(measures, higher)
    summary = {"year": year, "fit_year": fit_year, "n_units": len(table),
               "n_disagreeing": int(dis["disagrees"].sum()), "threshold": threshold,
               "rank_correlations": corr.round(4).to_dict()}
    out.with_suffix(".json").write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
    console.print(f"{len(table)} skolenheter; behovsmåtten skiljer sig med minst {threshold:.0f} percentilenheter "
                  f"för {summary['n_disagreeing']}. Skrev {out} och {out.with_suffix('.json')}")


@app.command("omradestyp")
def area_type(
    file: Path = typer.Argument(..., help="SCB:s underlag per RegSO (tre andelar; som stockholm_socioekonomiskt_2024.csv)."),
    mean: float = typer.Option(None, "--medel", help="Rikets medelvärde av indexet (standard: områdenas eget)."),
    sd: float = typer.Option(None, "--sd", help="Rikets standardavvikelse av indexet (standard: områdenas egen)."),
    out: Path = typer.Option(Path("omradestyper.csv"), "--out", help="CSV-fil att skriva."),
) -> None:
    """SCB:s socioekonomiska index (medel av tre andelar) och områdestyp 1–5 per RegSO."""
    import numpy as np

    from likvard.expected.area_type import area_type_table, reference_from_types
    from likvard.sources.skolverket.scb import read_stockholm_socioeconomic

    try:
        areas = read_stockholm_socioeconomic(file)
    except (KeyError, ValueError) as exc:
        fail(f"{file}: kunde inte läsa SCB:s andelar ({exc}).")
    table = area_type_table(areas, mean=mean, sd=sd)
    if areas["area_type"].notna().any():
        ref = reference_from_types(table["socioeconomic_index_calc"], areas["area_type"])
        if ref["feasible"]:
            console.print(f"Publicerade områdestyper stämmer med riksmedel {ref['mean'][0]:.2f}–{ref['mean'][1]:.2f} "
                          f"och standardavvikelse {ref['sd'][0]:.2f}–{ref['sd'][1]:.2f}.")
        agree = float(np.mean(table["area_type_calc"] == areas["area_type"]))
        console.print(f"Beräknad områdestyp lika med publicerad för {agree:.0%} av områdena.")
    _write_csv(table, out)
    console.print(f"Skrev {out}")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="expected")

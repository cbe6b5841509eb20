"""``likvard forvantat``: expected results, school effects and the need index."""

from __future__ import annotations

from pathlib import Path

import typer

from likvard.cli.common import (
    DataOption,
    DbOption,
    DemoOption,
    FormatOption,
    KommunOption,
    NivaOption,
    ReplikatOption,
    SeedOption,
    console,
    fail,
    out_option,
    settings_from,
    write_output,
)
from likvard.cli.swedish import app as swedish_app

DEFAULT_LEVEL = NivaOption.default

command = swedish_app("Förväntade resultat, skoleffekter och behovsindex.")


@command.command("skoleffekter")
def school_effects(
    demo: bool = DemoOption,
    db: str = DbOption,
    niva: float = NivaOption,
    replikat: int = ReplikatOption,
    seed: int = SeedOption,
    ut: Path = out_option("likvard-ut/forvantat"),
    format: str = FormatOption,
    elevniva: bool = typer.Option(False, "--elevniva", help="Skriv även förväntat meritvärde per elev "
                                                             "(pseudonymiserat, endast för internt bruk)."),
) -> None:
    """Skoleffekter över flera år med osäkerhet, variation mellan skolor och sammansättningseffekt,
    och skolor som lyckas trots utmaningar (ur egna elevregister)."""
    from likvard.analyses.expected import school_effects as analyse
    from likvard.analyses.need import need
    from likvard.cli.common import load_dataset
    from likvard.export import check_format
    from likvard.views.expected import effect_tables
    from likvard.views.need import need_table
    from likvard.views.suppression import publish
    from likvard.views.table import Table

    check_format(format)
    settings = settings_from(niva, replikat, seed)
    ds, _ = load_dataset(demo, db, None, None)
    with console.status("Skattar skoleffekter …"):
        n = need(ds, settings)
        res = analyse(ds, settings, n.table if n is not None else None)
    tables = effect_tables(res, ds, settings)
    if n is not None:
        from likvard.views.need import measures_table

        tables.append(need_table(n, ds, settings))
        measures = measures_table(n, ds, settings)
        if measures is not None:
            tables.append(measures)
    tables.append(publish(Table("sammansattningseffekt", "Sammansättningseffekt per läsår", res.composition_by_year)))
    if elevniva and ds.data is not None:
        from likvard.expected.student_level import student_expected

        tables.append(publish(Table("elever_forvantat", "Förväntat meritvärde och behörighet per elev (internt)",
                            student_expected(ds.data.students))))
    icc = res.variance.set_index("model")["icc"]
    summary = {"n_schools": len(res.effects), "between_school_variance": res.tau2, "within_school_variance": res.sigma2,
               "level": settings.level, "n_above": res.n_above, "n_below": res.n_below,
               "composition_effect": res.composition,
               "schools_succeeding": [str(s) for s in res.succeeding["school_id"]]}
    write_output(tables, ut, format, stem="forvantat", title=f"Skoleffekter {ds.name}", names=ds.names(), summary=summary)
    console.print(f"{len(res.effects)} skolor med årskurs 9: {res.n_above} tydligt över och {res.n_below} tydligt under "
                  f"förväntan; {len(res.succeeding)} lyckas trots utmaningar. Andel av variationen i meritvärde "
                  f"mellan skolor: {icc.iloc[0]:.1%} ({icc.iloc[1]:.1%} givet egen bakgrund).".replace(".", ","))


@command.command("skolor")
def schools(
    data: Path = typer.Option(..., "--data", help="Mapp med Skolverkets nedladdade filer."),
    lasar: int | None = typer.Option(None, "--lasar", help="Läsår (höstterminens år); senaste med resultat om inget anges."),
    delar: int = typer.Option(10, "--delar", help="Antal delar vid korsanpassning."),
    seed: int = SeedOption,
    ut: Path = out_option("likvard-ut/forvantat"),
    format: str = FormatOption,
) -> None:
    """Förväntat meritvärde, andel behöriga och andel med godkänt i alla ämnen för landets alla
    skolenheter ur elevsammansättningen; varje skolas förväntade värde kommer från en modell skattad
    på de andra skolorna samma läsår (korsanpassning)."""
    from likvard.analyses.expected import country_expected
    from likvard.export import check_format
    from likvard.analyses.dataset import published_files
    from likvard.views.suppression import publish
    from likvard.views.table import Table

    check_format(format)
    if not data.is_dir():
        fail(f"--data: mappen {data} finns inte.")
    with console.status("Läser Skolverkets filer …"):
        files = published_files(data)
    with console.status("Skattar förväntade resultat …"):
        res = country_expected(files, lasar, delar, settings_from(DEFAULT_LEVEL, 200, seed))
    names = dict(zip(files.composition["school_id"].astype(str), files.composition["name"].astype(str)))
    titles = {"merit_value": "Förväntat meritvärde", "share_eligible": "Förväntad andel behöriga",
              "share_all_subjects": "Förväntad andel med godkänt i alla ämnen"}
    year_label = f"{res.year}/{(res.year + 1) % 100:02d}"
    tables = [publish(Table(f"forvantat_{col}", f"{titles[col]} per skolenhet {year_label}", t, labels={"reliably": "Bedömning"},
                    decimals={c: (1 if col == "merit_value" else 3) for c in ("actual", "expected", "deviation", "se")}))
              for col, t in res.tables.items()]
    write_output(tables, ut, format, stem="forvantat_skolor", title="Förväntade resultat per skolenhet", names=names,
                 summary={"school_year": res.year, "folds": delar, "outcomes": res.summary})
    for col, v in res.summary.items():
        console.print(f"{titles[col]}: {v['n_schools']} skolenheter, R² {v['r2_cross_fitted']:.3f}, "
                      f"{v['reliably_above']} tydligt över och {v['reliably_below']} tydligt under förväntan")


@command.command("behov")
def need_cmd(
    demo: bool = DemoOption,
    db: str = DbOption,
    data: Path | None = DataOption,
    kommun: str | None = KommunOption,
    niva: float = NivaOption,
    replikat: int = ReplikatOption,
    seed: int = SeedOption,
    ut: Path = out_option("likvard-ut/forvantat"),
    format: str = FormatOption,
) -> None:
    """Behovsindex per skolenhet (medel 100) med intervall, ur egna register eller Skolverkets filer."""
    from likvard.analyses.need import need
    from likvard.cli.common import load_dataset
    from likvard.export import check_format
    from likvard.views.need import need_table

    check_format(format)
    settings = settings_from(niva, replikat, seed)
    ds, _ = load_dataset(demo, db, data, kommun)
    with console.status("Beräknar behovsindex …"):
        res = need(ds, settings)
    if res is None:
        fail("Behovsindex kräver elevregister med behörighet i årskurs 9, eller Skolverkets resultat per skolenhet.")
    from likvard.views.need import measures_table

    t = need_table(res, ds, settings)
    measures = measures_table(res, ds, settings)
    n_disagree = int(res.measures["disagrees"].sum()) if res.measures is not None else 0
    write_output([t, *([measures] if measures is not None else [])], ut, format, stem="behov",
                 title=f"Behovsindex {ds.name}", names=ds.names(),
                 summary={"school_year": res.last_year, "reference": res.reference, "level": settings.level,
                          "n_disagreeing": n_disagree,
                          "rank_correlations": None if res.correlations is None else res.correlations.round(4).to_dict()})
    console.print(f"{len(t.data)} skolenheter läsåret {res.last_year} (100 = genomsnittet för {res.reference}).")


@command.command("salsa")
def salsa(
    data: Path = typer.Option(..., "--data", help="Mapp med Skolverkets filer."),
    skattningsar: int = typer.Option(2023, "--skattningsar", help="Läsår modellen skattas på (höstterminens år)."),
    lasar: int = typer.Option(2024, "--lasar", help="Läsår modellen tillämpas på."),
    form: str = typer.Option("likvard", "--form", help="Modellform: likvard eller salsa."),
    ut: Path = out_option("likvard-ut/forvantat"),
    format: str = FormatOption,
) -> None:
    """Likvärds öppna SALSA: förväntat meritvärde skattat på ett läsår och tillämpat på ett annat,
    jämfört med Skolverkets SALSA-värden när de finns."""
    import numpy as np

    from likvard.export import check_format
    from typing import cast

    from likvard.expected.school_level import Form, composition_features, expected_results, fit_school_model, r_squared
    from likvard.analyses.dataset import published_files
    from likvard.views.suppression import publish
    from likvard.views.table import Table

    check_format(format)
    if form not in ("likvard", "salsa"):
        fail(f"--form: '{form}' finns inte; välj likvard eller salsa.")
    with console.status("Läser Skolverkets filer …"):
        files = published_files(data)
    if files.skolkarta is None:
        fail(f"Hittade ingen fil med meritvärden per skolenhet (skolkarta_grundskolor_ak9_*.csv) i {data}.")
    karta = files.skolkarta.drop_duplicates("school_id").set_index("school_id")
    for y in (skattningsar, lasar):
        if f"merit_value_{y}" not in karta:
            fail(f"Meritvärden för läsåret {y}/{(y + 1) % 100:02d} saknas i skolkartan.")
        if not (files.composition["school_year"] == y).any():
            fail(f"Elevsammansättning för läsåret {y}/{(y + 1) % 100:02d} saknas i {data}.")
    comp = files.composition
    model = fit_school_model(composition_features(comp, skattningsar), karta[f"merit_value_{skattningsar}"], form=cast(Form, form))
    table = expected_results(model, composition_features(comp, lasar), karta[f"merit_value_{lasar}"])
    summary = {"form": form, "fit_year": skattningsar, "year": lasar, "n_schools_fit": model.n_schools,
               "n_schools": len(table), "r2_in_sample": model.r2,
               "r2_out_of_sample": r_squared(table["actual"], table["expected"]), "coefficients": model.params.to_dict()}
    if lasar == 2024 and {"salsa_actual", "salsa_expected"} <= set(karta.columns):
        both = table.join(karta[["salsa_actual", "salsa_expected"]], on="school_id").dropna()
        summary["salsa"] = {"n_schools": len(both),
                            "r2_salsa_in_sample": r_squared(both["salsa_actual"], both["salsa_expected"]),
                            "r2_likvard_out_of_sample": r_squared(both["salsa_actual"], both["expected"]),
                            "correlation_expected": float(np.corrcoef(both["expected"], both["salsa_expected"])[0, 1])}
    names = dict(zip(comp["school_id"].astype(str), comp["name"].astype(str)))
    write_output([publish(Table("forvantat_salsa", "Förväntat meritvärde (öppen SALSA)", table, labels={"reliably": "Bedömning"}))],
                 ut, format, stem="salsa", title="Öppen SALSA", names=names, summary=summary)
    console.print(f"{len(table)} skolenheter; R² utanför skattningsåret {summary['r2_out_of_sample']:.3f}"
                  + (f" (SALSA:s egen R² {summary['salsa']['r2_salsa_in_sample']:.3f})" if "salsa" in summary else ""))


@command.command("omradestyp")
def area_type(
    fil: Path = typer.Argument(..., metavar="FIL", help="SCB:s underlag per RegSO (tre andelar; som stockholm_socioekonomiskt_2024.csv)."),
    medel: float | None = typer.Option(None, "--medel", help="Rikets medelvärde av indexet (förval: områdenas eget)."),
    sd: float | None = typer.Option(None, "--sd", help="Rikets standardavvikelse av indexet (förval: områdenas egen)."),
    ut: Path = out_option("likvard-ut/forvantat"),
    format: str = FormatOption,
) -> None:
    """SCB:s socioekonomiska index (medel av tre andelar) och områdestyp 1–5 per RegSO."""
    import numpy as np

    from likvard.export import check_format
    from likvard.expected.area_type import area_type_table, reference_from_types
    from likvard.sources.skolverket.scb import read_stockholm_socioeconomic
    from likvard.views.suppression import publish
    from likvard.views.table import Table

    check_format(format)
    if not fil.exists():
        fail(f"Filen {fil} finns inte.")
    try:
        areas = read_stockholm_socioeconomic(fil)
    except (KeyError, ValueError) as exc:
        fail(f"{fil}: kunde inte läsa SCB:s andelar; väntade kolumnerna för andel ekonomiskt bistånd, "
             f"förgymnasial utbildning och låg ekonomisk standard ({type(exc).__name__}).")
    table = area_type_table(areas, mean=medel, sd=sd)
    if areas["area_type"].notna().any():
        ref = reference_from_types(table["socioeconomic_index_calc"], areas["area_type"])
        if ref["feasible"]:
            console.print(f"Publicerade områdestyper stämmer med riksmedel {ref['mean'][0]:.2f}–{ref['mean'][1]:.2f} "
                          f"och standardavvikelse {ref['sd'][0]:.2f}–{ref['sd'][1]:.2f}.")
        agree = float(np.mean(table["area_type_calc"] == areas["area_type"]))
        console.print(f"Beräknad områdestyp lika med publicerad för {agree:.0%} av områdena.")
    write_output([publish(Table("omradestyper", "Socioekonomiskt index och områdestyp per RegSO", table))], ut, format,
                 stem="omradestyper")

"""``likvard fordelning``: compensatory allocation models and teacher distribution."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import typer

from likvard.cli.common import console, fail, load_authority

app = typer.Typer(help="Förstärka: resursfördelning efter behov och lärarfördelning.", no_args_is_help=True)

EXAMPLES = Path(__file__).resolve().parent.parent / "allocation" / "examples"


def _load(demo: bool, db: str | None):
    return load_authority(demo, db)


def _need(students: pd.DataFrame, year: int) -> pd.DataFrame | None:
    try:
        from likvard.expected import need_index
    except ImportError:
        return None
    need = need_index(students)
    return need[need["school_year"] == year]


def _write_excel(path: Path, sheets: dict[str, pd.DataFrame]) -> None:
    tmp = path.with_suffix(".tmp.xlsx")
    with pd.ExcelWriter(tmp, engine="openpyxl") as xl:
        for name, df in sheets.items():
            df.to_excel(xl, sheet_name=name[:31], index=False)
    tmp.replace(path)  # nothing half-written


@app.command("berakna")
def compute(
    models: list[Path] = typer.Argument(..., help="En eller flera modellfiler (YAML)."),
    demo: bool = typer.Option(False, "--demo", help="Använd demokommunen Exempelstad."),
    db: str = typer.Option(None, "--db", help="Databas (SQLite-fil eller SQLAlchemy-URL) med importerade register."),
    year: int = typer.Option(None, "--lasar", help="Läsår (höstterminens år); senaste om inget anges."),
    current: Path = typer.Option(None, "--nuvarande", help="Modellen som gäller nu (för förändring och övergångsgräns)."),
    out: Path = typer.Option(Path("likvard-ut/fordelning"), "--ut", help="Mapp för tabeller."),
) -> None:
    """Beräkna varje skolas belopp för en eller flera fördelningsmodeller och jämför dem."""
    from likvard.allocation import allocate, load_model, school_inputs
    from likvard.allocation.equity import equity_summary
    from likvard.allocation.model import ModelError
    from likvard.views.allocation import EQUITY_LABELS, allocation_table

    data = _load(demo, db)
    years = data.years()
    if not years:
        fail("Det finns inga elever i underlaget.")
    year = year or years[-1]
    students = data.students[data.students["school_year"] == year]
    if students.empty:
        fail(f"Inga elever läsåret {year}. Tillgängliga läsår: {', '.join(map(str, years))}.")
    need = _need(data.students, year)
    names = dict(zip(data.schools["school_id"].astype(str), data.schools["name"]))
    try:
        cur = None
        if current is not None:
            base_inputs = school_inputs(students, data.schools, need)
            cur = allocate(load_model(current), base_inputs)[["school_id", "total", "n_students"]]
        inputs = school_inputs(students, data.schools, need, cur)
        results = {}
        for path in models:
            m = load_model(path)
            results[m.name] = allocate(m, inputs)
    except ModelError as exc:
        fail(str(exc))
    out.mkdir(parents=True, exist_ok=True)
    sheets, summary = {}, {"school_year": year, "models": {}}
    side = pd.DataFrame({"Skolenhetskod": inputs.school_id, "Skola": [names.get(s, "") for s in inputs.school_id]})
    for name, res in results.items():
        eq = equity_summary(res)
        summary["models"][name] = {
            "budget": int(res["total"].sum()),
            "compensatory": int(res["compensatory"].sum()),
            **eq,
        }
        sheets[name] = allocation_table(res, names)
        side[f"{name}: belopp per elev (kr)"] = res["per_student"].round(0).to_numpy()
        console.print(
            f"[bold]{name}[/]: budget {res['total'].sum():,} kr; "
            f"{EQUITY_LABELS['concentration_index']} {eq['concentration_index']:.3f}; "
            f"{EQUITY_LABELS['compensation_ratio']} {eq['compensation_ratio']:.2f}".replace(",", " ")
        )
    sheets["Jämförelse"] = side
    _write_excel(out / "fordelning.xlsx", sheets)
    (out / "fordelning.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
    console.print(f"Tabeller: {out / 'fordelning.xlsx'}; sammanfattning: {out / 'fordelning.json'}")


@app.command("pott")
def pot_variants(
    model: Path = typer.Argument(..., help="Modellfil (YAML)."),
    lowest: float = typer.Option(0.0, "--fran", help="Minsta pott (kr)."),
    highest: float = typer.Option(1e8, "--till", help="Största pott (kr)."),
    steps: int = typer.Option(21, "--steg", help="Antal varianter."),
    demo: bool = typer.Option(False, "--demo"),
    db: str = typer.Option(None, "--db", help="Databas (SQLite-fil eller SQLAlchemy-URL)."),
    out: Path = typer.Option(Path("likvard-ut/fordelning"), "--ut"),
) -> None:
    """Hur belopp och likvärdighetsmått ändras med den kompensatoriska pottens storlek."""
    from likvard.allocation import allocate_pot_variants, load_model, school_inputs
    from likvard.allocation.equity import compensation_ratio, concentration_index
    from likvard.allocation.model import ModelError

    data = _load(demo, db)
    year = data.years()[-1]
    students = data.students[data.students["school_year"] == year]
    try:
        m = load_model(model)
        inputs = school_inputs(students, data.schools, _need(data.students, year))
        pots = np.linspace(lowest, highest, steps)
        totals = allocate_pot_variants(m, inputs, pots)
    except ModelError as exc:
        fail(str(exc))
    n = inputs.n_students
    from likvard.allocation.compute import need_units

    need = inputs.need_index if not np.isnan(inputs.need_index).any() else need_units(m, inputs) / np.maximum(n, 1)
    rows = [
        {
            "Pott (kr)": float(p),
            "Koncentrationsindex": concentration_index(t / n, need, n),
            "Kompensationskvot": compensation_ratio(t / n, need, n),
        }
        for p, t in zip(pots, totals)
    ]
    out.mkdir(parents=True, exist_ok=True)
    table = pd.DataFrame(rows)
    table.to_csv(out / "pottvarianter.csv", index=False, sep=";", decimal=",")
    console.print(table.to_string(index=False))


@app.command("larare")
def teachers(
    demo: bool = typer.Option(False, "--demo"),
    db: str = typer.Option(None, "--db", help="Databas (SQLite-fil eller SQLAlchemy-URL)."),
    data_dir: Path = typer.Option(None, "--data", help="Mapp med Skolverkets filer (Underlag för analys)."),
    out: Path = typer.Option(Path("likvard-ut/fordelning"), "--ut"),
) -> None:
    """Lärarfördelning mot behov: legitimerade lärare, förstelärare, erfarenhet och omsättning."""
    from likvard.allocation.teachers import published_certification_gap, teacher_distribution, teacher_gaps
    from likvard.views.allocation import teacher_table

    out.mkdir(parents=True, exist_ok=True)
    if data_dir is not None:
        gap, by_type = _published_gap(data_dir)
        gap.to_csv(out / "legitimation_efter_sammansattning.csv", index=False, sep=";", decimal=",")
        console.print(gap.to_string(index=False))
        if by_type is not None:
            by_type.to_csv(out / "legitimation_efter_omradestyp.csv", index=False, sep=";", decimal=",")
            console.print(by_type.to_string(index=False))
        return
    data = _load(demo, db)
    if data.staff.empty:
        fail("Underlaget saknar personaldata (staff). Importera med 'likvard import staff FIL'.")
    need = None
    try:
        from likvard.expected import need_index

        need = need_index(data.students)
    except ImportError:
        pass
    dist = teacher_distribution(data.staff, data.students, need)
    year = int(dist["school_year"].max())
    names = dict(zip(data.schools["school_id"].astype(str), data.schools["name"]))
    summary = {"school_year": year}
    if need is not None:
        gaps = teacher_gaps(dist[dist["school_year"] == year])
        gaps.pop("concentration_curve")
        summary.update(gaps)
        q = gaps["share_certified"]["quintiles"]
        console.print(
            f"Andel legitimerade lärare, minst till mest behövande femtedel av eleverna: "
            + ", ".join(f"{v:.0%}" for v in q)
        )
    _write_excel(out / "lararfordelning.xlsx", {"Lärarfördelning": teacher_table(dist, names)})
    (out / "lararfordelning.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
    console.print(f"Tabeller: {out / 'lararfordelning.xlsx'}")


def _published_gap(data_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    from likvard.allocation.teachers import certification_by_area_type, published_certification_gap

    try:
        from likvard.sources.skolverket import read_underlag_for_analys
    except ImportError:
        fail("Läsaren för Skolverkets Underlag för analys saknas i denna installation.")
    files = sorted(Path(data_dir).rglob("Underlag_for_analys_grundskola_*.xlsx")) or sorted(
        Path(data_dir).rglob("*nderlag*for*analys*.xlsx")
    )
    if not files:
        fail(f"Hittade ingen fil 'Underlag för analys' (xlsx) i {data_dir}.")
    units = read_underlag_for_analys(files[0])
    units = units[units["level"] == "school_unit"]
    gap = published_certification_gap(units)
    by_type = None
    comp_files = sorted(Path(data_dir).rglob("*Antal elever per årskurs 2025 Skolenhet.csv"))
    if comp_files:
        from likvard.sources.skolverket import read_student_composition

        by_type = certification_by_area_type(units, read_student_composition(comp_files[-1])).rename(
            columns={
                "area_type": "Socioekonomisk områdestyp (1 = stora utmaningar)",
                "n_units": "Antal skolenheter",
                "n_students": "Antal elever",
                "share_certified_unweighted": "Andel legitimerade lärare (medel per skola)",
                "share_certified": "Andel legitimerade lärare (elevviktad)",
            }
        )
    gap = gap.rename(
        columns={
            "group": "Grupp (1 = mest gynnsam sammansättning)",
            "share_certified": "Andel legitimerade lärare",
            "n_units": "Antal skolenheter",
            "n_students": "Antal elever",
            "mean_share_post_secondary": "Andel föräldrar med eftergymnasial utbildning",
            "mean_share_foreign_background": "Andel utländsk bakgrund",
        }
    )
    return gap, by_type


@app.command("exempel")
def example(out: Path = typer.Argument(Path("fordelningsmodell.yaml"), help="Fil att skriva.")) -> None:
    """Skriv en exempelmodell (YAML) att utgå från."""
    if out.exists():
        fail(f"{out} finns redan; välj ett annat filnamn.")
    shutil.copyfile(EXAMPLES / "socioekonomisk.yaml", out)
    console.print(f"Exempelmodell skriven till {out}")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="fordelning")

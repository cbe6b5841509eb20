"""``likvard segregation``: segregation between schools for Exempelstad, the store, or Skolverket's files."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import typer

from likvard.cli.common import DbOption, console, fail, progress

app = typer.Typer(
    help="Nulägesbild: segregation mellan skolor, förändring och skolvalets bidrag.",
    no_args_is_help=True,
)

GROUPS = {
    "parent_education": "föräldrarnas utbildning",
    "migration_background": "migrationsbakgrund",
}
ORDERED = {"parent_education": ["compulsory", "upper_secondary", "post_secondary"]}
SHARES = {
    "utlandsk_bakgrund": "share_foreign_background",
    "eftergymnasial": "share_post_secondary",
}


def _write(out: Path, sheets: dict[str, pd.DataFrame], summary: dict) -> None:
    from likvard.views.segregation import json_ready

    out.mkdir(parents=True, exist_ok=True)
    for name, df in sheets.items():
        df.to_csv(out / f"{name}.csv", index=False, encoding="utf-8-sig")
    tmp = out / "segregation.tmp.xlsx"
    with pd.ExcelWriter(tmp, engine="openpyxl") as xl:
        for name, df in sheets.items():
            df.to_excel(xl, sheet_name=name[:31], index=False)
    tmp.replace(out / "segregation.xlsx")
    (out / "sammanfattning.json").write_text(
        json.dumps(json_ready(summary), ensure_ascii=False, indent=2), encoding="utf-8"
    )
    console.print(
        f"Tabeller (CSV och Excel) och sammanfattning (JSON) i [bold]{out}[/]"
    )


def count_table(students: pd.DataFrame, group: str, year: int) -> pd.DataFrame:
    """School-by-group counts for one year; ``unknown`` parent education left out."""
    s = students[
        (students["school_year"] == year)
        & students["school_id"].notna()
        & students[group].notna()
    ]
    if group == "parent_education":
        s = s[s[group] != "unknown"]
    counts = pd.crosstab(s["school_id"].astype(str), s[group].astype(str)).astype(float)
    order = ORDERED.get(group)
    if order:
        counts = counts.reindex(columns=[c for c in order if c in counts.columns])
    return counts


def analyse_authority(
    data, group: str, year: int | None, out: Path, n_boot: int, seed: int
) -> dict:
    """Every segregation analysis on an authority's registers; writes tables; returns the summary."""
    from likvard import segregation as seg
    from likvard.segregation.counterfactual import residential_vs_choice
    from likvard.views import segregation as view

    students = data.students
    if students.empty:
        fail("Elevregistret är tomt: inga elever att beräkna segregation för.")
    if group not in students.columns:
        fail(
            f"Elevregistret saknar kolumnen '{group}' (väntade en av {', '.join(GROUPS)})."
        )
    years = sorted(int(y) for y in students["school_year"].unique())
    year = year or years[-1]
    if year not in years:
        fail(
            f"Läsåret {year} finns inte i elevregistret (finns: {', '.join(map(str, years))})."
        )
    sheets: dict[str, pd.DataFrame] = {}
    summary: dict = {
        "omrade": data.name,
        "grupp": GROUPS.get(group, group),
        "lasar": year,
    }
    with progress() as bar:
        task = bar.add_task("Segregationsanalys", total=6)
        series = []
        for y in years:
            r = seg.indices(count_table(students, group, y))
            series.append(
                {
                    "Läsår": y,
                    **{
                        view.label(k): r[k]
                        for k in ("dissimilarity", "mutual_information", "theil_h")
                    },
                }
            )
        sheets["index_per_lasar"] = pd.DataFrame(series)
        counts = count_table(students, group, year)
        result = seg.indices(counts)
        boot = seg.bootstrap(counts, n_replications=n_boot, seed=seed)
        sheets["index"] = view.indices_table(result, boot)
        sheets["exponering"] = view.exposure_table(result)
        summary["index"] = {
            k: result[k] for k in view.INDEX_LABELS if isinstance(result.get(k), float)
        }
        summary["bootstrap"] = {
            "replikat": n_boot,
            "seed": seed,
            **boot.to_dict(orient="index"),
        }
        if group in ORDERED:
            summary["index"]["ordinal_information"] = seg.ordinal_information(counts)
        bar.advance(task)
        base = seg.random_baseline(counts, n_replications=200, seed=seed)
        sheets["slumpniva"] = view.baseline_table(base)
        summary["slumpniva_M"] = {
            "observerat": float(base.loc["mutual_information", "observed"]),
            "vantat": float(base.loc["mutual_information", "expected"]),
            "vantat_formel": float(
                base.loc["mutual_information", "expected_closed_form"]
            ),
        }
        bar.advance(task)
        schools = (
            data.schools[data.schools["school_year"] == year]
            .drop_duplicates("school_id")
            .set_index(
                data.schools[data.schools["school_year"] == year]
                .drop_duplicates("school_id")["school_id"]
                .astype(str)
            )
        )
        if (
            "organiser_type" in schools.columns
            and counts.index.isin(schools.index).all()
        ):
            labels = schools["organiser_type"].map(
                {"municipal": "kommunal", "independent": "fristående"}
            )
            dec = seg.decompose(counts, labels.reindex(counts.index).fillna("okänd"))
            sheets["uppdelning_huvudman"] = view.decomposition_summary(dec)
            sheets["inom_huvudmannatyp"] = view.decomposition_table(
                dec, "Huvudmannatyp"
            )
            summary["uppdelning_huvudmannatyp"] = {
                "M_mellan": dec["between"],
                "M_inom": dec["within"],
            }
        contrib = seg.contributions(counts)
        names = schools["name"] if "name" in schools.columns else None
        sheets["skolor"] = view.school_table(contrib, counts, names)
        bar.advance(task)
        if len(years) > 1:
            first = count_table(students, group, years[0])
            ch = seg.change(first, counts)
            sheets["forandring"] = view.change_table(ch)
            summary["forandring"] = {
                "fran": years[0],
                "till": year,
                **{k: ch[k] for k in view.CHANGE_LABELS},
            }
        bar.advance(task)
        has_points = {"home_x", "home_y"}.issubset(students.columns) and students[
            "home_x"
        ].notna().any()
        if has_points or ("home_area" in students.columns and not data.areas.empty):
            sub = students[students["school_year"] == year]
            if group == "parent_education":
                sub = sub[sub[group] != "unknown"]
            cf = residential_vs_choice(
                sub, data.schools, group=group, areas=None if has_points else data.areas
            )
            sheets["boende_och_skolval"] = view.counterfactual_table(cf)
            summary["boende_och_skolval"] = cf.iloc[0].to_dict() if len(cf) else {}
        bar.advance(task)
        _write(out, sheets, summary)
        bar.advance(task)
    console.print(
        f"Läsår {year}: D = {result['dissimilarity']:.3f}, M = {result['mutual_information']:.4f}, "
        f"H = {result['theil_h']:.3f} ({GROUPS.get(group, group)}, {int(result['n_students'])} elever, "
        f"{result['n_schools']} skolenheter)."
    )
    return summary


GroupOption = typer.Option(
    "parent_education",
    "--grupp",
    help="Elevgrupper: parent_education eller migration_background.",
)
YearOption = typer.Option(
    None, "--lasar", help="Läsår (höstterminens år); senaste om inget anges."
)
BootOption = typer.Option(
    1000, "--bootstrap", help="Antal bootstrapreplikat för osäkerheten."
)
SeedOption = typer.Option(1, "--seed", help="Slumpfrö: samma frö ger samma intervall.")
OutOption = typer.Option(
    Path("likvard-ut/segregation"), "--ut", help="Mapp för tabeller."
)
DataOption = typer.Option(
    ...,
    "--data",
    help="Mapp med Skolverkets filer 'Antal elever per årskurs … Skolenhet.csv' (även i undermappar; "
    "en fil 'Underlag för analys' ger läsåret 2024/25).",
)
KommunOption = typer.Option(
    ..., "--kommun", help="Kommunkod, fyra siffror (t.ex. 1880 för Örebro)."
)
ShareOption = typer.Option(
    "utlandsk_bakgrund", "--andel", help="utlandsk_bakgrund eller eftergymnasial."
)
SkolverketOutOption = typer.Option(
    Path("likvard-ut/segregation-skolverket"), "--ut", help="Mapp för tabeller."
)


@app.command("exempelstad")
def exempelstad(
    group: str = GroupOption,
    year: int = YearOption,
    out: Path = OutOption,
    n_boot: int = BootOption,
    seed: int = SeedOption,
) -> None:
    """Segregation mellan skolorna i demokommunen Exempelstad."""
    from likvard.demo import generate_exempelstad

    with console.status("Skapar Exempelstad …"):
        data = generate_exempelstad()
    analyse_authority(data, group, year, out, n_boot, seed)


@app.command("databas")
def databas(
    db: str = DbOption,
    group: str = GroupOption,
    year: int = YearOption,
    out: Path = OutOption,
    n_boot: int = BootOption,
    seed: int = SeedOption,
) -> None:
    """Segregation mellan skolorna i huvudmannens importerade register."""
    from likvard.store import open_store

    if "://" not in str(db) and not Path(db).exists():
        fail(
            f"Databasen {db} finns inte. Kör 'likvard import' eller 'likvard demo' först."
        )
    data = open_store(db).load()
    analyse_authority(data, group, year, out, n_boot, seed)


@app.command("skolverket")
def skolverket(
    data_dir: Path = DataOption,
    kommun: str = KommunOption,
    share: str = ShareOption,
    out: Path = SkolverketOutOption,
) -> None:
    """Segregation i en kommun och i riket alla läsår, från Skolverkets publicerade andelar."""
    from likvard.segregation.panel import change_series, follow_schools
    from likvard.segregation.published import published_indices
    from likvard.views import segregation as view

    if share not in SHARES:
        fail(f"--andel {share}: väntade en av {', '.join(SHARES)}.")
    column = SHARES[share]
    if not data_dir.is_dir():
        fail(f"Mappen {data_dir} finns inte.")
    kommun = kommun.strip().zfill(4)
    try:
        from likvard.sources.skolverket import read_composition_series
    except ImportError:
        fail(
            "Läsaren för Skolverkets filer (likvard.sources.skolverket) saknas i denna installation."
        )
    with console.status("Läser Skolverkets filer …"):
        comp = read_composition_series(data_dir)
    muni = comp[comp["municipality_code"] == kommun]
    if muni.empty:
        fail(f"Kommunkoden {kommun} finns inte i filerna i {data_dir}.")
    with progress() as bar:
        task = bar.add_task("Index per läsår", total=3)
        per_muni = published_indices(muni, share=column)
        national = published_indices(comp, share=column, by=None)
        bar.advance(task)
        series = change_series(muni, share=column)
        _, links, lost = follow_schools(muni)
        bar.advance(task)
        sheets = {
            "kommun_per_lasar": view.published_table(per_muni),
            "riket_per_lasar": view.published_table(national),
            "forandring_per_lasar": view.change_series_table(series),
            "foljda_kodbyten": links.rename(
                columns={
                    "school_year": "Läsår",
                    "old_school_id": "Tidigare kod",
                    "new_school_id": "Ny kod",
                    "name": "Skolnamn",
                    "municipality_code": "Kommunkod",
                }
            ),
            "ej_foljda_enheter": lost.assign(
                event=lost["event"].map({"closed": "upphörd", "opened": "ny"})
            ).rename(
                columns={
                    "school_year": "Läsår",
                    "school_id": "Skolenhet",
                    "name": "Skolnamn",
                    "municipality_code": "Kommunkod",
                    "event": "Händelse",
                }
            ),
        }
        latest = per_muni.iloc[-1]
        summary = {
            "kommunkod": kommun,
            "andel": column,
            "kalla": "Skolverket",
            "senaste_lasar": int(latest["school_year"]),
            "D": latest["dissimilarity"],
            "D_intervall": [latest["dissimilarity_low"], latest["dissimilarity_high"]],
            "D_utan_skyddade": latest["dissimilarity_excluded"],
            "elever_med_skyddade_uppgifter": latest["n_students_uncertain"],
            "lasar": [int(y) for y in per_muni["school_year"]],
        }
        _write(out, sheets, summary)
        bar.advance(task)
    console.print(
        f"Kommun {kommun}, läsår {int(latest['school_year'])}: D = {latest['dissimilarity']:.3f} "
        f"(möjligt {latest['dissimilarity_low']:.3f}–{latest['dissimilarity_high']:.3f}; "
        f"{int(latest['n_students_uncertain'])} elever i enheter med skyddade uppgifter)."
    )


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="segregation")

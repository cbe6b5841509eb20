"""Segregation between the schools over time, with bootstrap intervals and the random baseline,
and its decomposition by organiser type and area type (``likvard.segregation``).

Theil's H (= M / E, Theil 1972; Mora and Ruiz-Castillo 2011) and the multigroup dissimilarity
index D; intervals are 90 % bootstrap percentile intervals; the baseline is the mean under random
allocation of the same students to schools of the same sizes.
"""

from __future__ import annotations

import pandas as pd

from likvard.privacy import SUPPRESSED

from likvard.report.context import ReportContext
from likvard.report.engines import engine_function
from likvard.report.model import ReportTable, Section
from likvard.views.charts import bar_chart, interval_chart
from likvard.views.common import ORGANISER_TYPE_LABELS, AREA_TYPE_LABELS, format_number, school_year_label
from likvard.views.suppression import suppress_table

INDEX_LABELS = {
    "theil_h": "Theils H (informationsindex)",
    "dissimilarity": "Skillnadsindex D",
    "mutual_information": "Ömsesidig information M",
    "normalized_exposure": "Normaliserad exponering",
}
SHOWN = ("theil_h", "dissimilarity", "mutual_information", "normalized_exposure")
LEVEL = 0.90


def index_series(ctx: ReportContext) -> pd.DataFrame:
    """Per year and index: value, 90 % bootstrap interval, random-allocation baseline."""
    indices = engine_function("likvard.segregation", "indices")
    bootstrap = engine_function("likvard.segregation", "bootstrap", "inference")
    baseline = engine_function("likvard.segregation", "random_baseline", "inference")
    rows = []
    for i, year in enumerate(ctx.years):
        counts = ctx.group_counts(year)
        if len(counts) < 2 or counts.to_numpy().sum() < 10:
            continue
        est = indices(counts)
        boot = bootstrap(counts, n_replications=ctx.n_bootstrap, seed=ctx.seed + i, level=LEVEL) if bootstrap else None
        base = baseline(counts, n_replications=100, seed=ctx.seed + i, level=LEVEL) if baseline else None
        for key in SHOWN:
            if key not in est:
                continue
            rows.append({
                "school_year": year, "index": INDEX_LABELS[key], "key": key, "value": float(est[key]),
                "low": float(boot.loc[key, "ci_low"]) if boot is not None and key in boot.index else float("nan"),
                "high": float(boot.loc[key, "ci_high"]) if boot is not None and key in boot.index else float("nan"),
                "baseline": float(base.loc[key, "expected"]) if base is not None and key in base.index else float("nan"),
                "n_students": float(counts.to_numpy().sum()), "n_schools": len(counts),
            })
    return pd.DataFrame(rows)


def decomposition_table(ctx: ReportContext, year: int, by: pd.Series, label_map: dict) -> tuple[pd.DataFrame, dict] | None:
    decompose = engine_function("likvard.segregation", "decompose", "decomposition")
    counts = ctx.group_counts(year)
    by = by.reindex(counts.index)
    keep = by.notna()
    counts, by = counts[keep], by[keep]
    if by.nunique() < 2:
        return None
    res = decompose(counts, by)
    parts = res["parts"].copy()
    parts["part"] = parts["part"].map(lambda p: label_map.get(p, str(p)))
    t = parts[["part", "n_students", "h_within", "m_within", "contribution"]].copy()
    t = suppress_table(t, "n_students", ["h_within", "m_within", "contribution"])
    summary = {k: float(res[k]) for k in ("total", "between", "within", "h_total", "h_between", "h_within")}
    return t, summary


RANGE_LABELS = {
    "characteristic": "Grupp",
    "dissimilarity": "D (skattning)", "dissimilarity_low": "D, lägsta möjliga", "dissimilarity_high": "D, högsta möjliga",
    "dissimilarity_excluded": "D utan dolda skolor",
    "theil_h": "H (skattning)", "theil_h_low": "H, lägsta möjliga", "theil_h_high": "H, högsta möjliga",
    "theil_h_excluded": "H utan dolda skolor",
    "n_units": "Antal skolor", "n_units_uncertain": "Skolor med dold andel",
    "n_students_uncertain": "Elever på skolor med dold andel",
}
CHARACTERISTICS = {"share_post_secondary": "Eftergymnasialt utbildade föräldrar",
                   "share_foreign_background": "Utländsk bakgrund"}


def published_ranges(ctx: ReportContext) -> pd.DataFrame | None:
    """Two-group D and H per year from published shares, with the range over suppressed cells."""
    raw = ctx.published.get("composition_raw")
    published_indices = engine_function("likvard.segregation", "published_indices", "published")
    if raw is None or published_indices is None:
        return None
    parts = []
    for share, lab in CHARACTERISTICS.items():
        if share not in raw or f"{share}_status" not in raw:
            continue
        res = published_indices(raw, share=share, by=None)
        res.insert(1, "characteristic", lab)
        parts.append(res)
    if not parts:
        return None
    out = pd.concat(parts, ignore_index=True)
    keep = ["school_year", "characteristic", "n_units", "n_units_uncertain", "n_students_uncertain"] + [
        f"{i}{suf}" for i in ("dissimilarity", "theil_h") for suf in ("", "_low", "_high", "_excluded")]
    out = out[[c for c in keep if c in out]].sort_values(["characteristic", "school_year"]).reset_index(drop=True)
    # a single school's student count must not show through (it may be hidden elsewhere)
    single = (out["n_units_uncertain"] == 1) | (out["n_students_uncertain"] < 10) & (out["n_students_uncertain"] > 0)
    out["n_students_uncertain"] = out["n_students_uncertain"].astype(object).where(~single, SUPPRESSED)
    return out


def build(ctx: ReportContext) -> Section | None:
    if engine_function("likvard.segregation", "indices") is None or ctx.group_table is None:
        return None
    series = index_series(ctx)
    if series.empty:
        return None
    h = series[series["key"] == "theil_h"]
    d = series[series["key"] == "dissimilarity"]
    years = [school_year_label(y) for y in h["school_year"]]
    figures = [
        interval_chart(years, h["value"].tolist(), h["low"].tolist(), h["high"].tolist(),
                       title="Segregation mellan skolorna (Theils H) med 90 % osäkerhetsintervall",
                       y_title="H (0 = ingen, 1 = total)", decimals=3, baseline=h["baseline"].tolist()),
        interval_chart(years, d["value"].tolist(), d["low"].tolist(), d["high"].tolist(),
                       title="Skillnadsindex D med 90 % osäkerhetsintervall", y_title="D", decimals=3,
                       baseline=d["baseline"].tolist()),
    ]
    table = series[["school_year", "index", "value", "low", "high", "baseline", "n_students", "n_schools"]]
    tables = [ReportTable("segregation", "Segregationsmått per läsår", table,
                          decimals={"value": 3, "low": 3, "high": 3, "baseline": 3, "n_schools": 0, "n_students": 0},
                          labels={"n_schools": "Antal skolor"})]
    groups = "föräldrarnas utbildningsnivå (förgymnasial, gymnasial, eftergymnasial)" if "compulsory" in ctx.group_columns \
        else "andelen elever vars föräldrar har eftergymnasial utbildning"
    last = h.iloc[-1]
    intro = [
        f"Måtten visar hur ojämnt eleverna är fördelade mellan skolorna efter {groups}. "
        f"Theils H är 0 när alla skolor har samma sammansättning som helheten och 1 när varje skola bara har en grupp. "
        f"Läsåret {school_year_label(int(last['school_year']))} var H = {format_number(last['value'], 3)} "
        f"(90 % intervall {format_number(last['low'], 3)}–{format_number(last['high'], 3)}).",
        "Intervallet visar hur mycket måttet skulle variera av slumpen i vilka elever som råkar gå på skolorna "
        "(bootstrap). Slumpnivån är vad måttet blir om eleverna fördelades helt slumpmässigt på skolor av samma "
        "storlek: små skolor ger en viss segregation även utan något mönster. Bara skillnaden mot slumpnivån är "
        "verklig segregation.",
    ]
    results = {"series": series}
    # decomposition by organiser type and area type
    info = ctx.schools.set_index("school_id")
    for col, labels, title in (
        ("organiser_type", ORGANISER_TYPE_LABELS, "Uppdelning på kommunala och fristående skolor"),
        ("area_type", AREA_TYPE_LABELS, "Uppdelning på områdestyp"),
    ):
        if col not in info or info[col].isna().all():
            continue
        dec = decomposition_table(ctx, ctx.last_year, info[col], labels)
        if dec is None:
            continue
        t, summary = dec
        results[f"decomposition_{col}"] = summary
        share_between = 100.0 * summary["between"] / summary["total"] if summary["total"] > 0 else float("nan")
        tables.append(ReportTable(
            f"uppdelning_{col}", f"{title} {school_year_label(ctx.last_year)}", t,
            decimals={"h_within": 3, "m_within": 4, "contribution": 4, "n_students": 0},
            labels={"part": "Grupp av skolor", "h_within": "H inom gruppen", "m_within": "M inom gruppen",
                    "contribution": "Bidrag till M inom grupperna"},
            note=(f"Total M = {format_number(summary['total'], 4)}; mellan grupperna "
                  f"{format_number(summary['between'], 4)} ({format_number(share_between)} %), inom grupperna "
                  f"{format_number(summary['within'], 4)}."),
        ))
        intro.append(
            f"{title}: {format_number(share_between)} % av segregationen (M) ligger mellan grupperna av skolor "
            f"och resten inom dem."
        )
        figures.append(bar_chart(
            ["Mellan grupperna", "Inom grupperna"], [summary["between"], summary["within"]],
            title=f"{title} (M, {school_year_label(ctx.last_year)})", y_title="M", decimals=4,
        ))
    ranges = published_ranges(ctx)
    if ranges is not None:
        results["published_ranges"] = ranges
        tables.append(ReportTable(
            "undertryckta_celler", "Segregation med hänsyn till Skolverkets dolda uppgifter", ranges,
            decimals={c: 3 for c in ranges.columns if c.startswith(("dissimilarity", "theil_h"))},
            labels=RANGE_LABELS,
        ))
        intro.append(
            "Skolverket döljer andelar för små skolor (..). Tabellen visar skillnadsindex och Theils H för två grupper "
            "med de dolda skolorna mitt i sitt möjliga intervall, det minsta och största värde måttet kan ha för alla "
            "möjliga värden i de dolda cellerna, och värdet om de dolda skolorna utelämnas, samt hur många elever det gäller."
        )
    change = engine_function("likvard.segregation", "change", "change")
    if change is not None and ctx.first_year != ctx.last_year:
        before, after = ctx.group_counts(ctx.first_year), ctx.group_counts(ctx.last_year)
        ch = change(before, after)
        results["change"] = ch
        comp_labels = {
            "group_marginal": "Ändrad sammansättning av eleverna totalt",
            "unit_marginal": "Ändrade skolstorlekar",
            "additions": "Nya skolor",
            "removals": "Nedlagda skolor",
            "structural": "Strukturell förändring (vilka elever som går var)",
            "total": "Total förändring",
        }
        ct = pd.DataFrame({"part": list(comp_labels.values()), "value": [float(ch[k]) for k in comp_labels]})
        period = f"{school_year_label(ctx.first_year)}–{school_year_label(ctx.last_year)}"
        tables.append(ReportTable("forandring_segregation", f"Förändringen av M {period} uppdelad", ct,
                                  decimals={"value": 4}, labels={"part": "Del", "value": "Bidrag till förändringen av M"}))
        figures.append(bar_chart(list(comp_labels.values()), ct["value"].tolist(),
                                 title=f"Varför segregationen (M) förändrades {period}", y_title="Förändring av M",
                                 decimals=4, colour="#3a8d5c"))
        intro.append(
            f"Förändringen av M mellan {period} ({format_number(ch['total'], 4)}) är uppdelad enligt Elbers (2023, "
            "Shapley-metoden): vad som beror på att elevgruppernas storlek ändrats, att skolornas storlek ändrats, "
            "nya och nedlagda skolor, och den strukturella förändringen av vilka elever som går på vilka skolor. "
            "Delarna summerar till den totala förändringen."
        )
    return Section("segregation", "Segregation mellan skolorna över tid", intro, figures, tables, results=results)

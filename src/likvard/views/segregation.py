"""Shown tables of segregation results (``likvard.analyses.segregation`` and ``.residential``) for
the report, the exports and the CLI. Whole-system figures rest on every student of the year; the
per-school table is suppressed (``..`` below 10 students, plus the dataset's complementary units).
"""

from __future__ import annotations

import pandas as pd

from likvard.analyses.dataset import Dataset
from likvard.analyses.residential import ResidentialChoice
from likvard.analyses.segregation import CHANGE_PARTS, SegregationResult
from likvard.analyses.settings import DEFAULTS, Settings
from likvard.privacy import SUPPRESSED
from likvard.views.common import AREA_TYPE_LABELS, ORGANISER_TYPE_LABELS, school_year_label
from likvard.views.suppression import order_after_suppression, suppress_table, suppress_units
from likvard.views.suppression import publish
from likvard.views.table import Table

INDEX_LABELS = {
    "theil_h": "Theils H (informationsindex)",
    "dissimilarity": "Skillnadsindex D",
    "mutual_information": "Ömsesidig information M",
    "normalized_exposure": "Normaliserad exponering",
    "gini": "Gini-index",
    "relative_diversity": "Relativ mångfald",
    "squared_coefficient_of_variation": "Kvadrerad variationskoefficient",
    "atkinson": "Atkinsons index",
    "hutchens": "Hutchens kvadratrotsindex",
    "correlation_ratio": "Korrelationskvot (eta²)",
    "ordinal_information": "Ordinalt informationsindex (Reardon)",
    "entropy": "Entropi E (gruppblandning totalt)",
}

GROUP_LABELS = {
    "compulsory": "förgymnasial",
    "upper_secondary": "gymnasial",
    "post_secondary": "eftergymnasial",
    "other": "ej eftergymnasial",
    "unknown": "okänd",
    "swedish": "svensk bakgrund",
    "foreign_background": "utländsk bakgrund",
    "born_in_sweden_foreign_parents": "född i Sverige med utländsk bakgrund",
    "foreign_born": "utrikes född",
}

GROUPING_LABELS = {"parent_education": "föräldrarnas utbildningsnivå", "migration_background": "migrationsbakgrund"}

CHANGE_LABELS = {
    "group_marginal": "Ändrad sammansättning av eleverna totalt",
    "unit_marginal": "Ändrade skolstorlekar",
    "additions": "Nya skolor",
    "removals": "Nedlagda skolor",
    "structural": "Strukturell förändring (vilka elever som går var)",
    "total": "Total förändring",
}

DECOMPOSITION_TITLES = {"organiser_type": "Uppdelning på kommunala och fristående skolor",
                        "area_type": "Uppdelning på områdestyp"}
PART_LABELS: dict[str, dict] = {"organiser_type": ORGANISER_TYPE_LABELS, "area_type": AREA_TYPE_LABELS}
CHARACTERISTICS = {"share_post_secondary": "Eftergymnasialt utbildade föräldrar",
                   "share_foreign_background": "Utländsk bakgrund"}


def label(code: str) -> str:
    """Swedish name of an index or a group code."""
    return INDEX_LABELS.get(code, GROUP_LABELS.get(code, code))


def series_table(result: SegregationResult) -> Table:
    """Per year and index: value, interval, random-allocation baseline, students and schools."""
    t = result.series.assign(index=result.series["key"].map(INDEX_LABELS))
    t = t[["school_year", "index", "key", "value", "low", "high", "baseline", "n_students", "n_schools"]]
    p = result.settings.percent
    return publish(Table("segregation", "Segregationsmått per läsår", t,
                 decimals={"value": 3, "low": 3, "high": 3, "baseline": 3},
                 labels={"n_schools": "Antal skolor", "key": "Kod", "low": f"Nedre gräns ({p})",
                         "high": f"Övre gräns ({p})"}))


def indices_table(result: SegregationResult) -> Table:
    """Every index of the chosen year with its bootstrap standard error and interval."""
    rows = []
    for code in INDEX_LABELS:
        v = result.latest.get(code)
        if not isinstance(v, float):
            continue
        row: dict[str, object] = {"index": INDEX_LABELS[code], "key": code, "value": v}
        if code in result.bootstrap.index:
            b = result.bootstrap.loc[code]
            row.update({"se": float(b["se"]), "low": float(b["ci_low"]), "high": float(b["ci_high"])})
        if code in result.baseline.index:
            row["baseline"] = float(result.baseline.loc[code, "expected"])
        rows.append(row)
    p = result.settings.percent
    return publish(Table("index", f"Alla segregationsmått läsåret {school_year_label(result.year)}", pd.DataFrame(rows),
                 decimals={"value": 4, "se": 4, "low": 4, "high": 4, "baseline": 4},
                 labels={"key": "Kod", "se": "Medelfel (bootstrap)", "low": f"Nedre gräns ({p})",
                         "high": f"Övre gräns ({p})"}))


def exposure_table(result: SegregationResult) -> Table:
    """Exposure: for a student of each group, the mean share of each group among schoolmates."""
    ex = pd.DataFrame(result.latest["exposure"]).T
    ex.index = [label(g) for g in ex.index]
    ex.columns = [f"andel_{g}" for g in ex.columns]
    labels = {f"andel_{g}": f"Andel {label(g)} i skolan" for g in result.latest["exposure"]}
    return publish(Table("exponering", "Exponering: elevens skolkamrater", ex.reset_index(names="group"),
                 decimals=dict.fromkeys(labels, 3), labels={"group": "Elevens grupp", **labels}))


def decomposition_tables(result: SegregationResult) -> list[Table]:
    out = []
    for dec in result.decompositions:
        labels: dict = PART_LABELS[dec.by]
        parts = dec.parts.assign(part=dec.parts["part"].map(lambda p, labels=labels: labels.get(p, str(p))))
        t = suppress_table(parts, "n_students", ["h_within", "m_within", "contribution"],
                           min_n=result.settings.min_students)
        note = (f"Total M = {dec.total:.4f}; mellan grupperna {dec.between:.4f} ({100 * dec.share_between:.1f} %), "
                f"inom grupperna {dec.within:.4f}.").replace(".", ",")
        out.append(publish(Table(f"uppdelning_{dec.by}", f"{DECOMPOSITION_TITLES[dec.by]} {school_year_label(dec.year)}", t,
                         decimals={"h_within": 3, "m_within": 4, "contribution": 4},
                         labels={"part": "Grupp av skolor", "h_within": "H inom gruppen", "m_within": "M inom gruppen",
                                 "contribution": "Bidrag till M inom grupperna"}, note=note)))
    return out


def change_table(result: SegregationResult) -> Table | None:
    if result.change is None:
        return None
    ch = result.change
    t = pd.DataFrame({"part": [CHANGE_LABELS[k] for k in CHANGE_PARTS], "key": list(CHANGE_PARTS),
                      "value": [ch.parts[k] for k in CHANGE_PARTS]})
    period = f"{school_year_label(ch.first_year)}–{school_year_label(ch.last_year)}"
    return publish(Table("forandring_segregation", f"Förändringen av M {period} uppdelad", t,
                 decimals={"value": 4}, labels={"part": "Del", "key": "Kod", "value": "Bidrag till förändringen av M"}))


def contributions_table(result: SegregationResult, ds: Dataset, settings: Settings = DEFAULTS) -> Table | None:
    """Each school's local score and share of M, suppressed (primary and the dataset's hidden units)."""
    if result.contributions is None:
        return None
    t = result.contributions.copy()
    t.insert(1, "name", t["school_id"].map(ds.names()).fillna(t["school_id"]))
    # The students of the composition table, not only those whose group is known: the difference
    # of the two would give each school's students with unknown parental education.
    comp = ds.composition[ds.composition["school_year"] == result.year]
    t["n_students"] = t["school_id"].astype(str).map(dict(zip(comp["school_id"].astype(str), comp["n_students"])))
    t = suppress_table(t, "n_students", ["local_score", "contribution"], totals_shown=False, min_n=settings.min_students)
    t = suppress_units(t, "school_id", ds.hidden(result.year, settings.min_students, settings.complementary_suppression),
                       ["n_students", "local_score", "contribution"])
    t = order_after_suppression(t, "contribution", ascending=False)
    return publish(Table("skolornas_bidrag", f"Skolornas bidrag till segregationen {school_year_label(result.year)}",
                 t.reset_index(drop=True),
                 decimals={"local_score": 4}))


RANGE_LABELS = {
    "characteristic": "Grupp",
    "dissimilarity": "D (skattning)", "dissimilarity_low": "D, lägsta möjliga", "dissimilarity_high": "D, högsta möjliga",
    "dissimilarity_excluded": "D utan dolda skolor",
    "theil_h": "H (skattning)", "theil_h_low": "H, lägsta möjliga", "theil_h_high": "H, högsta möjliga",
    "theil_h_excluded": "H utan dolda skolor",
    "n_units": "Antal skolor", "n_units_uncertain": "Skolor med dold andel",
    "n_students_uncertain": "Elever på skolor med dold andel",
}


def ranges_table(result: SegregationResult) -> Table | None:
    """D and H with the range over Skolverket's hidden cells; a single school's count never shows."""
    if result.published_ranges is None:
        return None
    out = result.published_ranges.copy()
    out["characteristic"] = out["characteristic"].map(CHARACTERISTICS).fillna(out["characteristic"])
    single = (out["n_units_uncertain"] == 1) | (out["n_students_uncertain"] < 10) & (out["n_students_uncertain"] > 0)
    out["n_students_uncertain"] = out["n_students_uncertain"].astype(object).where(~single, SUPPRESSED)
    return publish(Table("undertryckta_celler", "Segregation med hänsyn till Skolverkets dolda uppgifter", out,
                 decimals={c: 3 for c in out.columns if c.startswith(("dissimilarity", "theil_h"))}, labels=RANGE_LABELS))


def residential_table(result: ResidentialChoice) -> Table:
    """Actual and residential (nearest-school) H, D and M per year and the choice part. The number
    of students is not shown: it leaves out students with protected identity (no home location),
    and the segregation table's number minus it would give how many they are."""
    rows = []
    for _, r in result.table.iterrows():
        for key in ("h", "d", "m"):
            a, h = float(r[f"{key}_actual"]), float(r[f"{key}_residential"])
            rows.append({"school_year": int(r["school_year"]), "index": {"h": "Theils H", "d": "Skillnadsindex D",
                                                                        "m": "Ömsesidig information M"}[key],
                         "key": {"h": "theil_h", "d": "dissimilarity", "m": "mutual_information"}[key],
                         "actual": a, "residential": h, "choice": a - h,
                         "choice_share": 100.0 * (a - h) / a if a > 0 else float("nan")})
    return publish(Table("boende_och_skolval", "Boendesegregation och skolval per läsår", pd.DataFrame(rows),
                 decimals={"actual": 3, "residential": 3, "choice": 3},
                 labels={"key": "Kod", "actual": "Faktisk", "residential": "Om alla gick i närmaste skola",
                         "choice": "Tillägg genom skolval", "choice_share": "Skolvalets andel (%)"}))


def followed_tables(result: SegregationResult) -> list[Table]:
    """The yearly change on followed schools, the code changes followed and the units not followed."""
    f = result.followed
    if f is None:
        return []
    keep = ["school_year", "m_before", "m_after", *CHANGE_PARTS, "n_added", "n_removed", "n_links"]
    series = f.series[[c for c in keep if c in f.series]]
    lost = f.not_followed.assign(event=f.not_followed["event"].map({"closed": "upphörd", "opened": "ny"}))
    return [
        publish(Table("forandring_per_lasar", "Förändringen av M mellan varje läsår och nästa, på följda skolor", series,
              decimals={c: 4 for c in series.columns if c not in ("school_year", "n_added", "n_removed", "n_links")},
              labels={"m_before": "M föregående läsår", "m_after": "M", **CHANGE_LABELS, "n_added": "Nya enheter",
                      "n_removed": "Nedlagda enheter", "n_links": "Följda kodbyten"})),
        publish(Table("foljda_kodbyten", "Skolor som bytt skolenhetskod och följts", f.links,
              labels={"old_school_id": "Tidigare kod", "new_school_id": "Ny kod"})),
        publish(Table("ej_foljda_enheter", "Enheter som upphört eller tillkommit utan motsvarighet", lost,
              labels={"event": "Händelse"})),
    ]


def segregation_tables(result: SegregationResult, ds: Dataset, settings: Settings = DEFAULTS) -> list[Table]:
    """Every table of a segregation result, in reading order."""
    tables = [series_table(result), indices_table(result), *decomposition_tables(result)]
    for t in (change_table(result), contributions_table(result, ds, settings), ranges_table(result)):
        if t is not None:
            tables.append(t)
    tables += followed_tables(result)
    if "exposure" in result.latest:
        tables.append(exposure_table(result))
    return tables

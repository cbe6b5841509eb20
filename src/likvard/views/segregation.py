"""Swedish labels and tables for segregation results (report, Excel/CSV export, CLI).

Per-school tables are small-number suppressed (``..`` where fewer than 10 students).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from likvard.privacy import suppress

INDEX_LABELS = {
    "dissimilarity": "Segregationsindex D (olikhetsindex)",
    "gini": "Gini-index",
    "mutual_information": "Ömsesidig information M",
    "theil_h": "Theils H",
    "normalized_exposure": "Normaliserad exponering",
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
    "unknown": "okänd",
    "swedish": "svensk bakgrund",
    "born_in_sweden_foreign_parents": "född i Sverige med utländsk bakgrund",
    "foreign_born": "utrikes född",
    "with": "med egenskapen",
    "without": "utan egenskapen",
}

CHANGE_LABELS = {
    "total": "Total förändring av M",
    "additions": "Nya skolenheter",
    "removals": "Nedlagda skolenheter",
    "group_marginal": "Ändrad gruppstorlek",
    "unit_marginal": "Ändrad skolstorlek",
    "structural": "Strukturell förändring (vilka som går var)",
}


def label(code: str) -> str:
    return INDEX_LABELS.get(code, GROUP_LABELS.get(code, code))


def indices_table(result: dict, bootstrap: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per index: ``Index, Värde`` and, with a bootstrap summary, ``Medelfel`` and the interval."""
    rows = []
    for code, name in INDEX_LABELS.items():
        if code in result and isinstance(result[code], float):
            row = {"Index": name, "Kod": code, "Värde": result[code]}
            if bootstrap is not None and code in bootstrap.index:
                b = bootstrap.loc[code]
                row.update(
                    {
                        "Medelfel (bootstrap)": b["se"],
                        "Biaskorrigerat värde": b["bias_corrected"],
                        "95 % intervall, nedre": b["ci_low"],
                        "95 % intervall, övre": b["ci_high"],
                    }
                )
            rows.append(row)
    return pd.DataFrame(rows)


def exposure_table(result: dict) -> pd.DataFrame:
    """Exposure matrix: row = a student's group, column = share of that group among schoolmates."""
    ex = pd.DataFrame(result["exposure"]).T
    ex.index = [f"Elev: {label(g)}" for g in ex.index]
    ex.columns = [f"Andel {label(g)} i skolan" for g in ex.columns]
    return ex.reset_index(names="Grupp")


def baseline_table(baseline: pd.DataFrame) -> pd.DataFrame:
    out = baseline.reset_index()
    out.insert(0, "Index", out["index"].map(label))
    return out.drop(columns="index").rename(
        columns={
            "observed": "Observerat",
            "expected": "Väntat vid slumpvis fördelning",
            "random_low": "Slump, nedre",
            "random_high": "Slump, övre",
            "excess": "Över slumpnivå",
            "p_value": "p-värde",
            "expected_closed_form": "Väntat (formel)",
        }
    )


def decomposition_table(dec: dict, part_label: str = "Del") -> pd.DataFrame:
    parts = dec["parts"].rename(
        columns={
            "part": part_label,
            "n_students": "Elever",
            "weight": "Andel av eleverna",
            "m_within": "M inom",
            "entropy": "Entropi",
            "h_within": "H inom",
            "h_weight": "Vikt i H",
            "contribution": "Bidrag till M inom",
        }
    )
    return suppress(
        parts,
        "Elever",
        ["M inom", "H inom", "Entropi", "Bidrag till M inom", "Vikt i H"],
    )


def decomposition_summary(dec: dict) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Del": ["Totalt", "Mellan delarna", "Inom delarna"],
            "M": [dec["total"], dec["between"], dec["within"]],
            "H": [dec["h_total"], dec["h_between"], dec["h_within"]],
        }
    )


def school_table(
    contrib: pd.DataFrame, composition: pd.DataFrame, names: pd.Series | None = None
) -> pd.DataFrame:
    """Per school: students, group shares, local score and share of M, ranked; suppressed below 10."""
    shares = composition.div(composition.sum(axis=1), axis=0)
    shares.columns = [f"Andel {label(str(c))}" for c in shares.columns]
    out = contrib.merge(shares, left_on="school_id", right_index=True, how="left")
    if names is not None:
        out.insert(1, "Skolnamn", out["school_id"].map(names))
    out = out.rename(
        columns={
            "school_id": "Skolenhet",
            "n_students": "Elever",
            "weight": "Andel av eleverna",
            "local_score": "Lokalt segregationsvärde",
            "contribution": "Bidrag till M",
            "share_of_m": "Andel av M",
            "rank": "Rang",
        }
    )
    value_cols = [
        c
        for c in out.columns
        if c.startswith("Andel ") or c in ("Lokalt segregationsvärde", "Bidrag till M")
    ]
    return suppress(out, "Elever", value_cols)


def change_table(ch: dict) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Komponent": list(CHANGE_LABELS.values()),
            "Bidrag till förändringen av M": [ch[k] for k in CHANGE_LABELS],
        }
    )


def change_series_table(series: pd.DataFrame) -> pd.DataFrame:
    cols = {
        "school_year": "Läsår",
        "m_before": "M föregående år",
        "m_after": "M",
        **CHANGE_LABELS,
        "n_added": "Antal nya enheter",
        "n_removed": "Antal nedlagda enheter",
        "n_links": "Följda kodbyten",
    }
    return series[[c for c in cols if c in series.columns]].rename(columns=cols)


def published_table(df: pd.DataFrame) -> pd.DataFrame:
    cols = {
        "school_year": "Läsår",
        "municipality_code": "Kommunkod",
        "n_units": "Skolenheter",
        "n_students": "Elever åk 1-9",
        "n_units_uncertain": "Enheter med skyddad/ungefärlig andel",
        "n_students_uncertain": "Elever i dessa enheter",
        "n_units_missing": "Enheter utan uppgift",
        "dissimilarity": "D (skattning)",
        "dissimilarity_low": "D lägst möjliga",
        "dissimilarity_high": "D högst möjliga",
        "dissimilarity_excluded": "D utan skyddade enheter",
        "theil_h": "H (skattning)",
        "theil_h_low": "H lägst möjliga",
        "theil_h_high": "H högst möjliga",
        "theil_h_excluded": "H utan skyddade enheter",
    }
    return df[[c for c in cols if c in df.columns]].rename(columns=cols)


def counterfactual_table(df: pd.DataFrame) -> pd.DataFrame:
    cols = {
        "school_year": "Läsår",
        "n_students": "Elever",
        "m_actual": "M faktisk",
        "m_residential": "M om närmaste skola",
        "m_choice": "M tillagt av skolvalet",
        "choice_share": "Skolvalets andel av M",
        "h_actual": "H faktisk",
        "h_residential": "H om närmaste skola",
        "d_actual": "D faktisk",
        "d_residential": "D om närmaste skola",
        "m_areas": "M mellan bostadsområden",
    }
    return df[[c for c in cols if c in df.columns]].rename(columns=cols)


def json_ready(obj):
    """Numbers and nested dicts/lists made JSON-serialisable (NaN -> None)."""
    if isinstance(obj, dict):
        return {str(k): json_ready(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_ready(v) for v in obj]
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return None if not np.isfinite(obj) else float(obj)
    return obj

"""Swedish tables of placement scenarios (comparison, schools, choice model) for exports and reports.

Shares, administrative placements and cut-offs of a school with fewer than 10 students (mean over
replications) read ``..``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from likvard.analyses.placement import PlacementComparison
from likvard.analyses.settings import DEFAULTS, Settings
from likvard.views.suppression import suppress_table
from likvard.views.suppression import publish
from likvard.views.table import Table

MEASURE_LABELS = {
    "mutual_information": "Segregation, informationsindex M (föräldrars utbildning)",
    "dissimilarity": "Segregation, dissimilaritetsindex D (föräldrars utbildning)",
    "dissimilarity_foreign_born": "Segregation, dissimilaritetsindex D (utrikes födda)",
    "mean_distance_km": "Medelavstånd hem–skola (km)",
    "mean_distance_km_post_secondary": "Medelavstånd, föräldrar med eftergymnasial utbildning (km)",
    "mean_distance_km_other": "Medelavstånd, övriga (km)",
    "share_first_choice": "Andel som fick sitt förstahandsval",
    "share_any_choice": "Andel som fick något av sina val",
    "n_administrative": "Antal administrativt placerade",
    "n_unplaced": "Antal utan plats",
}

FEATURE_LABELS = {
    "distance_km": "Avstånd (km)",
    "distance_km_x_post_secondary": "Avstånd × eftergymnasialt utbildade föräldrar",
    "sibling": "Syskon på skolan",
    "share_post_secondary": "Skolans andel med eftergymnasialt utbildade föräldrar",
    "share_post_secondary_x_post_secondary": "Skolans andel eftergymnasial × egen eftergymnasial",
    "independent": "Fristående skola",
    "profile": "Skolan har profil",
    "merit_value": "Skolans meritvärde (100 poäng)",
    "distance_km_x_foreign_born": "Avstånd × utrikes född",
}

SCHOOL_LABELS = {
    "scenario": "Scenario",
    "school_id": "Skolenhetskod",
    "name": "Skola",
    "organiser_type": "Huvudmannatyp",
    "is_open": "Öppen",
    "capacity": "Platser",
    "n_students": "Antal elever (medel)",
    "n_students_low": "Antal elever, nedre",
    "n_students_high": "Antal elever, övre",
    "share_post_secondary": "Andel eftergymnasialt utbildade föräldrar",
    "share_post_secondary_low": "Andel eftergymnasial, nedre",
    "share_post_secondary_high": "Andel eftergymnasial, övre",
    "share_foreign_born": "Andel utrikes födda",
    "share_foreign_born_low": "Andel utrikes födda, nedre",
    "share_foreign_born_high": "Andel utrikes födda, övre",
    "share_newly_arrived": "Andel nyanlända",
    "n_administrative": "Administrativt placerade (medel)",
    "cutoff_rank": "Sist antagnas plats i urvalsordningen (medel)",
    "cutoff_distance_m": "Sist antagnas (relativa) avstånd, m (medel)",
    "share_full": "Andel körningar där skolan blev full",
    "residential_n_students": "Elever om alla gick i närmaste skola",
}
ORGANISER_LABELS = {"municipal": "Kommunal", "independent": "Fristående"}


def choice_model_table(params: pd.DataFrame) -> pd.DataFrame:
    """Estimates of the choice model with Swedish headers."""
    out = params.copy()
    out["feature"] = out["feature"].map(FEATURE_LABELS).fillna(out["feature"])
    return out.rename(columns={"feature": "Variabel", "estimate": "Skattning", "std_error": "Medelfel", "z": "z-värde",
                               "true": "Sant värde (demo)"})


def placement_tables(comparison: PlacementComparison, settings: Settings = DEFAULTS) -> list[Table]:
    """Shown tables of ``analyses.placement.PlacementComparison``: the measures side by side and
    each school under each scenario (``..`` below 10 students, and the next smallest school of the
    scenario when exactly one is hidden, since each scenario's totals are known)."""
    m = comparison.measures.copy()
    m["measure"] = m["measure"].map(MEASURE_LABELS).fillna(m["measure"])
    labels = {"measure": "Mått", "residential": "Om alla gick i närmaste skola"}
    for name in comparison.scenarios:
        labels[f"{name} low"] = f"{name}, nedre (95 %)"
        labels[f"{name} high"] = f"{name}, övre (95 %)"
    decimals = {c: 3 for c in m.columns if c != "measure"}
    tables = [publish(Table("placering_jamforelse", "Scenarierna i sammandrag", m, decimals=decimals, labels=labels))]
    s = comparison.schools
    cols = [c for c in SCHOOL_LABELS if c in s]
    s = s[cols].copy()
    s["n_students"] = np.round(s["n_students"].astype(float), 1)
    values = [c for c in cols if c.startswith(("share_", "n_students_", "n_administrative", "cutoff"))]
    empty = s["n_students"].to_numpy() == 0  # a closed school: nothing rests on anyone
    shown = suppress_table(s, "n_students", values, by="scenario", min_n=settings.min_students)
    for c in ["n_students", *values]:
        vals = shown[c].astype(object)
        vals[empty] = s.loc[empty, c]
        shown[c] = vals
    shown["organiser_type"] = shown["organiser_type"].map(ORGANISER_LABELS).fillna(shown["organiser_type"])
    shown["is_open"] = np.where(shown["is_open"].astype(bool), "ja", "nej")
    tables.append(publish(Table("placering_skolor", "Skolornas elevsammansättning per scenario", shown,
                        decimals={**{c: 3 for c in values if c.startswith("share_")},
                                  **{c: 1 for c in ("n_students", "n_students_low", "n_students_high", "n_administrative",
                                                    "residential_n_students", "cutoff_rank", "cutoff_distance_m")}},
                        labels=SCHOOL_LABELS)))
    return tables

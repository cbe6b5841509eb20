"""Shown tables of the comparison with the nation and similar municipalities
(``likvard.analyses.comparison``). Municipal figures are aggregates of many students: no
small-number suppression applies (Kolada's own ``Privacy`` cells stay empty)."""

from __future__ import annotations

from likvard.analyses.comparison import MunicipalComparison
from likvard.views.suppression import publish
from likvard.views.table import Table

INDEX_NAMES = {"dissimilarity": "Skillnadsindex D", "theil_h": "Theils H"}


def comparison_tables(result: MunicipalComparison) -> list[Table]:
    seg = result.segregation.assign(index=result.segregation["key"].map(INDEX_NAMES))
    seg = seg[["school_year", "index", "value", "national", "similar_median", "all_median", "rank", "n_municipalities"]]
    tables = [
        publish(Table("jamforelse_segregation", "Segregation jämfört med riket och liknande kommuner", seg,
              decimals={"value": 3, "national": 3, "similar_median": 3, "all_median": 3},
              labels={"value": "Kommunen", "national": "Riket (alla skolor)",
                      "similar_median": "Liknande kommuner (median)", "all_median": "Alla kommuner (median)",
                      "rank": "Rang (1 = mest segregerad)", "n_municipalities": "Antal kommuner"})),
    ]
    if len(result.kpis):
        tables.append(publish(Table("jamforelse_nyckeltal", "Nyckeltal från Kolada jämfört med liknande kommuner och riket",
                            result.kpis, decimals={"value": 1, "similar_median": 1, "all_median": 1},
                            labels={"kpi": "Kolada-id", "title": "Nyckeltal", "year": "År", "value": "Kommunen",
                                    "similar_median": "Liknande kommuner (median)",
                                    "all_median": "Alla kommuner (median)", "rank": "Rang (1 = högst)",
                                    "n_municipalities": "Antal kommuner"})))
    if len(result.similar):
        tables.append(publish(Table("liknande_kommuner", "Liknande kommuner", result.similar, decimals={"distance": 2},
                            labels={"municipality_code": "Kommunkod", "municipality": "Kommun",
                                    "distance": "Avstånd i struktur (standardiserat)"})))
    return tables

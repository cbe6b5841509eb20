"""Placement scenarios side by side, as saved by ``likvard placering jamfor … --spara``."""

from __future__ import annotations

from likvard.analyses.overview import Overview
from likvard.report.model import Section
from likvard.views.common import school_year_label
from likvard.views.placement import placement_tables


def build(ov: Overview) -> Section | None:
    res = ov.placement
    if res is None:
        return None
    tables = placement_tables(res, ov.settings)
    intro = [
        f"Scenarierna i {res.source} för årskurs {res.grade} läsåret {school_year_label(res.school_year)}: hur "
        "elevsammansättningen, segregationen och resvägarna skulle bli med andra regler eller en annan "
        f"skolorganisation. Varje scenario är kört {res.replications} gånger med olika lottning och valdragningar; "
        "intervallen visar hur mycket slumpen påverkar.",
    ]
    return Section("placement", "Placeringsscenarier sida vid sida", intro, [], tables=tables[:1], excel_tables=tables)

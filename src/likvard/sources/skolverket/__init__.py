"""Readers for Skolverket's, Skolinspektionen's and SCB's published files, as users download them.

Each reader handles banners, ``;`` and decimal commas, thousands separators and suppression
markers (kept as a status, never turned into zero), and returns one tidy table.
"""

from likvard.sources.skolverket.coordinates import read_school_coordinates
from likvard.sources.skolverket.composition import read_composition_series, read_student_composition
from likvard.sources.skolverket.errors import SourceFileError
from likvard.sources.skolverket.markers import parse_numbers
from likvard.sources.skolverket.planned_educations import read_pe_statistics, read_skolkarta
from likvard.sources.skolverket.results import read_grade9_results
from likvard.sources.skolverket.scb import read_deso_polygons, read_regso_area_types, read_stockholm_socioeconomic
from likvard.sources.skolverket.skolenkaten import read_skolenkaten_api, read_skolenkaten_excel
from likvard.sources.skolverket.underlag import read_underlag_for_analys

__all__ = [
    "SourceFileError",
    "parse_numbers",
    "read_composition_series",
    "read_deso_polygons",
    "read_regso_area_types",
    "read_school_coordinates",
    "read_skolenkaten_api",
    "read_skolenkaten_excel",
    "read_stockholm_socioeconomic",
    "read_grade9_results",
    "read_pe_statistics",
    "read_skolkarta",
    "read_student_composition",
    "read_underlag_for_analys",
]

"""Column headers of the registers: the English field names and the Swedish names analysts use.

A header is matched after lower-casing, trimming, and reading ``_``, ``-``, ``/``, ``(``, ``)``
and runs of spaces as one space, so ``Skolenhetskod``, ``skolenhets-kod`` and ``SKOLENHETSKOD``
are the same column. ``SWEDISH_HEADERS`` gives the name that templates (``likvard mall``) write.
"""

from __future__ import annotations

import re

from likvard.tables import GRADES

SWEDISH_HEADERS: dict[str, dict[str, str]] = {
    "schools": {
        "school_id": "Skolenhetskod", "school_year": "Läsår", "name": "Skolenhetens namn",
        "organiser": "Huvudman", "organiser_type": "Typ av huvudman", "municipality_code": "Kommunkod",
        "x": "X (SWEREF99 TM)", "y": "Y (SWEREF99 TM)", "grade_min": "Lägsta årskurs",
        "grade_max": "Högsta årskurs", **{f"capacity_{g}": f"Platser årskurs {g}" for g in GRADES},
        "profile": "Profil",
    },
    "students": {
        "student_id": "Elev-id", "school_year": "Läsår", "school_id": "Skolenhetskod", "grade": "Årskurs",
        "sex": "Kön", "parent_education": "Vårdnadshavares utbildningsnivå",
        "migration_background": "Bakgrund", "newly_arrived": "Nyanländ", "home_x": "Hem X (SWEREF99 TM)",
        "home_y": "Hem Y (SWEREF99 TM)", "home_area": "Hemområde (DeSO)", "sibling_group": "Syskongrupp",
        "protected_identity": "Skyddad identitet", "merit_value": "Meritvärde", "eligible": "Behörig",
    },
    "choices": {
        "student_id": "Elev-id", "school_year": "Läsår", "grade": "Årskurs", "rank": "Valordning",
        "school_id": "Skolenhetskod",
    },
    "staff": {
        "staff_id": "Personal-id", "school_year": "Läsår", "school_id": "Skolenhetskod",
        "certified": "Legitimerad", "lead_teacher": "Förstelärare", "fte": "Tjänstgöringsgrad",
        "experience_years": "Erfarenhet (år)",
    },
    "survey": {
        "school_id": "Skolenhetskod", "school_year": "Läsår", "respondent": "Respondentgrupp",
        "area": "Område", "value": "Indexvärde", "n_respondents": "Antal svarande",
    },
    "areas": {
        "area_id": "Områdeskod", "name": "Områdesnamn", "area_type": "Områdestyp",
        "x": "X (SWEREF99 TM)", "y": "Y (SWEREF99 TM)",
    },
}
"""The Swedish header of each field, per register kind (the one written in templates)."""

_COMMON = {
    "school_id": ("skolenhetskod", "skolenhet", "skol enhetskod", "skolkod"),
    "school_year": ("läsår", "lasar"),
    "grade": ("årskurs", "arskurs", "åk"),
    "student_id": ("elev id", "elevid", "elevnummer", "personnummer", "elevens personnummer"),
    "x": ("x", "x sweref99 tm", "x sweref99tm", "östlig koordinat", "e"),
    "y": ("y", "y sweref99 tm", "y sweref99tm", "nordlig koordinat", "n"),
    "lat": ("lat", "latitud"),
    "lon": ("lon", "longitud", "lng"),
}

EXTRA_ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "schools": {
        "name": ("namn", "skolenhetens namn", "skolnamn", "skola"),
        "organiser": ("huvudman", "huvudmannens namn"),
        "organiser_type": ("typ av huvudman", "huvudmannatyp", "huvudmanstyp"),
        "municipality_code": ("kommunkod", "kommun kod", "kommunnummer"),
        "grade_min": ("lägsta årskurs", "lagsta arskurs"),
        "grade_max": ("högsta årskurs", "hogsta arskurs"),
        **{f"capacity_{g}": (f"platser årskurs {g}", f"platser åk {g}", f"kapacitet {g}", f"kapacitet årskurs {g}")
           for g in GRADES},
        "profile": ("profil",),
    },
    "students": {
        "sex": ("kön", "kon"),
        "parent_education": ("vårdnadshavares utbildningsnivå", "föräldrarnas utbildningsnivå", "utbildningsnivå",
                             "vardnadshavares utbildningsniva"),
        "migration_background": ("bakgrund", "migrationsbakgrund", "svensk utländsk bakgrund", "utländsk bakgrund"),
        "newly_arrived": ("nyanländ", "nyanland", "nyinvandrad"),
        "home_x": ("hem x", "hem x sweref99 tm", "bostad x", "home x"),
        "home_y": ("hem y", "hem y sweref99 tm", "bostad y", "home y"),
        "home_area": ("hemområde", "hemområde deso", "bostadsområde", "deso", "deso kod"),
        "sibling_group": ("syskongrupp", "syskon"),
        "protected_identity": ("skyddad identitet", "skyddade personuppgifter"),
        "merit_value": ("meritvärde", "meritvarde"),
        "eligible": ("behörig", "behorig", "behörighet", "behörig till gymnasiet"),
    },
    "choices": {
        "rank": ("valordning", "rang", "rangordning", "val", "önskemål", "prioritet"),
        "grade": ("årskurs", "sökt årskurs"),
    },
    "staff": {
        "staff_id": ("personal id", "personalid", "anställningsnummer", "lärar id"),
        "certified": ("legitimerad", "legitimation", "legitimerad och behörig"),
        "lead_teacher": ("förstelärare", "forstelarare"),
        "fte": ("tjänstgöringsgrad", "tjanstgoringsgrad", "heltidsekvivalenter", "årsarbetare"),
        "experience_years": ("erfarenhet år", "erfarenhet", "år i yrket"),
    },
    "survey": {
        "respondent": ("respondentgrupp", "respondent", "svarsgrupp"),
        "area": ("område", "indexområde", "omrade"),
        "value": ("indexvärde", "värde", "medelvärde", "index"),
        "n_respondents": ("antal svarande", "antal svar", "svarande"),
    },
    "areas": {
        "area_id": ("områdeskod", "omradeskod", "deso", "deso kod", "regso kod", "område"),
        "name": ("områdesnamn", "namn"),
        "area_type": ("områdestyp", "omradestyp", "socioekonomisk områdestyp"),
    },
}

_SEPARATORS = re.compile(r"[\s_\-/().,:]+")


def header_key(header: str) -> str:
    """The form headers are compared in: lower case, separators as single spaces, trimmed."""
    return _SEPARATORS.sub(" ", str(header).strip().lstrip("\ufeff").lower()).strip()


def aliases(kind: str) -> dict[str, str]:
    """Accepted header (in :func:`header_key` form) → field name, for register ``kind``."""
    from likvard.sources.registers import SCHEMAS

    names = [f.name for f in SCHEMAS[kind]]
    if kind in ("schools", "areas"):
        names += ["lat", "lon"] if kind == "schools" else []
    out: dict[str, str] = {}
    for name in names:
        out[header_key(name)] = name
    for name in names:
        for alias in (*_COMMON.get(name, ()), *EXTRA_ALIASES.get(kind, {}).get(name, ()),
                      SWEDISH_HEADERS.get(kind, {}).get(name, "")):
            if alias:
                out.setdefault(header_key(alias), name)
    return out


def canonical_columns(kind: str, headers: list[str]) -> list[str]:
    """Each header as the field name it stands for (unknown headers are kept, lower-cased)."""
    table = aliases(kind)
    return [table.get(header_key(h), str(h).strip().lower()) for h in headers]

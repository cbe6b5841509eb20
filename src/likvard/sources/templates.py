"""Excel templates of the registers (``likvard mall KIND``): a data sheet and a data dictionary.

The first sheet, ``Data``, has one column per field with the Swedish header of
``likvard.sources.headers.SWEDISH_HEADERS`` (required ones in bold), drop-down lists for codes and
yes/no fields, and text format for ids and codes so Excel keeps leading zeros and never turns an
identity number into a number. The second sheet, ``Datalexikon``, describes every column. A
filled-in template imports with ``likvard import`` as it is.
"""

from __future__ import annotations

from pathlib import Path

from likvard.files import open_private
from likvard.sources.headers import SWEDISH_HEADERS
from likvard.sources.registers import Field, fields

CODE_CHOICES: dict[str, tuple[str, ...]] = {
    "sex": ("F", "M"),
    "organiser_type": ("kommunal", "fristående"),
    "parent_education": ("förgymnasial", "gymnasial", "eftergymnasial", "okänd"),
    "migration_background": ("svensk bakgrund", "född i Sverige med utländsk bakgrund", "utrikes född"),
    "respondent": ("elev åk 5", "elev åk 8", "lärare", "vårdnadshavare"),
}
"""Values offered in the template's drop-down lists (each is accepted by the importer)."""

DESCRIPTIONS: dict[str, str] = {
    "school_id": "Skolenhetskod i Skolenhetsregistret, 8 siffror.",
    "school_year": "Läsåret som höstterminens år: 2024 betyder 2024/25 (2024/25 går också).",
    "name": "Skolenhetens namn.",
    "organiser": "Huvudmannens namn.",
    "organiser_type": "Kommunal eller fristående (enskild) huvudman.",
    "municipality_code": "Kommunkod, 4 siffror (0180 Stockholm, 1880 Örebro).",
    "x": "Östlig koordinat i SWEREF99 TM (EPSG:3006), meter. Ange i stället lat och lon (WGS84) om du har dem.",
    "y": "Nordlig koordinat i SWEREF99 TM (EPSG:3006), meter.",
    "grade_min": "Lägsta årskurs på skolenheten (0 = förskoleklass).",
    "grade_max": "Högsta årskurs på skolenheten (högst 9).",
    "profile": "Profil (t.ex. musik); tomt = ingen profil.",
    "student_id": "Elevens id: personnummer (ersätts vid import av en pseudonym, sparas aldrig) eller ett eget id.",
    "grade": "Årskurs 0–9 (0 = förskoleklass); i skolvalsregistret årskursen som söks.",
    "sex": "F (flicka) eller M (pojke).",
    "parent_education": "Vårdnadshavarnas högsta utbildningsnivå.",
    "migration_background": "Svensk bakgrund, född i Sverige med utländsk bakgrund, eller utrikes född.",
    "newly_arrived": "Nyanländ (ankommit till Sverige de senaste fyra åren): ja eller nej.",
    "home_x": "Bostadens östliga koordinat, SWEREF99 TM. Används bara för avstånd, visas aldrig.",
    "home_y": "Bostadens nordliga koordinat, SWEREF99 TM.",
    "home_area": "Bostadens DeSO-kod, om koordinater saknas.",
    "sibling_group": "Samma värde för syskon (för syskonförtur). Inga personnummer.",
    "protected_identity": "Skyddade personuppgifter: ja eller nej (tomt = nej). Bostaden används då inte.",
    "merit_value": "Meritvärde 0–340, bara årskurs 9.",
    "eligible": "Behörig till nationellt gymnasieprogram: ja eller nej, bara årskurs 9.",
    "rank": "Valets ordning: 1 = förstahandsval.",
    "staff_id": "Personalens id: personnummer (ersätts av en pseudonym) eller ett eget id.",
    "certified": "Legitimerad och behörig i sitt ämne: ja eller nej.",
    "lead_teacher": "Förstelärare: ja eller nej.",
    "fte": "Tjänstgöringsgrad i heltidsekvivalenter: 1 = heltid, 0,5 = halvtid.",
    "experience_years": "Antal år i yrket.",
    "respondent": "Vem som svarat: elev åk 5, elev åk 8, lärare eller vårdnadshavare.",
    "area": "Indexområde (t.ex. trygghet, studiero, stod).",
    "value": "Indexvärde 0–10.",
    "n_respondents": "Antal svarande.",
    "area_id": "Områdets kod (t.ex. DeSO eller RegSO).",
    "area_type": "SCB:s områdestyp 1–5 (1 = stora socioekonomiska utmaningar).",
}

TYPE_NAMES = {"school_id": "text (8 siffror)", "municipality_code": "text (4 siffror)", "id": "text",
              "str": "text", "code": "kod", "int": "heltal", "float": "tal", "bool": "ja/nej",
              "school_year": "läsår"}
TEXT_KINDS = ("school_id", "municipality_code", "id", "str", "code")


def _description(kind: str, f: Field) -> str:
    if f.name.startswith("capacity_"):
        return f"Antal platser i årskurs {f.name.removeprefix('capacity_')} (frivilligt)."
    return DESCRIPTIONS.get(f.name, "")


def _allowed(f: Field) -> str:
    if f.name in CODE_CHOICES:
        return ", ".join(CODE_CHOICES[f.name])
    if f.kind == "bool":
        return "ja, nej"
    if f.low is not None or f.high is not None:
        lo = "" if f.low is None else f"{f.low:g}".replace(".", ",")
        hi = "" if f.high is None else f"{f.high:g}".replace(".", ",")
        return f"{lo}–{hi}"
    return ""


def write_template(kind: str, path: str | Path) -> Path:
    """Write the Excel template of register ``kind`` to ``path`` (mode 600); returns the path."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    schema = fields(kind)
    headers = SWEDISH_HEADERS[kind]
    wb = Workbook()
    data = wb.active
    data.title = "Data"
    bold, plain = Font(bold=True), Font(bold=False)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for j, f in enumerate(schema, start=1):
        cell = data.cell(row=1, column=j, value=headers[f.name])
        cell.font = bold if f.required else plain
        cell.fill = fill
        letter = get_column_letter(j)
        data.column_dimensions[letter].width = max(14, min(40, len(headers[f.name]) + 4))
        if f.kind in TEXT_KINDS:
            for row in range(2, 1002):
                data.cell(row=row, column=j).number_format = "@"
        choices = CODE_CHOICES.get(f.name) or (("ja", "nej") if f.kind == "bool" else None)
        if choices:
            dv = DataValidation(type="list", formula1='"' + ",".join(choices) + '"', allow_blank=not f.required,
                                showErrorMessage=False)
            dv.add(f"{letter}2:{letter}100000")
            data.add_data_validation(dv)
    data.freeze_panes = "A2"
    lexicon = wb.create_sheet("Datalexikon")
    lexicon.append(["Kolumn", "Fältnamn (engelska)", "Obligatorisk", "Typ", "Tillåtna värden", "Beskrivning"])
    for cell in lexicon[1]:
        cell.font = bold
        cell.fill = fill
    for f in schema:
        required = "ja" if f.required else "nej"
        if kind == "students" and f.name in ("home_x", "home_y"):
            required = "ja, om Hemområde saknas"
        if kind == "schools" and f.name in ("x", "y"):
            required = "ja (eller lat och lon)"
        lexicon.append([headers[f.name], f.name, required, TYPE_NAMES.get(f.kind, f.kind), _allowed(f),
                        _description(kind, f)])
    lexicon.append([])
    lexicon.append(["Engelska fältnamn och andra svenska namn accepteras också som rubriker. Tomma rader hoppas över. "
                    "Importera med: likvard import " + kind + " FIL.xlsx --db DATABAS"])
    for letter, width in zip("ABCDEF", (28, 22, 22, 16, 40, 90)):
        lexicon.column_dimensions[letter].width = width
    path = Path(path)
    with open_private(path, "wb") as fh:
        wb.save(fh)
    return path


__all__ = ["CODE_CHOICES", "DESCRIPTIONS", "write_template"]

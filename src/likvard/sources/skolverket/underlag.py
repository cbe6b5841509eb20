"""Skolverket's "Underlag för analys inom det nationella kvalitetssystemet – Grundskola" (xlsx as
downloaded from Statistikdatabasen: measures in rows, one column per unit; or the same table
transposed to one row per unit as CSV).

One row per unit (``level``: ``country``, ``organiser`` or ``school_unit``) with English column
names for the 49 measures. Percent measures become fractions 0-1; Skolenkät measures stay means
0-10. Every measure has a ``<name>_status`` column (markers, see ``markers.py``).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from likvard.sources.cache import cached_reader
from likvard.sources.skolverket.errors import SourceFileError
from likvard.sources.skolverket.markers import parse_numbers

MEASURES: dict[str, str] = {
    "Elever: Antal elever": "students_total",
    "Elever: Andel (%) flickor": "share_girls",
    "Elever: Andel (%) med utländsk bakgrund": "share_foreign_background",
    "Elever: Andel (%) med föräldrar med eftergymnasial utbildning": "share_post_secondary",
    "Personal: Totalt (heltidstjänster)": "staff_fte",
    "Personal: Rektorer (heltidstjänster)": "principal_fte",
    "Personal: Lärare (heltidstjänster)": "teacher_fte",
    "Personal: Studie- och yrkesvägledare (heltidstjänster)": "counsellor_fte",
    "Personal: Lärare, andel (%) kvinnor (heltidstjänster)": "share_teachers_women",
    "Personal: Lärare i ämne/n, andel (%) med legitimation och behörighet (heltidstjänster)": "share_certified_teachers",
    "Personal: Lärare, andel (%) speciallärare med behörighet för särskilt stöd (heltidstjänster)": "share_special_teachers",
    "Personal: Lärare, andel (%) tillsvidareanställda (heltidstjänster)": "share_permanent_teachers",
    "Personal: Andel (%) förstelärare och lektorer (antal tjänstgörande)": "share_lead_teachers",
    "Personal: Antal elever per lärare (heltidstjänster)": "students_per_teacher",
    "Personal: Antal elever per SYV (heltidstjänster)": "students_per_counsellor",
    "Kostnader: Totalt (tkr)": "cost_total_tkr",
    "Kostnader: Undervisning (tkr)": "cost_teaching_tkr",
    "Kostnader: Per elev": "cost_per_student",
    "Kostnader: Per elev för lokaler och inventarier": "cost_per_student_premises",
    "Kostnader: Per elev för undervisning": "cost_per_student_teaching",
    "Kostnader: Per elev för skolmåltider": "cost_per_student_meals",
    "Kostnader: Per elev för lärverktyg, utrustning, skolbibliotek": "cost_per_student_materials",
    "Kostnader: Per elev för elevhälsa": "cost_per_student_health",
    "Kostnader: Per elev för övrigt": "cost_per_student_other",
    "Delmål 1: Andel (%) elever som har lägst betyget E i samtliga ämnen efter årskurs 6": "share_all_subjects_grade6",
    "Delmål 1: Andel (%) elever som har lägst betyget E i samtliga ämnen efter årskurs 9": "share_all_subjects_grade9",
    "Delmål 1: Andel (%) elever som blir behöriga till ett nationellt program i gymnasieskolan": "share_eligible",
    "Delmål 2: Elevers upplevelse av trygghet i årskurs 5 (medelvärde)*": "survey_trygghet_grade5",
    "Delmål 2: Elevers upplevelse av trygghet i årskurs 8 (medelvärde)*": "survey_trygghet_grade8",
    "Delmål 2: Elevers upplevelse av studiero i årskurs 5 (medelvärde)*": "survey_studiero_grade5",
    "Delmål 2: Elevers upplevelse av studiero i årskurs 8 (medelvärde)*": "survey_studiero_grade8",
    "Delmål 2: Elevers upplevelse av skolans arbete med att förhindra kränkningar i årskurs 5 (medelvärde)*": "survey_krankningar_grade5",
    "Delmål 2: Elevers upplevelse av skolans arbete med att förhindra kränkningar i årskurs 8 (medelvärde)*": "survey_krankningar_grade8",
    "Delmål 2: Pedagogiska personalens uppfattning om trygghet (medelvärde)*": "survey_trygghet_staff",
    "Delmål 2: Pedagogiska personalens uppfattning om studiero (medelvärde)*": "survey_studiero_staff",
    "Delmål 3: Elevers upplevelse av stimulans i årskurs 5 (medelvärde)*": "survey_stimulans_grade5",
    "Delmål 3: Elevers upplevelse av stimulans i årskurs 8 (medelvärde)*": "survey_stimulans_grade8",
    "Delmål 3: Pedagogiska personalens uppfattning om stimulans (medelvärde)*": "survey_stimulans_staff",
    "Delmål 4: Elevers upplevelse av stöd i årskurs 5 (medelvärde)*": "survey_stod_grade5",
    "Delmål 4: Elevers upplevelse av stöd i årskurs 8 (medelvärde)*": "survey_stod_grade8",
    "Delmål 4: Pedagogiska personalens uppfattning om stöd (medelvärde)*": "survey_stod_staff",
    "Delmål 4: Pedagogiska personalens uppfattning om särskilt stöd (medelvärde)*": "survey_sarskilt_stod_staff",
    "Delmål 4: Vårdnadshavares uppfattning om deras barn får den hjälp som behövs för att klara skolarbetet (medelvärde)*": "survey_stod_guardian",
    "Delmål 5: Andel (%) elever som uppnår kravnivån på samtliga delprov i det nationella provet i svenska eller svenska som andraspråk i årskurs 3": "share_np_swedish_grade3",
    "Delmål 5: Andel (%) elever som har lägst betyget E i ämnet svenska eller svenska som andraspråk i årskurs 6": "share_swedish_e_grade6",
    "Delmål 5: Andel (%) elever som har lägst betyget E i ämnet svenska eller svenska som andraspråk i årskurs 9": "share_swedish_e_grade9",
    "Delmål 6: Andel (%) elever som uppnår kravnivån på samtliga delprov i det nationella provet i matematik i årskurs 3": "share_np_math_grade3",
    "Delmål 6: Andel (%) elever som har lägst betyget E i ämnet matematik i årskurs 6": "share_math_e_grade6",
    "Delmål 6: Andel (%) elever som har lägst betyget E i ämnet matematik i årskurs 9": "share_math_e_grade9",
}

_LABEL = re.compile(r"^(?P<org>.*?) \((?P<orgnr>\d{10})\): (?P<unit>.*?)(?: \((?P<code>\d{8})\))?$")


def _sheet_rows(path: Path) -> list[tuple]:
    """The first sheet's cells as rows (calamine, a fast Rust reader)."""
    sheet = pd.read_excel(path, header=None, engine="calamine", dtype=object)
    return [tuple(None if (isinstance(v, float) and np.isnan(v)) else v for v in row)
            for row in sheet.itertuples(index=False)]


def _cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _from_xlsx(path: Path) -> pd.DataFrame:
    rows = _sheet_rows(path)
    label_row = next((i for i, r in enumerate(rows) if r and str(r[1] or "").strip().upper().startswith("RIKET")), None)
    if label_row is None:
        raise SourceFileError(path, "hittade ingen rad med enheternas namn ('RIKET: TOTALT …'); är det rätt export?")
    labels = [str(v or "") for v in rows[label_row][1:]]
    years = [str(v or "") for v in rows[label_row + 1][1:]]
    data = {"etikett": labels, "lasar": years}
    for r in rows[label_row + 2 :]:
        if r and r[0]:
            data[str(r[0]).strip()] = [_cell(v) for v in r[1:]]
    return pd.DataFrame(data)


def _parse_labels(frame: pd.DataFrame) -> pd.DataFrame:
    lab = frame["etikett"].astype(str).str.strip()
    parts = lab.str.extract(_LABEL)
    level = np.where(lab.str.upper().str.startswith("RIKET"), "country",
                     np.where(parts["code"].notna(), "school_unit", "organiser"))
    return pd.DataFrame({
        "level": level,
        "organiser": parts["org"].fillna(""),
        "organiser_orgnr": parts["orgnr"].fillna(""),
        "name": np.where(parts["code"].notna(), parts["unit"].fillna(""), ""),
        "school_id": parts["code"].fillna(""),
    })


@cached_reader
def read_underlag_for_analys(path: str | Path) -> pd.DataFrame:
    """Read the xlsx (as downloaded) or its one-row-per-unit CSV; see the module docstring."""
    path = Path(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        frame = _from_xlsx(path)
    else:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    if "etikett" not in frame.columns:
        raise SourceFileError(path, "kolumnen 'etikett' (enheternas namn) saknas; är det 'Underlag för analys'?")
    missing = [m for m in MEASURES if m not in frame.columns]
    if len(missing) == len(MEASURES):
        raise SourceFileError(path, "inga av måtten i 'Underlag för analys' hittades.")
    out = _parse_labels(frame)
    out["school_year"] = frame["lasar"].str.slice(0, 4).astype(int).to_numpy()
    for label, name in MEASURES.items():
        if label not in frame.columns:
            out[name] = np.nan
            out[f"{name}_status"] = "missing"
            continue
        values, status = parse_numbers(frame[label])
        if "(%)" in label:
            values = values / 100.0
        out[name] = values.to_numpy()
        out[f"{name}_status"] = status.to_numpy()
    return out

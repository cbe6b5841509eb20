"""Column contracts of the tables passed between sources, store, engines and views.

Every public boundary passes pandas DataFrames with these columns (see DESIGN.md, "Input
formats"). Codes are English identifiers; Swedish labels live in ``likvard.views``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

PARENT_EDUCATION = ("compulsory", "upper_secondary", "post_secondary", "unknown")
"""Highest education of the guardians (förgymnasial, gymnasial, eftergymnasial, okänd)."""

MIGRATION_BACKGROUND = ("swedish", "born_in_sweden_foreign_parents", "foreign_born")
"""Svensk bakgrund; född i Sverige med utländsk bakgrund; utrikes född."""

SEX = ("F", "M")
ORGANISER_TYPE = ("municipal", "independent")
GRADES = tuple(range(0, 10))  # 0 = förskoleklass
RESPONDENT = ("student_grade5", "student_grade8", "teacher", "guardian")
SURVEY_AREAS = ("trygghet", "studiero", "stod", "stimulans", "nojdhet", "krankningar", "information")
MERIT_MIN, MERIT_MAX = 0.0, 340.0
MIN_SHOWN_STUDENTS = 10
"""Skolverket's convention: a figure resting on fewer students is shown as '..'."""

SCHOOLS_COLUMNS = {
    "school_id": "str, 8 digits (skolenhetskod)",
    "school_year": "int, autumn year (2024 = 2024/25)",
    "name": "str",
    "organiser": "str (huvudman)",
    "organiser_type": "municipal | independent",
    "municipality_code": "str, 4 digits",
    "x": "float, SWEREF99 TM easting (EPSG:3006)",
    "y": "float, SWEREF99 TM northing",
    "grade_min": "int 0-9",
    "grade_max": "int 0-9",
    # optional: capacity_0 ... capacity_9 (int), profile (str or empty)
}

STUDENTS_COLUMNS = {
    "student_id": "str, pseudonymous (keyed hash if a personal identity number was given)",
    "school_year": "int",
    "school_id": "str",
    "grade": "int 0-9",
    "sex": "F | M",
    "parent_education": "compulsory | upper_secondary | post_secondary | unknown",
    "migration_background": "swedish | born_in_sweden_foreign_parents | foreign_born",
    "newly_arrived": "bool",
    "home_x": "float SWEREF99 TM (or NaN when home_area is given)",
    "home_y": "float SWEREF99 TM",
    # optional: home_area (DeSO code), sibling_group (str), protected_identity (bool),
    # merit_value (float 0-340, grade 9), eligible (bool, grade 9)
}

CHOICES_COLUMNS = {
    "student_id": "str",
    "school_year": "int",
    "grade": "int, the grade applied for",
    "rank": "int, 1 = first choice",
    "school_id": "str",
}

STAFF_COLUMNS = {
    "staff_id": "str, pseudonymous",
    "school_year": "int",
    "school_id": "str",
    "certified": "bool (legitimerad och behörig)",
    "lead_teacher": "bool (förstelärare)",
    "fte": "float, full-time equivalents",
    # optional: experience_years (float)
}

SURVEY_COLUMNS = {
    "school_id": "str",
    "school_year": "int",
    "respondent": "student_grade5 | student_grade8 | teacher | guardian",
    "area": "trygghet | studiero | stod | ...",
    "value": "float, index 0-10",
    "n_respondents": "int",
}

AREAS_COLUMNS = {
    "area_id": "str (DeSO-like code)",
    "name": "str",
    "area_type": "int 1-5 (SCB/Delmos områdestyp: 1 = stora socioekonomiska utmaningar)",
    "x": "float, centre SWEREF99 TM",
    "y": "float",
}

KINDS = ("schools", "students", "choices", "staff", "survey")


def empty(columns: dict[str, str]) -> pd.DataFrame:
    """An empty table with the contract's columns."""
    return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})


@dataclass
class AuthorityData:
    """An authority's registers as typed tables (any of them may be empty)."""

    schools: pd.DataFrame = field(default_factory=lambda: empty(SCHOOLS_COLUMNS))
    students: pd.DataFrame = field(default_factory=lambda: empty(STUDENTS_COLUMNS))
    choices: pd.DataFrame = field(default_factory=lambda: empty(CHOICES_COLUMNS))
    staff: pd.DataFrame = field(default_factory=lambda: empty(STAFF_COLUMNS))
    survey: pd.DataFrame = field(default_factory=lambda: empty(SURVEY_COLUMNS))
    areas: pd.DataFrame = field(default_factory=lambda: empty(AREAS_COLUMNS))
    name: str = ""

    def years(self) -> list[int]:
        """School years present in the students table."""
        if self.students.empty:
            return []
        return sorted(int(y) for y in self.students["school_year"].unique())

"""Summary figures that Exempelstad is calibrated to, each with its source.

Computed once by hand from Skolverket's published files (the folder described in
``shared/data/real/SOURCES.md``); only these few figures are kept, never tables. "Mid-sized
municipalities" are the 25 municipalities with 8,500-18,000 students in grades 1-9 in 2023/24
(about 75,000-160,000 inhabitants, e.g. Eskilstuna, Jönköping, Växjö, Halmstad, Karlstad,
Gävle, Sundsvall, Örebro, Västerås).
"""

from __future__ import annotations

MUNICIPALITY_CODE = "1999"
"""A 4-digit code that no Swedish municipality uses (Västmanland's codes stop at 1984)."""
MUNICIPALITY_NAME = "Exempelstad"

# --- Student composition -------------------------------------------------------------------
# Source: "Grundskolan - Antal elever per årskurs 2023 Skolenhet.csv" (Skolverket), grades 1-9,
# shares weighted by students, school units with both shares published.
NATIONAL_SHARE_FOREIGN_BACKGROUND = 0.287
NATIONAL_SHARE_POST_SECONDARY = 0.637
# Same file, mid-sized municipalities: median (IQR) over the 25 municipalities.
MID_SHARE_FOREIGN_BACKGROUND = 0.315  # IQR 0.27-0.36
MID_SHARE_POST_SECONDARY = 0.64  # IQR 0.60-0.69 (mean of 25)
MID_DISSIMILARITY_FOREIGN_BACKGROUND = 0.405  # IQR 0.35-0.46, range 0.24-0.51
MID_DISSIMILARITY_POST_SECONDARY = 0.236  # IQR 0.21-0.27
MID_SCHOOL_SD_FOREIGN_BACKGROUND = 0.229  # SD across schools of the share, median municipality
MID_SCHOOL_SD_POST_SECONDARY = 0.152
MID_SCHOOLS_PER_MUNICIPALITY = 40  # median; 25-64
SHARE_INDEPENDENT = 0.165  # share of students in independent schools, same file, national
# Underlag för analys grundskola 2024/25 (Skolverket), national row ("RIKET: TOTALT"):
SHARE_FOREIGN_BACKGROUND_2024 = 0.271
SHARE_POST_SECONDARY_2024 = 0.652
STUDENTS_PER_TEACHER = 12.0
SHARE_LEAD_TEACHERS = 0.10  # "förstelärare och lektorer", national 10.1 %
SHARE_CERTIFIED = 0.726  # teachers with certification in the subject, national, fte-weighted
# Same file, school units: certified share by quintile of share post-secondary parents
# (quintile means 40 %, 52 %, 62 %, 72 %, 85 %): 64.4, 68.6, 71.7, 75.0, 78.6 %; correlation 0.36.
CERTIFIED_SLOPE_PER_SHARE_POST_SECONDARY = 0.31  # (78.6 - 64.4) / (85 - 40) percentage points per point
# Survey means (Skolenkäten via Underlag för analys, school units, index 0-10): mean (SD).
SURVEY_MEANS = {
    ("student_grade5", "trygghet"): (8.2, 0.6), ("student_grade8", "trygghet"): (7.8, 0.6),
    ("student_grade5", "studiero"): (5.6, 0.9), ("student_grade8", "studiero"): (5.7, 0.7),
    ("student_grade5", "stod"): (7.4, 0.6), ("student_grade8", "stod"): (6.4, 0.6),
    ("teacher", "trygghet"): (6.7, 0.9), ("teacher", "studiero"): (6.9, 0.7), ("teacher", "stod"): (6.3, 0.9),
    ("guardian", "trygghet"): (7.8, 0.6), ("guardian", "studiero"): (6.8, 0.7), ("guardian", "stod"): (6.8, 1.0),
}
"""Guardian trygghet/studiero from skolkarta_grundskolor_ak9_2024_25.csv (enkat_vardnadshavare_*)."""

# --- Results ---------------------------------------------------------------------------------
# skolkarta_grundskolor_ak9_2024_25.csv (Skolverket Planned Educations, SALSA 2024/25):
MERIT_MEAN_SCHOOLS = 227.7  # unweighted mean of school merit values 2024/25, 1,532 schools
MERIT_SD_SCHOOLS = 28.2  # SD across schools
SALSA_DEVIATION_SD = 17.9  # SD of SALSA residuals across schools (true effect + noise)
# Underlag för analys 2024/25, national: 84.1 % eligible for a national programme.
SHARE_ELIGIBLE = 0.841
MERIT_SD_STUDENTS = 65.0
"""Student-level SD of merit values: not in the per-school files; Skolverket's national
statistics (Betyg och studieresultat i grundskolan) give about 60-70 points."""

# --- Geography -------------------------------------------------------------------------------
AREA_TYPE_SHARES = (0.10, 0.12, 0.38, 0.25, 0.15)
"""Shares of areas of type 1..5; SCB's RegSO area types (regso_socioekonomisk_index_2022.csv)
put about a fifth of RegSO areas in types 1-2 in mid-sized towns."""
AREA_ADVANTAGE_NOISE_SD = 0.6

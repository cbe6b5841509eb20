"""The words of the follow-up register: categories, statuses, roles, dialogue kinds, indicators.

Categories: Skolverket's PM on authorities' work against segregation (Dnr 2018:00332) sorts
interventions into five groups (``likvard.demo.interventions.CATEGORIES`` uses the same words).
Dialogue kinds and the two formal dialogues a school year: Skolinspektionen's follow-up of 28
low-performing schools (autumn: undersökande, spring: uppföljande). Decision statuses and the
fields of the register: ``docs/uppfoljning.md``.
"""

from __future__ import annotations

CATEGORIES: tuple[str, ...] = (
    "Ny- och ombyggnation av skolor",
    "Val av skola och placering av elever",
    "Skolans profil och status",
    "Resursfördelning, stöd och utvecklingsinsatser",
    "Insatser med kompensatorisk prägel",
)
CHAIN_LEVELS: tuple[str, ...] = ("huvudman", "förvaltning", "skolenhet", "klassrum")
INTERVENTION_STATUSES: tuple[str, ...] = ("planerad", "pågående", "avslutad", "avbruten")
DESIGNS: dict[str, str] = {
    "auto": "väljs efter data",
    "sc": "syntetisk kontroll",
    "sdid": "syntetisk skillnad-i-skillnader",
    "did": "stegvis skillnad-i-skillnader",
    "cits": "jämförande avbruten tidsserie",
    "before_after": "före–efter (beskrivande)",
}
FUNDING: tuple[str, ...] = ("egen budget", "likvärdighetsbidrag", "annat statsbidrag", "annan")
DIRECTIONS: dict[str, str] = {"+": "högre är bättre", "-": "lägre är bättre"}

INDICATORS: dict[str, str] = {
    "merit_value": "Meritvärde åk 9",
    "share_eligible": "Andel behöriga till gymnasiets nationella program",
    "share_certified": "Andel legitimerade lärare",
    "trygghet": "Trygghet (Skolenkäten, 0–10)",
    "studiero": "Studiero (Skolenkäten, 0–10)",
    "stod": "Stöd (Skolenkäten, 0–10)",
}
"""Indicators the register can evaluate (``likvard.evaluation.OUTCOMES``)."""
SURVEY_INDICATORS = ("trygghet", "studiero", "stod")
RESPONDENTS: dict[str, str] = {"student_grade5": "elever i åk 5", "student_grade8": "elever i åk 8"}
DEFAULT_RESPONDENT = "student_grade8"

DIALOGUE_KINDS: dict[str, str] = {"host": "höst (undersökande)", "var": "vår (uppföljande)"}
ITEM_KINDS: dict[str, str] = {
    "rektor": "rektors fokusområde",
    "huvudman": "huvudmannens område",
    "genererad": "från underlaget",
    "manuell": "tillagd punkt",
}
NOTE_KINDS: dict[str, str] = {
    "analys": "orsaksanalys",
    "styrkor": "styrkor",
    "utvecklingsbehov": "utvecklingsbehov",
    "stod": "stöd som efterfrågas",
}
DECISION_STATUSES: tuple[str, ...] = ("ej påbörjad", "pågår", "genomförd", "delvis", "ändrad", "struken")
OPEN_DECISION_STATUSES = ("ej påbörjad", "pågår", "delvis", "ändrad")

ROLES: tuple[str, ...] = ("admin", "analytiker", "skolchef", "rektor", "nämnd")
AUTHORITY_ROLES: tuple[str, ...] = ("admin", "analytiker", "skolchef")
WRITING_ROLES: tuple[str, ...] = ("admin", "analytiker", "skolchef", "rektor")
SIGN_AS: dict[str, str] = {"rektor": "rektor", "huvudman": "huvudman"}
RESPONSIBLE_ROLES: tuple[str, ...] = ("rektor", "skolchef", "förvaltning", "nämnd", "analytiker", "elevhälsa",
                                      "lärare", "huvudman")

CAUSE_AREAS: tuple[str, ...] = (
    "organisation",
    "undervisning",
    "styrning, uppföljning och analys i styrkedjan",
    "extra anpassningar, särskilt stöd och elevhälsa",
    "trygghet och studiero",
)
"""Cause areas of a nulägesanalys (Samverkan för bästa skola, Skolverket)."""
NULAGE_SECTIONS: dict[str, str] = {
    "forutsattningar": "Skolenhetens förutsättningar",
    "resultat": "Resultat och måluppfyllelse",
    "elevernas_rost": "Elevernas röst",
    "problem": "Identifierade problem",
    "orsaker": "Orsaksanalys",
    "styrkor": "Styrkor och framgångsfaktorer",
    "prioriteringar": "Slutsatser och prioriterade utvecklingsområden",
}
"""The sections of a nulägesanalys, in the order of Samverkan för bästa skola."""

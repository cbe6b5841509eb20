"""One module per report section; each has ``build(ov: Overview) -> Section | None`` and returns
None only when the overview lacks its part (which ``Overview.omitted`` explains)."""

SECTION_MODULES = (
    "composition",
    "school_map",
    "segregation",
    "comparison",
    "contributions",
    "residential_choice",
    "expected_results",
    "school_effects",
    "results_trend",
    "need",
    "indicators",
    "placement",
)
"""Section modules in reading order (the summary comes first, the glossary and the list of what
was left out last; those are built by ``likvard.report.build``)."""

SECTION_TITLES = {
    "composition": "Elevsammansättning per skola",
    "school_map": "Karta över skolorna",
    "segregation": "Segregation mellan skolorna över tid",
    "comparison": "Jämfört med riket och liknande kommuner",
    "contributions": "Varje skolas bidrag till segregationen",
    "residential_choice": "Boendesegregation och skolval",
    "expected_results": "Förväntade och faktiska resultat",
    "school_effects": "Skoleffekter över flera år",
    "results_trend": "Meritvärde och behörighet per skola över tid",
    "need": "Behovsindex",
    "indicators": "Trygghet, studiero, stöd och lärare mot behov",
    "placement": "Placeringsscenarier sida vid sida",
}

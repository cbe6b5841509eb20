"""One module per report section; each has ``build(ctx) -> Section | None``.

A section returns None when the data do not allow it; a section whose engine is not importable
is left out by the builder without an error.
"""

SECTION_MODULES = (
    "composition",
    "school_map",
    "segregation",
    "contributions",
    "residential_choice",
    "expected_results",
    "school_effects",
    "need",
    "indicators",
    "placement",
)

"""File names of the reports a command writes (so that one report can link to another before it
is written)."""

from __future__ import annotations


def quality_report_names(school_year: int) -> tuple[str, str]:
    """File names of the quality report for ``school_year``: kvalitetsrapport-YYYY.docx and .html."""
    return f"kvalitetsrapport-{int(school_year)}.docx", f"kvalitetsrapport-{int(school_year)}.html"

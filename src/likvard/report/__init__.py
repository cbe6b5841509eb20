"""The Nulägesrapport: a self-contained Swedish HTML report (prints on A4) and an Excel workbook.

Entry points: :func:`render_authority_report` (Exempelstad or an authority's own registers) and
:func:`render_published_report` (Skolverket's published files for any municipality); both run
``likvard.analyses`` once and render the results.
"""

from likvard.report.build import render_authority_report, render_overview, render_published_report
from likvard.report.model import ReportResult, ReportTable, Section

__all__ = ["ReportResult", "ReportTable", "Section", "render_authority_report", "render_overview",
           "render_published_report"]

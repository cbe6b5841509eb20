"""The Nulägesrapport (issue 5): a self-contained Swedish HTML report and an Excel workbook.

Entry points: :func:`render_authority_report` (Exempelstad or an authority's own registers) and
:func:`render_published_report` (Skolverket's published files for any municipality).
"""

from likvard.report.build import render_authority_report, render_published_report
from likvard.report.model import ReportResult, ReportTable, Section

__all__ = ["ReportResult", "ReportTable", "Section", "render_authority_report", "render_published_report"]

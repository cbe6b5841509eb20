"""The Nulägesrapport: a self-contained Swedish HTML report (prints on A4) and an Excel workbook.

Entry points: :func:`render_authority_report` (Exempelstad or an authority's own registers) and
:func:`render_published_report` (Skolverket's published files for any municipality); both run
``likvard.analyses`` once and render the results. They are imported on first use, so that a
small module of the package (``likvard.report.file_names``) can be imported without the renderers.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from likvard.report.build import render_authority_report, render_overview, render_published_report
    from likvard.report.model import ReportResult, ReportTable, Section

__all__ = ["ReportResult", "ReportTable", "Section", "render_authority_report", "render_overview",
           "render_published_report"]

_HOME = {"render_authority_report": "build", "render_overview": "build", "render_published_report": "build",
         "ReportResult": "model", "ReportTable": "model", "Section": "model"}


def __getattr__(name: str) -> Any:
    if name in _HOME:
        return getattr(importlib.import_module(f"likvard.report.{_HOME[name]}"), name)
    raise AttributeError(name)

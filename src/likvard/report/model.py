"""The parts a report is made of: sections holding explanations, figures and tables."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import plotly.graph_objects as go

from likvard.views.table import Table

ReportTable = Table
"""A table of the report (the views' :class:`~likvard.views.table.Table`)."""


@dataclass
class Figure:
    """A chart; ``per_school`` marks charts with one row per school (checked for legibility)."""

    figure: go.Figure
    per_school: bool = False


@dataclass
class Section:
    """One part of the report: a title, plain-Swedish explanations, figures and tables.

    ``tables`` are shown on the page (short ones); ``excel_tables`` go to the Excel file only (long
    per-school tables). ``terms``: glossary keys explained in this section.
    """

    key: str
    title: str
    intro: list[str]
    figures: list[Figure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    excel_tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)
    findings: list[tuple[str, str]] = field(default_factory=list)
    """Key findings as (question, answer), for the summary."""


@dataclass
class ReportResult:
    """What ``render_*_report`` wrote, and the analyses behind it."""

    html_path: Path
    xlsx_path: Path
    sections: list[str]
    seconds: float
    section_objects: list[Section] = field(default_factory=list, repr=False)
    overview: object | None = field(default=None, repr=False)
    """The :class:`likvard.analyses.overview.Overview` the report was built from."""

    def section(self, key: str) -> Section:
        """The section ``key`` (KeyError if the report has none)."""
        for s in self.section_objects:
            if s.key == key:
                return s
        raise KeyError(key)

"""The parts a report is made of: sections holding explanations, figures and tables."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go


@dataclass
class ReportTable:
    """One table: raw values (numbers, or ``..`` where suppressed) with code-name columns.

    ``key`` names the Excel sheet; headers are translated by ``likvard.views.common.LABELS``
    plus ``labels``; ``decimals`` sets the shown decimals per column.
    """

    key: str
    title: str
    data: pd.DataFrame
    decimals: dict[str, int] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    note: str = ""


@dataclass
class Section:
    """One part of the report: a title, a plain-Swedish explanation, figures and tables."""

    key: str
    title: str
    intro: list[str]
    figures: list[go.Figure] = field(default_factory=list)
    tables: list[ReportTable] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    results: dict = field(default_factory=dict)
    """The engine results behind the section (unsuppressed; for tests and the store, never shown)."""


@dataclass
class ReportResult:
    """What ``render_*_report`` wrote."""

    html_path: Path
    xlsx_path: Path
    sections: list[str]
    seconds: float
    section_objects: list[Section] = field(default_factory=list, repr=False)

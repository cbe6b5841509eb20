"""Flags of a dialogue's data pack.

For each indicator of a school and school year: ``under`` when the school's 90 % interval
(student-level indicators: mean ± z_0.95·s/√n; survey indices: none) lies wholly below the
authority's mean that year (n-weighted over its schools); ``svag`` when the school's value lies in
the weakest quarter of the authority's schools; ``nedåt`` when it fell two years in a row.
``negativ spiral`` when two or more indicators are ``under`` or ``svag`` at once: the reinforcing
problems of Skolinspektionen's inventory of low-performing schools (2022:4573). Only figures
resting on at least ``MIN_SHOWN_STUDENTS`` students are flagged (others are not shown).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from likvard.tables import MIN_SHOWN_STUDENTS


@dataclass(frozen=True)
class Flag:
    """A flag on ``indicator`` (None for the school as a whole) with its Swedish explanation."""

    kind: str
    indicator: str | None
    text: str


def indicator_flags(name: str, label: str, row: Mapping[str, Any]) -> list[Flag]:
    """Flags of one indicator row of the data pack (module docstring)."""
    n = row.get("n") or 0
    if n < MIN_SHOWN_STUDENTS or row.get("value") is None:
        return []
    out = []
    high, mean = row.get("high"), row.get("authority_mean")
    if high is not None and mean is not None and high < mean:
        out.append(Flag("under", name, f"{label}: under kommunens genomsnitt (hela intervallet ligger under)."))
    if row.get("quartile") == 1:
        out.append(Flag("svag", name, f"{label}: bland den svagaste fjärdedelen av kommunens skolor."))
    trend = [t.get("value") for t in row.get("trend", [])]
    if len(trend) >= 3 and all(isinstance(x, int | float) for x in trend[-3:]) and trend[-3] > trend[-2] > trend[-1]:
        out.append(Flag("nedåt", name, f"{label}: har sjunkit två läsår i rad."))
    return out


def school_flags(indicator_rows: Mapping[str, Mapping[str, Any]], labels: Mapping[str, str]) -> list[Flag]:
    """Every indicator's flags plus ``negativ spiral`` (module docstring)."""
    flags: list[Flag] = []
    for name, row in indicator_rows.items():
        flags.extend(indicator_flags(name, labels.get(name, name), row))
    weak = sorted({f.indicator for f in flags if f.kind in ("under", "svag") and f.indicator})
    if len(weak) >= 2:
        names = ", ".join(labels.get(w, w).split(" (")[0].lower() for w in weak)
        flags.append(Flag("negativ spiral", None, f"Flera svaga indikatorer samtidigt ({names}): problem som kan "
                                                  "förstärka varandra."))
    return flags

"""Interventions and decisions from and to a sheet (CSV or Excel) with Swedish headers.

Interventions: one row each, headers ``records.INTERVENTION_FIELDS`` (``namn``, ``kategori``,
``skolenheter`` (comma-separated codes), ``indikator``, ``förväntad effekt``, ``horisont``,
``startläsår`` …). Decisions: ``dialog`` (the dialogue's number), ``beslut``, ``ansvarig roll``,
``senast`` (ÅÅÅÅ-MM-DD), optional ``resurs``, ``insats``, ``indikator``, ``status``,
``kommentar``. Files are read with ``likvard.sources.tabular.read_raw`` (the registers' reader:
encodings, delimiters, Excel); headers are matched without regard to case, spaces and
underscores, and English field names work too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from likvard.followup.records import INTERVENTION_FIELDS
from likvard.followup.rules import fail
from likvard.sources.tabular import read_raw

DECISION_FIELDS: dict[str, str] = {
    "dialogue_id": "dialog",
    "what": "beslut",
    "responsible_role": "ansvarig roll",
    "due_date": "senast",
    "resource": "resurs",
    "intervention_id": "insats",
    "indicator": "indikator",
    "status": "status",
    "status_comment": "kommentar",
}
DECISION_REQUIRED = ("dialogue_id", "what", "responsible_role", "due_date")


def _key(header: str) -> str:
    return " ".join(str(header).replace("_", " ").replace("-", " ").casefold().split())


def _rows(path: Path, fields: dict[str, str], required: tuple[str, ...]) -> list[tuple[int, dict[str, Any]]]:
    frame = read_raw(path).frame
    lookup = {_key(sv): en for en, sv in fields.items()} | {_key(en): en for en in fields}
    mapping: dict[str, str] = {}
    unknown = []
    for col in frame.columns:
        en = lookup.get(_key(col))
        if en is None:
            unknown.append(str(col))
        else:
            mapping[str(col)] = en
    if unknown:
        raise fail(f"{path.name}: okända kolumner {', '.join(unknown)}; kolumnerna är "
                   f"{', '.join(fields.values())}.")
    missing = [fields[r] for r in required if r not in mapping.values()]
    if missing:
        raise fail(f"{path.name}: kolumnerna {', '.join(missing)} saknas.")
    out = []
    for i, (_, row) in enumerate(frame.iterrows(), start=2):  # row 1 holds the headers
        values = {mapping[str(c)]: (None if pd.isna(val) or str(val).strip() == "" else val)
                  for c, val in row.items()}
        if all(x is None for x in values.values()):
            continue
        out.append((i, {k: x for k, x in values.items() if x is not None}))
    if not out:
        raise fail(f"{path.name}: filen har inga rader.")
    return out


def read_intervention_sheet(path: str | Path) -> list[tuple[int, dict[str, Any]]]:
    """``(row number, fields)`` per intervention row of the sheet (not yet checked)."""
    return _rows(Path(path), INTERVENTION_FIELDS, ("name", "category", "school_ids"))


def read_decision_sheet(path: str | Path) -> list[tuple[int, dict[str, Any]]]:
    """``(row number, fields)`` per decision row of the sheet (not yet checked)."""
    return _rows(Path(path), DECISION_FIELDS, DECISION_REQUIRED)

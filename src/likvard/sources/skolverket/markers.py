"""Numbers and suppression markers in Skolverket's and Skolinspektionen's published files.

Markers (Skolverket's conventions, see SOURCES.md): ``.`` uppgift saknas, ``..`` suppressed
(fewer than 10 students or confidentiality), ``...`` suppressed because the share is (almost)
everyone, ``~100`` 1-4 students lacked the measure (the value is about 100 %), ``-`` the unit did
not meet Skolinspektionen's reporting rules, ``*`` too few answers. A marker is never turned into
zero: the value is NaN and the reason is kept in a status column.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

STATUS_VALUE = "value"
MARKERS = {
    ".": "missing",
    "..": "suppressed",
    "...": "near_total",
    "~100": "approx_100",
    "-": "not_reported",
    "*": "too_few",
}
STATUSES = (STATUS_VALUE, *MARKERS.values(), "empty")


def parse_numbers(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse published numbers: decimal comma or point, thousands with (non-breaking) spaces.

    Returns ``(values, status)``: ``values`` float (NaN where not a number) and ``status`` one of
    ``value``, ``missing``, ``suppressed``, ``near_total``, ``approx_100``, ``not_reported``,
    ``too_few``, ``empty`` (blank cell) or ``invalid`` (text that is neither).
    """
    s = raw.astype("string").str.strip()
    cleaned = (
        s.str.replace("\u00a0", "", regex=False)
        .str.replace("\u202f", "", regex=False)
        .str.replace(" ", "", regex=False)
        .str.replace(",", ".", regex=False)
    )
    values = pd.to_numeric(cleaned, errors="coerce").astype(float)
    status = pd.Series(np.where(values.notna(), STATUS_VALUE, "invalid"), index=raw.index, dtype=object)
    status[s.isna() | (s == "")] = "empty"
    for marker, name in MARKERS.items():
        status[(s == marker).fillna(False).to_numpy()] = name
    return values, status

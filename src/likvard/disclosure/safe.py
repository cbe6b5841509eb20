"""Cells a spreadsheet would run as a formula, neutralised (OWASP, "CSV Injection").

A text cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is written
with a leading ``'`` so that Excel, LibreOffice and Google Sheets show it as text. Numbers are
never changed (a negative *number* stays a number); only text is.
"""

from __future__ import annotations

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: str) -> str:
    """``value`` with a leading ``'`` when it begins with a formula character (see module docstring)."""
    return "'" + value if value.startswith(FORMULA_START) else value

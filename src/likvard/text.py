"""Text for people: Swedish numbers and school years, and text safe for a terminal (input files'
control characters shown, never acted on)."""

from __future__ import annotations

import math
import unicodedata


def printable(text: str) -> str:
    """``text`` safe for a terminal: control characters (C0, C1, DEL) and format characters (bidi
    overrides, zero-width) cannot act; each is shown as ``\\xNN`` or ``\\uNNNN``."""
    out = []
    for ch in str(text):
        if unicodedata.category(ch) in ("Cc", "Cf") and ch != "\u00ad":
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(ch)
    return "".join(out)


def school_year_label(year: int) -> str:
    """Autumn year to läsår: 2024 -> '2024/25'."""
    y = int(year)
    return f"{y}/{(y + 1) % 100:02d}"


def format_number(value: object, decimals: int = 1) -> str:
    """Swedish number: decimal comma, narrow no-break space between thousands; '..' kept as is.

    Missing values (None/NaN) give an empty string.
    """
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    try:
        x = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(x):
        return ""
    text = f"{x:,.{decimals}f}"
    return text.replace(",", "\u202f").replace(".", ",")

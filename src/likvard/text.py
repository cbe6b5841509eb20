"""Text safe for a terminal: input files' control characters shown, never acted on."""

from __future__ import annotations

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

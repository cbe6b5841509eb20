"""Disclosure control for everything Likvärd shows or writes (the bottom layer, beside
``likvard.privacy``).

- :mod:`likvard.disclosure.cells`: the cell-suppression problem solved over *all* tables published
  together — primary suppression (< 10 students; a share whose numerator or complement is 1–9;
  staff figures at a school with fewer than :data:`MIN_SHOWN_TEACHERS` teachers) and complementary
  suppression checked by linear programming, so that no hidden figure can be narrowed to an
  interval narrower than ±3 students from the shown figures and totals.
- :mod:`likvard.disclosure.frames`: the same rules applied to data frames: ranks and sort order
  after suppression, shares rounded, values rounded to the shown decimals.
- :mod:`likvard.disclosure.safe`: cells that spreadsheets would run as formulas neutralised
  (OWASP's CSV-injection rule).

``docs/sekretess.md`` describes the rule and the attacks it stops.
"""

from likvard.disclosure.cells import (
    MIN_SHOWN_TEACHERS,
    PROTECTION,
    Protection,
    audit,
    protect,
    sensitive_share,
)
from likvard.disclosure.frames import (
    DisclosureError,
    check_counts,
    order_after_suppression,
    round_shown,
)
from likvard.disclosure.safe import FORMULA_START, safe_text

__all__ = ["FORMULA_START", "MIN_SHOWN_TEACHERS", "PROTECTION", "DisclosureError", "Protection", "audit",
           "check_counts", "order_after_suppression", "protect", "round_shown", "safe_text", "sensitive_share"]

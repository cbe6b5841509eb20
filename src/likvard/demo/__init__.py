"""Exempelstad, the built-in demo municipality, and a national-scale synthetic set for benchmarks.

``generate_exempelstad`` builds a deterministic (seeded) municipality at student level with
residential segregation, school choice and placement, grade-9 results, staff and survey values;
``generate_national`` builds one school year for the whole country. Both return ``DemoData``:
``likvard.tables.AuthorityData`` plus ``truth`` (the generator's hidden truths).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from likvard.demo.truth import DemoData

if TYPE_CHECKING:
    from likvard.demo.exempelstad import generate_exempelstad
    from likvard.demo.national import generate_national

__all__ = ["DemoData", "generate_exempelstad", "generate_national"]


def __getattr__(name: str):
    """The generators are imported when first used (they need the placement engine and numba; a
    demo that reads a kept Exempelstad, or only its ``DemoData``, does not)."""
    if name == "generate_exempelstad":
        from likvard.demo.exempelstad import generate_exempelstad

        return generate_exempelstad
    if name == "generate_national":
        from likvard.demo.national import generate_national

        return generate_national
    raise AttributeError(name)

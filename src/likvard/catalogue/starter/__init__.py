"""The starter catalogue shipped with Likvärd: the intervention types that Skolverket's PM
(Dnr 2018:00332) and the other seed documents name, each in its PM category, and research
evidence only where a source is cited with its result as published (here only descriptive
findings, evidence strength 0, no effect sizes)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from likvard.catalogue.records import Catalogue

STARTER_DIR = Path(__file__).parent
"""The package folder (``datapackage.json`` and the three CSV tables)."""


@lru_cache(maxsize=1)
def starter_catalogue() -> Catalogue:
    """The starter catalogue, validated like any imported package."""
    from likvard.catalogue.package import read_package

    return read_package(STARTER_DIR)

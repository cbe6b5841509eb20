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


@lru_cache(maxsize=1)
def shipped_catalogue() -> Catalogue:
    """The starter catalogue read without the ``frictionless`` pass (a fraction of the time): the
    shipped files are the ones ``starter_catalogue`` validates, and the tests validate them. For
    look-ups on a hot path (the intervention register, the quality report)."""
    from likvard.catalogue import schema
    from likvard.catalogue.package import _rows
    from likvard.catalogue.records import RECORD_CLASSES

    tables = {name: tuple(RECORD_CLASSES[name](**row) for row in _rows(STARTER_DIR / schema.FILES[name], name))
              for name in schema.RESOURCES}
    return Catalogue(publisher="Likvärd", types=tables["insatstyper"], evidence=tables["forskningsstod"],
                     local=tables["lokala_utvarderingar"])

"""Dela: a shared catalogue of interventions and what is known of their effect.

``schema`` defines the format (a Frictionless Tabular Data Package with three tables),
``records`` its typed rows, ``package`` writes and reads packages with validation (the
``frictionless`` library and Likvärd's own rules), ``pooling`` the random-effects meta-analysis
of local evaluations, ``starter`` the catalogue shipped with Likvärd. Building records from
evaluations and merging packages into a store is in ``likvard.analyses.catalogue``.
"""

from likvard.catalogue.package import CatalogueError, read_package, write_package
from likvard.catalogue.pooling import PooledEffect, PooledGroup, context_filter, pool, pool_evaluations
from likvard.catalogue.records import Catalogue, Evidence, InterventionType, LocalEvaluation

__all__ = [
    "Catalogue",
    "CatalogueError",
    "Evidence",
    "InterventionType",
    "LocalEvaluation",
    "PooledEffect",
    "PooledGroup",
    "context_filter",
    "pool",
    "pool_evaluations",
    "read_package",
    "write_package",
]

"""Readers for data sources: the authority's own registers (here) and published statistics.

``read_register`` reads and validates an authority register (``registers.py``); Skolverket's
published files are read by the subpackage ``likvard.sources.skolverket``, imported on demand
(not from here).
"""

from __future__ import annotations

from likvard.sources.errors import Issue, RegisterValidationError
from likvard.sources.registers import read_register

__all__ = ["Issue", "RegisterValidationError", "read_register"]

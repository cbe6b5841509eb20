"""Readers for data sources: the authority's own registers (here) and published statistics.

``read_register_file`` / ``read_register`` read and validate an authority register
(``registers.py``; English or Swedish headers, ``headers.py``); ``templates.py`` writes Excel
templates of them; Skolverket's
published files are read by the subpackage ``likvard.sources.skolverket``, imported on demand
(not from here).
"""

from __future__ import annotations

from likvard.sources.errors import Issue, RegisterValidationError
from likvard.sources.registers import RegisterFile, read_register, read_register_file

__all__ = ["Issue", "RegisterFile", "RegisterValidationError", "read_register", "read_register_file"]

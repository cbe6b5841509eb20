"""Likvärd: see, plan and follow up the work against school segregation.

Data flows one way: sources -> tables -> engines -> views -> renderers (report, CLI).
Engines (``segregation``, ``expected``, ``placement``, ``allocation``) are pure: no I/O.
"""

__version__ = "0.1.0"

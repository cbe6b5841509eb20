"""Likvärd: see, plan and follow up the work against school segregation.

Data flows one way: sources -> tables -> engines -> analyses -> views -> renderers (report, web, CLI).
Engines (``segregation``, ``expected``, ``placement``, ``allocation``) are pure: no I/O.

Compiled numba kernels are cached in the user's cache folder (``likvard.paths.user_cache_dir()``
/ ``numba``), never in the installed package; see ``likvard.compiled``.
"""

from likvard.numba_cache import use_user_numba_cache

__version__ = "0.1.0"


use_user_numba_cache()

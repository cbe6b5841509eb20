"""Where numba caches Likvärd's compiled kernels: the user's cache folder, never the package.

``use_user_numba_cache`` runs when ``likvard`` is imported, before numba is; see
``likvard.compiled`` for compiling every kernel once (``likvard forbered``).
"""

from __future__ import annotations


def use_user_numba_cache() -> None:
    """Point numba's kernel cache at the user's cache folder before numba is imported.

    A ``NUMBA_CACHE_DIR`` the user set is kept. When the cache folder cannot be written, a folder
    in the temporary directory is used; when nothing can be written, numba's own fall-back to the
    package folder is switched off so that kernels are compiled in memory instead.
    """
    import os
    import sys

    if os.environ.get("NUMBA_CACHE_DIR"):
        return
    from likvard.paths import usable_cache_dir

    folder = usable_cache_dir("numba")
    if folder is not None:
        os.environ["NUMBA_CACHE_DIR"] = str(folder)
        if "numba" in sys.modules:  # numba was imported first: its config has been read already
            sys.modules["numba"].config.CACHE_DIR = str(folder)
        return
    forbid_package_cache()


def forbid_package_cache() -> None:
    """When no cache folder can be written: compile kernels in memory, never into the package.

    numba would otherwise fall back to a ``__pycache__`` folder beside the package's sources.
    """
    from numba.core.dispatcher import Dispatcher

    def _no_disk_cache(self) -> None:
        return None

    Dispatcher.enable_caching = _no_disk_cache  # type: ignore[method-assign]

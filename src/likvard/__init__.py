"""Likvärd: see, plan and follow up the work against school segregation.

Data flows one way: sources -> tables -> engines -> views -> renderers (report, CLI).
Engines (``segregation``, ``expected``, ``placement``, ``allocation``) are pure: no I/O.

Compiled numba kernels are cached in the user's cache folder (``likvard.paths.user_cache_dir()``
/ ``numba``), never in the installed package; see ``likvard.compiled``.
"""

__version__ = "0.1.0"


def _use_user_numba_cache() -> None:
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
    from likvard.compiled import forbid_package_cache

    forbid_package_cache()


_use_user_numba_cache()

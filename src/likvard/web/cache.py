"""The analyses of the store's data, computed once per data version and shared by every request.

The data version is the import log (its newest row and row count) and the saved results: a new
import or a saved placement comparison gives a new version, and the overview is recomputed in a
background thread while the pages say so. Everything derived for display (tables, figures per
scope) is memoised per version too (``memo``), so a page request does no analysis work.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from likvard.analyses.dataset import Dataset, dataset_from_authority
from likvard.analyses.overview import Overview, run_overview
from likvard.analyses.settings import Settings
from likvard.errors import LikvardError
from likvard.store import Store, schema


class AnalysisCache:
    """Overview of the store's data per data version (see the module docstring)."""

    def __init__(self, store: Store, settings: Settings, check_every: float = 2.0):
        self.store = store
        self.settings = settings
        self.check_every = check_every
        self._lock = threading.Lock()
        self._version: str | None = None
        self._checked = 0.0
        self._overview: Overview | None = None
        self._error: str | None = None
        self._computing: str | None = None
        self._memo: dict[tuple, Any] = {}
        self._done = threading.Event()
        self.part = ""

    def data_version(self) -> str:
        """A string that changes whenever imported data or saved results change."""
        imp, res = schema.imports, schema.results
        with self.store.engine.connect() as conn:
            a = conn.execute(sa.select(sa.func.count(), sa.func.max(imp.c.id))).one()
            b = conn.execute(sa.select(sa.func.count(), sa.func.max(res.c.id))).one()
        return f"{a[0]}-{a[1]}-{b[0]}-{b[1]}"

    def _current_version(self) -> str:
        t = time.monotonic()
        if self._version is None or t - self._checked > self.check_every:
            self._checked = t
            return self.data_version()
        return self._version

    def get(self) -> Overview | None:
        """The overview of the current data, or None while it is being computed (started here)."""
        version = self._current_version()
        with self._lock:
            if version == self._version and (self._overview is not None or self._error is not None):
                return self._overview
            if self._computing != version:
                self._computing = version
                self._done.clear()
                threading.Thread(target=self._compute, args=(version,), daemon=True, name="likvard-analyser").start()
            return None

    @property
    def error(self) -> str | None:
        """Why the overview could not be computed (a Swedish sentence), or None."""
        return self._error

    def _compute(self, version: str) -> None:
        overview: Overview | None = None
        error = None
        try:
            ds = self._dataset()
            overview = run_overview(ds, self.settings, store=self.store, on_part=self._on_part)
        except LikvardError as exc:
            error = str(exc)
        with self._lock:
            if self._computing == version:
                self._version, self._overview, self._error = version, overview, error
                self._memo = {}
                self._computing = None
                self._done.set()

    def _on_part(self, part: str) -> None:
        self.part = part

    def _dataset(self) -> Dataset:
        return dataset_from_authority(self.store.load())

    def prime(self, overview: Overview) -> None:
        """Use ``overview`` (computed by the caller with the same settings) for the current data."""
        version = self.data_version()
        with self._lock:
            self._version, self._overview, self._error, self._memo = version, overview, None, {}
            self._checked = time.monotonic()
            self._done.set()

    def wait(self, timeout: float = 600.0) -> Overview | None:
        """Block until the overview of the current data is ready (tests, ``serve`` warm-up)."""
        if self.get() is not None:
            return self._overview
        self._done.wait(timeout)
        return self.get()

    def memo(self, key: tuple, compute: Callable[[], Any]) -> Any:
        """``compute()`` once per data version and ``key``."""
        version = self._version
        full = (version, *key)
        hit = self._memo.get(full)
        if hit is None:
            hit = compute()
            with self._lock:
                if self._version == version:
                    self._memo[full] = hit
        return hit

"""The catalogue of intervention types (/katalog): the list with a category filter, and a type's
card with its research evidence, the authorities' local evaluations and their pooled effect
(random effects, ``likvard.catalogue.pooling``: estimate, interval, number of authorities, spread).

The catalogue is the starter catalogue shipped with Likvärd with the store's catalogue on top (the
store wins for a type or a finding it also has), as in ``likvard katalog``."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from functools import cache

from fastapi import Depends, FastAPI, Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from likvard.analyses.catalogue import store_catalogue
from likvard.catalogue import pool_evaluations
from likvard.catalogue.package import suppressed
from likvard.catalogue.pooling import METHODS
from likvard.catalogue.records import Catalogue, InterventionType
from likvard.catalogue.starter import starter_catalogue
from likvard.followup import vocabulary as v
from likvard.store import Store
from likvard.text import format_number
from likvard.web.scope import User

METHOD_LABELS = {"reml": "REML (förval)", "dl": "DerSimonian–Laird", "pm": "Paule–Mandel"}


@cache
def _starter() -> Catalogue:
    """The starter catalogue, read and validated once per process."""
    return starter_catalogue()


def merged_catalogue(store: Store) -> Catalogue:
    """The starter catalogue with the store's rows on top (the store wins on the same key); local
    evaluations as they may be published (``catalogue.package.suppressed``: every figure ``..``
    when it rests on fewer than 10 students, no school ids)."""
    start = _starter()
    cat = store_catalogue(store)
    keys = {t.key for t in cat.types}
    found = {e.evidens_id for e in cat.evidence}
    types = sorted((*cat.types, *(t for t in start.types if t.key not in keys)), key=lambda t: (t.kategori, t.namn))
    evidence = (*cat.evidence, *(e for e in start.evidence if e.evidens_id not in found))
    local = tuple(suppressed(e) for e in (*cat.local, *start.local))  # as they may be published: .. under 10 students
    return dataclasses.replace(cat, types=tuple(types), evidence=evidence, local=local)


def latest_types(cat: Catalogue) -> list[InterventionType]:
    """The newest version of every intervention type, by category and name."""
    latest: dict[str, InterventionType] = {}
    for t in cat.types:
        if t.insats_typ_id not in latest or t.version > latest[t.insats_typ_id].version:
            latest[t.insats_typ_id] = t
    return sorted(latest.values(), key=lambda t: (t.kategori, t.namn))


def register(app: FastAPI, *, store: Store, render: Callable, user_of: Callable, allow: Callable) -> None:
    """Add /katalog and /katalog/{type id} to ``app``."""

    @app.get("/katalog")
    def catalogue(request: Request, user: User = Depends(user_of), kategori: str = "") -> Response:
        allow(user, "read_catalogue")
        cat = merged_catalogue(store)
        latest = latest_types(cat)
        types = [t for t in latest if not kategori or t.kategori == kategori]
        research = {t.insats_typ_id: [e for e in cat.evidence if e.insats_typ_id == t.insats_typ_id] for t in latest}
        local = {t.insats_typ_id: [e for e in cat.local if e.insats_typ_id == t.insats_typ_id] for t in latest}
        return render(request, "catalogue.html", title="Katalog över insatser", types=types, research=research,
                      local=local, categories=v.CATEGORIES, kategori=kategori)

    @app.get("/katalog/typ")
    def catalogue_type(request: Request, id: str, user: User = Depends(user_of), metod: str = "reml") -> Response:
        allow(user, "read_catalogue")
        cat = merged_catalogue(store)
        versions = [t for t in cat.types if t.insats_typ_id == id]
        if not versions:
            raise StarletteHTTPException(404)
        method = metod if metod in METHODS else "reml"
        t = max(versions, key=lambda x: x.version)
        research = [e for e in cat.evidence if e.insats_typ_id == id]
        local = [e for e in cat.local if e.insats_typ_id == id]
        groups = []
        for g in pool_evaluations(local, method=method):  # type: ignore[arg-type]
            used = [e for e in local if e.utvardering_id in g.evaluation_ids]
            groups.append({"group": g, "authorities": len({e.huvudman for e in used}), "evaluations": used})
        return render(request, "catalogue_type.html", title=t.namn, t=t, research=research, local=local,
                      groups=groups, method=method, methods=METHOD_LABELS, num=format_number)

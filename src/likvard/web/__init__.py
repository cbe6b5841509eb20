"""The web app (``likvard serve``): analysts, principals, school chiefs and the board on one server.

Server-rendered pages (FastAPI + Jinja2 + HTMX, all shipped in the package, no internet needed) on
the same store as the command line. Every figure is shown through ``likvard.views`` (suppressed as
in the report); every page, fragment, download and API call is scoped by ONE function
(:func:`likvard.web.scope.authorize`); every write is logged (:mod:`likvard.web.accounts`).
"""

from __future__ import annotations

from typing import Any


def create_app(store_url: str, **kwargs: Any) -> Any:
    """The FastAPI app on the store at ``store_url`` (see :func:`likvard.web.app.create_app`)."""
    from likvard.web.app import create_app as _create

    return _create(store_url, **kwargs)


__all__ = ["create_app"]

"""Shared CLI helpers: console, progress bars and user-facing errors."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

def _width() -> int | None:
    """Terminal width; when output goes to a file or pipe, wide enough for tables and paths."""
    if sys.stderr.isatty():
        return None  # rich follows the terminal
    columns = os.environ.get("COLUMNS", "")
    return max(int(columns), 200) if columns.isdigit() else 200


# soft_wrap: messages are not broken inside file paths or codes when they exceed the width
console = Console(stderr=True, width=_width(), soft_wrap=True)

DEFAULT_DB = "likvard.db"
# str, not Path: a Path would mangle SQLAlchemy URLs such as postgresql://...
DbOption = typer.Option(DEFAULT_DB, "--db", help="Databasfil (SQLite) eller SQLAlchemy-URL.", envvar="LIKVARD_DB")


def fail(message: str, code: int = 1) -> None:
    """Print a plain-Swedish error and exit with ``code``."""
    console.print(f"[bold red]Fel:[/] {message}")
    raise typer.Exit(code)


@contextmanager
def progress() -> Iterator[Progress]:
    """A rich progress bar on stderr for long work."""
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as bar:
        yield bar


def load_authority(demo: bool, db: str | None):
    """Exempelstad (``demo`` or no database given) or the authority's data from the store."""
    if demo or db is None:
        from likvard.demo import generate_exempelstad

        with console.status("Skapar Exempelstad …"):
            return generate_exempelstad()
    from rich.markup import escape

    from likvard.errors import LikvardError
    from likvard.store import open_store

    if "://" not in str(db) and not Path(db).exists():
        fail(f"Databasen {db} finns inte. Kör 'likvard demo' eller 'likvard import' först.")
    try:
        return open_store(db, create=False).load()
    except LikvardError as exc:  # unreachable server, another program's database … (password masked)
        fail(escape(str(exc)))

"""Shared CLI helpers: console, progress bars and user-facing errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

console = Console(stderr=True)

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

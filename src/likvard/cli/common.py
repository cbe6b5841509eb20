"""Shared pieces of the commands: the same options for the same thing everywhere (``--demo``,
``--db``, ``--data``, ``--kommun``, ``--lasar``, ``--ut``, ``--format``, ``--niva``,
``--replikat``, ``--seed``), loading data, writing tables, progress and errors.

Nothing here imports pandas or an engine at import time (``likvard --help`` stays fast).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import typer

from likvard.analyses.settings import DEFAULTS, Settings
from likvard.errors import LikvardError

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress

    from likvard.analyses.dataset import Dataset
    from likvard.tables import AuthorityData
    from likvard.views.table import Table

DEFAULT_DB = "likvard.db"


class CommandError(LikvardError):
    """A command cannot do what was asked; the message says why and what to do (Swedish)."""


def fail(message: str) -> NoReturn:
    """Stop the command with a Swedish message (shown as ``Fel: …``, exit code 1)."""
    raise CommandError(message)


def _width() -> int | None:
    """Terminal width; when output goes to a file or pipe, wide enough for tables and paths."""
    if sys.stderr.isatty():
        return None
    columns = os.environ.get("COLUMNS", "")
    return max(int(columns), 200) if columns.isdigit() else 200


class _LazyConsole:
    """The rich console on stderr, created on first use (rich is not loaded for ``--help``)."""

    _console: Console | None = None

    def _get(self) -> Console:
        if self._console is None:
            from rich.console import Console

            # soft_wrap: messages are not broken inside file paths or codes
            self._console = Console(stderr=True, width=_width(), soft_wrap=True)
        return self._console

    def __getattr__(self, name: str) -> Any:
        return getattr(self._get(), name)


console: Any = _LazyConsole()

# --- the shared options -------------------------------------------------------------------

DemoOption = typer.Option(False, "--demo", help="Använd demokommunen Exempelstad.")
DbOption = typer.Option(DEFAULT_DB, "--db", envvar="LIKVARD_DB",
                        help="Databas med huvudmannens register (SQLite-fil eller SQLAlchemy-URL).")
DataOption = typer.Option(None, "--data", help="Mapp med Skolverkets (och Koladas) nedladdade filer, i stället för databasen.")
KommunOption = typer.Option(None, "--kommun", help="Kommunkod med fyra siffror (t.ex. 1880 för Örebro), med --data.")
LasarOption = typer.Option(None, "--lasar", help="Läsår som höstterminens år (2024 = 2024/25); senaste om inget anges.")
FormatOption = typer.Option("csv", "--format", help="Filformat för tabellerna: csv (semikolon, decimalkomma), xlsx eller json.")
NivaOption = typer.Option(DEFAULTS.level, "--niva", help="Osäkerhetsintervallens nivå (0,90 = 90 %).")
ReplikatOption = typer.Option(DEFAULTS.n_replications, "--replikat", help="Antal replikat (bootstrap, slumpnivå, modellosäkerhet).")
SeedOption = typer.Option(DEFAULTS.seed, "--seed", help="Slumpfrö: samma frö ger samma intervall.")


def out_option(default: str) -> Any:
    return typer.Option(Path(default), "--ut", help="Mapp där resultaten skrivs.")


def settings_from(niva: float, replikat: int, seed: int) -> Settings:
    """The analyses' settings with this run's options."""
    return Settings(level=float(niva), n_replications=int(replikat), seed=int(seed))


# --- loading ------------------------------------------------------------------------------

def open_database(db: str) -> Any:
    """The store at ``db``; a Swedish error when it does not exist or cannot be read."""
    if "://" not in str(db) and not Path(db).exists():
        fail(f"Databasen {db} finns inte. Kör 'likvard import …' eller 'likvard demo' först, eller använd --demo "
             "(demokommunen) eller --data (Skolverkets filer).")
    from sqlalchemy.exc import SQLAlchemyError

    from likvard.errors import StoreError
    from likvard.store import open_store

    try:
        return open_store(db, create=False)
    except ModuleNotFoundError as exc:  # the database driver of the URL is not installed
        raise StoreError(f"Databasen {db} kan inte öppnas: databasens drivrutin (Python-paketet {exc.name}) är "
                         "inte installerad.") from exc
    except SQLAlchemyError as exc:
        raise StoreError(f"Databasen {db} kunde inte öppnas ({type(exc).__name__}); är det en Likvärd-databas "
                         "och nås servern?") from exc
    except OSError as exc:
        reason = "mappen finns inte" if isinstance(exc, FileNotFoundError) else "behörighet saknas" \
            if isinstance(exc, PermissionError) else (exc.strerror or type(exc).__name__)
        raise StoreError(f"Databasen {db} kunde inte öppnas: {reason}.") from exc


def read_registers(store: Any, db: str) -> AuthorityData:
    from sqlalchemy.exc import SQLAlchemyError

    from likvard.errors import StoreError

    try:
        return store.load()
    except SQLAlchemyError as exc:
        raise StoreError(f"Registren i databasen {db} kunde inte läsas ({type(exc).__name__}); är det en "
                         "Likvärd-databas av rätt version ('likvard import' skapar den)?") from exc


def load_authority(demo: bool, db: str, seed: int | None = None) -> tuple[AuthorityData, Any]:
    """(registers, store): Exempelstad with ``--demo`` (store None), else the database ``db``."""
    if demo:
        from likvard.demo import generate_exempelstad

        with console.status("Skapar Exempelstad …"):
            return (generate_exempelstad() if seed is None else generate_exempelstad(seed=seed)), None
    store = open_database(db)
    return read_registers(store, db), store


def load_dataset(demo: bool, db: str, data: Path | None, kommun: str | None,
                 years: list[int] | None = None) -> tuple[Dataset, Any]:
    """(dataset, store or None) from ``--data``/``--kommun``, ``--demo`` or ``--db``."""
    from likvard.analyses.dataset import dataset_from_authority, dataset_from_published_folder

    if data is not None or kommun is not None:
        if data is None or kommun is None:
            fail("--data och --kommun anges tillsammans, t.ex. --data skolverket/ --kommun 1880.")
        if demo:
            fail("--demo och --data kan inte användas samtidigt; välj demokommunen eller Skolverkets filer.")
        if not (len(kommun.strip()) == 4 and kommun.strip().isdigit()):
            fail(f"--kommun: '{kommun}' är ingen kommunkod; väntade fyra siffror, t.ex. 1880.")
        if not Path(data).is_dir():
            fail(f"--data: mappen {data} finns inte.")
        with console.status("Läser Skolverkets filer …"):
            return dataset_from_published_folder(Path(data), kommun.strip(), years), None
    registers, store = load_authority(demo, db)
    return dataset_from_authority(registers, years), store


def years_between(first: int | None, last: int | None) -> list[int] | None:
    """The school years from ``--fran`` to ``--till`` (None when neither is given)."""
    if first is None and last is None:
        return None
    lo = first if first is not None else 1900
    hi = last if last is not None else 2100
    if lo > hi:
        fail(f"--fran ({first}) är senare än --till ({last}); ange läsår som höstår, t.ex. --fran 2020 --till 2024.")
    return list(range(lo, hi + 1))


# --- writing ------------------------------------------------------------------------------

def write_output(tables: Sequence[Table], out: Path, fmt: str, stem: str, title: str = "",
                 names: Mapping[str, str] | None = None, summary: Mapping | None = None) -> list[Path]:
    """Write through ``likvard.export`` and say where."""
    from likvard.export import write_tables

    paths = write_tables(tables, out, fmt, stem=stem, title=title, names=names, summary=summary)
    shown = paths[0].parent if len(paths) > 2 else ", ".join(str(p) for p in paths)
    console.print(f"Skrev {len(paths)} filer ({fmt}): {shown}")
    return paths


@contextmanager
def progress() -> Iterator[Progress]:
    """A rich progress bar on stderr for long work."""
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                  TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(), console=console._get(),
                  transient=False) as bar:
        yield bar


def part_progress(bar: Progress, total: int, labels: Mapping[str, str]) -> Callable[[str], None]:
    """A callback advancing ``bar`` by one step per analysis part, naming the part in Swedish."""
    task = bar.add_task("Analyser", total=total)

    def step(part: str) -> None:
        bar.update(task, advance=1, description=labels.get(part, part))

    return step

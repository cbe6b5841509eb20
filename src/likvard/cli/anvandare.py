"""``likvard anvandare skapa|lista|ta-bort``: the web app's users (the password is read from stdin)."""

from __future__ import annotations

import sys

import typer

from likvard.cli.common import DbOption, console, fail

command = typer.Typer(help="Webbappens användare: skapa, lista och ta bort (lösenordet läses från standard in).",
                      no_args_is_help=True, add_completion=False, rich_markup_mode=None)

ACTOR = "kommandorad"


def _store(db: str):
    from likvard.errors import LikvardError
    from likvard.store import open_store

    try:
        return open_store(str(db))
    except LikvardError as exc:
        fail(str(exc))


def _password() -> str:
    if sys.stdin.isatty():
        import getpass

        first = getpass.getpass("Lösenord: ")
        if getpass.getpass("Samma lösenord igen: ") != first:
            fail("Lösenorden var inte lika.")
        return first
    line = sys.stdin.readline()
    return line.rstrip("\r\n")


@command.command("skapa")
def create(
    db: str = DbOption,
    namn: str = typer.Option(..., "--namn", help="Användarnamn (utan mellanslag)."),
    roll: str = typer.Option(..., "--roll", help="admin, analytiker, skolchef, rektor eller nämnd."),
    skolor: str = typer.Option("", "--skolor", help="Skolenhetskoder med komma emellan (rektor, skolchef)."),
) -> None:
    """Skapa en användare; lösenordet (minst 10 tecken) läses från standard in."""
    from rich.markup import escape

    from likvard.errors import LikvardError
    from likvard.web.accounts import create_user

    store = _store(db)
    password = _password()
    try:
        acc = create_user(store, namn, roll, password, skolor.split(","), actor=ACTOR)
    except LikvardError as exc:
        fail(escape(str(exc)))
    console.print(f"Användaren [bold]{escape(acc.name)}[/] ({acc.role}) är skapad.")


@command.command("lista")
def list_(db: str = DbOption) -> None:
    """Lista användarna med roll och skolenheter."""
    from likvard.web.accounts import list_users

    for acc in list_users(_store(db)):
        typer.echo(f"{acc.name}\t{acc.role}\t{','.join(acc.schools)}")


@command.command("ta-bort")
def delete(db: str = DbOption, namn: str = typer.Option(..., "--namn", help="Användaren som tas bort.")) -> None:
    """Ta bort en användare och avsluta hennes sessioner."""
    from rich.markup import escape

    from likvard.errors import LikvardError
    from likvard.web.accounts import delete_user

    try:
        delete_user(_store(db), namn, actor=ACTOR)
    except LikvardError as exc:
        fail(escape(str(exc)))
    console.print(f"Användaren {escape(namn)} är borttagen.")

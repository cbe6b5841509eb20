"""``likvard nyckel visa|sakerhetskopiera``: the pseudonymisation key, shown by fingerprint only."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer
from rich.markup import escape

from likvard.cli.common import console, fail

nyckel_app = typer.Typer(
    help="Nyckeln som ersätter personnummer med pseudonymer: visa var den finns och säkerhetskopiera den.",
    no_args_is_help=True,
)


@nyckel_app.command("visa")
def show(
    db: str | None = typer.Option(None, "--db", help="Jämför med nyckeln som databasens pseudonymer gjordes med.",
                                  envvar="LIKVARD_DB"),
) -> None:
    """Visa var nyckeln finns, dess rättigheter och fingeravtryck (aldrig nyckeln själv)."""
    from likvard.errors import LikvardError
    from likvard.sources import identity

    path = identity.key_path()
    if not path.exists():
        console.print(f"Ingen nyckel finns ännu i {escape(str(path))}. Den skapas vid första importen med "
                      "personnummer.")
        raise typer.Exit(0)
    try:
        key = identity.load_key(create=False)
    except LikvardError as exc:
        fail(escape(str(exc)))
    console.print(f"Nyckelfil: {escape(str(key.path))}")
    console.print("Rättigheter: 600 (bara du kan läsa den)")
    console.print(f"Fingeravtryck: [bold]{key.fingerprint}[/]")
    if db is not None:
        from likvard.store import mask_url, open_store

        try:
            store = open_store(db, create=False)
            stored = store.key_fingerprint()
            store.close()
        except LikvardError as exc:
            fail(escape(str(exc)))
        where = escape(mask_url(db))
        if stored is None:
            console.print(f"Databasen {where} har inga pseudonymer ännu.")
        elif stored == key.fingerprint:
            console.print(f"[green]Databasen {where} använder samma nyckel.[/]")
        else:
            fail(f"Databasen {where} pseudonymiserades med en annan nyckel (fingeravtryck {stored}). "
                 "Återställ den nyckelfilen från säkerhetskopian.")
    console.print("Säkerhetskopiera nyckeln med 'likvard nyckel sakerhetskopiera MÅL' och förvara kopian "
                  "skyddad, skild från databasen.")


@nyckel_app.command("sakerhetskopiera")
def backup(
    target: Path = typer.Argument(..., metavar="MÅL", help="Fil eller mapp (t.ex. ett krypterat USB-minne)."),
) -> None:
    """Kopiera nyckeln till MÅL (skapas med rättigheterna 600; en befintlig fil skrivs aldrig över)."""
    from likvard.errors import LikvardError
    from likvard.files import open_private
    from likvard.sources import identity

    try:
        key = identity.load_key(create=False)
    except LikvardError as exc:
        fail(escape(str(exc)))
    if target.is_dir():
        target = target / f"likvard-nyckel-{dt.date.today().isoformat()}.key"
    if target.exists():
        fail(f"{escape(str(target))} finns redan: välj ett annat namn (en säkerhetskopia skrivs aldrig över).")
    if not target.parent.is_dir():
        fail(f"Mappen {escape(str(target.parent))} finns inte.")
    try:
        with open_private(target, "x", encoding="ascii") as fh:
            fh.write(key.secret.hex() + "\n")
        copy = identity.load_key(target, create=False)
    except (OSError, LikvardError) as exc:
        fail(f"Säkerhetskopian kunde inte skrivas till {escape(str(target))}: {escape(str(exc))}")
    if copy.fingerprint != key.fingerprint:
        fail(f"Säkerhetskopian i {escape(str(target))} stämmer inte med nyckeln: försök igen.")
    console.print(f"[bold green]Klart:[/] nyckeln (fingeravtryck {key.fingerprint}) är kopierad till "
                  f"{escape(str(target))} med rättigheterna 600.")
    console.print("Förvara kopian skyddad och skild från databasen: den som har både nyckeln och databasen kan "
                  "räkna fram personnumren. Återställ genom att kopiera filen till "
                  f"{escape(str(identity.key_path()))} (rättigheter 600).")


def register(app: typer.Typer) -> None:
    app.add_typer(nyckel_app, name="nyckel")

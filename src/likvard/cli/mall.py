"""``likvard mall KIND``: an Excel template of a register with a data-dictionary sheet."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from likvard.cli.common import console, fail

KINDS_SV = {"skolor": "schools", "elever": "students", "skolval": "choices", "personal": "staff",
            "enkat": "survey", "enkät": "survey", "omraden": "areas", "områden": "areas"}
KINDS = ("schools", "students", "choices", "staff", "survey", "areas")


def mall(
    kind: str = typer.Argument(..., metavar="TYP", help="skolor, elever, skolval, personal, enkät eller områden "
                               "(eller schools, students, choices, staff, survey, areas)."),
    out: Path | None = typer.Option(None, "--ut", help="Excelfil att skriva (standard: mall_TYP.xlsx)."),
    overwrite: bool = typer.Option(False, "--skriv-over", help="Skriv över en befintlig fil."),
) -> None:
    """Skriv en Excelmall för ett register: ett blad att fylla i och ett datalexikon.

    Rubrikerna är på svenska, koder och ja/nej väljs i listor, och id-kolumner är text så att
    inledande nollor finns kvar. En ifylld mall importeras med 'likvard import'.
    """
    from likvard.sources.templates import write_template

    name = KINDS_SV.get(kind.lower(), kind.lower())
    if name not in KINDS:
        fail(f"Okänd registertyp {escape(kind)!r}. Välj en av: {', '.join(KINDS_SV)} (eller {', '.join(KINDS)}).")
    target = out if out is not None else Path(f"mall_{kind.lower()}.xlsx")
    if target.suffix.lower() != ".xlsx":
        fail(f"Mallen är en Excelfil: ge filen ändelsen .xlsx (inte {escape(target.suffix or 'ingen')}).")
    if target.exists() and not overwrite:
        fail(f"{escape(str(target))} finns redan. Välj ett annat namn eller lägg till --skriv-over.")
    if not target.parent.is_dir():
        fail(f"Mappen {escape(str(target.parent))} finns inte.")
    write_template(name, target)
    console.print(f"[bold green]Klart:[/] mall för {escape(kind)} i {escape(str(target))} (bladen Data och "
                  f"Datalexikon). Fyll i bladet Data och importera med 'likvard import {name} {escape(str(target))}'.")


def register(app: typer.Typer) -> None:
    app.command("mall")(mall)

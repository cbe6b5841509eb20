"""``likvard insats|dialog|nulagesanalys|atgardsplan|kvalitetsrapport``: the follow-up register
from the command line (``likvard.followup.service``). Every command that writes takes ``--db``,
``--anvandare`` (kept with the record) and ``--roll`` (admin, analytiker, skolchef, rektor, nämnd)."""

from __future__ import annotations

import getpass
import json
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape

from likvard.cli.common import DbOption, console, fail

ActorOption = typer.Option(None, "--anvandare", help="Användarnamn som sparas med ändringen (standard: inloggad användare).")
RoleOption = typer.Option("admin", "--roll", help="Roll: admin, analytiker, skolchef, rektor eller nämnd.")


def _actor(name: str | None) -> str:
    return name or getpass.getuser()


def _store(db: str) -> Any:
    from likvard.cli.common import open_database

    return open_database(str(db))


def _num(x: float | None, d: int = 2) -> str:
    from likvard.text import format_number

    return "–" if x is None else format_number(x, d)


# --- insats -----------------------------------------------------------------------------------

insats = typer.Typer(help="Insatsregistret: registrera, visa, ändra och utvärdera insatser.", no_args_is_help=True)


def _fields(pairs: list[str]) -> dict[str, Any]:
    """``fält=värde`` pairs (Swedish header or English name) → fields."""
    from likvard.followup.records import INTERVENTION_FIELDS

    lookup = {h.casefold(): k for k, h in INTERVENTION_FIELDS.items()} | {k: k for k in INTERVENTION_FIELDS}
    out: dict[str, Any] = {}
    for p in pairs:
        if "=" not in p:
            fail(f"'{escape(p)}' ska skrivas som fält=värde.")
        k, val = p.split("=", 1)
        key = lookup.get(k.strip().casefold().replace("_", " "), lookup.get(k.strip()))
        if key is None:
            fail(f"Okänt fält '{escape(k)}'; fälten är {', '.join(INTERVENTION_FIELDS.values())}.")
        out[key] = val.strip()
    return out


def _show_intervention(iv: Any) -> None:
    from likvard.text import school_year_label

    console.print(f"[bold]Insats {iv.id}[/] (version {iv.version}{', borttagen' if iv.deleted else ''}): {escape(iv.name)}")
    console.print(f"  Kategori: {iv.category}; status: {iv.status}; skolenheter: {', '.join(iv.school_ids)}")
    if iv.indicator:
        start = "–" if iv.start_year is None else school_year_label(iv.start_year)
        console.print(f"  Indikator: {iv.indicator}; start {start}; förväntad effekt {_num(iv.expected_effect)} "
                      f"inom {iv.horizon or '–'} läsår")
    b = iv.baseline
    if b is not None and b.value is not None:
        from likvard.tables import MIN_SHOWN_STUDENTS

        value = ".." if b.n < MIN_SHOWN_STUDENTS else _num(b.value)
        console.print(f"  Utgångsläge {value} (n = {b.n}); minsta upptäckbara effekt vid beslut {_num(b.mde)}")
    if b is not None and b.warning:
        console.print(f"  [yellow]Obs:[/] {escape(b.warning)}")
    if iv.cost_per_student is not None:
        console.print(f"  Kostnad per elev och år: {_num(iv.cost_per_student, 0)} kr")
    if iv.catalogue_type:
        console.print(f"  Insatstyp i insatskatalogen: {escape(iv.catalogue_type)}, version {iv.catalogue_version}")
    for r in iv.evaluations:
        console.print(f"  Utvärdering {r.id} ({r.run_at:%Y-%m-%d}): {r.verdict}; skattning {_num(r.estimate)} "
                      f"(90 %-intervall {_num(r.ci_low)} till {_num(r.ci_high)}); data {r.data_version[:12]}")


@insats.command("ny")
def insats_ny(
    namn: str = typer.Option(..., "--namn", help="Insatsens namn."),
    kategori: str = typer.Option(..., "--kategori", help="En av Skolverkets fem kategorier."),
    skolor: str = typer.Option(..., "--skolor", help="Skolenhetskoder, kommaseparerade."),
    indikator: str | None = typer.Option(None, "--indikator", help="merit_value, share_eligible, share_certified, trygghet, studiero eller stod."),
    svarande: str | None = typer.Option(None, "--svarande", help="För enkätindex: student_grade5 eller student_grade8."),
    forvantad: float | None = typer.Option(None, "--forvantad", help="Förväntad effekt i indikatorns enhet."),
    horisont: int | None = typer.Option(None, "--horisont", help="Antal läsår inom vilka effekten väntas."),
    start: int | None = typer.Option(None, "--start", help="Första läsåret (höståret, 2021 = 2021/22)."),
    insatstyp: str | None = typer.Option(None, "--insatstyp",
                                         help="Insatstyp i insatskatalogen, id eller id@version "
                                              "(t.ex. se.likvard/insats/trygghetsteam; se 'likvard katalog lista')."),
    falt: list[str] = typer.Option([], "--falt", help="Fler fält som fält=värde (t.ex. 'kostnad per år=250000')."),
    db: str = DbOption,
    anvandare: str | None = ActorOption,
    roll: str = RoleOption,
) -> None:
    """Registrera en insats med utgångsläge och minsta upptäckbara effekt vid beslutet."""
    from likvard.followup import service as sv

    fields: dict[str, Any] = {"name": namn, "category": kategori, "school_ids": skolor, "indicator": indikator,
                              "respondent": svarande, "expected_effect": forvantad, "horizon": horisont,
                              "start_year": start, **_fields(falt)}
    if insatstyp is not None:
        type_id, _, version = insatstyp.partition("@")
        fields["catalogue_type"] = type_id.strip()
        if version.strip():
            fields["catalogue_version"] = version.strip()
    store = _store(db)
    with console.status("Beräknar utgångsläge och minsta upptäckbara effekt …"):
        iv = sv.create_intervention(store, fields, actor=_actor(anvandare), role=roll)
    _show_intervention(iv)
    typer.echo(str(iv.id))


@insats.command("lista")
def insats_lista(
    db: str = DbOption,
    skola: str | None = typer.Option(None, "--skola", help="Bara insatser vid denna skolenhet."),
    borttagna: bool = typer.Option(False, "--borttagna", help="Visa också borttagna insatser."),
    ut: Path | None = typer.Option(None, "--ut", help="Skriv registret som CSV eller Excel (.xlsx) med svenska rubriker."),
) -> None:
    """Lista insatserna (och exportera dem till ett blad)."""
    from likvard.followup import service as sv

    ivs = sv.list_interventions(_store(db), school_ids=None if skola is None else [skola], include_deleted=borttagna)
    for iv in ivs:
        verdict = iv.latest_evaluation.verdict if iv.latest_evaluation else "ej utvärderad"
        console.print(f"{iv.id:>4}  {escape(iv.name)}  [{iv.category}]  {iv.status}  {verdict}")
    if ut is not None:
        _export_interventions(ivs, ut)
        typer.echo(str(ut.resolve()))


def _export_interventions(ivs: list[Any], out: Path) -> None:
    import pandas as pd

    from likvard.export import write_csv, write_xlsx
    from likvard.followup.records import INTERVENTION_FIELDS
    from likvard.views.suppression import publish
    from likvard.views.table import Table

    rows = []
    for iv in ivs:
        values = dict(iv.versions[-1].values)
        row = {}
        for k in INTERVENTION_FIELDS:
            x = values.get(k)
            if isinstance(x, list):
                x = ", ".join(str(i) for i in x)
            elif isinstance(x, dict):
                x = ", ".join(f"{a}={b}" for a, b in x.items())
            row[k] = "" if x is None else x
        rows.append(row)
    decimals = {"expected_effect": 2, "dose": 2, "fidelity": 2, "cost_once": 0, "cost_per_year": 0}
    table = publish(Table("insatser", "Insatsregistret", pd.DataFrame(rows, columns=list(INTERVENTION_FIELDS)),
                          decimals=decimals, labels=dict(INTERVENTION_FIELDS)))
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".xlsx":
        write_xlsx([table], out, "Insatsregistret")
    else:
        write_csv(table, out)


@insats.command("visa")
def insats_visa(id: int = typer.Argument(..., metavar="ID", help="Insatsens nummer."), db: str = DbOption) -> None:
    """Visa en insats med versioner och utvärderingar."""
    from likvard.followup import service as sv

    iv = sv.get_intervention(_store(db), id)
    _show_intervention(iv)
    for ver in iv.versions:
        console.print(f"  Version {ver.version} {ver.created_at:%Y-%m-%d} av {escape(ver.created_by)} ({ver.role}): "
                      f"{', '.join(ver.changed)}")


@insats.command("andra")
def insats_andra(
    id: int = typer.Argument(..., metavar="ID", help="Insatsens nummer."),
    falt: list[str] = typer.Option(..., "--falt", help="Ändringar som fält=värde (en ny version sparas)."),
    db: str = DbOption,
    anvandare: str | None = ActorOption,
    roll: str = RoleOption,
) -> None:
    """Ändra en insats: en ny version sparas, den beslutade finns kvar."""
    from likvard.followup import service as sv

    iv = sv.update_intervention(_store(db), id, _fields(falt), actor=_actor(anvandare), role=roll)
    _show_intervention(iv)


@insats.command("utvardera")
def insats_utvardera(
    id: int = typer.Argument(..., metavar="ID", help="Insatsens nummer."),
    db: str = DbOption,
    anvandare: str | None = ActorOption,
    roll: str = RoleOption,
) -> None:
    """Utvärdera insatsen på dess indikator och spara resultatet med dataversion."""
    from likvard.followup import service as sv

    with console.status("Utvärderar (placebojämförelser) …"):
        r = sv.evaluate_intervention(_store(db), id, actor=_actor(anvandare), role=roll)
    console.print(f"Design {r.design}: skattning {_num(r.estimate)} (90 %-intervall {_num(r.ci_low)} till "
                  f"{_num(r.ci_high)}).")
    console.print(f"[bold]Utlåtande: {r.verdict}[/]. {escape(r.reason)}")
    if r.selected_for_low_results and r.rtm is not None:
        console.print(f"Återgång mot medelvärdet (förväntad förändring utan insats): {_num(r.rtm)}")
    typer.echo(r.verdict)


@insats.command("ta-bort")
def insats_ta_bort(id: int = typer.Argument(..., metavar="ID", help="Insatsens nummer."), db: str = DbOption,
                   anvandare: str | None = ActorOption, roll: str = RoleOption) -> None:
    """Markera en insats som borttagen (den finns kvar i historiken)."""
    from likvard.followup import service as sv

    sv.delete_intervention(_store(db), id, actor=_actor(anvandare), role=roll)
    console.print(f"Insats {id} är markerad som borttagen.")


# --- dialog -----------------------------------------------------------------------------------

dialog = typer.Typer(help="Kvalitetsdialoger: höst (undersökande) och vår (uppföljande) med underlag och beslut.",
                     no_args_is_help=True)


def _show_dialogue(d: Any) -> None:
    from likvard.followup.vocabulary import DIALOGUE_KINDS

    console.print(f"[bold]Kvalitetsdialog {d.id}[/]: {escape(d.school_name)} ({d.school_id}), "
                  f"{DIALOGUE_KINDS[d.kind]}, {d.date.isoformat()}{', signerad' if d.signed else ''}")
    console.print("  Deltagare: " + ", ".join(f"{p.role} {p.name}".strip() for p in d.participants))
    for i in d.items:
        mark = "[red]flaggad[/] " if i.flagged else ""
        console.print(f"  Punkt {i.id} ({i.kind}) {mark}{escape(i.title)}")
        for n in i.notes:
            console.print(f"      {n.kind}: {escape(n.text)}")
    for dec in d.previous_decisions:
        console.print(f"  Från förra dialogen: beslut {dec.id} {escape(dec.what)} – {dec.status}")
    for dec in d.decisions:
        console.print(f"  Beslut {dec.id}: {escape(dec.what)} ({dec.responsible_role}, senast {dec.due_date}) – "
                      f"{dec.status}{' (borttaget)' if dec.deleted else ''}")


@dialog.command("ny")
def dialog_ny(
    skola: str = typer.Option(..., "--skola", help="Skolenhetskod."),
    lasar: int = typer.Option(..., "--lasar", help="Läsår (höståret, 2023 = 2023/24)."),
    typ: str = typer.Option(..., "--typ", help="host (undersökande) eller var (uppföljande)."),
    datum: str = typer.Option(..., "--datum", help="Datum ÅÅÅÅ-MM-DD."),
    deltagare: str = typer.Option(..., "--deltagare", help="Roll:namn, kommaseparerade (t.ex. 'rektor:Rut,skolchef:Bo')."),
    db: str = DbOption,
    anvandare: str | None = ActorOption,
    roll: str = RoleOption,
) -> None:
    """Kalla till en kvalitetsdialog; underlaget fryses med en kontrollsumma."""
    from likvard.followup import service as sv

    people = [p.strip() for p in deltagare.split(",") if p.strip()]
    with console.status("Tar fram underlaget …"):
        d = sv.create_dialogue(_store(db), school_id=skola, school_year=lasar, kind=typ, date=datum,
                               participants=people, actor=_actor(anvandare), role=roll)
    _show_dialogue(d)
    typer.echo(str(d.id))


@dialog.command("underlag")
def dialog_underlag(
    id: int = typer.Argument(..., metavar="ID", help="Dialogens nummer."),
    db: str = DbOption,
    ut: Path | None = typer.Option(None, "--ut", help="Skriv underlaget som JSON."),
) -> None:
    """Visa dialogens frysta underlag (resultat, flaggor, insatser, öppna beslut)."""
    from likvard.followup import service as sv

    d = sv.get_dialogue(_store(db), id)
    if d.data_pack is None:
        fail(f"Dialog {id} har inget underlag.")
    pack = d.data_pack
    console.print(f"Underlag {pack.generated_at:%Y-%m-%d %H:%M}, kontrollsumma {pack.sha256[:16]}, data {pack.data_version[:16]}")
    for key, row in pack.content["indicators"].items():
        console.print(f"  {row['label']}: {row['value']} (n = {row['n']}); kommunen {row.get('authority_mean', '–')}")
    need = pack.content.get("need") or {}
    if need.get("value") is not None:
        where = f", plats {need['rank']} av {need['n_schools']} (1 = högst behov)" if need.get("rank") else ""
        span = f" ({need['low']}–{need['high']})" if need.get("low") is not None else ""
        console.print(f"  Behovsindex: {need['value']}{span}{where}")
    staff = pack.content.get("staffing") or {}
    if staff:
        console.print(f"  Legitimerade lärare: {staff.get('share_certified')}; personalomsättning: "
                      f"{staff.get('turnover', '–')}")
    for f in pack.content["flags"]:
        console.print(f"  [red]Flagga[/] {escape(f['text'])}")
    for o in pack.content["open_decisions"]:
        console.print(f"  Öppet beslut {o['id']}: {escape(o['what'])} – {o['status']}")
    if ut is not None:
        from likvard.files import write_private_text

        ut.parent.mkdir(parents=True, exist_ok=True)
        write_private_text(ut, json.dumps({"sha256": pack.sha256, "data_version": pack.data_version,
                                           "content": pack.content}, ensure_ascii=False, indent=2))
        typer.echo(str(ut.resolve()))


@dialog.command("fokus")
def dialog_fokus(
    id: int = typer.Argument(..., metavar="ID", help="Dialogens nummer."),
    omrade: str = typer.Option(..., "--omrade", help="Området."),
    motivering: str = typer.Option(..., "--motivering", help="Varför skolan har särskilda utmaningar där."),
    huvudman: bool = typer.Option(False, "--huvudman", help="Huvudmannens tillagda område (annars rektors fokusområde)."),
    db: str = DbOption,
    anvandare: str | None = ActorOption,
    roll: str = RoleOption,
) -> None:
    """Rektors fokusområde (eller med --huvudman huvudmannens område) med motivering."""
    from likvard.followup import service as sv

    fn = sv.set_authority_area if huvudman else sv.set_focus_area
    _show_dialogue(fn(_store(db), id, area=omrade, motivation=motivering, actor=_actor(anvandare), role=roll))


@dialog.command("anteckning")
def dialog_anteckning(
    id: int = typer.Argument(..., metavar="ID", help="Dialogens nummer."),
    punkt: int = typer.Option(..., "--punkt", help="Punktens nummer på dagordningen."),
    typ: str = typer.Option("analys", "--typ", help="analys (orsaker), styrkor, utvecklingsbehov eller stod."),
    text: str = typer.Option(..., "--text", help="Anteckningen."),
    db: str = DbOption,
    anvandare: str | None = ActorOption,
    roll: str = RoleOption,
) -> None:
    """Skriv en anteckning på en punkt (orsaksanalys krävs för flaggade punkter)."""
    from likvard.followup import service as sv

    sv.add_note(_store(db), id, punkt, kind=typ, text=text, actor=_actor(anvandare), role=roll)
    console.print("Anteckningen är sparad.")


@dialog.command("beslut")
def dialog_beslut(
    id: int = typer.Argument(..., metavar="ID", help="Dialogens nummer."),
    vad: str = typer.Option(..., "--vad", help="Vad som ska göras."),
    ansvarig: str = typer.Option(..., "--ansvarig", help="Ansvarig roll (rektor, skolchef, förvaltning …)."),
    senast: str = typer.Option(..., "--senast", help="Slutdatum ÅÅÅÅ-MM-DD."),
    resurs: str | None = typer.Option(None, "--resurs", help="Resurs."),
    insats_id: int | None = typer.Option(None, "--insats", help="Kopplad insats (nummer)."),
    indikator: str | None = typer.Option(None, "--indikator", help="Kopplad indikator."),
    db: str = DbOption,
    anvandare: str | None = ActorOption,
    roll: str = RoleOption,
) -> None:
    """Fatta ett beslut i dialogen."""
    from likvard.followup import service as sv

    dec = sv.add_decision(_store(db), id, what=vad, responsible_role=ansvarig, due_date=senast, resource=resurs,
                          intervention_id=insats_id, indicator=indikator, actor=_actor(anvandare), role=roll)
    console.print(f"Beslut {dec.id}: {escape(dec.what)} – {dec.status}")
    typer.echo(str(dec.id))


@dialog.command("status")
def dialog_status(
    beslut: int = typer.Argument(..., metavar="BESLUT", help="Beslutets nummer."),
    status: str = typer.Option(..., "--status", help="ej påbörjad, pågår, genomförd, delvis, ändrad eller struken."),
    kommentar: str = typer.Option("", "--kommentar", help="Kommentar (krävs för delvis, ändrad och struken)."),
    vid: int | None = typer.Option(None, "--vid", help="Dialogen där statusen följdes upp."),
    db: str = DbOption,
    anvandare: str | None = ActorOption,
    roll: str = RoleOption,
) -> None:
    """Ändra ett besluts status (historiken sparas)."""
    from likvard.followup import service as sv

    dec = sv.set_decision_status(_store(db), beslut, status=status, comment=kommentar, dialogue_id=vid,
                                 actor=_actor(anvandare), role=roll)
    console.print(f"Beslut {dec.id}: {dec.status}")


@dialog.command("signera")
def dialog_signera(
    id: int = typer.Argument(..., metavar="ID", help="Dialogens nummer."),
    som: str = typer.Option(..., "--som", help="rektor eller huvudman."),
    db: str = DbOption,
    anvandare: str | None = ActorOption,
    roll: str = RoleOption,
) -> None:
    """Signera dialogens protokoll som rektor eller huvudman."""
    from likvard.followup import service as sv

    d = sv.sign_off(_store(db), id, as_role=som, actor=_actor(anvandare), role=roll)
    console.print(f"Dialog {d.id} signerad som {som}{'; nu signerad av båda' if d.signed else ''}.")


@dialog.command("lista")
def dialog_lista(db: str = DbOption, lasar: int | None = typer.Option(None, "--lasar", help="Läsår."),
                 skola: str | None = typer.Option(None, "--skola", help="Skolenhetskod.")) -> None:
    """Lista kvalitetsdialogerna."""
    from likvard.followup import service as sv

    for d in sv.list_dialogues(_store(db), school_ids=None if skola is None else [skola], school_year=lasar):
        console.print(f"{d.id:>4}  {d.date}  {escape(d.school_name)}  {d.kind}  beslut: {len(d.decisions)}"
                      f"{'  signerad' if d.signed else ''}")


@dialog.command("visa")
def dialog_visa(id: int = typer.Argument(..., metavar="ID", help="Dialogens nummer."), db: str = DbOption) -> None:
    """Visa en dialog med dagordning, anteckningar och beslut."""
    from likvard.followup import service as sv

    _show_dialogue(sv.get_dialogue(_store(db), id))


# --- nulägesanalys, åtgärdsplan, kvalitetsrapport ------------------------------------------------

def nulagesanalys(
    skola: str = typer.Argument(..., metavar="SKOLA", help="Skolenhetskod."),
    lasar: int = typer.Option(..., "--lasar", help="Läsår."),
    db: str = DbOption,
    ut: Path | None = typer.Option(None, "--ut", help="Skriv nulägesanalysen som JSON."),
) -> None:
    """Nulägesanalys för en skolenhet (Samverkan för bästa skola), förifylld från data."""
    from dataclasses import asdict

    from likvard.followup import service as sv
    from likvard.followup.vocabulary import NULAGE_SECTIONS

    na = sv.nulagesanalys(_store(db), skola, lasar)
    console.print(f"[bold]Nulägesanalys {skola}[/] läsåret {na.prefill.get('school_year_label', lasar)} "
                  f"(version {na.version})")
    for key, title in NULAGE_SECTIONS.items():
        console.print(f"  {title}: {escape(na.sections.get(key, '') or '–')}")
    for p in na.problems:
        console.print(f"  Problem: {escape(p.title)}; orsak: {escape(p.cause or 'saknas')}")
    if ut is not None:
        from likvard.files import write_private_text

        ut.parent.mkdir(parents=True, exist_ok=True)
        write_private_text(ut, json.dumps(asdict(na), ensure_ascii=False, indent=2, default=str))
        typer.echo(str(ut.resolve()))


atgardsplan = typer.Typer(help="Åtgärdsplan per skolenhet: rader som blir insatser.", no_args_is_help=True)


@atgardsplan.command("ny")
def atgard_ny(
    skola: str = typer.Option(..., "--skola", help="Skolenhetskod."),
    lasar: int = typer.Option(..., "--lasar", help="Läsår."),
    mal: str = typer.Option(..., "--mal", help="Mål."),
    atgard: str = typer.Option(..., "--atgard", help="Åtgärd."),
    orsak: str = typer.Option(..., "--orsak", help="Orsak som åtgärden riktar sig mot."),
    ansvarig: str = typer.Option(..., "--ansvarig", help="Ansvarig roll."),
    tidplan: str = typer.Option(..., "--tidplan", help="Tidplan."),
    indikator: str | None = typer.Option(None, "--indikator", help="Indikator."),
    forvantad: float | None = typer.Option(None, "--forvantad", help="Förväntad effekt."),
    horisont: int | None = typer.Option(None, "--horisont", help="Horisont i läsår."),
    db: str = DbOption,
    anvandare: str | None = ActorOption,
    roll: str = RoleOption,
) -> None:
    """Lägg till en rad i en skolas åtgärdsplan."""
    from likvard.followup import service as sv

    r = sv.add_action_plan_row(_store(db), skola, lasar, goal=mal, action=atgard, cause=orsak, owner_role=ansvarig,
                               timeline=tidplan, indicator=indikator, expected_effect=forvantad, horizon=horisont,
                               actor=_actor(anvandare), role=roll)
    typer.echo(str(r.id))


@atgardsplan.command("lista")
def atgard_lista(db: str = DbOption, skola: str | None = typer.Option(None, "--skola", help="Skolenhetskod.")) -> None:
    """Lista åtgärdsplanernas rader."""
    from likvard.followup import service as sv

    for r in sv.action_plan(_store(db), school_id=skola):
        console.print(f"{r.id:>4}  {r.school_id}  {escape(r.goal)} → {escape(r.action)}  insats: {r.intervention_id or '–'}")


@atgardsplan.command("insats")
def atgard_insats(
    rad: int = typer.Argument(..., metavar="RAD", help="Radens nummer."),
    kategori: str = typer.Option(..., "--kategori", help="Insatsens kategori."),
    db: str = DbOption,
    anvandare: str | None = ActorOption,
    roll: str = RoleOption,
) -> None:
    """Gör en rad i åtgärdsplanen till en insats i registret."""
    from likvard.followup import service as sv

    iv = sv.plan_row_to_intervention(_store(db), rad, category=kategori, actor=_actor(anvandare), role=roll)
    _show_intervention(iv)
    typer.echo(str(iv.id))


def kvalitetsrapport(
    lasar: int = typer.Option(..., "--lasar", help="Läsår (höståret, 2024 = 2024/25)."),
    ut: Path = typer.Option(Path("likvard-ut"), "--ut", help="Mapp där rapporten skrivs."),
    db: str = DbOption,
) -> None:
    """Skriv huvudmannens kvalitetsrapport för ett läsår (Word och HTML)."""
    from likvard.report.quality import write_quality_report

    with console.status("Skriver kvalitetsrapporten …"):
        docx_path, html_path = write_quality_report(_store(db), lasar, ut)
    console.print(f"Kvalitetsrapport (Word): {docx_path.resolve()}")
    typer.echo(str(docx_path.resolve()))
    typer.echo(str(html_path.resolve()))


def import_followup(kind: str, files: list[Path], db: str, actor: str | None = None, role: str = "admin") -> None:
    """``likvard import insatser|beslut FIL``: rows checked first, then stored in one transaction."""
    from likvard.followup import service as sv
    from likvard.followup.sheets import read_decision_sheet, read_intervention_sheet

    store = _store(db)
    for path in files:
        if not path.exists():
            fail(f"Filen {escape(str(path))} finns inte.")
        if kind == "insatser":
            with console.status(f"Importerar insatser från {escape(path.name)} …"):
                ivs = sv.import_interventions(store, read_intervention_sheet(path), source=path.name,
                                              actor=_actor(actor), role=role)
            console.print(f"{len(ivs)} insatser importerade från {escape(path.name)}.")
        else:
            decs = sv.import_decisions(store, read_decision_sheet(path), source=path.name, actor=_actor(actor),
                                       role=role)
            console.print(f"{len(decs)} beslut importerade från {escape(path.name)}.")


def register(app: typer.Typer) -> None:
    app.add_typer(insats, name="insats")
    app.add_typer(dialog, name="dialog")
    app.add_typer(atgardsplan, name="atgardsplan")
    app.command("nulagesanalys")(nulagesanalys)
    app.command("kvalitetsrapport")(kvalitetsrapport)

"""``likvard effekt utvardera|mde``: evaluate an intervention, or its minimum detectable effect
before the decision. Reads a panel file (CSV: ``school_id, school_year, <utfall>, n_students``),
Exempelstad (``--demo``), the authority's database (``--db``) or Skolverket's published files
(``--data``, the national donor pool); writes the result as JSON (``--ut``) through disclosure
control: the figures at the decimals shown, no count of 1–9 students."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import typer

from likvard.cli.common import console, fail
from likvard.errors import LikvardError

app = typer.Typer(help="Effektutvärdering: fungerade insatsen? (och minsta upptäckbara effekt före beslut)",
                  no_args_is_help=True)

PanelOpt = typer.Option(None, "--panel", help="Panelfil (CSV) med school_id, school_year, utfallet och n_students.")
DemoOpt = typer.Option(False, "--demo", help="Använd demokommunen Exempelstad.")
DataOpt = typer.Option(None, "--data", help="Mapp med Skolverkets publicerade filer (riksdata som jämförelse).")
DbOpt = typer.Option(None, "--db", help="Databasfil (SQLite) eller SQLAlchemy-URL.")


def _panel(panel: Path | None, demo: bool, data: Path | None, db: str | None,
           outcome: str) -> tuple[pd.DataFrame, str, Any]:
    """The long panel, the name of its outcome column and the authority's data it came from (None
    for a panel file or the published files)."""
    given = sum(x is not None and x is not False for x in (panel, data, db)) + bool(demo)
    if given != 1:
        fail("Ange precis en källa: --panel FIL, --demo, --data MAPP eller --db URL.")
    if panel is not None:
        if not panel.exists():
            fail(f"Panelfilen {panel} finns inte.")
        try:
            df = pd.read_csv(panel, dtype={"school_id": str}, sep=None, engine="python", encoding="utf-8-sig")
        except (OSError, ValueError, UnicodeDecodeError) as exc:
            fail(f"{panel.name}: filen kan inte läsas som CSV ({exc}).")
        return df, outcome, None
    from likvard.evaluation import OUTCOMES, authority_panel

    name = "merit_value" if outcome == "value" else outcome
    if data is not None:
        from likvard.sources.skolverket.school_panel import read_national_panel

        return read_national_panel(data, name), "value", None
    if name not in OUTCOMES:
        fail(f"Okänt utfall '{name}'; välj bland {', '.join(OUTCOMES)}.")
    from likvard.cli.common import load_authority

    if not demo and db is None:
        fail("Ange var panelen kommer från: --panel FIL, --demo, --data MAPP eller --db URL.")
    authority, _store = load_authority(demo, db or "")
    respondent = "student_grade5" if name in ("trygghet", "studiero", "stod") else "student_grade8"
    return authority_panel(authority, name, respondent=respondent), "value", authority


def _ids(text: str) -> list[str]:
    ids = [s.strip() for s in text.split(",") if s.strip()]
    if not ids:
        fail("Ange minst en skolenhetskod med --behandlade.")
    return ids


SHOWN_DECIMALS = 2
"""Decimals of figures in the outcome's units, as the web app and the quality report show them."""
FINE = ("p_value", "permutation_floor", "level", "weights", "share")
"""Keys of figures shown with three decimals (p-values, levels, weights, shares)."""


def _rounded(value: Any, decimals: int) -> Any:
    if isinstance(value, dict):
        return {k: _rounded(v, 3 if any(f in str(k) for f in FINE) else decimals) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v, decimals) for v in value]
    if isinstance(value, float):
        return round(value, decimals) + 0.0
    return value


def _disclosed(payload: dict[str, Any]) -> dict[str, Any]:
    """The result as written, under the rule of ``publish``: no count of 1–9 students visible in
    the chart's path or the effects per year (``DisclosureError`` otherwise) and every figure at
    the decimals shown (``SHOWN_DECIMALS``; p-values, levels and weights 3)."""
    from likvard.disclosure import check_counts

    for key in ("path", "per_year"):
        rows = payload.get(key) or []
        if rows:
            check_counts(pd.DataFrame(rows), what="Effektutvärdering")
    out: dict[str, Any] = _rounded(payload, SHOWN_DECIMALS)
    return out


def _protected(payload: dict[str, Any], authority: Any, treated: list[str]) -> dict[str, Any]:
    """``payload`` with the number of students ``..`` in every year where a treated school is one the
    Nulägesrapport and the quality report hide (``likvard.disclosure.schools.hidden_schools``: a school
    hidden to protect a small one), so that the evaluation cannot give away its size."""
    from likvard.privacy import SUPPRESSED
    from likvard.disclosure.schools import authority_counts, hidden_schools, student_years

    counts = authority_counts(authority, student_years(authority))
    hidden: dict[int, bool] = {}
    out = dict(payload)
    for key in ("path", "per_year"):
        rows = []
        for row in payload.get(key) or []:
            year = row.get("school_year")
            if isinstance(year, int | float) and row.get("n_students") is not None:
                y = int(year)
                if y not in hidden:
                    hidden[y] = bool(set(treated) & hidden_schools(authority, y, counts=counts))
                if hidden[y]:
                    row = {**row, "n_students": SUPPRESSED}
            rows.append(row)
        out[key] = rows
    return out


def _write(out: Path, payload: dict) -> None:
    from likvard.files import write_private_text

    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        text = json.dumps(_disclosed(payload), ensure_ascii=False, indent=2)
    except LikvardError as exc:
        fail(str(exc))
    tmp = out.with_suffix(out.suffix + ".tmp")
    write_private_text(tmp, text)
    tmp.replace(out)


@app.command("utvardera")
def utvardera(
    behandlade: str = typer.Option(..., "--behandlade", help="Skolenhetskoder med insatsen, kommaseparerade."),
    start: int = typer.Option(..., "--start", help="Första läsåret med insatsen (höståret, 2021 = 2021/22)."),
    ut: Path = typer.Option(..., "--ut", help="Resultatfil (JSON)."),
    panel: Path | None = PanelOpt,
    demo: bool = DemoOpt,
    data: Path | None = DataOpt,
    db: str | None = DbOpt,
    utfall: str = typer.Option("value", "--utfall", help="Utfallets kolumn i panelen (eller merit_value, trygghet …)."),
    niva: float = typer.Option(0.9, "--niva", help="Intervallets nivå, t.ex. 0,9."),
    design: str = typer.Option("auto", "--design", help="auto, sc, sdid, did, cits eller before_after."),
    forvantad: float | None = typer.Option(None, "--forvantad", help="Förväntad effekt vid beslutet (utfallets enhet)."),
    laga: bool = typer.Option(False, "--valda-for-laga-resultat", help="Skolorna valdes för sina låga resultat."),
    utan: str = typer.Option("", "--utan", help="Skolor som inte får ingå i jämförelsen (andra insatser), kommaseparerade."),
    seed: int = typer.Option(0, "--seed", help="Slumpfrö för placebodragningar."),
) -> None:
    """Skatta effekten av en insats med osäkerhet och ett utlåtande."""
    from likvard.evaluation import evaluate

    df, col, authority = _panel(panel, demo, data, db, utfall)
    try:
        with console.status("Utvärderar (placebojämförelser) …"):
            result = evaluate(df, _ids(behandlade), start, outcome=col, level=niva, design=design, seed=seed,
                              expected_effect=forvantad, selected_for_low_results=laga,
                              exclude=[s.strip() for s in utan.split(",") if s.strip()])
    except LikvardError as exc:
        fail(str(exc))
    payload = result.to_dict()
    if authority is not None:  # the authority's own students: hide what its reports hide
        payload = _protected(payload, authority, _ids(behandlade))
    _write(ut, payload)
    lo = "–" if result.ci_low is None else f"{result.ci_low:.1f}".replace(".", ",")
    hi = "–" if result.ci_high is None else f"{result.ci_high:.1f}".replace(".", ",")
    console.print(f"Design: {result.design} ({result.inference}). Skattning {result.estimate:.1f} "
                  f"({100 * result.level:.0f} %-intervall {lo} till {hi})".replace(".", ",", 1))
    console.print(f"[bold]Utlåtande: {result.verdict}[/]. {result.reason}")
    for w in result.warnings:
        console.print(f"[yellow]Obs:[/] {w}")
    typer.echo(str(ut.resolve()))


@app.command("mde")
def mde(
    behandlade: str = typer.Option(..., "--behandlade", help="Skolenhetskoder som ska få insatsen, kommaseparerade."),
    start: int = typer.Option(..., "--start", help="Första läsåret med insatsen."),
    horisont: int = typer.Option(1, "--horisont", help="Antal läsår efter start som ska utvärderas."),
    ut: Path | None = typer.Option(None, "--ut", help="Resultatfil (JSON)."),
    panel: Path | None = PanelOpt,
    demo: bool = DemoOpt,
    data: Path | None = DataOpt,
    db: str | None = DbOpt,
    utfall: str = typer.Option("value", "--utfall", help="Utfallets kolumn i panelen."),
    niva: float = typer.Option(0.9, "--niva", help="Testets nivå, t.ex. 0,9."),
    design: str = typer.Option("auto", "--design", help="auto, sc, sdid, did, cits."),
) -> None:
    """Minsta upptäckbara effekt före beslutet (av placebojämförelser på åren före start)."""
    from likvard.evaluation import minimum_detectable_effect

    df, col, _ = _panel(panel, demo, data, db, utfall)
    try:
        res = minimum_detectable_effect(df, _ids(behandlade), start, horisont, col, level=niva, design=design)
    except LikvardError as exc:
        fail(str(exc))
    text = "kan inte skattas" if res.mde is None else f"{res.mde:.1f}".replace(".", ",")
    console.print(f"Minsta upptäckbara effekt ({res.design}, horisont {res.horizon_used} läsår): [bold]{text}[/]")
    for w in res.warnings:
        console.print(f"[yellow]Obs:[/] {w}")
    if ut is not None:
        _write(ut, res.to_dict())
        typer.echo(str(ut.resolve()))


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="effekt")

"""``likvard import KIND FILE…``: validate register files and store them atomically."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from likvard.cli.common import DbOption, console, fail, progress
from likvard.text import printable

if TYPE_CHECKING:
    from likvard.sources.registers import RegisterFile
from likvard.tables import KINDS

AUTO = "auto"
IMPORT_KINDS = (*KINDS, "areas")
KIND_HELP = (
    "Registertyp: schools (skolor), students (elever), choices (skolval), staff (personal), "
    "survey (enkät), areas (områden med områdestyp), insatser eller beslut (uppföljningens blad), eller auto (typen avgörs av filens kolumner; flera typer i samma import)."
)
SWEDISH_KINDS = {"skolor": "schools", "elever": "students", "skolval": "choices", "personal": "staff",
                 "enkat": "survey", "enkät": "survey",
                 "omraden": "areas", "områden": "areas"}
KIND_NAMES_SV = {"schools": "skolor", "students": "elever", "choices": "skolval", "staff": "personal",
                 "survey": "enkät", "areas": "områden"}
SIGNATURE_COLUMNS = (("grade_min", "schools"), ("parent_education", "students"), ("rank", "choices"),
                     ("staff_id", "staff"), ("respondent", "survey"), ("area_type", "areas"))


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def guess_kind(path: Path) -> str | None:
    """The register kind whose signature column (English or Swedish header) is in the file, or None."""
    from likvard.sources.errors import RegisterValidationError
    from likvard.sources.headers import aliases, header_key
    from likvard.sources.tabular import CSV_SUFFIXES, decode, read_raw, sniff_delimiter

    try:
        if path.suffix.lower() in CSV_SUFFIXES:  # the header line is enough
            with path.open("rb") as fh:
                head = fh.read(1 << 16)
            first = decode(head.split(b"\n", 1)[0] if not head.startswith((b"\xff\xfe", b"\xfe\xff")) else head,
                           path.name)[0].split("\n", 1)[0]
            headers = [c.strip().strip('"') for c in first.split(sniff_delimiter(first))]
        else:
            table = read_raw(path)
            headers = table.headers or [str(c) for c in table.frame.columns]
    except (RegisterValidationError, OSError):
        return None
    keys = {header_key(h) for h in headers}
    for column, kind in SIGNATURE_COLUMNS:
        names = {a for a, field in aliases(kind).items() if field == column}
        if keys & names:
            return kind
    return None


def cross_file_duplicates(read: list[tuple[str, Path, pd.DataFrame]]) -> list:
    """Rows of one kind that occur in two files of the same import (e.g. a student twice)."""
    from likvard.sources.errors import Issue
    from likvard.sources.registers import DUPLICATE_KEYS

    issues = []
    for kind in dict.fromkeys(k for k, _, _ in read):
        parts = [(path, df) for k, path, df in read if k == kind]
        if len(parts) < 2:
            continue
        keys = list(DUPLICATE_KEYS[kind])
        frame = pd.concat([df[keys].assign(_file=path.name) for path, df in parts], ignore_index=True)
        first = frame.drop_duplicates(keys).set_index(keys)["_file"]
        for _, row in frame[frame.duplicated(keys)].iterrows():
            key = tuple(row[k] for k in keys)
            desc = ", ".join(f"{k}={v}" for k, v in zip(keys, key))
            issues.append(Issue(row["_file"], None, keys[0], str(key[0]),
                                f"Dubblerad rad: samma {' och '.join(keys)} ({desc}) finns också i {first.loc[key]}."))
    return issues


def _issue_table(issues) -> Table:
    # Text objects: values from the files are shown as written, never read as rich markup
    table = Table(title="Problem som måste rättas innan filerna kan importeras", show_lines=False)
    for header in ("fil", "rad", "kolumn", "värde", "problem"):
        table.add_column(header, overflow="fold")
    for i in issues:
        table.add_row(Text(i.file), "" if i.row is None else str(i.row), Text(i.column or ""),
                      Text("" if i.value is None else i.value), Text(i.message))
    return table


def _summary(stored: list[RegisterFile]) -> Table:
    table = Table(title="Importerat")
    for header in ("fil", "typ", "läsår", "rader", "skolenheter", "elever", "pseudonymiserade id"):
        table.add_column(header)
    for item in stored:
        kind, path, df = item.kind, item.path, item.frame
        has_year = "school_year" in df
        groups = df.groupby("school_year", sort=True) if has_year else []
        for year, part in groups:
            students = str(part["student_id"].nunique()) if "student_id" in part else ""
            table.add_row(Text(printable(path.name)), KIND_NAMES_SV[kind], f"{year}/{(int(year) + 1) % 100:02d}", str(len(part)),
                          str(part["school_id"].nunique()), students, "")
        table.add_row(Text(printable(path.name)), KIND_NAMES_SV[kind], "totalt", str(len(df)),
                      str(df["school_id"].nunique()) if "school_id" in df else "",
                      str(df["student_id"].nunique()) if "student_id" in df else "",
                      str(item.n_pseudonymised) if kind in ("students", "staff", "choices") else "")
    return table


def import_files(
    kind: str = typer.Argument(..., metavar="TYP", help=KIND_HELP),
    files: list[Path] = typer.Argument(..., metavar="FILER...",
                                       help="En eller flera filer (CSV med ; eller ,, Excel .xlsx, Parquet)."),
    db: str = DbOption,
) -> None:
    """Importera registerfiler (skolor, elever, skolval, personal, enkät) med kontroll av varje rad.

    Alla problem i alla filer visas på en gång (fil, rad, kolumn, värde, problem). Finns något
    problem importeras ingenting och databasen lämnas orörd. Personnummer i elev- eller
    personal-id ersätts av en pseudonym (nyckeln ligger utanför databasen).
    """
    from likvard.errors import LikvardError
    from likvard.sources import identity
    from likvard.sources.errors import RegisterValidationError
    from likvard.sources.registers import ID_COLUMNS, read_register_file
    from likvard.store import key_mismatch_message, mask_url, open_store

    if kind.lower() in ("insatser", "beslut"):  # the follow-up register's sheets
        from likvard.cli.uppfoljning import import_followup

        import_followup(kind.lower(), files, str(db))
        return
    kind = SWEDISH_KINDS.get(kind.lower(), kind.lower())
    if kind != AUTO and kind not in IMPORT_KINDS:
        fail(f"Okänd registertyp {escape(printable(kind))!r}. Välj en av: {', '.join(IMPORT_KINDS)} eller {AUTO}.")
    jobs: list[tuple[str, Path]] = []
    for path in files:
        shown = escape(printable(str(path)))
        if not path.exists():
            fail(f"Filen {shown} finns inte.")
        k = kind if kind != AUTO else guess_kind(path)
        if k is None:
            fail(f"Kan inte avgöra registertyp för {shown}: ange typen (t.ex. 'likvard import elever {shown}').")
        else:
            jobs.append((k, path))
    jobs.sort(key=lambda j: j[0] != "schools")  # schools first: others are checked against them

    db = str(db)  # a path or an SQLAlchemy URL (Path would mangle '://')
    shown_db = escape(printable(mask_url(db)))
    is_url = "://" in db
    if not is_url and not Path(db).parent.is_dir():
        fail(f"Mappen {escape(str(Path(db).parent))} finns inte: databasfilen {escape(Path(db).name)} kan inte skapas där.")
    store = None
    known: dict[int, set[str]] = {}
    key_existed = identity.key_path().exists()
    key: bytes | None = None
    try:
        if any(k in ID_COLUMNS for k, _ in jobs) and key_existed:
            key = identity.load_key().secret  # refused early if others can read it
        if is_url or Path(db).exists():  # a new database file is created only when the import succeeds
            store = open_store(db)
            known = store.school_ids_by_year()
            stored_fp = store.key_fingerprint()
            if key is not None and stored_fp is not None and stored_fp != identity.key_fingerprint(key):
                fail(escape(key_mismatch_message(stored_fp, identity.key_fingerprint(key)))
                     + f" Nyckelfil: {escape(str(identity.key_path()))}.")
    except LikvardError as exc:
        fail(escape(str(exc)))
    school_years_in_import: set[int] = set()
    issues = []
    read: list[RegisterFile] = []
    counts: dict[str, int] = {}
    with progress() as bar:
        task = bar.add_task("Kontrollerar filer", total=len(jobs) + 1)
        for k, path in jobs:
            bar.update(task, description=f"Kontrollerar {escape(printable(path.name))}")
            try:
                item = read_register_file(k, path, known_school_ids=None if k == "schools" else known, key=key)
            except RegisterValidationError as exc:
                issues.extend(exc.issues)
            except LikvardError as exc:
                bar.stop()
                fail(escape(str(exc)))
            else:
                read.append(item)
                if k == "schools":  # later files refer to these; they replace the stored year
                    for year, part in item.frame.groupby("school_year"):
                        year = int(year)
                        ids = set(part["school_id"])
                        known[year] = known[year] | ids if year in school_years_in_import else ids
                        school_years_in_import.add(year)
            bar.advance(task)
        issues.extend(cross_file_duplicates([(i.kind, i.path, i.frame) for i in read]))
        if issues:
            bar.update(task, description="Avbrutet: fel i filerna")
        else:
            bar.update(task, description="Sparar i databasen")
            fingerprints = {i.key_fingerprint for i in read if i.key_fingerprint is not None}
            try:
                if store is None:
                    store = open_store(db)
                counts = store.import_frames([(i.kind, i.frame, i.path.name, _sha256(i.path)) for i in read],
                                             key_fingerprint=next(iter(fingerprints), None))
            except LikvardError as exc:
                bar.stop()
                fail(escape(str(exc)))
            except Exception as exc:  # noqa: BLE001 - e.g. a database constraint; the transaction was rolled back
                bar.stop()
                detail = escape(printable(str(exc).splitlines()[0] if str(exc) else type(exc).__name__))
                fail(f"Databasen avvisade importen ({type(exc).__name__}: {detail}). "
                     "Ingenting har importerats; databasen är oförändrad.")
            bar.advance(task)
    if not key_existed and identity.key_path().exists():  # created by this command, even if it fails
        console.print(first_use_message(identity.key_path()))
    if issues:
        console.print(_issue_table(issues))
        n_files = len({i.file for i in issues})
        fail(f"{len(issues)} problem i {n_files} fil(er). Ingenting har importerats; databasen är oförändrad.")
    console.print(_summary(read))
    total = sum(counts.values())
    console.print(f"[bold green]Klart:[/] {total} rader importerade till {shown_db}.")


def first_use_message(path: Path) -> str:
    """Shown once, when the import created the pseudonymisation key."""
    return (f"[bold yellow]Ny nyckel:[/] personnumren ersattes av pseudonymer med en ny hemlig nyckel i "
            f"{escape(str(path))}. [bold]Säkerhetskopiera den nu[/] (t.ex. 'likvard nyckel sakerhetskopiera "
            "/säker/plats/likvard-nyckel.key') och förvara kopian skyddad: utan samma nyckel kan nästa års elever "
            "inte kopplas till årets, och den som har både nyckeln och databasen kan räkna fram personnumren.")


def register(app: typer.Typer) -> None:
    app.command("import")(import_files)

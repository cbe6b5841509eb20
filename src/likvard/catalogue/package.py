"""Write and read catalogue packages (a folder or a .zip) and validate them.

``write_package`` suppresses (no figure on fewer than 10 students, no school identity unless the
publisher opts in, no estimate without its interval), writes the three CSV tables and
``datapackage.json`` with each table's SHA-256, validates the result with the ``frictionless``
library and Likvärd's own rules, and only then moves it into place. ``read_package`` validates
the same way and refuses a package with every problem named by table, row and column
(:class:`CatalogueError`); nothing is returned from a package with an error.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import hashlib
import io
import json
import math
import shutil
import tempfile
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from likvard.catalogue import schema
from likvard.catalogue.records import RECORD_CLASSES, Catalogue, LocalEvaluation, as_row
from likvard.errors import DataError
from likvard.files import make_private, make_private_dir, write_private_bytes, write_private_text

MAX_MESSAGES = 20


class CatalogueError(DataError):
    """A catalogue package that breaks its schema or Likvärd's rules; ``problems`` lists them."""

    def __init__(self, source: str, problems: list[str]):
        self.problems = problems
        shown = problems[:MAX_MESSAGES]
        more = f"\n… och {len(problems) - MAX_MESSAGES} fel till." if len(problems) > MAX_MESSAGES else ""
        super().__init__(f"Katalogpaketet {source} kan inte användas ({len(problems)} fel):\n"
                         + "\n".join(f"- {p}" for p in shown) + more)


# --- cells ------------------------------------------------------------------------------------------


def _cell(value: Any) -> str:
    if value is None:
        return schema.MISSING
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return schema.MISSING
        return repr(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return _guard(str(value))


def _guard(text: str) -> str:
    """Text that a spreadsheet would run as a formula gets a leading ``'`` (OWASP's CSV-injection
    rule, ``likvard.disclosure.safe``); text already beginning with ``'`` before such a character
    gets one more, so that :func:`_unguard` gives back exactly the text written."""
    from likvard.disclosure import FORMULA_START, safe_text

    return "'" + text if text.startswith("'") and text.lstrip("'").startswith(FORMULA_START) else safe_text(text)


def _unguard(text: str) -> str:
    from likvard.disclosure import FORMULA_START

    return text[1:] if text.startswith("'") and text.lstrip("'").startswith(FORMULA_START) else text


def _parse(value: str, type_: str) -> Any:
    if value == schema.MISSING or value == "":
        return None
    if type_ == "integer":
        return int(value)
    if type_ == "number":
        return float(value)
    if type_ == "date":
        return dt.date.fromisoformat(value)
    return _unguard(value)


def suppressed(e: LocalEvaluation, *, include_schools: bool = False) -> LocalEvaluation:
    """``e`` as it may be published: every figure ``..`` when it rests on fewer than 10 students;
    the estimate and interval ``..`` when the interval is not complete; no school ids unless
    ``include_schools``."""
    changes: dict[str, Any] = {}
    if e.n_elever_band == schema.STUDENT_BANDS[0]:
        changes.update({c: None for c in schema.FIGURE_COLUMNS})
    elif e.skattad_effekt is not None and (e.ki_lag is None or e.ki_hog is None or e.ki_niva is None):
        changes.update({"skattad_effekt": None, "ki_lag": None, "ki_hog": None, "effekt_smd": None})
    if not include_schools:
        changes["skolor"] = None
    return dataclasses.replace(e, **changes)


def _csv_bytes(resource: str, records: Iterable[Any]) -> bytes:
    cols = schema.columns(resource)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(cols)
    for r in records:
        row = as_row(r)
        w.writerow([_cell(row[c]) for c in cols])
    return buf.getvalue().encode("utf-8")


def package_hash(hashes: dict[str, str]) -> str:
    """SHA-256 over the tables' SHA-256 in ``RESOURCES`` order: the package's data hash."""
    return hashlib.sha256("".join(hashes[r] for r in schema.RESOURCES).encode()).hexdigest()


def write_package(catalogue: Catalogue, out: str | Path, *, include_schools: bool = False,
                  title: str | None = None, likvard_version: str | None = None,
                  created: dt.datetime | None = None) -> Path:
    """Write ``catalogue`` as a package to the folder or ``.zip`` file ``out`` (which must not
    exist) and return its path. Raises :class:`CatalogueError` when the result does not validate."""
    from likvard import __version__

    out = Path(out)
    if out.exists():
        raise DataError(f"{out} finns redan; välj ett nytt namn (katalogpaket skrivs aldrig över).")
    local = [suppressed(e, include_schools=include_schools) for e in catalogue.local]
    data = {
        "insatstyper": _csv_bytes("insatstyper", catalogue.types),
        "forskningsstod": _csv_bytes("forskningsstod", catalogue.evidence),
        "lokala_utvarderingar": _csv_bytes("lokala_utvarderingar", local),
    }
    hashes = {name: hashlib.sha256(b).hexdigest() for name, b in data.items()}
    stamp = (created or dt.datetime.now(dt.timezone.utc)).replace(microsecond=0).isoformat()
    descriptor = schema.package_descriptor(
        publisher=catalogue.publisher, title=title or f"Insatskatalog från {catalogue.publisher}",
        likvard_version=likvard_version or __version__, created=stamp, hashes=hashes)
    descriptor["likvard"]["data_hash"] = package_hash(hashes)
    descriptor["likvard"]["skolor_visas"] = include_schools
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".katalog-", dir=out.parent))
    try:
        make_private(tmp)
        for name, b in data.items():
            write_private_bytes(tmp / schema.FILES[name], b)
        write_private_text(tmp / "datapackage.json", json.dumps(descriptor, ensure_ascii=False, indent=2))
        _read_dir(tmp, str(out))  # validate what was written before it is moved into place
        if out.suffix.lower() == ".zip":
            part = out.with_name(out.name + ".part")
            with zipfile.ZipFile(part, "w", zipfile.ZIP_DEFLATED) as z:
                for f in ("datapackage.json", *schema.FILES.values()):
                    z.write(tmp / f, f)
            make_private(part)
            part.replace(out)
        else:
            tmp.replace(out)
            make_private_dir(out)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    return out


# --- reading ----------------------------------------------------------------------------------------

_FRICTIONLESS_TEXT = {
    "type-error": "har fel typ",
    "constraint-error": "bryter mot ett villkor",
    "missing-cell": "saknar värde",
    "extra-cell": "har en cell för mycket",
    "primary-key": "har ett id som redan finns (dubblett av primärnyckeln)",
    "foreign-key": "pekar på en insatstyp och version som inte finns i insatstyper",
    "duplicate-label": "har en dubblerad kolumnrubrik",
    "missing-label": "saknar en kolumn",
    "extra-label": "har en okänd kolumn",
    "incorrect-label": "har fel kolumnrubrik",
    "blank-row": "är tom",
    "hash-count": "stämmer inte med den hash som står i datapackage.json",
    "byte-count": "har fel storlek",
    "encoding-error": "är inte UTF-8",
    "scheme-error": "kan inte läsas",
    "source-error": "kan inte läsas",
}


_TYPE_WORDS = {"integer": "ett heltal", "number": "ett tal (decimalpunkt)", "date": "ett datum ÅÅÅÅ-MM-DD",
               "string": "text", "boolean": "true eller false"}


def _explain(kind: str, note: str, resource: str | None, field_name: str | None) -> str:
    """Frictionless's note on a cell in Swedish: what the column expects."""
    import re

    fields = {f["name"]: f for f in schema.table_schemas().get(resource or "", {}).get("fields", [])}
    f = fields.get(field_name or "")
    if f is None:
        return note
    if kind == "type-error":
        return f"kolumnen ska innehålla {_TYPE_WORDS.get(f['type'], f['type'])} eller '..'"
    m = re.search(r'constraint "(\w+)"', note)
    c = m.group(1) if m else ""
    limits = f.get("constraints", {})
    if c == "enum":
        return "tillåtna värden är " + ", ".join(repr(v) for v in limits["enum"])
    if c == "pattern":
        return f"värdet ska ha formen {limits['pattern']}"
    if c in ("minimum", "maximum"):
        return f"{'minsta' if c == 'minimum' else 'största'} tillåtna värde är {limits[c]}"
    if c == "minLength":
        return f"texten ska ha minst {limits[c]} tecken"
    return note


def _frictionless_problems(descriptor_path: Path) -> list[str]:
    from frictionless import Package, system

    problems: list[str] = []
    with system.use_context(trusted=False):
        try:
            package = Package(str(descriptor_path), basepath=str(descriptor_path.parent))
            report = package.validate()
        except Exception as exc:  # frictionless raises its own FrictionlessException for bad descriptors
            return [f"datapackage.json kan inte läsas av frictionless: {exc}"]
    keys = {name: s.get("primaryKey", []) for name, s in schema.table_schemas().items()}
    for task in report.tasks:
        table = f"{task.name}.csv" if task.name else "paketet"
        # a key cell that is already wrong is reported once, not again as a key error
        bad_cells = {(getattr(e, "row_number", None), getattr(e, "field_name", None)) for e in task.errors
                     if e.type in ("type-error", "constraint-error", "missing-cell")}
        for err in task.errors:
            if err.type in ("primary-key", "foreign-key"):
                key = keys.get(task.name or "", []) if err.type == "primary-key" else ["insats_typ_id", "version"]
                if any((getattr(err, "row_number", None), k) in bad_cells for k in key):
                    continue
            what = _FRICTIONLESS_TEXT.get(err.type, err.type)
            row = getattr(err, "row_number", None)
            field_name = getattr(err, "field_name", None)
            if not field_name and err.type in ("primary-key", "foreign-key"):
                field_name = ", ".join(keys.get(task.name or "", [])) if err.type == "primary-key" \
                    else "insats_typ_id, version"
            cell = getattr(err, "cell", None)
            where = table + ("" if row is None else f", rad {row}") + (f", kolumn {field_name}" if field_name else "")
            note = str(getattr(err, "note", ""))
            if err.type == "constraint-error" and "required" in note:
                problems.append(f"{where}: värdet saknas men måste anges.")
            elif err.type in ("type-error", "constraint-error", "missing-cell"):
                value = f" {cell!r}" if cell not in (None, "") else ""
                problems.append(f"{where}: värdet{value} {what}: {_explain(err.type, note, task.name, field_name)}.")
            elif err.type in _FRICTIONLESS_TEXT:
                problems.append(f"{where}: raden {what}." if row is not None else f"{where}: tabellen {what}.")
            else:
                problems.append(f"{where}: {err.type} ({err.note}).")
    for err in report.errors:
        problems.append(f"paketet: {_FRICTIONLESS_TEXT.get(err.type, err.type)}. [{err.note}]")
    return problems


def _rows(path: Path, resource: str) -> list[dict[str, Any]]:
    types = schema.field_types(resource)
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        return [{k: _parse(v, types[k]) for k, v in row.items() if k in types} for row in reader]


def _rule_problems(tables: dict[str, list[dict[str, Any]]]) -> list[str]:
    """Likvärd's rules that a Table Schema cannot state."""
    out: list[str] = []
    for i, r in enumerate(tables["insatstyper"], start=2):
        cost, band = r.get("kostnad_kr_per_elev_ar"), r.get("kostnadsband")
        if cost is not None and band is not None and schema.cost_band(cost) != band:
            out.append(f"insatstyper.csv, rad {i}, kolumn kostnadsband: {cost:g} kr per elev och år hör till "
                       f"kostnadsband {schema.cost_band(cost)}, inte {band}.")
    for i, r in enumerate(tables["forskningsstod"], start=2):
        out += _interval_problems("forskningsstod.csv", i, r, "effekt_smd")
    for i, r in enumerate(tables["lokala_utvarderingar"], start=2):
        out += _interval_problems("lokala_utvarderingar.csv", i, r, "skattad_effekt")
        if r.get("n_elever_band") == schema.STUDENT_BANDS[0]:
            shown = [c for c in schema.FIGURE_COLUMNS if r.get(c) is not None]
            if shown:
                out.append(f"lokala_utvarderingar.csv, rad {i}, kolumn {shown[0]}: raden vilar på färre än 10 "
                           f"elever men visar en siffra ({', '.join(shown)}); sådana celler ska vara '..'.")
        start, end = r.get("period_start"), r.get("period_slut")
        if start is not None and end is not None and end < start:
            out.append(f"lokala_utvarderingar.csv, rad {i}, kolumn period_slut: {end} ligger före period_start {start}.")
    return out


def _interval_problems(table: str, i: int, r: dict[str, Any], effect: str) -> list[str]:
    lo, hi, level = r.get("ki_lag"), r.get("ki_hog"), r.get("ki_niva")
    if r.get(effect) is not None and (lo is None or hi is None or level is None):
        missing = [c for c, v in (("ki_lag", lo), ("ki_hog", hi), ("ki_niva", level)) if v is None]
        return [f"{table}, rad {i}, kolumn {missing[0]}: effekten {r[effect]:g} saknar intervall "
                f"({', '.join(missing)} saknas); en effekt delas bara med sitt intervall."]
    if lo is not None and hi is not None and lo > hi:
        return [f"{table}, rad {i}, kolumn ki_lag: nedre gränsen {lo:g} är större än övre gränsen {hi:g}."]
    return []


def _read_dir(folder: Path, source: str) -> Catalogue:
    descriptor_path = folder / "datapackage.json"
    if not descriptor_path.exists():
        raise CatalogueError(source, ["datapackage.json saknas."])
    try:
        descriptor = json.loads(descriptor_path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CatalogueError(source, [f"datapackage.json är inte giltig JSON ({exc})."]) from None
    problems = []
    meta = descriptor.get("likvard") if isinstance(descriptor, dict) else None
    if not isinstance(meta, dict) or meta.get("profil") != schema.PROFILE:
        problems.append(f"datapackage.json: profilen {schema.PROFILE} saknas (fältet likvard.profil).")
        raise CatalogueError(source, problems)
    names = [r.get("name") for r in descriptor.get("resources", []) if isinstance(r, dict)]
    if sorted(n for n in names if n) != sorted(schema.RESOURCES):
        raise CatalogueError(source, [f"datapackage.json: tabellerna ska vara {', '.join(schema.RESOURCES)}, "
                                      f"inte {', '.join(str(n) for n in names)}."])
    # the schema is Likvärd's, not the file's: a package cannot loosen its own rules
    expected = schema.table_schemas()
    for r in descriptor["resources"]:
        if r.get("schema") != expected[r["name"]]:
            problems.append(f"datapackage.json: tabellen {r['name']} har inte Likvärds tabellschema "
                            f"({schema.PROFILE}).")
        if r.get("path") != schema.FILES[r["name"]]:
            problems.append(f"datapackage.json: tabellen {r['name']} ska ligga i {schema.FILES[r['name']]}.")
    if problems:
        raise CatalogueError(source, problems)
    problems = _frictionless_problems(descriptor_path)
    if problems:
        raise CatalogueError(source, problems)
    tables = {name: _rows(folder / schema.FILES[name], name) for name in schema.RESOURCES}
    problems = _rule_problems(tables)
    if problems:
        raise CatalogueError(source, problems)
    records = {name: tuple(RECORD_CLASSES[name](**row) for row in rows) for name, rows in tables.items()}
    return Catalogue(publisher=str(meta.get("utgivare", "")), types=records["insatstyper"],
                     evidence=records["forskningsstod"], local=records["lokala_utvarderingar"], meta=dict(meta))


def read_package(path: str | Path) -> Catalogue:
    """The catalogue in the package folder or ``.zip`` at ``path``, validated (``CatalogueError``)."""
    path = Path(path)
    if not path.exists():
        raise DataError(f"Katalogpaketet {path} finns inte.")
    if path.is_dir():
        return _read_dir(path, path.name)
    if not zipfile.is_zipfile(path):
        raise CatalogueError(path.name, ["filen är varken en mapp eller en zip-fil."])
    allowed = {"datapackage.json", *schema.FILES.values()}
    with tempfile.TemporaryDirectory(prefix="likvard-katalog-") as tmp, zipfile.ZipFile(path) as z:
        names = z.namelist()
        unknown = [n for n in names if n not in allowed]
        if unknown:
            raise CatalogueError(path.name, [f"okänd fil i paketet: {n}." for n in unknown])
        for n in names:
            (Path(tmp) / n).write_bytes(z.read(n))
        return _read_dir(Path(tmp), path.name)

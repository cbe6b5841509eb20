"""Read and validate an authority's own registers: schools, students, choices, staff, survey.

Formats as in DESIGN.md ("Input formats") and ``likvard.tables``. A file is taken whole or not
at all: every problem found (file, row, column, value, what was expected, in Swedish) is
collected and raised together as :class:`RegisterValidationError`. Personal identity numbers
given as ``student_id``/``staff_id`` are replaced by keyed pseudonyms (``likvard.sources.identity``);
one found in any other column is an error.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from likvard import tables
from likvard.sources import identity
from likvard.sources.errors import Issue, RegisterValidationError
from likvard.sources.tabular import read_raw

# --- accepted values -------------------------------------------------------------------------

TRUE_WORDS = ("ja", "j", "sant", "true", "t", "1", "yes", "y", "x")
FALSE_WORDS = ("nej", "n", "falskt", "false", "f", "0", "no")

CODE_ALIASES: dict[str, dict[str, str]] = {
    "sex": {"f": "F", "m": "M", "k": "F", "flicka": "F", "pojke": "M", "kvinna": "F", "man": "M"},
    "organiser_type": {"municipal": "municipal", "independent": "independent", "kommunal": "municipal",
                       "kommun": "municipal", "enskild": "independent", "fristående": "independent",
                       "fristaende": "independent"},
    "parent_education": {"compulsory": "compulsory", "upper_secondary": "upper_secondary",
                         "post_secondary": "post_secondary", "unknown": "unknown",
                         "förgymnasial": "compulsory", "forgymnasial": "compulsory",
                         "gymnasial": "upper_secondary", "eftergymnasial": "post_secondary",
                         "okänd": "unknown", "okand": "unknown", "uppgift saknas": "unknown"},
    "migration_background": {"swedish": "swedish", "born_in_sweden_foreign_parents": "born_in_sweden_foreign_parents",
                             "foreign_born": "foreign_born", "svensk": "swedish", "svensk bakgrund": "swedish",
                             "född i sverige med utländsk bakgrund": "born_in_sweden_foreign_parents",
                             "inrikes född med utländsk bakgrund": "born_in_sweden_foreign_parents",
                             "utrikes född": "foreign_born", "utrikes fodd": "foreign_born"},
    "respondent": {r: r for r in tables.RESPONDENT} | {"elev åk 5": "student_grade5", "elev åk 8": "student_grade8",
                                                       "lärare": "teacher", "vårdnadshavare": "guardian"},
}
"""Accepted spellings (case-insensitive) per code column: the English code or its Swedish name."""

SWEREF_X = (180_000.0, 1_090_000.0)
"""SWEREF99 TM easting range of Sweden (EPSG:3006 area of use, rounded outwards)."""
SWEREF_Y = (6_050_000.0, 7_700_000.0)
LAT_RANGE = (55.0, 69.1)
LON_RANGE = (10.5, 24.2)
SCHOOL_YEAR_RANGE = (1990, 2100)


@dataclass(frozen=True)
class Field:
    """A register column: its type, whether it must be present and filled, its allowed range."""

    name: str
    kind: str  # school_id | municipality_code | id | str | code | int | float | bool | school_year
    required: bool = True
    low: float | None = None
    high: float | None = None
    codes: tuple[str, ...] = ()
    default: object = None  # value for empty cells of an optional column (None = keep missing)

    @property
    def dtype(self) -> str:
        """The pandas dtype of this column in the typed table (and in the store's output)."""
        if self.kind in ("int", "school_year"):
            return "int64" if self.required else "Int64"
        if self.kind == "float":
            return "float64"
        if self.kind == "bool":
            return "bool" if self.required or self.default is not None else "boolean"
        return "str"


def _f(name, kind, required=True, low=None, high=None, codes=(), default=None) -> Field:
    return Field(name, kind, required, low, high, tuple(codes), default)


_YEAR = _f("school_year", "school_year")
_SCHOOL = _f("school_id", "school_id")
_GRADE = _f("grade", "int", low=0, high=9)

SCHEMAS: dict[str, tuple[Field, ...]] = {
    "schools": (
        _SCHOOL, _YEAR, _f("name", "str"), _f("organiser", "str"),
        _f("organiser_type", "code", codes=tables.ORGANISER_TYPE), _f("municipality_code", "municipality_code"),
        _f("x", "float"), _f("y", "float"),
        _f("grade_min", "int", low=0, high=9), _f("grade_max", "int", low=0, high=9),
        *(_f(f"capacity_{g}", "int", required=False, low=0) for g in tables.GRADES),
        _f("profile", "str", required=False, default=""),  # "" = no profile
    ),
    "students": (
        _f("student_id", "id"), _YEAR, _SCHOOL, _GRADE,
        _f("sex", "code", codes=tables.SEX),
        _f("parent_education", "code", codes=tables.PARENT_EDUCATION),
        _f("migration_background", "code", codes=tables.MIGRATION_BACKGROUND),
        _f("newly_arrived", "bool"),
        _f("home_x", "float"), _f("home_y", "float"),
        _f("home_area", "str", required=False), _f("sibling_group", "str", required=False),
        _f("protected_identity", "bool", required=False, default=False),
        _f("merit_value", "float", required=False, low=tables.MERIT_MIN, high=tables.MERIT_MAX),
        _f("eligible", "bool", required=False),
    ),
    "choices": (
        _f("student_id", "id"), _YEAR, _GRADE, _f("rank", "int", low=1), _SCHOOL,
    ),
    "staff": (
        _f("staff_id", "id"), _YEAR, _SCHOOL, _f("certified", "bool"), _f("lead_teacher", "bool"),
        _f("fte", "float", low=0), _f("experience_years", "float", required=False, low=0),
    ),
    "survey": (
        _SCHOOL, _YEAR, _f("respondent", "code", codes=tables.RESPONDENT), _f("area", "str"),
        _f("value", "float", low=0, high=10), _f("n_respondents", "int", low=0),
    ),
    "areas": (
        _f("area_id", "str"), _f("name", "str", required=False), _f("area_type", "int", low=1, high=5),
        _f("x", "float", required=False), _f("y", "float", required=False),
    ),
}
"""Columns of each register kind, in output order (optional columns appear when given).
``areas`` (DeSO/RegSO-like residential areas with SCB's area type 1-5) has no school year."""

ALTERNATIVES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "schools": (("x", "y"), ("lat", "lon")),
    "students": (("home_x", "home_y"), ("home_area",)),
}
"""Location columns that may be replaced by others: (primary, alternative)."""

DUPLICATE_KEYS: dict[str, tuple[str, ...]] = {
    "schools": ("school_id", "school_year"),
    "students": ("student_id", "school_year"),
    "choices": ("student_id", "school_year", "rank"),
    "staff": ("staff_id", "school_year", "school_id"),
    "survey": ("school_id", "school_year", "respondent", "area"),
    "areas": ("area_id",),
}

KIND_LABELS = {"schools": "skolregistret", "students": "elevregistret", "choices": "skolvalsregistret",
               "staff": "personalregistret", "survey": "enkätregistret", "areas": "områdesregistret"}


def fields(kind: str) -> tuple[Field, ...]:
    """The schema of ``kind``; raises ValueError naming the accepted kinds."""
    try:
        return SCHEMAS[kind]
    except KeyError:
        raise ValueError(f"Okänd registertyp {kind!r}: välj en av {', '.join(SCHEMAS)}.") from None


def school_year_label(year: int) -> str:
    """2024 -> '2024/25'."""
    return f"{year}/{(year + 1) % 100:02d}"


# --- vectorised parsing --------------------------------------------------------------------------


def parse_numbers(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Floats from strings with decimal comma or point and space/nbsp thousands separators.

    Returns (values with NaN where empty or bad, mask of non-empty cells that are not numbers).
    """
    t = s.astype("string").str.replace(r"[\s\u00a0\u202f]", "", regex=True).str.replace("\u2212", "-")
    comma = t.str.contains(",", regex=False).fillna(False) & ~t.str.contains(".", regex=False).fillna(False)
    t = t.where(~comma, t.str.replace(",", ".", regex=False))
    num = pd.to_numeric(t, errors="coerce").astype("float64").to_numpy(dtype=float, na_value=np.nan).copy()
    given = s.notna().to_numpy()
    bad = given & ~np.isfinite(num)
    num[bad] = np.nan
    return num, bad


class _Collector:
    def __init__(self, file: str, raw: pd.DataFrame):
        self.file = file
        self.raw = raw
        self.rows = raw.index.to_numpy()
        self.issues: list[Issue] = []

    def add_mask(self, mask: np.ndarray, column: str | None, message: str, value_column: str | None = None) -> None:
        col = value_column or column
        values = self.raw[col].to_numpy() if col in self.raw.columns else None
        for i in np.flatnonzero(mask):
            v = None if values is None else values[i]
            self.add(int(self.rows[i]), column, None if v is None else str(v), message)

    def add(self, row: int | None, column: str | None, value: str | None, message: str) -> None:
        if value is not None and identity.is_identity_number(value):
            value = mask_identity_number(value)
        self.issues.append(Issue(self.file, row, column, value, message))


def mask_identity_number(text: str) -> str:
    """Show only the birth date of a personal identity number in messages: 'YYMMDD-****'."""
    digits = "".join(ch for ch in text if ch.isdigit())
    return digits[-10:-4] + "-****"


def _range_text(f: Field) -> str:
    if f.low is not None and f.high is not None:
        return f"mellan {f.low:g} och {f.high:g}"
    if f.low is not None:
        return f"minst {f.low:g}"
    return f"högst {f.high:g}"


def _parse_field(f: Field, s: pd.Series, col: _Collector) -> pd.Series:
    """Typed column from strings, reporting every bad cell (``f.required``: every cell filled)."""
    given = s.notna().to_numpy()
    if f.required:
        col.add_mask(~given, f.name, "Värde saknas. Kolumnen måste vara ifylld på varje rad.")
    if f.kind in ("int", "float", "school_year"):
        raw = s
        if f.kind == "school_year":  # accept '2024/25' and '2024/2025'
            raw = s.astype("string").str.replace(r"^\s*(\d{4})\s*/\s*\d{2,4}\s*$", r"\1", regex=True)
        num, bad = parse_numbers(raw)
        what = "ett läsår som höstterminens år (t.ex. 2024 för 2024/25)" if f.kind == "school_year" else (
            "ett heltal" if f.kind == "int" else "ett tal (decimalkomma eller decimalpunkt)")
        col.add_mask(bad, f.name, f"Inte ett tal. Förväntade {what}.")
        if f.kind in ("int", "school_year"):
            frac = np.isfinite(num) & (num != np.round(num))
            col.add_mask(frac, f.name, "Förväntade ett heltal, inte ett decimaltal.")
            num[frac] = np.nan
        if f.kind == "school_year":
            out = np.isfinite(num) & ((num < SCHOOL_YEAR_RANGE[0]) | (num > SCHOOL_YEAR_RANGE[1]))
            col.add_mask(out, f.name, f"Orimligt läsår. Förväntade {what}.")
        elif f.low is not None or f.high is not None:
            lo = -np.inf if f.low is None else f.low
            hi = np.inf if f.high is None else f.high
            out = np.isfinite(num) & ((num < lo) | (num > hi))
            label = {"grade": "Årskursen", "merit_value": "Meritvärdet", "value": "Enkätvärdet (index)",
                     "fte": "Tjänstgöringsgraden (heltidsekvivalenter)", "grade_min": "Lägsta årskurs",
                     "grade_max": "Högsta årskurs", "rank": "Rangordningen", "area_type": "Områdestypen"}.get(f.name, "Värdet")
            col.add_mask(out, f.name, f"{label} ska vara {_range_text(f)}.")
        series = pd.Series(num, index=s.index)
        if f.dtype == "int64":
            return series.fillna(0).astype("int64")
        if f.dtype == "Int64":
            return series.round().astype("Int64")
        return series.astype("float64")
    if f.kind == "bool":
        low = s.astype("string").str.lower()
        is_true = low.isin(TRUE_WORDS).fillna(False).to_numpy(dtype=bool)
        is_false = low.isin(FALSE_WORDS).fillna(False).to_numpy(dtype=bool)
        bad = given & ~is_true & ~is_false
        col.add_mask(bad, f.name, "Förväntade ja eller nej (även sant/falskt, 1/0, true/false).")
        if f.dtype == "boolean":
            out = pd.array([True if t else (False if fl else pd.NA) for t, fl in zip(is_true, is_false)], dtype="boolean")
            return pd.Series(out, index=s.index)
        return pd.Series(is_true, index=s.index, dtype=bool)
    if f.kind == "code":
        aliases = CODE_ALIASES.get(f.name, {c.lower(): c for c in f.codes})
        mapped = s.astype("string").str.lower().map(aliases.get)
        bad = given & mapped.isna().to_numpy()
        col.add_mask(bad, f.name, f"Okänd kod. Tillåtna koder: {', '.join(f.codes)}.")
        return pd.Series(mapped.to_numpy(dtype=object), index=s.index, dtype="str")
    text = s.astype("string").str.strip()
    if f.kind == "school_id":
        text = text.str.replace(r"\s", "", regex=True)
        bad = given & ~text.str.fullmatch(r"\d{8}").fillna(False).to_numpy(dtype=bool)
        col.add_mask(bad, f.name, "Skolenhetskoden ska vara exakt 8 siffror (t.ex. 12345678).")
    elif f.kind == "municipality_code":
        text = text.str.replace(r"^(\d{3})$", r"0\1", regex=True)  # Excel drops the leading zero of 0180
        bad = given & ~text.str.fullmatch(r"\d{4}").fillna(False).to_numpy(dtype=bool)
        col.add_mask(bad, f.name, "Kommunkoden ska vara exakt 4 siffror (t.ex. 1880 för Örebro, 0180 för Stockholm).")
    return pd.Series(text.to_numpy(dtype=object), index=s.index, dtype="str")


# --- the reader ------------------------------------------------------------------------------


def _missing_columns(kind: str, present: set[str]) -> list[str]:
    missing = []
    alternatives = ALTERNATIVES.get(kind)
    for f in fields(kind):
        if not f.required or f.name in present:
            continue
        if alternatives and f.name in alternatives[0] and all(a in present for a in alternatives[1]):
            continue
        missing.append(f.name)
    return missing


def _check_coordinates(kind: str, out: dict[str, pd.Series], raw: pd.DataFrame, col: _Collector) -> None:
    if kind == "schools":
        xs, ys = "x", "y"
        if "x" not in raw.columns and "lat" in raw.columns and "lon" in raw.columns:
            lat, bad_lat = parse_numbers(raw["lat"])
            lon, bad_lon = parse_numbers(raw["lon"])
            col.add_mask(bad_lat, "lat", "Inte ett tal. Förväntade latitud i grader (WGS84), t.ex. 59,27.")
            col.add_mask(bad_lon, "lon", "Inte ett tal. Förväntade longitud i grader (WGS84), t.ex. 15,21.")
            col.add_mask(raw["lat"].isna().to_numpy(), "lat", "Värde saknas. Kolumnen måste vara ifylld på varje rad.")
            col.add_mask(raw["lon"].isna().to_numpy(), "lon", "Värde saknas. Kolumnen måste vara ifylld på varje rad.")
            outside = np.isfinite(lat) & np.isfinite(lon) & (
                (lat < LAT_RANGE[0]) | (lat > LAT_RANGE[1]) | (lon < LON_RANGE[0]) | (lon > LON_RANGE[1]))
            col.add_mask(outside, "lat", f"Koordinaten ligger utanför Sverige: latitud ska vara {LAT_RANGE[0]}–{LAT_RANGE[1]} "
                         f"och longitud {LON_RANGE[0]}–{LON_RANGE[1]} (WGS84). Kontrollera att lat och lon inte är förväxlade.")
            x, y = wgs84_to_sweref99tm(lat, lon)
            out["x"] = pd.Series(x, index=raw.index)
            out["y"] = pd.Series(y, index=raw.index)
            return
    else:
        xs, ys = ("home_x", "home_y") if kind == "students" else ("x", "y")
        if kind == "students" and "home_area" in out:  # each row needs coordinates or a home area
            if xs not in out:
                out[xs] = pd.Series(np.nan, index=raw.index)
                out[ys] = pd.Series(np.nan, index=raw.index)
            empty = pd.Series(None, index=raw.index, dtype=object)
            no_xy = (raw.get(xs, empty).isna() | raw.get(ys, empty).isna()).to_numpy()
            no_area = out["home_area"].isna().to_numpy()
            col.add_mask(no_xy & no_area, xs, "Bostadsläge saknas: ange home_x och home_y (SWEREF99 TM) eller home_area (DeSO-kod).")
    if xs not in out or ys not in out:
        return
    x = out[xs].to_numpy(dtype=float)
    y = out[ys].to_numpy(dtype=float)
    ok = np.isfinite(x) & np.isfinite(y)
    outside = ok & ((x < SWEREF_X[0]) | (x > SWEREF_X[1]) | (y < SWEREF_Y[0]) | (y > SWEREF_Y[1]))
    swapped = outside & (y >= SWEREF_X[0]) & (y <= SWEREF_X[1]) & (x >= SWEREF_Y[0]) & (x <= SWEREF_Y[1])
    msg = (f"Koordinaten ligger utanför Sverige. Förväntade SWEREF99 TM (EPSG:3006): {xs} (östlig) "
           f"{SWEREF_X[0]:.0f}–{SWEREF_X[1]:.0f} och {ys} (nordlig) {SWEREF_Y[0]:.0f}–{SWEREF_Y[1]:.0f}.")
    col.add_mask(outside & ~swapped, xs, msg)
    col.add_mask(swapped, xs, msg + f" Det ser ut som att {xs} och {ys} är förväxlade.")


def wgs84_to_sweref99tm(lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 latitude/longitude (EPSG:4326) -> SWEREF99 TM easting x, northing y (EPSG:3006)."""
    from pyproj import Transformer

    tr = Transformer.from_crs("EPSG:4326", "EPSG:3006", always_xy=True)
    x, y = tr.transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return np.asarray(x, dtype=float), np.asarray(y, dtype=float)


def _known_pairs(known_school_ids) -> tuple[set[str] | None, dict[int, set[str]] | None]:
    if known_school_ids is None:
        return None, None
    if isinstance(known_school_ids, Mapping):
        return None, {int(k): {str(s) for s in v} for k, v in known_school_ids.items()}
    return {str(s) for s in known_school_ids}, None


def read_register(
    kind: str,
    path: str | Path,
    known_school_ids: Mapping[int, Iterable[str]] | Iterable[str] | None = None,
    key: bytes | None = None,
) -> pd.DataFrame:
    """Read, validate and type one register file of ``kind`` (schools|students|choices|staff|survey).

    ``known_school_ids``: the school units that exist, either per school year (mapping year ->
    ids) or for every year (a collection); rows at other schools are errors. None skips the check.
    ``key``: pseudonymisation key (default: the key file in the user's config folder).
    Returns the typed table (``df.attrs["pseudonymised"]`` = number of ids replaced), or raises
    :class:`RegisterValidationError` listing every problem of the file.
    """
    schema = fields(kind)
    path = Path(path)
    table = read_raw(path)
    raw = table.frame
    header_row = None if table.fmt == "parquet" else 1
    col = _Collector(path.name, raw)
    present = set(raw.columns)

    for name in _missing_columns(kind, present):
        alt = ALTERNATIVES.get(kind)
        hint = ""
        if alt and name in alt[0]:
            hint = f" (eller i stället {' och '.join(alt[1])})"
        col.add(header_row, name, None, f"Kolumnen {name}{hint} saknas i rubrikraden. "
                f"Obligatoriska kolumner: {', '.join(f.name for f in schema if f.required)}.")
    dupes = raw.columns[raw.columns.duplicated()]
    for d in dict.fromkeys(dupes):
        col.add(header_row, d, None, "Kolumnnamnet förekommer mer än en gång i rubrikraden.")

    out: dict[str, pd.Series] = {}
    relaxed = {"home_x", "home_y"} if kind == "students" and "home_area" in present else set()
    for f in schema:
        if f.name in present and f.name not in dupes:
            g = Field(f.name, f.kind, False, f.low, f.high, f.codes, f.default) if f.name in relaxed else f
            out[f.name] = _parse_field(g, raw[f.name], col)
            if f.default is not None:
                out[f.name] = out[f.name].fillna(f.default).astype(f.dtype)

    _check_coordinates(kind, out, raw, col)
    n_pseudo = _check_identity(kind, out, raw, col, key)
    _check_rows(kind, out, col, known_school_ids)  # after pseudonymising: 10- and 12-digit forms match

    if col.issues:
        col.issues.sort(key=lambda i: (-1 if i.row is None else i.row, i.column or ""))
        raise RegisterValidationError(col.issues)
    names = [f.name for f in schema if f.name in out]
    result = pd.DataFrame({n: out[n] for n in names}).reset_index(drop=True)
    result.attrs["pseudonymised"] = n_pseudo
    return result


def _check_rows(kind: str, out: dict[str, pd.Series], col: _Collector, known_school_ids) -> None:
    if kind == "schools" and "grade_min" in out and "grade_max" in out:
        bad = out["grade_min"].to_numpy() > out["grade_max"].to_numpy()
        for i in np.flatnonzero(bad):
            col.add(int(col.rows[i]), "grade_min", f"{out['grade_min'].iloc[i]} > {out['grade_max'].iloc[i]}",
                    "Lägsta årskurs (grade_min) är större än högsta årskurs (grade_max).")
    keys = DUPLICATE_KEYS[kind]
    if all(k in out for k in keys):
        frame = pd.DataFrame({k: out[k] for k in keys})
        dup = frame.duplicated(keep=False).to_numpy() & frame.notna().all(axis=1).to_numpy()
        first_row: dict[tuple, int] = {}
        for i in np.flatnonzero(dup):
            t = tuple(frame.iloc[i])
            row = int(col.rows[i])
            if t not in first_row:
                first_row[t] = row
                continue
            raw_value = str(col.raw[keys[0]].iloc[i])
            shown = "(samma personnummer)" if identity.is_identity_number(raw_value) else raw_value
            desc = ", ".join(f"{k}={shown if k == keys[0] else v}" for k, v in zip(keys, t))
            col.add(row, keys[0], raw_value,
                    f"Dubblerad rad: samma {' och '.join(keys)} ({desc}) finns redan på rad {first_row[t]}.")
    if kind != "schools" and "school_id" in out and "school_year" in out:
        flat, per_year = _known_pairs(known_school_ids)
        if flat is None and per_year is None:
            return
        ids = out["school_id"].astype(object).to_numpy()
        years = out["school_year"].to_numpy()
        well_formed = np.array([isinstance(v, str) and len(v) == 8 and v.isdigit() for v in ids], dtype=bool)
        if flat is not None:
            unknown = well_formed & ~pd.Series(ids).isin(flat).to_numpy()
        else:
            assert per_year is not None  # _known_pairs gives one of the two
            known = [(y, sid) for y, sids in per_year.items() for sid in sids]
            if known:
                pairs = pd.MultiIndex.from_arrays([years, ids])
                unknown = well_formed & ~pairs.isin(pd.MultiIndex.from_tuples(known))
            else:
                unknown = well_formed
        for i in np.flatnonzero(unknown):
            sid, year = ids[i], int(years[i])
            if flat is not None:
                msg = f"Skolenheten {sid} finns inte i skolregistret. Importera skolregistret först eller rätta koden."
            else:
                msg = (f"Skolenheten {sid} finns inte i skolregistret för läsåret {school_year_label(year)}. "
                       "Importera skolregistret för det läsåret först eller rätta koden.")
            col.add(int(col.rows[i]), "school_id", str(sid), msg)


def _check_identity(kind: str, out: dict[str, pd.Series], raw: pd.DataFrame, col: _Collector,
                    key: bytes | None) -> int:
    """Pseudonymise identity numbers in the id column; report them anywhere else."""
    id_col = {"students": "student_id", "staff": "staff_id", "choices": "student_id"}.get(kind)
    n = 0
    for position, c in enumerate(raw.columns):
        s = raw.iloc[:, position]
        if s.isna().all():
            continue
        valid, bad = identity.identity_mask(s)
        if c == id_col and c in out and (raw.columns == c).sum() == 1:
            col.add_mask(bad, c, "Ser ut som ett personnummer men kontrollsiffran stämmer inte. "
                         "Rätta numret eller använd ett annat elev-/personal-id.")
            if valid.any():
                if key is None:
                    key = identity.load_or_create_key()
                ids = out[c].to_numpy(dtype=object).copy()
                ids[valid] = identity.pseudonymise(ids[valid], key)
                out[c] = pd.Series(ids, index=out[c].index, dtype="str")
                n += int(valid.sum())
        elif valid.any():
            for i in np.flatnonzero(valid):
                col.add(int(col.rows[i]), c, str(s.iloc[i]),
                        f"Kolumnen {c} innehåller ett personnummer. Personnummer får bara finnas i "
                        f"{id_col or 'id-kolumnen'} (de ersätts då av en pseudonym); ta bort det här.")
    return n


# --- typing frames from elsewhere (the store, the demo generator) ----------------------------


def conform(kind: str, df: pd.DataFrame) -> pd.DataFrame:
    """``df`` restricted to the schema's columns (contract order) and cast to the schema's dtypes.

    Optional columns are kept only when present; for schools, ``lat``/``lon`` are dropped.
    """
    out = {}
    for f in fields(kind):
        if f.name not in df.columns:
            continue
        s = df[f.name]
        if f.dtype == "str" and not pd.api.types.is_numeric_dtype(s):
            s = s.astype("str")
            if f.default is not None:
                s = s.fillna(f.default)
        elif f.dtype == "str":
            vals = s.astype(object).where(s.notna(), None)
            vals = vals.map(lambda v: v if v is None or isinstance(v, str) else
                            (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)))
            s = pd.Series(vals.to_numpy(dtype=object), index=df.index, dtype="str")
        elif f.dtype == "bool":
            s = s.fillna(f.default if f.default is not None else False).astype(bool)
        elif f.dtype == "boolean":
            s = s.astype("boolean")
        elif f.dtype == "Int64":
            s = pd.to_numeric(s).round().astype("Int64")
        else:
            s = pd.to_numeric(s)
            s = s.round().astype("Int64") if f.dtype == "int64" and s.isna().any() else s.astype(f.dtype)
        out[f.name] = s
    return pd.DataFrame(out, index=df.index).reset_index(drop=True)

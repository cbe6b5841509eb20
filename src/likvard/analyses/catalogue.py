"""From evaluations to catalogue records, and the catalogue in an authority's store.

``local_evaluation`` turns one ``likvard.evaluation.EvaluationResult`` with its panel into a
``LocalEvaluation`` row (baseline, the fewest students behind a figure, context bands, data
hash); ``exempelstad_catalogue`` evaluates Exempelstad's planted interventions (as
tests/test_evaluation_exempelstad.py does) and returns them as a catalogue of the types they
use. ``import_packages`` merges packages into the store (``likvard.store.schema`` tables
``catalogue_*``): rows are keyed by type id and version, evidence id and evaluation id; a row
that is already there unchanged is skipped, one that differs is a conflict, reported and kept
out (never overwritten); a package that fails validation stops the whole import, and nothing is
written. ``store_catalogue`` reads the merged catalogue back; ``export_catalogue`` writes the
authority's own rows, and the intervention register's evaluated interventions that name a
catalogue type (``register_evaluations``), as a package.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from likvard import __version__
from likvard.catalogue import schema
from likvard.catalogue.package import read_package, suppressed, write_package
from likvard.catalogue.pooling import Method, PooledEffect, pool_evaluations
from likvard.catalogue.records import Catalogue, Evidence, InterventionType, LocalEvaluation, as_row
from likvard.catalogue.starter import starter_catalogue
from likvard.errors import StoreError
from likvard.evaluation import EvaluationResult
from likvard.store import Store
from likvard.store import schema as store_schema
from likvard.tables import AuthorityData

NEED_BAND_LIMITS = (0.4, 0.6)
"""Need band from the share of students without a guardian with post-secondary education:
below 0.4 ``lågt``, up to 0.6 ``medel``, above ``högt``."""

EXEMPELSTAD_TYPES = {"I1": "se.likvard/insats/tvalararsystem", "I2": "se.likvard/insats/trygghetsteam",
                     "I3": "se.likvard/insats/coacher-skolutveckling"}
"""Exempelstad's planted interventions and the starter catalogue's types they are instances of."""

UNITS = {"merit_value": "meritpoäng", "share_eligible": "andel", "share_certified": "andel",
         "trygghet": "indexpoäng 0–10", "studiero": "indexpoäng 0–10", "stod": "indexpoäng 0–10"}


def panel_hash(panel: pd.DataFrame) -> str:
    """SHA-256 of the panel (sorted by school and year, CSV with full precision)."""
    cols = [c for c in ("school_id", "school_year", "value", "n_students") if c in panel.columns]
    df = panel[cols].sort_values(["school_id", "school_year"]).reset_index(drop=True)
    return hashlib.sha256(df.to_csv(index=False, float_format="%.12g").encode()).hexdigest()


def _need_band(share: float) -> str:
    return schema.NEED_BANDS[int(np.searchsorted(NEED_BAND_LIMITS, share, side="right"))]


def context_bands(data: AuthorityData, schools: Sequence[str], year: int) -> dict[str, str | None]:
    """Need band, most common area types (covering at least half the students) and size band of
    ``schools`` in school year ``year`` (None where the registers lack what is needed)."""
    st = data.students
    st = st[(st["school_year"] == year) & st["school_id"].astype(str).isin(set(schools))]
    if st.empty:
        return {"behovsband": None, "omradestyp": None, "storleksband": None}
    known = st[st["parent_education"] != "unknown"]
    need = None if known.empty else _need_band(float((known["parent_education"] != "post_secondary").mean()))
    size = schema.size_band(float(len(st)) / max(1, st["school_id"].nunique()))
    areas = None
    if "home_area" in st.columns and not data.areas.empty:
        types = st["home_area"].map(data.areas.set_index("area_id")["area_type"]).dropna().astype(int)
        if not types.empty:
            share = types.value_counts(normalize=True)
            keep, total = [], 0.0
            for t, s in share.items():
                keep.append(int(t))
                total += float(s)
                if total >= 0.5:
                    break
            areas = ";".join(str(t) for t in sorted(keep))
    return {"behovsband": need, "omradestyp": areas, "storleksband": size}


def local_evaluation(result: EvaluationResult, panel: pd.DataFrame, *, evaluation_id: str, type_id: str,
                     publisher: str, type_version: int = 1, organiser_type: str = "kommunal",
                     indicator: str | None = None, data: AuthorityData | None = None,
                     registered: dt.date | None = None, fidelity: float | None = None,
                     cost_per_student: float | None = None, schools_shown: bool = True) -> LocalEvaluation:
    """The catalogue row of ``result``, evaluated on ``panel`` (``school_id, school_year, value,
    n_students``). The fewest students behind a figure: the smallest ``n_students`` of a treated
    school in a year the estimate uses (pre-year baseline and post-years)."""
    treated = {str(k): int(v) for k, v in result.treated.items()}
    p = panel.assign(school_id=panel["school_id"].astype(str))
    tp = p[p["school_id"].isin(set(treated))]
    used_years = set(result.post_years) | {min(treated.values()) - 1}
    n = tp.loc[tp["school_year"].isin(used_years), "n_students"]
    n_min = int(n.min()) if len(n) else 0
    before = tp[tp["school_year"] == min(treated.values()) - 1]["value"]
    context = context_bands(data, list(treated), min(treated.values())) if data is not None else {}
    return LocalEvaluation(
        utvardering_id=evaluation_id, insats_typ_id=type_id, version=type_version, huvudman=publisher,
        huvudman_typ=organiser_type, antal_skolor=len(treated),
        skolor=";".join(sorted(treated)) if schools_shown else None,
        period_start=min(treated.values()), period_slut=max(result.post_years), design=result.design,
        indikator=indicator or result.outcome, enhet=UNITS.get(indicator or result.outcome),
        baseline=float(before.mean()) if len(before) else None,
        forvantad_effekt=result.expected_effect, forregistrerad=registered,
        skattad_effekt=float(result.estimate), ki_lag=result.ci_low, ki_hog=result.ci_high, ki_niva=result.level,
        inferens=result.inference, permutationsgolv=result.permutation_floor, mde=result.mde,
        rtm_justering=result.rtm, effekt_smd=result.standardized_effect, utlatande=result.verdict,
        inforandegrad=fidelity, kostnad_faktisk_kr_per_elev=cost_per_student,
        n_elever_band=schema.student_band(n_min), likvard_version=__version__, data_hash=panel_hash(panel),
        **context)


def exempelstad_catalogue(data: Any, publisher: str = "Exempelstad") -> Catalogue:
    """Exempelstad's planted interventions (``data.truth["interventions"]``) evaluated from the data
    alone, each as a local evaluation of its starter-catalogue type (``EXEMPELSTAD_TYPES``), with
    the types they use. The expected effect counts as registered on 1 June before the start."""
    from likvard.evaluation import authority_panel, evaluate

    iv = data.truth["interventions"]
    starter = {t.insats_typ_id: t for t in starter_catalogue().types}
    rows, used = [], []
    slug = _slug(publisher)
    for iid, g in iv.groupby("intervention_id", sort=True):
        outcome = str(g["outcome"].iloc[0])
        respondent = g["respondent"].iloc[0] or "student_grade8"
        panel = authority_panel(data, outcome, respondent=respondent)
        others = iv.loc[(iv["intervention_id"] != iid) & (iv["outcome"] == outcome), "school_id"].tolist()
        treated = dict(zip(g["school_id"].astype(str), g["start_year"].astype(int)))
        result = evaluate(panel, treated, exclude=others, expected_effect=float(g["expected_effect"].iloc[0]),
                          selected_for_low_results=bool(g["selected_for_low_results"].iloc[0]))
        type_id = EXEMPELSTAD_TYPES[str(iid)]
        used.append(starter[type_id])
        rows.append(local_evaluation(
            result, panel, evaluation_id=f"{slug}/{type_id.rsplit('/', 1)[1]}/{outcome}", type_id=type_id,
            publisher=publisher, data=data, indicator=outcome,
            registered=dt.date(min(treated.values()), 6, 1)))
    return Catalogue(publisher=publisher, types=tuple(dict.fromkeys(used)), local=tuple(rows))


def _slug(text: str) -> str:
    table = str.maketrans("åäöéü ", "aaoeu-")
    return "".join(c for c in text.lower().translate(table) if c.isalnum() or c == "-")


# --- the store ----------------------------------------------------------------------------------------

TABLES = {"insatstyper": store_schema.catalogue_types, "forskningsstod": store_schema.catalogue_evidence,
          "lokala_utvarderingar": store_schema.catalogue_local}
KEYS = {"insatstyper": ("insats_typ_id", "version"), "forskningsstod": ("evidens_id",),
        "lokala_utvarderingar": ("utvardering_id",)}
LABELS = {"insatstyper": "insatstypen", "forskningsstod": "forskningsstödet", "lokala_utvarderingar": "utvärderingen"}


@dataclass(frozen=True)
class Conflict:
    """A row whose key is already in the store with other content (kept as it was)."""

    table: str
    key: str
    source: str
    existing_source: str
    columns: tuple[str, ...]

    def message(self) -> str:
        cols = ", ".join(self.columns)
        return (f"{LABELS[self.table].capitalize()} {self.key} i {self.source} skiljer sig från den som redan finns "
                f"(från {self.existing_source}) i {cols}; den befintliga behålls.")


@dataclass(frozen=True)
class ImportReport:
    """What an import added, what was already there and the conflicts."""

    added: dict[str, int]
    unchanged: dict[str, int]
    conflicts: tuple[Conflict, ...]
    packages: tuple[str, ...]


def _payload(record: Any) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in as_row(record).items()}


def _record(resource: str, payload: dict[str, Any]) -> Any:
    cls = {"insatstyper": InterventionType, "forskningsstod": Evidence, "lokala_utvarderingar": LocalEvaluation}[resource]
    types = schema.field_types(resource)
    values = {k: (dt.date.fromisoformat(v) if types.get(k) == "date" and v is not None else v) for k, v in payload.items()}
    return cls(**{f.name: values.get(f.name) for f in dataclasses.fields(cls)})


def _key_text(key: tuple) -> str:
    return " version ".join(str(k) for k in key)


def import_catalogues(store: Store, catalogues: Sequence[tuple[Catalogue, str]], *, own: bool = False,
                      package_hashes: Sequence[str | None] | None = None) -> ImportReport:
    """Merge ``catalogues`` (each with the name of its source) into ``store`` in one transaction."""
    added = {r: 0 for r in schema.RESOURCES}
    unchanged = {r: 0 for r in schema.RESOURCES}
    conflicts: list[Conflict] = []
    now = dt.datetime.now(dt.timezone.utc)
    hashes = list(package_hashes or [None] * len(catalogues))
    try:
        with store.engine.begin() as conn:
            for (cat, source), pkg_hash in zip(catalogues, hashes):
                parts = {"insatstyper": cat.types, "forskningsstod": cat.evidence, "lokala_utvarderingar": cat.local}
                for resource, records in parts.items():
                    table = TABLES[resource]
                    existing = _existing(conn, resource)
                    for rec in records:
                        payload = _payload(rec)
                        key = tuple(payload[k] for k in KEYS[resource])
                        if key in existing:
                            old, old_source = existing[key]
                            diff = tuple(c for c in payload if payload[c] != old.get(c))
                            if diff:
                                conflicts.append(Conflict(resource, _key_text(key), source, old_source, diff))
                            else:
                                unchanged[resource] += 1
                            continue
                        conn.execute(table.insert().values(
                            **{k: payload[k] for k in KEYS[resource]}, payload=payload, source=source,
                            publisher=cat.publisher, own=own, imported_at=now))
                        existing[key] = (payload, source)
                        added[resource] += 1
                conn.execute(store_schema.catalogue_imports.insert().values(
                    source=source, publisher=cat.publisher, package_hash=pkg_hash, own=own, imported_at=now,
                    n_types=len(cat.types), n_evidence=len(cat.evidence), n_local=len(cat.local),
                    conflicts=json.dumps([c.message() for c in conflicts if c.source == source], ensure_ascii=False)))
    except sa.exc.SQLAlchemyError as exc:
        raise StoreError(f"Katalogen kunde inte sparas i databasen ({exc.__class__.__name__}: {exc}).") from None
    return ImportReport(added, unchanged, tuple(conflicts), tuple(s for _, s in catalogues))


def _existing(conn: sa.Connection, resource: str) -> dict[tuple, tuple[dict[str, Any], str]]:
    table = TABLES[resource]
    out = {}
    for row in conn.execute(sa.select(table)):
        m = row._mapping
        out[tuple(m[k] for k in KEYS[resource])] = (dict(m["payload"]), str(m["source"]))
    return out


def import_packages(store: Store, paths: Iterable[str | Path]) -> ImportReport:
    """Validate every package in ``paths`` (all of them before anything is written), then merge
    them into ``store`` (``import_catalogues``)."""
    items, hashes = [], []
    for p in paths:
        cat = read_package(p)
        items.append((cat, Path(p).name))
        hashes.append(cat.meta.get("data_hash"))
    return import_catalogues(store, items, package_hashes=hashes)


def save_own(store: Store, catalogue: Catalogue, source: str = "egen") -> ImportReport:
    """Save the authority's own types, evidence and local evaluations (exported by ``export_catalogue``)."""
    return import_catalogues(store, [(catalogue, source)], own=True)


def store_catalogue(store: Store, *, own_only: bool = False, publisher: str = "") -> Catalogue:
    """The catalogue merged in ``store`` (only the authority's own rows with ``own_only``)."""
    parts: dict[str, list[Any]] = {}
    try:
        with store.engine.connect() as conn:
            for resource, table in TABLES.items():
                q = sa.select(table.c.payload).order_by(*[table.c[k] for k in KEYS[resource]])
                if own_only:
                    q = q.where(table.c.own.is_(True))
                parts[resource] = [_record(resource, dict(r[0])) for r in conn.execute(q)]
    except sa.exc.SQLAlchemyError as exc:
        raise StoreError(f"Katalogen kunde inte läsas ur databasen ({exc.__class__.__name__}).") from None
    return Catalogue(publisher=publisher or store.name() or "okänd huvudman", types=tuple(parts["insatstyper"]),
                     evidence=tuple(parts["forskningsstod"]), local=tuple(parts["lokala_utvarderingar"]))


def register_evaluations(store: Store, data: AuthorityData | None = None,
                         publisher: str | None = None) -> list[LocalEvaluation]:
    """The intervention register's evaluated interventions that name a catalogue type, one
    catalogue row each from the newest evaluation run (``local_evaluation`` on the stored result
    and the indicator's panel of ``data``, the stored data when None): the expected effect counts
    as registered on the decision date, fidelity is the mean over the terms (0–1), the cost per
    student the register's."""
    from likvard.evaluation import authority_panel
    from likvard.followup import service as followup

    ivs = [iv for iv in followup.list_interventions(store) if iv.catalogue_type and iv.latest_evaluation]
    if not ivs:
        return []
    data = data if data is not None else store.load()
    name = publisher or store.name() or data.name or "okänd huvudman"
    fields = {f.name for f in dataclasses.fields(EvaluationResult)}
    out = []
    for iv in ivs:
        run = iv.latest_evaluation
        assert run is not None and iv.indicator is not None and iv.catalogue_type is not None
        payload = followup.evaluation_payload(store, run.id)
        result = EvaluationResult(**{k: payload[k] for k in fields if k in payload})
        panel = authority_panel(data, iv.indicator, respondent=iv.respondent or "student_grade8")
        fidelity = (sum(iv.fidelity.values()) / len(iv.fidelity) / 100.0) if iv.fidelity else None
        out.append(local_evaluation(
            result, panel, evaluation_id=f"{_slug(name)}/insats-{iv.id}/{iv.indicator}", type_id=iv.catalogue_type,
            type_version=int(iv.catalogue_version or 1), publisher=name, indicator=iv.indicator, data=data,
            registered=iv.decision_date, fidelity=fidelity, cost_per_student=iv.cost_per_student))
    return out


def export_catalogue(store: Store, out: str | Path, *, include_schools: bool = False,
                     data: AuthorityData | None = None) -> Path:
    """Write the authority's own catalogue rows and the register's evaluated interventions
    (``register_evaluations``) as a package (folder or .zip) and return its path. The types they
    use are included even when they came from another package or the starter catalogue."""
    own = store_catalogue(store, own_only=True)
    have = {e.utvardering_id for e in own.local}
    register = [e for e in register_evaluations(store, data, own.publisher) if e.utvardering_id not in have]
    own = dataclasses.replace(own, local=(*own.local, *register))
    every = store_catalogue(store)
    wanted = {t.key for t in own.types} | {(e.insats_typ_id, e.version) for e in own.local} \
        | {(e.insats_typ_id, e.version) for e in own.evidence}
    known = {t.key: t for t in (*starter_catalogue().types, *every.types)}
    types = tuple(known[k] for k in sorted(wanted) if k in known)
    return write_package(dataclasses.replace(own, types=types), out, include_schools=include_schools)


@dataclass(frozen=True)
class TypeEvidence:
    """What a catalogue holds on one intervention type for one indicator: the local evaluations of
    the type on that indicator (``n_local``, by ``authorities`` publishers), pooled by a random-effects
    model (``pooled``; None with fewer than two usable evaluations, ``note`` says why) and the type's
    research evidence rows (reference and figure as published)."""

    type_id: str
    type_name: str
    indicator: str | None
    n_local: int
    authorities: int
    pooled: PooledEffect | None
    note: str | None
    research: tuple[Evidence, ...]


def type_evidence(catalogue: Catalogue, type_id: str, indicator: str | None, *, method: Method = "dl",
                  level: float = 0.95) -> TypeEvidence:
    """The pooled local evaluations and the research for ``type_id`` on ``indicator`` (all versions of
    the type together, as ``pool_evaluations`` groups them; each evaluation as it may be published, so
    one resting on fewer than 10 students adds nothing), for showing beside an intervention's own
    expected effect in the quality report and the web app."""
    names = {t.insats_typ_id: t.namn for t in catalogue.types}
    local = [suppressed(e) for e in catalogue.local if e.insats_typ_id == type_id and indicator is not None
             and e.indikator == indicator]  # as they may be published: no figure on fewer than 10 students
    group = next(iter(pool_evaluations(local, method=method, level=level)), None) if local else None
    used = set(group.evaluation_ids) if group is not None else set()
    note = None if local else "inga lokala utvärderingar i katalogen"
    if group is not None and group.pooled is None:
        note = f"{len(local)} utvärdering{'ar' if len(local) != 1 else ''}, för få att väga samman"
    research = tuple(sorted((e for e in catalogue.evidence if e.insats_typ_id == type_id),
                            key=lambda e: e.evidens_id))
    return TypeEvidence(type_id=type_id, type_name=names.get(type_id, type_id), indicator=indicator,
                        n_local=len(local), authorities=len({e.huvudman for e in local if e.utvardering_id in used}),
                        pooled=group.pooled if group is not None else None, note=note, research=research)

"""The follow-up register's service: interventions, evaluations, quality dialogues,
nulägesanalyser and åtgärdsplaner in the store.

Every function takes a :class:`likvard.store.Store` first and keyword-only options, and returns
frozen dataclasses of ``likvard.followup.records``. Every write takes ``actor`` (the user name,
kept with the record) and ``role`` (``vocabulary.ROLES``; see ``rules`` for who may do what),
checks the rules of ``likvard.followup.rules`` before it writes and runs in one transaction:
a ``FollowupError`` (Swedish, naming what is wrong) means nothing was written. Nothing decided
is overwritten: an edit of an intervention is a new version, a status change a new row,
deleting a mark. Inside ``batch(store)`` the calls share one transaction (committed when the
block ends) and what they have read, with the same rules and the same rows written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from contextvars import ContextVar
from dataclasses import asdict, dataclass, field, replace
from functools import cache
from typing import Any

import sqlalchemy as sa

from likvard.errors import LikvardError, StoreError
from likvard.followup import tables as t
from likvard.followup import vocabulary as v
from likvard.followup.baseline import compute_baseline
from likvard.followup.datapack import build_data_pack, pack_hash
from likvard.followup.evaluate import run_evaluation
from likvard.followup.records import (
    INTERVENTION_FIELDS,
    ActionPlanRow,
    AgendaItem,
    Baseline,
    DataPack,
    Decision,
    Dialogue,
    EvaluationRun,
    Intervention,
    InterventionVersion,
    Note,
    Nulagesanalys,
    Participant,
    Problem,
    SignOff,
    StatusChange,
)
from likvard.followup.rules import (
    FollowupError,
    check_actor,
    check_dialogue_order,
    check_in_school_year,
    check_role,
    fail,
    normalise_intervention,
    parse_date,
)
from likvard.store import Store
from likvard.store import schema as store_schema
from likvard.store.safety import describe_error
from likvard.tables import AuthorityData
from likvard.text import school_year_label

__all__ = [
    "FollowupError", "action_plan", "add_action_plan_row", "add_decision", "add_item", "add_note",
    "add_notes", "atgardsplan", "batch", "catalogue_types", "create_dialogue", "create_intervention",
    "delete_decision", "delete_intervention", "evaluate_intervention", "evaluation_payload", "get_dialogue",
    "get_intervention", "import_decisions", "import_interventions", "list_decisions", "list_dialogues",
    "list_interventions", "nulagesanalys", "plan_row_to_intervention", "save_nulagesanalys",
    "set_authority_area", "set_decision_status", "set_focus_area", "sign_off", "update_intervention",
]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


@contextmanager
def _errors(store: Store) -> Iterator[None]:
    try:
        yield
    except (FollowupError, StoreError):
        raise
    except sa.exc.SQLAlchemyError as exc:
        raise StoreError(describe_error(exc, str(store.engine.url))) from None


@dataclass
class _Batch:
    """The state of ``batch``: its connection (one transaction) and what the service calls inside
    it have read, kept up to date by the writes made through them."""

    store: Store
    conn: sa.Connection
    schools: dict[int, dict[str, str]] | None = None
    catalogue: dict[str, set[int]] | None = None
    interventions: list[Intervention] | None = None
    dialogues: dict[int, Dialogue] = field(default_factory=dict)


_BATCH: ContextVar[_Batch | None] = ContextVar("likvard_followup_batch", default=None)


def _batch_of(store: Store) -> _Batch | None:
    current = _BATCH.get()
    return current if current is not None and current.store is store else None


@contextmanager
def batch(store: Store) -> Iterator[None]:
    """Run every service call on ``store`` inside the block on one connection in ONE transaction:
    each call checks the same rules as alone (a ``FollowupError`` still means that call wrote
    nothing), but nothing is committed before the block ends, and an exception leaving the block
    rolls back every write made in it. Inside, the calls reuse what they have read (the schools,
    the catalogue's types, the interventions, the dialogues) instead of reading it again after each
    write. For a program writing many records in a row (the demo's follow-up history); the store
    must not be written by anything else meanwhile. A block inside a block joins the outer one."""
    if _batch_of(store) is not None:
        yield
        return
    with _errors(store), store.engine.connect() as conn:
        transaction = conn.begin()
        token = _BATCH.set(_Batch(store, conn))
        try:
            yield
        except BaseException:
            transaction.rollback()
            raise
        finally:
            _BATCH.reset(token)
        transaction.commit()


def _read(store: Store) -> Any:
    """A connection for reading: the batch's, or a new one."""
    b = _batch_of(store)
    return nullcontext(b.conn) if b is not None else store.engine.connect()


def _write(store: Store, actor: str, role: str, **role_rule: Any) -> Any:
    check_actor(actor)
    check_role(role, **role_rule)
    b = _batch_of(store)
    return nullcontext(b.conn) if b is not None else store.engine.begin()


def _interventions_changed(store: Store) -> None:
    b = _batch_of(store)
    if b is not None:
        b.interventions = None


def _cache_dialogue(store: Store, dlg: Dialogue) -> Dialogue:
    b = _batch_of(store)
    if b is not None:
        b.dialogues[dlg.id] = dlg
    return dlg


def _forget_school(store: Store, school_id: str, keep: int | None = None) -> None:
    """Drop the batch's dialogues of the school (their previous dialogue or its decisions changed)."""
    b = _batch_of(store)
    if b is not None:
        for did in [i for i, d in b.dialogues.items() if d.school_id == school_id and i != keep]:
            del b.dialogues[did]


def _replace_decision(store: Store, dec: Decision) -> None:
    """Put the decision as now stored into the batch's dialogues that show it."""
    b = _batch_of(store)
    if b is None:
        return

    def swap(decisions: tuple[Decision, ...]) -> tuple[Decision, ...]:
        return tuple(dec if d.id == dec.id else d for d in decisions)

    for did, dlg in list(b.dialogues.items()):
        if any(d.id == dec.id for d in dlg.decisions + dlg.previous_decisions):
            b.dialogues[did] = replace(dlg, decisions=swap(dlg.decisions),
                                       previous_decisions=swap(dlg.previous_decisions))


# --- schools ----------------------------------------------------------------------------------

def _schools(conn: sa.Connection) -> dict[int, dict[str, str]]:
    s = store_schema.TABLES["schools"]
    out: dict[int, dict[str, str]] = {}
    for year, sid, name in conn.execute(sa.select(s.c.school_year, s.c.school_id, s.c.name)):
        out.setdefault(int(year), {})[str(sid)] = str(name)
    return out


def _school_exists(store: Store, conn: sa.Connection, school_id: str, school_year: int) -> bool:
    """Whether the school unit is in the schools table that school year."""
    b = _batch_of(store)
    if b is not None:
        return school_id in _schools_of(store, conn).get(int(school_year), {})
    return conn.execute(_statements()["school_exists"], {"sid": school_id, "year": int(school_year)}).first() is not None


def _schools_of(store: Store, conn: sa.Connection) -> dict[int, dict[str, str]]:
    """``_schools``, read once per batch (the service does not write schools)."""
    b = _batch_of(store)
    if b is None:
        return _schools(conn)
    if b.schools is None:
        b.schools = _schools(conn)
    return b.schools


# --- interventions ----------------------------------------------------------------------------

def _baseline(raw: Mapping[str, Any] | None) -> Baseline | None:
    return None if not raw else Baseline(**raw)


def _evaluation(row: Any) -> EvaluationRun:
    r = row.result or {}
    return EvaluationRun(
        id=row.id, intervention_id=row.intervention_id, intervention_version=row.intervention_version,
        run_at=_aware(row.run_at), run_by=row.run_by, indicator=row.indicator, design=row.design,
        estimate=row.estimate, ci_low=row.ci_low, ci_high=row.ci_high, level=row.level, verdict=row.verdict,
        reason=row.reason, mde=r.get("mde"), rtm=r.get("rtm"), estimate_adjusted=r.get("estimate_adjusted"),
        p_value=r.get("p_value"), n_treated=int(r.get("n_treated") or 0), n_donors=int(r.get("n_donors") or 0),
        n_students=int(r.get("n_students_followup") or 0), post_years=tuple(r.get("post_years") or ()),
        selected_for_low_results=bool(r.get("selected_for_low_results")), data_version=row.data_version,
        warnings=tuple(r.get("warnings") or ()))


@cache
def _intervention_statements() -> tuple[Any, Any, Any]:
    p: sa.BindParameter[int] = sa.bindparam("iid")
    return (sa.select(t.interventions).where(t.interventions.c.id == p),
            sa.select(t.intervention_versions).where(t.intervention_versions.c.intervention_id == p)
            .order_by(t.intervention_versions.c.version),
            sa.select(t.intervention_evaluations).where(t.intervention_evaluations.c.intervention_id == p)
            .order_by(t.intervention_evaluations.c.id))


def _intervention(conn: sa.Connection, intervention_id: int) -> Intervention:
    q_head, q_versions, q_evaluations = _intervention_statements()
    head = conn.execute(q_head, {"iid": intervention_id}).first()
    if head is None:
        raise fail(f"Insatsen {intervention_id} finns inte.")
    vrows = conn.execute(q_versions, {"iid": intervention_id}).all()
    versions = tuple(InterventionVersion(version=r.version, created_by=r.created_by, role=r.role,
                                         created_at=_aware(r.created_at), changed=tuple(r.changed),
                                         values=dict(r.fields), baseline=_baseline(r.baseline)) for r in vrows)
    evals = tuple(_evaluation(r) for r in conn.execute(q_evaluations, {"iid": intervention_id}))
    cur = versions[-1]
    f = cur.values
    base = cur.baseline
    per_student = None
    if f.get("cost_per_year") is not None and base is not None and base.n_students > 0:
        per_student = float(f["cost_per_year"]) / base.n_students
    return Intervention(
        id=head.id, version=cur.version, name=f["name"], description=f["description"], category=f["category"],
        chain_level=f["chain_level"], school_ids=tuple(f["school_ids"]), grades=tuple(f["grades"]),
        student_group=f["student_group"], problem=f["problem"], cause=f["cause"], logic=f["logic"],
        indicator=f["indicator"], respondent=f["respondent"], direction=f["direction"],
        expected_effect=f["expected_effect"], horizon=f["horizon"], basis_for_expectation=f["basis_for_expectation"],
        design=f["design"], comparison=f["comparison"], start_year=f["start_year"], end_year=f["end_year"],
        status=f["status"], dose=f["dose"], school_starts=dict(f.get("school_starts") or {}), fidelity=dict(f["fidelity"]), cost_once=f["cost_once"],
        cost_per_year=f["cost_per_year"], funding=f["funding"], decision_body=f["decision_body"],
        decision_date=None if not f["decision_date"] else dt.date.fromisoformat(f["decision_date"]),
        diary_number=f["diary_number"], responsible_role=f["responsible_role"],
        selected_for_low_results=f["selected_for_low_results"], baseline=base, cost_per_student=per_student,
        deleted=head.deleted_at is not None, created_by=head.created_by, created_at=_aware(head.created_at),
        versions=versions, evaluations=evals, catalogue_type=f.get("catalogue_type"),
        catalogue_version=f.get("catalogue_version"))


def list_interventions(store: Store, *, school_ids: Iterable[str] | None = None,
                       include_deleted: bool = False) -> list[Intervention]:
    """Interventions (newest version each), optionally only those at some of ``school_ids``."""
    wanted = None if school_ids is None else {str(s) for s in school_ids}
    b = _batch_of(store)
    if b is not None and b.interventions is not None:
        out = b.interventions
    else:
        with _errors(store), _read(store) as conn:
            ids = [r[0] for r in conn.execute(sa.select(t.interventions.c.id).order_by(t.interventions.c.id))]
            out = [_intervention(conn, i) for i in ids]
        if b is not None:
            b.interventions = out
    return [iv for iv in out if (include_deleted or not iv.deleted)
            and (wanted is None or wanted & set(iv.school_ids))]


def get_intervention(store: Store, intervention_id: int) -> Intervention:
    """One intervention with its versions and evaluations."""
    b = _batch_of(store)
    if b is not None and b.interventions is not None:
        hit = [iv for iv in b.interventions if iv.id == int(intervention_id)]
        if hit:
            return hit[0]
    with _errors(store), _read(store) as conn:
        return _intervention(conn, int(intervention_id))


def _other_schools(store: Store, indicator: str | None, exclude_id: int | None) -> list[str]:
    """Schools of other interventions on the same indicator (kept out of the comparison)."""
    if indicator is None:
        return []
    out: set[str] = set()
    for iv in list_interventions(store):
        if iv.id != exclude_id and iv.indicator == indicator:
            out.update(iv.school_ids)
    return sorted(out)


def _known_schools(store: Store) -> set[str]:
    with _errors(store), _read(store) as conn:
        return {sid for names in _schools_of(store, conn).values() for sid in names}


def catalogue_types(store: Store) -> dict[str, set[int]]:
    """The intervention types an intervention may pick: every type id with its versions, from the
    catalogue in the store (imported packages) and the starter catalogue shipped with Likvärd."""
    from likvard.catalogue.starter import shipped_catalogue

    b = _batch_of(store)
    if b is not None and b.catalogue is not None:
        return {k: set(versions) for k, versions in b.catalogue.items()}
    out: dict[str, set[int]] = {}
    for tp in shipped_catalogue().types:
        out.setdefault(tp.insats_typ_id, set()).add(int(tp.version))
    ct = store_schema.catalogue_types
    with _errors(store), _read(store) as conn:
        for type_id, version in conn.execute(sa.select(ct.c.insats_typ_id, ct.c.version)):
            out.setdefault(str(type_id), set()).add(int(version))
    if b is not None:
        b.catalogue = {k: set(versions) for k, versions in out.items()}
    return out


def _check_catalogue(clean: Mapping[str, Any], known: Mapping[str, set[int]]) -> None:
    type_id, version = clean.get("catalogue_type"), clean.get("catalogue_version")
    if type_id is None:
        return
    if type_id not in known:
        raise fail(f"Insatstypen {type_id!r} finns inte i insatskatalogen (insatsen {clean['name']!r}); välj en "
                   "typ som 'likvard katalog lista' visar, eller importera katalogpaketet som har den "
                   "('likvard katalog importera').")
    if version not in known[type_id]:
        have = ", ".join(str(x) for x in sorted(known[type_id]))
        raise fail(f"Insatstypen {type_id!r} finns inte i version {version} i insatskatalogen (insatsen "
                   f"{clean['name']!r}); katalogen har version {have}.")


def _prepare(store: Store, fields: Mapping[str, Any], data: AuthorityData | None, compute: bool,
             exclude_id: int | None) -> tuple[dict[str, Any], Baseline | None]:
    clean = normalise_intervention(fields, _known_schools(store))
    if clean.get("catalogue_type") is not None:
        _check_catalogue(clean, catalogue_types(store))
    if not compute:
        return clean, None
    data = data if data is not None else store.load()
    return clean, compute_baseline(data, clean, exclude=_other_schools(store, clean["indicator"], exclude_id))


def create_intervention(store: Store, fields: Mapping[str, Any], *, actor: str, role: str,
                        data: AuthorityData | None = None, compute_baseline: bool = True) -> Intervention:
    """Register an intervention (``fields``: keys of ``records.INTERVENTION_FIELDS``) with its
    decision-time baseline and minimum detectable effect computed from ``data`` (the stored data
    when None; ``compute_baseline=False`` skips it)."""
    check_actor(actor)
    check_role(role, authority=True, what="registrera insatser")
    clean, base = _prepare(store, fields, data, compute_baseline, None)
    with _errors(store), _write(store, actor, role, authority=True) as conn:
        new_id = _create(conn, clean, base, actor, role)
    _interventions_changed(store)
    return get_intervention(store, new_id)


def _create(conn: sa.Connection, clean: Mapping[str, Any], base: Baseline | None, actor: str, role: str) -> int:
    now = _now()
    key = conn.execute(t.interventions.insert().values(current_version=1, created_by=actor, created_at=now)
                       ).inserted_primary_key
    assert key is not None
    new_id = int(key[0])
    _insert_version(conn, new_id, 1, clean, base, sorted(clean), actor, role, now)
    return new_id


def _insert_version(conn: sa.Connection, iid: int, version: int, clean: Mapping[str, Any], base: Baseline | None,
                    changed: Sequence[str], actor: str, role: str, now: dt.datetime) -> None:
    conn.execute(t.intervention_versions.insert().values(
        intervention_id=iid, version=version, name=clean["name"], category=clean["category"], status=clean["status"],
        indicator=clean["indicator"], start_year=clean["start_year"], horizon=clean["horizon"],
        expected_effect=clean["expected_effect"], fields=dict(clean), baseline=None if base is None else asdict(base),
        changed=list(changed), created_by=actor, role=role, created_at=now))


RECOMPUTE = ("school_ids", "grades", "indicator", "respondent", "expected_effect", "horizon", "design", "start_year")


def update_intervention(store: Store, intervention_id: int, changes: Mapping[str, Any], *, actor: str, role: str,
                        data: AuthorityData | None = None, compute_baseline: bool = True) -> Intervention:
    """A new version of the intervention with ``changes`` applied (the old ones are kept). The
    baseline and MDE are recomputed when a field they depend on changes."""
    check_actor(actor)
    check_role(role, authority=True, what="ändra insatser")
    iv = get_intervention(store, intervention_id)
    if iv.deleted:
        raise fail(f"Insatsen {iv.id} ({iv.name}) är borttagen och kan inte ändras.")
    old = dict(iv.versions[-1].values)
    merged = {**old, **dict(changes)}
    clean_new = normalise_intervention(merged, _known_schools(store))
    link = (clean_new.get("catalogue_type"), clean_new.get("catalogue_version"))
    if link[0] is not None and link != (old.get("catalogue_type"), old.get("catalogue_version")):
        _check_catalogue(clean_new, catalogue_types(store))
    changed = sorted(k for k in clean_new if clean_new[k] != old.get(k))
    if not changed:
        raise fail(f"Ändringen av insatsen {iv.id} ändrar inget fält.")
    base = iv.baseline
    if compute_baseline and (base is None or set(changed) & set(RECOMPUTE)):
        _, base = _prepare(store, merged, data, True, iv.id)
    with _errors(store), _write(store, actor, role, authority=True) as conn:
        current = conn.execute(sa.select(t.interventions.c.current_version)
                               .where(t.interventions.c.id == iv.id)).scalar()
        version = int(current) + 1
        _insert_version(conn, iv.id, version, clean_new, base, changed, actor, role, _now())
        conn.execute(t.interventions.update().where(t.interventions.c.id == iv.id).values(current_version=version))
    _interventions_changed(store)
    return get_intervention(store, iv.id)


def delete_intervention(store: Store, intervention_id: int, *, actor: str, role: str) -> Intervention:
    """Mark the intervention deleted (it stays in the register and the decisions' history)."""
    iv = get_intervention(store, intervention_id)
    if iv.deleted:
        raise fail(f"Insatsen {iv.id} ({iv.name}) är redan borttagen.")
    with _errors(store), _write(store, actor, role, authority=True, what="ta bort insatser") as conn:
        conn.execute(t.interventions.update().where(t.interventions.c.id == iv.id)
                     .values(deleted_at=_now(), deleted_by=actor))
    _interventions_changed(store)
    return get_intervention(store, iv.id)


def evaluate_intervention(store: Store, intervention_id: int, *, actor: str, role: str,
                          data: AuthorityData | None = None, seed: int = 0, max_placebos: int = 1000) -> EvaluationRun:
    """Run the evaluation (``likvard.followup.evaluate``) and store it with its data version."""
    check_actor(actor)
    check_role(role, authority=True, what="köra utvärderingar")
    iv = get_intervention(store, intervention_id)
    if iv.deleted:
        raise fail(f"Insatsen {iv.id} ({iv.name}) är borttagen och kan inte utvärderas.")
    data = data if data is not None else store.load()
    try:
        out = run_evaluation(data, iv, exclude=_other_schools(store, iv.indicator, iv.id), seed=seed,
                             max_placebos=max_placebos)
    except (FollowupError, StoreError):
        raise
    except LikvardError as exc:  # the engine's reason (too few years, no comparison schools …)
        raise fail(f"Insatsen {iv.id} ({iv.name}) kunde inte utvärderas: {exc}") from None
    r = out.result
    payload = r.to_dict()
    payload["n_students_followup"] = out.n_students
    payload["selected_for_low_results"] = out.low_results
    with _errors(store), _write(store, actor, role, authority=True) as conn:
        eid = conn.execute(t.intervention_evaluations.insert().values(
            intervention_id=iv.id, intervention_version=iv.version, indicator=iv.indicator, design=r.design,
            estimate=payload["estimate"], ci_low=payload["ci_low"], ci_high=payload["ci_high"], level=r.level,
            verdict=r.verdict, reason=r.reason, data_version=out.data_version, result=payload, run_by=actor,
            run_at=_now())).inserted_primary_key[0]
        row = conn.execute(sa.select(t.intervention_evaluations).where(t.intervention_evaluations.c.id == eid)).one()
    _interventions_changed(store)
    return _evaluation(row)


def evaluation_payload(store: Store, evaluation_id: int) -> dict[str, Any]:
    """The stored result of an evaluation run as the engine gave it
    (``likvard.evaluation.EvaluationResult.to_dict`` and the register's additions)."""
    ev = t.intervention_evaluations
    with _errors(store), _read(store) as conn:
        row = conn.execute(sa.select(ev.c.result).where(ev.c.id == int(evaluation_id))).first()
    if row is None:
        raise fail(f"Utvärderingen {evaluation_id} finns inte.")
    return dict(row[0] or {})


# --- dialogues --------------------------------------------------------------------------------

def _decision(conn: sa.Connection, row: Any) -> Decision:
    hist = tuple(StatusChange(status=h.status, comment=h.comment, dialogue_id=h.dialogue_id, changed_by=h.changed_by,
                              changed_at=_aware(h.changed_at))
                 for h in conn.execute(_statements()["history"], {"dec": row.id}))
    return _decision_from(row, hist)


def _decision_by_id(conn: sa.Connection, decision_id: int) -> Decision:
    return _decision(conn, conn.execute(_statements()["decision"], {"dec": int(decision_id)}).one())


@cache
def _statements() -> dict[str, Any]:
    """The dialogue's queries, built once with bound parameters (they run many times a page)."""
    d, ds, sc, p = t.dialogues, t.decision_status, store_schema.TABLES["schools"], sa.bindparam
    name = (sa.select(sc.c.name).where(sc.c.school_id == d.c.school_id)
            .order_by(sc.c.school_year.desc()).limit(1).scalar_subquery().label("school_name"))
    light = [c for c in d.c if c.name != "data_pack"]
    return {
        "full": sa.select(*d.c, name).where(d.c.id == p("did")),
        "full_many": sa.select(*d.c, name).where(d.c.id.in_(p("ids", expanding=True))),
        "dated": sa.select(d.c.id, d.c.school_id, d.c.date).where(d.c.school_id.in_(p("sids", expanding=True)),
                                                                 d.c.deleted_at.is_(None)),
        "notes_many": sa.select(t.dialogue_notes).where(t.dialogue_notes.c.dialogue_id.in_(p("ids", expanding=True)))
        .order_by(t.dialogue_notes.c.id),
        "items_many": sa.select(t.dialogue_items).where(t.dialogue_items.c.dialogue_id.in_(p("ids", expanding=True)),
                                                        t.dialogue_items.c.deleted_at.is_(None))
        .order_by(t.dialogue_items.c.id),
        "signoffs_many": sa.select(t.dialogue_signoffs)
        .where(t.dialogue_signoffs.c.dialogue_id.in_(p("ids", expanding=True))).order_by(t.dialogue_signoffs.c.id),
        "decisions_many": sa.select(t.decisions).where(t.decisions.c.dialogue_id.in_(p("ids", expanding=True)))
        .order_by(t.decisions.c.id),
        "light": sa.select(*light, name).where(d.c.id == p("did")),
        "notes": sa.select(t.dialogue_notes).where(t.dialogue_notes.c.dialogue_id == p("did"))
        .order_by(t.dialogue_notes.c.id),
        "items": sa.select(t.dialogue_items).where(t.dialogue_items.c.dialogue_id == p("did"),
                                                   t.dialogue_items.c.deleted_at.is_(None))
        .order_by(t.dialogue_items.c.id),
        "signoffs": sa.select(t.dialogue_signoffs).where(t.dialogue_signoffs.c.dialogue_id == p("did"))
        .order_by(t.dialogue_signoffs.c.id),
        "decisions": sa.select(t.decisions).where(t.decisions.c.dialogue_id == p("did")).order_by(t.decisions.c.id),
        "status": sa.select(ds).where(ds.c.decision_id.in_(p("ids", expanding=True))).order_by(ds.c.id),
        "previous": sa.select(d.c.id).where(d.c.school_id == p("sid"), d.c.date < p("day"), d.c.deleted_at.is_(None),
                                            d.c.id != p("exclude"))
        .order_by(d.c.date.desc(), d.c.id.desc()).limit(1),
        # the writes and the checks before them (executed with a dict of values)
        "same": sa.select(d.c.kind, d.c.date).where(d.c.school_id == p("sid"), d.c.school_year == p("year"),
                                                    d.c.deleted_at.is_(None)),
        "pack": sa.select(d.c.data_pack).where(d.c.id == p("did")),
        "school_exists": sa.select(sc.c.school_id).where(sc.c.school_id == p("sid"), sc.c.school_year == p("year"))
        .limit(1),
        "school_of": sa.select(d.c.school_id).where(d.c.id == p("did")),
        "decision": sa.select(t.decisions).where(t.decisions.c.id == p("dec")),
        "history": sa.select(ds).where(ds.c.decision_id == p("dec")).order_by(ds.c.id),
        "intervention_deleted": sa.select(t.interventions.c.deleted_at).where(t.interventions.c.id == p("iv")),
        "insert_dialogue": d.insert(),
        "insert_item": t.dialogue_items.insert(),
        "insert_note": t.dialogue_notes.insert(),
        "insert_items": t.dialogue_items.insert().returning(t.dialogue_items.c.id, sort_by_parameter_order=True),
        "insert_notes": t.dialogue_notes.insert().returning(t.dialogue_notes.c.id, sort_by_parameter_order=True),
        "insert_decision": t.decisions.insert(),
        "insert_status": ds.insert(),
        "insert_signoff": t.dialogue_signoffs.insert(),
        "update_dialogue": d.update().where(d.c.id == p("did")),
        "follow_up": t.decisions.update().where(t.decisions.c.id == p("dec")),
        "drop_items": t.dialogue_items.update().where(t.dialogue_items.c.dialogue_id == p("did"),
                                                      t.dialogue_items.c.kind == p("item_kind"),
                                                      t.dialogue_items.c.deleted_at.is_(None)),
    }


def _decisions_of(conn: sa.Connection, dialogue_id: int) -> tuple[Decision, ...]:
    q = _statements()
    rows = conn.execute(q["decisions"], {"did": dialogue_id}).all()
    if not rows:
        return ()
    history: dict[int, list[StatusChange]] = {}
    for h in conn.execute(q["status"], {"ids": [r.id for r in rows]}):
        history.setdefault(h.decision_id, []).append(StatusChange(
            status=h.status, comment=h.comment, dialogue_id=h.dialogue_id, changed_by=h.changed_by,
            changed_at=_aware(h.changed_at)))
    return tuple(_decision_from(r, tuple(history.get(r.id, ()))) for r in rows)


def _decision_from(row: Any, hist: tuple[StatusChange, ...]) -> Decision:
    last = hist[-1] if hist else None
    return Decision(id=row.id, dialogue_id=row.dialogue_id, what=row.what, responsible_role=row.responsible_role,
                    due_date=row.due_date, resource=row.resource, intervention_id=row.intervention_id,
                    indicator=row.indicator, follow_up_dialogue_id=row.follow_up_dialogue_id,
                    status=last.status if last else "ej påbörjad", status_comment=last.comment if last else "",
                    deleted=row.deleted_at is not None, created_by=row.created_by, created_at=_aware(row.created_at),
                    history=hist)


def _previous_dialogue_id(conn: sa.Connection, school_id: str, date: dt.date, exclude: int | None = None) -> int | None:
    return conn.execute(_statements()["previous"], {"sid": school_id, "day": date,
                                                    "exclude": -1 if exclude is None else int(exclude)}).scalar()


def _dialogue(conn: sa.Connection, dialogue_id: int, full: bool = True) -> Dialogue:
    """The dialogue; ``full=False`` leaves out the data pack and the decisions (its own and the
    previous dialogue's), for the checks before a write."""
    q = _statements()
    d = conn.execute(q["full" if full else "light"], {"did": dialogue_id}).first()
    if d is None:
        raise fail(f"Kvalitetsdialogen {dialogue_id} finns inte.")
    notes = conn.execute(q["notes"], {"did": d.id}).all()
    items = conn.execute(q["items"], {"did": d.id}).all()
    signoffs = conn.execute(q["signoffs"], {"did": d.id}).all()
    if not full:
        return _dialogue_from(d, items, notes, signoffs, (), (), full=False)
    prev = _previous_dialogue_id(conn, d.school_id, d.date, exclude=d.id)
    return _dialogue_from(d, items, notes, signoffs, _decisions_of(conn, d.id),
                          () if prev is None else _decisions_of(conn, prev))


def _dialogue_from(d: Any, items: Sequence[Any], notes: Sequence[Any], signoffs: Sequence[Any],
                   decisions: tuple[Decision, ...], previous: tuple[Decision, ...], full: bool = True) -> Dialogue:
    """The dialogue of row ``d`` with its agenda items, notes and sign-offs (rows ordered by id),
    its decisions and the previous dialogue's."""
    by_item: dict[int, list[Note]] = {}
    for n in notes:
        by_item.setdefault(n.item_id, []).append(Note(id=n.id, item_id=n.item_id, kind=n.kind, text=n.text,
                                                      created_by=n.created_by, created_at=_aware(n.created_at)))
    agenda = tuple(AgendaItem(id=i.id, kind=i.kind, title=i.title, motivation=i.motivation, flagged=bool(i.flagged),
                              indicator=i.indicator, notes=tuple(by_item.get(i.id, ()))) for i in items)
    signed = tuple(SignOff(as_role=s.as_role, signed_by=s.signed_by, signed_at=_aware(s.signed_at)) for s in signoffs)
    pack = None if not full or d.data_pack is None else DataPack(
        generated_at=_aware(d.data_pack_at), data_version=d.data_version, sha256=d.data_pack_sha256,
        content=d.data_pack)
    return Dialogue(
        id=d.id, school_id=d.school_id, school_name=str(d.school_name) if d.school_name is not None else d.school_id,
        school_year=d.school_year,
        kind=d.kind, date=d.date, participants=tuple(Participant(**p) for p in d.participants),
        focus_area=d.focus_area, focus_motivation=d.focus_motivation, authority_area=d.authority_area,
        authority_motivation=d.authority_motivation, created_by=d.created_by, created_at=_aware(d.created_at),
        deleted=d.deleted_at is not None, items=agenda, decisions=decisions, signoffs=signed, data_pack=pack,
        previous_decisions=previous)


MANY = 500
"""Dialogues read together by ``_dialogues_many`` (bounded: the database's limit of bound values)."""


def _dialogues_many(conn: sa.Connection, ids: Sequence[int]) -> list[Dialogue]:
    """``_dialogue`` of each of ``ids`` (in that order), read together: a handful of queries for
    every ``MANY`` dialogues instead of nine for each."""
    out: list[Dialogue] = []
    for k in range(0, len(ids), MANY):
        out.extend(_dialogues_chunk(conn, [int(i) for i in ids[k:k + MANY]]))
    return out


def _dialogues_chunk(conn: sa.Connection, ids: list[int]) -> list[Dialogue]:
    if not ids:
        return []
    q = _statements()
    heads = {r.id: r for r in conn.execute(q["full_many"], {"ids": ids})}
    missing = [i for i in ids if i not in heads]
    if missing:
        raise fail(f"Kvalitetsdialogen {missing[0]} finns inte.")
    # the previous dialogue of each (as _previous_dialogue_id: the school's latest one not deleted
    # before the date, the highest id among those of the same day)
    dated: dict[str, list[tuple[dt.date, int]]] = {}
    for r in conn.execute(q["dated"], {"sids": sorted({h.school_id for h in heads.values()})}):
        dated.setdefault(r.school_id, []).append((r.date, r.id))
    prev: dict[int, int | None] = {}
    for did, h in heads.items():
        before = [x for x in dated.get(h.school_id, []) if x[0] < h.date and x[1] != did]
        prev[did] = max(before)[1] if before else None
    wanted = sorted(set(ids) | {p for p in prev.values() if p is not None})
    decisions: dict[int, list[Any]] = {}
    for r in _in_chunks(conn, q["decisions_many"], wanted):
        decisions.setdefault(r.dialogue_id, []).append(r)
    history: dict[int, list[StatusChange]] = {}
    for h in _in_chunks(conn, q["status"], [r.id for rows in decisions.values() for r in rows]):
        history.setdefault(h.decision_id, []).append(StatusChange(
            status=h.status, comment=h.comment, dialogue_id=h.dialogue_id, changed_by=h.changed_by,
            changed_at=_aware(h.changed_at)))
    made = {did: tuple(_decision_from(r, tuple(history.get(r.id, ()))) for r in rows)
            for did, rows in decisions.items()}
    parts: dict[str, dict[int, list[Any]]] = {}
    for key in ("items_many", "notes_many", "signoffs_many"):
        parts[key] = {}
        for r in conn.execute(q[key], {"ids": ids}):
            parts[key].setdefault(r.dialogue_id, []).append(r)
    return [_dialogue_from(heads[i], parts["items_many"].get(i, []), parts["notes_many"].get(i, []),
                           parts["signoffs_many"].get(i, []), made.get(i, ()),
                           _previous_of(made, prev[i])) for i in ids]


def _previous_of(made: Mapping[int, tuple[Decision, ...]], previous: int | None) -> tuple[Decision, ...]:
    return () if previous is None else made.get(previous, ())


def _in_chunks(conn: sa.Connection, query: Any, ids: Sequence[int]) -> Iterator[Any]:
    """The rows of ``query`` (an expanding ``ids`` parameter, ordered by id) for ``ids`` taken
    ``MANY`` at a time, in id order."""
    rows: list[Any] = []
    for k in range(0, len(ids), MANY):
        rows.extend(conn.execute(query, {"ids": list(ids[k:k + MANY])}))
    return iter(sorted(rows, key=lambda r: r.id))


def list_dialogues(store: Store, *, school_ids: Iterable[str] | None = None,
                   school_year: int | None = None) -> list[Dialogue]:
    """Dialogues (not deleted), by date; optionally of some schools and one school year."""
    d = t.dialogues
    q = sa.select(d.c.id).where(d.c.deleted_at.is_(None)).order_by(d.c.date, d.c.id)
    if school_ids is not None:
        q = q.where(d.c.school_id.in_([str(s) for s in school_ids]))
    if school_year is not None:
        q = q.where(d.c.school_year == int(school_year))
    with _errors(store), _read(store) as conn:
        ids = conn.execute(q).scalars().all()
        b = _batch_of(store)
        if b is None:
            return _dialogues_many(conn, ids)
        for dlg in _dialogues_many(conn, [i for i in ids if i not in b.dialogues]):
            _cache_dialogue(store, dlg)
        return [b.dialogues[i] for i in ids]


def get_dialogue(store: Store, dialogue_id: int) -> Dialogue:
    """One dialogue with agenda, notes, decisions, sign-offs, data pack and the previous decisions."""
    with _errors(store), _read(store) as conn:
        return _batch_dialogue(store, conn, int(dialogue_id))


def _batch_dialogue(store: Store, conn: sa.Connection, dialogue_id: int) -> Dialogue:
    """``_dialogue``; inside a batch the one it has read or written already."""
    b = _batch_of(store)
    if b is None:
        return _dialogue(conn, dialogue_id)
    hit = b.dialogues.get(dialogue_id)
    return hit if hit is not None else _cache_dialogue(store, _dialogue(conn, dialogue_id))


def _participants(participants: Iterable[Any]) -> list[dict[str, str]]:
    out = []
    for p in participants:
        if isinstance(p, Participant):
            role, name = p.role, p.name
        elif isinstance(p, Mapping):
            role, name = str(p.get("role", "")).strip(), str(p.get("name", "")).strip()
        elif isinstance(p, tuple | list):
            role, name = str(p[0]).strip(), (str(p[1]).strip() if len(p) > 1 else "")
        else:
            role, name = (s.strip() for s in (str(p).split(":", 1) + [""])[:2])
        if not role:
            raise fail(f"Deltagaren {p!r} saknar roll.")
        out.append({"role": role, "name": name})
    if not out:
        raise fail("Dialogen saknar deltagare: ange minst rektor och huvudmannens företrädare med roll.")
    return out


def create_dialogue(store: Store, *, school_id: str, school_year: int, kind: str, date: dt.date | str,
                    participants: Iterable[Any], actor: str, role: str,
                    data: AuthorityData | None = None) -> Dialogue:
    """Hold a new dialogue: checks the school (it must exist that school year), the date (inside
    the school year; spring after autumn), freezes the data pack with its hash, puts the pack's
    flags on the agenda and marks the previous dialogue's open decisions to be followed up here."""
    check_actor(actor)
    check_role(role, authority=True, what="kalla till kvalitetsdialoger")
    school_id = str(school_id).strip()
    school_year = int(school_year)
    if kind not in v.DIALOGUE_KINDS:
        raise fail(f"Dialogtypen {kind!r} finns inte; välj host (undersökande) eller var (uppföljande).")
    day = parse_date(date, "Dialogens datum")
    check_in_school_year(day, school_year, "Dialogens datum")
    people = _participants(participants)
    b = _batch_of(store)
    with _errors(store), _read(store) as conn:
        schools = _schools_of(store, conn)
        if school_id not in schools.get(school_year, {}):
            where = "finns inte i databasen" if not any(school_id in s for s in schools.values()) else \
                f"finns inte läsåret {school_year_label(school_year)}"
            raise fail(f"Skolenheten {school_id} {where}; en kvalitetsdialog kan bara hållas med en skolenhet som "
                       "finns det läsåret.")
        same = conn.execute(_statements()["same"], {"sid": school_id, "year": school_year}).all()
        if any(k == kind for k, _ in same):
            raise fail(f"Skolenheten {school_id} har redan en {v.DIALOGUE_KINDS[kind]}dialog läsåret "
                       f"{school_year_label(school_year)}.")
        check_dialogue_order(kind, day, [(k, dd) for k, dd in same], school_id, school_year)
        prev_id = _previous_dialogue_id(conn, school_id, day)
        known = None if b is None or prev_id is None else b.dialogues.get(prev_id)
        previous = known.decisions if known is not None else _decisions_of(conn, prev_id) if prev_id is not None else ()
    data = data if data is not None else store.load()
    ivs = list_interventions(store, school_ids=[school_id])
    content, version = build_data_pack(data, school_id, school_year, interventions=ivs, previous_decisions=previous)
    now = _now()
    sha = pack_hash(content)
    q = _statements()
    with _errors(store), _write(store, actor, role, authority=True) as conn:
        did = conn.execute(q["insert_dialogue"], dict(
            school_id=school_id, school_year=school_year, kind=kind, date=day, participants=people,
            data_pack=content, data_pack_sha256=sha, data_version=version, data_pack_at=now,
            created_by=actor, created_at=now)).inserted_primary_key[0]
        flags = [dict(dialogue_id=did, kind="genererad", title=flag["text"], motivation="", flagged=True,
                      indicator=flag["indicator"], created_by=actor, created_at=now) for flag in content["flags"]]
        items = [AgendaItem(id=item_id, kind="genererad", title=f["title"], motivation="", flagged=True,
                            indicator=f["indicator"]) for item_id, f in zip(_insert_rows(conn, "item", flags), flags)]
        followed = {dec.id for dec in previous if dec.status in v.OPEN_DECISION_STATUSES
                    and dec.follow_up_dialogue_id is None and not dec.deleted}
        if followed:
            conn.execute(q["follow_up"], [{"dec": i, "follow_up_dialogue_id": did} for i in sorted(followed)])
        stored = None if b is None else conn.execute(q["pack"], {"did": did}).scalar()
    if b is None:
        return get_dialogue(store, did)
    # in a batch: the dialogue as just written (the data pack as the database gives it back), and
    # the school's other dialogues forgotten (their decisions now point here)
    _forget_school(store, school_id)
    return _cache_dialogue(store, Dialogue(
        id=did, school_id=school_id, school_name=_school_name(schools, school_id), school_year=school_year, kind=kind,
        date=day, participants=tuple(Participant(**p) for p in people), focus_area=None, focus_motivation=None,
        authority_area=None, authority_motivation=None, created_by=actor, created_at=now, items=tuple(items),
        data_pack=DataPack(generated_at=now, data_version=version, sha256=sha, content=dict(stored or {})),
        previous_decisions=tuple(replace(dec, follow_up_dialogue_id=did) if dec.id in followed else dec
                                 for dec in previous)))


def _insert_rows(conn: sa.Connection, what: str, rows: Sequence[Mapping[str, Any]]) -> list[int]:
    """Insert ``rows`` (in order) into the agenda items (``what="item"``) or notes (``"note"``)
    and return their ids: in one call where the database returns the ids of many rows in the
    order given, else row by row."""
    if not rows:
        return []
    q = _statements()
    if len(rows) > 1 and conn.dialect.insert_executemany_returning_sort_by_parameter_order:
        return [int(r[0]) for r in conn.execute(q[f"insert_{what}s"], list(rows))]
    ids = []
    for r in rows:
        key = conn.execute(q[f"insert_{what}"], r).inserted_primary_key
        assert key is not None
        ids.append(int(key[0]))
    return ids


def _school_name(schools: Mapping[int, Mapping[str, str]], school_id: str) -> str:
    """The school's name in the newest school year it has (as the dialogue query gives it)."""
    for year in sorted(schools, reverse=True):
        if school_id in schools[year]:
            return schools[year][school_id]
    return school_id


def _open_dialogue(store: Store, dialogue_id: int) -> Dialogue:
    """The dialogue (without data pack and decisions; inside a batch the whole dialogue) when it
    may still be written to."""
    with _errors(store), _read(store) as conn:
        dlg = (_batch_dialogue(store, conn, int(dialogue_id)) if _batch_of(store) is not None
               else _dialogue(conn, int(dialogue_id), full=False))
    if dlg.deleted:
        raise fail(f"Kvalitetsdialogen {dlg.id} är borttagen.")
    if dlg.signed:
        raise fail(f"Kvalitetsdialogen {dlg.id} ({dlg.school_name}, {dlg.date.isoformat()}) är signerad av rektor "
                   "och huvudman; dess protokoll ändras inte längre.")
    return dlg


def _area(store: Store, dialogue_id: int, kind: str, area: str, motivation: str, actor: str, role: str) -> Dialogue:
    authority = kind == "huvudman"
    check_actor(actor)
    check_role(role, authority=authority, what="lägga till huvudmannens område" if authority else "välja fokusområde")
    dlg = _open_dialogue(store, dialogue_id)
    area, motivation = str(area or "").strip(), str(motivation or "").strip()
    if not area:
        raise fail("Området saknar namn.")
    if not motivation:
        raise fail(f"Området {area!r} saknar motivering: skriv varför skolan har särskilda utmaningar där.")
    cols = ("focus_area", "focus_motivation") if kind == "rektor" else ("authority_area", "authority_motivation")
    now = _now()
    q = _statements()
    with _errors(store), _write(store, actor, role, authority=authority) as conn:
        conn.execute(q["update_dialogue"], {"did": dlg.id, cols[0]: area, cols[1]: motivation})
        if _batch_of(store) is None or any(i.kind == kind for i in dlg.items):  # a batch knows the agenda
            conn.execute(q["drop_items"], {"did": dlg.id, "item_kind": kind, "deleted_at": now})
        item_id = conn.execute(q["insert_item"], dict(
            dialogue_id=dlg.id, kind=kind, title=area, motivation=motivation, flagged=False, indicator=None,
            created_by=actor, created_at=now)).inserted_primary_key[0]
    if _batch_of(store) is None:
        return get_dialogue(store, dlg.id)
    items = tuple(i for i in dlg.items if i.kind != kind) + (
        AgendaItem(id=item_id, kind=kind, title=area, motivation=motivation, flagged=False, indicator=None),)
    if kind == "rektor":
        return _cache_dialogue(store, replace(dlg, items=items, focus_area=area, focus_motivation=motivation))
    return _cache_dialogue(store, replace(dlg, items=items, authority_area=area, authority_motivation=motivation))


def set_focus_area(store: Store, dialogue_id: int, *, area: str, motivation: str, actor: str, role: str) -> Dialogue:
    """The principal's focus area (an area where the school has special challenges) with motivation."""
    return _area(store, dialogue_id, "rektor", area, motivation, actor, role)


def set_authority_area(store: Store, dialogue_id: int, *, area: str, motivation: str, actor: str, role: str) -> Dialogue:
    """The area the authority adds to the agenda, with motivation."""
    return _area(store, dialogue_id, "huvudman", area, motivation, actor, role)


def add_item(store: Store, dialogue_id: int, *, title: str, actor: str, role: str, motivation: str = "",
             flagged: bool = False, indicator: str | None = None) -> AgendaItem:
    """A manual agenda item."""
    check_actor(actor)
    check_role(role)
    dlg = _open_dialogue(store, dialogue_id)
    if not str(title).strip():
        raise fail("Punkten saknar rubrik.")
    with _errors(store), _write(store, actor, role) as conn:
        iid = conn.execute(t.dialogue_items.insert().values(
            dialogue_id=dlg.id, kind="manuell", title=str(title).strip(), motivation=str(motivation).strip(),
            flagged=bool(flagged), indicator=indicator, created_by=actor, created_at=_now())).inserted_primary_key[0]
    if _batch_of(store) is not None:
        item = AgendaItem(id=iid, kind="manuell", title=str(title).strip(), motivation=str(motivation).strip(),
                          flagged=bool(flagged), indicator=indicator)
        _cache_dialogue(store, replace(dlg, items=dlg.items + (item,)))
        return item
    return next(i for i in get_dialogue(store, dlg.id).items if i.id == iid)


def add_note(store: Store, dialogue_id: int, item_id: int, *, kind: str, text: str, actor: str, role: str) -> Note:
    """A note on an agenda item (``analys`` = cause analysis, ``styrkor``, ``utvecklingsbehov``, ``stod``)."""
    check_actor(actor)
    check_role(role)
    dlg = _open_dialogue(store, dialogue_id)
    if kind not in v.NOTE_KINDS:
        raise fail(f"Anteckningstypen {kind!r} finns inte; välj bland {', '.join(v.NOTE_KINDS)}.")
    if not any(i.id == int(item_id) for i in dlg.items):
        raise fail(f"Punkten {item_id} finns inte på dagordningen för kvalitetsdialog {dlg.id}.")
    if not str(text or "").strip():
        raise fail("Anteckningen är tom.")
    now = _now()
    with _errors(store), _write(store, actor, role) as conn:
        nid = conn.execute(t.dialogue_notes.insert().values(
            dialogue_id=dlg.id, item_id=int(item_id), kind=kind, text=str(text).strip(), created_by=actor,
            created_at=now)).inserted_primary_key[0]
    if _batch_of(store) is not None:
        note = Note(id=nid, item_id=int(item_id), kind=kind, text=str(text).strip(), created_by=actor, created_at=now)
        _cache_dialogue(store, _with_notes(dlg, [note]))
        return note
    item = next(i for i in get_dialogue(store, dlg.id).items if i.id == int(item_id))
    return next(n for n in item.notes if n.id == nid)


def add_notes(store: Store, dialogue_id: int, notes: Sequence[tuple[int, str, str]], *, actor: str,
              role: str) -> Dialogue:
    """Several notes ``(item_id, kind, text)`` on the agenda in one transaction (each checked as
    in ``add_note``; any problem means none is written); returns the dialogue."""
    check_actor(actor)
    check_role(role)
    dlg = _open_dialogue(store, dialogue_id)
    items = {i.id for i in dlg.items}
    rows: list[dict[str, Any]] = []
    for item_id, kind, text in notes:
        if kind not in v.NOTE_KINDS:
            raise fail(f"Anteckningstypen {kind!r} finns inte; välj bland {', '.join(v.NOTE_KINDS)}.")
        if int(item_id) not in items:
            raise fail(f"Punkten {item_id} finns inte på dagordningen för kvalitetsdialog {dlg.id}.")
        if not str(text or "").strip():
            raise fail("Anteckningen är tom.")
        rows.append({"dialogue_id": dlg.id, "item_id": int(item_id), "kind": kind, "text": str(text).strip(),
                     "created_by": actor, "created_at": _now()})
    if _batch_of(store) is not None:
        # in a batch: row by row, for the ids of the notes to put into the dialogue
        with _errors(store), _write(store, actor, role) as conn:
            added = [Note(id=note_id, item_id=r["item_id"], kind=r["kind"], text=r["text"], created_by=actor,
                          created_at=r["created_at"]) for note_id, r in zip(_insert_rows(conn, "note", rows), rows)]
        return _cache_dialogue(store, _with_notes(dlg, added))
    if rows:
        with _errors(store), _write(store, actor, role) as conn:
            conn.execute(t.dialogue_notes.insert(), rows)
    return get_dialogue(store, dlg.id)


def _with_notes(dlg: Dialogue, notes: Sequence[Note]) -> Dialogue:
    """The dialogue with ``notes`` (newly written) added to their items."""
    return replace(dlg, items=tuple(replace(i, notes=i.notes + tuple(n for n in notes if n.item_id == i.id))
                                    for i in dlg.items))


def _check_intervention_link(conn: sa.Connection, intervention_id: int | None) -> int | None:
    if intervention_id is None or intervention_id == "":
        return None
    try:
        iid = int(intervention_id)
    except (TypeError, ValueError):
        raise fail(f"Insatsen {intervention_id!r} finns inte (ange insatsens nummer).") from None
    head = conn.execute(_statements()["intervention_deleted"], {"iv": iid}).first()
    if head is None:
        raise fail(f"Beslutet hänvisar till insatsen {iid}, som inte finns i insatsregistret.")
    if head.deleted_at is not None:
        raise fail(f"Beslutet hänvisar till insatsen {iid}, som är borttagen.")
    return iid


def add_decision(store: Store, dialogue_id: int, *, what: str, responsible_role: str, due_date: dt.date | str,
                 resource: str | None = None, intervention_id: int | None = None, indicator: str | None = None,
                 actor: str, role: str) -> Decision:
    """A decision of the dialogue (status ``ej påbörjad``)."""
    check_actor(actor)
    check_role(role, authority=True, what="fatta beslut i dialogen")
    dlg = _open_dialogue(store, dialogue_id)
    what = str(what or "").strip()
    if not what:
        raise fail("Beslutet saknar text (vad som ska göras).")
    if responsible_role not in v.RESPONSIBLE_ROLES:
        raise fail(f"Ansvarig roll {responsible_role!r} finns inte; välj bland {', '.join(v.RESPONSIBLE_ROLES)}.")
    due = parse_date(due_date, "Beslutets slutdatum")
    if due < dlg.date:
        raise fail(f"Beslutets slutdatum {due.isoformat()} ligger före dialogen {dlg.date.isoformat()}.")
    if indicator is not None and indicator not in v.INDICATORS:
        raise fail(f"Indikatorn {indicator!r} finns inte; välj bland {', '.join(v.INDICATORS)}.")
    now = _now()
    with _errors(store), _write(store, actor, role, authority=True) as conn:
        iid = _check_intervention_link(conn, intervention_id)
        q = _statements()
        did = conn.execute(q["insert_decision"], dict(
            dialogue_id=dlg.id, what=what, responsible_role=responsible_role, due_date=due,
            resource=(str(resource).strip() or None) if resource is not None else None, intervention_id=iid,
            indicator=indicator, created_by=actor, created_at=now)).inserted_primary_key[0]
        conn.execute(q["insert_status"], dict(decision_id=did, status="ej påbörjad", comment="",
                                              dialogue_id=dlg.id, changed_by=actor, changed_at=now))
        dec = _decision_by_id(conn, did) if _batch_of(store) is None else Decision(  # in a batch: as written
            id=did, dialogue_id=dlg.id, what=what, responsible_role=responsible_role, due_date=due,
            resource=(str(resource).strip() or None) if resource is not None else None, intervention_id=iid,
            indicator=indicator, follow_up_dialogue_id=None, status="ej påbörjad", status_comment="", deleted=False,
            created_by=actor, created_at=now, history=(StatusChange(status="ej påbörjad", comment="",
                                                                    dialogue_id=dlg.id, changed_by=actor,
                                                                    changed_at=now),))
    if _batch_of(store) is not None:
        # the dialogue that follows this one shows its decisions as previous ones
        _forget_school(store, dlg.school_id, keep=dlg.id)
        _cache_dialogue(store, replace(dlg, decisions=dlg.decisions + (dec,)))
    return dec


def list_decisions(store: Store, *, school_ids: Iterable[str] | None = None, school_year: int | None = None,
                   include_deleted: bool = False) -> list[Decision]:
    """Decisions of the dialogues (optionally of some schools and a school year)."""
    out: list[Decision] = []
    for dlg in list_dialogues(store, school_ids=school_ids, school_year=school_year):
        out.extend(d for d in dlg.decisions if include_deleted or not d.deleted)
    return out


def set_decision_status(store: Store, decision_id: int, *, status: str, comment: str, dialogue_id: int | None,
                        actor: str, role: str) -> Decision:
    """A new status of a decision, recorded at ``dialogue_id`` (a dialogue of the same school)."""
    check_actor(actor)
    check_role(role)
    if status not in v.DECISION_STATUSES:
        raise fail(f"Statusen {status!r} finns inte; välj bland {', '.join(v.DECISION_STATUSES)}.")
    comment = str(comment or "").strip()
    if status in ("delvis", "ändrad", "struken") and not comment:
        raise fail(f"Statusen {status} kräver en kommentar om varför.")
    q = _statements()
    b = _batch_of(store)
    known = None if b is None else _known_decision(b, int(decision_id))
    with _errors(store), _read(store) as conn:
        if known is not None:
            deleted, school = known[0].deleted, known[1]
        else:
            row = conn.execute(q["decision"], {"dec": int(decision_id)}).first()
            if row is None:
                raise fail(f"Beslutet {decision_id} finns inte.")
            deleted = row.deleted_at is not None
            school = conn.execute(q["school_of"], {"did": row.dialogue_id}).scalar()
        if deleted:
            raise fail(f"Beslutet {decision_id} är borttaget.")
        if dialogue_id is not None:
            held = None if b is None else b.dialogues.get(int(dialogue_id))
            at = held.school_id if held is not None else conn.execute(q["school_of"], {"did": int(dialogue_id)}).scalar()
            if at is None:
                raise fail(f"Kvalitetsdialogen {dialogue_id} finns inte.")
            if at != school:
                raise fail(f"Kvalitetsdialogen {dialogue_id} gäller skolenheten {at}, men beslutet "
                           f"{decision_id} skolenheten {school}.")
    now = _now()
    at_id = None if dialogue_id is None else int(dialogue_id)
    with _errors(store), _write(store, actor, role) as conn:
        conn.execute(q["insert_status"], dict(decision_id=int(decision_id), status=status, comment=comment,
                                              dialogue_id=at_id, changed_by=actor, changed_at=now))
        if known is None:
            dec = _decision_by_id(conn, int(decision_id))
        else:  # in a batch: the decision as it was with the new status added to its history
            dec = replace(known[0], status=status, status_comment=comment, history=known[0].history + (
                StatusChange(status=status, comment=comment, dialogue_id=at_id, changed_by=actor, changed_at=now),))
    _replace_decision(store, dec)
    return dec


def _known_decision(b: _Batch, decision_id: int) -> tuple[Decision, str] | None:
    """The decision and its school from the batch's dialogues (its own or the following one)."""
    for dlg in b.dialogues.values():
        for dec in dlg.decisions + dlg.previous_decisions:
            if dec.id == decision_id:
                return dec, dlg.school_id
    return None


def delete_decision(store: Store, decision_id: int, *, actor: str, role: str) -> Decision:
    """Mark a decision deleted (kept, shown as borttaget in its history)."""
    check_actor(actor)
    check_role(role, authority=True, what="ta bort beslut")
    with _errors(store), _write(store, actor, role, authority=True) as conn:
        row = conn.execute(sa.select(t.decisions).where(t.decisions.c.id == int(decision_id))).first()
        if row is None:
            raise fail(f"Beslutet {decision_id} finns inte.")
        conn.execute(t.decisions.update().where(t.decisions.c.id == row.id).values(deleted_at=_now(), deleted_by=actor))
        dec = _decision(conn, conn.execute(sa.select(t.decisions).where(t.decisions.c.id == row.id)).one())
    _replace_decision(store, dec)
    return dec


def sign_off(store: Store, dialogue_id: int, *, as_role: str, actor: str, role: str) -> Dialogue:
    """Sign the dialogue's record as ``rektor`` (role rektor only) or ``huvudman`` (skolchef,
    analytiker or admin). Refused while a flagged item has no cause analysis (4 kap. 3 §)."""
    check_actor(actor)
    check_role(role, what="signera dialoger")
    if as_role not in v.SIGN_AS:
        raise fail(f"Man signerar som rektor eller huvudman, inte som {as_role!r}.")
    if as_role == "rektor" and role != "rektor":
        raise fail(f"Bara rektor kan signera som rektor; rollen {role} signerar som huvudman.")
    if as_role == "huvudman" and role not in v.AUTHORITY_ROLES:
        raise fail(f"Rollen {role} kan inte signera för huvudmannen; rektor signerar som rektor.")
    dlg = _open_dialogue(store, dialogue_id)
    if any(s.as_role == as_role for s in dlg.signoffs):
        raise fail(f"Kvalitetsdialogen {dlg.id} är redan signerad som {as_role}.")
    missing = [i.title for i in dlg.items if i.flagged and not any(n.kind == "analys" for n in i.notes)]
    if missing:
        raise fail("Flaggade punkter saknar orsaksanalys (skollagen 4 kap. 3 §): " + "; ".join(missing)
                   + ". Skriv en anteckning av typen analys på varje punkt innan dialogen signeras.")
    now = _now()
    with _errors(store), _write(store, actor, role) as conn:
        conn.execute(_statements()["insert_signoff"], dict(dialogue_id=dlg.id, as_role=as_role, signed_by=actor,
                                                           role=role, signed_at=now))
    if _batch_of(store) is not None:
        return _cache_dialogue(store, replace(dlg, signoffs=dlg.signoffs + (SignOff(as_role, actor, now),)))
    return get_dialogue(store, dlg.id)


# --- nulägesanalys and åtgärdsplan -----------------------------------------------------------

def _prefill(data: AuthorityData, school_id: str, school_year: int) -> dict[str, Any]:
    content, version = build_data_pack(data, school_id, school_year)
    return {**content, "data_version": version}


def _problem(p: Any) -> Problem:
    if isinstance(p, Problem):
        return p
    if isinstance(p, Mapping):
        return Problem(**{k: p[k] for k in Problem.__dataclass_fields__ if k in p})
    return Problem(title=str(p))


def nulagesanalys(store: Store, school_id: str, school_year: int, *, data: AuthorityData | None = None) -> Nulagesanalys:
    """The newest saved nulägesanalys of the school and year, or a new one pre-filled from data
    (the data pack's figures and flags; each flag becomes a problem that needs a cause)."""
    school_id, school_year = str(school_id).strip(), int(school_year)
    with _errors(store), _read(store) as conn:
        if not _school_exists(store, conn, school_id, school_year):
            raise fail(f"Skolenheten {school_id} finns inte läsåret {school_year_label(school_year)}.")
        a = t.status_analyses
        row = conn.execute(sa.select(a).where(a.c.school_id == school_id, a.c.school_year == school_year)
                           .order_by(a.c.version.desc()).limit(1)).first()
    if row is not None:
        return Nulagesanalys(id=row.id, school_id=school_id, school_year=school_year, version=row.version,
                             prefill=row.prefill, sections=dict(row.sections),
                             problems=tuple(_problem(p) for p in row.problems), created_by=row.created_by,
                             created_at=_aware(row.created_at))
    data = data if data is not None else store.load()
    pre = _prefill(data, school_id, school_year)
    problems = tuple(Problem(title=f["text"], indicator=f["indicator"], flagged=True) for f in pre["flags"])
    return Nulagesanalys(id=None, school_id=school_id, school_year=school_year, version=0, prefill=pre,
                         sections={k: "" for k in v.NULAGE_SECTIONS}, problems=problems, created_by="", created_at=None)


def save_nulagesanalys(store: Store, school_id: str, school_year: int, *, sections: Mapping[str, str],
                       problems: Sequence[Any], actor: str, role: str,
                       data: AuthorityData | None = None) -> Nulagesanalys:
    """Save a new version with the analyst's and principal's text. Refused: an unknown section,
    a closed flagged problem without a cause, an unknown cause area or evidence mark."""
    check_actor(actor)
    check_role(role)
    current = nulagesanalys(store, school_id, school_year, data=data)
    unknown = sorted(set(sections) - set(v.NULAGE_SECTIONS))
    if unknown:
        raise fail(f"Okända avsnitt i nulägesanalysen: {', '.join(unknown)}; avsnitten är {', '.join(v.NULAGE_SECTIONS)}.")
    probs = [_problem(p) for p in problems]
    flagged_titles = {p.title for p in current.problems if p.flagged}
    for p in probs:
        if p.title in flagged_titles and not p.flagged:
            raise fail(f"Problemet {p.title!r} kommer från data och kan inte tas bort som flaggat.")
        if p.closed and p.flagged and not p.cause.strip():
            raise fail(f"Det flaggade problemet {p.title!r} kan inte avslutas utan en orsak (skollagen 4 kap. 3 §).")
        if p.cause_area and p.cause_area not in v.CAUSE_AREAS:
            raise fail(f"Orsaksområdet {p.cause_area!r} finns inte; välj bland {', '.join(v.CAUSE_AREAS)}.")
        if p.evidence not in ("belagd", "hypotes"):
            raise fail(f"Orsaken till {p.title!r} ska vara belagd eller hypotes, inte {p.evidence!r}.")
    kept = {p.title for p in probs}
    dropped = sorted(flagged_titles - kept)
    if dropped:
        raise fail("Flaggade problem kan inte strykas ur nulägesanalysen: " + "; ".join(dropped) + ".")
    text = {k: str(sections.get(k, current.sections.get(k, "")) or "") for k in v.NULAGE_SECTIONS}
    with _errors(store), _write(store, actor, role) as conn:
        conn.execute(t.status_analyses.insert().values(
            school_id=current.school_id, school_year=current.school_year, version=current.version + 1,
            prefill=current.prefill, sections=text, problems=[asdict(p) for p in probs], created_by=actor,
            created_at=_now()))
    return nulagesanalys(store, school_id, school_year)


def _plan_row(r: Any) -> ActionPlanRow:
    return ActionPlanRow(id=r.id, school_id=r.school_id, school_year=r.school_year, goal=r.goal, action=r.action,
                         cause=r.cause, owner_role=r.owner_role, timeline=r.timeline, resources=r.resources,
                         indicator=r.indicator, expected_effect=r.expected_effect, horizon=r.horizon,
                         follow_up=r.follow_up, intervention_id=r.intervention_id, created_by=r.created_by,
                         created_at=_aware(r.created_at))


def action_plan(store: Store, *, school_id: str | None = None, school_year: int | None = None) -> list[ActionPlanRow]:
    """Rows of the åtgärdsplaner (not deleted)."""
    a = t.action_plan_rows
    q = sa.select(a).where(a.c.deleted_at.is_(None)).order_by(a.c.id)
    if school_id is not None:
        q = q.where(a.c.school_id == str(school_id))
    if school_year is not None:
        q = q.where(a.c.school_year == int(school_year))
    with _errors(store), _read(store) as conn:
        return [_plan_row(r) for r in conn.execute(q)]


atgardsplan = action_plan


def add_action_plan_row(store: Store, school_id: str, school_year: int, *, goal: str, action: str, cause: str,
                        owner_role: str, timeline: str, resources: str = "", indicator: str | None = None,
                        expected_effect: float | None = None, horizon: int | None = None, follow_up: str = "",
                        actor: str, role: str) -> ActionPlanRow:
    """A row of the school's åtgärdsplan (goal, action, the cause it addresses, owner, timeline …)."""
    check_actor(actor)
    check_role(role)
    school_id, school_year = str(school_id).strip(), int(school_year)
    for name, value in (("mål", goal), ("åtgärd", action), ("orsak som åtgärden riktar sig mot", cause),
                        ("tidplan", timeline)):
        if not str(value or "").strip():
            raise fail(f"Raden i åtgärdsplanen saknar {name}.")
    if owner_role not in v.RESPONSIBLE_ROLES:
        raise fail(f"Ansvarig roll {owner_role!r} finns inte; välj bland {', '.join(v.RESPONSIBLE_ROLES)}.")
    if indicator is not None and indicator not in v.INDICATORS:
        raise fail(f"Indikatorn {indicator!r} finns inte; välj bland {', '.join(v.INDICATORS)}.")
    if expected_effect is not None and (indicator is None or horizon is None):
        raise fail("En förväntad effekt i åtgärdsplanen kräver både indikator och horisont.")
    with _errors(store), _read(store) as conn:
        if not _school_exists(store, conn, school_id, school_year):
            raise fail(f"Skolenheten {school_id} finns inte läsåret {school_year_label(school_year)}.")
    with _errors(store), _write(store, actor, role) as conn:
        rid = conn.execute(t.action_plan_rows.insert().values(
            school_id=school_id, school_year=school_year, goal=str(goal).strip(), action=str(action).strip(),
            cause=str(cause).strip(), owner_role=owner_role, timeline=str(timeline).strip(),
            resources=str(resources or "").strip(), indicator=indicator, expected_effect=expected_effect,
            horizon=horizon, follow_up=str(follow_up or "").strip(), created_by=actor, created_at=_now())
        ).inserted_primary_key[0]
        return _plan_row(conn.execute(sa.select(t.action_plan_rows).where(t.action_plan_rows.c.id == rid)).one())


def plan_row_to_intervention(store: Store, row_id: int, *, category: str, actor: str, role: str,
                             extra: Mapping[str, Any] | None = None, data: AuthorityData | None = None,
                             compute_baseline: bool = True) -> Intervention:
    """Register the åtgärdsplan row as an intervention (starting the school year after the plan)
    and link the row to it."""
    rows = [r for r in action_plan(store) if r.id == int(row_id)]
    if not rows:
        raise fail(f"Raden {row_id} finns inte i någon åtgärdsplan.")
    r = rows[0]
    if r.intervention_id is not None:
        raise fail(f"Raden {row_id} i åtgärdsplanen är redan insatsen {r.intervention_id}.")
    fields: dict[str, Any] = {"name": r.action, "category": category, "school_ids": [r.school_id],
                              "problem": r.goal, "cause": r.cause, "indicator": r.indicator,
                              "expected_effect": r.expected_effect, "horizon": r.horizon,
                              "start_year": r.school_year + 1, "responsible_role": r.owner_role,
                              "status": "planerad", "chain_level": "skolenhet", **dict(extra or {})}
    check_actor(actor)
    check_role(role, authority=True, what="registrera insatser")
    clean, base = _prepare(store, {k: fields[k] for k in fields if k in INTERVENTION_FIELDS}, data,
                           compute_baseline, None)
    with _errors(store), _write(store, actor, role, authority=True) as conn:  # one transaction: both or neither
        new_id = _create(conn, clean, base, actor, role)
        conn.execute(t.action_plan_rows.update().where(t.action_plan_rows.c.id == r.id).values(intervention_id=new_id))
    _interventions_changed(store)
    return get_intervention(store, new_id)


# --- import from sheets ----------------------------------------------------------------------

def import_interventions(store: Store, rows: Sequence[tuple[int, Mapping[str, Any]]], *, source: str, actor: str,
                         role: str, data: AuthorityData | None = None,
                         compute_baseline: bool = True) -> list[Intervention]:
    """Register every row as an intervention in ONE transaction. Every row is checked first; any
    problem (each named with file and row) means nothing is written."""
    check_actor(actor)
    check_role(role, authority=True, what="registrera insatser")
    known = _known_schools(store)
    types = catalogue_types(store)
    problems, cleaned = [], []
    for row_no, fields in rows:
        try:
            clean = normalise_intervention(fields, known)
            _check_catalogue(clean, types)
            cleaned.append(clean)
        except FollowupError as exc:
            problems.append(f"{source}, rad {row_no}: {str(exc).removesuffix(' Ingenting har sparats.')}")
    if problems:
        raise fail("Insatserna kunde inte importeras:\n" + "\n".join(problems) + "\n")
    if compute_baseline:
        data = data if data is not None else store.load()
    bases: list[Baseline | None] = []
    for clean in cleaned:
        if compute_baseline and data is not None:
            others = sorted({s for c in cleaned if c is not clean and c["indicator"] == clean["indicator"]
                             for s in c["school_ids"]} | set(_other_schools(store, clean["indicator"], None)))
            bases.append(compute_baseline_for(data, clean, others))
        else:
            bases.append(None)
    with _errors(store), _write(store, actor, role, authority=True) as conn:
        ids = [_create(conn, clean, base, actor, role) for clean, base in zip(cleaned, bases)]
    _interventions_changed(store)
    return [get_intervention(store, i) for i in ids]


def compute_baseline_for(data: AuthorityData, clean: Mapping[str, Any], exclude: Sequence[str]) -> Baseline:
    """``baseline.compute_baseline`` (kept separate so that the keyword ``compute_baseline`` of the
    service functions does not shadow it)."""
    return compute_baseline(data, clean, exclude=exclude)


def import_decisions(store: Store, rows: Sequence[tuple[int, Mapping[str, Any]]], *, source: str, actor: str,
                     role: str) -> list[Decision]:
    """Add every row as a decision (and its status, when given) in ONE transaction; every row is
    checked first against the dialogues, the intervention register and the vocabulary."""
    check_actor(actor)
    check_role(role, authority=True, what="fatta beslut i dialogen")
    problems = []
    checked = []
    with _errors(store), _read(store) as conn:
        for row_no, f in rows:
            where = f"{source}, rad {row_no}"
            try:
                did = int(float(str(f.get("dialogue_id"))))
            except ValueError:
                problems.append(f"{where}: dialog {f.get('dialogue_id')!r} är inget dialognummer.")
                continue
            d = conn.execute(sa.select(t.dialogues).where(t.dialogues.c.id == did)).first()
            if d is None or d.deleted_at is not None:
                problems.append(f"{where}: kvalitetsdialogen {did} finns inte.")
                continue
            signed = {s for s in conn.execute(sa.select(t.dialogue_signoffs.c.as_role)
                                              .where(t.dialogue_signoffs.c.dialogue_id == did)).scalars()}
            if {"rektor", "huvudman"} <= signed:
                problems.append(f"{where}: kvalitetsdialogen {did} är signerad och får inga nya beslut.")
                continue
            role_of = str(f.get("responsible_role", "")).strip()
            if role_of not in v.RESPONSIBLE_ROLES:
                problems.append(f"{where}: ansvarig roll {role_of!r} finns inte; välj bland "
                                f"{', '.join(v.RESPONSIBLE_ROLES)}.")
                continue
            status = str(f.get("status") or "ej påbörjad").strip()
            if status not in v.DECISION_STATUSES:
                problems.append(f"{where}: statusen {status!r} finns inte; välj bland {', '.join(v.DECISION_STATUSES)}.")
                continue
            if status in ("delvis", "ändrad", "struken") and not str(f.get("status_comment") or "").strip():
                problems.append(f"{where}: statusen {status} kräver en kommentar om varför.")
                continue
            indicator = f.get("indicator")
            if indicator is not None and str(indicator) not in v.INDICATORS:
                problems.append(f"{where}: indikatorn {indicator!r} finns inte.")
                continue
            try:
                due = parse_date(f.get("due_date"), "Senast")
                iid = _check_intervention_link(conn, None if f.get("intervention_id") is None
                                               else int(float(str(f["intervention_id"]))))
            except (FollowupError, ValueError) as exc:
                problems.append(f"{where}: {str(exc).removesuffix(' Ingenting har sparats.')}")
                continue
            if due < d.date:
                problems.append(f"{where}: slutdatumet {due.isoformat()} ligger före dialogen {d.date.isoformat()}.")
                continue
            checked.append((did, str(f.get("what")).strip(), role_of, due, f.get("resource"), iid,
                            None if indicator is None else str(indicator), status,
                            str(f.get("status_comment") or "").strip()))
    if problems:
        raise fail("Besluten kunde inte importeras:\n" + "\n".join(problems) + "\n")
    now = _now()
    ids = []
    with _errors(store), _write(store, actor, role, authority=True) as conn:
        for did, what, role_of, due, resource, iid, indicator, status, comment in checked:
            new = conn.execute(t.decisions.insert().values(
                dialogue_id=did, what=what, responsible_role=role_of, due_date=due,
                resource=None if resource is None else str(resource), intervention_id=iid, indicator=indicator,
                created_by=actor, created_at=now)).inserted_primary_key[0]
            conn.execute(t.decision_status.insert().values(decision_id=new, status="ej påbörjad", comment="",
                                                           dialogue_id=did, changed_by=actor, changed_at=now))
            if status != "ej påbörjad":
                conn.execute(t.decision_status.insert().values(decision_id=new, status=status, comment=comment,
                                                               dialogue_id=did, changed_by=actor, changed_at=now))
            ids.append(new)
        out = [_decision(conn, conn.execute(sa.select(t.decisions).where(t.decisions.c.id == i)).one()) for i in ids]
    b = _batch_of(store)
    if b is not None:
        b.dialogues.clear()
    return out

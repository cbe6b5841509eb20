"""Typed records of the follow-up register (frozen dataclasses returned by ``service``).

Field names are English; ``INTERVENTION_FIELDS`` gives each decided field of an intervention its
Swedish header (used by the CLI, the import sheet and the reports).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

INTERVENTION_FIELDS: dict[str, str] = {
    "name": "namn",
    "description": "beskrivning",
    "category": "kategori",
    "chain_level": "styrkedjenivå",
    "school_ids": "skolenheter",
    "grades": "årskurser",
    "student_group": "elevgrupp",
    "problem": "problem",
    "cause": "orsak",
    "logic": "verksamhetslogik",
    "indicator": "indikator",
    "respondent": "svarande",
    "direction": "riktning",
    "expected_effect": "förväntad effekt",
    "horizon": "horisont",
    "basis_for_expectation": "grund för förväntan",
    "design": "design",
    "comparison": "jämförelsegrupp",
    "start_year": "startläsår",
    "school_starts": "startläsår per skola",
    "end_year": "slutläsår",
    "status": "status",
    "dose": "dos",
    "fidelity": "införandegrad",
    "cost_once": "kostnad engång",
    "cost_per_year": "kostnad per år",
    "funding": "finansiering",
    "decision_body": "beslutsorgan",
    "decision_date": "beslutsdatum",
    "diary_number": "diarienummer",
    "responsible_role": "ansvarig roll",
    "selected_for_low_results": "vald för låga resultat",
    "catalogue_type": "insatstyp",
    "catalogue_version": "insatstypens version",
}
"""Decided fields of an intervention and their Swedish headers (``kategori`` … ``ansvarig roll``)."""


@dataclass(frozen=True)
class Baseline:
    """The indicator at decision time: n-weighted mean of the target schools in the school year
    before the start (``school_year``), ``n`` students or respondents behind it, and a 90 %
    interval where the student-level values give one (else None); ``mde`` from
    ``likvard.evaluation.minimum_detectable_effect`` (data before the start only) with its design
    and a Swedish ``warning`` when the expected effect is below it."""

    value: float | None
    school_year: int | None
    n: int
    low: float | None
    high: float | None
    mde: float | None
    mde_design: str | None
    mde_horizon: int | None
    warning: str | None
    n_students: int
    data_version: str | None


@dataclass(frozen=True)
class InterventionVersion:
    """One decided version: what was changed, by whom, and every field's value."""

    version: int
    created_by: str
    role: str
    created_at: dt.datetime
    changed: tuple[str, ...]
    values: dict[str, Any]
    baseline: Baseline | None


@dataclass(frozen=True)
class EvaluationRun:
    """A stored evaluation of an intervention (``likvard.evaluation.evaluate``) with the data
    version (SHA-256 of the panel) it used; ``rtm`` is the regression-to-the-mean figure, shown
    beside the estimate for schools selected for low results."""

    id: int
    intervention_id: int
    intervention_version: int
    run_at: dt.datetime
    run_by: str
    indicator: str
    design: str
    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    level: float
    verdict: str
    reason: str
    mde: float | None
    rtm: float | None
    estimate_adjusted: float | None
    p_value: float | None
    n_treated: int
    n_donors: int
    n_students: int
    post_years: tuple[int, ...]
    selected_for_low_results: bool
    data_version: str
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class Intervention:
    """An intervention in the register: the fields of its newest version, computed figures and
    its history (``versions``, oldest first) and evaluations (newest last)."""

    id: int
    version: int
    name: str
    description: str
    category: str
    chain_level: str
    school_ids: tuple[str, ...]
    grades: tuple[int, ...]
    student_group: str
    problem: str
    cause: str
    logic: str
    indicator: str | None
    respondent: str | None
    direction: str
    expected_effect: float | None
    horizon: int | None
    basis_for_expectation: str
    design: str
    comparison: str
    start_year: int | None
    end_year: int | None
    status: str
    dose: str
    school_starts: dict[str, int]
    """First school year per school when the schools start in different years (else empty)."""
    fidelity: dict[str, float]
    cost_once: float | None
    cost_per_year: float | None
    funding: str
    decision_body: str
    decision_date: dt.date | None
    diary_number: str
    responsible_role: str
    selected_for_low_results: bool
    baseline: Baseline | None
    cost_per_student: float | None
    deleted: bool
    created_by: str
    created_at: dt.datetime
    versions: tuple[InterventionVersion, ...] = ()
    evaluations: tuple[EvaluationRun, ...] = ()
    catalogue_type: str | None = None
    """The catalogue's intervention type (``insats_typ_id``) this intervention is an instance of."""
    catalogue_version: int | None = None

    def starts(self) -> dict[str, int]:
        """First school year with the intervention per school."""
        if self.start_year is None:
            return {}
        return {s: int(self.school_starts.get(s, self.start_year)) for s in self.school_ids}

    @property
    def latest_evaluation(self) -> EvaluationRun | None:
        """The newest evaluation run, if any."""
        return self.evaluations[-1] if self.evaluations else None

    def due_for_evaluation(self, school_year: int) -> bool:
        """True when the horizon has passed by ``school_year`` (start + horizon - 1 is over)."""
        if self.start_year is None or self.horizon is None:
            return False
        return school_year >= max(self.starts().values()) + self.horizon


@dataclass(frozen=True)
class Participant:
    """A participant of a dialogue, by role (a name is optional, never a personnummer)."""

    role: str
    name: str = ""


@dataclass(frozen=True)
class Note:
    """A note on an agenda item (``kind`` in ``vocabulary.NOTE_KINDS``)."""

    id: int
    item_id: int
    kind: str
    text: str
    created_by: str
    created_at: dt.datetime


@dataclass(frozen=True)
class AgendaItem:
    """An item of a dialogue's agenda; ``flagged`` items need a cause analysis (a note of kind
    ``analys``) before the dialogue can be signed."""

    id: int
    kind: str
    title: str
    motivation: str
    flagged: bool
    indicator: str | None
    notes: tuple[Note, ...] = ()


@dataclass(frozen=True)
class StatusChange:
    """One change of a decision's status, at a dialogue."""

    status: str
    comment: str
    dialogue_id: int | None
    changed_by: str
    changed_at: dt.datetime


@dataclass(frozen=True)
class Decision:
    """A decision of a dialogue, followed up at a later one (``follow_up_dialogue_id``)."""

    id: int
    dialogue_id: int
    what: str
    responsible_role: str
    due_date: dt.date
    resource: str | None
    intervention_id: int | None
    indicator: str | None
    follow_up_dialogue_id: int | None
    status: str
    status_comment: str
    deleted: bool
    created_by: str
    created_at: dt.datetime
    history: tuple[StatusChange, ...] = ()


@dataclass(frozen=True)
class SignOff:
    """A sign-off of a dialogue's record (``as_role`` rektor or huvudman)."""

    as_role: str
    signed_by: str
    signed_at: dt.datetime


@dataclass(frozen=True)
class DataPack:
    """The data pack of a dialogue, frozen when generated: ``content`` (JSON), the SHA-256 of the
    data it came from (``data_version``) and of the content itself (``sha256``)."""

    generated_at: dt.datetime
    data_version: str
    sha256: str
    content: dict[str, Any]


@dataclass(frozen=True)
class Dialogue:
    """A quality dialogue between the authority and a school's principal."""

    id: int
    school_id: str
    school_name: str
    school_year: int
    kind: str
    date: dt.date
    participants: tuple[Participant, ...]
    focus_area: str | None
    focus_motivation: str | None
    authority_area: str | None
    authority_motivation: str | None
    created_by: str
    created_at: dt.datetime
    deleted: bool = False
    items: tuple[AgendaItem, ...] = ()
    decisions: tuple[Decision, ...] = ()
    signoffs: tuple[SignOff, ...] = ()
    data_pack: DataPack | None = None
    previous_decisions: tuple[Decision, ...] = ()

    @property
    def signed(self) -> bool:
        """True when both the principal and the authority have signed."""
        return {s.as_role for s in self.signoffs} >= {"rektor", "huvudman"}


@dataclass(frozen=True)
class Problem:
    """A problem of a nulägesanalys; a ``flagged`` one (from data) cannot be ``closed`` without a
    ``cause`` (skollagen 4 kap. 3 §: analyse the causes)."""

    title: str
    indicator: str | None = None
    flagged: bool = False
    cause: str = ""
    cause_area: str = ""
    evidence: str = "hypotes"
    closed: bool = False


@dataclass(frozen=True)
class Nulagesanalys:
    """A school's nulägesanalys for a school year (newest version): the pre-filled data, the
    analyst's and principal's text per section (``vocabulary.NULAGE_SECTIONS``) and the problems."""

    id: int | None
    school_id: str
    school_year: int
    version: int
    prefill: dict[str, Any]
    sections: dict[str, str]
    problems: tuple[Problem, ...]
    created_by: str
    created_at: dt.datetime | None


@dataclass(frozen=True)
class ActionPlanRow:
    """A row of a school's åtgärdsplan; ``intervention_id`` once it has become an intervention."""

    id: int
    school_id: str
    school_year: int
    goal: str
    action: str
    cause: str
    owner_role: str
    timeline: str
    resources: str
    indicator: str | None
    expected_effect: float | None
    horizon: int | None
    follow_up: str
    intervention_id: int | None
    created_by: str
    created_at: dt.datetime
    extra: dict[str, Any] = field(default_factory=dict)

"""A placement market (one entry grade, one school year) and what-if scenarios applied to it.

``build_market`` turns the authority's tables into arrays: applicants (everyone in the entry grade
that year), schools offering the grade with their capacities (``capacity_<grade>`` when given,
else this year's enrolment in the grade plus 5 %, rounded up), straight-line distances, siblings,
catchment schools (the nearest municipal school, unless redrawn), choice-model features and the
observed ranked lists. ``apply_scenario`` returns a changed copy: schools closed or opened,
capacities, profiles, catchment areas, bus cards (a lower cost of distance for some families in
the choice model), quotas and priority rules.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from likvard.errors import DataError, ParameterError
from likvard.placement import choice_model as cm
from likvard.placement.mechanisms import MECHANISMS, Mechanism
from likvard.placement.priorities import PriorityInputs, Quota, Rule, SchoolRules
from likvard.validation import (
    Frame,
    InstanceOf,
    Integer,
    Nullable,
    options_of,
    validate_params,
)

Lottery = Literal["single", "per_school"]
MAX_SEATS = 100_000  # seats of one school in one grade: more is a data error


@dataclass
class NewSchool:
    """A school opened by a scenario."""

    school_id: str
    name: str
    x: float
    y: float
    capacity: int
    organiser_type: str = "municipal"
    profile: str = ""


@dataclass
class BusCards:
    """Families in ``group`` (or living farther than ``min_distance_m`` from their nearest school)
    get ``distance_factor`` times the cost of distance in the choice model."""

    distance_factor: float = 0.5
    group: str | None = None
    min_distance_m: float | None = None


@dataclass
class Scenario:
    """A baseline (nothing changed) or a what-if. ``rules`` keys: a school_id, ``municipal``,
    ``independent`` or ``default``."""

    name: str = "Nuläge"
    close: list[str] = field(default_factory=list)
    open: list[NewSchool] = field(default_factory=list)
    capacities: dict[str, int] = field(default_factory=dict)
    profiles: dict[str, str] = field(default_factory=dict)
    catchment: dict[str, list[str]] = field(default_factory=dict)
    bus_cards: BusCards | None = None
    rules: dict[str, SchoolRules] = field(default_factory=dict)
    mechanism: str = "deferred_acceptance"
    lottery: str = "single"
    n_choices: int = 3
    description: str = ""
    quota: Quota | None = None
    quota_schools: list[str] | None = None  # None = every school


DEFAULT_MUNICIPAL = SchoolRules([Rule("sibling"), Rule("relative_proximity"), Rule("lottery")])
DEFAULT_INDEPENDENT = SchoolRules([Rule("sibling"), Rule("queue_date"), Rule("lottery")])


@dataclass
class Market:
    """Arrays of one placement round (n applicants, m schools; row/column order fixed)."""

    grade: int
    school_year: int
    school_ids: np.ndarray
    school_names: np.ndarray
    organiser_type: np.ndarray
    school_xy: np.ndarray
    capacities: np.ndarray
    is_open: np.ndarray
    profile: np.ndarray
    share_post_secondary: np.ndarray
    student_ids: np.ndarray
    home_xy: np.ndarray
    parent_education: np.ndarray
    newly_arrived: np.ndarray
    foreign_born: np.ndarray
    home_area: np.ndarray
    distance_m: np.ndarray
    sibling_grades: np.ndarray
    catchment: np.ndarray
    queue_days: np.ndarray | None
    observed_pref: np.ndarray
    features: tuple[str, ...] = cm.CONTRACT_FEATURES
    distance_weight: np.ndarray | None = None
    rules: list[SchoolRules] = field(default_factory=list)
    mechanism: str = "deferred_acceptance"
    lottery: str = "single"
    n_choices: int = 3
    scenario_name: str = "Nuläge"

    @property
    def n_students(self) -> int:
        return len(self.student_ids)

    @property
    def n_schools(self) -> int:
        return len(self.school_ids)

    @property
    def post_secondary(self) -> np.ndarray:
        return self.parent_education == "post_secondary"

    def group_flags(self) -> dict[str, np.ndarray]:
        ps = self.post_secondary
        return {
            "newly_arrived": self.newly_arrived,
            "post_secondary": ps,
            "not_post_secondary": ~ps,
            "foreign_born": self.foreign_born,
        }

    def choice_X(self) -> np.ndarray:
        """Choice-model features (n x m x K) of this market."""
        sib = self.sibling_grades != 0
        return cm.feature_tensor(
            self.distance_m / 1000.0,
            sib,
            self.post_secondary,
            self.share_post_secondary,
            self.organiser_type == "independent",
            self.profile != "",
            features=self.features,
            foreign_born=self.foreign_born,
            distance_weight=self.distance_weight,
        )

    def priority_inputs(self) -> PriorityInputs:
        reference = (self.organiser_type == "municipal") & self.is_open
        return PriorityInputs(self.distance_m, self.sibling_grades, self.catchment, self.queue_days, reference)

    def allowed_admin(self) -> np.ndarray:
        """Schools where the municipality may place a student (its own open schools), n x m."""
        ok = (self.organiser_type == "municipal") & self.is_open
        return np.broadcast_to(ok, (self.n_students, self.n_schools))

    def nearest_open(self) -> np.ndarray:
        """Index of each student's nearest open school offering the grade (residential baseline)."""
        d = np.where(self.is_open[None, :], self.distance_m, np.inf)
        return d.argmin(axis=1).astype(np.int32)


def _capacity(sch: pd.DataFrame, students_grade: pd.DataFrame, grade: int) -> np.ndarray:
    col = f"capacity_{grade}"
    counts = students_grade.groupby(students_grade["school_id"].astype(str)).size()
    enrol = sch["school_id"].astype(str).map(counts).fillna(0).to_numpy()
    fallback = np.ceil(enrol * 1.05)
    if col in sch:
        given = pd.to_numeric(sch[col].astype(object), errors="coerce").astype(float).to_numpy()
        bad = ~np.isnan(given) & (~np.isfinite(given) | (given < 0) | (given != np.floor(given)) | (given > MAX_SEATS))
        if bad.any():
            k = int(np.flatnonzero(bad)[0])
            raise DataError(
                f"Skolenhet {sch['school_id'].iloc[k]}: {col} = {given[k]:g} är inte ett antal platser "
                f"(ett heltal 0–{MAX_SEATS})."
            )
        fallback = np.where(np.isnan(given), fallback, given)
    return fallback.astype(np.int32)


def _nearest_municipal(distance_m: np.ndarray, organiser_type: np.ndarray, is_open: np.ndarray) -> np.ndarray:
    ok = (organiser_type == "municipal") & is_open
    if not ok.any():
        return np.full(distance_m.shape[0], -1, dtype=np.int64)
    return np.where(ok[None, :], distance_m, np.inf).argmin(axis=1)


@validate_params(
    schools=Frame(("school_id", "school_year", "grade_min", "grade_max", "organiser_type", "x", "y"),
                  expected="en skoltabell"),
    students=Frame(("student_id", "school_year", "grade", "home_x", "home_y", "parent_education"),
                   expected="en elevtabell"),
    choices=Nullable(Frame(cm.CHOICE_COLUMNS, expected="en tabell med skolval")),
    school_year=Integer(min=1900, max=2200),
    grade=Integer(min=0, max=9),
)
def build_market(
    schools: pd.DataFrame,
    students: pd.DataFrame,
    choices: pd.DataFrame | None,
    school_year: int,
    grade: int,
    *,
    features: tuple[str, ...] = cm.CONTRACT_FEATURES,
) -> Market:
    """The placement round for ``grade`` in ``school_year`` from the authority's tables. Every
    choice must name an applicant of the round and a school offering the grade, with distinct
    whole ranks (``choice_model.ranked_lists``)."""
    sch = cm.offering_schools(schools, school_year, grade)
    if sch.empty:
        raise DataError(f"Ingen skola erbjuder årskurs {grade} läsåret {school_year}.")
    st = students[(students["school_year"].astype(int) == school_year) & (students["grade"].astype(int) == grade)]
    st = st.copy()
    st["student_id"] = st["student_id"].astype(str)
    st = st.drop_duplicates("student_id").sort_values("student_id").reset_index(drop=True)
    if st.empty:
        raise DataError(f"Det finns inga elever i årskurs {grade} läsåret {school_year}.")
    home = st[["home_x", "home_y"]].apply(pd.to_numeric, errors="coerce")
    if home.isna().any().any() or not np.isfinite(home.to_numpy(float)).all():
        bad = st[~np.isfinite(home.to_numpy(float)).all(axis=1)].iloc[0]
        raise DataError(
            f"Elev {bad['student_id']} saknar hemkoordinater (home_x, home_y); placering kräver koordinater."
        )
    school_ids = sch["school_id"].astype(str).to_numpy()
    organiser_type = sch["organiser_type"].astype(str).to_numpy()
    distance_m = cm.distance_km_matrix(st, sch) * 1000.0
    bits = cm.sibling_grade_bits(st, students, school_ids, school_year)
    attrs = cm.school_attributes(sch, students, school_year)
    profile = sch["profile"].fillna("").astype(str).str.strip().to_numpy() if "profile" in sch else np.full(len(sch), "")
    observed = np.full((len(st), 0), -1, dtype=np.int32)
    if choices is not None and not choices.empty:
        all_ids = schools.loc[schools["school_year"].astype(int) == school_year, "school_id"].astype(str).to_numpy()
        observed = cm.ranked_lists(choices, st["student_id"].to_numpy(), school_ids, all_ids, school_year, grade)
    queue = None
    if "queue_date" in st:
        q = pd.to_datetime(st["queue_date"], errors="coerce")
        days = (pd.Timestamp(f"{school_year}-08-15") - q).dt.days.to_numpy(dtype=float)
        queue = np.broadcast_to(days[:, None], distance_m.shape).copy()
    is_open = np.ones(len(sch), dtype=bool)
    mig = st["migration_background"].astype(str).to_numpy() if "migration_background" in st else np.full(len(st), "")
    market = Market(
        grade=grade,
        school_year=school_year,
        school_ids=school_ids,
        school_names=sch["name"].astype(str).to_numpy() if "name" in sch else school_ids.copy(),
        organiser_type=organiser_type,
        school_xy=sch[["x", "y"]].to_numpy(dtype=float),
        capacities=_capacity(sch, st, grade),
        is_open=is_open,
        profile=profile,
        share_post_secondary=attrs["share_post_secondary"],
        student_ids=st["student_id"].to_numpy(),
        home_xy=st[["home_x", "home_y"]].to_numpy(dtype=float),
        parent_education=st["parent_education"].astype(str).to_numpy(),
        newly_arrived=st["newly_arrived"].fillna(False).astype(bool).to_numpy() if "newly_arrived" in st else np.zeros(len(st), bool),
        foreign_born=mig == "foreign_born",
        home_area=st["home_area"].astype(str).to_numpy() if "home_area" in st else np.full(len(st), ""),
        distance_m=distance_m,
        sibling_grades=bits,
        catchment=_nearest_municipal(distance_m, organiser_type, is_open),
        queue_days=queue,
        observed_pref=observed,
        features=features,
    )
    market.rules = default_rules(market)
    return market


def default_rules(market: Market, overrides: dict[str, SchoolRules] | None = None) -> list[SchoolRules]:
    """Each school's rules: by school_id, else by organiser type, else ``default``, else the
    common Swedish practice (municipal: siblings, relative proximity; independent: siblings, queue)."""
    overrides = overrides or {}
    out = []
    for sid, org in zip(market.school_ids, market.organiser_type, strict=True):
        if sid in overrides:
            out.append(overrides[sid])
        elif org in overrides:
            out.append(overrides[org])
        elif "default" in overrides:
            out.append(overrides["default"])
        else:
            out.append(DEFAULT_INDEPENDENT if org == "independent" else DEFAULT_MUNICIPAL)
    return out


def _index(market: Market, school_id: str, what: str) -> int:
    hits = np.flatnonzero(market.school_ids == str(school_id))
    if len(hits) == 0:
        raise ParameterError(
            what, f"skolenheten {school_id} finns inte bland skolorna med årskurs {market.grade} "
            f"läsåret {market.school_year}."
        )
    return int(hits[0])


@validate_params(market=InstanceOf(Market, "en marknad från build_market"),
                 scenario=InstanceOf(Scenario, "ett scenario"))
def apply_scenario(market: Market, scenario: Scenario) -> Market:
    """A copy of ``market`` changed as ``scenario`` says."""
    m = copy.deepcopy(market)
    m.scenario_name = scenario.name
    options_of(Mechanism)(scenario.mechanism, "mechanism")
    options_of(Lottery)(scenario.lottery, "lottery")
    Integer(min=1)(scenario.n_choices, "n_choices")
    m.mechanism, m.lottery, m.n_choices = scenario.mechanism, scenario.lottery, scenario.n_choices
    for new in scenario.open:
        d = np.hypot(m.home_xy[:, 0] - new.x, m.home_xy[:, 1] - new.y)
        m.school_ids = np.append(m.school_ids, str(new.school_id))
        m.school_names = np.append(m.school_names, new.name)
        m.organiser_type = np.append(m.organiser_type, new.organiser_type)
        m.school_xy = np.vstack([m.school_xy, [new.x, new.y]])
        seats = Integer(min=0, max=MAX_SEATS)(new.capacity, "open")
        m.capacities = np.append(m.capacities, np.int32(seats)).astype(np.int32)
        m.is_open = np.append(m.is_open, True)
        m.profile = np.append(m.profile, new.profile or "")
        m.share_post_secondary = np.append(m.share_post_secondary, float(m.post_secondary.mean()))
        m.distance_m = np.hstack([m.distance_m, d[:, None]])
        m.sibling_grades = np.hstack([m.sibling_grades, np.zeros((m.n_students, 1), np.int32)])
        if m.queue_days is not None:
            m.queue_days = np.hstack([m.queue_days, np.full((m.n_students, 1), np.nan)])
    for sid in scenario.close:
        j = _index(m, sid, "close")
        m.is_open[j] = False
        m.capacities[j] = 0
    for sid, cap in scenario.capacities.items():
        m.capacities[_index(m, sid, "capacities")] = Integer(min=0, max=MAX_SEATS)(cap, "capacities")
    for sid, prof in scenario.profiles.items():
        m.profile[_index(m, sid, "profiles")] = (prof or "").strip()
    m.catchment = _nearest_municipal(m.distance_m, m.organiser_type, m.is_open)
    for sid, areas in scenario.catchment.items():
        j = _index(m, sid, "catchment")
        m.catchment[np.isin(m.home_area, [str(a) for a in areas])] = j
    if scenario.bus_cards is not None:
        bc = scenario.bus_cards
        eligible = np.ones(m.n_students, dtype=bool)
        if bc.group is not None:
            flags = m.group_flags()
            if bc.group not in flags:
                raise ParameterError(
                    "bus_cards", f"okänd grupp {bc.group!r}; tillåtna: {', '.join(sorted(flags))}."
                )
            eligible &= flags[bc.group]
        if bc.min_distance_m is not None:
            eligible &= m.distance_m[np.arange(m.n_students), m.nearest_open()] >= bc.min_distance_m
        m.distance_weight = np.where(eligible, bc.distance_factor, 1.0)
    m.rules = default_rules(m, scenario.rules)
    if scenario.quota is not None:
        for j, sid in enumerate(m.school_ids):
            if scenario.quota_schools is None or sid in scenario.quota_schools:
                m.rules[j] = SchoolRules(list(m.rules[j].rules), scenario.quota)
    return m


def drop_closed_from_lists(pref: np.ndarray, is_open: np.ndarray) -> np.ndarray:
    """Ranked lists with closed schools removed, the rest moved up (int32, -1 padded)."""
    if pref.size == 0:
        return pref.astype(np.int32)
    ok = (pref >= 0) & is_open[np.clip(pref, 0, None)]
    order = np.argsort(~ok, axis=1, kind="stable")
    out = np.take_along_axis(np.where(ok, pref, -1), order, axis=1)
    return out.astype(np.int32)


__all__ = [
    "MECHANISMS",
    "BusCards",
    "Market",
    "NewSchool",
    "Quota",
    "Rule",
    "Scenario",
    "SchoolRules",
    "apply_scenario",
    "build_market",
    "default_rules",
    "drop_closed_from_lists",
]

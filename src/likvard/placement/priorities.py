"""Swedish priority rules (urvalsgrunder), declared per school, turned into priority arrays.

Each school has an ordered list of rules; applicants are ranked lexicographically by them, the
first rule deciding, the next breaking its ties, and so on; remaining ties are broken by lottery
(``likvard.placement.tiebreak.priority_ranks``). Municipal and independent schools take part in
one market, each with its own list. Rules (key: lower = higher priority):

- ``sibling`` (syskonförtur): 0 when a sibling attends the school in one of ``grades`` (default:
  any grade) and, if ``max_distance_m`` is set, the home is within that distance; else 1.
- ``catchment`` (upptagningsområde): 0 when the school is the applicant's catchment school, else 1.
- ``relative_proximity`` (relativ närhet): distance to this school minus distance to the nearest
  *other* reference school (municipal schools offering the grade, as Swedish municipalities
  apply it); negative = this school is the family's nearest. Skolverket's guidance and e.g.
  Stockholm's and Göteborg's rules.
- ``distance`` (absolut närhet): distance to the school.
- ``queue_date`` (kötid, independent schools): days since the applicant joined the school's queue
  (earlier date = higher priority; no date = last).
- ``lottery`` (lottning): no key; everything still tied is decided by lot.

Quotas (``Quota``) reserve a share of seats for a group (e.g. newly arrived students); they map to
the ``reserved``/``reserve_eligible`` arrays of ``assign_arrays``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from likvard.errors import ParameterError
from likvard.validation import Integer, Options, Real

RULE_KINDS = ("sibling", "catchment", "relative_proximity", "distance", "queue_date", "lottery")
QUOTA_GROUPS = ("newly_arrived", "post_secondary", "not_post_secondary", "foreign_born")


@dataclass(frozen=True)
class Rule:
    """One priority rule; ``grades``/``max_distance_m`` are conditions of sibling priority."""

    kind: str
    grades: tuple[int, ...] | None = None
    max_distance_m: float | None = None

    def __post_init__(self) -> None:
        Options(RULE_KINDS)(self.kind, "kind")
        if self.grades is not None:
            for g in self.grades:
                Integer(min=0, max=9)(g, "grades")
        if self.max_distance_m is not None:
            Real(0.0, None)(self.max_distance_m, "max_distance_m")


@dataclass(frozen=True)
class Quota:
    """Seats reserved for ``group``: ``share`` of capacity (rounded down) or ``seats``."""

    group: str
    share: float = 0.0
    seats: int | None = None
    order: str = "reserved_first"

    def __post_init__(self) -> None:
        Options(QUOTA_GROUPS)(self.group, "group")
        Real(0.0, 1.0)(self.share, "share")
        if self.seats is not None:
            Integer(min=0)(self.seats, "seats")
        Options(("reserved_first", "open_first"))(self.order, "order")

    def n_seats(self, capacity: int) -> int:
        return int(self.seats) if self.seats is not None else int(np.floor(self.share * capacity))


@dataclass
class SchoolRules:
    """A school's ordered priority rules and optional quota."""

    rules: list[Rule] = field(default_factory=lambda: [Rule("sibling"), Rule("relative_proximity")])
    quota: Quota | None = None

    @property
    def kinds(self) -> list[str]:
        return [r.kind for r in self.rules]


@dataclass
class PriorityInputs:
    """What the rules look at, for one cohort (n applicants, m schools).

    ``distance_m`` (n x m); ``sibling_grades`` int (n x m) bitmask, bit g set when a sibling attends
    the school in grade g; ``catchment`` int (n) school index of the catchment school or -1;
    ``queue_days`` float (n x m) days in the school's queue (NaN = not queued); ``reference`` bool
    (m) schools counted as alternatives in relative proximity.
    """

    distance_m: np.ndarray
    sibling_grades: np.ndarray
    catchment: np.ndarray
    queue_days: np.ndarray | None = None
    reference: np.ndarray | None = None


def nearest_other(distance_m: np.ndarray, reference: np.ndarray | None = None) -> np.ndarray:
    """Per applicant and school: distance to the nearest reference school other than this one
    (n x m; inf when there is none)."""
    d = np.where(reference[None, :], distance_m, np.inf) if reference is not None else distance_m
    if d.shape[1] < 2:
        return np.full(d.shape, np.inf)
    two = np.partition(d, 1, axis=1)[:, :2]
    first = d.argmin(axis=1)
    out = np.broadcast_to(two[:, :1], d.shape).copy()
    rows = np.arange(d.shape[0])
    out[rows, first] = two[:, 1]
    return out


def rule_key(rule: Rule, school: int, inputs: PriorityInputs, _nearest_other: np.ndarray | None = None) -> np.ndarray | None:
    """The rule's key for every applicant at ``school`` (float, lower = higher priority), or None
    for the lottery."""
    d = inputs.distance_m[:, school]
    if rule.kind == "sibling":
        bits = inputs.sibling_grades[:, school].astype(np.int64)
        if rule.grades is not None:
            mask = sum(1 << g for g in rule.grades)
            bits = bits & mask
        has = bits != 0
        if rule.max_distance_m is not None:
            has &= d <= rule.max_distance_m
        return np.where(has, 0.0, 1.0)
    if rule.kind == "catchment":
        return np.where(inputs.catchment == school, 0.0, 1.0)
    if rule.kind == "relative_proximity":
        other = _nearest_other if _nearest_other is not None else nearest_other(inputs.distance_m, inputs.reference)
        rel = d - other[:, school]
        return np.where(np.isfinite(rel), rel, d)
    if rule.kind == "distance":
        return d.astype(float)
    if rule.kind == "queue_date":
        if inputs.queue_days is None:
            return np.zeros(len(d))
        q = inputs.queue_days[:, school]
        return np.where(np.isnan(q), np.inf, -q)
    return None  # lottery


def school_keys(rules: SchoolRules, school: int, inputs: PriorityInputs, _nearest_other=None) -> list[np.ndarray]:
    """Keys of the rules before the first lottery, in order."""
    keys = []
    for rule in rules.rules:
        k = rule_key(rule, school, inputs, _nearest_other)
        if k is None:
            break
        keys.append(k)
    return keys


def lexicographic_dense_rank(keys: list[np.ndarray], n: int) -> np.ndarray:
    """Dense rank (0 = best) of applicants ordered by ``keys`` lexicographically; ties share a rank."""
    if not keys:
        return np.zeros(n)
    order = np.lexsort(keys[::-1])
    stacked = np.stack([k[order] for k in keys])
    new = np.ones(n, dtype=bool)
    new[1:] = np.any(stacked[:, 1:] != stacked[:, :-1], axis=0)
    dense = np.cumsum(new) - 1
    out = np.empty(n)
    out[order] = dense
    return out


def priority_scores(rules: list[SchoolRules], inputs: PriorityInputs) -> np.ndarray:
    """Scores (m x n floats, lower = higher priority, equal = tied) for ``priority_ranks``."""
    n, m = inputs.distance_m.shape
    if len(rules) != m:
        raise ParameterError("rules", f"regler för {len(rules)} skolor men {m} skolor i urvalet.")
    needs_rel = any(r.kind == "relative_proximity" for sr in rules for r in sr.rules)
    other = nearest_other(inputs.distance_m, inputs.reference) if needs_rel else None
    scores = np.empty((m, n))
    for s, sr in enumerate(rules):
        scores[s] = lexicographic_dense_rank(school_keys(sr, s, inputs, other), n)
    return scores


def deciding_rule(rules: SchoolRules, school: int, inputs: PriorityInputs, student: int, other: int) -> str:
    """The first rule on which ``student`` and ``other`` differ at ``school`` ("lottery" if none)."""
    for rule in rules.rules:
        k = rule_key(rule, school, inputs)
        if k is None:
            return "lottery"
        if k[student] != k[other]:
            return rule.kind
    return "lottery"


def reserved_seats(rules: list[SchoolRules], capacities: np.ndarray, group_flags: dict[str, np.ndarray]):
    """``(reserved, reserve_eligible, order)`` for ``assign_arrays`` or ``(None, None, None)``.

    One eligible group per market (the arrays API has one eligibility flag per student)."""
    quotas = [(s, sr.quota) for s, sr in enumerate(rules) if sr.quota is not None]
    if not quotas:
        return None, None, None
    groups = {q.group for _, q in quotas}
    orders = {q.order for _, q in quotas}
    if len(groups) > 1 or len(orders) > 1:
        raise ParameterError("rules", "alla kvoter i ett scenario måste gälla samma grupp och samma ordning.")
    group = groups.pop()
    if group not in group_flags:
        raise ParameterError("rules", f"okänd kvotgrupp {group!r}; tillåtna: {', '.join(sorted(group_flags))}.")
    reserved = np.zeros(len(capacities), dtype=np.int32)
    for s, q in quotas:
        reserved[s] = min(q.n_seats(int(capacities[s])), int(capacities[s]))
    return reserved, group_flags[group].astype(bool), orders.pop()

"""The cell-suppression problem over all tables published together.

Model (Hundepool et al. 2012, *Statistical Disclosure Control*, ch. 4 and 5): every published
count is a *cell* (a key and a non-negative value: a school's students in a year, a school's
students with post-secondary parents, a school's grade-9 students in one year); every published
sum is a *total* (a name and the cells it adds up: all schools, each organiser type, each area
type, one school's years pooled). Some cells are hidden; the attacker knows every shown cell,
every shown total, and that counts are non-negative, and may also know that one cell is at most
another (``bounds``: a school's students with post-secondary parents are at most its students).

For each hidden cell the attacker's best interval is the minimum and maximum of the cell over
every table consistent with what is shown: two linear programs (HiGHS, through ``highspy``).
:func:`protect` hides, besides the primary cells, the fewest further cells it finds (greedily,
smallest first) until every hidden cell's interval is at least ``2 * PROTECTION`` students wide
(``±3``), and hides a total when no shown cell can protect a hidden one within it.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from likvard.disclosure._highs import highspy, new_highs as _highs

PROTECTION = 3
"""Half the smallest width of the interval an attacker can narrow a hidden count to (students)."""

MIN_SHOWN_TEACHERS = 5
"""Teacher figures of a school with fewer teachers than this are hidden (see docs/sekretess.md)."""


@dataclass(frozen=True)
class Protection:
    """Result of :func:`protect`: the hidden cells and the hidden totals (by name)."""

    hidden: frozenset
    hidden_totals: frozenset


def sensitive_share(count: float, n: float, min_n: int = 10) -> bool:
    """True when a share ``count / n`` must not be shown: ``n`` below ``min_n``, or the numerator
    or its complement ``n - count`` is between 1 and ``min_n - 1`` (either reveals a few students)."""
    if not (n >= min_n):
        return True
    if count != count:  # NaN: nothing to show
        return False
    rest = n - count
    return (1 <= count < min_n) or (1 <= rest < min_n)


class _Problem:
    """The attacker's linear program for the current hidden cells and totals, set up once in HiGHS
    (``highspy``); each interval changes only the objective, so HiGHS starts from the last basis."""

    def __init__(self, values: Mapping, totals: Mapping, hidden: set, hidden_totals: set,
                 bounds: Sequence[tuple[Hashable, Hashable]]):
        self.values = values
        keys = sorted(hidden, key=repr)
        self.pos = pos = {k: i for i, k in enumerate(keys)}
        rows: list[list[int]] = []  # column positions of each row
        coefs: list[list[float]] = []
        row_low: list[float] = []
        row_up: list[float] = []
        for name, members in totals.items():
            if name in hidden_totals:
                continue
            h = [m for m in members if m in pos]
            if not h:
                continue
            rows.append([pos[m] for m in h])
            coefs.append([1.0] * len(h))
            rhs = sum(float(values[m]) for m in h)  # the total minus its shown cells
            row_low.append(rhs)
            row_up.append(rhs)
        upper = dict.fromkeys(keys, np.inf)
        lower = dict.fromkeys(keys, 0.0)
        for a, b in bounds:  # a <= b
            if a in pos and b in pos:
                rows.append([pos[a], pos[b]])
                coefs.append([1.0, -1.0])
                row_low.append(-np.inf)
                row_up.append(0.0)
            elif a in pos:
                upper[a] = min(upper[a], float(values[b]))
            elif b in pos:  # a hidden whole is at least its shown part
                lower[b] = max(lower[b], float(values[a]))
        self.bounds = [(lower[k], None if not np.isfinite(upper[k]) else upper[k]) for k in keys]
        constrained = np.zeros(len(keys), dtype=bool)
        for r in rows:
            constrained[r] = True
        self.constrained = constrained
        self._rows = (rows, coefs, row_low, row_up)
        self._highs = None

    def _model(self):
        """The HiGHS model of the constraints (built at the first solve)."""
        if self._highs is None:
            from scipy.sparse import csc_matrix

            rows, coefs, row_low, row_up = self._rows
            n = len(self.pos)
            r_idx = [i for i, r in enumerate(rows) for _ in r]
            c_idx = [j for r in rows for j in r]
            a = csc_matrix((np.concatenate(coefs) if coefs else np.zeros(0), (r_idx, c_idx)), shape=(len(rows), n))
            a.sum_duplicates()
            h = _highs()
            lp = highspy.HighsLp()
            lp.num_col_, lp.num_row_ = n, len(rows)
            lp.col_cost_ = np.zeros(n)
            lp.col_lower_ = np.array([lo for lo, _ in self.bounds], dtype=float)
            lp.col_upper_ = np.array([highspy.kHighsInf if hi is None else hi for _, hi in self.bounds], dtype=float)
            lp.row_lower_ = np.where(np.isfinite(row_low), row_low, -highspy.kHighsInf).astype(float)
            lp.row_upper_ = np.asarray(row_up, dtype=float)
            lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
            lp.a_matrix_.start_ = a.indptr.astype(np.int32)
            lp.a_matrix_.index_ = a.indices.astype(np.int32)
            lp.a_matrix_.value_ = a.data.astype(float)
            h.passModel(lp)
            self._highs = h
            self._all = np.arange(n, dtype=np.int32)
        return self._highs

    def objective(self, members: Iterable[Hashable]) -> tuple[np.ndarray, float]:
        c = np.zeros(len(self.pos))
        const = 0.0
        for m in members:
            if m in self.pos:
                c[self.pos[m]] += 1.0
            else:
                const += float(self.values[m])
        return c, const

    def _solve(self, c: np.ndarray) -> float:
        """Minimum of ``c @ x`` over the attacker's tables; ``-inf`` when unbounded."""
        h = self._model()
        h.changeColsCost(len(c), self._all, np.asarray(c, dtype=float))
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return -np.inf
        return float(h.getInfo().objective_function_value)

    def interval(self, members: Iterable[Hashable], need: float | None = None) -> tuple[float, float]:
        """Min and max of the sum of ``members``; with ``need``, stops early once the width is
        known to be at least ``need`` (the true value lies inside the interval)."""
        members = list(members)
        c, const = self.objective(members)
        if not c.any():
            return const, const
        if not (self.constrained & (c != 0)).any() and all(self.bounds[self.pos[m]][1] is None
                                                           for m in members if m in self.pos):
            return const + sum(self.bounds[self.pos[m]][0] for m in members if m in self.pos), np.inf
        high = -self._solve(-c) + const
        true = sum(float(self.values[m]) for m in members)
        if need is not None and high - true >= need - 1e-9:
            return min(true, high), high  # the lower end is at most the true value
        low = self._solve(c) + const
        return low, high


def audit(values: Mapping[Hashable, float], totals: Mapping[Hashable, Sequence[Hashable]], hidden: Iterable,
          hidden_totals: Iterable = (), bounds: Sequence[tuple[Hashable, Hashable]] = ()) -> dict:
    """The attacker's interval ``(low, high)`` of every hidden cell and every hidden total, given
    the shown cells, the shown totals, non-negativity and ``bounds`` (pairs ``a <= b``); hidden
    totals are keyed by their name."""
    hidden_set = set(hidden)
    ht = set(hidden_totals)
    problem = _Problem(values, totals, hidden_set, ht, bounds)
    out = {k: problem.interval([k]) for k in sorted(hidden_set, key=repr)}
    for name in sorted(ht, key=repr):
        if name in totals:
            out[name] = problem.interval(totals[name])
    return out


@dataclass(frozen=True)
class _Total:
    """Key of a hidden total in :func:`audit`'s answer."""

    name: Hashable


def _width_ok(lo: float, hi: float, protection: float) -> bool:
    return hi - lo >= 2 * protection - 1e-6


def protect(values: Mapping[Hashable, float], totals: Mapping[Hashable, Sequence[Hashable]], primary: Iterable,
            bounds: Sequence[tuple[Hashable, Hashable]] = (), protection: float = PROTECTION,
            min_total: float = 10, candidates: Iterable | None = None,
            shown_totals: Iterable[Hashable] = ()) -> Protection:
    """Hide ``primary`` cells and enough further cells (and totals) that every hidden cell and
    hidden total has an interval at least ``2 * protection`` wide (see the module docstring).

    ``values``: cell -> count; ``totals``: name -> cells added up (shown unless hidden here; a total
    below ``min_total`` is hidden); ``candidates``: cells that may be hidden as complements (all
    cells by default); ``shown_totals``: totals published whatever happens (the municipality's
    total), never hidden here — further cells are hidden instead. Deterministic: ties go to the
    smaller key.
    """
    values = dict(values)
    hidden = {k for k in primary if k in values}
    allowed = set(values) if candidates is None else set(candidates) | hidden
    fixed = set(shown_totals)
    same = {frozenset(totals[n]) for n in fixed if n in totals}
    fixed |= {n for n, m in totals.items() if frozenset(m) in same}  # the same cells: published as well
    hidden_totals = {n for n, m in totals.items()
                     if n not in fixed and 0 < sum(float(values[k]) for k in m) < min_total}
    member_of: dict = {}
    for name, members in totals.items():
        for m in members:
            member_of.setdefault(m, []).append(name)
    # Cheap first pass: a shown total with exactly one hidden cell reveals it. Smallest totals
    # first: a complement chosen inside a part (one organiser type) also protects the hidden cell
    # in every larger total holding both, so no needless cell is hidden in the larger one.
    order = sorted(totals, key=lambda n: (len(totals[n]), repr(n)))
    changed = True
    while changed:
        changed = False
        for name in order:
            members = totals[name]
            if name in hidden_totals:
                continue
            h = [m for m in members if m in hidden]
            if len(h) == 1:
                shown = sorted((m for m in members if m not in hidden and m in allowed),
                               key=lambda m: (float(values[m]) <= 0, float(values[m]), repr(m)))
                if shown:
                    hidden.add(shown[0])
                    changed = True
                elif name not in fixed:
                    hidden_totals.add(name)
                    changed = True
    # Exact pass. Hiding a further cell or total only widens every other hidden cell's interval
    # (the old solutions stay feasible), so each hidden figure is checked until it holds, once.
    queue: list = sorted(hidden, key=repr) + [_Total(n) for n in sorted(hidden_totals, key=repr)]
    problem = None
    while queue:
        item = queue.pop(0)
        while True:
            if problem is None:
                problem = _Problem(values, totals, hidden, hidden_totals, bounds)
            members = totals[item.name] if isinstance(item, _Total) else [item]
            lo, hi = problem.interval(members, need=2 * protection)
            if _width_ok(lo, hi, protection):
                break
            if isinstance(item, _Total):
                inside = set(totals[item.name])
                groups = [item.name] + sorted((n for n in totals if n not in hidden_totals and n != item.name
                                               and set(totals[n]) & inside), key=lambda n: (len(totals[n]), repr(n)))
            else:
                groups = sorted((n for n in member_of.get(item, []) if n not in hidden_totals),
                                key=lambda n: (sum(m in hidden for m in totals[n]), repr(n)))
            best = None
            for g in groups:
                shown = [m for m in totals[g] if m not in hidden and m in allowed]
                if shown:
                    best = sorted(shown, key=lambda m: (float(values[m]) <= 0, float(values[m]), repr(m)))[0]
                    break
            problem = None
            if best is not None:
                hidden.add(best)
                queue.append(best)
                continue
            def hideable(names: Iterable[Hashable]) -> list:
                return [n for n in names if n not in hidden_totals and n not in fixed]

            # a total of the figure's own, else one overlapping them (the difference of two shown
            # totals gives a third), else any
            own = set(totals[item.name]) if isinstance(item, _Total) else {item}
            near = {m for n in totals if own & set(totals[n]) for m in totals[n]}
            open_totals = (hideable(groups) or hideable(n for n in totals if set(totals[n]) & near)
                           or hideable(totals))
            if not open_totals:
                break
            name = sorted(open_totals, key=lambda n: (len(totals[n]), repr(n)))[0]
            hidden_totals.add(name)
            queue.append(_Total(name))
    return Protection(frozenset(hidden), frozenset(hidden_totals))

"""Assignment mechanisms on strict preferences and strict priorities.

- Student-proposing deferred acceptance (Gale and Shapley 1962; Abdulkadiroğlu and Sönmez 2003):
  stable and student-optimal among stable matchings, strategy-proof for students.
- Immediate acceptance, the "Boston" mechanism (Abdulkadiroğlu and Sönmez 2003): in round k every
  unplaced student applies to their k-th choice, and schools fill their remaining seats by priority;
  placements are final.
- Top trading cycles (Shapley and Scarf 1974; Abdulkadiroğlu and Sönmez 2003): every remaining
  student points to their best school with a free seat, every such school to its highest-priority
  remaining student; the students of every cycle get the school they point to. Pareto-efficient
  and strategy-proof, not stable.
- Reserved seats as slot-specific priorities (Kominers and Sönmez 2016; Dur, Kominers, Pathak and
  Sönmez 2018, "Reserve design"): a school's reserved seats form a slot only eligible students may
  take; ``reserve_order`` says whether an eligible student is considered for the reserved slot
  before (``reserved_first``) or after (``open_first``) the open seats.
"""

from __future__ import annotations

from collections.abc import Sequence

import numba
import numpy as np

MECHANISMS = ("deferred_acceptance", "immediate_acceptance", "top_trading_cycles")


@numba.njit(cache=True)
def _deferred_acceptance(pref, rank, cap):  # pragma: no cover - compiled
    """Student-proposing deferred acceptance (Gale and Shapley 1962) with per-school max-heaps."""
    n, L = pref.shape
    m = cap.shape[0]
    offs = np.zeros(m + 1, np.int64)
    for s in range(m):
        offs[s + 1] = offs[s] + max(cap[s], 0)
    heap = np.empty(max(offs[m], 1), np.int64)
    size = np.zeros(m, np.int64)
    nxt = np.zeros(n, np.int64)
    result = np.full(n, -1, np.int32)
    stack = np.empty(n, np.int64)
    top = 0
    for i in range(n - 1, -1, -1):
        stack[top] = i
        top += 1
    while top > 0:
        top -= 1
        i = stack[top]
        while nxt[i] < L:
            s = pref[i, nxt[i]]
            nxt[i] += 1
            if s < 0:
                break
            r = rank[s, i]
            if r < 0 or cap[s] <= 0:
                continue
            base = offs[s]
            if size[s] < cap[s]:
                k = size[s]
                size[s] += 1
                while k > 0:  # sift up
                    p = (k - 1) // 2
                    if rank[s, heap[base + p]] < r:
                        heap[base + k] = heap[base + p]
                        k = p
                    else:
                        break
                heap[base + k] = i
                result[i] = s
                break
            worst = heap[base]
            if rank[s, worst] > r:
                result[worst] = -1
                stack[top] = worst
                top += 1
                k = 0
                sz = size[s]
                while True:  # sift down
                    c = 2 * k + 1
                    if c >= sz:
                        break
                    if c + 1 < sz and rank[s, heap[base + c + 1]] > rank[s, heap[base + c]]:
                        c += 1
                    if rank[s, heap[base + c]] > r:
                        heap[base + k] = heap[base + c]
                        k = c
                    else:
                        break
                heap[base + k] = i
                result[i] = s
                break
    return result


def _immediate_acceptance(pref: np.ndarray, rank: np.ndarray, cap: np.ndarray) -> np.ndarray:
    """Boston mechanism: round k, each unplaced student applies to their k-th choice; schools
    accept by priority while seats remain."""
    n = pref.shape[0]
    result = np.full(n, -1, np.int32)
    left = cap.astype(np.int64).copy()
    for k in range(pref.shape[1]):
        who = np.flatnonzero((result < 0) & (pref[:, k] >= 0))
        if len(who) == 0:
            continue
        s = pref[who, k]
        r = rank[s, who]
        ok = r >= 0
        who, s, r = who[ok], s[ok], r[ok]
        order = np.lexsort((r, s))
        who, s = who[order], s[order]
        first = np.searchsorted(s, s, side="left")
        pos = np.arange(len(s)) - first
        take = pos < left[s]
        result[who[take]] = s[take]
        np.subtract.at(left, s[take], 1)
    return result


def assign_arrays(
    pref: np.ndarray,
    rank: np.ndarray,
    capacities: np.ndarray,
    mechanism: str = "deferred_acceptance",
    reserved: np.ndarray | None = None,
    reserve_eligible: np.ndarray | None = None,
    reserve_order: str = "reserved_first",
) -> np.ndarray:
    """Place students on arrays; returns the school index per student (int32, -1 = unplaced).

    ``pref`` (n_students x max_len) school indices best first, padded with -1; ``rank``
    (n_schools x n_students) position in the school's strict priority order (0 = highest,
    negative = not acceptable); ``capacities`` seats per school; ``reserved`` seats per school kept
    for students with ``reserve_eligible`` (see ``_with_reserved_slots``).
    """
    if mechanism not in MECHANISMS:
        raise ValueError(f"okänd mekanism {mechanism!r}; välj bland {', '.join(MECHANISMS)}")
    if reserved is not None and np.any(reserved > 0):
        return _with_reserved_slots(pref, rank, capacities, mechanism, reserved, reserve_eligible, reserve_order)
    pref = np.ascontiguousarray(pref, dtype=np.int32)
    rank = np.ascontiguousarray(rank, dtype=np.int32)
    cap = np.ascontiguousarray(capacities, dtype=np.int32)
    if mechanism == "deferred_acceptance":
        return _deferred_acceptance(pref, rank, cap)
    if mechanism == "immediate_acceptance":
        return _immediate_acceptance(pref, rank, cap)
    return _top_trading_cycles(pref, rank, cap)


def _with_reserved_slots(pref, rank, capacities, mechanism, reserved, eligible, order):
    """Reserved seats as a separate slot of each school that only eligible students may take
    (Kominers and Sönmez 2016, slot-specific priorities with a fixed precedence): an eligible
    student applies to the reserved slot before the open one (``reserved_first``) or after it
    (``open_first``)."""
    n, L = pref.shape
    m = len(capacities)
    has = np.flatnonzero(reserved > 0)
    slot_of = np.full(m, -1, np.int64)
    slot_of[has] = m + np.arange(len(has))
    cap = np.concatenate([capacities - reserved, reserved[has]]).astype(np.int32)
    rank2 = np.concatenate([rank, np.where(eligible[None, :], rank[has], -1)]).astype(np.int32)
    res_col = np.where(pref >= 0, slot_of[np.clip(pref, 0, None)], -1)
    res_col[~eligible] = -1
    first, second = (res_col, pref) if order == "reserved_first" else (pref, res_col)
    wide = np.stack([first, second], axis=2).reshape(n, 2 * L)
    keep = wide >= 0
    idx = np.argsort(~keep, axis=1, kind="stable")
    wide = np.take_along_axis(np.where(keep, wide, -1), idx, axis=1).astype(np.int32)
    out = assign_arrays(wide, rank2, cap, mechanism)
    back = np.concatenate([np.arange(m), has])
    return np.where(out >= 0, back[np.clip(out, 0, None)], -1).astype(np.int32)


def _top_trading_cycles(pref: np.ndarray, rank: np.ndarray, cap: np.ndarray) -> np.ndarray:
    """Top trading cycles on arrays (see the module docstring); students remain unplaced when no
    school on their list has a free seat and accepts them."""
    n = pref.shape[0]
    m = cap.shape[0]
    result = np.full(n, -1, np.int32)
    left = cap.astype(np.int64).copy()
    active = np.ones(n, dtype=bool)
    ptr = np.zeros(n, dtype=np.int64)
    # each school's students in priority order (acceptable ones only)
    order = [np.flatnonzero(rank[s] >= 0)[np.argsort(rank[s][rank[s] >= 0], kind="stable")] for s in range(m)]
    sptr = np.zeros(m, dtype=np.int64)
    while True:
        # students point to their best school with a free seat that accepts them
        points = np.full(n, -1, np.int64)
        for i in np.flatnonzero(active):
            while ptr[i] < pref.shape[1]:
                s = pref[i, ptr[i]]
                if s < 0:
                    ptr[i] = pref.shape[1]
                    break
                if left[s] > 0 and rank[s, i] >= 0:
                    points[i] = s
                    break
                ptr[i] += 1
            if points[i] < 0:
                active[i] = False  # nothing left for this student
        if not active.any():
            return result
        # schools with seats point to their highest-priority active student
        target = np.full(m, -1, np.int64)
        for s in range(m):
            if left[s] <= 0:
                continue
            o = order[s]
            while sptr[s] < len(o) and not active[o[sptr[s]]]:
                sptr[s] += 1
            if sptr[s] < len(o):
                target[s] = o[sptr[s]]
        # follow student -> school -> student; every walk ends in a cycle
        state = np.zeros(n, dtype=np.int8)  # 0 new, 1 on the current path, 2 done
        for start in np.flatnonzero(active):
            path = []
            i = start
            while state[i] == 0:
                state[i] = 1
                path.append(i)
                nxt = target[points[i]]
                if nxt < 0:
                    break
                i = nxt
            if state[i] == 1 and target[points[path[-1]]] >= 0:
                cycle = path[path.index(i):]
                for j in cycle:
                    result[j] = points[j]
                    left[points[j]] -= 1
                    active[j] = False
            for j in path:
                state[j] = 2


def assign(
    preferences: Sequence[Sequence[int]],
    priority_order: Sequence[Sequence[int]],
    capacities: Sequence[int],
    mechanism: str = "deferred_acceptance",
) -> list[int | None]:
    """Place each student; returns the school index of each student or None.

    ``preferences[i]`` lists student i's acceptable schools best first; ``priority_order[s]``
    lists students in school s's priority order (highest first; students not listed are not
    acceptable there); ``capacities[s]`` is the number of seats.
    """
    n = len(preferences)
    m = len(capacities)
    width = max((len(p) for p in preferences), default=0)
    pref = np.full((n, max(width, 1)), -1, dtype=np.int32)
    for i, p in enumerate(preferences):
        pref[i, : len(p)] = p
    rank = np.full((m, n), -1, dtype=np.int32)
    for s, order in enumerate(priority_order):
        rank[s, np.asarray(order, dtype=np.int64)] = np.arange(len(order), dtype=np.int32)
    out = assign_arrays(pref, rank, np.asarray(capacities, dtype=np.int32), mechanism=mechanism)
    return [None if s < 0 else int(s) for s in out]

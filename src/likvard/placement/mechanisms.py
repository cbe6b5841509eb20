"""Assignment mechanisms on strict preferences and strict priorities, on ragged (sparse) lists.

- Student-proposing deferred acceptance (Gale and Shapley 1962; Abdulkadiroğlu and Sönmez 2003):
  stable and student-optimal among stable matchings, strategy-proof for students.
- Immediate acceptance, the "Boston" mechanism (Abdulkadiroğlu and Sönmez 2003): in round k every
  unplaced student applies to their k-th choice, and schools fill their remaining seats by priority;
  placements are final.
- Top trading cycles (Shapley and Scarf 1974; Abdulkadiroğlu and Sönmez 2003): every remaining
  student points to their best school with a free seat that accepts them, every such school to its
  highest-priority remaining student; the students of every cycle get the school they point to.
  Pareto-efficient and strategy-proof, not stable. Cycles are found by following the pointers
  with a stack and cleared one at a time (the outcome does not depend on the order in which cycles
  are cleared); every pointer only moves forward, so the cost is linear in the listed pairs and the
  schools' priority lists.
- Reserved seats as slot-specific priorities (Kominers and Sönmez 2016; Dur, Kominers, Pathak and
  Sönmez 2018, "Reserve design"): a school's reserved seats form a slot only eligible students may
  take; ``reserve_order`` says whether an eligible student is considered for the reserved slot
  before (``reserved_first``) or after (``open_first``) the open seats.

Input (``assign_arrays``): ``pref`` (students x L) school indices best first, padded with -1 at
the end. Priorities either as ``pair_rank`` shaped like ``pref`` (the school's priority rank of
the student at that listed school; lower is better, unique within a school; negative = the school
does not accept the student), so that memory grows with the listed pairs, or in the dense form
schools x students (position 0 .. n-1 in the school's priority order, unique within a school;
negative = not acceptable). Deferred and immediate acceptance use the ranks of listed pairs only,
so both forms give the same placement. Top trading cycles differ: with dense ranks a school points
to its highest-priority remaining student among all the students it ranks (as in Abdulkadiroğlu and
Sönmez 2003), with pair ranks among the students who listed it. Every argument is checked before a
compiled kernel sees it.
"""

from __future__ import annotations

import typing
from collections.abc import Sequence
from typing import Literal

import numba
import numpy as np

from likvard.errors import ParameterError
from likvard.validation import (
    Array,
    Nullable,
    check_length,
    options_of,
    validate_params,
)

Mechanism = Literal["deferred_acceptance", "immediate_acceptance", "top_trading_cycles"]
ReserveOrder = Literal["reserved_first", "open_first"]
RankForm = Literal["auto", "pairs", "schools"]
MECHANISMS: tuple[str, ...] = typing.get_args(Mechanism)
_INT32 = np.iinfo(np.int32).max

# ---------------------------------------------------------------------------------------------
# checks (compiled: one pass over the lists), returning the first problem found


@numba.njit(cache=True)
def _check_pref(pref, m):  # pragma: no cover - compiled
    """(code, row, col): 0 ok, 1 index out of range, 2 school after the padding, 3 duplicate."""
    n, L = pref.shape
    stamp = np.full(m, -1, np.int64)
    for i in range(n):
        padded = False
        for k in range(L):
            s = pref[i, k]
            if s == -1:
                padded = True
                continue
            if s < -1 or s >= m:
                return 1, i, k
            if padded:
                return 2, i, k
            if stamp[s] == i:
                return 3, i, k
            stamp[s] = i
    return 0, -1, -1


@numba.njit(cache=True)
def _gather_dense(pref, rank):  # pragma: no cover - compiled
    n, L = pref.shape
    out = np.full((n, L), -1, np.int32)
    for i in range(n):
        for k in range(L):
            s = pref[i, k]
            if s < 0:
                break
            out[i, k] = rank[s, i]
    return out


@numba.njit(cache=True)
def _check_dense(rank):  # pragma: no cover - compiled
    """(code, school, student): 0 ok, 1 rank >= n, 2 rank used twice at a school."""
    m, n = rank.shape
    stamp = np.full(n, -1, np.int64)
    for s in range(m):
        for i in range(n):
            r = rank[s, i]
            if r < 0:
                continue
            if r >= n:
                return 1, s, i
            if stamp[r] == s:
                return 2, s, i
            stamp[r] = s
    return 0, -1, -1


@numba.njit(cache=True)
def _school_lists(pref, prank, m):  # pragma: no cover - compiled
    """Per school, its acceptable applicants sorted by rank (CSR: ptr, students, ranks)."""
    n, L = pref.shape
    ptr = np.zeros(m + 1, np.int64)
    for i in range(n):
        for k in range(L):
            s = pref[i, k]
            if s < 0:
                break
            if prank[i, k] >= 0:
                ptr[s + 1] += 1
    for s in range(m):
        ptr[s + 1] += ptr[s]
    fill = ptr[:-1].copy()
    students = np.empty(ptr[m], np.int64)
    ranks = np.empty(ptr[m], np.int64)
    for i in range(n):
        for k in range(L):
            s = pref[i, k]
            if s < 0:
                break
            if prank[i, k] >= 0:
                students[fill[s]] = i
                ranks[fill[s]] = prank[i, k]
                fill[s] += 1
    for s in range(m):
        lo, hi = ptr[s], ptr[s + 1]
        if hi - lo > 1:
            order = np.argsort(ranks[lo:hi], kind="mergesort")
            students[lo:hi] = students[lo:hi][order]
            ranks[lo:hi] = ranks[lo:hi][order]
    return ptr, students, ranks


@numba.njit(cache=True)
def _first_tie(ptr, students, ranks):  # pragma: no cover - compiled
    for s in range(ptr.shape[0] - 1):
        for j in range(ptr[s] + 1, ptr[s + 1]):
            if ranks[j] == ranks[j - 1]:
                return s, students[j - 1], students[j]
    return -1, -1, -1


@numba.njit(cache=True)
def _dense_lists(rank):  # pragma: no cover - compiled
    """Per school, every student it ranks, in rank order (ranks checked: unique, < n)."""
    m, n = rank.shape
    ptr = np.zeros(m + 1, np.int64)
    for s in range(m):
        c = 0
        for i in range(n):
            if rank[s, i] >= 0:
                c += 1
        ptr[s + 1] = ptr[s] + c
    slot = np.full(n, -1, np.int64)
    students = np.empty(ptr[m], np.int64)
    for s in range(m):
        slot[:] = -1
        for i in range(n):
            if rank[s, i] >= 0:
                slot[rank[s, i]] = i
        j = ptr[s]
        for r in range(n):
            if slot[r] >= 0:
                students[j] = slot[r]
                j += 1
    return ptr, students


# ---------------------------------------------------------------------------------------------
# mechanisms on (pref, prank): prank[i, k] the rank of student i at school pref[i, k]


@numba.njit(cache=True)
def _deferred_acceptance(pref, prank, cap):  # pragma: no cover - compiled
    """Student-proposing deferred acceptance with a max-heap of held ranks per school."""
    n, L = pref.shape
    m = cap.shape[0]
    offs = np.zeros(m + 1, np.int64)
    for s in range(m):
        offs[s + 1] = offs[s] + max(cap[s], 0)
    heap_i = np.empty(max(offs[m], 1), np.int64)
    heap_r = np.empty(max(offs[m], 1), np.int64)
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
            k = nxt[i]
            s = pref[i, k]
            nxt[i] += 1
            if s < 0:
                nxt[i] = L
                break
            r = prank[i, k]
            if r < 0 or cap[s] <= 0:
                continue
            base = offs[s]
            if size[s] < cap[s]:
                j = size[s]
                size[s] += 1
                while j > 0:  # sift up
                    p = (j - 1) // 2
                    if heap_r[base + p] < r:
                        heap_i[base + j] = heap_i[base + p]
                        heap_r[base + j] = heap_r[base + p]
                        j = p
                    else:
                        break
                heap_i[base + j] = i
                heap_r[base + j] = r
                result[i] = s
                break
            if heap_r[base] > r:
                worst = heap_i[base]
                result[worst] = -1
                stack[top] = worst
                top += 1
                j = 0
                sz = size[s]
                while True:  # sift down
                    c = 2 * j + 1
                    if c >= sz:
                        break
                    if c + 1 < sz and heap_r[base + c + 1] > heap_r[base + c]:
                        c += 1
                    if heap_r[base + c] > r:
                        heap_i[base + j] = heap_i[base + c]
                        heap_r[base + j] = heap_r[base + c]
                        j = c
                    else:
                        break
                heap_i[base + j] = i
                heap_r[base + j] = r
                result[i] = s
                break
    return result


@numba.njit(cache=True)
def _immediate_acceptance(pref, prank, cap):  # pragma: no cover - compiled
    """Boston: round k, each unplaced student applies to their k-th choice; schools accept by
    priority while seats remain."""
    n, L = pref.shape
    m = cap.shape[0]
    result = np.full(n, -1, np.int32)
    left = np.empty(m, np.int64)
    for s in range(m):
        left[s] = max(cap[s], 0)
    count = np.zeros(m + 1, np.int64)
    who = np.empty(n, np.int64)
    rk = np.empty(n, np.int64)
    for k in range(L):
        count[:] = 0
        for i in range(n):
            s = pref[i, k]
            if result[i] < 0 and s >= 0 and prank[i, k] >= 0:
                count[s + 1] += 1
        for s in range(m):
            count[s + 1] += count[s]
        fill = count[:-1].copy()
        for i in range(n):
            s = pref[i, k]
            if result[i] < 0 and s >= 0 and prank[i, k] >= 0:
                who[fill[s]] = i
                rk[fill[s]] = prank[i, k]
                fill[s] += 1
        for s in range(m):
            lo, hi = count[s], count[s + 1]
            if hi == lo or left[s] <= 0:
                continue
            if hi - lo <= left[s]:
                for j in range(lo, hi):
                    result[who[j]] = s
                left[s] -= hi - lo
            else:
                order = np.argsort(rk[lo:hi], kind="mergesort")
                for j in range(left[s]):
                    result[who[lo + order[j]]] = s
                left[s] = 0
    return result


@numba.njit(cache=True)
def _top_trading_cycles(pref, prank, cap, sptr, slist):  # pragma: no cover - compiled
    """Top trading cycles by pointer chasing on a stack (nodes: students 0..n-1, schools n..n+m-1)."""
    n, L = pref.shape
    m = cap.shape[0]
    result = np.full(n, -1, np.int32)
    left = np.empty(m, np.int64)
    for s in range(m):
        left[s] = max(cap[s], 0)
    spos = sptr[:-1].copy()
    kpos = np.zeros(n, np.int64)
    active = np.ones(n, np.bool_)
    on_stack = np.zeros(n + m, np.bool_)
    stack = np.empty(n + m, np.int64)
    for start in range(n):
        if not active[start]:
            continue
        top = 1
        stack[0] = start
        on_stack[start] = True
        while top > 0:
            v = stack[top - 1]
            if v < n:
                k = kpos[v]
                while k < L:
                    s = pref[v, k]
                    if s < 0:
                        k = L
                        break
                    if left[s] > 0 and prank[v, k] >= 0:
                        break
                    k += 1
                kpos[v] = k
                if k >= L:  # nothing left for this student
                    active[v] = False
                    on_stack[v] = False
                    top -= 1
                    continue
                w = n + pref[v, k]
            else:
                s = v - n
                j = spos[s]
                while j < sptr[s + 1] and not active[slist[j]]:
                    j += 1
                spos[s] = j
                if j >= sptr[s + 1]:  # no one left to point to (cannot follow an active applicant)
                    on_stack[v] = False
                    top -= 1
                    continue
                w = slist[j]
            if on_stack[w]:
                while True:  # clear the cycle w -> ... -> v -> w
                    x = stack[top - 1]
                    top -= 1
                    on_stack[x] = False
                    if x < n:
                        s = pref[x, kpos[x]]
                        result[x] = s
                        active[x] = False
                        left[s] -= 1
                    if x == w:
                        break
            else:
                on_stack[w] = True
                stack[top] = w
                top += 1
    return result


# ---------------------------------------------------------------------------------------------


def _as_pairs(pref: np.ndarray, pair_rank: np.ndarray, m: int, rank_form: str) -> tuple[np.ndarray, str]:
    n = pref.shape[0]
    pairs_shape, dense_shape = pref.shape, (m, n)
    is_pairs, is_dense = pair_rank.shape == pairs_shape, pair_rank.shape == dense_shape
    if rank_form == "auto":
        if is_pairs and is_dense:
            raise ParameterError(
                "pair_rank",
                f"formen {pair_rank.shape} passar både rang per val (elever × val) och rang per skola "
                "(skolor × elever); ange rank_form='pairs' eller rank_form='schools'.",
            )
        rank_form = "pairs" if is_pairs else "schools" if is_dense else "none"
    if rank_form == "pairs" and not is_pairs or rank_form == "schools" and not is_dense or rank_form == "none":
        raise ParameterError(
            "pair_rank",
            f"väntade formen {pairs_shape} (en rang per elev och val, som pref) eller {dense_shape} "
            f"(skolor × elever), fick {pair_rank.shape}.",
        )
    if (pair_rank > _INT32).any() or (pair_rank < -_INT32).any():
        raise ParameterError("pair_rank", "rangerna måste rymmas i 32 bitar.")
    if rank_form == "schools":
        dense = np.ascontiguousarray(pair_rank, dtype=np.int32)
        code, s, i = _check_dense(dense)
        if code == 1:
            raise ParameterError(
                "pair_rank", f"skolan {s} har rangen {dense[s, i]} för elev {i}; rangen är en plats 0 .. {n - 1} "
                "i skolans urvalsordning."
            )
        if code == 2:
            raise ParameterError("pair_rank", f"skolan {s} har samma rang ({dense[s, i]}) för flera elever (t.ex. "
                                 f"elev {i}); rangerna måste vara unika inom en skola.")
        return _gather_dense(pref, dense), "schools"
    prank = np.ascontiguousarray(pair_rank, dtype=np.int32)
    prank = np.where(pref >= 0, prank, -1).astype(np.int32)
    return prank, "pairs"


@numba.njit(cache=True)
def _tie_by_bitmap(pref, prank, m, width):  # pragma: no cover - compiled
    """First listed pair whose (school, rank) was seen before: one bit per school and rank."""
    n, L = pref.shape
    bits = np.zeros((m * width + 63) // 64, np.uint64)
    one = np.uint64(1)
    for i in range(n):
        for k in range(L):
            s = pref[i, k]
            if s < 0:
                break
            r = prank[i, k]
            if r < 0:
                continue
            b = s * width + r
            word, bit = b >> 6, np.uint64(b & 63)
            if bits[word] & (one << bit):
                return s, i
            bits[word] |= one << bit
    return -1, -1


def _tie_error(s: int, a: int, b: int) -> ParameterError:
    return ParameterError(
        "pair_rank", f"eleverna {a} och {b} har samma rang vid skolan {s}; rangerna måste vara unika inom en skola."
    )


def _check_ties(pref: np.ndarray, prank: np.ndarray, m: int) -> None:
    """Ranks unique within each school: a bitmap of schools x ranks when it is small (at most
    64 MB), else sorting each school's ranks."""
    width = int(prank.max(initial=-1)) + 1
    if width == 0:
        return
    if m * width <= 1 << 29:
        s, i = _tie_by_bitmap(pref, prank, m, width)
        if s >= 0:
            k = int(np.flatnonzero(pref[i] == s)[0])
            rows = np.flatnonzero(((pref == s) & (prank == prank[i, k])).any(axis=1))
            raise _tie_error(s, int(rows[0]), int(rows[1]))
        return
    ptr, students, ranks = _school_lists(pref, prank, m)
    s, a, b = _first_tie(ptr, students, ranks)
    if s >= 0:
        raise _tie_error(s, a, b)


@validate_params(
    pref=Array(2, "i"),
    pair_rank=Array(2, "i"),
    capacity=Array(1, "i"),
    mechanism=options_of(Mechanism),
    reserved=Nullable(Array(1, "i")),
    reserve_eligible=Nullable(Array(1, "b")),
    reserve_order=options_of(ReserveOrder),
    rank_form=options_of(RankForm),
)
def assign_arrays(
    pref: np.ndarray,
    pair_rank: np.ndarray,
    capacity: np.ndarray,
    *,
    mechanism: Mechanism = "deferred_acceptance",
    reserved: np.ndarray | None = None,
    reserve_eligible: np.ndarray | None = None,
    reserve_order: ReserveOrder = "reserved_first",
    rank_form: RankForm = "auto",
) -> np.ndarray:
    """Place students on arrays; returns the school index per student (int32, -1 = unplaced).

    ``pref`` (n_students x L) school indices best first, padded with -1 at the end; ``pair_rank``
    the school's priority rank of each listed pair, shaped like ``pref``, or the dense form
    (n_schools x n_students) — see the module docstring; ``rank_form`` says which when both shapes
    fit. ``capacity`` seats per school (>= 0); ``reserved`` seats per school (0 .. capacity) kept
    for the students with ``reserve_eligible`` (one flag per student).
    """
    m = len(capacity)
    n = pref.shape[0]
    if (capacity < 0).any() or (capacity > _INT32).any():
        s = int(np.flatnonzero((capacity < 0) | (capacity > _INT32))[0])
        raise ParameterError("capacity", f"skolan {s} har {capacity[s]} platser; väntade ett antal ≥ 0.")
    if (pref > _INT32).any() or (pref < -_INT32).any():
        raise ParameterError("pref", "skolindexen måste rymmas i 32 bitar.")
    pref32 = np.ascontiguousarray(pref, dtype=np.int32)
    code, i, k = _check_pref(pref32, m)
    if code == 1:
        raise ParameterError(
            "pref", f"elev {i}, val {k + 1}: skolindex {pref32[i, k]} finns inte (tillåtet: 0 till {m - 1}, "
            "eller -1 som utfyllnad efter listan)."
        )
    if code == 2:
        raise ParameterError("pref", f"elev {i}, val {k + 1}: en skola efter utfyllnaden -1; -1 får bara stå sist.")
    if code == 3:
        raise ParameterError("pref", f"elev {i} har skolan {pref32[i, k]} två gånger på sin lista.")
    prank, form = _as_pairs(pref32, pair_rank, m, rank_form)
    cap = np.ascontiguousarray(capacity, dtype=np.int32)
    dense = np.ascontiguousarray(pair_rank, dtype=np.int32) if form == "schools" else None
    res = None
    if reserved is not None:
        check_length("reserved", reserved, m, "en per skola")
        bad = (reserved < 0) | (reserved > capacity)
        if bad.any():
            s = int(np.flatnonzero(bad)[0])
            raise ParameterError(
                "reserved", f"skolan {s} har {reserved[s]} reserverade platser men {capacity[s]} platser totalt; "
                "väntade 0 till kapaciteten."
            )
        if (reserved > 0).any():
            if reserve_eligible is None:
                raise ParameterError("reserve_eligible", "behövs när reserved har reserverade platser.")
            check_length("reserve_eligible", reserve_eligible, n, "en per elev")
            res = np.asarray(reserved, dtype=np.int32)
    if form == "pairs":
        _check_ties(pref32, prank, m)
    return assign_checked(pref32, prank, cap, mechanism, res, reserve_eligible, reserve_order, dense)


def assign_checked(
    pref32: np.ndarray,
    prank: np.ndarray,
    cap: np.ndarray,
    mechanism: str,
    reserved: np.ndarray | None = None,
    reserve_eligible: np.ndarray | None = None,
    reserve_order: str = "reserved_first",
    dense: np.ndarray | None = None,
) -> np.ndarray:
    """The mechanism on arguments already in the form ``assign_arrays`` checks them into (int32
    lists and pair ranks, int32 capacities; ``dense`` the schools x students ranks for TTC). For
    the engine's own callers whose arrays are valid by construction (the lottery simulation);
    everyone else calls ``assign_arrays``."""
    if reserved is not None and (reserved > 0).any():
        assert reserve_eligible is not None
        pref32, prank, cap, dense, back = _with_reserved_slots(
            pref32, prank, cap, dense, reserved, reserve_eligible, reserve_order
        )
    else:
        back = None
    if mechanism == "deferred_acceptance":
        out = _deferred_acceptance(pref32, prank, cap)
    elif mechanism == "immediate_acceptance":
        out = _immediate_acceptance(pref32, prank, cap)
    else:
        if dense is not None:
            sptr, slist = _dense_lists(dense)
        else:
            sptr, slist, _ = _school_lists(pref32, prank, len(cap))
        out = _top_trading_cycles(pref32, prank, cap, sptr, slist)
    if back is not None:
        out = np.where(out >= 0, back[np.clip(out, 0, None)], -1).astype(np.int32)
    return out


def _with_reserved_slots(pref, prank, cap, dense, reserved, eligible, order):
    """Reserved seats as a separate slot of each school that only eligible students may take
    (Kominers and Sönmez 2016, slot-specific priorities with a fixed precedence): an eligible
    student applies to the reserved slot before the open one (``reserved_first``) or after it
    (``open_first``). Returns the widened lists, ranks, capacities, dense ranks and the map from
    slot to school."""
    n, L = pref.shape
    m = len(cap)
    has = np.flatnonzero(reserved > 0)
    slot_of = np.full(m, -1, np.int64)
    slot_of[has] = m + np.arange(len(has))
    cap2 = np.concatenate([cap - reserved, reserved[has]]).astype(np.int32)
    res_col = np.where(pref >= 0, slot_of[np.clip(pref, 0, None)], -1)
    res_col[~eligible] = -1
    res_rank = np.where(res_col >= 0, prank, -1)
    first, second = (res_col, pref) if order == "reserved_first" else (pref, res_col)
    r_first, r_second = (res_rank, prank) if order == "reserved_first" else (prank, res_rank)
    wide = np.stack([first, second], axis=2).reshape(n, 2 * L)
    wide_rank = np.stack([r_first, r_second], axis=2).reshape(n, 2 * L)
    keep = wide >= 0
    idx = np.argsort(~keep, axis=1, kind="stable")
    wide = np.take_along_axis(np.where(keep, wide, -1), idx, axis=1).astype(np.int32)
    wide_rank = np.take_along_axis(np.where(keep, wide_rank, -1), idx, axis=1).astype(np.int32)
    dense2 = None
    if dense is not None:
        dense2 = np.concatenate([dense, np.where(eligible[None, :], dense[has], -1)]).astype(np.int32)
    back = np.concatenate([np.arange(m), has])
    return np.ascontiguousarray(wide), np.ascontiguousarray(wide_rank), cap2, dense2, back


@validate_params(pref=Array(2, "i"), pair_rank=Array(2, "i"), assignment=Array(1, "i"))
def assigned_rank(pref: np.ndarray, pair_rank: np.ndarray, assignment: np.ndarray) -> np.ndarray:
    """Each student's rank at the school they were placed at from their list (-1 if unplaced or
    placed at a school not on the list); ``pair_rank`` shaped like ``pref``."""
    if pair_rank.shape != pref.shape:
        raise ParameterError("pair_rank", f"väntade formen {pref.shape} (som pref), fick {pair_rank.shape}.")
    check_length("assignment", assignment, pref.shape[0], "en skola per elev")
    hit = (pref == assignment[:, None]) & (assignment[:, None] >= 0)
    found = hit.any(axis=1)
    k = hit.argmax(axis=1)
    return np.where(found, pair_rank[np.arange(len(pref)), k], -1).astype(np.int64)


def assign(
    preferences: Sequence[Sequence[int]],
    priority_order: Sequence[Sequence[int]],
    capacities: Sequence[int],
    mechanism: Mechanism = "deferred_acceptance",
) -> list[int | None]:
    """Place each student; returns the school index of each student or None.

    ``preferences[i]`` lists student i's acceptable schools best first; ``priority_order[s]``
    lists students in school s's priority order (highest first; students not listed are not
    acceptable there); ``capacities[s]`` is the number of seats.
    """
    n = len(preferences)
    m = len(capacities)
    if len(priority_order) != m:
        raise ParameterError(
            "priority_order", f"väntade en urvalsordning per skola ({m}), fick {len(priority_order)}."
        )
    width = max((len(p) for p in preferences), default=0)
    pref = np.full((n, max(width, 1)), -1, dtype=np.int64)
    for i, p in enumerate(preferences):
        pref[i, : len(p)] = p
    rank = np.full((m, n), -1, dtype=np.int64)
    for s, order in enumerate(priority_order):
        idx = np.asarray(order, dtype=np.int64)
        if idx.size and (idx.min() < 0 or idx.max() >= n or len(np.unique(idx)) != len(idx)):
            raise ParameterError("priority_order", f"skolan {s}: väntade olika elevindex 0 till {n - 1}.")
        rank[s, idx] = np.arange(len(idx))
    out = assign_arrays(pref, rank, np.asarray(capacities), mechanism=mechanism, rank_form="schools")
    return [None if s < 0 else int(s) for s in out]

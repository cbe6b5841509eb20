"""Assignment mechanisms on strict preferences and strict priorities.

Placeholder reference implementation of student-proposing deferred acceptance
(Gale and Shapley 1962); the fast engine replaces it with the same signature.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence


def assign(
    preferences: Sequence[Sequence[int]],
    priority_order: Sequence[Sequence[int]],
    capacities: Sequence[int],
    mechanism: str = "deferred_acceptance",
) -> list[int | None]:
    """Place each student; returns the school index of each student or None.

    ``preferences[i]`` lists student i's acceptable schools best first; ``priority_order[s]``
    lists students in school s's priority order (highest first); ``capacities[s]`` seats.
    """
    if mechanism != "deferred_acceptance":
        raise ValueError(f"unknown mechanism {mechanism!r}")
    n_students = len(preferences)
    rank = []
    for s, order in enumerate(priority_order):
        r = {student: k for k, student in enumerate(order)}
        rank.append(r)
    nxt = [0] * n_students
    held: list[list[tuple[int, int]]] = [[] for _ in capacities]  # max-heap by -rank
    result: list[int | None] = [None] * n_students
    free = list(range(n_students))
    while free:
        i = free.pop()
        prefs = preferences[i]
        while nxt[i] < len(prefs):
            s = prefs[nxt[i]]
            nxt[i] += 1
            if i not in rank[s] or capacities[s] <= 0:
                continue
            heapq.heappush(held[s], (-rank[s][i], i))
            if len(held[s]) > capacities[s]:
                _, rejected = heapq.heappop(held[s])
                if rejected != i:
                    result[i] = s
                    result[rejected] = None
                    free.append(rejected)
                    break
                continue
            result[i] = s
            break
    return result

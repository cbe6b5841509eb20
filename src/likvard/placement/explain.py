"""Why a student got the school they got, in Swedish.

For each school the student ranked above the one they got (all their choices when they got none),
the explanation gives the student's priority there, the priority of the last admitted student
(the cut-off) and the rule that decided between the two: the first rule in the school's list on
which they differ, else the lottery.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from likvard.errors import ParameterError
from likvard.placement.priorities import rule_key
from likvard.placement.simulate import Placement, Prepared, cutoff_students

RULE_LABELS = {
    "sibling": "syskonförtur",
    "catchment": "upptagningsområde",
    "relative_proximity": "relativ närhet",
    "distance": "närhet (avstånd)",
    "queue_date": "kötid",
    "lottery": "lottning",
}
MECHANISM_LABELS = {
    "deferred_acceptance": "uppskjuten antagning (elevförslag)",
    "immediate_acceptance": "omedelbar antagning (Boston)",
    "top_trading_cycles": "toppbytescykler (TTC)",
}


def _describe(kind: str, value: float) -> str:
    if kind in ("sibling", "catchment"):
        return "ja" if value == 0 else "nej"
    if kind == "relative_proximity":
        sign = "+" if value > 0 else "−" if value < 0 else "±"
        return f"{sign}{abs(value):,.0f} m jämfört med närmaste andra skola".replace(",", " ")
    if kind == "distance":
        return f"{value:,.0f} m".replace(",", " ")
    if kind == "queue_date":
        return "ingen köplats" if not np.isfinite(value) else f"{-value:.0f} dagar i kön"
    return ""


def explain_table(prep: Prepared, placement: Placement, student: int) -> pd.DataFrame:
    """One row per school the student ranked above their placement (or all, if unplaced):
    ``school_id, name, choice, student_rank, cutoff_rank`` (places in the school's priority order
    among its applicants, 1 = first), ``full, deciding_rule, student_value, cutoff_value``."""
    mk = prep.market
    if not 0 <= student < mk.n_students:
        raise ParameterError("student", f"väntade ett elevindex 0 till {mk.n_students - 1}, fick {student}.")
    inputs = mk.priority_inputs()
    got = int(placement.by_mechanism[student])
    listed = [int(s) for s in placement.pref[student]]
    pref = [s for s in listed if s >= 0]
    above = pref[: pref.index(got)] if got in pref else pref
    cut, last = cutoff_students(placement.by_mechanism, placement.pref, placement.pair_rank, mk.n_schools)
    size = np.bincount(placement.by_mechanism[placement.by_mechanism >= 0], minlength=mk.n_schools)
    rows = []
    for s in above:
        c = int(cut[s])
        other = int(last[s])
        own = int(placement.pair_rank[student, listed.index(s)])
        rule, sv, cv = "lottery", "", ""
        if not mk.is_open[s]:
            rule = "closed"
        elif own < 0:
            rule = "not_acceptable"
        elif other >= 0:
            for r in mk.rules[s].rules:
                k = rule_key(r, s, inputs)
                if k is None:
                    break
                if k[student] != k[other]:
                    rule, sv, cv = r.kind, _describe(r.kind, k[student]), _describe(r.kind, k[other])
                    break
        rows.append(
            {
                "school_id": mk.school_ids[s],
                "name": mk.school_names[s],
                "choice": pref.index(s) + 1,
                "student_rank": own + 1 if own >= 0 else None,
                "cutoff_rank": c + 1 if c >= 0 else None,
                "full": bool(size[s] >= mk.capacities[s]),
                "deciding_rule": rule,
                "student_value": sv,
                "cutoff_value": cv,
            }
        )
    return pd.DataFrame(rows)


def explain(prep: Prepared, placement: Placement, student_id: str) -> str:
    """Swedish text explaining ``student_id``'s placement in one replication."""
    mk = prep.market
    hits = np.flatnonzero(mk.student_ids == str(student_id))
    if len(hits) == 0:
        raise ParameterError(
            "student_id",
            f"eleven {student_id} finns inte bland de sökande till årskurs {mk.grade} läsåret {mk.school_year}.",
        )
    i = int(hits[0])
    final = int(placement.assignment[i])
    got = int(placement.by_mechanism[i])
    pref = [int(s) for s in placement.pref[i] if s >= 0]
    lines = [(f"Elev {student_id}, årskurs {mk.grade} läsåret {mk.school_year} "
              f"(placering enligt {MECHANISM_LABELS.get(mk.mechanism, mk.mechanism)}):")]
    if got >= 0:
        lines.append(f"Fick sitt {pref.index(got) + 1}:a val, {mk.school_names[got]} ({mk.school_ids[got]}).")
    elif placement.admin[i] and final >= 0:
        lines.append(
            f"Fick inget av sina {len(pref)} val och placerades av kommunen vid {mk.school_names[final]} "
            f"({mk.school_ids[final]}), närmaste kommunala skola med ledig plats (skollagen 10 kap. 30 §)."
        )
    else:
        lines.append("Fick inget av sina val, och ingen kommunal skola hade ledig plats.")
    table = explain_table(prep, placement, i)
    for row in table.itertuples():
        head = f"- {row.choice}:a val {row.name}: "
        if row.deciding_rule == "closed":
            lines.append(head + "skolan är stängd i detta scenario.")
            continue
        if row.deciding_rule == "not_acceptable":
            lines.append(head + "eleven kan inte antas där enligt skolans urvalsgrunder.")
            continue
        base = f"elevens plats i urvalsordningen {row.student_rank}, sist antagna hade plats {row.cutoff_rank}. "
        if not row.full or (row.cutoff_rank is not None and row.student_rank < row.cutoff_rank):
            lines.append(head + base + "Platserna fördelades i en tidigare omgång till elever som satt "
                         "skolan högre på sin lista (omedelbar antagning).")
            continue
        label = RULE_LABELS.get(row.deciding_rule, row.deciding_rule)
        if row.deciding_rule == "lottery":
            lines.append(head + base + "Samma förtur som den sist antagna; lottningen avgjorde.")
        else:
            lines.append(
                head + base + f"Avgörande urvalsgrund: {label} (eleven: {row.student_value}; "
                f"sist antagna: {row.cutoff_value})."
            )
    return "\n".join(lines)

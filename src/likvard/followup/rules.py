"""Integrity rules of the follow-up register: every violation is a precise Swedish
``FollowupError`` raised before anything is written.

Roles (``vocabulary.ROLES``): ``nämnd`` reads only; ``rektor`` writes dialogue content and signs
as principal only; ``admin``, ``analytiker`` and ``skolchef`` write everything and sign for the
authority (huvudman). Dates: a school year (höståret Y) runs from 1 July Y to 30 June Y + 1; an
autumn dialogue precedes the spring dialogue of the same school and school year.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

from likvard.errors import LikvardError
from likvard.followup import vocabulary as v
from likvard.text import school_year_label


class FollowupError(LikvardError):
    """A follow-up record that breaks a rule of the register (nothing has been written)."""


NOTHING = " Ingenting har sparats."


def fail(message: str) -> FollowupError:
    """The error to raise, with the sentence that nothing was written."""
    return FollowupError(message.rstrip() + NOTHING)


def check_role(role: str, *, writes: bool = True, authority: bool = False, what: str = "ändra uppföljningen") -> None:
    """Refuse an unknown role, a reading role that writes, or a principal doing the authority's part."""
    if role not in v.ROLES:
        raise fail(f"Okänd roll {role!r}: välj bland {', '.join(v.ROLES)}.")
    if writes and role not in v.WRITING_ROLES:
        raise fail(f"Rollen {role} får läsa men inte {what}.")
    if authority and role not in v.AUTHORITY_ROLES:
        raise fail(f"Rollen {role} får inte {what}; det gör huvudmannen (skolchef, analytiker eller admin).")


def check_actor(actor: str) -> None:
    """A user name is required on every write (it is kept with the record)."""
    if not isinstance(actor, str) or not actor.strip():
        raise fail("Användarnamn saknas: varje ändring sparas med vem som gjorde den.")


def school_year_bounds(school_year: int) -> tuple[dt.date, dt.date]:
    """First and last day of school year ``school_year`` (1 July – 30 June)."""
    return dt.date(school_year, 7, 1), dt.date(school_year + 1, 6, 30)


def parse_date(value: Any, what: str) -> dt.date:
    """A date from a ``date`` or an ISO string (ÅÅÅÅ-MM-DD)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise fail(f"{what}: {value!r} är inget datum; skriv det som ÅÅÅÅ-MM-DD.") from None


def check_in_school_year(date: dt.date, school_year: int, what: str) -> None:
    """Refuse a date outside the school year."""
    first, last = school_year_bounds(school_year)
    if not first <= date <= last:
        raise fail(f"{what} {date.isoformat()} ligger utanför läsåret {school_year_label(school_year)} "
                   f"({first.isoformat()}–{last.isoformat()}).")


def check_dialogue_order(kind: str, date: dt.date, others: list[tuple[str, dt.date]], school_id: str,
                         school_year: int) -> None:
    """Autumn before spring: a spring dialogue may not precede the school's autumn dialogue of the
    same school year, nor an autumn dialogue follow its spring dialogue."""
    label = school_year_label(school_year)
    for other_kind, other_date in others:
        if kind == "var" and other_kind == "host" and date <= other_date:
            raise fail(f"Vårdialogen {date.isoformat()} för skolenheten {school_id} ligger före (eller samma dag "
                       f"som) höstdialogen {other_date.isoformat()} läsåret {label}; den uppföljande dialogen "
                       "hålls efter den undersökande.")
        if kind == "host" and other_kind == "var" and date >= other_date:
            raise fail(f"Höstdialogen {date.isoformat()} för skolenheten {school_id} ligger efter (eller samma dag "
                       f"som) vårdialogen {other_date.isoformat()} läsåret {label}; den undersökande dialogen "
                       "hålls före den uppföljande.")


def _number(value: Any, what: str, *, integer: bool = False, low: float | None = None,
            high: float | None = None) -> float | int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise fail(f"{what}: {value!r} är inget tal.")
    try:
        x = float(str(value).replace(",", ".").replace("\u2212", "-").replace(" ", "")) if isinstance(value, str) \
            else float(value)
    except (TypeError, ValueError):
        raise fail(f"{what}: {value!r} är inget tal.") from None
    if not math.isfinite(x):
        raise fail(f"{what}: {value!r} är inget ändligt tal.")
    if integer and x != int(x):
        raise fail(f"{what}: {value!r} ska vara ett heltal.")
    if low is not None and x < low:
        raise fail(f"{what}: {value!r} är mindre än {low:g}.")
    if high is not None and x > high:
        raise fail(f"{what}: {value!r} är större än {high:g}.")
    return int(x) if integer else x


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _choice(value: Any, allowed: tuple[str, ...] | Mapping[str, str], what: str, default: str | None = None) -> str:
    text = _text(value)
    if not text and default is not None:
        return default
    names = tuple(allowed)
    for name in names:
        if text.casefold() == name.casefold():
            return name
    raise fail(f"{what}: {text!r} finns inte; välj bland {', '.join(names)}.")


def _list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [s.strip() for s in value.replace(";", ",").split(",") if s.strip()]
    return [str(s).strip() for s in value if str(s).strip()]


def normalise_intervention(fields: Mapping[str, Any], known_schools: set[str]) -> dict[str, Any]:
    """The decided fields of an intervention, checked and in canonical form (JSON-ready).

    Refused: a missing name, category or school; an unknown category, school unit, indicator,
    status, design, role or funding; an expected effect without an indicator or a horizon; a
    horizon or a year that is not a positive whole number; an end before the start; negative
    costs; a fidelity outside 0–100 %; a catalogue version without a catalogue type (whether
    the type exists is checked against the catalogue by ``service``).
    """
    from likvard.followup.records import INTERVENTION_FIELDS

    unknown = sorted(set(fields) - set(INTERVENTION_FIELDS))
    if unknown:
        raise fail(f"Okända fält för en insats: {', '.join(unknown)}.")
    f = dict(fields)
    out: dict[str, Any] = {}
    out["name"] = _text(f.get("name"))
    if not out["name"]:
        raise fail("Insatsen saknar namn.")
    if not _text(f.get("category")):
        raise fail(f"Insatsen {out['name']!r} saknar kategori; välj bland {', '.join(v.CATEGORIES)}.")
    out["category"] = _choice(f.get("category"), v.CATEGORIES, "Kategori")
    out["description"] = _text(f.get("description"))
    out["chain_level"] = _choice(f.get("chain_level"), v.CHAIN_LEVELS, "Styrkedjenivå", default="skolenhet")
    schools = _list(f.get("school_ids"))
    if not schools:
        raise fail(f"Insatsen {out['name']!r} saknar skolenheter.")
    missing = [s for s in schools if s not in known_schools]
    if missing:
        raise fail(f"Skolenheten {', '.join(missing)} finns inte i databasen (insatsen {out['name']!r}).")
    out["school_ids"] = list(dict.fromkeys(schools))
    grades = [_number(g, "Årskurs", integer=True, low=0, high=10) for g in _list(f.get("grades"))]
    out["grades"] = sorted({int(g) for g in grades if g is not None})
    for key in ("student_group", "problem", "cause", "logic", "basis_for_expectation", "comparison", "dose",
                "decision_body", "diary_number"):
        out[key] = _text(f.get(key))
    indicator = _text(f.get("indicator")) or None
    out["indicator"] = None if indicator is None else _choice(indicator, v.INDICATORS, "Indikator")
    respondent = _text(f.get("respondent")) or None
    if respondent is not None:
        respondent = _choice(respondent, v.RESPONDENTS, "Svarande")
    out["respondent"] = respondent if out["indicator"] in v.SURVEY_INDICATORS else None
    if out["indicator"] in v.SURVEY_INDICATORS and out["respondent"] is None:
        out["respondent"] = v.DEFAULT_RESPONDENT
    out["direction"] = _choice(f.get("direction"), v.DIRECTIONS, "Riktning", default="+")
    out["expected_effect"] = _number(f.get("expected_effect"), "Förväntad effekt")
    out["horizon"] = _number(f.get("horizon"), "Horisont (läsår)", integer=True, low=1, high=10)
    if out["expected_effect"] is not None and out["indicator"] is None:
        raise fail(f"Insatsen {out['name']!r} har en förväntad effekt men ingen indikator: ange vilken indikator "
                   "effekten gäller.")
    if out["expected_effect"] is not None and out["horizon"] is None:
        raise fail(f"Insatsen {out['name']!r} har en förväntad effekt men ingen horisont: ange inom hur många "
                   "läsår effekten väntas.")
    out["design"] = _choice(f.get("design"), v.DESIGNS, "Design", default="auto")
    out["start_year"] = _number(f.get("start_year"), "Startläsår", integer=True, low=1990, high=2100)
    out["end_year"] = _number(f.get("end_year"), "Slutläsår", integer=True, low=1990, high=2100)
    if out["start_year"] is not None and out["end_year"] is not None and out["end_year"] < out["start_year"]:
        raise fail(f"Insatsen {out['name']!r} slutar ({school_year_label(out['end_year'])}) före den börjar "
                   f"({school_year_label(out['start_year'])}).")
    starts: dict[str, int] = {}
    raw_starts = f.get("school_starts") or {}
    if isinstance(raw_starts, str):
        raw_starts = dict(part.split("=", 1) for part in _list(raw_starts) if "=" in part)
    for sid, year in dict(raw_starts).items():
        sid = str(sid).strip()
        if sid not in out["school_ids"]:
            raise fail(f"Startläsår per skola: skolenheten {sid} hör inte till insatsen {out['name']!r}.")
        y = _number(year, f"Startläsår för {sid}", integer=True, low=1990, high=2100)
        if y is not None:
            starts[sid] = int(y)
    if starts:
        first = min([*starts.values(), *([out["start_year"]] if out["start_year"] is not None else [])])
        out["start_year"] = first
        starts = {s: starts.get(s, first) for s in out["school_ids"]}
        if len(set(starts.values())) == 1:
            starts = {}
    out["school_starts"] = starts
    out["status"] = _choice(f.get("status"), v.INTERVENTION_STATUSES, "Status", default="planerad")
    fidelity: dict[str, float] = {}
    raw = f.get("fidelity") or {}
    if isinstance(raw, str):
        raw = dict(part.split("=", 1) for part in _list(raw) if "=" in part)
    for term, pct in dict(raw).items():
        value = _number(pct, f"Införandegrad {term}", low=0, high=100)
        if value is not None:
            fidelity[str(term).strip()] = float(value)
    out["fidelity"] = fidelity
    out["cost_once"] = _number(f.get("cost_once"), "Kostnad engång (kr)", low=0)
    out["cost_per_year"] = _number(f.get("cost_per_year"), "Kostnad per år (kr)", low=0)
    funding = _text(f.get("funding"))
    out["funding"] = _choice(funding, v.FUNDING, "Finansiering") if funding else ""
    date = f.get("decision_date")
    out["decision_date"] = None if date in (None, "") else parse_date(date, "Beslutsdatum").isoformat()
    role = _text(f.get("responsible_role"))
    out["responsible_role"] = _choice(role, v.RESPONSIBLE_ROLES, "Ansvarig roll") if role else ""
    low = f.get("selected_for_low_results")
    if isinstance(low, str):
        low = low.strip().casefold() in ("ja", "j", "sant", "true", "1", "x")
    out["selected_for_low_results"] = bool(low)
    out["catalogue_type"] = _text(f.get("catalogue_type")) or None
    version = _number(f.get("catalogue_version"), "Insatstypens version", integer=True, low=1)
    if out["catalogue_type"] is None and version is not None:
        raise fail(f"Insatsen {out['name']!r} anger en version av insatstypen men ingen insatstyp.")
    out["catalogue_version"] = None if out["catalogue_type"] is None else int(version or 1)
    return out

"""Who may do what: the ONE scope function every page, fragment, download and API call goes through.

Roles (the role table of the web-app research note, §4.2):

| roll | läser | skriver |
|---|---|---|
| admin | allt | användare, loggen |
| analytiker | alla skolor, alla analyser | importer, scenarier, fördelningsmodeller, insatser |
| skolchef | skolorna i sitt område | beslut och signering i dialoger, insatser |
| rektor | egna skolenheter (andras bara om huvudmannen tillåter det) | fokusområde, anteckningar, beslutsstatus |
| nämnd | sammanställda och skyddade vyer (inga enskilda dialogprotokoll) | ingenting |
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

ROLES = ("admin", "analytiker", "skolchef", "rektor", "nämnd")
ROLE_LABELS = {"admin": "Administratör", "analytiker": "Analytiker", "skolchef": "Skolchef", "rektor": "Rektor",
               "nämnd": "Nämnd"}

ACTIONS: dict[str, frozenset[str]] = {
    # reading
    "read_overview": frozenset(ROLES),
    "read_school": frozenset(ROLES),
    "read_segregation": frozenset(ROLES),
    "read_scenarios": frozenset({"admin", "analytiker", "skolchef", "nämnd"}),
    "read_followup": frozenset(ROLES),
    "read_dialogue": frozenset({"admin", "analytiker", "skolchef", "rektor"}),
    "read_catalogue": frozenset(ROLES),
    "download_quality": frozenset({"admin", "analytiker", "skolchef", "nämnd"}),
    "read_log": frozenset({"admin"}),
    # writing
    "import": frozenset({"admin", "analytiker"}),
    "run_scenario": frozenset({"admin", "analytiker"}),
    "write_intervention": frozenset({"admin", "analytiker", "skolchef"}),
    "write_dialogue_principal": frozenset({"admin", "analytiker", "skolchef", "rektor"}),
    "write_dialogue_authority": frozenset({"admin", "analytiker", "skolchef"}),
    "manage_users": frozenset({"admin"}),
}
"""Action -> the roles allowed it (before the school scope)."""

SCOPED_ROLES = frozenset({"skolchef", "rektor"})
"""Roles limited to the school units listed on their account."""


class Forbidden(Exception):
    """The user may not do this (answered with 403)."""


@dataclass(frozen=True)
class User:
    """A signed-in user: ``schools`` are the school unit codes of a rektor or skolchef."""

    id: int
    name: str
    role: str
    schools: frozenset[str] = field(default_factory=frozenset)

    @property
    def writes(self) -> bool:
        return self.role != "nämnd"


@dataclass(frozen=True)
class Policy:
    """The authority's choices: ``principals_see_peers`` lets a rektor read other schools' (suppressed)
    figures, as the issue allows 'where the authority allows it'."""

    principals_see_peers: bool = False


def authorize(user: User, action: str, school_id: str | None = None, policy: Policy = Policy()) -> None:
    """Raise :class:`Forbidden` unless ``user`` may do ``action`` (on ``school_id`` when given)."""
    allowed = ACTIONS.get(action)
    if allowed is None:
        raise Forbidden(f"okänd åtgärd {action}")
    if user.role not in allowed:
        raise Forbidden(f"Rollen {ROLE_LABELS.get(user.role, user.role)} får inte göra detta.")
    if school_id is not None and not may_see_school(user, str(school_id), policy, write=not action.startswith("read")
                                                    and not action.startswith("download")):
        raise Forbidden(f"Skolenheten {school_id} ingår inte i det du har behörighet till.")


def may_see_school(user: User, school_id: str, policy: Policy = Policy(), write: bool = False) -> bool:
    """True if ``user`` may read (or with ``write`` change) things of ``school_id``."""
    if user.role not in SCOPED_ROLES:
        return True
    if str(school_id) in user.schools:
        return True
    return not write and user.role == "rektor" and policy.principals_see_peers


def visible_schools(user: User, school_ids: Iterable[str], policy: Policy = Policy()) -> list[str]:
    """The school units of ``school_ids`` that ``user`` may read (the per-school charts and lists)."""
    return [str(s) for s in school_ids if may_see_school(user, str(s), policy)]


def sees_all(user: User, policy: Policy = Policy()) -> bool:
    """True if ``user`` may read every school (authority-wide sentences naming schools are shown)."""
    return user.role not in SCOPED_ROLES or (user.role == "rektor" and policy.principals_see_peers)

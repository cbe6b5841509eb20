"""The one set of defaults every analysis runs with (CLI, report, Excel export and web app alike).

Changing a default here changes it everywhere; a command-line option or a caller may override a
field for one run (``dataclasses.replace``), never silently.
"""

from __future__ import annotations

from dataclasses import dataclass

from likvard.errors import ParameterError

MIN_SHOWN_STUDENTS = 10
"""Skolverket's rule (= ``likvard.tables.MIN_SHOWN_STUDENTS``; kept here so that the command line can
show the defaults without loading pandas)."""


@dataclass(frozen=True)
class Settings:
    """Defaults of every analysis.

    - ``level``: the interval level (0.90: 90 % intervals, as Skolverket's and SCB's reports of
      school results commonly give).
    - ``n_replications``: bootstrap and random-allocation replications per estimate.
    - ``seed``: the seed of every random draw; the same seed gives the same intervals.
    - ``min_students``: a figure resting on fewer students reads ``..`` (Skolverket's rule).
    - ``complementary_suppression``: also hide the next smallest school where a hidden figure
      could be recovered from a total shown beside it.
    - ``exclude_protected_homes``: never use the homes of students with protected identity
      (skyddade personuppgifter), not even for computing distances.
    """

    level: float = 0.90
    n_replications: int = 200
    seed: int = 2026
    min_students: int = MIN_SHOWN_STUDENTS
    complementary_suppression: bool = True
    exclude_protected_homes: bool = True

    def __post_init__(self) -> None:
        if not 0.5 <= float(self.level) < 1.0:
            raise ParameterError("level", f"intervallets nivå måste vara mellan 0,5 och 1 (t.ex. 0,90), inte {self.level}.")
        if int(self.n_replications) < 10:
            raise ParameterError(
                "n_replications", f"minst 10 replikat behövs för ett intervall, inte {self.n_replications}."
            )
        if int(self.min_students) < 1:
            raise ParameterError("min_students", f"gränsen för att visa en uppgift måste vara minst 1, inte {self.min_students}.")

    @property
    def percent(self) -> str:
        """The level as Swedish text, e.g. ``90 %``."""
        return f"{round(100 * self.level):d} %"


DEFAULTS = Settings()

"""``design="auto"``: which design fits the number of treated schools, pre-years, comparison
schools and adoption pattern.

1. Treated schools start in different years (staggered adoption): ``did`` (Callaway &
   Sant'Anna with not-yet-treated comparisons, randomisation inference).
2. Fewer than 3 pre-years: ``did`` (a difference-in-differences needs only the years around the
   start; a synthetic control fitted to two points is no evidence).
3. One treated school: ``sc`` (penalised synthetic control, in-space placebos, conformal
   interval beside it).
4. Several schools from the same year with more comparison schools than treated: ``sdid``.
5. Otherwise ``did``.
``cits`` (own trends, at least 4 pre-years) and ``before_after`` (descriptive) are chosen only
on request.
"""

from __future__ import annotations

DESIGNS = ("auto", "sc", "sdid", "did", "cits", "before_after")


def choose_design(n_treated: int, n_starts: int, n_pre: int, n_donors: int) -> str:
    """The design of the module docstring's rule."""
    if n_starts > 1 or n_pre < 3:
        return "did"
    if n_treated == 1:
        return "sc"
    if n_donors > n_treated:
        return "sdid"
    return "did"

"""Every analysis of a dataset at once, for the report (and the web app's overview); each part can
also be run on its own from its module.

A part whose data are absent (no home locations, no grade-9 results, no Kolada file …) is
``None`` and listed in ``omitted`` with the reason, in Swedish. A part that fails with a
:class:`~likvard.errors.LikvardError` (data an analysis cannot use) is omitted with that error's
message. Any other exception is a bug and is raised.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pandas as pd

from likvard.analyses import comparison as comparison_mod
from likvard.analyses import composition as composition_mod
from likvard.analyses import expected as expected_mod
from likvard.analyses import indicators as indicators_mod
from likvard.analyses import need as need_mod
from likvard.analyses import placement as placement_mod
from likvard.analyses import residential as residential_mod
from likvard.analyses import segregation as segregation_mod
from likvard.analyses.dataset import Dataset
from likvard.analyses.settings import DEFAULTS, Settings
from likvard.errors import LikvardError

PARTS = ("composition", "segregation", "comparison", "residential", "school_effects", "published_expected",
         "trend", "need", "indicators", "placement")
"""The parts in the order they run."""


@dataclass(frozen=True)
class Omission:
    """A part left out: its key and the reason, as a Swedish sentence."""

    part: str
    reason: str


@dataclass
class Overview:
    """The results of every part (None where omitted); ``omitted`` says why."""

    dataset: Dataset
    settings: Settings
    composition: composition_mod.Composition | None = None
    segregation: segregation_mod.SegregationResult | None = None
    comparison: comparison_mod.MunicipalComparison | None = None
    residential: residential_mod.ResidentialChoice | None = None
    school_effects: expected_mod.SchoolEffects | None = None
    published_expected: expected_mod.PublishedExpected | None = None
    trend: pd.DataFrame | None = None
    need: need_mod.NeedResult | None = None
    indicators: indicators_mod.Indicators | None = None
    placement: placement_mod.PlacementComparison | None = None
    omitted: list[Omission] = field(default_factory=list)


def _absent_reason(ds: Dataset, part: str) -> str:
    registers = ds.has_students
    reasons = {
        "comparison": "Jämförelsen med riket och liknande kommuner kräver Skolverkets filer för alla kommuner och "
                      "Koladas nyckeltal (kolada_kommun_skol_kpi.csv); ange mappen med --data.",
        "residential": "Elevregistret saknar hemadresser (home_x, home_y) eller skolregistret årskurser "
                       "(grade_min, grade_max)." if registers else
                       "Boendesegregation kräver elevernas hemadresser; Skolverkets publicerade filer har inga.",
        "school_effects": "Skoleffekter över flera år kräver elevregister med meritvärden; de publicerade filerna "
                          "ger bara skolornas medelvärden (se förväntade resultat).",
        "published_expected": "Förväntade resultat ur publicerade filer kräver Skolverkets resultatfiler; med egna "
                              "register visas skoleffekterna i stället.",
        "trend": "Resultat per läsår kräver meritvärden i årskurs 9 (egna register) eller Skolverkets skolkarta "
                 "(skolkarta_grundskolor_ak9_*.csv).",
        "need": "Behovsindex kräver elevregister med behörighet, eller Skolverkets resultat per skolenhet.",
        "indicators": "Skolenkäten och lärarstatistik saknas i underlaget (Underlag för analys, eller registren "
                      "survey och staff).",
        "placement": "Inga placeringsscenarier är sparade; kör 'likvard placering jamfor SCENARIOFIL --db … --spara'.",
    }
    return reasons.get(part, "Underlaget räcker inte för denna del.")


INDEPENDENT_PARTS = ("segregation", "residential", "comparison", "published_expected", "trend")
"""Parts that need no other part's result, so they can run in a second process (``beside``)."""


def run_overview(
    ds: Dataset, settings: Settings = DEFAULTS, store: object | None = None,
    on_part: Callable[[str], None] | None = None, parts: tuple[str, ...] = PARTS,
    beside: tuple[str, ...] = (),
) -> Overview:
    """Run ``parts`` of the overview on ``ds`` (see the module docstring).

    The parts named in ``beside`` (of ``INDEPENDENT_PARTS``) run in a forked second process
    (``likvard.parallel.beside``) while the others run here; the result is the same. Only for a
    command line run: a web server's process is not forked."""
    unknown = set(beside) - set(INDEPENDENT_PARTS)
    if unknown:
        raise ValueError(f"beside: {sorted(unknown)} hänger på andra delar och kan inte köras i en egen process.")
    ov = Overview(ds, settings)
    runners: dict[str, Callable[[], object]] = {
        "composition": lambda: composition_mod.composition(ds),
        "segregation": lambda: segregation_mod.analyse_segregation(ds, settings),
        "comparison": lambda: comparison_mod.municipal_comparison(ds),
        "residential": lambda: residential_mod.residential_and_choice(ds, settings),
        "need": lambda: need_mod.need(ds, settings),
        "school_effects": lambda: expected_mod.school_effects(ds, settings, ov.need.table if ov.need else None)
        if ds.has_students else None,
        "published_expected": lambda: expected_mod.published_expected(ds, settings) if ds.published else None,
        "trend": lambda: expected_mod.results_trend(ds),
        "indicators": lambda: indicators_mod.indicators(ds, ov.need),
        "placement": lambda: placement_mod.load_comparison(store),
    }
    order = [p for p in ("composition", "segregation", "comparison", "residential", "need", "school_effects",
                         "published_expected", "trend", "indicators", "placement") if p in parts]
    away = [p for p in order if p in beside]
    child = None
    if away:  # one second process for them all, started before this process starts numba's threads
        from likvard.parallel.beside import beside as start_beside

        child = start_beside(lambda: _run_parts(away, runners))
    outcomes: dict[str, tuple[object, str | None]] = {}
    for part in order:
        if on_part is not None:
            on_part(part)
        if part in away:
            continue
        outcomes.update(_run_parts([part], runners))
        if outcomes[part][0] is not None:
            setattr(ov, part, outcomes[part][0])  # later parts read it (the need index)
    if child is not None:
        outcomes.update(child.result())
    for part in order:  # omissions in the order of the parts, wherever they ran
        value, error = outcomes[part]
        if error is not None:
            ov.omitted.append(Omission(part, error))
        elif value is None:
            ov.omitted.append(Omission(part, _absent_reason(ds, part)))
        else:
            setattr(ov, part, value)
    return ov


def _run_parts(parts: Sequence[str], runners: dict[str, Callable[[], object]]) -> dict[str, tuple[object, str | None]]:
    """Each part's (value, None), or (None, the Swedish message) when it failed on the data."""
    out: dict[str, tuple[object, str | None]] = {}
    for part in parts:
        try:
            out[part] = (runners[part](), None)
        except LikvardError as exc:
            out[part] = (None, str(exc))
    return out

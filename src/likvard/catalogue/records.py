"""Typed rows of the catalogue: intervention types, research evidence and local evaluations.

Each dataclass has one attribute per column of its table (``likvard.catalogue.schema``), with
``None`` for a missing value (``..`` in the CSV). ``Catalogue`` holds the three tables of one
package together with its publisher.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class InterventionType:
    """An intervention type (insatskort), keyed by ``insats_typ_id`` and ``version``."""

    insats_typ_id: str
    version: int
    namn: str
    kategori: str
    adresserar_problem: str
    licens: str
    uppdaterad: dt.date
    beskrivning: str | None = None
    styrkedjeniva: str | None = None
    arskurser: str | None = None
    malgrupp: str | None = None
    verksamhetslogik: str | None = None
    karnkomponenter: str | None = None
    dos: str | None = None
    forutsattningar: str | None = None
    kostnad_kr_per_elev_ar: float | None = None
    kostnadsband: int | None = None
    kontakt_org: str | None = None
    kalla: str | None = None

    @property
    def key(self) -> tuple[str, int]:
        return (self.insats_typ_id, self.version)


@dataclass(frozen=True)
class Evidence:
    """A research finding on an intervention type, with its reference and figure as published."""

    evidens_id: str
    insats_typ_id: str
    version: int
    kalla_typ: str
    referens: str
    evidensstyrka_0_5: int
    utfallsdoman: str | None = None
    publicerat_varde: str | None = None
    effekt_smd: float | None = None
    ki_lag: float | None = None
    ki_hog: float | None = None
    ki_niva: float | None = None
    antal_studier: int | None = None
    essa_tier: int | None = None
    edfi_rating: str | None = None
    kontextnot: str | None = None


@dataclass(frozen=True)
class LocalEvaluation:
    """One authority's evaluation of one intervention on one indicator (``likvard.evaluation``).

    ``skattad_effekt`` is the design's estimate and ``ki_lag``/``ki_hog`` its interval at
    ``ki_niva``; ``rtm_justering`` the estimate expected without any intervention (regression to
    the mean), which pooling subtracts; ``n_elever`` (not exported) the fewest students behind a
    figure of the row, exported as ``n_elever_band``; ``skolor`` the school ids (exported only
    when the publisher opts in).
    """

    utvardering_id: str
    insats_typ_id: str
    version: int
    huvudman: str
    huvudman_typ: str
    antal_skolor: int
    period_start: int
    period_slut: int
    design: str
    indikator: str
    utlatande: str
    n_elever_band: str
    likvard_version: str
    data_hash: str
    skolor: str | None = None
    enhet: str | None = None
    baseline: float | None = None
    forvantad_effekt: float | None = None
    forregistrerad: dt.date | None = None
    skattad_effekt: float | None = None
    ki_lag: float | None = None
    ki_hog: float | None = None
    ki_niva: float | None = None
    inferens: str | None = None
    permutationsgolv: float | None = None
    mde: float | None = None
    rtm_justering: float | None = None
    effekt_smd: float | None = None
    inforandegrad: float | None = None
    kostnad_faktisk_kr_per_elev: float | None = None
    behovsband: str | None = None
    omradestyp: str | None = None
    storleksband: str | None = None


@dataclass(frozen=True)
class Catalogue:
    """The three tables of one catalogue package and who published it."""

    publisher: str
    types: tuple[InterventionType, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    local: tuple[LocalEvaluation, ...] = ()
    meta: dict[str, Any] = field(default_factory=dict)


RECORD_CLASSES: dict[str, type] = {
    "insatstyper": InterventionType,
    "forskningsstod": Evidence,
    "lokala_utvarderingar": LocalEvaluation,
}


def as_row(record: Any) -> dict[str, Any]:
    """The record as a dict of its columns."""
    return {f.name: getattr(record, f.name) for f in dataclasses.fields(record)}

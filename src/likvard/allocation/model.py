"""Allocation models declared in a readable YAML file (Swedish or English keys).

A model gives every school

    amount_s = sum_b base[b] * n_{s,b}  +  compensatory_s

where ``b`` runs over grade bands (F, 1-3, 4-6, 7-9) and the compensatory pot P is shared in
proportion to need units

    u_s = w_index * n_s * need_index_s / 100 + sum_k w_k * count_{s,k}

(``need_index`` from ``likvard.expected``; ``count_{s,k}`` students with background k), subject to
a floor and a cap per student on the compensatory part and a transition limit (no school's total
falls by more than a share X against its current amount). The same rules apply to municipal and
independent schools (skollagen 10 kap. 37-39 §§: grundbelopp på samma grunder).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from likvard.errors import LikvardError

GRADE_BANDS: dict[str, tuple[int, int]] = {"F": (0, 0), "1-3": (1, 3), "4-6": (4, 6), "7-9": (7, 9)}

BACKGROUND_VARIABLES: dict[str, str] = {
    "parents_compulsory": "elever vars föräldrar högst har förgymnasial utbildning",
    "parents_unknown_education": "elever vars föräldrars utbildning är okänd",
    "foreign_born": "elever födda utomlands",
    "foreign_background": "elever med utländsk bakgrund",
    "newly_arrived": "nyanlända elever",
    "boys": "pojkar",
}

# Swedish keys a school administrator writes -> field names in code.
_KEYS = {
    "namn": "name",
    "version": "version",
    "grundbelopp": "base_amounts",
    "kompensatorisk_pott": "pot",
    "pott": "pot",
    "pottens_andel": "pot_share",
    "behovsindex": "need_index_weight",
    "vikter": "weights",
    "golv_per_elev": "floor_per_student",
    "tak_per_elev": "cap_per_student",
    "overgangsgrans": "transition_limit",
    "övergångsgräns": "transition_limit",
}
_WEIGHT_KEYS = {
    "foraldrar_forgymnasial": "parents_compulsory",
    "föräldrar_förgymnasial": "parents_compulsory",
    "foraldrar_okand_utbildning": "parents_unknown_education",
    "föräldrar_okänd_utbildning": "parents_unknown_education",
    "utrikes_fodda": "foreign_born",
    "utrikes_födda": "foreign_born",
    "utlandsk_bakgrund": "foreign_background",
    "utländsk_bakgrund": "foreign_background",
    "nyanlanda": "newly_arrived",
    "nyanlända": "newly_arrived",
    "pojkar": "boys",
}


class ModelError(LikvardError, ValueError):
    """A model file that cannot be used; the message says where and why, in Swedish."""


@dataclass(frozen=True)
class AllocationModel:
    """An allocation model. Amounts in kronor per school year."""

    name: str
    base_amounts: dict[str, float]
    pot: float | None = None
    pot_share: float | None = None
    need_index_weight: float = 0.0
    weights: dict[str, float] = field(default_factory=dict)
    floor_per_student: float = 0.0
    cap_per_student: float | None = None
    transition_limit: float | None = None
    version: int = 1

    def with_pot(self, pot: float) -> AllocationModel:
        """The same model with another compensatory pot (kronor)."""
        return AllocationModel(**{**self.__dict__, "pot": float(pot), "pot_share": None})


def parse_model(spec: dict, source: str = "modellen") -> AllocationModel:
    """Validate a model given as a dict (from YAML) and return it; errors name the key."""
    if not isinstance(spec, dict):
        raise ModelError(f"{source}: förväntade nycklar som 'namn', 'grundbelopp', 'kompensatorisk_pott'.")
    fields: dict = {}
    for key, value in spec.items():
        name = _KEYS.get(str(key), str(key))
        if name not in AllocationModel.__dataclass_fields__:
            raise ModelError(f"{source}: okänd nyckel '{key}'. Tillåtna: {', '.join(sorted(_KEYS))}.")
        fields[name] = value
    if "name" not in fields:
        fields["name"] = Path(source).stem
    base = fields.get("base_amounts")
    if not isinstance(base, dict) or not base:
        raise ModelError(f"{source}: 'grundbelopp' måste ange belopp per elev för stadierna {', '.join(GRADE_BANDS)}.")
    clean_base: dict[str, float] = {}
    for band, amount in base.items():
        band = str(band)
        if band not in GRADE_BANDS:
            raise ModelError(f"{source}: grundbelopp: okänt stadium '{band}' (förväntade {', '.join(GRADE_BANDS)}).")
        clean_base[band] = _non_negative(amount, f"{source}: grundbelopp.{band}")
    missing = [b for b in GRADE_BANDS if b not in clean_base]
    if missing:
        raise ModelError(f"{source}: grundbelopp saknas för {', '.join(missing)}.")
    fields["base_amounts"] = clean_base
    weights = fields.get("weights") or {}
    if not isinstance(weights, dict):
        raise ModelError(f"{source}: 'vikter' måste vara en lista med bakgrundsvariabel: vikt.")
    clean_w = {}
    for k, w in weights.items():
        name = _WEIGHT_KEYS.get(str(k), str(k))
        if name not in BACKGROUND_VARIABLES:
            raise ModelError(
                f"{source}: vikter: okänd bakgrundsvariabel '{k}' (förväntade {', '.join(_WEIGHT_KEYS)})."
            )
        clean_w[name] = _non_negative(w, f"{source}: vikter.{k}")
    fields["weights"] = clean_w
    for key in ("pot", "floor_per_student", "cap_per_student", "need_index_weight"):
        if fields.get(key) is not None:
            fields[key] = _non_negative(fields[key], f"{source}: {key}")
    if fields.get("pot") is None and fields.get("pot_share") is None:
        raise ModelError(f"{source}: ange 'kompensatorisk_pott' (kronor) eller 'pottens_andel' (0-1).")
    if fields.get("pot_share") is not None:
        share = _non_negative(fields["pot_share"], f"{source}: pottens_andel")
        if share >= 1:
            raise ModelError(f"{source}: pottens_andel ska vara mellan 0 och 1, inte {share}.")
        fields["pot_share"] = share
    if fields.get("transition_limit") is not None:
        lim = _non_negative(fields["transition_limit"], f"{source}: övergångsgräns")
        if lim >= 1:
            raise ModelError(f"{source}: övergångsgräns är en andel (t.ex. 0.05 för 5 %), inte {lim}.")
        fields["transition_limit"] = lim
    if not clean_w and not fields.get("need_index_weight"):
        raise ModelError(f"{source}: ange ett behovsmått: 'behovsindex' och/eller 'vikter'.")
    cap = fields.get("cap_per_student")
    if cap is not None and cap < fields.get("floor_per_student", 0.0):
        raise ModelError(f"{source}: tak_per_elev ({cap}) är lägre än golv_per_elev.")
    return AllocationModel(**fields)


def load_model(path: str | Path) -> AllocationModel:
    """Read an allocation model from a YAML file."""
    path = Path(path)
    try:
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ModelError(f"{path}: filen är inte giltig YAML: {exc}") from exc
    except OSError as exc:
        raise ModelError(f"{path}: kan inte läsa filen ({exc.strerror}).") from exc
    return parse_model(spec, source=str(path))


def _non_negative(value, where: str) -> float:
    try:
        number = float(str(value).replace(" ", "").replace(",", "."))
    except ValueError:
        raise ModelError(f"{where}: '{value}' är inte ett tal.") from None
    if number < 0:
        raise ModelError(f"{where}: får inte vara negativt ({value}).")
    return number

"""Placement scenarios side by side, saved for the report and the web app, and the explanation of
one student's placement.

``compare_scenarios`` runs every scenario of a scenario file (``likvard.placement.simulate``);
``save_comparison`` / ``load_comparison`` keep the latest comparison in the store under
``placement_comparison`` (the payload is :meth:`PlacementComparison.to_payload`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from likvard.errors import DataError
from likvard.placement.choice_model import estimate_from_tables
from likvard.placement.explain import explain
from likvard.placement.scenario_file import ScenarioFile, read_scenario_file
from likvard.placement.scenarios import apply_scenario, build_market
from likvard.placement.simulate import compare, place_once, prepare, run_scenarios
from likvard.tables import AuthorityData

RESULT_NAME = "placement_comparison"
"""The store's name of the saved comparison."""


@dataclass(frozen=True)
class PlacementComparison:
    """Scenarios of one file side by side.

    - ``measures``: one row per measure (``measure``), ``residential`` (everyone at the nearest
      school) and per scenario ``<name>``, ``<name> low``, ``<name> high`` (mean and interval over
      replications).
    - ``schools``: one row per scenario and school (``scenario, school_id, name, organiser_type,
      is_open, capacity, n_students, share_post_secondary, …`` as ``simulate`` gives them).
    - ``choice_model``: ``feature, estimate, std_error, z`` when the choice model was estimated.
    """

    source: str
    school_year: int
    grade: int
    replications: int
    seed: int
    scenarios: list[str]
    measures: pd.DataFrame
    schools: pd.DataFrame
    choice_model: pd.DataFrame | None = None
    fit: dict | None = None

    def to_payload(self) -> dict:
        """JSON-ready form for the store."""
        return {
            "source": self.source, "school_year": self.school_year, "grade": self.grade,
            "replications": self.replications, "seed": self.seed, "scenarios": list(self.scenarios),
            "measures": self.measures.to_dict("records"), "schools": self.schools.to_dict("records"),
            "choice_model": None if self.choice_model is None else self.choice_model.to_dict("records"),
            "fit": self.fit,
        }

    @classmethod
    def from_payload(cls, payload: dict) -> PlacementComparison:
        """Inverse of :meth:`to_payload`."""
        try:
            return cls(
                source=str(payload["source"]), school_year=int(payload["school_year"]), grade=int(payload["grade"]),
                replications=int(payload["replications"]), seed=int(payload["seed"]),
                scenarios=[str(s) for s in payload["scenarios"]],
                measures=pd.DataFrame(payload["measures"]), schools=pd.DataFrame(payload["schools"]),
                choice_model=None if payload.get("choice_model") is None else pd.DataFrame(payload["choice_model"]),
                fit=payload.get("fit"),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise DataError(
                "Den sparade scenariojämförelsen i databasen har ett format som denna version inte kan läsa; "
                "kör 'likvard placering jamfor … --spara' igen."
            ) from exc


def read_scenarios(path: str | Path) -> ScenarioFile:
    """The parsed scenario file (errors name file, line and key)."""
    return read_scenario_file(Path(path))


def compare_scenarios(
    data: AuthorityData,
    scenario_file: ScenarioFile,
    replications: int | None = None,
    on_replication: Callable[[], None] | None = None,
) -> PlacementComparison:
    """Run every scenario of ``scenario_file`` on ``data``."""
    n = int(replications or scenario_file.n_replications)
    results, fit = run_scenarios(data, scenario_file, on_replication=on_replication, n_replications=n)
    truth = getattr(data, "truth", None)
    choice = None
    fit_summary = None
    if fit is not None:
        choice = fit.params.copy()
        if isinstance(truth, dict) and "choice_parameters" in truth:
            choice["true"] = choice["feature"].map(truth["choice_parameters"])
        fit_summary = {"log_likelihood": fit.log_likelihood, "log_likelihood_null": fit.log_likelihood_null,
                       "mcfadden_r2": fit.mcfadden_r2, "hit_rate": fit.hit_rate, "n_families": fit.n_families}
    return PlacementComparison(
        source=Path(scenario_file.path).name, school_year=int(results[0].market.school_year),
        grade=int(results[0].market.grade), replications=n, seed=int(scenario_file.seed),
        scenarios=[r.scenario for r in results], measures=compare(results),
        schools=pd.concat([r.schools for r in results], ignore_index=True), choice_model=choice, fit=fit_summary,
    )


def save_comparison(store: object, comparison: PlacementComparison) -> None:
    """Keep ``comparison`` in the store (the report and the web app show the latest one)."""
    store.save_result(RESULT_NAME, comparison.to_payload(), school_year=comparison.school_year)  # type: ignore[attr-defined]


def load_comparison(store: object | None) -> PlacementComparison | None:
    """The latest saved comparison, or None."""
    if store is None:
        return None
    payload = store.read_result(RESULT_NAME)  # type: ignore[attr-defined]
    return None if payload is None else PlacementComparison.from_payload(payload)


def explain_student(
    data: AuthorityData, scenario_file: ScenarioFile, student_id: str, scenario: str | None = None, replication: int = 0
) -> str:
    """Why ``student_id`` got their school in one replication of one scenario, saying first whether
    the ranked choices are the family's real ones (from the choice register) or drawn from the
    choice model (simulated), and listing the real ones beside simulated ones."""
    sf = scenario_file
    graded = data.students[data.students["grade"].astype(int) == sf.grade]
    if sf.school_year is None and graded.empty:
        raise DataError(f"Inga elever i årskurs {sf.grade} i underlaget.")
    year = sf.school_year or int(graded["school_year"].max())
    market = build_market(data.schools, data.students, data.choices, year, sf.grade)
    scenarios = sf.scenarios_for(market)
    chosen = scenarios[0] if scenario is None else next((s for s in scenarios if s.name == scenario), None)
    if chosen is None:
        raise DataError(f"Scenariot '{scenario}' finns inte i {sf.path}; finns: {', '.join(s.name for s in scenarios)}.")
    beta = sf.choice_model if isinstance(sf.choice_model, dict) else None
    if sf.choice_model == "skattad":
        beta = estimate_from_tables(data.schools, data.students, data.choices, sf.grade).beta
    applied = apply_scenario(market, chosen)
    prep = prepare(applied, beta)
    placement = place_once(prep, np.random.default_rng([sf.seed, replication]))
    text = explain(prep, placement, student_id)
    i = int(np.flatnonzero(market.student_ids == str(student_id))[0])
    real = [int(s) for s in market.observed_pref[i] if s >= 0] if market.observed_pref.size else []
    real_text = ", ".join(f"{k + 1}. {market.school_names[s]}" for k, s in enumerate(real)) or "inga registrerade val"
    if beta is not None:
        head = (f"Scenario '{chosen.name}', körning {replication}. Valen nedan är SIMULERADE: valmodellen har dragit "
                f"en rangordning för familjen; de är inte familjens verkliga val. Familjens verkliga val i "
                f"skolvalsregistret: {real_text}.")
        text = text.replace(":a val", ":a (simulerade) val")
    else:
        head = (f"Scenario '{chosen.name}', körning {replication}. Valen nedan är familjens VERKLIGA val ur "
                f"skolvalsregistret ({real_text}); skolor som är stängda i scenariot är borttagna, och bara "
                "lottningen är simulerad.")
    return head + "\n" + text

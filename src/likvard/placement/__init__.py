"""Placement simulator: choice mechanisms, Swedish priority rules, distances, a choice model,
scenarios, simulation over lotteries and explanations.

Modules: ``mechanisms`` (assign, assign_arrays), ``priorities`` (declared rules -> scores),
``choice_model`` (rank-ordered logit), ``scenarios`` (market and what-ifs), ``scenario_file``
(YAML in Swedish), ``simulate`` (replications and outcomes), ``explain`` (why a student got
their school).
"""

from likvard.placement.choice_model import (
    ChoiceModelFit,
    build_choice_data,
    draw_rankings,
    estimate,
    estimate_from_tables,
)
from likvard.placement.distances import relative_proximity, straight_line_m
from likvard.placement.explain import explain, explain_table
from likvard.placement.mechanisms import assign, assign_arrays
from likvard.placement.network import RoadNetwork, walking_distance_m
from likvard.placement.priorities import Quota, Rule, SchoolRules, priority_scores
from likvard.placement.scenario_file import (
    ScenarioFileError,
    parse_scenario_text,
    read_scenario_file,
)
from likvard.placement.scenarios import (
    BusCards,
    Market,
    NewSchool,
    Scenario,
    apply_scenario,
    build_market,
)
from likvard.placement.simulate import (
    SimulationResult,
    compare,
    place_once,
    prepare,
    run_scenarios,
    simulate,
)

__all__ = [
    "BusCards",
    "ChoiceModelFit",
    "Market",
    "NewSchool",
    "Quota",
    "RoadNetwork",
    "Rule",
    "Scenario",
    "ScenarioFileError",
    "SchoolRules",
    "SimulationResult",
    "apply_scenario",
    "assign",
    "assign_arrays",
    "build_choice_data",
    "build_market",
    "compare",
    "draw_rankings",
    "estimate",
    "estimate_from_tables",
    "explain",
    "explain_table",
    "parse_scenario_text",
    "place_once",
    "prepare",
    "priority_scores",
    "read_scenario_file",
    "relative_proximity",
    "run_scenarios",
    "simulate",
    "straight_line_m",
    "walking_distance_m",
]

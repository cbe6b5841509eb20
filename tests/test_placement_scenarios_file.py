"""Scenario files: Swedish YAML parsed into scenarios; errors name line and key."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pytest

from likvard.placement.priorities import Rule
from likvard.placement.scenario_file import (
    ScenarioFileError,
    parse_scenario_text,
    read_scenario_file,
)
from likvard.placement.scenarios import apply_scenario, build_market

EXAMPLES = Path(__file__).resolve().parents[1] / "src" / "likvard" / "placement" / "examples"


@pytest.fixture(scope="module")
def market():
    from test_placement_scenarios import town

    return build_market(*town(n=300, seed=1), 2024, 0)


TEXT = textwrap.dedent(
    """\
    läsår: 2024
    årskurs: 0
    replikeringar: 50
    valmodell: observerade val
    urvalsgrunder:
      kommunala: [syskonförtur, relativ närhet, lottning]
    scenarier:
      - namn: Nuläge
      - namn: Stäng E
        stäng: [Skola E]
        platser: {Skola D: 200}
        profiler: {20000000: musik}
        busskort: {grupp: ej eftergymnasial, avståndsfaktor: 0.5}
        mekanism: omedelbar antagning
        lottning: per skola
        urvalsgrunder:
          Skola A:
            - syskonförtur: {årskurser: [1, 2, 3], högst avstånd m: 2000}
            - närhet
        kvot: {grupp: nyanlända, andel: 0.1}
      - namn: Ny skola
        öppna:
          - {namn: Nya, skolenhetskod: "29999999", x: 6000, y: 11500, platser: 100}
        platser: {Nya: 80}
    """
)


def test_parse_and_resolve(market):
    sf = parse_scenario_text(TEXT)
    assert (sf.school_year, sf.grade, sf.n_replications, sf.choice_model) == (2024, 0, 50, "observerade val")
    base, close, new = sf.scenarios_for(market)
    assert base.name == "Nuläge" and base.close == []
    assert base.rules["municipal"].kinds == ["sibling", "relative_proximity", "lottery"]
    assert close.close == ["20000004"]
    assert close.capacities == {"20000003": 200}
    assert close.profiles == {"20000000": "musik"}
    assert close.bus_cards.group == "not_post_secondary" and close.bus_cards.distance_factor == 0.5
    assert (close.mechanism, close.lottery) == ("immediate_acceptance", "per_school")
    assert close.rules["20000000"].rules == [Rule("sibling", (1, 2, 3), 2000.0), Rule("distance")]
    assert close.quota.group == "newly_arrived" and close.quota.share == 0.1
    assert new.open[0].school_id == "29999999" and new.capacities == {"29999999": 80}
    m = apply_scenario(market, close)
    assert not m.is_open[4] and m.capacities[3] == 200 and m.profile[0] == "musik"
    assert m.rules[0].kinds == ["sibling", "distance"] and m.rules[0].quota.share == 0.1
    assert m.rules[6].kinds == ["sibling", "queue_date", "lottery"]  # independent: the default
    np.testing.assert_array_equal(m.distance_weight, np.where(m.post_secondary, 1.0, 0.5))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("årskurs: 12\n", "rad 1, nyckel 'årskurs': förväntade en årskurs 0–9"),
        ("läsår: 2024\nbusar: 1\n", "rad 2, nyckel 'busar': okänd nyckel"),
        ("scenarier:\n  - namn: A\n    stäng: [Okändaskolan]\n", "rad 3, nyckel 'scenarier → 0 → stäng → 0': okänd skola 'Okändaskolan'"),
        ("urvalsgrunder:\n  kommunala: [syskonförtur, bästa vänner]\n", "rad 2, nyckel 'urvalsgrunder → kommunala → 1': okänd urvalsgrund 'bästa vänner'"),
        ("scenarier:\n  - namn: A\n    busskort: {avståndsfaktor: 3}\n", "nyckel 'scenarier → 0 → busskort → avståndsfaktor': förväntade ett tal mellan 0 och 1"),
        ("scenarier:\n  - namn: A\n  - namn: A\n", "scenarionamnen måste vara olika"),
        ("scenarier: [\n", "filen är inte giltig YAML"),
    ],
)
def test_errors_name_line_and_key(market, text, expected):
    with pytest.raises(ScenarioFileError) as err:
        parse_scenario_text(text, "test.yaml").scenarios_for(market)
    assert expected in str(err.value)
    assert str(err.value).startswith("test.yaml")


def test_example_files_parse():
    files = sorted(EXAMPLES.glob("*.yaml"))
    assert len(files) >= 2
    for f in files:
        sf = read_scenario_file(f)
        assert sf.raw_scenarios
    assert any("stäng" in raw for f in files for raw in read_scenario_file(f).raw_scenarios)

"""Dataset.protection_of_all_years / adopt_protection: decisions worked out elsewhere (the
rapport command computes them in a second process) are the ones the dataset would compute."""

from __future__ import annotations

import pytest

import likvard.analyses.dataset as dataset_mod
from likvard.analyses.dataset import dataset_from_authority
from likvard.demo import generate_exempelstad
from likvard.parallel.beside import beside


@pytest.fixture(scope="module")
def data():
    return generate_exempelstad(seed=7, n_years=3)


def test_adopted_decisions_are_the_computed_ones_and_are_not_computed_again(data, monkeypatch):
    fresh = dataset_from_authority(data)
    expected = {y: (fresh.hidden(y), fresh.hidden_shares(y)) for y in fresh.years}
    assert any(s for _, s in expected.values())  # shares of a few students to protect

    worker = dataset_from_authority(data)
    decisions = beside(lambda: worker.protection_of_all_years()).result()
    target = dataset_from_authority(data)
    target.adopt_protection(decisions)

    def refuse(*args, **kwargs):
        raise AssertionError("protect_schools called again")

    monkeypatch.setattr(dataset_mod, "protect_schools", refuse)
    assert {y: (target.hidden(y), target.hidden_shares(y)) for y in target.years} == expected
    with pytest.raises(AssertionError, match="called again"):
        target.hidden(target.years[0], min_students=20)  # another rule: not among the adopted

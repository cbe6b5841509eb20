"""The ranked lists of the choice model drawn by the exponential race (one compiled pass, most
logarithms skipped by bounds) equal the Gumbel trick computed directly with NumPy on the same
uniform numbers: ``argsort(V - ln(-ln u))`` (best first) over the available schools."""

from __future__ import annotations

import numpy as np
import pytest

from likvard.placement import choice_model as cm


def gumbel_reference(V: np.ndarray, k: int, rng: np.random.Generator, available: np.ndarray | None) -> np.ndarray:
    n, m = V.shape
    u = rng.random((n, m), dtype=np.float32).astype(np.float64)
    x = V.astype(np.float64) - np.log(-np.log(np.clip(u, 1e-30, None)))
    if available is not None:
        x = np.where(np.broadcast_to(available, (n, m)), x, -np.inf)
    order = np.argsort(-x, axis=1, kind="stable")[:, :k]
    out = order.astype(np.int32)
    if available is not None:
        ok = np.take_along_axis(np.broadcast_to(available, (n, m)), order, axis=1)
        out[~ok] = -1
    return out


@pytest.mark.parametrize("k, spread, share_available", [(5, 3.0, 0.8), (3, 30.0, 1.0), (12, 0.5, 0.3), (1, 100.0, 0.6)])
def test_race_equals_gumbel_ranking(k: int, spread: float, share_available: float) -> None:
    rng = np.random.default_rng(7)
    n, m = 2000, 40
    V = (rng.normal(size=(n, m)) * spread).astype(np.float32)
    available = rng.random((n, m)) < share_available
    ours = cm.draw_rankings_unchecked(V, k, np.random.default_rng(11), available)
    ref = gumbel_reference(V, k, np.random.default_rng(11), available)
    assert ours.shape == ref.shape
    assert (ours == ref).all()
    # precomputed weights give the same lists as weights computed in the call
    again = cm.draw_rankings_unchecked(V, k, np.random.default_rng(11), available, cm.race_weights(V))
    assert (again == ours).all()


def test_race_shared_availability_and_huge_utility_range() -> None:
    rng = np.random.default_rng(3)
    V = np.c_[np.zeros((500, 1)), rng.normal(size=(500, 9)) * 2, np.full((500, 2), -900.0)].astype(np.float32)
    avail = np.broadcast_to(np.ones(12, bool), V.shape)
    ours = cm.draw_rankings_unchecked(V, 12, np.random.default_rng(1), avail)
    # every school is listed once per student; the two hopeless schools come last
    assert (np.sort(ours, axis=1) == np.arange(12)).all()
    assert set(map(int, np.unique(ours[:, 10:]))) == {10, 11}
    ref = gumbel_reference(V, 10, np.random.default_rng(1), None)
    assert (ours[:, :10] == ref).all()


def test_race_plackett_luce_first_choice_probabilities() -> None:
    """The first choice follows the logit probabilities exp(V_j) / sum exp(V)."""
    V = np.tile(np.log(np.array([0.5, 0.3, 0.15, 0.05], dtype=np.float32)), (200_000, 1))
    first = cm.draw_rankings_unchecked(V, 2, np.random.default_rng(5))[:, 0]
    share = np.bincount(first, minlength=4) / len(first)
    assert np.allclose(share, [0.5, 0.3, 0.15, 0.05], atol=0.004)


def test_race_zero_ranks() -> None:
    out = cm.draw_rankings_unchecked(np.zeros((4, 3), np.float32), 0, np.random.default_rng(0))
    assert out.shape == (4, 0)

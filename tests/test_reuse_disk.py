"""likvard.analyses._reuse: whole-country results kept between runs are served only for tables of
the same content, the same parameters and the same code, and a damaged entry is computed again."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from likvard.analyses import _reuse


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("LIKVARD_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("LIKVARD_NO_CACHE", raising=False)
    _reuse._LAST.clear()
    yield tmp_path / _reuse.SUBDIR
    _reuse._LAST.clear()


def _table(seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"school_id": [f"S{i}" for i in range(50)], "n": rng.integers(1, 500, 50),
                         "share": rng.random(50)})


class Counter:
    def __init__(self):
        self.calls = 0

    def __call__(self, table: pd.DataFrame) -> pd.DataFrame:
        self.calls += 1
        return table.assign(double=table["n"] * 2)


def _fresh_run():
    """What a new process sees: nothing kept in memory."""
    _reuse._LAST.clear()
    _reuse._TABLE_DIGESTS.clear()


def test_a_second_run_reads_the_kept_result_instead_of_computing(cache):
    compute = Counter()
    t = _table()
    first = _reuse.reuse("test_double", [t], ("p", 1), lambda: compute(t), keep=True)
    _fresh_run()
    again = _table()  # another object with the same content, as a later run reads it
    second = _reuse.reuse("test_double", [again], ("p", 1), lambda: compute(again), keep=True)
    assert compute.calls == 1
    pd.testing.assert_frame_equal(first, second)
    assert len(list(cache.glob("test_double-*.pickle"))) == 1


@pytest.mark.parametrize("change", ["value", "dtype", "params", "column"])
def test_other_content_or_parameters_are_computed_again(cache, change):
    compute = Counter()
    t = _table()
    _reuse.reuse("test_double", [t], ("p", 1), lambda: compute(t), keep=True)
    _fresh_run()
    other = _table()
    params = ("p", 1)
    if change == "value":
        other.loc[17, "n"] += 1
    elif change == "dtype":
        other["n"] = other["n"].astype(float)  # the same numbers as floats
    elif change == "params":
        params = ("p", 2)
    else:
        other = other.rename(columns={"share": "andel"})
    got = _reuse.reuse("test_double", [other], params, lambda: compute(other), keep=True)
    assert compute.calls == 2
    pd.testing.assert_frame_equal(got, other.assign(double=other["n"] * 2))


def test_without_keep_or_with_the_cache_off_nothing_is_written(cache, monkeypatch):
    compute = Counter()
    t = _table()
    _reuse.reuse("test_double", [t], None, lambda: compute(t))
    monkeypatch.setenv("LIKVARD_NO_CACHE", "1")
    _fresh_run()
    _reuse.reuse("test_double", [t], None, lambda: compute(t), keep=True)
    assert compute.calls == 2
    assert not cache.exists() or not list(cache.glob("*.pickle"))


def test_a_damaged_entry_is_computed_again_with_a_warning(cache):
    compute = Counter()
    t = _table()
    _reuse.reuse("test_double", [t], None, lambda: compute(t), keep=True)
    (entry,) = cache.glob("test_double-*.pickle")
    entry.write_bytes(b"inte en pickle")
    _fresh_run()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = _reuse.reuse("test_double", [t], None, lambda: compute(t), keep=True)
    assert compute.calls == 2
    assert any(issubclass(w.category, _reuse.ReuseWarning) for w in caught)
    pd.testing.assert_frame_equal(got, t.assign(double=t["n"] * 2))


def test_old_entries_of_a_computation_are_limited(cache):
    for k in range(_reuse.KEEP_PER_NAME + 3):
        t = _table(seed=k)
        _reuse.reuse("test_double", [t], None, lambda: Counter()(t), keep=True)
    assert len(list(cache.glob("test_double-*.pickle"))) == _reuse.KEEP_PER_NAME


def test_the_digest_follows_the_content_not_the_object():
    a, b = _table(), _table()
    assert _reuse.table_digest(a) == _reuse.table_digest(b)
    c = _table()
    c.index = c.index + 1
    assert _reuse.table_digest(c) != _reuse.table_digest(a)
    assert _reuse.table_digest([a, None]) != _reuse.table_digest([a])


def test_a_municipality_of_published_files_is_kept_and_registers_never_reach_the_disk(cache):
    from types import SimpleNamespace

    from likvard.sources.published import PublishedFiles

    files = PublishedFiles(folder=cache.parent, composition=_table())
    _reuse.remember_digest(files, "digest-of-the-files")
    published = SimpleNamespace(published=files, data=None, municipality_code="0180", years=[2023, 2024])
    compute = Counter()
    t = _table()
    first = _reuse.reuse_for_published("test_muni", published, ("s", 1), lambda: compute(t))
    _fresh_run()
    _reuse.remember_digest(files, "digest-of-the-files")
    again = _reuse.reuse_for_published("test_muni", published, ("s", 1), lambda: compute(t))
    assert compute.calls == 1
    pd.testing.assert_frame_equal(first, again)
    # another municipality, other years or other files are computed again
    other = SimpleNamespace(published=files, data=None, municipality_code="1480", years=[2023, 2024])
    _reuse.reuse_for_published("test_muni", other, ("s", 1), lambda: compute(t))
    fewer = SimpleNamespace(published=files, data=None, municipality_code="0180", years=[2024])
    _reuse.reuse_for_published("test_muni", fewer, ("s", 1), lambda: compute(t))
    assert compute.calls == 3
    assert len(list(cache.glob("test_muni_0180-*.pickle"))) == 2 and len(list(cache.glob("test_muni_1480-*"))) == 1
    # an authority's registers: computed every time, nothing written
    registers = SimpleNamespace(published=None, data=object(), municipality_code=None, years=[2024])
    for _ in range(2):
        _reuse.reuse_for_published("test_registers", registers, ("s", 1), lambda: compute(t))
    assert compute.calls == 5
    assert not list(cache.glob("test_registers-*"))

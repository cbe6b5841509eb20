"""analyses.dataset.published_files: the folder's files are read once and kept whole between runs;
what is kept equals a fresh read, and a changed file is read again."""

from __future__ import annotations

import pandas as pd
import pytest

from likvard.analyses import _reuse
from likvard.analyses import dataset as dataset_mod
from likvard.sources.published import read_published_folder
from tests.test_national_report import YEARS, write_national_fixture


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.setenv("LIKVARD_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("LIKVARD_NO_CACHE", raising=False)
    _reuse._LAST.clear()
    _reuse._TABLE_DIGESTS.clear()
    folder = tmp_path / "skolverket"
    write_national_fixture(folder)
    yield folder
    _reuse._LAST.clear()
    _reuse._TABLE_DIGESTS.clear()


def _counting(monkeypatch) -> list[int]:
    calls: list[int] = []

    def read(folder):
        calls.append(1)
        return read_published_folder(folder)

    monkeypatch.setattr(dataset_mod, "read_published_folder", read)
    return calls


def test_a_later_run_reads_the_kept_files_equal_to_a_fresh_read(folder, monkeypatch):
    calls = _counting(monkeypatch)
    first = dataset_mod.published_files(folder)
    _reuse._LAST.clear()
    _reuse._TABLE_DIGESTS.clear()  # a new process
    kept = dataset_mod.published_files(folder)
    assert len(calls) == 1
    assert kept is not first
    fresh = read_published_folder(folder)
    pd.testing.assert_frame_equal(kept.composition, fresh.composition)
    assert kept.found == fresh.found and kept.folder == fresh.folder
    # the whole-country analyses key on the kept object without hashing the folder again
    assert _reuse.table_digest(kept) == _reuse.folder_digest(folder)


def test_a_changed_file_is_read_again(folder, monkeypatch):
    calls = _counting(monkeypatch)
    before = dataset_mod.published_files(folder)
    path = folder / f"Grundskolan - Antal elever per årskurs {YEARS[0]} Skolenhet.csv"
    text = path.read_text(encoding="utf-8")
    first_school = text.splitlines()[6].split(";")[0]
    path.write_text(text.replace(first_school, first_school + " ny", 1), encoding="utf-8")
    _reuse._LAST.clear()
    _reuse._TABLE_DIGESTS.clear()
    after = dataset_mod.published_files(folder)
    assert len(calls) == 2
    assert (after.composition["name"] == first_school + " ny").any()
    assert not (before.composition["name"] == first_school + " ny").any()


def test_without_the_cache_folder_every_run_reads_the_files(folder, monkeypatch):
    monkeypatch.setenv("LIKVARD_NO_CACHE", "1")
    calls = _counting(monkeypatch)
    dataset_mod.published_files(folder)
    _reuse._LAST.clear()
    dataset_mod.published_files(folder)
    assert len(calls) == 2

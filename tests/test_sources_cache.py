"""The parsed-file cache: cached reads equal uncached ones (every reader, real files), a changed
file or reader code is parsed again, LIKVARD_NO_CACHE, unwritable folders, damaged entries and
tables that Parquet cannot hold unchanged."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from likvard.sources import cache
from likvard.sources.skolverket import (
    read_grade9_results,
    read_pe_statistics,
    read_skolenkaten_api,
    read_skolenkaten_excel,
    read_skolkarta,
    read_stockholm_socioeconomic,
    read_student_composition,
    read_underlag_for_analys,
)

HEADER = (
    "Skola;Skol-enhetskod;Skolkommun;Kommun-kod;Typ av huvudman;Huvudman;Huvudman orgnr;"
    "Elever, förskoleklass;Andel (%) flickor, förskoleklass;Elever, årskurs 1-9;Andel (%) flickor, årskurs 1-9;"
    "Andel (%) elever med utländsk bakgrund, åk 1-9;Andel (%) elever med föräldrar med eftergymnasial utb., åk 1-9;"
    + ";".join(f"Elever, årskurs {g}" for g in range(1, 10)) + ";"
)


def _export(path: Path, students_alfa: str = "1 020") -> Path:
    rows = [
        f"Alfaskolan;12345678;Exempelstad;1999;Kommunal;Exempelstad kommun;2120000000;20;55;{students_alfa};51;..;48,5;"
        + "100;100;100;100;100;120;150;150;200;",
        "Betaskolan;23456789;Exempelstad;1999;Enskild;Beta AB;5560000000;.;.;8;50;...;~100;.;.;.;.;.;.;8;.;.;",
    ]
    path.write_text(
        "\ufeffStatistik från Skolverket\n\nGrundskolan - Antal elever per årskurs\nValt läsår: 2022/23\n\n"
        f"{HEADER}\n" + "\n".join(rows) + "\n\nFotnot: uppgifterna avser 15 oktober.\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("LIKVARD_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("LIKVARD_NO_CACHE", raising=False)
    return tmp_path / "cache" / cache.CACHE_SUBDIR


def _entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.parquet")) if folder.exists() else []


def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    """Independent check: values, dtypes and index, and the Python type of each object cell."""
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert list(a.dtypes) == list(b.dtypes)
    for col in a.select_dtypes(include="object").columns:
        assert [type(v) for v in a[col]] == [type(v) for v in b[col]], col


class _Counting:
    """A cached copy of a reader that counts how often the file is really parsed."""

    def __init__(self, reader):
        self.calls = 0
        inner = reader.uncached

        def counted(*args, **kwargs):
            self.calls += 1
            return inner(*args, **kwargs)

        self.reader = cache.cached_reader(counted)


def test_second_read_comes_from_the_cache_and_equals_the_parse(tmp_path, own_cache):
    f = _export(tmp_path / "Grundskolan - Antal elever per årskurs 2022 Skolenhet.csv")
    counting = _Counting(read_student_composition)
    first = counting.reader(f)
    second = counting.reader(f)
    assert counting.calls == 1
    assert len(_entries(own_cache)) == 1
    _same(read_student_composition.uncached(f), second)
    _same(first, second)
    # hand-checked values survive the round trip: 1 020 students, 48.5 % post-secondary, markers kept
    alfa = second.set_index("school_id").loc["12345678"]
    assert alfa["students_total"] == 1020 and alfa["share_post_secondary"] == pytest.approx(0.485)
    assert alfa["share_foreign_background_status"] == "suppressed"


def test_a_changed_file_is_parsed_again_and_replaces_its_entry(tmp_path, own_cache):
    f = _export(tmp_path / "Grundskolan - Antal elever per årskurs 2022 Skolenhet.csv")
    counting = _Counting(read_student_composition)
    before = counting.reader(f)
    _export(f, students_alfa="2 040")
    after = counting.reader(f)
    assert counting.calls == 2
    assert before.loc[0, "students_total"] == 1020 and after.loc[0, "students_total"] == 2040
    assert len(_entries(own_cache)) == 1  # the old version's entry is gone
    counting.reader(f)
    assert counting.calls == 2


def test_changed_reader_code_is_not_served_old_tables(tmp_path, own_cache, monkeypatch):
    f = _export(tmp_path / "Grundskolan - Antal elever per årskurs 2022 Skolenhet.csv")
    counting = _Counting(read_student_composition)
    counting.reader(f)
    monkeypatch.setattr(cache, "code_fingerprint", lambda: "another version of the readers")
    counting.reader(f)
    assert counting.calls == 2


def test_no_cache_switch_and_unwritable_folder(tmp_path, own_cache, monkeypatch):
    f = _export(tmp_path / "Grundskolan - Antal elever per årskurs 2022 Skolenhet.csv")
    monkeypatch.setenv("LIKVARD_NO_CACHE", "1")
    _same(read_student_composition(f), read_student_composition.uncached(f))
    assert _entries(own_cache) == []
    monkeypatch.delenv("LIKVARD_NO_CACHE")
    # a cache folder that cannot be created (its parent is a file) and no usable temp folder
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    monkeypatch.setenv("LIKVARD_CACHE_DIR", str(blocker / "cache"))
    monkeypatch.setattr("tempfile.gettempdir", lambda: str(blocker))
    assert cache.cache_dir() is None
    _same(read_student_composition(f), read_student_composition.uncached(f))


def test_unwritable_cache_folder_falls_back_to_the_temp_folder(tmp_path, monkeypatch):
    f = _export(tmp_path / "Grundskolan - Antal elever per årskurs 2022 Skolenhet.csv")
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    monkeypatch.setenv("LIKVARD_CACHE_DIR", str(blocker / "cache"))
    monkeypatch.setattr("tempfile.gettempdir", lambda: str(tmp_path / "tmp"))
    read_student_composition(f)
    assert len(list((tmp_path / "tmp").rglob("*.parquet"))) == 1


def test_a_damaged_entry_is_parsed_again(tmp_path, own_cache):
    f = _export(tmp_path / "Grundskolan - Antal elever per årskurs 2022 Skolenhet.csv")
    good = read_student_composition(f)
    [entry] = _entries(own_cache)
    entry.write_bytes(b"not parquet")
    with pytest.warns(cache.CacheWarning):
        again = read_student_composition(f)
    _same(good, again)
    [entry] = _entries(own_cache)
    _same(good, pd.read_parquet(entry))


def test_tables_parquet_cannot_hold_unchanged_are_returned_uncached(tmp_path, own_cache):
    f = tmp_path / "any.csv"
    f.write_text("x\n1\n")

    @cache.cached_reader
    def mixed(path):  # an object column of None, NaN and text: Parquet would turn NaN into None
        return pd.DataFrame({"a": pd.Series(["x", None, np.nan], dtype=object)})

    @cache.cached_reader
    def nested(path):  # arrays in cells (like polygon rings) are not a flat table
        return pd.DataFrame({"rings": [np.zeros((2, 2)), np.ones((3, 2))]})

    for reader in (mixed, nested):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = reader(f)
        assert any(issubclass(w.category, cache.CacheWarning) for w in caught)
        assert out.shape[0] in (2, 3)
    assert _entries(own_cache) == []
    with pytest.warns(cache.CacheWarning):
        assert np.isnan(mixed(f)["a"].iloc[2])  # the reader's own NaN, not a None from Parquet


def test_missing_file_still_gets_the_readers_own_error(tmp_path):
    from likvard.sources.skolverket import SourceFileError

    with pytest.raises((SourceFileError, FileNotFoundError, OSError)):
        read_student_composition(tmp_path / "saknas Skolenhet.csv")


READERS = [
    (read_student_composition, "skolverket_elever_per_arskurs/Grundskola - Antal elever per årskurs 2025 Skolenhet.csv"),
    (read_student_composition, "skolverket_elever_per_arskurs/Grundskolan - Antal elever per årskurs 2012 Skolenhet.csv"),
    (read_underlag_for_analys, "skolverket_underlag_for_analys/Underlag_for_analys_grundskola_2024_25.xlsx"),
    (read_underlag_for_analys, "skolverket_underlag_for_analys/underlag_for_analys_grundskola_2024_25_wide.csv"),
    (read_grade9_results, "skolverket_slutbetyg_ak9/Grundskola - Slutbetyg årskurs 9, samtliga elever 2025 Skolenhet.csv"),
    (read_skolkarta, "skolverket_planned_educations_api/skolkarta_grundskolor_ak9_2024_25.csv"),
    (read_pe_statistics, "skolverket_planned_educations_api/pe_statistics_gr_long.csv"),
    (read_skolenkaten_api, "skolinspektionen_skolenkaten/skolenkaten_api_grundskola_medelvarden.csv"),
    (read_skolenkaten_excel, "skolinspektionen_skolenkaten/excelrapport-elever-grundskola-ak-8-2022.xlsx"),
    (read_stockholm_socioeconomic, "scb_regso_deso/stockholm_socioekonomiskt_2024.csv"),
]


@pytest.mark.real_data
@pytest.mark.parametrize(("reader", "relpath"), READERS, ids=[r[1].split("/")[-1][:40] for r in READERS])
def test_every_reader_cached_equals_uncached_on_the_real_files(real_data, own_cache, reader, relpath):
    path = real_data / relpath
    uncached = reader.uncached(path)
    reader(path)  # parse and store
    assert len(_entries(own_cache)) == 1, "the table was not stored in the cache"
    _same(uncached, reader(path))

"""National runs: every municipality's report from one read, and the national overview.

References: each municipality's single ``likvard rapport --kommun KOD`` run (its Excel workbook,
cell for cell, and its segregation result), Theil's H computed by hand from the fixture's counts,
``scipy.stats.rankdata`` for ranks, ``numpy.polyfit`` for the trend, and properties of the rank
interval (it holds the rank; far-apart municipalities have one rank, near-equal ones overlap).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook
from scipy.stats import rankdata
from typer.testing import CliRunner

from likvard.analyses.dataset import dataset_from_published_folder
from likvard.analyses.national import MunicipalitySegregation, _ranks, national_overview
from likvard.analyses.segregation import analyse_segregation
from likvard.analyses.settings import Settings
from likvard.cli.main import app
from likvard.errors import DataError, ParameterError
from likvard.report import national as national_mod
from likvard.report.national import parse_codes, render_national

FAST = Settings(n_replications=20)
runner = CliRunner()

HEADER = (
    "Skola;Skol-enhetskod;Skolkommun;Kommun-kod;Typ av huvudman;Huvudman;Huvudman orgnr;"
    "Elever, förskoleklass;Andel (%) flickor, förskoleklass;Elever, årskurs 1-9;Andel (%) flickor, årskurs 1-9;"
    "Andel (%) elever med utländsk bakgrund, åk 1-9;Andel (%) elever med föräldrar med eftergymnasial utb., åk 1-9;"
    + ";".join(f"Elever, årskurs {g}" for g in range(1, 10)) + ";"
)
YEARS = (2021, 2022, 2023)
# municipality code -> (name, the schools' shares with post-secondary parents in %, students per school)
MUNICIPALITIES = {
    "9901": ("Blandby", (48, 50, 52, 49), 300),
    "9902": ("Delby", (10, 90, 15, 85, 50), 400),
    "9903": ("Mittby", (30, 60, 45), 200),
    "9904": ("Ensamby", (40,), 250),  # one school: no segregation to measure
    "9905": ("Skiktby", (20, 70, 35, 55, 80, 25), 150),
    "9906": ("Lillby", (30, 55), 60),
}


def _pct(v: float) -> str:
    return f"{v:.1f}".replace(".", ",")


def write_national_fixture(folder: Path) -> dict[tuple[str, int], list[tuple[int, int]]]:
    """Skolverket's "Antal elever per årskurs" files for six made-up municipalities and three years;
    returns (code, year) -> [(students, students with post-secondary parents)] per school as written."""
    folder.mkdir(parents=True, exist_ok=True)
    truth: dict[tuple[str, int], list[tuple[int, float]]] = {}
    for year in YEARS:
        rows = []
        for m, (code, (name, shares, size)) in enumerate(MUNICIPALITIES.items()):
            for k, share in enumerate(shares):
                drift = (year - YEARS[0]) * (2 if share > 50 else -2)  # Delby, Skiktby drift apart
                s = min(95.0, max(5.0, share + drift * (code in ("9902", "9905"))))
                n = size + 10 * k
                sid = f"9{m}{k:02d}{code[-2:]}00"[:8].ljust(8, "0")
                org = "Enskild" if k % 3 == 2 else "Kommunal"
                grades = [n // 9] * 9
                grades[-1] += n - sum(grades)
                rows.append(
                    f"{name}skola {k};{sid};{name};{code};{org};{name} kommun;2120000000;.;.;{n};50;{_pct(100 - s)};"
                    f"{_pct(s)};" + ";".join(str(g) for g in grades) + ";"
                )
                truth.setdefault((code, year), []).append((n, n * round(s, 1) / 100))  # as the reader counts
        (folder / f"Grundskolan - Antal elever per årskurs {year} Skolenhet.csv").write_text(
            f"\ufeffStatistik från Skolverket\n\nGrundskolan - Antal elever per årskurs\nValt läsår: {year}/{str(year + 1)[-2:]}\n\n"
            f"{HEADER}\n" + "\n".join(rows) + "\n",
            encoding="utf-8",
        )
    return truth


def theil_h(schools: list[tuple[int, float]]) -> float:
    """Theil's H of two groups by hand: 1 - sum_j (t_j / T) E_j / E, E the binary entropy."""
    def entropy(p: float) -> float:
        return -sum(q * math.log(q) for q in (p, 1 - p) if q > 0)

    t = np.array([n for n, _ in schools], float)
    post = np.array([x for _, x in schools], float)
    total = entropy(post.sum() / t.sum())
    return 1 - float(sum(tj / t.sum() * entropy(pj / tj) for tj, pj in zip(t, post))) / total


@pytest.fixture(scope="module")
def fixture_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("riket") / "skolverket"
    truth = write_national_fixture(folder)
    return folder, truth


@pytest.fixture(scope="module")
def national(fixture_folder, tmp_path_factory):
    folder, _ = fixture_folder
    out = tmp_path_factory.mktemp("nationell") / "ut"
    seen = []
    result = render_national(folder, out, None, settings=FAST, backend="serial",
                             on_progress=lambda done, total, code, name: seen.append((done, total, code)))
    return result, seen


def _workbook(path: Path) -> dict[str, list[tuple]]:
    wb = load_workbook(path, read_only=True)
    return {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}


def test_every_municipality_equals_its_single_run(fixture_folder, national, tmp_path):
    folder, _ = fixture_folder
    result, seen = national
    assert [s[0] for s in seen] == list(range(1, len(MUNICIPALITIES) + 1))
    assert {s[2] for s in seen} == set(MUNICIPALITIES) and all(s[1] == len(MUNICIPALITIES) for s in seen)
    assert result.failed == {}
    for code in MUNICIPALITIES:
        single = tmp_path / code
        res = runner.invoke(app, ["rapport", "--data", str(folder), "--kommun", code, "--ut", str(single),
                                  "--replikat", "20"])
        assert res.exit_code == 0, res.output
        ours = _workbook(result.out_dir / f"nulagesrapport_{code}.xlsx")
        theirs = _workbook(single / f"nulagesrapport_{code}.xlsx")
        assert ours == theirs, code
        assert (result.out_dir / f"nulagesrapport_{code}.html").exists()


def test_overview_figures_and_ranks(fixture_folder, national):
    folder, truth = fixture_folder
    result, _ = national
    t = result.overview.table.set_index("municipality_code")
    assert result.overview.year == YEARS[-1]
    for code in MUNICIPALITIES:
        row = t.loc[code]
        if code == "9904":  # one school
            assert math.isnan(row["theil_h"]) and math.isnan(row["rank"]) and row["note"]
            continue
        assert row["theil_h"] == pytest.approx(theil_h(truth[(code, YEARS[-1])]), abs=1e-9)
        assert row["theil_h_first"] == pytest.approx(theil_h(truth[(code, YEARS[0])]), abs=1e-9)
        hs = [theil_h(truth[(code, y)]) for y in YEARS]
        assert row["trend_per_year"] == pytest.approx(np.polyfit(YEARS, hs, 1)[0], abs=1e-9)
        assert row["change"] == pytest.approx(hs[-1] - hs[0], abs=1e-9)
        seg = analyse_segregation(dataset_from_published_folder(folder, code), FAST).value("theil_h")
        assert (row["theil_h_low"], row["theil_h_high"]) == (seg["low"], seg["high"])  # the report's interval
        assert row["rank_low"] <= row["rank"] <= row["rank_high"]
    ranked = t.dropna(subset=["rank"])
    assert len(ranked) == len(MUNICIPALITIES) - 1 and (ranked["n_ranked"] == len(ranked)).all()
    # rank order agrees with the indices: rank 1 = highest H
    np.testing.assert_array_equal(ranked["rank"], rankdata(-ranked["theil_h"].to_numpy(), method="min"))
    assert list(result.overview.table["municipality_code"][: len(ranked)]) == list(
        ranked.sort_values("theil_h", ascending=False).index)
    assert ranked.loc["9902", "rank"] == 1  # the most separated schools
    assert ranked.loc["9901", "rank"] == len(ranked)  # four near-equal schools


def test_overview_files_have_swedish_headers(national):
    result, _ = national
    sheets = _workbook(result.overview_xlsx)
    main = sheets["riksoversikt"]
    assert main[0][:3] == ("Kommunkod", "Kommun", "Läsår") and "Rang (1 = mest segregerad)" in main[0]
    codes = [r[0] for r in main[1:]]
    assert set(codes) == set(MUNICIPALITIES)
    page = result.overview_html.read_text(encoding="utf-8")
    assert "Delby" in page and "Rang, bästa i intervallet" in page and "cdn" not in page.split("<script>")[0].lower()
    assert len(sheets["per_lasar"]) - 1 == len(YEARS) * (len(MUNICIPALITIES) - 1)


def test_ranks_equal_scipy_with_ties():
    rng = np.random.default_rng(1)
    values = rng.integers(0, 6, size=(40, 7)).astype(float)
    ours = _ranks(values)
    for j in range(values.shape[1]):
        np.testing.assert_array_equal(ours[:, j], rankdata(-values[:, j], method="min"))


def _part(code: str, value: float, spread: float, n: int = 400, seed: int = 0) -> MunicipalitySegregation:
    reps = np.random.default_rng(seed).normal(value, spread, n)
    lo, hi = np.quantile(reps, [0.05, 0.95])
    series = pd.DataFrame({"school_year": [2023], "value": [value], "low": [lo], "high": [hi],
                           "n_students": [1000.0], "n_schools": [5]})
    return MunicipalitySegregation(code, f"K{code}", 2023, series, reps)


def test_rank_interval_is_narrow_when_far_apart_and_overlaps_when_close():
    far = national_overview([_part("0001", 0.30, 0.001), _part("0002", 0.20, 0.001, seed=1),
                             _part("0003", 0.10, 0.001, seed=2)]).table.set_index("municipality_code")
    assert (far["rank_low"] == far["rank"]).all() and (far["rank_high"] == far["rank"]).all()
    close = national_overview([_part("0001", 0.201, 0.02), _part("0002", 0.200, 0.02, seed=1),
                               _part("0003", 0.05, 0.001, seed=2)]).table.set_index("municipality_code")
    assert close.loc["0001", "rank_low"] == 1 and close.loc["0001", "rank_high"] == 2
    assert close.loc["0002", "rank_low"] == 1 and close.loc["0002", "rank_high"] == 2
    assert close.loc["0003", ["rank", "rank_low", "rank_high"]].tolist() == [3, 3, 3]
    with pytest.raises(ParameterError):
        national_overview([_part("0001", 0.2, 0.01), _part("0001", 0.1, 0.01)])


def test_one_failing_municipality_does_not_stop_the_others(fixture_folder, national, tmp_path, monkeypatch):
    folder, _ = fixture_folder
    real = national_mod.run_overview

    def broken(ds, settings):
        if ds.municipality_code == "9903":
            raise RuntimeError("provfel")
        return real(ds, settings)

    monkeypatch.setattr(national_mod, "run_overview", broken)
    out = tmp_path / "ut"
    result = render_national(folder, out, ["9901", "9903", "9905"], settings=FAST, backend="serial")
    assert set(result.failed) == {"9903"} and "provfel" in result.failed["9903"]
    assert sorted(p.name for p in out.iterdir()) == [
        "nulagesrapport_9901.html", "nulagesrapport_9901.xlsx", "nulagesrapport_9905.html",
        "nulagesrapport_9905.xlsx", "riksoversikt.html", "riksoversikt.xlsx"]
    assert [p.name for p in tmp_path.iterdir()] == ["ut"]  # no temporary folder left
    full = national[0].overview.table.set_index("municipality_code")
    part = result.overview.table.set_index("municipality_code")
    assert part.loc["9905", "theil_h"] == full.loc["9905", "theil_h"]
    assert list(part.dropna(subset=["rank"]).sort_values("rank").index) == ["9905", "9901"]
    assert "9903" in _workbook(result.overview_xlsx)["fel"][1]


def test_nothing_is_written_when_the_run_stops(fixture_folder, tmp_path, monkeypatch):
    folder, _ = fixture_folder

    def stop(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(national_mod, "write_overview", stop)
    with pytest.raises(KeyboardInterrupt):
        render_national(folder, tmp_path / "ut", ["9901", "9902"], settings=FAST, backend="serial")
    assert list(tmp_path.iterdir()) == []


def test_parallel_run_equals_serial(fixture_folder, national, tmp_path):
    folder, _ = fixture_folder
    result = render_national(folder, tmp_path / "ut", None, settings=FAST, backend="joblib", n_jobs=2)
    pd.testing.assert_frame_equal(result.overview.table, national[0].overview.table)
    for code in ("9902", "9905"):
        assert _workbook(result.out_dir / f"nulagesrapport_{code}.xlsx") == _workbook(
            national[0].out_dir / f"nulagesrapport_{code}.xlsx")


def test_codes_and_cli_messages(fixture_folder, tmp_path):
    folder, _ = fixture_folder
    assert parse_codes("alla") is None and parse_codes(" 0180, 1480,0180") == ["0180", "1480"]
    with pytest.raises(ParameterError):
        parse_codes("0180,18x0")
    with pytest.raises(DataError, match="1234"):
        render_national(folder, tmp_path / "ut", ["9901", "1234"], settings=FAST, backend="serial")
    res = runner.invoke(app, ["rapport", "--kommun", "alla", "--ut", str(tmp_path / "a")])
    assert res.exit_code != 0 and "--data" in res.output
    res = runner.invoke(app, ["rapport", "--data", str(folder), "--kommun", "9901", "--arbetare", "2",
                              "--ut", str(tmp_path / "b")])
    assert res.exit_code != 0 and "flera kommuner" in res.output
    res = runner.invoke(app, ["rapport", "--data", str(folder), "--kommun", "9901,9902", "--arbetare", "1",
                              "--replikat", "20", "--ut", str(tmp_path / "c")])
    assert res.exit_code == 0, res.output
    assert "2 av 2 kommuner" in res.output and (tmp_path / "c" / "riksoversikt.xlsx").exists()


def test_real_subset_matches_single_runs(real_data, tmp_path):
    folder = real_data
    codes = ["0114", "0117", "2480"]  # Upplands Väsby, Österåker, Umeå
    result = render_national(folder, tmp_path / "ut", codes, settings=FAST, backend="serial")
    assert result.failed == {}
    t = result.overview.table.set_index("municipality_code")
    for code in codes:
        seg = analyse_segregation(dataset_from_published_folder(folder, code), FAST).value("theil_h")
        assert (t.loc[code, "theil_h"], t.loc[code, "theil_h_low"], t.loc[code, "theil_h_high"]) == (
            seg["value"], seg["low"], seg["high"])
    np.testing.assert_array_equal(t["rank"], rankdata(-t["theil_h"].to_numpy(), method="min"))


def test_rank_replicates_are_independent_across_municipalities(fixture_folder):
    from likvard.analyses.national import municipality_segregation

    folder, _ = fixture_folder
    MANY = Settings(n_replications=200)
    ds = dataset_from_published_folder(folder, "9905")
    seg = analyse_segregation(ds, MANY)
    counts = ds.group_counts(seg.year)
    a = municipality_segregation("9905", "A", seg, counts, MANY)
    b = municipality_segregation("9906", "B", seg, counts, MANY)  # the same table under another code
    again = municipality_segregation("9905", "A", seg, counts, MANY)
    np.testing.assert_array_equal(a.replicates, again.replicates)  # reproducible
    assert not np.array_equal(a.replicates, b.replicates)  # a stream of its own per municipality
    assert abs(np.corrcoef(a.replicates, b.replicates)[0, 1]) < 0.25  # 200 draws: |r| > 0.25 has p < 0.001 if independent
    est = seg.value("theil_h")["value"]
    assert abs(np.median(a.replicates) - est) < 3 * np.std(a.replicates)


@pytest.mark.slow
def test_dask_local_cluster_run_equals_serial(fixture_folder, national, tmp_path):
    distributed = pytest.importorskip("distributed", reason="Dask (likvard[kluster]) är inte installerat")
    folder, _ = fixture_folder
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        result = render_national(folder, tmp_path / "ut", None, settings=FAST, backend=cluster)
    pd.testing.assert_frame_equal(result.overview.table, national[0].overview.table)
    assert _workbook(result.out_dir / "nulagesrapport_9905.xlsx") == _workbook(
        national[0].out_dir / "nulagesrapport_9905.xlsx")


def test_a_municipality_under_ten_students_is_not_ranked():
    tiny = _part("0004", 0.5, 0.01, seed=3)
    tiny.series.loc[0, "n_students"] = 7.0
    t = national_overview([_part("0001", 0.3, 0.01), _part("0002", 0.2, 0.01, seed=1), tiny]).table
    t = t.set_index("municipality_code")
    assert math.isnan(t.loc["0004", "rank"]) and "Färre än 10 elever" in t.loc["0004", "note"]
    assert t.loc["0001", "rank"] == 1 and t.loc["0002", "rank"] == 2 and t.loc["0001", "n_ranked"] == 2

"""Placement sweeps: the same sweep on joblib and on a Dask LocalCluster gives identical results;
each task equals a direct ``simulate`` call on the municipality's market with the task's seed;
common random numbers across scenarios; resume after an interruption; municipalities that cannot
be simulated; and ``likvard placering svep`` (registration under either group name, suppression)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from likvard.parallel import seed_int, task_seeds
from likvard.placement import build_market, simulate
from likvard.placement.scenario_file import parse_scenario_text
from likvard.analyses.sweep import COLUMNS, STATUS_OK, run_task, split_by_municipality, sweep

SCENARIOS = """
årskurs: 0
replikeringar: 6
frö: 7
valmodell: {distance_km: -1.2, sibling: 2.0, share_post_secondary: 1.5}
scenarier:
  - namn: Nuläge
  - namn: Boston
    mekanism: boston
  - namn: Ett val
    antal val: 1
"""


@pytest.fixture(scope="module")
def nation():
    from likvard.demo import generate_national

    return generate_national(seed=3, n_schools=90, n_students=12000)


@pytest.fixture(scope="module")
def sf():
    return parse_scenario_text(SCENARIOS, "svep.yaml")


def test_split_keeps_each_municipalitys_schools_students_and_choices(nation):
    parts = split_by_municipality(nation.schools, nation.students, nation.choices, 2024)
    assert sorted(p.code for p in parts) == sorted(nation.schools["municipality_code"].unique())
    assert sum(len(p.students) for p in parts) == len(nation.students)
    assert sum(len(p.choices) for p in parts) == len(nation.choices)
    for p in parts:
        assert set(p.students["school_id"]) <= set(p.schools["school_id"])
        assert set(p.choices["student_id"]) <= set(p.students["student_id"])
    with pytest.raises(Exception, match="9999"):
        split_by_municipality(nation.schools, nation.students, nation.choices, 2024, ["9999"])


def test_a_task_is_simulate_on_the_municipalitys_market_with_its_seed(nation, sf, tmp_path):
    result = sweep(nation, sf, tmp_path, backend="serial")
    code = result.municipalities[0]
    part = next(p for p in split_by_municipality(nation.schools, nation.students, nation.choices, 2024) if p.code == code)
    market = build_market(part.schools, part.students, part.choices, 2024, 0)
    seed = task_seeds(7, [int(code)])[0]
    direct = simulate(market, n_replications=6, seed=seed_int(seed), beta=sf.choice_model).summary
    mine = result.table[(result.table["municipality_code"] == code) & (result.table["scenario"] == "Nuläge")]
    np.testing.assert_array_equal(mine["mean"].to_numpy(), direct["mean"].to_numpy())
    np.testing.assert_array_equal(mine["high"].to_numpy(), direct["high"].to_numpy())
    assert (mine["n_students"] == market.n_students).all()


def test_scenarios_of_a_municipality_share_lotteries(nation, sf, tmp_path):
    """'Nuläge' twice under different names gives identical figures (common random numbers)."""
    twice = parse_scenario_text(SCENARIOS.replace("  - namn: Boston\n    mekanism: boston\n", "  - namn: Igen\n"), "x.yaml")
    t = sweep(nation, twice, tmp_path, backend="serial").table
    a = t[t["scenario"] == "Nuläge"].drop(columns="scenario").reset_index(drop=True)
    b = t[t["scenario"] == "Igen"].drop(columns="scenario").reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b, check_exact=True)


@pytest.mark.slow
def test_the_same_sweep_on_joblib_and_on_a_dask_local_cluster_is_identical(nation, sf, tmp_path):
    distributed = pytest.importorskip("distributed")
    on_joblib = sweep(nation, sf, tmp_path / "joblib", backend="joblib", n_jobs=2, chunk_size=2).table
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        on_dask = sweep(nation, sf, tmp_path / "dask", backend=cluster, chunk_size=5).table
    assert (on_joblib["status"] == STATUS_OK).all() and len(on_joblib) == 10 * 3 * len(on_joblib["municipality_code"].unique())
    pd.testing.assert_frame_equal(on_joblib, on_dask, check_exact=True)
    # and a subset of municipalities gets the same figures as in the full sweep
    some = sorted(on_joblib["municipality_code"].unique())[1:3]
    subset = sweep(nation, sf, tmp_path / "subset", municipalities=some, backend="serial").table
    full = on_joblib[on_joblib["municipality_code"].isin(some)].reset_index(drop=True)
    pd.testing.assert_frame_equal(subset, full, check_exact=True)


def test_resume_after_an_interruption_recomputes_only_missing_chunks(nation, sf, tmp_path, monkeypatch):
    from likvard.parallel import chunks

    full = sweep(nation, sf, tmp_path / "full", backend="serial", chunk_size=2).table
    calls = []
    real = chunks._run_chunk

    def interrupted(payload, seed):
        if len(calls) == 3:
            raise KeyboardInterrupt  # the user pressed Ctrl-C during the fourth chunk
        calls.append(payload[1][0].municipality.code)
        return real(payload, seed)

    monkeypatch.setattr(chunks, "_run_chunk", interrupted)
    with pytest.raises(KeyboardInterrupt):
        sweep(nation, sf, tmp_path / "run", backend="serial", chunk_size=2)
    assert len(list((tmp_path / "run" / "delar").glob("*.parquet"))) == 3
    n_chunks = -(-len(full) // (2 * 10))
    calls.clear()
    monkeypatch.setattr(chunks, "_run_chunk", lambda p, s: (calls.append(1), real(p, s))[1])
    resumed = sweep(nation, sf, tmp_path / "run", backend="serial", chunk_size=2)
    assert len(calls) == n_chunks - 3
    assert resumed.reused_chunks == [0, 1, 2]
    pd.testing.assert_frame_equal(resumed.table, full, check_exact=True)


def test_a_municipality_without_the_grade_is_reported_not_fatal(nation, sf, tmp_path):
    schools = nation.schools.copy()
    code = schools["municipality_code"].iloc[0]
    mine = schools["municipality_code"] == code
    schools.loc[mine, "grade_min"] = 7  # no school of that municipality offers förskoleklass
    schools.loc[mine, "grade_max"] = 9

    class Data:
        pass

    d = Data()
    d.schools, d.students, d.choices = schools, nation.students, nation.choices
    result = sweep(d, sf, tmp_path, municipalities=[code, nation.schools["municipality_code"].iloc[-1]],
                   backend="serial")
    failed = result.failed()
    assert list(failed["municipality_code"].unique()) == [code]
    assert failed["status"].str.contains("årskurs 0").all()
    assert (result.table.loc[result.table["municipality_code"] != code, "status"] == STATUS_OK).all()
    assert list(result.table.columns) == COLUMNS


def test_run_task_rejects_nothing_silently(nation, sf):
    part = split_by_municipality(nation.schools, nation.students, nation.choices, 2024)[0]
    from likvard.analyses.sweep import SweepTask

    out = run_task(SweepTask(part, 2, sf, 2024, 3), task_seeds(1, 1)[0])
    assert (out["scenario"] == "Ett val").all() and (out["status"] == STATUS_OK).all()


@pytest.mark.parametrize("group", ["placering", "placement"])
def test_svep_is_a_placement_command(group):
    from likvard.cli.main import app

    result = CliRunner().invoke(app, [group, "svep", "--help"])
    assert result.exit_code == 0, result.output
    assert "--dask" in result.output and "--kommun" in result.output


def test_cli_sweep_writes_a_suppressed_swedish_table(tmp_path, monkeypatch):
    from likvard.cli.main import app

    monkeypatch.setenv("LIKVARD_FORBERED", "0")
    f = tmp_path / "svep.yaml"
    f.write_text(SCENARIOS, encoding="utf-8")
    args = ["placement", "svep", str(f), "--riket", "--riket-skolor", "60", "--riket-elever", "3000",
            "--arbetare", "1", "--ut", str(tmp_path / "ut")]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "ut" / "resultat.csv", sep=";", dtype=str, keep_default_na=False)
    assert {"Kommunkod", "Scenario", "Mått", "Medel", "Elever i årskursen"} <= set(table.columns)
    small = table[table["Elever i årskursen"] == ".."]
    big = table[(table["Elever i årskursen"] != "..") & (table["Status"] == "")]
    assert (small["Medel"] == "..").all() and (small["Om alla gick i närmaste skola"] == "..").all()
    assert len(big) and big["Elever i årskursen"].astype(int).min() >= 10
    assert big["Medel"].str.contains(",").any()  # decimal comma
    again = CliRunner().invoke(app, args)
    assert again.exit_code == 0 and "0 delar beräknades nu" in again.output
    bad = CliRunner().invoke(app, [*args[:-2], "--ut", str(tmp_path / "ut"), "--seed", "99"])
    assert bad.exit_code != 0 and "annat svep" in bad.output

"""likvard.parallel: seeds as numpy's SeedSequence.spawn gives them, identical results on every
backend (this process, joblib/loky processes, a Dask LocalCluster), chunks written as they finish
and a resumed run that computes only what is missing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from likvard.errors import DataError, ParameterError
from likvard.parallel import map_tasks, resolve_backend, run_chunked, seed_int, task_seeds


def draw(task, seed):
    """A seeded task: 1,000 normal draws summarised (the result depends on every bit of the seed)."""
    x = np.random.default_rng(seed).normal(loc=task, size=1000)
    return pd.DataFrame({"task": [task], "mean": [x.mean()], "max": [x.max()]})


def test_task_seeds_are_numpys_spawned_children():
    ours = task_seeds(2026, 5)
    spawned = np.random.SeedSequence(2026).spawn(5)
    assert [s.generate_state(4).tolist() for s in ours] == [s.generate_state(4).tolist() for s in spawned]
    # by key: the same child whatever else is in the list
    assert task_seeds(2026, [3])[0].generate_state(2).tolist() == spawned[3].generate_state(2).tolist()
    assert task_seeds(1, [(180, 2)])[0].spawn_key == (180, 2)
    assert seed_int(ours[0]) == seed_int(task_seeds(2026, 1)[0]) and 0 <= seed_int(ours[0]) < 2**63


def test_bad_arguments_are_named():
    with pytest.raises(ParameterError, match="seed"):
        task_seeds(-1, 3)
    with pytest.raises(ParameterError, match="backend"):
        resolve_backend("ray")
    with pytest.raises(ParameterError, match="n_jobs"):
        resolve_backend("joblib", n_jobs=0)
    with pytest.raises(ParameterError, match="seeds"):
        map_tasks(draw, [1, 2], task_seeds(0, 3), backend="serial")


def _run(backend, **kw):
    frames = map_tasks(draw, list(range(8)), task_seeds(7, 8), backend=backend, **kw)
    return pd.concat(frames, ignore_index=True)


@pytest.mark.slow
def test_identical_results_in_process_on_joblib_and_on_a_dask_local_cluster():
    distributed = pytest.importorskip("distributed")
    serial = _run("serial")
    # the same draws a plain loop gives (independent of likvard's backends)
    loop = pd.concat([draw(t, s) for t, s in zip(range(8), np.random.SeedSequence(7).spawn(8), strict=True)],
                     ignore_index=True)
    pd.testing.assert_frame_equal(serial, loop, check_exact=True)
    pd.testing.assert_frame_equal(_run("joblib", n_jobs=2), serial, check_exact=True)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        pd.testing.assert_frame_equal(_run(cluster), serial, check_exact=True)
        with distributed.Client(cluster) as client:
            pd.testing.assert_frame_equal(_run(client), serial, check_exact=True)
            pd.testing.assert_frame_equal(_run(cluster.scheduler_address), serial, check_exact=True)


class Flaky:
    """Counts computed tasks; raises at task ``fail_at`` (an interrupted run)."""

    def __init__(self, fail_at=None):
        self.computed = []
        self.fail_at = fail_at

    def __call__(self, task, seed):
        if task == self.fail_at:
            raise KeyboardInterrupt
        self.computed.append(task)
        return draw(task, seed)


def test_resume_after_an_interruption_computes_only_missing_chunks(tmp_path):
    tasks = list(range(10))
    seeds = task_seeds(11, 10)
    desc = {"what": "test", "seed": 11}
    full = run_chunked(draw, tasks, tmp_path / "full", description=desc, seeds=seeds, chunk_size=3,
                       backend="serial").table

    first = Flaky(fail_at=7)
    with pytest.raises(KeyboardInterrupt):
        run_chunked(first, tasks, tmp_path / "run", description=desc, seeds=seeds, chunk_size=3, backend="serial")
    parts = sorted(p.name for p in (tmp_path / "run" / "delar").glob("*.parquet"))
    assert parts == ["del-00000.parquet", "del-00001.parquet"]  # tasks 0-5 finished before the crash
    second = Flaky()
    seen = []
    resumed = run_chunked(second, tasks, tmp_path / "run", description=desc, seeds=seeds, chunk_size=3,
                          backend="serial", on_chunk=lambda k, n: seen.append((k, n)))
    assert second.computed == [6, 7, 8, 9]
    assert resumed.computed == [2, 3] and resumed.reused == [0, 1]
    assert sorted(seen) == [(0, 3), (1, 3), (2, 3), (3, 1)]
    pd.testing.assert_frame_equal(resumed.table, full, check_exact=True)
    third = Flaky()
    run_chunked(third, tasks, tmp_path / "run", description=desc, seeds=seeds, chunk_size=3, backend="serial")
    assert third.computed == []


def test_a_different_run_in_the_same_folder_is_refused(tmp_path):
    run_chunked(draw, [1, 2], tmp_path, description={"seed": 1}, seeds=task_seeds(1, 2), backend="serial")
    with pytest.raises(DataError, match="annat svep"):
        run_chunked(draw, [1, 2], tmp_path, description={"seed": 2}, seeds=task_seeds(2, 2), backend="serial")


def test_chunks_on_joblib_equal_serial(tmp_path):
    tasks = list(range(6))
    seeds = task_seeds(5, 6)
    a = run_chunked(draw, tasks, tmp_path / "a", description={}, seeds=seeds, chunk_size=2, backend="serial")
    b = run_chunked(draw, tasks, tmp_path / "b", description={}, seeds=seeds, chunk_size=2, backend="joblib", n_jobs=2)
    pd.testing.assert_frame_equal(a.table, b.table, check_exact=True)

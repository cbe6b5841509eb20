"""Placement scenario sweeps: every scenario of a scenario file in every municipality, many
replications each, as independent tasks on one machine or a Dask cluster (``likvard.parallel``).

One task is one municipality under one scenario: its placement market (``build_market`` on the
municipality's schools, the students enrolled there that school year and their choices), the choice
model the file names (estimated on the municipality's own choices when it says ``skattad``), and
``simulate`` with ``n_replications`` lotteries. The seed of a task depends only on the sweep's
root seed and the municipality code (``SeedSequence(root, spawn_key=(code,))``), so every scenario
of a municipality meets the same lotteries and choice draws (common random numbers: differences
between scenarios are not lottery noise), and results do not depend on the backend, the number of
workers, the chunking or which other municipalities are in the sweep. A municipality where the
market cannot be built (no school offering the grade, no students) gives one row saying why in
``status`` instead of stopping the sweep.

Uses only placement's public API (``build_market``, ``apply_scenario``, ``simulate``,
``estimate_from_tables``, scenario files).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from likvard.errors import DataError, LikvardError, ParameterError
from likvard.parallel import Backend, run_chunked, seed_int, task_seeds
from likvard.placement.scenario_file import ScenarioFile

STATUS_OK = "ok"
COLUMNS = [
    "municipality_code", "scenario", "measure", "mean", "low", "high", "residential",
    "n_students", "n_schools", "n_replications", "status",
]


@dataclass(frozen=True)
class MunicipalityData:
    """One municipality's schools, the students enrolled at them that school year, their choices."""

    code: str
    schools: pd.DataFrame
    students: pd.DataFrame
    choices: pd.DataFrame | None


@dataclass(frozen=True)
class SweepTask:
    """One municipality under one scenario of the file (by position in the file)."""

    municipality: MunicipalityData
    scenario: int
    scenario_file: ScenarioFile
    school_year: int
    n_replications: int


@dataclass
class SweepResult:
    """Long table (``COLUMNS``: one row per municipality, scenario and measure), and the run."""

    table: pd.DataFrame
    municipalities: list[str]
    scenarios: list[str]
    school_year: int
    computed_chunks: list[int] = field(default_factory=list)
    reused_chunks: list[int] = field(default_factory=list)
    folder: Path | None = None

    def failed(self) -> pd.DataFrame:
        """Municipality and scenario of every task that could not run, with the reason."""
        bad = self.table[self.table["status"] != STATUS_OK]
        return bad[["municipality_code", "scenario", "status"]].drop_duplicates().reset_index(drop=True)


def split_by_municipality(
    schools: pd.DataFrame,
    students: pd.DataFrame,
    choices: pd.DataFrame | None,
    school_year: int,
    codes: Sequence[str] | None = None,
) -> list[MunicipalityData]:
    """Each municipality's share of the data: its schools (``municipality_code``), the students
    enrolled at those schools in ``school_year`` (every grade: siblings and school composition
    need them) and those students' choices. ``codes`` (None = every municipality) must exist."""
    if "municipality_code" not in schools:
        raise DataError("Skoltabellen saknar kolumnen municipality_code; ett svep över kommuner behöver kommunkoden.")
    sch_year = schools[schools["school_year"].astype(int) == int(school_year)] if "school_year" in schools else schools
    code_of = dict(zip(sch_year["school_id"].astype(str), sch_year["municipality_code"].astype(str), strict=False))
    known = sorted(set(code_of.values()))
    if codes is None:
        wanted = known
    else:
        wanted = [str(c).zfill(4) for c in codes]
        missing = [c for c in wanted if c not in known]
        if missing:
            raise ParameterError(
                "--kommun", f"kommunkoderna {', '.join(missing)} finns inte bland skolorna läsåret {school_year}; "
                f"finns: {', '.join(known[:12])}{' …' if len(known) > 12 else ''}"
            )
    st = students[students["school_year"].astype(int) == int(school_year)]
    st_code = st["school_id"].astype(str).map(code_of)
    ch_code = None
    if choices is not None and not choices.empty:
        who = dict(zip(st["student_id"].astype(str), st_code, strict=False))
        ch_code = choices["student_id"].astype(str).map(who)
    sch_code = schools["municipality_code"].astype(str)
    out = []
    for code in wanted:
        out.append(MunicipalityData(
            code=code,
            schools=schools[sch_code == code].reset_index(drop=True),
            students=st[(st_code == code).to_numpy()].reset_index(drop=True),
            choices=None if ch_code is None or choices is None
            else choices[(ch_code == code).to_numpy()].reset_index(drop=True),
        ))
    return out


def _failure(task: SweepTask, name: str, reason: str, n_students: int = 0, n_schools: int = 0) -> pd.DataFrame:
    return pd.DataFrame([{
        "municipality_code": task.municipality.code, "scenario": name, "measure": "", "mean": np.nan,
        "low": np.nan, "high": np.nan, "residential": np.nan, "n_students": n_students, "n_schools": n_schools,
        "n_replications": task.n_replications, "status": reason,
    }])[COLUMNS]


def run_task(task: SweepTask, seed: np.random.SeedSequence) -> pd.DataFrame:
    """Simulate one municipality under one scenario (see the module docstring)."""
    from likvard.placement import apply_scenario, build_market, estimate_from_tables, simulate

    sf = task.scenario_file
    mun = task.municipality
    name = str(sf.raw_scenarios[task.scenario].get("namn", f"Scenario {task.scenario + 1}"))
    try:
        market = build_market(mun.schools, mun.students, mun.choices, task.school_year, sf.grade)
    except (ValueError, LikvardError) as exc:
        return _failure(task, name, f"marknaden kunde inte byggas: {exc}")
    try:
        scenario = sf.scenarios_for(market)[task.scenario]
        beta = None
        if isinstance(sf.choice_model, dict):
            beta = sf.choice_model
        elif sf.choice_model == "skattad":
            if mun.choices is None or mun.choices.empty:
                raise DataError("inga skolval att skatta valmodellen på")
            beta = estimate_from_tables(mun.schools, mun.students, mun.choices, sf.grade).beta
        result = simulate(apply_scenario(market, scenario), n_replications=task.n_replications,
                          seed=seed_int(seed), beta=beta)
    except (ValueError, LikvardError, np.linalg.LinAlgError) as exc:
        return _failure(task, name, str(exc), market.n_students, market.n_schools)
    out = result.summary.copy()
    out.insert(0, "municipality_code", mun.code)
    out["scenario"] = name
    out["n_students"] = market.n_students
    out["n_schools"] = int(market.is_open.sum())
    out["n_replications"] = task.n_replications
    out["status"] = STATUS_OK
    return out[COLUMNS]


def _seed_key(code: str) -> int:
    """The municipality code as the seed key (0180 -> 180; other codes by their hash)."""
    if code.isdigit():
        return int(code)
    return int.from_bytes(hashlib.blake2b(code.encode(), digest_size=7).digest(), "big")


def _fingerprint(parts: list[MunicipalityData]) -> str:
    """Hash of the data a sweep runs on (so a resumed sweep is refused on other data)."""
    h = hashlib.blake2b(digest_size=16)
    for p in parts:
        h.update(p.code.encode())
        for frame in (p.schools, p.students, p.choices):
            if frame is not None:
                h.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return h.hexdigest()


def _school_year(students: pd.DataFrame, sf: ScenarioFile) -> int:
    if sf.school_year is not None:
        return int(sf.school_year)
    graded = students[students["grade"].astype(int) == sf.grade]
    if graded.empty:
        raise DataError(f"Inga elever i årskurs {sf.grade}; ange läsår: i scenariofilen.")
    return int(graded["school_year"].astype(int).max())


def sweep(
    data: Any,
    scenario_file: ScenarioFile,
    folder: str | Path,
    *,
    municipalities: Sequence[str] | None = None,
    n_replications: int | None = None,
    seed: int | None = None,
    backend: Backend | str | Any = "joblib",
    n_jobs: int | None = None,
    chunk_size: int | None = None,
    on_start: Callable[[int], None] | None = None,
    on_task: Callable[[int], None] | None = None,
) -> SweepResult:
    """Every scenario of ``scenario_file`` in every municipality of ``data`` (an ``AuthorityData``:
    ``schools`` with ``municipality_code``, ``students``, ``choices``), or in ``municipalities``.

    ``n_replications`` and ``seed`` default to the file's ``replikeringar`` and ``frö``. Results are
    kept per chunk of ``chunk_size`` tasks (default: about four chunks per worker) in ``folder``;
    calling again with the same arguments computes only the chunks that are missing.
    ``on_start(n_tasks)`` is called once the tasks are known, ``on_task(n)`` with the number of
    tasks in each chunk as it is done (for progress bars).
    """
    sf = scenario_file
    reps = sf.n_replications if n_replications is None else n_replications
    if isinstance(reps, bool) or not isinstance(reps, int) or reps < 1:
        raise ParameterError("n_replications", f"ett heltal ≥ 1 behövs, fick {reps!r}")
    root = sf.seed if seed is None else seed
    year = _school_year(data.students, sf)
    parts = split_by_municipality(data.schools, data.students, getattr(data, "choices", None), year, municipalities)
    names = [str(raw.get("namn", f"Scenario {k + 1}")) for k, raw in enumerate(sf.raw_scenarios)]
    if len(set(names)) != len(names):
        raise ParameterError("scenarier", f"scenarionamnen måste vara olika: {', '.join(names)}")
    tasks = [SweepTask(p, k, sf, year, reps) for p in parts for k in range(len(names))]
    if on_start is not None:
        on_start(len(tasks))
    seeds = task_seeds(int(root), [_seed_key(p.code) for p in parts for _ in names])
    if chunk_size is None:
        from likvard.parallel import resolve_backend

        b = resolve_backend(backend, n_jobs)
        workers = {"serial": 1, "joblib": b.n_jobs or os.cpu_count() or 1, "dask": 8}[b.kind]
        chunk_size = max(1, len(tasks) // (4 * workers))
    description = {
        "kind": "placering svep",
        "scenario_file": sf.path,
        "scenarios": sf.raw_scenarios,
        "grade": sf.grade,
        "school_year": year,
        "choice_model": sf.choice_model,
        "n_replications": reps,
        "seed": int(root),
        "municipalities": [p.code for p in parts],
        "data": _fingerprint(parts),
    }
    run = run_chunked(run_task, tasks, folder, description=_jsonable(description), seeds=seeds,
                      chunk_size=chunk_size, backend=backend, n_jobs=n_jobs,
                      on_chunk=(lambda k, n: on_task(n)) if on_task is not None else None)
    table = run.table[COLUMNS] if len(run.table) else pd.DataFrame(columns=COLUMNS)
    return SweepResult(table.reset_index(drop=True), [p.code for p in parts], names, year,
                       run.computed, run.reused, run.folder)


def _jsonable(obj: Any) -> Any:
    """Plain JSON types (for the run's description): tuples to lists, other scalars to str."""
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if obj is None or isinstance(obj, bool | int | float | str):
        return obj
    return str(obj)


__all__ = [
    "COLUMNS",
    "STATUS_OK",
    "MunicipalityData",
    "SweepResult",
    "SweepTask",
    "run_task",
    "split_by_municipality",
    "sweep",
]

"""Background runs (placement scenarios, allocation models) with progress kept in the store, so any
page (and a reload) can show how far a run has come. One run at a time per server process."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import sqlalchemy as sa

from likvard.errors import LikvardError
from likvard.store import Store, schema
from likvard.web.accounts import now

Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class Job:
    id: str
    kind: str
    status: str
    progress: float
    message: str
    created_by: str
    scenario_id: int | None


class Jobs:
    """Runs ``work(progress) -> scenario_id`` in a worker thread and records its state."""

    def __init__(self, store: Store):
        self.store = store
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="likvard-jobb")

    def submit(self, kind: str, created_by: str, work: Callable[[Progress], int]) -> str:
        job_id = secrets.token_hex(8)
        with self.store.engine.begin() as conn:
            conn.execute(schema.web_jobs.insert().values(id=job_id, kind=kind, status="väntar", progress=0.0,
                                                         message="Väntar på att starta", created_by=created_by,
                                                         created_at=now()))
        self._pool.submit(self._run, job_id, work)
        return job_id

    def _update(self, job_id: str, **values: object) -> None:
        with self.store.engine.begin() as conn:
            conn.execute(schema.web_jobs.update().where(schema.web_jobs.c.id == job_id).values(**values))

    def _run(self, job_id: str, work: Callable[[Progress], int]) -> None:
        last = [0.0]

        def progress(share: float, message: str) -> None:
            t = time.monotonic()
            if t - last[0] > 0.5 or share >= 1.0:
                last[0] = t
                self._update(job_id, progress=min(1.0, max(0.0, float(share))), message=message)

        self._update(job_id, status="körs", message="Startar")
        try:
            scenario_id = work(progress)
        except LikvardError as exc:
            self._update(job_id, status="fel", message=str(exc), finished_at=now())
            return
        except Exception as exc:  # noqa: BLE001 - a bug: recorded without the traceback, never shown raw
            self._update(job_id, status="fel", finished_at=now(),
                         message=f"Ett internt fel inträffade ({type(exc).__name__}); körningen avbröts.")
            return
        self._update(job_id, status="klar", progress=1.0, message="Klar", scenario_id=scenario_id, finished_at=now())

    def get(self, job_id: str) -> Job | None:
        t = schema.web_jobs
        with self.store.engine.connect() as conn:
            r = conn.execute(sa.select(t).where(t.c.id == job_id)).first()
        if r is None:
            return None
        return Job(r.id, r.kind, r.status, float(r.progress), r.message, r.created_by, r.scenario_id)

    def wait(self, job_id: str, timeout: float = 300.0) -> Job | None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            job = self.get(job_id)
            if job is not None and job.status in ("klar", "fel"):
                return job
            time.sleep(0.2)
        return self.get(job_id)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)



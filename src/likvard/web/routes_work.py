"""Pages that change things: imports (with the validators' messages per row), placement scenarios
and allocation models (run in the background with progress, compared side by side, saved)."""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa
import yaml
from fastapi import Depends, FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from likvard.errors import ParameterError
from likvard.store import Store, schema
from likvard.views.table import Table
from likvard.web import accounts
from likvard.web.cache import AnalysisCache
from likvard.web.jobs import Jobs, Progress
from likvard.web.scope import User

IMPORT_KINDS = {"schools": "Skolor", "students": "Elever", "choices": "Skolval", "staff": "Personal",
                "survey": "Skolenkäten", "areas": "Områden"}
MAX_UPLOAD = 200 * 1024 * 1024
ALLOCATION_MODELS = {"socioekonomisk": "Socioekonomisk modell (10 % efter behovsindex)",
                     "bakgrundsvikter": "Modell med bakgrundsvikter"}


def _frame_records(t: Table) -> dict:
    from likvard.export import json_ready

    return {"key": t.key, "title": t.title, "decimals": t.decimals, "labels": t.labels, "note": t.note,
            "rows": json_ready(t.data), "columns": list(t.data.columns)}


def _table(payload: dict) -> Table:
    from likvard.views.suppression import publish

    df = pd.DataFrame(payload["rows"], columns=payload["columns"])
    return publish(Table(payload["key"], payload["title"], df, payload.get("decimals") or {},
                         payload.get("labels") or {}, payload.get("note") or ""))


def _save_scenario(store: Store, user: User, kind: str, name: str, spec: dict, result: dict) -> int:
    t = schema.web_scenarios
    with store.engine.begin() as conn:
        sid = conn.execute(t.insert().values(kind=kind, name=name, created_by=user.name, created_at=accounts.now(),
                                             spec=spec, result=result)).inserted_primary_key[0]  # type: ignore[index]
        accounts.audit(conn, user.name, user.role, f"spara {kind}sscenario", f"{kind}/{sid}", None,
                       {"namn": name, "definition": spec})
    return int(sid)


def _scenarios(store: Store, kind: str) -> list[sa.Row]:
    t = schema.web_scenarios
    with store.engine.connect() as conn:
        return list(conn.execute(sa.select(t.c.id, t.c.name, t.c.created_by, t.c.created_at)
                                 .where(t.c.kind == kind).order_by(t.c.id.desc())).all())


def _scenario(store: Store, kind: str, scenario_id: int) -> sa.Row:
    t = schema.web_scenarios
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(t).where(t.c.id == scenario_id, t.c.kind == kind)).first()
    if row is None:
        raise StarletteHTTPException(404)
    return row


def placement_yaml(name: str, grade: int, replications: int, close: list[str], capacity: dict[str, int]) -> str:
    """The scenario file the form describes: the current state and the change (``likvard.placement``'s format)."""
    change: dict[str, Any] = {"namn": name}
    if close:
        change["stäng"] = close
    if capacity:
        change["platser"] = capacity
    doc = {"namn": name, "årskurs": grade, "replikeringar": replications, "frö": 2026, "valmodell": "skattad",
           "scenarier": [{"namn": "Nuläge"}, change]}
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)


def register(app: FastAPI, *, store: Store, cache: AnalysisCache, jobs: Jobs, render: Callable, user_of: Callable,
             allow: Callable, overview_or_wait: Callable, visible: Callable, school_options: Callable) -> None:
    """Add the import, placement and allocation routes to ``app``."""

    # --- import ---------------------------------------------------------------------------

    @app.get("/import")
    def import_form(request: Request, user: User = Depends(user_of)) -> Response:
        allow(user, "import")
        return render(request, "import.html", title="Import", kinds=IMPORT_KINDS, issues=None, done=None,
                      imports=store.imports().tail(20).iloc[::-1].to_dict("records"))

    @app.post("/import")
    async def import_file(request: Request, user: User = Depends(user_of)) -> Response:
        allow(user, "import")
        from likvard.sources.errors import RegisterValidationError
        from likvard.sources.registers import read_register_file
        from likvard.text import printable

        form = await request.form()
        kind = str(form.get("typ") or "")
        upload = form.get("fil")
        if kind not in IMPORT_KINDS:
            raise ParameterError("typ", "välj vilket register filen innehåller.")
        if upload is None or isinstance(upload, str) or not upload.filename:
            raise ParameterError("fil", "välj en fil att importera.")
        filename = printable(Path(upload.filename).name)[:200]
        suffix = Path(filename).suffix.lower()
        if suffix not in (".csv", ".txt", ".xlsx", ".parquet"):
            raise ParameterError("fil", f"{filename}: filtypen stöds inte; använd CSV, Excel (.xlsx) eller Parquet.")
        body = await upload.read(MAX_UPLOAD + 1)
        if len(body) > MAX_UPLOAD:
            raise ParameterError("fil", f"{filename} är större än 200 MB.")
        issues = None
        counts: dict[str, int] = {}
        with tempfile.TemporaryDirectory(prefix="likvard-import-") as tmp:
            path = Path(tmp) / filename
            path.write_bytes(body)
            path.chmod(0o600)
            known = None if kind == "schools" else store.school_ids_by_year()
            try:
                item = read_register_file(kind, path, known_school_ids=known)
            except RegisterValidationError as exc:
                issues = exc.issues
            else:
                before = store.imports()
                counts = store.import_frames([(kind, item.frame, filename, hashlib.sha256(body).hexdigest())],
                                             key_fingerprint=item.key_fingerprint)
                accounts.log_write(store, user, "importera", f"{kind}: {filename}",
                                   {"importer": int(len(before))},
                                   {"rader": counts, "läsår": sorted(int(y) for y in item.frame["school_year"].unique())
                                    if "school_year" in item.frame else []})
        status = 422 if issues else 200
        return render(request, "import.html", status=status, title="Import", kinds=IMPORT_KINDS, issues=issues,
                      done=None if issues else {"file": filename, "kind": IMPORT_KINDS[kind], "rows": sum(counts.values())},
                      imports=store.imports().tail(20).iloc[::-1].to_dict("records"))

    # --- placement ------------------------------------------------------------------------

    @app.get("/placering")
    def placement_page(request: Request, user: User = Depends(user_of)) -> Response:
        allow(user, "read_scenarios")
        ov, waiting = overview_or_wait(request)
        if waiting is not None:
            return waiting
        return render(request, "placement.html", title="Placeringsscenarier", saved=_scenarios(store, "placering"),
                      schools=school_options(ov, visible(user, ov)), can_run=user.role in ("admin", "analytiker"))

    @app.post("/placering")
    async def placement_run(request: Request, user: User = Depends(user_of)) -> Response:
        allow(user, "run_scenario")
        from likvard.analyses.placement import compare_scenarios
        from likvard.placement.scenario_file import parse_scenario_text
        from likvard.views.placement import placement_tables

        form = await request.form()
        name = str(form.get("namn") or "").strip()[:100]
        if not name:
            raise ParameterError("namn", "ge scenariot ett namn.")
        try:
            grade = int(str(form.get("arskurs") or "0"))
            reps = int(str(form.get("replikat") or "20"))
        except ValueError:
            raise ParameterError("replikat", "årskurs och antal körningar ska vara heltal.") from None
        if grade not in range(0, 10) or not 2 <= reps <= 200:
            raise ParameterError("replikat", "årskurs 0–9 och 2–200 körningar.")
        current = cache.get()
        names = current.dataset.names() if current is not None else {}
        close = [str(v) for v in form.getlist("stang") if str(v) in names]
        capacity: dict[str, int] = {}
        cap_school = str(form.get("platser_skola") or "")
        if cap_school:
            if cap_school not in names:
                raise ParameterError("platser_skola", f"skolenheten {cap_school} finns inte.")
            try:
                capacity[cap_school] = int(str(form.get("platser") or ""))
            except ValueError:
                raise ParameterError("platser", "antal platser ska vara ett heltal.") from None
        if not close and not capacity:
            raise ParameterError("stang", "välj minst en skola att stänga eller ändra antalet platser för.")
        text = placement_yaml(name, grade, reps, close, capacity)
        sf = parse_scenario_text(text, "formuläret")
        spec = {"årskurs": grade, "replikeringar": reps, "stäng": close, "platser": capacity, "fil": text}

        def work(progress: Progress) -> int:
            progress(0.0, "Läser elevdata och skattar valmodellen …")
            data = store.load()
            total = reps * 2
            done = [0]

            def step() -> None:
                done[0] += 1
                progress(done[0] / total, f"Körning {done[0]} av {total}")

            comparison = compare_scenarios(data, sf, on_replication=step)
            tables = placement_tables(comparison, cache.settings)
            return _save_scenario(store, user, "placering", name, spec,
                                  {"tables": [_frame_records(t) for t in tables], "school_year": comparison.school_year,
                                   "grade": comparison.grade, "replications": comparison.replications})

        job_id = jobs.submit("placering", user.name, work)
        return RedirectResponse(f"/jobb/{job_id}", status_code=303)

    @app.get("/placering/{scenario_id}")
    def placement_result(request: Request, scenario_id: int, user: User = Depends(user_of)) -> Response:
        allow(user, "read_scenarios")
        row = _scenario(store, "placering", scenario_id)
        tables = [_table(t) for t in (row.result or {}).get("tables", [])]
        return render(request, "scenario.html", title=row.name, row=row, tables=tables, kind="placering",
                      spec_text=row.spec.get("fil", ""))

    @app.get("/jobb/{job_id}")
    def job(request: Request, job_id: str, user: User = Depends(user_of)) -> Response:
        allow(user, "read_scenarios")
        j = jobs.get(job_id)
        if j is None:
            raise StarletteHTTPException(404)
        target = f"/{j.kind}/{j.scenario_id}" if j.status == "klar" else ""
        response = render(request, "job.html", title="Körning", job=j, target=target)
        if target and request.headers.get("hx-request") == "true":
            response.headers["HX-Redirect"] = target
        return response

    # --- allocation -----------------------------------------------------------------------

    @app.get("/fordelning")
    def allocation_page(request: Request, user: User = Depends(user_of)) -> Response:
        allow(user, "read_scenarios")
        return render(request, "allocation.html", title="Resursfördelning", models=ALLOCATION_MODELS,
                      saved=_scenarios(store, "fordelning"), can_run=user.role in ("admin", "analytiker"))

    @app.post("/fordelning")
    async def allocation_run(request: Request, user: User = Depends(user_of)) -> Response:
        allow(user, "run_scenario")
        from likvard.analyses.allocation import compare_models
        from likvard.views.allocation import ALLOCATION_LABELS, allocation_table
        from likvard.views.suppression import publish

        form = await request.form()
        chosen = [str(m) for m in form.getlist("modell") if str(m) in ALLOCATION_MODELS]
        if not chosen:
            raise ParameterError("modell", "välj minst en fördelningsmodell.")
        name = "Jämförelse: " + ", ".join(chosen)
        folder = Path(__file__).resolve().parents[1] / "allocation" / "examples"

        def work(progress: Progress) -> int:
            progress(0.1, "Beräknar behovsindex och belopp")
            data = store.load()
            comp = compare_models(data, [folder / f"{m}.yaml" for m in chosen], settings=cache.settings)
            names = dict(zip(data.schools["school_id"].astype(str), data.schools["name"].astype(str)))
            tables: list[Table] = []
            for model, res in comp.results.items():
                shown = allocation_table(res, names)
                tables.append(publish(Table(f"modell_{len(tables)}", f"{model}: belopp per skola",
                                            shown.reset_index(drop=True), labels=ALLOCATION_LABELS)))
            eq = pd.DataFrame([{"Modell": m, **{k: v for k, v in e.items() if isinstance(v, (int, float))}}
                               for m, e in comp.equity.items()])
            tables.insert(0, publish(Table("jamforelse", f"Modellerna sida vid sida {comp.school_year}", eq)))
            progress(1.0, "Klar")
            return _save_scenario(store, user, "fordelning", name, {"modeller": chosen},
                                  {"tables": [_frame_records(t) for t in tables]})

        job_id = jobs.submit("fordelning", user.name, work)
        return RedirectResponse(f"/jobb/{job_id}", status_code=303)

    @app.get("/fordelning/{scenario_id}")
    def allocation_result(request: Request, scenario_id: int, user: User = Depends(user_of)) -> Response:
        allow(user, "read_scenarios")
        row = _scenario(store, "fordelning", scenario_id)
        tables = [_table(t) for t in (row.result or {}).get("tables", [])]
        return render(request, "scenario.html", title=row.name, row=row, tables=tables, kind="fordelning", spec_text="")



"""The follow-up pages: the intervention register (list, card, form, evaluation in the background),
quality dialogues (focus areas, notes, decisions, sign-off, the frozen data pack), nulägesanalys,
åtgärdsplan and the quality report download.

Every route parses its form, asks :func:`likvard.web.scope.authorize` (through ``allow``) and calls
:mod:`likvard.followup.service`; the rules live there. Every write is logged in the audit log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import sqlalchemy as sa
from fastapi import Depends, FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from likvard.errors import ParameterError
from likvard.followup import service as sv
from likvard.followup import vocabulary as v
from likvard.followup.records import Dialogue, EvaluationRun, Intervention
from likvard.privacy import SUPPRESSED
from likvard.store import Store
from likvard.store import schema as store_schema
from likvard.tables import MIN_SHOWN_STUDENTS
from likvard.text import format_number, school_year_label
from likvard.web import accounts
from likvard.web.cache import AnalysisCache
from likvard.web.jobs import Jobs, Progress
from likvard.web.scope import Forbidden, Policy, User, authorize, may_see_school, visible_schools

FORM_FIELDS: dict[str, str] = {
    "name": "Namn", "category": "Kategori", "description": "Beskrivning", "problem": "Problem",
    "cause": "Orsak", "logic": "Verksamhetslogik", "indicator": "Indikator", "respondent": "Svarande",
    "direction": "Riktning", "expected_effect": "Förväntad effekt", "horizon": "Horisont (läsår)",
    "basis_for_expectation": "Grund för förväntan", "design": "Utvärderingsdesign", "start_year": "Startläsår",
    "end_year": "Slutläsår", "status": "Status", "cost_per_year": "Kostnad per år (kr)",
    "responsible_role": "Ansvarig roll", "grades": "Årskurser",
}
"""Fields of the intervention form (the register's field names) and their Swedish labels."""

TEXT_AREAS = ("description", "problem", "cause", "logic", "basis_for_expectation")
VERDICTS: dict[str, str] = {}
"""Verdicts are Swedish already (``likvard.evaluation.VERDICTS``); kept as a hook for shorter labels."""


@dataclass(frozen=True)
class Shown:
    """An evaluation as shown: numbers formatted, '..' when fewer than 10 students are behind it."""

    run: EvaluationRun
    estimate: str
    interval: str
    mde: str
    rtm: str
    adjusted: str
    hidden: bool


def shown_evaluation(run: EvaluationRun, decimals: int = 2) -> Shown:
    """The evaluation's figures for a page (suppressed when ``n_students`` is below 10)."""
    hidden = run.n_students < MIN_SHOWN_STUDENTS

    def f(x: float | None) -> str:
        return SUPPRESSED if hidden and x is not None else ("–" if x is None else format_number(x, decimals))

    interval = SUPPRESSED if hidden else ("–" if run.ci_low is None or run.ci_high is None else
                                          f"{format_number(run.ci_low, decimals)} till {format_number(run.ci_high, decimals)}")
    return Shown(run, f(run.estimate), interval, f(run.mde), f(run.rtm), f(run.estimate_adjusted), hidden)


def evaluation_figure(iv: Intervention, run: EvaluationRun) -> Any:
    """Estimate with its interval beside the expected effect, the minimum detectable effect and the
    estimate adjusted for regression to the mean (one row each, a dot chart: readable at any size)."""
    import plotly.graph_objects as go

    rows: list[tuple[str, float, float | None, float | None]] = []
    if run.estimate is not None:
        rows.append(("Skattad effekt", run.estimate, run.ci_low, run.ci_high))
    if run.estimate_adjusted is not None:
        rows.append(("Skattad effekt justerad för regression mot medelvärdet", run.estimate_adjusted, None, None))
    if run.rtm is not None:
        rows.append(("Väntad regression mot medelvärdet", run.rtm, None, None))
    if iv.expected_effect is not None:
        rows.append(("Förväntad effekt", iv.expected_effect, None, None))
    if run.mde is not None:
        rows.append(("Minsta påvisbara effekt", run.mde, None, None))
    fig = go.Figure()
    labels = [r[0] for r in rows][::-1]
    values = [r[1] for r in rows][::-1]
    plus = [(r[3] - r[1]) if r[3] is not None else 0 for r in rows][::-1]
    minus = [(r[1] - r[2]) if r[2] is not None else 0 for r in rows][::-1]
    fig.add_trace(go.Scatter(x=values, y=labels, mode="markers", marker={"size": 11, "color": "#1f5f8b"},
                             error_x={"type": "data", "array": plus, "arrayminus": minus, "color": "#1f5f8b"},
                             hovertemplate="%{y}: %{x:.2f}<extra></extra>", showlegend=False))
    fig.add_vline(x=0, line_color="#6b7785", line_dash="dot")
    fig.update_layout(title={"text": f"Utvärdering: {iv.name}", "x": 0.0, "xanchor": "left"},
                      height=120 + 45 * len(rows), margin={"l": 20, "r": 20}, plot_bgcolor="white",
                      xaxis_title=v.INDICATORS.get(run.indicator, run.indicator), separators=", ")
    fig.update_xaxes(gridcolor="#e5e5e5")
    fig.update_yaxes(automargin=True, gridcolor="#f0f0f0")
    return fig


def _form_value(form: Any, key: str) -> str:
    return str(form.get(key) or "").strip()


def intervention_fields(form: Any, catalogue_versions: dict[str, int] | None = None) -> dict[str, Any]:
    """The register's fields from the intervention form (text as typed; the service checks them).
    ``catalogue_versions``: the newest version of each catalogue type, for the type picked."""
    out: dict[str, Any] = {k: _form_value(form, k) for k in FORM_FIELDS}
    kind = _form_value(form, "catalogue_type")
    out["catalogue_type"] = kind or None
    out["catalogue_version"] = (catalogue_versions or {}).get(kind) if kind else None
    out["school_ids"] = [str(s) for s in form.getlist("school_ids") if str(s).strip()]
    out["selected_for_low_results"] = bool(form.get("selected_for_low_results"))
    for key in ("expected_effect", "horizon", "start_year", "end_year", "cost_per_year", "indicator",
                "respondent"):
        if out[key] == "":
            out[key] = None
    return out


def register(app: FastAPI, *, store: Store, cache: AnalysisCache, jobs: Jobs, render: Callable, user_of: Callable,
             allow: Callable, policy: Policy) -> None:
    """Add /insatser, /dialoger, /nulagesanalys, /atgardsplan and /kvalitetsrapport to ``app``."""

    def school_names() -> dict[str, str]:
        s = store_schema.TABLES["schools"]
        with store.engine.connect() as conn:
            rows = conn.execute(sa.select(s.c.school_id, s.c.name).order_by(s.c.school_year)).all()
        return {str(sid): str(name) for sid, name in rows}

    def years() -> list[int]:
        return sorted(store.school_ids_by_year())

    def authority_data() -> Any:
        return cache.memo(("authority-data",), store.load)

    def options(user: User) -> list[tuple[str, str]]:
        names = school_names()
        return sorted(((s, names[s]) for s in visible_schools(user, names, policy)), key=lambda x: x[1])

    def readable(user: User, schools: Iterable[str]) -> bool:
        return any(may_see_school(user, str(s), policy) for s in schools)

    def allow_all(user: User, action: str, schools: Iterable[str]) -> None:
        for s in schools:
            allow(user, action, str(s))

    def may(user: User, action: str, school_id: str | None = None) -> bool:
        try:
            authorize(user, action, school_id, policy)
        except Forbidden:
            return False
        return True

    def back(url: str) -> RedirectResponse:
        return RedirectResponse(url, status_code=303)

    # --- the intervention register ---------------------------------------------------------------

    def _intervention(user: User, intervention_id: int) -> Intervention:
        allow(user, "read_followup")
        try:
            iv = sv.get_intervention(store, intervention_id)
        except sv.FollowupError:
            raise StarletteHTTPException(404) from None
        if iv.deleted or not readable(user, iv.school_ids):
            raise Forbidden("Insatsen gäller inga skolenheter du har behörighet till.")
        return iv

    @app.get("/insatser")
    def interventions(request: Request, user: User = Depends(user_of), skola: str = "", status: str = "",
                      kategori: str = "") -> Response:
        allow(user, "read_followup")
        names = school_names()
        ivs = [iv for iv in sv.list_interventions(store) if readable(user, iv.school_ids)]
        if skola:
            ivs = [iv for iv in ivs if skola in iv.school_ids]
        if status in v.INTERVENTION_STATUSES:
            ivs = [iv for iv in ivs if iv.status == status]
        if kategori in v.CATEGORIES:
            ivs = [iv for iv in ivs if iv.category == kategori]
        return render(request, "interventions.html", title="Insatser", interventions=ivs, names=names,
                      schools=options(user), skola=skola, status_filter=status, kategori=kategori,
                      statuses=v.INTERVENTION_STATUSES, categories=v.CATEGORIES, indicators=v.INDICATORS,
                      can_write=may(user, "write_intervention"), label=school_year_label)

    def catalogue_types() -> list[Any]:
        from likvard.web.routes_catalogue import latest_types, merged_catalogue

        return latest_types(merged_catalogue(store))

    def catalogue_versions() -> dict[str, int]:
        return {t.insats_typ_id: t.version for t in catalogue_types()}

    def _form_page(request: Request, user: User, iv: Intervention | None, values: dict[str, Any]) -> Response:
        return render(request, "intervention_form.html", title="Ändra insats" if iv else "Ny insats", iv=iv,
                      values=values, fields=FORM_FIELDS, text_areas=TEXT_AREAS, schools=options(user), v=v,
                      years=years(), label=school_year_label, types=catalogue_types())

    @app.get("/insatser/ny")
    def intervention_new(request: Request, user: User = Depends(user_of)) -> Response:
        allow(user, "write_intervention")
        ys = years()
        return _form_page(request, user, None, {"status": "planerad", "design": "auto", "direction": "+",
                                                "start_year": ys[-1] if ys else "", "school_ids": []})

    @app.post("/insatser/ny")
    async def intervention_create(request: Request, user: User = Depends(user_of)) -> Response:
        allow(user, "write_intervention")
        fields = intervention_fields(await request.form(), catalogue_versions())
        allow_all(user, "write_intervention", fields["school_ids"])
        iv = sv.create_intervention(store, fields, actor=user.name, role=user.role, data=authority_data())
        accounts.log_write(store, user, "registrera insats", f"insats/{iv.id}", None, iv.versions[-1].values)
        return back(f"/insatser/{iv.id}")

    @app.get("/insatser/{intervention_id}")
    def intervention(request: Request, intervention_id: int, user: User = Depends(user_of)) -> Response:
        iv = _intervention(user, intervention_id)
        runs = [shown_evaluation(r) for r in iv.evaluations]
        from likvard.web.pages import figure_json

        latest = iv.latest_evaluation
        chart = None
        if latest is not None and runs[-1].hidden is False and latest.estimate is not None:
            chart = {"id": f"fig-insats-{iv.id}", "json": figure_json(evaluation_figure(iv, latest)),
                     "title": f"Utvärdering av {iv.name}"}
        base = iv.baseline
        base_hidden = base is not None and base.n < MIN_SHOWN_STUDENTS
        writes = all(may(user, "write_intervention", s) for s in iv.school_ids)
        known = None
        if iv.catalogue_type:
            from likvard.analyses.catalogue import type_evidence
            from likvard.web.routes_catalogue import merged_catalogue

            # other authorities' evaluations as they may be published (.. under 10 students), pooled as in
            # the quality report, beside the intervention's own expected effect
            known = type_evidence(merged_catalogue(store), iv.catalogue_type, iv.indicator, method="dl")
        return render(request, "intervention.html", title=iv.name, iv=iv, runs=runs, chart=chart, base=base,
                      base_hidden=base_hidden, names=school_names(), indicators=v.INDICATORS, designs=v.DESIGNS,
                      can_write=writes, num=format_number, label=school_year_label, verdicts=VERDICTS,
                      field_labels=FORM_FIELDS, known=known)

    @app.get("/insatser/{intervention_id}/andra")
    def intervention_edit(request: Request, intervention_id: int, user: User = Depends(user_of)) -> Response:
        allow(user, "write_intervention")
        iv = _intervention(user, intervention_id)
        allow_all(user, "write_intervention", iv.school_ids)
        return _form_page(request, user, iv, dict(iv.versions[-1].values))

    @app.post("/insatser/{intervention_id}/andra")
    async def intervention_update(request: Request, intervention_id: int, user: User = Depends(user_of)) -> Response:
        allow(user, "write_intervention")
        iv = _intervention(user, intervention_id)
        allow_all(user, "write_intervention", iv.school_ids)
        fields = intervention_fields(await request.form(), catalogue_versions())
        allow_all(user, "write_intervention", fields["school_ids"])
        new = sv.update_intervention(store, iv.id, fields, actor=user.name, role=user.role, data=authority_data())
        changed = new.versions[-1].changed
        accounts.log_write(store, user, "ändra insats", f"insats/{iv.id}",
                           {k: iv.versions[-1].values.get(k) for k in changed},
                           {k: new.versions[-1].values.get(k) for k in changed})
        return back(f"/insatser/{iv.id}")

    @app.post("/insatser/{intervention_id}/utvardera")
    def intervention_evaluate(intervention_id: int, user: User = Depends(user_of)) -> Response:
        allow(user, "write_intervention")
        iv = _intervention(user, intervention_id)
        allow_all(user, "write_intervention", iv.school_ids)

        def work(progress: Progress) -> int:
            progress(0.1, "Läser data och bygger jämförelsegruppen")
            run = sv.evaluate_intervention(store, iv.id, actor=user.name, role=user.role, data=store.load())
            progress(0.95, "Sparar resultatet")
            accounts.log_write(store, user, "utvärdera insats", f"insats/{iv.id}", None,
                               {"utvärdering": run.id, "design": run.design, "utfall": run.verdict})
            return iv.id

        return back(f"/jobb/{jobs.submit('insatser', user.name, work)}")

    # --- quality dialogues --------------------------------------------------------------------

    def _dialogue(user: User, dialogue_id: int) -> Dialogue:
        allow(user, "read_dialogue")
        try:
            dlg = sv.get_dialogue(store, dialogue_id)
        except sv.FollowupError:
            raise StarletteHTTPException(404) from None
        if dlg.deleted:
            raise StarletteHTTPException(404)
        allow(user, "read_dialogue", dlg.school_id)
        return dlg

    @app.get("/dialoger")
    def dialogues(request: Request, user: User = Depends(user_of), skola: str = "", lasar: str = "") -> Response:
        allow(user, "read_followup")
        year = int(lasar) if lasar.isdigit() else None
        if not may(user, "read_dialogue"):
            # the board: counts per school year, no school's record
            rows = []
            for y in years()[::-1]:
                ds = sv.list_dialogues(store, school_year=y)
                if not ds:
                    continue
                decisions = [d for dlg in ds for d in dlg.decisions if not d.deleted]
                rows.append({"year": school_year_label(y), "dialogues": len(ds), "signed": sum(d.signed for d in ds),
                             "decisions": len(decisions),
                             "status": {s: sum(d.status == s for d in decisions) for s in v.DECISION_STATUSES}})
            return render(request, "dialogues_board.html", title="Kvalitetsdialoger", rows=rows,
                          statuses=v.DECISION_STATUSES)
        visible = [s for s, _ in options(user)]
        chosen = [skola] if skola else visible
        if skola:
            allow(user, "read_dialogue", skola)
        ds = sv.list_dialogues(store, school_ids=chosen, school_year=year)
        return render(request, "dialogues.html", title="Kvalitetsdialoger", dialogues=ds, schools=options(user),
                      skola=skola, lasar=lasar, years=years(), label=school_year_label, kinds=v.DIALOGUE_KINDS,
                      can_create=may(user, "write_dialogue_authority"))

    @app.get("/dialoger/ny")
    def dialogue_new(request: Request, user: User = Depends(user_of), skola: str = "") -> Response:
        allow(user, "write_dialogue_authority")
        ys = years()
        return render(request, "dialogue_form.html", title="Ny kvalitetsdialog", schools=options(user), skola=skola,
                      years=ys, year=ys[-1] if ys else None, kinds=v.DIALOGUE_KINDS, label=school_year_label,
                      today=dt.date.today().isoformat())

    @app.post("/dialoger/ny")
    async def dialogue_create(request: Request, user: User = Depends(user_of)) -> Response:
        allow(user, "write_dialogue_authority")
        form = await request.form()
        school_id = _form_value(form, "skola")
        allow(user, "write_dialogue_authority", school_id)
        try:
            year = int(_form_value(form, "lasar"))
        except ValueError:
            raise ParameterError("lasar", "välj ett läsår.") from None
        people = [{"role": "rektor", "name": _form_value(form, "rektor")},
                  {"role": "huvudman", "name": _form_value(form, "huvudman")}]
        dlg = sv.create_dialogue(store, school_id=school_id, school_year=year, kind=_form_value(form, "typ"),
                                 date=_form_value(form, "datum"), participants=people, actor=user.name,
                                 role=user.role, data=authority_data())
        accounts.log_write(store, user, "kalla till kvalitetsdialog", f"dialog/{dlg.id}", None,
                           {"skolenhet": dlg.school_id, "läsår": dlg.school_year, "typ": dlg.kind,
                            "datum": dlg.date.isoformat(), "underlag": dlg.data_pack.sha256 if dlg.data_pack else None})
        return back(f"/dialoger/{dlg.id}")

    @app.get("/dialoger/{dialogue_id}")
    def dialogue(request: Request, dialogue_id: int, user: User = Depends(user_of)) -> Response:
        dlg = _dialogue(user, dialogue_id)
        signed_as = {s.as_role for s in dlg.signoffs}
        sign_as = "rektor" if user.role == "rektor" else "huvudman"
        open_ = not dlg.signed
        return render(request, "dialogue.html", title=f"Kvalitetsdialog {dlg.school_name}", dlg=dlg,
                      label=school_year_label, kinds=v.DIALOGUE_KINDS, item_kinds=v.ITEM_KINDS,
                      note_kinds=v.NOTE_KINDS, statuses=v.DECISION_STATUSES, roles=v.RESPONSIBLE_ROLES,
                      indicators=v.INDICATORS, num=format_number,
                      can_principal=open_ and may(user, "write_dialogue_principal", dlg.school_id),
                      can_authority=open_ and may(user, "write_dialogue_authority", dlg.school_id),
                      can_status=may(user, "write_dialogue_principal", dlg.school_id),
                      can_sign=open_ and may(user, "write_dialogue_principal", dlg.school_id)
                      and sign_as not in signed_as, sign_as=sign_as)

    async def _dialogue_write(request: Request, user: User, dialogue_id: int, action: str) -> tuple[Any, Any]:
        dlg = _dialogue(user, dialogue_id)
        allow(user, action, dlg.school_id)
        return dlg, await request.form()

    @app.post("/dialoger/{dialogue_id}/fokusomrade")
    async def focus_area(request: Request, dialogue_id: int, user: User = Depends(user_of)) -> Response:
        dlg, form = await _dialogue_write(request, user, dialogue_id, "write_dialogue_principal")
        new = sv.set_focus_area(store, dlg.id, area=_form_value(form, "omrade"),
                                motivation=_form_value(form, "motivering"), actor=user.name, role=user.role)
        accounts.log_write(store, user, "välj fokusområde", f"dialog/{dlg.id}",
                           {"fokusområde": dlg.focus_area, "motivering": dlg.focus_motivation},
                           {"fokusområde": new.focus_area, "motivering": new.focus_motivation})
        return back(f"/dialoger/{dlg.id}")

    @app.post("/dialoger/{dialogue_id}/huvudmannens-omrade")
    async def authority_area(request: Request, dialogue_id: int, user: User = Depends(user_of)) -> Response:
        dlg, form = await _dialogue_write(request, user, dialogue_id, "write_dialogue_authority")
        new = sv.set_authority_area(store, dlg.id, area=_form_value(form, "omrade"),
                                    motivation=_form_value(form, "motivering"), actor=user.name, role=user.role)
        accounts.log_write(store, user, "lägg till huvudmannens område", f"dialog/{dlg.id}",
                           {"område": dlg.authority_area, "motivering": dlg.authority_motivation},
                           {"område": new.authority_area, "motivering": new.authority_motivation})
        return back(f"/dialoger/{dlg.id}")

    @app.post("/dialoger/{dialogue_id}/anteckning")
    async def note(request: Request, dialogue_id: int, user: User = Depends(user_of)) -> Response:
        dlg, form = await _dialogue_write(request, user, dialogue_id, "write_dialogue_principal")
        try:
            item = int(_form_value(form, "punkt"))
        except ValueError:
            raise ParameterError("punkt", "välj en punkt på dagordningen.") from None
        n = sv.add_note(store, dlg.id, item, kind=_form_value(form, "typ"), text=_form_value(form, "text"),
                        actor=user.name, role=user.role)
        accounts.log_write(store, user, "anteckning i kvalitetsdialog", f"dialog/{dlg.id}/punkt/{item}", None,
                           {"typ": n.kind, "text": n.text})
        return back(f"/dialoger/{dlg.id}#punkt-{item}")

    @app.post("/dialoger/{dialogue_id}/beslut")
    async def decision(request: Request, dialogue_id: int, user: User = Depends(user_of)) -> Response:
        dlg, form = await _dialogue_write(request, user, dialogue_id, "write_dialogue_authority")
        iid = _form_value(form, "insats")
        d = sv.add_decision(store, dlg.id, what=_form_value(form, "vad"), responsible_role=_form_value(form, "ansvarig"),
                            due_date=_form_value(form, "senast"), resource=_form_value(form, "resurs") or None,
                            intervention_id=int(iid) if iid.isdigit() else None,
                            indicator=_form_value(form, "indikator") or None, actor=user.name, role=user.role)
        accounts.log_write(store, user, "beslut i kvalitetsdialog", f"dialog/{dlg.id}/beslut/{d.id}", None,
                           {"vad": d.what, "ansvarig": d.responsible_role, "senast": d.due_date.isoformat()})
        return back(f"/dialoger/{dlg.id}#beslut")

    @app.post("/dialoger/{dialogue_id}/beslut/{decision_id}/status")
    async def decision_status(request: Request, dialogue_id: int, decision_id: int,
                              user: User = Depends(user_of)) -> Response:
        dlg = _dialogue(user, dialogue_id)
        allow(user, "write_dialogue_principal", dlg.school_id)
        form = await request.form()
        mine = {d.id: d for d in (*dlg.decisions, *dlg.previous_decisions)}
        if decision_id not in mine:
            raise StarletteHTTPException(404)
        old = mine[decision_id]
        d = sv.set_decision_status(store, decision_id, status=_form_value(form, "status"),
                                   comment=_form_value(form, "kommentar"), dialogue_id=dlg.id, actor=user.name,
                                   role=user.role)
        accounts.log_write(store, user, "ändra beslutsstatus", f"beslut/{d.id}",
                           {"status": old.status, "kommentar": old.status_comment},
                           {"status": d.status, "kommentar": d.status_comment})
        return back(f"/dialoger/{dlg.id}#beslut")

    @app.post("/dialoger/{dialogue_id}/signera")
    async def sign(request: Request, dialogue_id: int, user: User = Depends(user_of)) -> Response:
        dlg, _ = await _dialogue_write(request, user, dialogue_id, "write_dialogue_principal")
        as_role = "rektor" if user.role == "rektor" else "huvudman"
        new = sv.sign_off(store, dlg.id, as_role=as_role, actor=user.name, role=user.role)
        accounts.log_write(store, user, f"signera kvalitetsdialog som {as_role}", f"dialog/{dlg.id}",
                           {"signerad av": sorted(s.as_role for s in dlg.signoffs)},
                           {"signerad av": sorted(s.as_role for s in new.signoffs)})
        return back(f"/dialoger/{dlg.id}")

    # --- nulägesanalys and åtgärdsplan ----------------------------------------------------------

    def _school_year(user: User, school_id: str, year: int, action: str = "read_dialogue") -> str:
        allow(user, action, school_id)
        known = store.school_ids_by_year()
        if school_id not in known.get(year, set()):
            raise StarletteHTTPException(404)
        return school_names().get(school_id, school_id)

    @app.get("/nulagesanalys")
    def nulage_index(request: Request, user: User = Depends(user_of), skola: str = "", lasar: str = "") -> Response:
        allow(user, "read_dialogue")
        if skola and lasar.isdigit():
            return back(f"/nulagesanalys/{quote(skola)}/{int(lasar)}")
        return render(request, "choose_school.html", title="Nulägesanalys", heading="Nulägesanalys",
                      url="/nulagesanalys", schools=options(user), years=years(), label=school_year_label)

    @app.get("/nulagesanalys/{school_id}/{year}")
    def nulage(request: Request, school_id: str, year: int, user: User = Depends(user_of)) -> Response:
        name = _school_year(user, school_id, year)
        na = sv.nulagesanalys(store, school_id, year, data=authority_data())
        return render(request, "nulage.html", title=f"Nulägesanalys {name}", name=name, na=na,
                      sections=v.NULAGE_SECTIONS, cause_areas=v.CAUSE_AREAS, label=school_year_label,
                      num=format_number, can_write=may(user, "write_dialogue_principal", school_id))

    @app.post("/nulagesanalys/{school_id}/{year}")
    async def nulage_save(request: Request, school_id: str, year: int, user: User = Depends(user_of)) -> Response:
        _school_year(user, school_id, year, "write_dialogue_principal")
        form = await request.form()
        current = sv.nulagesanalys(store, school_id, year, data=authority_data())
        sections = {k: _form_value(form, f"avsnitt_{k}") for k in v.NULAGE_SECTIONS}
        problems = []
        for i, p in enumerate(current.problems):
            problems.append({"title": p.title, "indicator": p.indicator, "flagged": p.flagged,
                             "cause": _form_value(form, f"orsak_{i}"), "cause_area": _form_value(form, f"omrade_{i}"),
                             "evidence": _form_value(form, f"belagd_{i}") or "hypotes",
                             "closed": bool(form.get(f"avslutat_{i}"))})
        new_title = _form_value(form, "nytt_problem")
        if new_title:
            problems.append({"title": new_title, "cause": _form_value(form, "ny_orsak"), "evidence": "hypotes"})
        saved = sv.save_nulagesanalys(store, school_id, year, sections=sections, problems=problems, actor=user.name,
                                      role=user.role, data=authority_data())
        accounts.log_write(store, user, "spara nulägesanalys", f"nulagesanalys/{school_id}/{year}",
                           {"version": current.version, "avsnitt": current.sections},
                           {"version": saved.version, "avsnitt": saved.sections})
        return back(f"/nulagesanalys/{quote(school_id)}/{year}")

    @app.get("/atgardsplan")
    def plan_index(request: Request, user: User = Depends(user_of), skola: str = "", lasar: str = "") -> Response:
        allow(user, "read_dialogue")
        if skola and lasar.isdigit():
            return back(f"/atgardsplan/{quote(skola)}/{int(lasar)}")
        return render(request, "choose_school.html", title="Åtgärdsplan", heading="Åtgärdsplan", url="/atgardsplan",
                      schools=options(user), years=years(), label=school_year_label)

    @app.get("/atgardsplan/{school_id}/{year}")
    def plan(request: Request, school_id: str, year: int, user: User = Depends(user_of)) -> Response:
        name = _school_year(user, school_id, year)
        rows = sv.action_plan(store, school_id=school_id, school_year=year)
        return render(request, "plan.html", title=f"Åtgärdsplan {name}", name=name, school_id=school_id, year=year,
                      rows=rows, roles=v.RESPONSIBLE_ROLES, indicators=v.INDICATORS, label=school_year_label,
                      can_write=may(user, "write_dialogue_principal", school_id), num=format_number)

    @app.post("/atgardsplan/{school_id}/{year}")
    async def plan_add(request: Request, school_id: str, year: int, user: User = Depends(user_of)) -> Response:
        _school_year(user, school_id, year, "write_dialogue_principal")
        form = await request.form()
        row = sv.add_action_plan_row(store, school_id, year, goal=_form_value(form, "mal"),
                                     action=_form_value(form, "atgard"), cause=_form_value(form, "orsak"),
                                     owner_role=_form_value(form, "ansvarig"), timeline=_form_value(form, "tidplan"),
                                     resources=_form_value(form, "resurser"), follow_up=_form_value(form, "uppfoljning"),
                                     actor=user.name, role=user.role)
        accounts.log_write(store, user, "rad i åtgärdsplan", f"atgardsplan/{school_id}/{year}/{row.id}", None,
                           {"mål": row.goal, "åtgärd": row.action, "orsak": row.cause})
        return back(f"/atgardsplan/{quote(school_id)}/{year}")

    # --- the quality report ---------------------------------------------------------------------

    @app.get("/kvalitetsrapport")
    def quality(request: Request, user: User = Depends(user_of)) -> Response:
        allow(user, "download_quality")
        return render(request, "quality.html", title="Kvalitetsrapport", years=years()[::-1], label=school_year_label)

    @app.get("/kvalitetsrapport/{year}.{fmt}")
    def quality_download(year: int, fmt: str, user: User = Depends(user_of)) -> Response:
        allow(user, "download_quality")
        from likvard.report.quality import build_quality_report, quality_report_names, render_docx, render_html

        if fmt not in ("docx", "html") or year not in store.school_ids_by_year():
            raise StarletteHTTPException(404)
        report = build_quality_report(store, year, data=authority_data())
        docx_name, html_name = quality_report_names(year)
        if fmt == "docx":
            return Response(render_docx(report), headers={"Content-Disposition": f'attachment; filename="{docx_name}"'},
                            media_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
        return Response(render_html(report).encode("utf-8"), media_type="text/html; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{html_name}"'})


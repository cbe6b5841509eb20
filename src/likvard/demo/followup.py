"""Exempelstad's follow-up history: the planted interventions in the register (and decided ones of
the other PM categories), two quality dialogues per school year at its municipal schools, a
förstärkt nulägesanalys and an åtgärdsplan for the schools singled out for low results, and the
evaluations run.

``fill_followup`` writes it through ``likvard.followup.service`` (every rule of the register
applies) from the generator's truths (``truth["planted_interventions"]``): I1, I2 and I3 with
the category, logic, indicator, expected effect and horizon the authority decided, the decision
body and date (the spring before the first start), cost, dose and fidelity per term, and the
starter catalogue's type; the baseline and minimum detectable effect are computed at
registration from the data before the start. Dialogues: the last ``DIALOGUE_YEARS`` school
years, autumn (undersökande) and spring (uppföljande), with the principal's focus area and the
authority's added area, cause analyses on every flagged item, decisions whose status changes at
the following dialogues, and sign-offs by principal and authority. The text is invented for
the demo; the figures all come from the data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from likvard.errors import LikvardError
from likvard.followup import service as sv
from likvard.followup import vocabulary as v
from likvard.followup.records import Dialogue, EvaluationRun
from likvard.store import Store
from likvard.tables import AuthorityData

DIALOGUE_YEARS = 2
"""School years with dialogues (the newest ones)."""
PLACEBOS = 200
"""Placebo draws per evaluation in the demo (the engine's default is 1000; 200 gives the same
verdicts for Exempelstad and keeps the demo quick)."""

ANALYST = ("Analytiker Exempelstad", "analytiker")
CHIEF = ("Skolchef Exempelstad", "skolchef")
BOARD = "Barn- och utbildningsnämnden"

CATALOGUE_TYPES = {"I1": "se.likvard/insats/tvalararsystem", "I2": "se.likvard/insats/trygghetsteam",
                   "I3": "se.likvard/insats/coacher-skolutveckling"}
"""The starter catalogue's type of each planted intervention."""

TEXT: dict[str, dict[str, Any]] = {
    "I1": {
        "description": "Två lärare i klassrummet på de flesta lektioner i svenska och matematik i årskurs 4–6, och "
                       "gemensamma ordningsregler som hela arbetslaget följer.",
        "grades": [4, 5, 6], "student_group": "alla elever i årskurs 4–6",
        "problem": "Låg studiero i mellanstadiet enligt Skolenkäten.",
        "cause": "Stora undervisningsgrupper och olika regler i olika klassrum.",
        "logic": "två lärare och gemensamma regler → färre avbrott och tydligare förväntningar → högre studiero "
                 "(Skolenkäten, elever i åk 5)",
        "horizon": 3, "comparison": "kommunens övriga skolor med årskurs 5 (syntetisk kontroll)",
        "basis_for_expectation": "Erfarenheter från grannkommuner och insatskortet Tvålärarsystem.",
        "dose": "två lärare på åtta av tolv lektioner i svenska och matematik i veckan",
        "cost_once": 150_000, "cost_per_year": 1_400_000, "funding": "likvärdighetsbidrag",
        "responsible_role": "rektor", "chain_level": "skolenhet",
    },
    "I2": {
        "description": "Ett trygghetsteam (kurator, fritidsledare och lärare) som är ute på rasterna och arbetar "
                       "med normer och kränkningar tillsammans med eleverna, infört skola för skola.",
        "grades": [4, 5, 6], "student_group": "alla elever i årskurs 4–6",
        "problem": "Elever i årskurs 5 känner sig otrygga, särskilt på raster och i korridorer.",
        "cause": "Få vuxna ute under rasterna och inget gemensamt arbete mot kränkningar.",
        "logic": "vuxna närvarande och normarbete → färre kränkningar → högre trygghet (Skolenkäten, elever i åk 5)",
        "horizon": 2, "comparison": "kommunens övriga skolor med årskurs 5 (stegvis skillnad-i-skillnader)",
        "basis_for_expectation": "Insatskorten Trygghetsteam och Normarbete för att förebygga våld.",
        "dose": "ett team om tre personer per skola, alla raster",
        "cost_once": 0, "cost_per_year": 2_100_000, "funding": "egen budget",
        "responsible_role": "förvaltning", "chain_level": "förvaltning",
    },
    "I3": {
        "description": "Coacher för skolutveckling och extra resurser till de två skolor som hade lägst "
                       "meritvärde i årskurs 9.",
        "grades": [7, 8, 9], "student_group": "alla elever i årskurs 7–9",
        "problem": "Lägst meritvärde i årskurs 9 bland kommunens skolor.",
        "cause": "Svag samordning av undervisningen och hög personalomsättning.",
        "logic": "coachning av lärare och rektor → bättre undervisning → högre meritvärde i årskurs 9",
        "horizon": 3, "comparison": "kommunens övriga skolor med årskurs 9",
        "basis_for_expectation": "Nämndens mål att halvera avståndet till kommunens genomsnitt.",
        "dose": "en coach på halvtid per skola",
        "cost_once": 200_000, "cost_per_year": 1_800_000, "funding": "annat statsbidrag",
        "responsible_role": "skolchef", "chain_level": "förvaltning",
    },
}
FOCUS_AREAS = (
    ("Studiero i klassrummet", "Lärarna beskriver många avbrott och eleverna i Skolenkäten att det ofta är stökigt."),
    ("Läsförståelse i årskurs 1–3", "Kartläggningen i årskurs 1 visar att fler elever än tidigare behöver stöd "
                                    "i läsningen."),
    ("Elevernas närvaro", "Den upprepade frånvaron har ökat, främst i de högre årskurserna."),
    ("Trygghet på raster", "Eleverna beskriver otrygga platser på skolgården och i korridorerna."),
)
AUTHORITY_AREAS = (
    ("Kompetensförsörjning", "Huvudmannen vill följa andelen legitimerade lärare och personalomsättningen."),
    ("Likvärdig bedömning", "Huvudmannen vill jämföra betygen med de nationella proven mellan skolorna."),
)


PLANNED: tuple[dict[str, Any], ...] = (
    {"name": "Utbyggnad av skolan med ett upptagningsområde över stadsdelsgränsen",
     "category": v.CATEGORIES[0], "catalogue_type": "se.likvard/insats/andrade-upptagningsomraden",
     "chain_level": "huvudman", "problem": "Skolan har en ensidig elevsammansättning.",
     "cause": "Upptagningsområdet följer ett bostadsområde med socioekonomiska utmaningar.",
     "logic": "fler platser och ett upptagningsområde som når två stadsdelar → blandad elevsammansättning → "
              "likvärdigare förutsättningar",
     "cost_once": 45_000_000, "responsible_role": "nämnd", "offset": 3},
    {"name": "Busskort för elever i årskurs 7 som väljer skola i en annan stadsdel",
     "category": v.CATEGORIES[1], "catalogue_type": "se.likvard/insats/busskort", "chain_level": "förvaltning",
     "problem": "Få elever från områden med socioekonomiska utmaningar väljer skolor i andra stadsdelar.",
     "cause": "Långa och dyra resor.", "logic": "busskort → fler aktiva skolval över stadsdelsgränsen → blandade skolor",
     "cost_per_year": 650_000, "responsible_role": "förvaltning", "offset": 1},
    {"name": "Naturvetenskaplig profil på en av skolorna med lägst söktryck",
     "category": v.CATEGORIES[2], "catalogue_type": "se.likvard/insats/profiler", "chain_level": "skolenhet",
     "problem": "Skolan väljs bort av familjer från andra stadsdelar.",
     "cause": "Skolans rykte och låga söktryck.", "logic": "attraktiv profil → fler sökande från andra områden → "
                                                         "blandad elevsammansättning",
     "cost_per_year": 400_000, "responsible_role": "rektor", "offset": 1},
)
"""Decided interventions of the three categories the planted ones do not cover, starting after the
last school year (``offset``): they appear among the decided measures of the quality report. They
aim at the student mix, which is not one of the register's indicators: no expected effect."""


@dataclass(frozen=True)
class FollowupHistory:
    """What ``fill_followup`` wrote: the register id of each planted intervention, the
    intervention that came from the åtgärdsplan, the evaluations, the dialogues and decisions
    written, the schools singled out, the report's school year, the interventions in the register
    and anything left out (Swedish)."""

    interventions: dict[str, int]
    evaluations: dict[str, EvaluationRun]
    plan_intervention: int | None
    n_dialogues: int
    n_decisions: int
    singled_out: tuple[str, ...]
    school_year: int
    n_interventions: int = 0
    skipped: tuple[str, ...] = field(default_factory=tuple)


def _terms(first: int, last: int) -> list[str]:
    return [f"{t}{y if t == 'HT' else y + 1}" for y in range(first, last + 1) for t in ("HT", "VT")]


def register_planted(store: Store, data: AuthorityData, planted: Sequence[Mapping[str, Any]],
                     last: int) -> dict[str, int]:
    """Register the planted interventions as the authority decided them (``TEXT``, the truths'
    schools, start years, expected effects and categories, fidelity per term up to ``last``);
    returns the register id of each."""
    ids: dict[str, int] = {}
    for p in planted:
        iid = str(p["intervention_id"])
        text = TEXT.get(iid)
        if text is None:
            continue
        starts = {str(s): int(y) for s, y in dict(p["schools"]).items()}
        first = min(starts.values())
        fidelity = {term: min(95.0, 60.0 + 8.0 * k) for k, term in enumerate(_terms(first, last))}
        fields = {
            "name": p["name"], "category": p["category"], "school_ids": list(starts), "school_starts": starts,
            "start_year": first, "indicator": p["outcome"],
            "respondent": p["respondent"] if isinstance(p["respondent"], str) else None, "direction": "+",
            "expected_effect": float(p["expected_effect"]), "design": "auto", "status": "pågående",
            "fidelity": fidelity, "decision_body": BOARD, "decision_date": dt.date(first, 5, 20).isoformat(),
            "diary_number": f"BUN {first}/{100 + len(ids) * 37}",
            "selected_for_low_results": bool(p["selected_for_low_results"]),
            "catalogue_type": CATALOGUE_TYPES[iid], "catalogue_version": 1,
            **{k: val for k, val in text.items()},
        }
        ids[iid] = sv.create_intervention(store, fields, actor=ANALYST[0], role=ANALYST[1], data=data).id
    return ids


def _school_names(data: AuthorityData, year: int) -> dict[str, str]:
    s = data.schools[(data.schools["school_year"] == year) & (data.schools["organiser_type"] == "municipal")]
    return dict(sorted(zip(s["school_id"].astype(str), s["name"].astype(str))))


def _notes(store: Store, dlg: Dialogue, principal: tuple[str, str]) -> None:
    notes = []
    for item in dlg.items:
        if item.flagged:
            notes.append((item.id, "analys", f"{item.title.split(':')[0]}: rektor och arbetslagen ser som möjliga "
                          "orsaker att undervisningen inte anpassas tillräckligt till elevgruppen och att flera "
                          "lärare bytts ut; orsakerna prövas mot elevernas svar inför nästa dialog."))
        elif item.kind == "rektor":
            notes.append((item.id, "styrkor", "Arbetslagen har en gemensam bild av problemet och har redan prövat "
                                              "en första åtgärd."))
    sv.add_notes(store, dlg.id, notes, actor=principal[0], role=principal[1])


def _dialogue(store: Store, data: AuthorityData, sid: str, name: str, year: int, kind: str, day: dt.date,
              k: int) -> Dialogue:
    principal = (f"Rektor {name}", "rektor")
    dlg = sv.create_dialogue(store, school_id=sid, school_year=year, kind=kind, date=day,
                             participants=[{"role": "rektor", "name": principal[0]},
                                           {"role": "skolchef", "name": CHIEF[0]},
                                           {"role": "analytiker", "name": ANALYST[0]}],
                             actor=CHIEF[0], role=CHIEF[1], data=data)
    flagged = [i for i in dlg.items if i.flagged]
    if flagged:
        area = flagged[0].title.split(":")[0]
        motivation = "Underlaget flaggar området: " + flagged[0].title.split(":", 1)[-1].strip()
    else:
        area, motivation = FOCUS_AREAS[k % len(FOCUS_AREAS)]
    sv.set_focus_area(store, dlg.id, area=area, motivation=motivation, actor=principal[0], role=principal[1])
    a_area, a_motivation = AUTHORITY_AREAS[(k + (kind == "var")) % len(AUTHORITY_AREAS)]
    running = dlg.data_pack.content["interventions"] if dlg.data_pack else []
    if running:
        a_area = f"Uppföljning av insatsen {running[0]['name']}"
        a_motivation = "Huvudmannen följer insatsens införande och den förväntade effekten på indikatorn."
    dlg = sv.set_authority_area(store, dlg.id, area=a_area, motivation=a_motivation, actor=CHIEF[0], role=CHIEF[1])
    _notes(store, dlg, principal)
    return dlg


def _decide(store: Store, dlg: Dialogue, due: dt.date, interventions: Mapping[str, int],
            at_school: Mapping[str, str]) -> int:
    n = 0
    focus = dlg.focus_area or "skolans fokusområde"
    sv.add_decision(store, dlg.id, what=f"Rektor tar fram en plan för {focus.lower()} med mål och uppföljning.",
                    responsible_role="rektor", due_date=due, actor=CHIEF[0], role=CHIEF[1])
    n += 1
    if dlg.kind == "host":
        linked = at_school.get(dlg.school_id)
        if linked is not None:
            sv.add_decision(store, dlg.id, what="Förvaltningen följer insatsens dos och införandegrad varje termin.",
                            responsible_role="förvaltning", due_date=due, intervention_id=interventions[linked],
                            actor=CHIEF[0], role=CHIEF[1])
        else:
            sv.add_decision(store, dlg.id, what="Förvaltningen erbjuder skolan stöd från en utvecklingsledare.",
                            responsible_role="förvaltning", due_date=due, resource="utvecklingsledare 20 %",
                            actor=CHIEF[0], role=CHIEF[1])
        n += 1
    return n


def _follow_up(store: Store, dlg: Dialogue, k: int) -> None:
    """Status of the previous dialogue's open decisions, recorded at ``dlg``."""
    for j, dec in enumerate(d for d in dlg.previous_decisions if d.status in v.OPEN_DECISION_STATUSES):
        if (j + k) % 3 == 0:
            status, comment = "delvis", "Planen är klar men bara en del av arbetslagen har börjat arbeta efter den."
        elif (j + k) % 3 == 1:
            status, comment = "genomförd", ""
        else:
            status, comment = "pågår", "Arbetet fortsätter under terminen."
        sv.set_decision_status(store, dec.id, status=status, comment=comment, dialogue_id=dlg.id,
                               actor=CHIEF[0], role=CHIEF[1])


def _sign(store: Store, dlg: Dialogue, name: str) -> None:
    sv.sign_off(store, dlg.id, as_role="rektor", actor=f"Rektor {name}", role="rektor")
    sv.sign_off(store, dlg.id, as_role="huvudman", actor=CHIEF[0], role=CHIEF[1])


def _dialogues(store: Store, data: AuthorityData, years: Sequence[int], interventions: Mapping[str, int],
               planted: Sequence[Mapping[str, Any]]) -> tuple[int, int]:
    at_school = {str(s): str(p["intervention_id"]) for p in planted if str(p["intervention_id"]) in interventions
                 for s in dict(p["schools"])}
    n_dialogues = n_decisions = 0
    for year in years:
        names = _school_names(data, year)
        for k, (sid, name) in enumerate(names.items()):
            autumn = dt.date(year, 10, 1 + k % 28)
            spring = dt.date(year + 1, 4, 1 + k % 28)
            for kind, day, due in (("host", autumn, spring), ("var", spring, dt.date(year + 1, 10, 1))):
                dlg = _dialogue(store, data, sid, name, year, kind, day, k)
                _follow_up(store, dlg, k)
                n_decisions += _decide(store, dlg, due, interventions, at_school)
                _sign(store, dlg, name)
                n_dialogues += 1
    return n_dialogues, n_decisions


def _singled_out(store: Store, data: AuthorityData, schools: Sequence[str], year: int) -> int | None:
    """A förstärkt nulägesanalys and an åtgärdsplan for each school; the first plan row of the
    first school becomes an intervention starting the next school year."""
    actor, role = ANALYST
    first_row = None
    for sid in schools:
        na = sv.nulagesanalys(store, sid, year, data=data)
        problems = [{"title": p.title, "indicator": p.indicator, "flagged": True,
                     "cause": "Undervisningen anpassas inte tillräckligt till elevgruppen; hög personalomsättning.",
                     "cause_area": "undervisning", "evidence": "hypotes"} for p in na.problems]
        problems.append({"title": "Låga meritvärden i årskurs 9 trots insatsen för skolor med låga resultat",
                         "indicator": "merit_value", "flagged": False,
                         "cause": "Många elever kommer sent in i svenska skolan och får för lite studiehandledning.",
                         "cause_area": "extra anpassningar, särskilt stöd och elevhälsa", "evidence": "belagd"})
        sv.save_nulagesanalys(store, sid, year, actor=actor, role=role, data=data, problems=problems, sections={
            "forutsattningar": "Skolan har kommunens högsta behovsindex och många elever som är nyanlända.",
            "resultat": "Meritvärdet i årskurs 9 ligger under kommunens genomsnitt och under det förväntade.",
            "elevernas_rost": "Eleverna i årskurs 8 ger studieron och stödet låga värden i Skolenkäten.",
            "problem": "Låga kunskapsresultat i årskurs 9 och svag studiero.",
            "orsaker": "Se problemen: orsakerna är prövade i dialogerna, en av dem är belagd med elevernas svar.",
            "styrkor": "Engagerade arbetslag och ett väl fungerande elevhälsoteam.",
            "prioriteringar": "Studiehandledning på modersmålet och kollegialt lärande om språkutvecklande arbetssätt.",
        })
        row = sv.add_action_plan_row(
            store, sid, year, goal="Fler elever i årskurs 9 når behörighet till gymnasiet",
            action="Studiehandledning på modersmålet i årskurs 7–9",
            cause="Många elever kommer sent in i svenska skolan och får för lite studiehandledning.",
            owner_role="rektor", timeline=f"från höstterminen {year + 1}", resources="två studiehandledare",
            indicator="merit_value", expected_effect=4.0, horizon=3, follow_up="vid varje kvalitetsdialog",
            actor=actor, role=role)
        sv.add_action_plan_row(
            store, sid, year, goal="Bättre studiero i årskurs 7–9",
            action="Kollegialt lärande om språk- och kunskapsutvecklande arbetssätt",
            cause="Undervisningen anpassas inte tillräckligt till elevgruppen.", owner_role="rektor",
            timeline="läsåret ut", follow_up="vårdialogen", actor=actor, role=role)
        first_row = row.id if first_row is None else first_row
    if first_row is None:
        return None
    iv = sv.plan_row_to_intervention(
        store, first_row, category=v.CATEGORIES[4], actor=actor, role=role, data=data,
        extra={"grades": [7, 8, 9], "student_group": "nyanlända elever och elever med kort tid i svensk skola",
               "catalogue_type": "se.likvard/insats/studiehandledning-modersmal", "catalogue_version": 1,
               "decision_body": BOARD, "decision_date": dt.date(year + 1, 5, 15).isoformat(),
               "cost_per_year": 900_000, "funding": "likvärdighetsbidrag",
               "logic": "studiehandledning på modersmålet → eleverna förstår undervisningen → högre meritvärde",
               "school_ids": list(schools)})
    return iv.id


@contextmanager
def _quick_commits(store: Store) -> Iterator[None]:
    """On an SQLite file, commits that do not wait for the disk (``PRAGMA synchronous = OFF``,
    the rollback journal in memory) while the history is written: the demo database is made from
    scratch, and an interrupted demo is run again. Other databases are left as they are."""
    engine = store.engine
    if engine.dialect.name != "sqlite" or not engine.url.database or engine.url.database == ":memory:":
        yield
        return

    def quick(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA synchronous = OFF")
        dbapi_connection.execute("PRAGMA journal_mode = MEMORY")

    engine.dispose()
    sa.event.listen(engine, "connect", quick)
    try:
        yield
    finally:
        sa.event.remove(engine, "connect", quick)
        engine.dispose()


def fill_followup(store: Store, data: AuthorityData, planted: Sequence[Mapping[str, Any]], *, seed: int = 0,
                  max_placebos: int = PLACEBOS) -> FollowupHistory:
    """Write Exempelstad's follow-up history (module docstring) into ``store``, which holds
    ``data``; ``planted``: ``truth["planted_interventions"]``. An evaluation the data cannot
    carry (too few school years) is left out and named in ``skipped``. Written in one
    ``service.batch`` (one transaction; the same rows as the calls one by one)."""
    with _quick_commits(store), sv.batch(store):
        return _fill(store, data, planted, seed, max_placebos)


def _fill(store: Store, data: AuthorityData, planted: Sequence[Mapping[str, Any]], seed: int,
          max_placebos: int) -> FollowupHistory:
    years = data.years()
    last = years[-1]
    ids = register_planted(store, data, planted, last)
    n_dialogues, n_decisions = _dialogues(store, data, years[-DIALOGUE_YEARS:], ids, planted)
    low = [p for p in planted if p["selected_for_low_results"] and str(p["intervention_id"]) in ids]
    singled = tuple(str(s) for p in low for s in dict(p["schools"]))
    plan_iv = _singled_out(store, data, singled, last) if singled else None
    for p in PLANNED if singled else ():
        fields = {k: val for k, val in p.items() if k != "offset"}
        sv.create_intervention(store, {**fields, "school_ids": list(singled[:1]), "status": "planerad",
                                       "start_year": last + int(p["offset"]), "decision_body": BOARD,
                                       "decision_date": dt.date(last + 1, 3, 12).isoformat(), "catalogue_version": 1},
                               actor=ANALYST[0], role=ANALYST[1], data=data)
    runs, skipped = {}, []
    for iid, register_id in ids.items():
        try:
            runs[iid] = sv.evaluate_intervention(store, register_id, actor=ANALYST[0], role=ANALYST[1], data=data,
                                                 seed=seed, max_placebos=max_placebos)
        except LikvardError as exc:
            skipped.append(str(exc))
    return FollowupHistory(interventions=ids, evaluations=runs, plan_intervention=plan_iv, n_dialogues=n_dialogues,
                           n_decisions=n_decisions, singled_out=singled, school_year=last,
                           n_interventions=len(sv.list_interventions(store)), skipped=tuple(skipped))

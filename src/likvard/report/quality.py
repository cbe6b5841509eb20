"""Kvalitetsrapporten: the authority's yearly quality report as Word (.docx) and offline HTML.

Headings (the follow-up research note, §1.7: Göteborg's and Malmö's reports,
Skolinspektionen's areas for huvudmän, and the two subheadings Skolinspektionen's follow-up of 28
low-performing schools added to the template): Inledning och underlag; Förutsättningar;
Resultat; Analys av studieresultat och trygghet; Kompensatoriskt arbete; **Bedömning av
effekten av föregående års åtgärder** (the register's evaluations with intervals and verdicts);
**Beslutade åtgärder efter analys samt åtgärdernas förväntade effekt**; Slutsatser,
rekommendationer och åtagandeplan; an appendix per school unit (dialogues, focus areas,
decisions and their status). Beside the interventions: what the catalogue knows of their type
(other authorities' pooled evaluations and the research). Every figure resting on fewer than 10
students is ``..``.
"""

from __future__ import annotations

import dataclasses

import datetime as dt
import html
import io
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pandas as pd

from likvard.files import write_private_bytes
from likvard.followup import service as sv
from likvard.followup import vocabulary as v
from likvard.followup.datapack import PACK_INDICATORS, hidden_in, pack_panel, teacher_table
from likvard.followup.records import Dialogue, EvaluationRun, Intervention
from likvard.privacy import SUPPRESSED
from likvard.report.file_names import quality_report_names
from likvard.store import Store
from likvard.tables import MIN_SHOWN_STUDENTS, AuthorityData
from likvard.text import format_number, school_year_label

EFFECT_HEADING = "Bedömning av effekten av föregående års åtgärder"
MEASURES_HEADING = "Beslutade åtgärder efter analys samt åtgärdernas förväntade effekt"


@dataclass
class QualityTable:
    """A table of the report: headers and rows of text (already suppressed)."""

    title: str
    headers: list[str]
    rows: list[list[str]]
    note: str = ""


@dataclass
class QualitySection:
    """A heading with paragraphs and tables."""

    key: str
    title: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[QualityTable] = field(default_factory=list)


@dataclass
class QualityReport:
    """The report's content, rendered to Word and HTML by the same sections."""

    title: str
    school_year: int
    authority: str
    sections: list[QualitySection]


def _n(value: object, n: int | None, decimals: int = 1) -> str:
    """A figure, or ``..`` when fewer than 10 students lie behind it."""
    if value is None:
        return "–"
    if n is None or n < MIN_SHOWN_STUDENTS:
        return SUPPRESSED
    return format_number(value, decimals)


def _interval(run: EvaluationRun) -> str:
    if run.n_students < MIN_SHOWN_STUDENTS:
        return SUPPRESSED
    if run.ci_low is None or run.ci_high is None:
        return "kan inte avgränsas"
    return f"{format_number(run.ci_low, 2)} till {format_number(run.ci_high, 2)}"


def _indicator(iv: Intervention) -> str:
    if iv.indicator is None:
        return "–"
    label = v.INDICATORS[iv.indicator]
    if iv.respondent:
        label += f", {v.RESPONDENTS.get(iv.respondent, iv.respondent)}"
    return label


def _expected(iv: Intervention) -> str:
    if iv.expected_effect is None:
        return "ingen angiven"
    sign = "+" if iv.expected_effect > 0 else ""
    return f"{sign}{format_number(iv.expected_effect, 2)} inom {iv.horizon} läsår"


def _schools(iv: Intervention, names: dict[str, str]) -> str:
    return ", ".join(names.get(s, s) for s in iv.school_ids)


def _school_names(data: AuthorityData) -> dict[str, str]:
    s = data.schools.sort_values("school_year")
    return dict(zip(s["school_id"].astype(str), s["name"].astype(str)))


def _intro(store: Store, year: int, dialogues: list[Dialogue], authority: str) -> QualitySection:
    imports = store.imports()
    sources = sorted(set(imports["file_name"].astype(str))) if len(imports) else []
    autumn = sum(d.kind == "host" for d in dialogues)
    spring = sum(d.kind == "var" for d in dialogues)
    signed = sum(d.signed for d in dialogues)
    return QualitySection("inledning", "Inledning och underlag", [
        f"Kvalitetsrapporten sammanfattar {authority}s systematiska kvalitetsarbete läsåret "
        f"{school_year_label(year)} (skollagen 4 kap. 3–7 §§): uppföljning, analys av orsaker, beslutade åtgärder "
        "och bedömningen av effekten av tidigare åtgärder.",
        f"Under läsåret hölls {autumn} undersökande kvalitetsdialoger på hösten och {spring} uppföljande på våren; "
        f"{signed} av dem är signerade av både rektor och huvudman.",
        "Underlag: " + ("; ".join(sources) if sources else "inga importerade register") + ". Effekterna är "
        "skattade med Likvärds effektutvärdering (syntetisk kontroll, skillnad-i-skillnader m.fl. med "
        "placebojämförelser) och 90 %-intervall.",
        f"Uppgifter som bygger på färre än {MIN_SHOWN_STUDENTS} elever visas som {SUPPRESSED}.",
    ])


def _hidden_schools(data: AuthorityData, year: int) -> set[str]:
    """The schools whose figures read ``..`` in ``year`` in every table Likvärd publishes (fewer
    than 10 students and the complements that keep them from following from the totals shown
    elsewhere: ``Dataset.hidden``), so the quality report hides the same schools: the decision
    ``likvard.disclosure.schools.hidden_schools`` takes for every output of the data, as the data
    packs of the quality dialogues already computed it (``datapack.hidden_in``)."""
    if data.students.empty or not (data.students["school_year"] == year).any():
        return set()
    return set(hidden_in(data, year))


def _published_rows(frame: pd.DataFrame, key: str, title: str, hidden: set[str], columns: list[str],
                    decimals: dict[str, int]) -> list[list[str]]:
    """``frame`` (``school_id``, ``name`` and figures) with the hidden schools' figures as ``..``,
    through disclosure control (``publish``), as text rows (name first)."""
    from likvard.views.suppression import publish, suppress_units
    from likvard.views.table import Table

    shown = publish(Table(key, title, suppress_units(frame, "school_id", hidden, columns), decimals=decimals))
    return [[str(r["name"]), *[("–" if r[c] is None or (isinstance(r[c], float) and pd.isna(r[c]))
                                else format_number(r[c], decimals.get(c, 1))) for c in columns]]
            for _, r in shown.data.iterrows()]


def _conditions(data: AuthorityData, year: int, names: dict[str, str]) -> QualitySection:
    from likvard.disclosure import MIN_SHOWN_TEACHERS

    st = data.students[data.students["school_year"] == year]
    counts = st.groupby(st["school_id"].astype(str)).size()
    td = teacher_table(data) if len(data.staff) else pd.DataFrame()
    records = []
    for sid in sorted(counts.index, key=lambda s: names.get(s, s)):
        n = int(counts[sid])
        me = td[(td["school_id"].astype(str) == sid) & (td["school_year"] == year)] if len(td) else td
        teachers = float(me["n_teachers"].iloc[0]) if len(me) and "n_teachers" in me else None
        few = teachers is None or not teachers >= MIN_SHOWN_TEACHERS  # staff rule: one teacher's certification
        cert = None if not len(me) else SUPPRESSED if few else float(me["share_certified"].iloc[0]) * 100
        turn = me["turnover"].iloc[0] if len(me) and "turnover" in me else None
        turn = None if turn is None or pd.isna(turn) else SUPPRESSED if few else float(turn) * 100
        records.append({"school_id": sid, "name": names.get(sid, sid), "n_students": n, "share_certified": cert,
                        "turnover": turn})
    frame = pd.DataFrame(records, columns=["school_id", "name", "n_students", "share_certified", "turnover"])
    small = set(frame.loc[frame["n_students"] < MIN_SHOWN_STUDENTS, "school_id"])
    rows = _published_rows(frame, "forutsattningar", "Förutsättningar", _hidden_schools(data, year) | small,
                           ["n_students", "share_certified", "turnover"],
                           {"n_students": 0, "share_certified": 0, "turnover": 0})
    return QualitySection("forutsattningar", "Förutsättningar", [
        "Elever per skolenhet, andel legitimerade lärare (heltidsviktad) och personalomsättning (andel av "
        "föregående läsårs personal som inte finns kvar på skolan)."],
        [QualityTable(f"Förutsättningar läsåret {school_year_label(year)}",
                      ["Skolenhet", "Elever", "Legitimerade lärare, %", "Personalomsättning, %"], rows)])


def _results(data: AuthorityData, year: int, names: dict[str, str]) -> QualitySection:
    columns = []
    values: dict[str, dict[str, object]] = {}
    for indicator, respondent, label in PACK_INDICATORS:
        panel = pack_panel(data, indicator, respondent)
        here = panel[panel["school_year"] == year]
        if here.empty:
            continue
        columns.append(label)
        scale = 100.0 if indicator == "share_eligible" else 1.0
        for r in here.itertuples(index=False):
            values.setdefault(str(r.school_id), {})[label] = (
                SUPPRESSED if not int(r.n_students) >= MIN_SHOWN_STUDENTS else float(r.value) * scale)
    order = sorted(values, key=lambda s: names.get(s, s))
    frame = pd.DataFrame([{"school_id": s, "name": names.get(s, s), **{c: values[s].get(c) for c in columns}}
                          for s in order], columns=["school_id", "name", *columns])
    rows = _published_rows(frame, "resultat", "Resultat", _hidden_schools(data, year), columns,
                           dict.fromkeys(columns, 1))
    return QualitySection("resultat", "Resultat", [
        "Kunskapsresultat i årskurs 9 (meritvärde, andel behöriga till gymnasiets nationella program, %) och "
        "Skolenkätens index för trygghet, studiero och stöd (0–10) per skolenhet."],
        [QualityTable(f"Resultat läsåret {school_year_label(year)}", ["Skolenhet", *columns], rows)])


def _analysis(store: Store, dialogues: list[Dialogue], year: int, data: AuthorityData,
              names: dict[str, str]) -> QualitySection:
    rows = []
    for d in dialogues:
        for item in d.items:
            causes = [n.text for n in item.notes if n.kind == "analys"]
            if item.flagged or causes:
                rows.append([d.school_name, v.DIALOGUE_KINDS[d.kind], item.title, " ".join(causes) or "saknas"])
    problems = []
    for sid in sorted({d.school_id for d in dialogues}):
        try:
            na = sv.nulagesanalys(store, sid, year, data=data)
        except sv.FollowupError:
            continue
        if na.id is None:
            continue
        for p in na.problems:
            problems.append([names.get(sid, sid), p.title, p.cause or "saknas", p.cause_area or "–",
                             p.evidence])
    tables = [QualityTable("Flaggade områden och orsaksanalys i kvalitetsdialogerna",
                           ["Skolenhet", "Dialog", "Område", "Orsaksanalys"], rows)]
    if problems:
        tables.append(QualityTable("Problem och orsaker i nulägesanalyserna",
                                   ["Skolenhet", "Problem", "Orsak", "Orsaksområde", "Belagd eller hypotes"], problems))
    return QualitySection("analys", "Analys av studieresultat och trygghet", [
        "Orsaker till resultaten enligt dialogernas analyser (en flaggad punkt kan inte signeras utan en "
        "orsaksanalys) och skolornas nulägesanalyser."], tables)


def _compensatory(ivs: list[Intervention], names: dict[str, str]) -> QualitySection:
    rows = [[iv.name, iv.category, _schools(iv, names),
             "–" if iv.cost_per_year is None else format_number(iv.cost_per_year, 0),
             "–" if iv.cost_per_student is None else format_number(iv.cost_per_student, 0), iv.funding or "–"]
            for iv in ivs if iv.category in (v.CATEGORIES[3], v.CATEGORIES[4])]
    return QualitySection("kompensatoriskt", "Kompensatoriskt arbete", [
        "Insatser för resursfördelning, stöd och utveckling och insatser med kompensatorisk prägel (Skolverkets "
        "kategorier), med kostnad per år och per elev i målgruppen."],
        [QualityTable("Kompensatoriska insatser och resursinsatser",
                      ["Insats", "Kategori", "Skolenheter", "Kostnad per år, kr", "Kr per elev och år", "Finansiering"],
                      rows)])


def _verdict_sentence(iv: Intervention, run: EvaluationRun) -> str:
    est = SUPPRESSED if run.n_students < MIN_SHOWN_STUDENTS else format_number(run.estimate, 2)
    text = (f"{iv.name}: utlåtande {run.verdict}. Skattad effekt {est} på {_indicator(iv).lower()} "
            f"(90 %-intervall {_interval(run)}); förväntad effekt vid beslutet {_expected(iv)}. {run.reason}")
    if run.selected_for_low_results and run.rtm is not None and run.n_students >= MIN_SHOWN_STUDENTS:
        text += (f" Skolorna hade låga resultat före start: utan insats väntas en förändring på "
                 f"{format_number(run.rtm, 2)} av återgång mot medelvärdet, och den är dragen från skattningen.")
    return text


def _effects(ivs: list[Intervention], year: int, names: dict[str, str]) -> QualitySection:
    done = [iv for iv in ivs if iv.start_year is not None and iv.start_year < year and iv.latest_evaluation]
    rows, paragraphs = [], []
    for iv in done:
        run = iv.latest_evaluation
        assert run is not None
        hidden = run.n_students < MIN_SHOWN_STUDENTS
        rtm = "–" if not run.selected_for_low_results or run.rtm is None else (
            SUPPRESSED if hidden else format_number(run.rtm, 2))
        rows.append([iv.name, _schools(iv, names), _indicator(iv), _expected(iv),
                     SUPPRESSED if hidden else format_number(run.estimate, 2), _interval(run), rtm, run.verdict,
                     v.DESIGNS.get(run.design, run.design)])
        paragraphs.append(_verdict_sentence(iv, run))
    waiting = [iv for iv in ivs if iv.start_year is not None and iv.start_year < year and not iv.latest_evaluation]
    if waiting:
        paragraphs.append("Ännu inte utvärderade: " + "; ".join(iv.name for iv in waiting) + ".")
    if not done:
        paragraphs.insert(0, "Inga tidigare åtgärder är utvärderade ännu.")
    return QualitySection("effekt", EFFECT_HEADING, [
        "Effekten av åtgärder som startade före läsåret, skattad mot jämförelseskolor med 90 %-intervall. "
        "Utlåtandena är effekt, ingen påvisbar effekt eller går inte att avgöra.", *paragraphs],
        [QualityTable("Utvärderade åtgärder", ["Insats", "Skolenheter", "Indikator", "Förväntad effekt",
                                                "Skattad effekt", "90 %-intervall", "Återgång mot medelvärdet",
                                                "Utlåtande", "Design"], rows)])


def _measures(ivs: list[Intervention], dialogues: list[Dialogue], year: int, names: dict[str, str]) -> QualitySection:
    first, last = dt.date(year, 7, 1), dt.date(year + 1, 6, 30)
    new = [iv for iv in ivs if (iv.start_year is not None and iv.start_year >= year)
           or (iv.decision_date is not None and first <= iv.decision_date <= last)]
    rows = []
    for iv in new:
        b = iv.baseline
        base = "–" if b is None or b.value is None else (
            f"{_n(b.value, b.n, 2)} ({school_year_label(b.school_year)})" if b.school_year else _n(b.value, b.n, 2))
        mde = "–" if b is None or b.mde is None else format_number(b.mde, 2)
        rows.append([iv.name, iv.category, _schools(iv, names), _indicator(iv), base, _expected(iv), mde,
                     "–" if iv.start_year is None else school_year_label(iv.start_year)])
    warnings = [f"{iv.name}: {iv.baseline.warning}" for iv in new if iv.baseline and iv.baseline.warning]
    by_id = {iv.id: iv for iv in ivs}
    drows = []
    for d in dialogues:
        for dec in d.decisions:
            if dec.deleted:
                continue
            linked = by_id.get(dec.intervention_id) if dec.intervention_id is not None else None
            drows.append([d.school_name, f"{v.DIALOGUE_KINDS[d.kind]} {d.date.isoformat()}", dec.what,
                          dec.responsible_role, dec.due_date.isoformat(), dec.status,
                          linked.name if linked else "–", _expected(linked) if linked else "–"])
    return QualitySection("atgarder", MEASURES_HEADING, [
        "Åtgärder beslutade efter analysen, med indikator, utgångsläge, förväntad effekt och den minsta effekt "
        "utvärderingen kan upptäcka (beräknad vid beslutet på data före start).", *warnings],
        [QualityTable("Beslutade insatser", ["Insats", "Kategori", "Skolenheter", "Indikator", "Utgångsläge",
                                             "Förväntad effekt", "Minsta upptäckbara effekt", "Start"], rows),
         QualityTable("Beslut i kvalitetsdialogerna", ["Skolenhet", "Dialog", "Beslut", "Ansvarig", "Senast",
                                                       "Status", "Kopplad insats", "Förväntad effekt"], drows)])


POOLING_METHOD: Literal["dl"] = "dl"
POOLING_LEVEL = 0.95


def _catalogue(store: Store, ivs: list[Intervention]) -> QualitySection:
    """Per intervention with a catalogue type: the catalogue's pooled local evaluations of the type
    on the intervention's indicator (random effects, DerSimonian–Laird, 95 %; the same figures as
    ``likvard katalog lista --metod dl``) beside the authority's own expected effect, and the
    research evidence rows of the type (the store's catalogue and the starter catalogue)."""
    from likvard.analyses.catalogue import store_catalogue, type_evidence
    from likvard.catalogue.starter import shipped_catalogue

    linked = [iv for iv in ivs if iv.catalogue_type]
    stored = store_catalogue(store)
    starter = shipped_catalogue()
    type_names = {t.insats_typ_id: t.namn for t in (*starter.types, *stored.types)}
    evidence = {e.evidens_id: e for e in (*starter.evidence, *stored.evidence)}
    merged = dataclasses.replace(stored, types=(*starter.types, *stored.types), evidence=tuple(evidence.values()))
    rows, research = [], []
    for iv in linked:
        known = type_evidence(merged, iv.catalogue_type or "", iv.indicator, method=POOLING_METHOD,
                              level=POOLING_LEVEL)
        p = known.pooled
        if p is None:
            cells = [known.note or "–", "–", str(known.authorities if known.n_local else 0), "–"]
        else:
            cells = [format_number(p.estimate, 2),
                     f"{format_number(p.ci_low, 2)} till {format_number(p.ci_high, 2)}", str(known.authorities),
                     format_number(p.tau2 ** 0.5, 2)]
        rows.append([iv.name, known.type_name if iv.catalogue_type else "–", _indicator(iv),
                     _expected(iv), *cells, str(len(known.research))])
    for e in sorted(evidence.values(), key=lambda e: e.evidens_id):
        users = [iv.name for iv in linked if iv.catalogue_type == e.insats_typ_id]
        if not users:
            continue
        effect = "–" if e.effekt_smd is None else (
            f"{format_number(e.effekt_smd, 2)} ({format_number(e.ki_lag, 2)} till {format_number(e.ki_hog, 2)})")
        research.append([type_names.get(e.insats_typ_id, e.insats_typ_id), e.kalla_typ, e.referens,
                         e.utfallsdoman or "–", e.publicerat_varde or "–", effect, str(e.evidensstyrka_0_5)])
    return QualitySection("katalog", "Insatskatalogen: andra huvudmäns utvärderingar och forskning", [
        "För varje insats som hör till en insatstyp i insatskatalogen: de lokala utvärderingar som andra huvudmän "
        "delat (sammanvägda med slumpeffektmodell, DerSimonian–Laird, 95 %-intervall; spridningen mellan "
        "huvudmännen är standardavvikelsen tau) bredvid den egna förväntade effekten, och forskningsstödet för "
        "typen med referens och resultat som det är publicerat."],
        [QualityTable("Insatstyper och sammanvägda lokala utvärderingar",
                      ["Insats", "Insatstyp", "Indikator", "Egen förväntad effekt", "Sammanvägd effekt",
                       "95 %-intervall", "Huvudmän", "Spridning mellan huvudmän (tau)", "Rader forskningsstöd"],
                      rows),
         QualityTable("Forskningsstöd för insatstyperna", ["Insatstyp", "Källtyp", "Referens", "Utfall",
                                                           "Publicerat resultat", "Effekt (SMD) och intervall",
                                                           "Evidensstyrka 0–5"], research)])


def _conclusions(store: Store, ivs: list[Intervention], dialogues: list[Dialogue], year: int,
                 names: dict[str, str]) -> QualitySection:
    verdicts: dict[str, int] = {}
    for iv in ivs:
        if iv.latest_evaluation and iv.start_year is not None and iv.start_year < year:
            verdicts[iv.latest_evaluation.verdict] = verdicts.get(iv.latest_evaluation.verdict, 0) + 1
    open_dec = [(d, dec) for d in dialogues for dec in d.decisions
                if not dec.deleted and dec.status in v.OPEN_DECISION_STATUSES]
    paragraphs = []
    if verdicts:
        paragraphs.append("Av de utvärderade åtgärderna fick " + ", ".join(
            f"{n} utlåtandet {k}" for k, n in sorted(verdicts.items())) + ".")
    paragraphs.append(f"{len(open_dec)} beslut från årets dialoger är inte avslutade och följs upp vid nästa dialog.")
    plan = sv.action_plan(store, school_year=year)
    rows = [[names.get(r.school_id, r.school_id), r.goal, r.action, r.cause, r.owner_role, r.timeline,
             "–" if r.expected_effect is None else format_number(r.expected_effect, 2), r.follow_up or "–"]
            for r in plan]
    return QualitySection("slutsatser", "Slutsatser, rekommendationer och åtagandeplan", paragraphs,
                          [QualityTable("Åtgärdsplaner", ["Skolenhet", "Mål", "Åtgärd", "Orsak", "Ansvarig",
                                                          "Tidplan", "Förväntad effekt", "Uppföljning"], rows)])


def _appendix(dialogues: list[Dialogue]) -> QualitySection:
    rows = []
    for d in dialogues:
        rows.append([d.school_name, v.DIALOGUE_KINDS[d.kind], d.date.isoformat(), d.focus_area or "–",
                     d.authority_area or "–", str(sum(not x.deleted for x in d.decisions)),
                     "ja" if d.signed else "nej"])
    return QualitySection("bilaga", "Bilaga: kvalitetsdialoger per skolenhet", [], [
        QualityTable("Dialoger", ["Skolenhet", "Dialog", "Datum", "Rektors fokusområde", "Huvudmannens område",
                                  "Beslut", "Signerad"], rows)])


def build_quality_report(store: Store, school_year: int, *, data: AuthorityData | None = None) -> QualityReport:
    """The report's content for ``school_year`` from the register and the stored data."""
    year = int(school_year)
    data = data if data is not None else store.load()
    authority = store.name() or data.name or "Huvudmannen"
    names = _school_names(data)
    ivs = sv.list_interventions(store)
    dialogues = sv.list_dialogues(store, school_year=year)
    sections = [
        _intro(store, year, dialogues, authority),
        _conditions(data, year, names),
        _results(data, year, names),
        _analysis(store, dialogues, year, data, names),
        _compensatory(ivs, names),
        _effects(ivs, year, names),
        _measures(ivs, dialogues, year, names),
        _catalogue(store, ivs),
        _conclusions(store, ivs, dialogues, year, names),
        _appendix(dialogues),
    ]
    return QualityReport(f"Kvalitetsrapport {school_year_label(year)} – {authority}", year, authority, sections)


def render_docx(report: QualityReport) -> bytes:
    """The report as a Word document (python-docx)."""
    from docx import Document

    doc = Document()
    doc.core_properties.title = report.title
    doc.add_heading(report.title, level=0)
    doc.add_paragraph(f"Skapad {dt.date.today().isoformat()} med Likvärd.")
    for s in report.sections:
        doc.add_heading(s.title, level=1)
        for p in s.paragraphs:
            doc.add_paragraph(p)
        for tab in s.tables:
            doc.add_heading(tab.title, level=2)
            if not tab.rows:
                doc.add_paragraph("Inga uppgifter.")
                continue
            table = doc.add_table(rows=1, cols=len(tab.headers))
            table.style = "Table Grid"
            for cell, h in zip(table.rows[0].cells, tab.headers):
                cell.text = h
                for run in cell.paragraphs[0].runs:
                    run.bold = True
            for row in tab.rows:
                cells = table.add_row().cells
                for cell, value in zip(cells, row):
                    cell.text = str(value)
            if tab.note:
                doc.add_paragraph(tab.note)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


CSS = """body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.45}
table{border-collapse:collapse;margin:.5rem 0 1.5rem;font-size:.9rem}th,td{border:1px solid #999;padding:.25rem .5rem;
text-align:left;vertical-align:top}th{background:#eee}h1{font-size:1.6rem}h2{margin-top:2rem;border-bottom:1px solid #ccc}
@media print{body{max-width:none}h2{break-after:avoid}table{break-inside:auto}}"""


def render_html(report: QualityReport) -> str:
    """The report as one self-contained HTML page (no external files, prints on A4)."""
    e = html.escape
    parts = ["<!DOCTYPE html>", '<html lang="sv"><head><meta charset="utf-8">',
             "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">",
             f"<title>{e(report.title)}</title><style>{CSS}</style></head><body>",
             f"<h1>{e(report.title)}</h1><p>Skapad {dt.date.today().isoformat()} med Likvärd.</p>",
             "<nav><ol>" + "".join(f'<li><a href="#{s.key}">{e(s.title)}</a></li>' for s in report.sections)
             + "</ol></nav>"]
    for s in report.sections:
        parts.append(f'<section id="{s.key}"><h2>{e(s.title)}</h2>')
        parts.extend(f"<p>{e(p)}</p>" for p in s.paragraphs)
        for tab in s.tables:
            parts.append(f"<h3>{e(tab.title)}</h3>")
            if not tab.rows:
                parts.append("<p>Inga uppgifter.</p>")
                continue
            head = "".join(f"<th>{e(h)}</th>" for h in tab.headers)
            body = "".join("<tr>" + "".join(f"<td>{e(str(c))}</td>" for c in row) + "</tr>" for row in tab.rows)
            parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
            if tab.note:
                parts.append(f"<p>{e(tab.note)}</p>")
        parts.append("</section>")
    parts.append(f"<footer><p>Uppgifter som bygger på färre än {MIN_SHOWN_STUDENTS} elever visas som "
                 f"<strong>{SUPPRESSED}</strong>.</p></footer></body></html>")
    return "\n".join(parts)


def _replace(path: Path, content: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    write_private_bytes(tmp, content)
    os.replace(tmp, path)


def write_quality_report(store: Store, school_year: int, out_dir: str | Path, *,
                         data: AuthorityData | None = None) -> tuple[Path, Path]:
    """Write ``kvalitetsrapport-YEAR.docx`` and ``.html`` into ``out_dir`` (each written to a
    temporary file first, then renamed); returns both paths."""
    report = build_quality_report(store, school_year, data=data)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    docx_name, html_name = quality_report_names(school_year)
    docx_path, html_path = out / docx_name, out / html_name
    _replace(docx_path, render_docx(report))
    _replace(html_path, render_html(report).encode("utf-8"))
    return docx_path, html_path

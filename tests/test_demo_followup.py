"""Exempelstad's follow-up history as ``likvard demo`` writes it: the register's evaluations of
the planted interventions agree with the truth file the demo writes (I1 and I2 ``effekt`` with
intervals covering the planted effect; I3, placed at the lowest-result schools, not ``effekt``
and with the regression-to-the-mean figure beside it), in the register and in the quality report
read back with python-docx; the dialogues, decisions, nulägesanalys and åtgärdsplan follow the
register's rules; the catalogue export carries the evaluated interventions."""

from __future__ import annotations

import datetime as dt
import json

import docx
import pytest

from likvard.analyses.catalogue import export_catalogue
from likvard.analyses.dataset import dataset_from_authority
from likvard.analyses.need import need as need_analysis
from likvard.catalogue import read_package
from likvard.demo import generate_exempelstad
from likvard.demo.followup import ANALYST, CATALOGUE_TYPES, DIALOGUE_YEARS, PLACEBOS, fill_followup, register_planted
from likvard.expected.need import need_index
from likvard.followup import service as sv
from likvard.followup import vocabulary as v
from likvard.report.quality import EFFECT_HEADING, MEASURES_HEADING, write_quality_report
from likvard.store import open_store
from likvard.text import format_number


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("exempelstad")
    data = generate_exempelstad()
    store = open_store(tmp / "exempelstad.db")
    store.save_authority_data(data, source="Exempelstad (frö 2026)")
    history = fill_followup(store, data, data.truth["planted_interventions"], seed=2026)
    truth = json.loads(data.write_truth(tmp / "facit")["truth"].read_text(encoding="utf-8"))
    planted = {p["intervention_id"]: p for p in truth["planted_interventions"]}
    docx_path, html_path = write_quality_report(store, history.school_year, tmp / "ut", data=data)
    yield data, store, history, planted, docx_path, html_path, tmp
    store.close()


def test_register_verdicts_agree_with_the_truth_file(demo):
    _, store, history, planted, *_ = demo
    assert set(history.evaluations) == set(planted) == {"I1", "I2", "I3"} and not history.skipped
    for iid, p in planted.items():
        iv = sv.get_intervention(store, history.interventions[iid])
        run = iv.latest_evaluation
        assert run is not None and run.indicator == p["outcome"]
        assert iv.starts() == {str(s): int(y) for s, y in p["schools"].items()}
        if p["effect"] > 0:
            assert run.verdict == "effekt", run.reason
            assert run.ci_low <= p["effect"] <= run.ci_high
            assert not run.selected_for_low_results
        else:
            assert run.verdict != "effekt", run.reason
            assert p["selected_for_low_results"] and run.selected_for_low_results and run.rtm is not None


@pytest.mark.parametrize("seed", [1, 2])
def test_register_verdicts_on_other_towns(tmp_path, seed):
    """The register alone (no dialogues) on two other seeds: the same verdicts, every interval of
    the effective interventions covering the planted effect."""
    data = generate_exempelstad(seed=seed)
    store = open_store(tmp_path / "stad.db")
    store.save_authority_data(data, source=f"Exempelstad (frö {seed})")
    planted = data.truth["planted_interventions"]
    ids = register_planted(store, data, planted, data.years()[-1])
    for p in planted:
        run = sv.evaluate_intervention(store, ids[p["intervention_id"]], actor=ANALYST[0], role=ANALYST[1], data=data,
                                       seed=seed, max_placebos=PLACEBOS)
        if p["effect"] > 0:
            assert run.verdict == "effekt" and run.ci_low <= p["effect"] <= run.ci_high, run.reason
        else:
            assert run.verdict != "effekt" and run.rtm is not None, run.reason
    store.close()


def test_quality_report_states_the_verdicts_beside_the_rtm_figure(demo):
    _, store, history, planted, docx_path, html_path, _ = demo
    doc = docx.Document(str(docx_path))
    texts = [p.text for p in doc.paragraphs]
    heads = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert EFFECT_HEADING in heads and MEASURES_HEADING in heads
    section = texts[texts.index(EFFECT_HEADING):texts.index(MEASURES_HEADING)]
    for iid, p in planted.items():
        run = history.evaluations[iid]
        sentence = next(t for t in section if t.startswith(f"{p['name']}: utlåtande "))
        assert f"utlåtande {run.verdict}." in sentence
        assert (run.verdict == "effekt") == (p["effect"] > 0)
        assert f"{format_number(run.ci_low, 2)} till {format_number(run.ci_high, 2)}" in sentence
        if p["selected_for_low_results"]:
            assert f"{format_number(run.rtm, 2)} av återgång mot medelvärdet" in sentence
    table = next(t for t in doc.tables if t.rows[0].cells[0].text == "Insats" and
                 "Återgång mot medelvärdet" in [c.text for c in t.rows[0].cells])
    header = [c.text for c in table.rows[0].cells]
    rows = {r.cells[0].text: [c.text for c in r.cells] for r in table.rows[1:]}
    for p in planted.values():
        rtm = rows[p["name"]][header.index("Återgång mot medelvärdet")]
        assert (rtm != "–") == p["selected_for_low_results"]
    assert "Kvalitetsrapport" in html_path.read_text(encoding="utf-8")


def test_interventions_carry_what_was_decided(demo):
    data, store, history, planted, *_ = demo
    for iid, p in planted.items():
        iv = sv.get_intervention(store, history.interventions[iid])
        assert iv.catalogue_type == CATALOGUE_TYPES[iid] and iv.catalogue_version == 1
        assert iv.expected_effect == p["expected_effect"] and iv.horizon and iv.category == p["category"]
        assert iv.decision_date is not None and iv.decision_date < dt.date(iv.start_year, 7, 1)
        assert iv.fidelity and iv.cost_per_student is not None and iv.cost_per_student > 0
        assert iv.baseline is not None and iv.baseline.school_year == iv.start_year - 1
    # every category of Skolverket's PM is in the register, each intervention with a catalogue type
    register = sv.list_interventions(store)
    assert {iv.category for iv in register} == set(v.CATEGORIES) and len(register) == history.n_interventions
    assert all(iv.catalogue_type for iv in register)
    effective = [sv.get_intervention(store, history.interventions[i]) for i in ("I1", "I2")]
    assert all(iv.baseline.mde is not None and iv.expected_effect >= iv.baseline.mde for iv in effective)


def test_dialogues_decisions_and_singled_out_schools(demo):
    data, store, history, *_ = demo
    years = data.years()[-DIALOGUE_YEARS:]
    municipal = data.schools[data.schools["organiser_type"] == "municipal"]
    dialogues = sv.list_dialogues(store)
    assert len(dialogues) == history.n_dialogues
    for y in years:
        expected = set(municipal.loc[municipal["school_year"] == y, "school_id"].astype(str))
        for kind in ("host", "var"):
            assert {d.school_id for d in dialogues if d.school_year == y and d.kind == kind} == expected
    assert all(d.signed and d.focus_area and d.authority_area for d in dialogues)
    assert all(any(n.kind == "analys" for n in i.notes) for d in dialogues for i in d.items if i.flagged)
    later = {d.id: d.date for d in dialogues}
    changed = [dec for d in dialogues for dec in d.decisions if len(dec.history) > 1]
    assert changed and {dec.status for dec in changed} >= {"genomförd", "delvis"}
    assert all(later[h.dialogue_id] > later[dec.dialogue_id] for dec in changed for h in dec.history[1:])
    # the need index in the frozen data pack is the engine's figure for the school and year
    table = need_index(data.students)
    d = dialogues[-1]
    need = d.data_pack.content["need"]
    row = table[(table["school_id"].astype(str) == d.school_id) & (table["school_year"] == d.school_year)].iloc[0]
    assert need["value"] == round(float(row["need_index"]), 1)
    here = table[table["school_year"] == d.school_year]
    assert need["rank"] == 1 + int((here["need_index"] > row["need_index"]).sum())
    shown = need_analysis(dataset_from_authority(data)).table  # the nulägesrapport's figure
    mine = shown[(shown["school_id"] == d.school_id) & (shown["school_year"] == d.school_year)].iloc[0]
    assert (need["value"], need["low"], need["high"]) == tuple(
        round(float(mine[c]), 1) for c in ("need_index", "need_index_low", "need_index_high"))
    # förstärkt nulägesanalys and åtgärdsplan at the schools singled out; a plan row became an intervention
    assert history.singled_out
    for sid in history.singled_out:
        na = sv.nulagesanalys(store, sid, history.school_year, data=data)
        assert na.version >= 1 and all(p.cause for p in na.problems)
        assert sv.action_plan(store, school_id=sid, school_year=history.school_year)
    plan_iv = sv.get_intervention(store, history.plan_intervention)
    assert plan_iv.start_year == history.school_year + 1 and plan_iv.catalogue_type


def test_catalogue_export_carries_the_evaluated_interventions(demo):
    data, store, history, planted, *_, tmp = demo
    cat = read_package(export_catalogue(store, tmp / "katalog.zip", data=data))  # frictionless-validated
    rows = {e.insats_typ_id: e for e in cat.local}
    assert set(rows) == set(CATALOGUE_TYPES.values())
    assert {t.insats_typ_id for t in cat.types} == set(CATALOGUE_TYPES.values())
    for iid, type_id in CATALOGUE_TYPES.items():
        iv = sv.get_intervention(store, history.interventions[iid])
        run, e = iv.latest_evaluation, rows[type_id]
        assert e.utlatande == run.verdict and e.indikator == planted[iid]["outcome"]
        assert e.skattad_effekt == pytest.approx(run.estimate) and e.ki_lag == pytest.approx(run.ci_low)
        assert e.forvantad_effekt == planted[iid]["expected_effect"] and e.forregistrerad == iv.decision_date
        assert e.antal_skolor == len(planted[iid]["schools"]) and e.skolor is None
        assert 0 < e.inforandegrad <= 1 and e.kostnad_faktisk_kr_per_elev == pytest.approx(iv.cost_per_student)

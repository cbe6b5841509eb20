"""The register's link to the catalogue: an intervention picks a type (id and version) that the
catalogue in the store or the starter catalogue holds, and anything else is refused with a Swedish
message naming it and nothing written; the quality report shows, beside the intervention, the
pooled local evaluations of its type and indicator, checked against statsmodels'
``combine_effects`` (DerSimonian–Laird) on the same inputs, and the type's research rows."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from scipy.stats import norm
from statsmodels.stats.meta_analysis import combine_effects

from _followup_data import START, TREATED, small_authority
from likvard.analyses.catalogue import import_catalogues
from likvard.catalogue import Catalogue, Evidence, InterventionType, LocalEvaluation
from likvard.catalogue.starter import shipped_catalogue, starter_catalogue
from likvard.followup import service as sv
from likvard.followup.rules import FollowupError
from likvard.report.quality import build_quality_report
from likvard.store import open_store
from likvard.text import format_number

TYPE = "se.likvard/insats/trygghetsteam"
FIELDS = {"name": "Trygghetsteam", "category": "Insatser med kompensatorisk prägel", "school_ids": TREATED,
          "indicator": "trygghet", "respondent": "student_grade5", "expected_effect": 1.0, "horizon": 2,
          "start_year": START, "catalogue_type": TYPE}


@pytest.fixture
def store(tmp_path):
    s = open_store(tmp_path / "x.db")
    s.save_authority_data(small_authority(), "test")
    yield s
    s.close()


def test_shipped_catalogue_is_the_validated_starter():
    fast, checked = shipped_catalogue(), starter_catalogue()
    assert (fast.types, fast.evidence, fast.local) == (checked.types, checked.evidence, checked.local)


def test_unknown_type_or_version_is_refused_and_nothing_written(store):
    with pytest.raises(FollowupError, match="'se.likvard/insats/finns-inte' finns inte i insatskatalogen"):
        sv.create_intervention(store, {**FIELDS, "catalogue_type": "se.likvard/insats/finns-inte"}, actor="anna",
                               role="analytiker", compute_baseline=False)
    with pytest.raises(FollowupError, match="inte i version 3.*har version 1"):
        sv.create_intervention(store, {**FIELDS, "catalogue_version": 3}, actor="anna", role="analytiker",
                               compute_baseline=False)
    with pytest.raises(FollowupError, match="version av insatstypen men ingen insatstyp"):
        sv.create_intervention(store, {**FIELDS, "catalogue_type": None, "catalogue_version": 2}, actor="anna",
                               role="analytiker", compute_baseline=False)
    with pytest.raises(FollowupError, match="finns-inte"):
        sv.import_interventions(store, [(2, FIELDS), (3, {**FIELDS, "catalogue_type": "x/finns-inte"})],
                                source="insatser.csv", actor="anna", role="analytiker", compute_baseline=False)
    assert sv.list_interventions(store, include_deleted=True) == []
    iv = sv.create_intervention(store, FIELDS, actor="anna", role="analytiker", compute_baseline=False)
    assert (iv.catalogue_type, iv.catalogue_version) == (TYPE, 1)
    with pytest.raises(FollowupError, match="'annan/typ' finns inte"):
        sv.update_intervention(store, iv.id, {"catalogue_type": "annan/typ"}, actor="anna", role="analytiker",
                               compute_baseline=False)
    assert sv.get_intervention(store, iv.id).version == 1


def _type(type_id: str, version: int) -> InterventionType:
    return InterventionType(insats_typ_id=type_id, version=version, namn="Egen typ", kategori="Skolans profil och status",
                            adresserar_problem="låga resultat", licens="CC-BY-4.0", uppdaterad=dt.date(2024, 1, 1))


def test_a_type_imported_into_the_store_can_be_picked(store):
    import_catalogues(store, [(Catalogue(publisher="Grannstad", types=(_type("grannstad/insats/egen", 2),)),
                               "grannstad.zip")])
    assert sv.catalogue_types(store)["grannstad/insats/egen"] == {2}
    iv = sv.create_intervention(store, {**FIELDS, "catalogue_type": "grannstad/insats/egen", "catalogue_version": 2},
                                actor="anna", role="analytiker", compute_baseline=False)
    assert iv.catalogue_version == 2


def _local(i: int, publisher: str, estimate: float, low: float, high: float) -> LocalEvaluation:
    return LocalEvaluation(
        utvardering_id=f"{publisher}/trygghetsteam/{i}", insats_typ_id=TYPE, version=1, huvudman=publisher,
        huvudman_typ="kommunal", antal_skolor=2, period_start=2020, period_slut=2022, design="did",
        indikator="trygghet", utlatande="effekt", n_elever_band="50–99", likvard_version="0.1.0",
        data_hash="0" * 64, skattad_effekt=estimate, ki_lag=low, ki_hog=high, ki_niva=0.9)


def test_quality_report_shows_pooled_evaluations_and_research(store):
    sv.create_intervention(store, FIELDS, actor="anna", role="analytiker", compute_baseline=False)
    inputs = [("Astad", 0.9, 0.5, 1.3), ("Bstad", 0.2, -0.1, 0.5), ("Cstad", 0.6, 0.1, 1.1), ("Dstad", 1.4, 0.9, 1.9)]
    research = Evidence(evidens_id="test/evidens/1", insats_typ_id=TYPE, version=1, kalla_typ="metaanalys",
                        referens="Författare (2020). En översikt.", evidensstyrka_0_5=3, utfallsdoman="trygghet",
                        effekt_smd=0.25, ki_lag=0.1, ki_hog=0.4, ki_niva=0.95)
    import_catalogues(store, [(Catalogue(publisher=p, local=(_local(i, p, y, lo, hi),),
                                         evidence=(research,) if i == 0 else ()), f"{p}.zip")
                              for i, (p, y, lo, hi) in enumerate(inputs)])
    report = build_quality_report(store, START + 1)
    section = next(s for s in report.sections if s.key == "katalog")
    pooled, rows = section.tables
    row = dict(zip(pooled.headers, pooled.rows[0]))
    y = np.array([x[1] for x in inputs])
    se = np.array([(x[3] - x[2]) / (2 * norm.ppf(0.95)) for x in inputs])
    ref = combine_effects(y, se**2, method_re="chi2", alpha=0.05)
    assert ref.tau2 > 0  # the authorities disagree: the spread is not zero
    low, high = ref.conf_int(alpha=0.05)[1]
    assert row["Sammanvägd effekt"] == format_number(ref.mean_effect_re, 2)
    assert row["95 %-intervall"] == f"{format_number(low, 2)} till {format_number(high, 2)}"
    assert row["Spridning mellan huvudmän (tau)"] == format_number(np.sqrt(ref.tau2), 2)
    assert row["Huvudmän"] == "4" and row["Egen förväntad effekt"].startswith("+1,00")
    refs = {r[2] for r in rows.rows}
    assert research.referens in refs
    assert {e.referens for e in shipped_catalogue().evidence if e.insats_typ_id == TYPE} <= refs


def test_command_line_picks_a_catalogue_type(store, tmp_path):
    from typer.testing import CliRunner

    from likvard.cli.main import app

    base = ["insats", "ny", "--db", str(tmp_path / "x.db"), "--namn", "Trygghetsteam", "--kategori",
            "Insatser med kompensatorisk prägel", "--skolor", ",".join(TREATED), "--anvandare", "anna",
            "--roll", "analytiker"]
    bad = CliRunner().invoke(app, [*base, "--insatstyp", "se.likvard/insats/finns-inte"], env={"COLUMNS": "250"})
    assert bad.exit_code != 0 and "'se.likvard/insats/finns-inte' finns inte i insatskatalogen" in bad.output
    assert sv.list_interventions(store) == []
    ok = CliRunner().invoke(app, [*base, "--insatstyp", f"{TYPE}@1"], env={"COLUMNS": "250"})
    assert ok.exit_code == 0, ok.output
    assert f"Insatstyp i insatskatalogen: {TYPE}, version 1" in ok.output
    (iv,) = sv.list_interventions(store)
    assert (iv.catalogue_type, iv.catalogue_version) == (TYPE, 1)

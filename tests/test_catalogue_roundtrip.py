"""Done-when round trip of the catalogue: two differently seeded Exempelstads evaluate their
planted interventions, save them as their own catalogue rows and export packages (validated here
by ``frictionless`` directly); a fresh database imports both, and the pooled estimate and
interval per type and indicator equal statsmodels' ``combine_effects`` on the same inputs, read
back from the published CSV files. The command line does the same import and shows the pooling."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import numpy as np
import pytest
from frictionless import validate
from scipy.stats import norm
from statsmodels.stats.meta_analysis import combine_effects
from typer.testing import CliRunner

from likvard.analyses.catalogue import (
    exempelstad_catalogue,
    export_catalogue,
    import_packages,
    save_own,
    store_catalogue,
)
from likvard.catalogue import pool_evaluations
from likvard.catalogue.package import suppressed
from likvard.cli.main import app
from likvard.demo import generate_exempelstad
from likvard.store import open_store

SEEDS = (2026, 7)


@pytest.fixture(scope="module")
def packages(tmp_path_factory):
    base = tmp_path_factory.mktemp("katalog")
    out = {}
    for seed in SEEDS:
        town = generate_exempelstad(seed=seed, n_years=9, scale=0.6)
        cat = exempelstad_catalogue(town, publisher=f"Exempelstad {seed}")
        store = open_store(base / f"stad-{seed}.db")
        save_own(store, cat)
        out[seed] = (cat, export_catalogue(store, base / f"stad-{seed}.zip"))
        store.close()
    return base, out


def _published_local(path: Path) -> list[dict[str, str]]:
    with zipfile.ZipFile(path) as z:
        return list(csv.DictReader(io.StringIO(z.read("lokala_utvarderingar.csv").decode("utf-8"))))


def test_exported_packages_validate_with_frictionless(packages, tmp_path):
    _, out = packages
    for seed, (cat, path) in out.items():
        folder = tmp_path / str(seed)
        with zipfile.ZipFile(path) as z:
            z.extractall(folder)
        report = validate(str(folder / "datapackage.json"))
        assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
        rows = _published_local(path)
        assert len(rows) == len(cat.local) == 3
        assert all(r["skolor"] == ".." for r in rows)  # no school identity without opt-in
        assert all(r["n_elever_band"] != "under 10" for r in rows)
        assert {r["huvudman"] for r in rows} == {f"Exempelstad {seed}"}


def test_fresh_database_pools_both_authorities_like_statsmodels(packages):
    base, out = packages
    store = open_store(base / "gemensam.db")
    report = import_packages(store, [out[s][1] for s in SEEDS])
    assert report.added["lokala_utvarderingar"] == 6 and not report.conflicts
    assert report.added["insatstyper"] == 3 and report.unchanged["insatstyper"] == 3
    merged = store_catalogue(store)
    exported = sorted((suppressed(e) for s in SEEDS for e in out[s][0].local), key=lambda e: e.utvardering_id)
    assert sorted(merged.local, key=lambda e: e.utvardering_id) == exported

    # the same inputs, taken from the published CSV text, not from Likvärd's records
    published = [r for s in SEEDS for r in _published_local(out[s][1])]
    pooled_any = False
    for method, sm_method in (("dl", "dl"), ("pm", "iterated")):
        for g in pool_evaluations(merged.local, method=method, level=0.95):
            rows = [r for r in published if r["insats_typ_id"] == g.insats_typ_id and r["indikator"] == g.indikator
                    and r["ki_lag"] != ".."]
            assert len(rows) == len(g.evaluation_ids)
            if g.pooled is None:
                assert len(rows) < 2
                continue
            pooled_any = True
            y = np.array([float(r["skattad_effekt"]) - float(r["rtm_justering"]) for r in rows])
            se = np.array([(float(r["ki_hog"]) - float(r["ki_lag"])) / (2 * norm.ppf((1 + float(r["ki_niva"])) / 2))
                           for r in rows])
            kw = {"atol": 1e-12, "maxiter": 1000} if sm_method == "iterated" else {}
            sm = combine_effects(y, se**2, method_re=sm_method, alpha=0.05, **kw)
            fe, re_ = sm.conf_int(alpha=0.05)[:2]
            if sm_method == "dl" and sm.tau2 < 0:  # statsmodels does not truncate DL at 0
                assert g.pooled.tau2 == 0.0
                mean, ci = sm.mean_effect_fe, fe
            else:
                assert g.pooled.tau2 == pytest.approx(sm.tau2, rel=1e-7, abs=1e-12)
                mean, ci = sm.mean_effect_re, re_
            assert g.pooled.estimate == pytest.approx(mean, rel=1e-9)
            assert (g.pooled.ci_low, g.pooled.ci_high) == pytest.approx(tuple(ci), rel=1e-9)
            assert g.pooled.k == 2 and g.pooled.pi_low is None  # two authorities: no prediction interval
    assert pooled_any
    store.close()


def test_command_line_imports_lists_and_shows_the_pooling(packages, tmp_path):
    _, out = packages
    db = tmp_path / "cli.db"
    runner = CliRunner()
    res = runner.invoke(app, ["katalog", "importera", str(out[2026][1]), str(out[7][1]), "--db", str(db)])
    assert res.exit_code == 0, res.output
    assert "6 utvärderingar från 2 paket" in res.output
    res = runner.invoke(app, ["katalog", "importera", str(out[2026][1]), "--db", str(db)])
    assert res.exit_code == 0 and "fanns redan oförändrade" in res.output
    res = runner.invoke(app, ["katalog", "visa", "se.likvard/insats/tvalararsystem", "--db", str(db), "--metod", "dl"])
    assert res.exit_code == 0, res.output
    store = open_store(db)
    g = next(g for g in pool_evaluations(store_catalogue(store).local, method="dl")
             if g.insats_typ_id == "se.likvard/insats/tvalararsystem")
    store.close()
    shown = f"{g.pooled.estimate:.2f}".replace(".", ",")
    assert f"Effekt {shown}" in res.output and "kräver minst tre utvärderingar" in res.output
    assert "Exempelstad 2026" in res.output and "Exempelstad 7" in res.output
    res = runner.invoke(app, ["katalog", "lista", "--db", str(db)])
    assert res.exit_code == 0 and "Tvålärarsystem" in res.output and "Skolskjuts eller busskort" in res.output
    res = runner.invoke(app, ["katalog", "visa", "se.likvard/insats/finns-inte", "--db", str(db)])
    assert res.exit_code != 0 and "finns inte i katalogen" in res.output
    again = tmp_path / "ut.zip"
    res = runner.invoke(app, ["katalog", "exportera", "--db", str(out[2026][1]).replace(".zip", ".db"),
                              "--ut", str(again)])
    assert res.exit_code == 0, res.output
    assert _published_local(again) == _published_local(out[2026][1])

"""Catalogue packages: the starter catalogue validates and cites a reference on every evidence
row; export suppresses (no figure on fewer than 10 students, no school ids without opt-in, no
estimate without its interval); a package with a wrong type, a missing key, a duplicate id, an
effect without interval or a cell below 10 students is refused with a message naming table, row
and column, and nothing is imported; conflicting rows are reported and never overwrite."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import hashlib
import json
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from frictionless import validate

from likvard.analyses.catalogue import import_packages, store_catalogue
from likvard.catalogue import Catalogue, CatalogueError, LocalEvaluation, read_package, write_package
from likvard.catalogue import schema
from likvard.catalogue.starter import STARTER_DIR, starter_catalogue
from likvard.store import open_store
from likvard.store import schema as store_schema

SEED_PM = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "004_723f3e0c8f703abd.txt"  # ../shared beside the repo


def test_starter_catalogue_validates_and_every_evidence_row_has_a_reference():
    report = validate(str(STARTER_DIR / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    cat = starter_catalogue()
    assert len(cat.types) >= 20
    assert {t.kategori for t in cat.types} == set(schema.CATEGORIES)
    names = {t.insats_typ_id.rsplit("/", 1)[1] for t in cat.types}
    for slug in ("tvalararsystem", "kollegialt-rektorslarande", "coacher-skolutveckling", "trygghetsteam",
                 "normarbete-mot-vald", "sprak-och-kunskapsutvecklande-arbetssatt", "studiehandledning-modersmal",
                 "laxhjalp", "forlangd-skoldag", "utbyten-mellan-skolor", "kulturskola", "elevcoacher",
                 "karriartjanster", "hogre-ingangslon", "profiler", "busskort", "kvoter-nyanlanda",
                 "andrade-upptagningsomraden", "sammanslagning", "nybyggnation"):
        assert slug in names
    assert cat.evidence and not cat.local
    types = {t.key for t in cat.types}
    for e in cat.evidence:
        assert len(e.referens) >= 10 and (e.insats_typ_id, e.version) in types
        # no invented effect sizes: the starter only carries findings quoted as published
        assert e.effekt_smd is None and e.evidensstyrka_0_5 == 0 and e.publicerat_varde
    if SEED_PM.exists():  # the quoted findings are verbatim in Skolverket's PM
        text = " ".join(SEED_PM.read_text(encoding="utf-8").split())
        for e in cat.evidence:
            if "2018:00332" in e.referens:
                assert e.publicerat_varde in text


def local(i: int = 1, **kw) -> LocalEvaluation:
    base = dict(utvardering_id=f"huvudman-{i}/tvalararsystem/studiero", insats_typ_id="se.likvard/insats/tvalararsystem",
                version=1, huvudman=f"Huvudman {i}", huvudman_typ="kommunal", antal_skolor=1, skolor="12345678",
                period_start=2021, period_slut=2023, design="sc", indikator="studiero", enhet="indexpoäng 0–10",
                baseline=6.1, forvantad_effekt=1.0, forregistrerad=dt.date(2021, 6, 1), skattad_effekt=1.25,
                ki_lag=0.8, ki_hog=1.7, ki_niva=0.9, inferens="placebo", permutationsgolv=0.05, mde=0.6,
                rtm_justering=0.0, effekt_smd=2.0, utlatande="effekt", n_elever_band="50–99", likvard_version="0.1.0",
                data_hash="a" * 64, behovsband="medel", omradestyp="3", storleksband="400–599")
    base.update(kw)
    return LocalEvaluation(**base)


def catalogue(*evs: LocalEvaluation, publisher: str = "Huvudman 1") -> Catalogue:
    t = {t.insats_typ_id: t for t in starter_catalogue().types}["se.likvard/insats/tvalararsystem"]
    return Catalogue(publisher=publisher, types=(t,), local=evs or (local(),))


def rows(folder: Path, name: str) -> list[dict[str, str]]:
    with open(folder / f"{name}.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def rewrite(folder: Path, name: str, table: list[dict[str, str]]) -> None:
    """Replace a table and update its hash, as a publisher with a broken tool would."""
    path = folder / f"{name}.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=schema.columns(name), lineterminator="\n")
        w.writeheader()
        w.writerows(table)
    d = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    for r in d["resources"]:
        if r["name"] == name:
            r["hash"] = "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()
    (folder / "datapackage.json").write_text(json.dumps(d, ensure_ascii=False), encoding="utf-8")


def test_export_suppresses_small_cells_school_ids_and_estimates_without_interval(tmp_path):
    cat = catalogue(local(1), local(2, n_elever_band="under 10"), local(3, ki_lag=None, ki_hog=None))
    out = write_package(cat, tmp_path / "paket")
    table = {r["utvardering_id"].split("/")[0]: r for r in rows(out, "lokala_utvarderingar")}
    assert table["huvudman-1"]["skattad_effekt"] == "1.25" and table["huvudman-1"]["skolor"] == ".."
    assert all(table["huvudman-2"][c] == ".." for c in schema.FIGURE_COLUMNS)
    assert table["huvudman-2"]["utlatande"] == "effekt"  # the verdict is not a figure on students
    assert table["huvudman-3"]["skattad_effekt"] == ".." and table["huvudman-3"]["mde"] == "0.6"
    assert validate(str(out / "datapackage.json")).valid
    shown = write_package(cat, tmp_path / "med-skolor.zip", include_schools=True)
    with zipfile.ZipFile(shown) as z:
        assert sorted(z.namelist()) == ["datapackage.json", "forskningsstod.csv", "insatstyper.csv",
                                        "lokala_utvarderingar.csv"]
    back = read_package(shown)
    assert back.local[0].skolor == "12345678" and back.publisher == "Huvudman 1"
    assert back.local[0] == local(1)  # figures survive the round trip exactly
    assert back.meta["profil"] == schema.PROFILE and len(back.meta["data_hash"]) == 64
    with pytest.raises(Exception, match="finns redan"):
        write_package(cat, out)


def _broken(tmp_path: Path, change) -> Path:
    folder = write_package(catalogue(local(1), local(2)), tmp_path / "trasig")
    table = rows(folder, "lokala_utvarderingar")
    change(table)
    rewrite(folder, "lokala_utvarderingar", table)
    return folder


def _set(row: int, **values):
    def change(table):
        table[row].update(values)
    return change


def _duplicate(table):
    table[1]["utvardering_id"] = table[0]["utvardering_id"]


CASES = [
    ("fel typ", _set(1, version="två"), "lokala_utvarderingar.csv, rad 3, kolumn version: värdet 'två' har fel typ"),
    ("saknad nyckel", _set(0, utvardering_id=".."),
     "lokala_utvarderingar.csv, rad 2, kolumn utvardering_id: värdet saknas men måste anges"),
    ("okänd insatstyp", _set(0, insats_typ_id="se.likvard/insats/finns-inte"),
     "lokala_utvarderingar.csv, rad 2, kolumn insats_typ_id, version: raden pekar på en insatstyp"),
    ("dubblett", _duplicate, "lokala_utvarderingar.csv, rad 3, kolumn utvardering_id: raden har ett id som redan finns"),
    ("effekt utan intervall", _set(1, ki_hog=".."),
     "lokala_utvarderingar.csv, rad 3, kolumn ki_hog: effekten 1.25 saknar intervall"),
    ("under 10 elever", _set(0, n_elever_band="under 10"),
     "lokala_utvarderingar.csv, rad 2, kolumn baseline: raden vilar på färre än 10 elever"),
    ("fel utlåtande", _set(0, utlatande="bra"),
     "lokala_utvarderingar.csv, rad 2, kolumn utlatande: värdet 'bra' bryter mot ett villkor: tillåtna värden är"),
]


@pytest.mark.parametrize("name,change,message", CASES, ids=[c[0] for c in CASES])
def test_a_broken_package_is_refused_with_table_row_and_column_and_nothing_is_imported(tmp_path, name, change, message):
    good = write_package(catalogue(local(7, utvardering_id="annan/tvalararsystem/studiero")), tmp_path / "bra.zip")
    bad = _broken(tmp_path, change)
    store = open_store(tmp_path / "k.db")
    with pytest.raises(CatalogueError) as info:
        import_packages(store, [good, bad])
    assert message in str(info.value), str(info.value)
    assert "trasig" in str(info.value)
    with store.engine.connect() as conn:
        for t in (store_schema.catalogue_types, store_schema.catalogue_local, store_schema.catalogue_imports):
            assert conn.execute(sa.select(sa.func.count()).select_from(t)).scalar() == 0


def test_a_tampered_table_is_refused_by_its_hash(tmp_path):
    folder = write_package(catalogue(), tmp_path / "p")
    path = folder / "lokala_utvarderingar.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("1.25", "2.25"), encoding="utf-8")
    with pytest.raises(CatalogueError, match="lokala_utvarderingar.csv: tabellen stämmer inte med den hash"):
        read_package(folder)


def test_a_package_cannot_loosen_its_schema(tmp_path):
    folder = write_package(catalogue(), tmp_path / "p")
    d = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    d["resources"][2]["schema"]["fields"] = [f for f in d["resources"][2]["schema"]["fields"]
                                             if f["name"] != "n_elever_band"]
    (folder / "datapackage.json").write_text(json.dumps(d), encoding="utf-8")
    with pytest.raises(CatalogueError, match="har inte Likvärds tabellschema"):
        read_package(folder)


def test_merge_by_key_reports_conflicts_and_never_overwrites(tmp_path):
    a = write_package(catalogue(local(1)), tmp_path / "a.zip")
    b = write_package(catalogue(local(2)), tmp_path / "b.zip")
    changed = write_package(catalogue(local(1, skattad_effekt=9.0, ki_lag=8.0, ki_hog=10.0)), tmp_path / "c.zip")
    store = open_store(tmp_path / "k.db")
    first = import_packages(store, [a, b])
    assert first.added == {"insatstyper": 1, "forskningsstod": 0, "lokala_utvarderingar": 2}
    assert first.unchanged["insatstyper"] == 1 and not first.conflicts  # b carries the same type
    again = import_packages(store, [a, changed])
    assert sum(again.added.values()) == 0
    assert [c.key for c in again.conflicts] == ["huvudman-1/tvalararsystem/studiero"]
    c = again.conflicts[0]
    assert c.source == "c.zip" and c.existing_source == "a.zip"
    assert set(c.columns) == {"skattad_effekt", "ki_lag", "ki_hog"}
    assert "den befintliga behålls" in c.message()
    merged = store_catalogue(store)
    assert {e.utvardering_id: e.skattad_effekt for e in merged.local} == {
        "huvudman-1/tvalararsystem/studiero": 1.25, "huvudman-2/tvalararsystem/studiero": 1.25}
    newer = dataclasses.replace(catalogue().types[0], version=2, namn="Tvålärarsystem, version 2")
    v2 = write_package(Catalogue(publisher="H3", types=(newer,)), tmp_path / "v2")
    assert import_packages(store, [v2]).added["insatstyper"] == 1  # a new version is a new row

"""Outputs added after the disclosure module go through it too: the quality report and the web
app's school pages show ``..`` for a planted school of 7 students, hide the same schools as every
other table of the run, and the hidden counts cannot be narrowed below ±3 students from the
authority's total (checked with an independent linear program, scipy's linprog)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

from _followup_data import SCHOOLS, small_authority
from likvard.analyses.composition import composition
from likvard.analyses.dataset import dataset_from_authority
from likvard.disclosure import PROTECTION
from likvard.privacy import SUPPRESSED
from likvard.views.composition import school_table

YEAR = 2023
PLANTED = SCHOOLS[5]


def plant(data, school: str, year: int, keep: int = 7):
    """``data`` with only ``keep`` students left at ``school`` in ``year``."""
    st = data.students
    mine = st.index[(st["school_id"] == school) & (st["school_year"] == year)]
    data.students = st.drop(index=mine[keep:]).reset_index(drop=True)
    return data


def intervals(shown: dict[str, float], hidden: list[str], total: float) -> dict[str, tuple[float, float]]:
    """Reference attacker: min and max of each hidden count given the shown counts and the total
    (non-negative counts; the other hidden counts are free)."""
    rest = total - sum(shown.values())
    out = {}
    for k in hidden:
        c = np.array([1.0 if h == k else 0.0 for h in hidden])
        a = np.ones((1, len(hidden)))
        lo = linprog(c, A_eq=a, b_eq=[rest], bounds=(0, None), method="highs")
        hi = linprog(-c, A_eq=a, b_eq=[rest], bounds=(0, None), method="highs")
        assert lo.status == 0 and hi.status == 0
        out[k] = (lo.fun, -hi.fun)
    return out


def test_quality_report_hides_the_planted_school_like_every_other_table(tmp_path):
    from likvard.report.quality import build_quality_report
    from likvard.store import open_store

    data = plant(small_authority(), PLANTED, YEAR)
    store = open_store(tmp_path / "q.db")
    store.save_authority_data(data, "test")
    report = build_quality_report(store, YEAR, data=data)
    store.close()
    cond = next(s for s in report.sections if s.key == "forutsattningar").tables[0]
    name_of = dict(zip(data.schools["school_id"], data.schools["name"]))
    by_name = {r[0]: r for r in cond.rows}
    planted = by_name[name_of[PLANTED]]
    assert planted[1] == SUPPRESSED and planted[2] == SUPPRESSED and planted[3] in (SUPPRESSED, "–")
    results = next(s for s in report.sections if s.key == "resultat").tables[0]
    assert all(v == SUPPRESSED for v in next(r for r in results.rows if r[0] == name_of[PLANTED])[1:])
    # the same schools read '..' here as in the student-mix table of the Nulägesrapport
    ds = dataset_from_authority(data)
    comp = school_table(composition(ds), ds)
    comp = comp[comp["school_year"] == YEAR]
    hidden_there = set(comp.loc[comp["n_students"].astype(str) == SUPPRESSED, "name"])
    hidden_here = {r[0] for r in cond.rows if r[1] == SUPPRESSED}
    assert hidden_here == hidden_there and len(hidden_here) >= 2
    # the authority's total (published in the Nulägesrapport) minus the shown schools
    counts = data.students[data.students["school_year"] == YEAR].groupby("school_id").size()
    total = float(counts.sum())
    shown = {r[0]: float(r[1].replace("\u202f", "").replace(" ", "")) for r in cond.rows if r[1] != SUPPRESSED}
    assert all(v >= 10 for v in shown.values())
    for name, (lo, hi) in intervals(shown, sorted(hidden_here), total).items():
        assert hi - lo >= 2 * PROTECTION, (name, lo, hi)
    # teacher figures rest on six teachers per school here: shown for the others
    assert any(r[2] not in (SUPPRESSED, "–") for r in cond.rows)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    from likvard.demo import generate_exempelstad
    from likvard.store import open_store
    from likvard.web.accounts import create_user
    from likvard.web.app import create_app

    data = generate_exempelstad(seed=5, n_years=3)
    last = int(data.students["school_year"].max())
    sizes = data.students[data.students["school_year"] == last].groupby("school_id").size()
    planted = str(sizes.sort_values().index[len(sizes) // 2])  # a mid-sized school cut down to 7
    data = plant(data, planted, last)
    db = tmp_path_factory.mktemp("webdisc") / "web.db"
    store = open_store(db)
    store.save_authority_data(data, "test")
    create_user(store, "adam", "admin", PASSWORD, actor="test")
    app = create_app(str(db), store=store)
    assert app.state.cache.wait(600) is not None
    yield app, data, planted, last
    store.close()


PASSWORD = "ett långt lösenord 42"


def _admin(app):
    from fastapi.testclient import TestClient

    client = TestClient(app, base_url="http://127.0.0.1")
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/logga-in").text).group(1)
    r = client.post("/logga-in", data={"anvandarnamn": "adam", "losenord": PASSWORD, "csrf_token": token},
                    follow_redirects=False)
    assert r.status_code == 303
    return client


def test_web_school_page_shows_dots_and_no_count_follows_from_the_total(site):
    app, data, planted, last = site
    client = _admin(app)
    page = client.get(f"/skolor/{planted}")
    assert page.status_code == 200
    doc = client.get(f"/api/skolor/{planted}").json()
    comp = pd.DataFrame(doc["tables"]["sammansattning"]["rows"])
    row = comp[comp["school_year"] == last].iloc[0]
    assert row["n_students"] == SUPPRESSED
    assert all(row[c] == SUPPRESSED for c in ("share_post_secondary", "share_foreign_background"))
    # the page itself: the composition table's row of the last year reads '..' in every figure
    label = f"{last}/{(last + 1) % 100:02d}"
    rows = [r for r in re.findall(r"<tr>(.*?)</tr>", page.text, flags=re.S) if f">{label}<" in r]
    assert rows and SUPPRESSED in rows[0]
    # every school's page: hidden counts of the last year, and the authority's total
    ids = sorted(data.students["school_id"].astype(str).unique())
    shown, hidden = {}, []
    for sid in ids:
        tables = client.get(f"/api/skolor/{sid}").json()["tables"]
        if "sammansattning" not in tables:
            continue
        t = pd.DataFrame(tables["sammansattning"]["rows"])
        t = t[t["school_year"] == last]
        if t.empty:
            continue
        v = t["n_students"].iloc[0]
        if v == SUPPRESSED:
            hidden.append(sid)
        else:
            assert float(v) >= 10
            shown[sid] = float(v)
    assert planted in hidden and len(hidden) >= 2
    total = float((data.students["school_year"] == last).sum())
    for sid, (lo, hi) in intervals(shown, hidden, total).items():
        assert hi - lo >= 2 * PROTECTION, (sid, lo, hi)
    # the downloads refuse nothing and carry the same '..'
    csv = client.get(f"/skolor/{planted}/tabeller.csv")
    assert csv.status_code == 200 and SUPPRESSED in csv.text


def test_intervention_register_export_passes_disclosure_and_neutralises_formulas(tmp_path):
    """``likvard insats lista --ut``: the register is written (it passed ``publish``), a name that
    begins with ``=`` is text in both CSV and Excel, and the expected effect keeps its two decimals."""
    import openpyxl
    from typer.testing import CliRunner

    from likvard.cli.main import app
    from likvard.export import read_csv
    from likvard.followup import service as sv
    from likvard.store import open_store

    data = small_authority()
    db = tmp_path / "r.db"
    store = open_store(db)
    store.save_authority_data(data, "test")
    sv.create_intervention(store, {"name": '=HYPERLINK("http://x","y")', "category": "Insatser med kompensatorisk prägel",
                                   "school_ids": SCHOOLS[:2], "indicator": "trygghet", "respondent": "student_grade5",
                                   "expected_effect": 0.25, "horizon": 2, "start_year": 2021},
                           actor="a", role="admin", data=data)
    store.close()
    for suffix in ("csv", "xlsx"):
        out = tmp_path / f"insatser.{suffix}"
        result = CliRunner().invoke(app, ["insats", "lista", "--db", str(db), "--ut", str(out)])
        assert result.exit_code == 0, result.output
        if suffix == "csv":
            row = read_csv(out).iloc[0]
            assert row["namn"] == "'" + '=HYPERLINK("http://x","y")' and row["förväntad effekt"] == "0,25"
        else:
            ws = openpyxl.load_workbook(out)["insatser"]
            header = [c.value for c in ws[1]]
            cell = ws.cell(2, header.index("namn") + 1)
            assert cell.data_type == "s" and cell.value.startswith("'=")
            assert ws.cell(2, header.index("förväntad effekt") + 1).value == pytest.approx(0.25)


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x","y")', "+1", "-x", "@SUM(A1)", "'=already quoted", "plain"])
def test_catalogue_package_neutralises_formula_cells_and_round_trips_exactly(tmp_path, text):
    """Every text cell of a catalogue package that a spreadsheet would run starts with ``'``;
    reading the package gives back exactly the text written."""
    import csv
    import dataclasses

    from likvard.catalogue import Catalogue, read_package, write_package
    from likvard.catalogue.starter import starter_catalogue
    from likvard.disclosure import FORMULA_START

    t = dataclasses.replace(starter_catalogue().types[0], beskrivning=text, malgrupp=text)
    out = write_package(Catalogue(publisher="Huvudman 1", types=(t,), local=()), tmp_path / "paket")
    with open(out / "insatstyper.csv", encoding="utf-8", newline="") as fh:
        cells = [c for row in csv.reader(fh) for c in row]
    assert not any(c.startswith(FORMULA_START) for c in cells)
    back = read_package(out)
    assert back.types[0].beskrivning == text and back.types[0].malgrupp == text


def test_dialogue_data_pack_hides_small_counts_in_the_trend_and_staffing_of_few_teachers():
    """The data pack of a quality dialogue: a year with 7 grade-9 students reads ``..`` in the
    trend (value and count), and the staffing of a school with 3 teachers reads ``..``."""
    from likvard.followup.datapack import build_data_pack

    data = small_authority()
    school = SCHOOLS[3]
    st = data.students
    g9 = st.index[(st["school_id"] == school) & (st["school_year"] == YEAR - 1) & (st["grade"] == 9)]
    data.students = st.drop(index=g9[7:]).reset_index(drop=True)
    sf = data.staff
    few = sf.index[(sf["school_id"] == school) & (sf["school_year"] == YEAR)]
    data.staff = sf.drop(index=few[3:]).reset_index(drop=True)
    pack, _ = build_data_pack(data, school, YEAR)
    trend = {t["school_year"]: t for t in pack["indicators"]["merit_value"]["trend"]}
    assert trend[YEAR - 1]["value"] == SUPPRESSED and trend[YEAR - 1]["n"] == SUPPRESSED
    assert trend[YEAR]["n"] == 12 and trend[YEAR]["value"] != SUPPRESSED
    assert pack["staffing"] and all(v == SUPPRESSED for v in pack["staffing"].values())
    other, _ = build_data_pack(data, SCHOOLS[4], YEAR)  # six teachers: shown
    assert other["staffing"]["share_certified"] == pytest.approx(4 / 6, abs=1e-3)


def _indicator_outputs(data):
    from likvard.analyses.overview import run_overview
    from likvard.analyses.settings import Settings
    from likvard.views.findings import key_findings
    from likvard.views.indicators import certification_by_need, indicator_table

    ov = run_overview(dataset_from_authority(data), Settings(n_replications=10),
                      parts=("composition", "need", "indicators"))
    t = indicator_table(ov.indicators, ov.dataset, ov.settings)
    findings = [f.text for f in key_findings(ov, {t.key: t.data}) if f.topic == "Hur är lärarna fördelade?"]
    return t.data.set_index("school_id"), certification_by_need(t.data), findings


def test_teacher_figures_of_a_school_with_three_teachers_are_hidden_and_change_nothing_shown():
    """Staff rule: a school with 3 teachers shows ``..`` for its certification, does not count it
    among its weak indicators, and every shown figure — the table, the quarter means and the
    finding — is the same whether its three teachers are all certified or none is."""
    school = SCHOOLS[6]
    outputs = []
    for certified in (True, False):
        data = small_authority()
        sf = data.staff
        mine = sf.index[(sf["school_id"] == school) & (sf["school_year"] == YEAR)]
        sf = sf.drop(index=mine[3:])
        sf.loc[sf.index.isin(mine[:3]), "certified"] = certified
        data.staff = sf.reset_index(drop=True)
        outputs.append(_indicator_outputs(data))
    (t1, m1, f1), (t2, m2, f2) = outputs
    assert t1.loc[school, "share_certified"] == SUPPRESSED and t1.loc[school, "lead_teachers_per_100"] == SUPPRESSED
    assert "legitimerade lärare" not in str(t1.loc[school, "weak_indicators"])
    assert "legitimerade lärare" not in str(t2.loc[school, "weak_indicators"])
    pd.testing.assert_frame_equal(t1, t2)
    assert m1 == m2 and f1 == f2
    shown = t1.drop(index=school)
    assert (shown["share_certified"] != SUPPRESSED).all()  # six teachers elsewhere: shown
    # the means are the student-weighted means of the shown rows (hand computation)
    r = shown.assign(need=shown["need"].astype(float), share=shown["share_certified"].astype(float),
                     n=shown["n_students"].astype(float))
    q = r["need"].quantile([0.25, 0.75])
    hi, lo = r[r["need"] >= q.iloc[1]], r[r["need"] <= q.iloc[0]]
    assert m1 == pytest.approx(((hi["share"] * hi["n"]).sum() / hi["n"].sum(), (lo["share"] * lo["n"]).sum() / lo["n"].sum()))

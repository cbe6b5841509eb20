"""The follow-up pages of the web app with FastAPI's TestClient on a small Exempelstad (5 school
years), on SQLite and on PostgreSQL (``$LIKVARD_TEST_POSTGRES_URL``, started by .ci/run; see _web_db): the
analyst registers an intervention and runs its evaluation in the background, the authority calls a
dialogue, the principal fills the focus area, notes and signs for their own school only, the school
chief adds the authority's area and a decision and signs, the board sees counts without any form.
Figures are checked against the data directly (baseline mean, frozen data pack hash) and every
write against the audit log."""

from __future__ import annotations

import hashlib
import json
import re
from urllib.parse import quote

import numpy as np
import pytest
from fastapi.testclient import TestClient

from _web_db import web_db_url  # noqa: F401 (the fixture)
from likvard.demo import generate_exempelstad
from likvard.store import open_store
from likvard.web.accounts import audit_entries, create_user
from likvard.web.app import create_app

PASSWORD = "ett långt lösenord 42"
KOMP = "Insatser med kompensatorisk prägel"


@pytest.fixture(scope="module")
def site(web_db_url):  # noqa: F811 (the imported fixture)
    data = generate_exempelstad(seed=5, n_years=5)
    st = data.students
    counts = st[(st["grade"] == 9) & st["merit_value"].notna()].groupby(["school_id", "school_year"]).size().unstack()
    full = sorted(str(s) for s in counts.index[(counts.fillna(0) >= 20).all(axis=1)])
    treated = full[:2]
    ids = sorted(data.schools["school_id"].astype(str).unique())
    other = next(s for s in ids if s not in treated)
    store = open_store(web_db_url)
    store.save_authority_data(data, "test")
    create_user(store, "ana", "analytiker", PASSWORD, actor="test")
    create_user(store, "sven", "skolchef", PASSWORD, treated, actor="test")
    create_user(store, "rut", "rektor", PASSWORD, treated[:1], actor="test")
    create_user(store, "nina", "nämnd", PASSWORD, actor="test")
    app = create_app(web_db_url, store=store)
    assert app.state.cache.wait(600) is not None
    yield app, store, data, treated, other
    app.state.jobs.shutdown()
    store.close()


def login(app, name: str) -> tuple[TestClient, str]:
    client = TestClient(app, base_url="http://127.0.0.1")
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/logga-in").text).group(1)
    r = client.post("/logga-in", data={"anvandarnamn": name, "losenord": PASSWORD, "csrf_token": token},
                    follow_redirects=False)
    assert r.status_code == 303
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/insatser").text)
    assert csrf
    return client, csrf.group(1)


def _post(client: TestClient, url: str, csrf: str, **data) -> str:
    r = client.post(url, data={"csrf_token": csrf, **data}, follow_redirects=False)
    assert r.status_code == 303, (url, r.status_code, r.text[-600:])
    return r.headers["location"]


def _last_log(store, action: str):
    return next(e for e in audit_entries(store) if e.action == action)


def test_analyst_registers_and_evaluates_an_intervention(site):
    app, store, data, treated, _ = site
    ana, csrf = login(app, "ana")
    year = max(data.years())
    start = year - 1
    assert ana.post("/insatser/ny", data={"name": "x"}, follow_redirects=False).status_code == 403  # no CSRF
    url = _post(ana, "/insatser/ny", csrf, name="Läxhjälp åk 9", category=KOMP, school_ids=treated,
                indicator="merit_value", expected_effect="12", horizon="2", start_year=str(start), design="auto",
                direction="+", status="pågående", cost_per_year="300000")
    page = ana.get(url).text
    # the baseline: the n-weighted mean merit value of the treated schools in the year before the start
    st = data.students
    before = st[(st["school_year"] == start - 1) & st["school_id"].astype(str).isin(treated) & (st["grade"] == 9)]
    mean = float(before["merit_value"].dropna().mean())
    assert f"{mean:.2f}".replace(".", ",") in page
    assert "Läxhjälp åk 9" in ana.get("/insatser?kategori=" + KOMP).text
    assert "Läxhjälp åk 9" not in ana.get("/insatser?status=avslutad").text
    assert f'href="{url}"' in ana.get(f"/skolor/{treated[1]}").text  # the school page lists it
    entry = _last_log(store, "registrera insats")
    assert entry.actor == "ana" and entry.after["school_ids"] == treated and entry.before is None

    job = _post(ana, url + "/utvardera", csrf)
    assert job.startswith("/jobb/")
    done = app.state.jobs.wait(job.rsplit("/", 1)[1], timeout=300)
    assert done.status == "klar", done.message
    assert ana.get(job).text.count(url) >= 1  # the job page links to the intervention
    page = ana.get(url).text
    from likvard.followup import service as sv

    run = sv.get_intervention(store, int(url.rsplit("/", 1)[1])).latest_evaluation
    assert run is not None and run.estimate is not None
    assert f"{run.estimate:.2f}".replace(".", ",") in page
    assert "fig-insats-" in page and run.verdict in page
    # an edit is a new version; the fragment of the same URL has no page chrome
    _post(ana, url + "/andra", csrf, name="Läxhjälp åk 9", category=KOMP, school_ids=treated,
          indicator="merit_value", expected_effect="15", horizon="2", start_year=str(start), design="auto",
          direction="+", status="pågående", cost_per_year="300000")
    fragment = ana.get(url, headers={"HX-Request": "true"}).text
    assert "Version 2" in fragment and "<html" not in fragment and "<html" in ana.get(url).text
    changed = _last_log(store, "ändra insats")
    assert changed.before == {"expected_effect": 12.0} and changed.after == {"expected_effect": 15.0}


def test_dialogue_cycle_by_role(site):
    app, store, data, treated, other = site
    year = max(data.years())
    sven, c_sven = login(app, "sven")
    rut, c_rut = login(app, "rut")
    assert rut.get("/dialoger/ny").status_code == 403  # the principal does not call dialogues
    url = _post(sven, "/dialoger/ny", c_sven, skola=treated[0], lasar=str(year), typ="host", datum=f"{year}-10-01")
    other_url = _post(sven, "/dialoger/ny", c_sven, skola=treated[1], lasar=str(year), typ="host",
                      datum=f"{year}-10-02")
    assert sven.post("/dialoger/ny", data={"csrf_token": c_sven, "skola": other, "lasar": str(year), "typ": "host",
                                           "datum": f"{year}-10-03"}).status_code == 403  # outside the area
    page = sven.get(url).text
    # the frozen data pack: its hash is the SHA-256 of its canonical JSON
    from likvard.followup import service as sv

    dlg = sv.get_dialogue(store, int(url.rsplit("/", 1)[1]))
    canon = json.dumps(dlg.data_pack.content, sort_keys=True, ensure_ascii=False).encode()
    assert hashlib.sha256(canon).hexdigest() == dlg.data_pack.sha256 and dlg.data_pack.sha256 in page
    need = dlg.data_pack.content["need"]  # the frozen need index and staffing are shown
    assert f"Behovsindex (100 = genomsnitt)</dt><dd>{need['value']:.0f}" in page
    share = dlg.data_pack.content["staffing"]["share_certified"]
    assert f"Andel legitimerade lärare (heltidstjänster)</dt><dd>{100 * share:.0f} %" in page

    # the principal: own school only
    assert rut.get(other_url).status_code == 403
    assert rut.post(other_url + "/fokusomrade", data={"csrf_token": c_rut, "omrade": "x",
                                                      "motivering": "y"}).status_code == 403
    assert "huvudmannens-omrade" not in rut.get(url).text
    assert rut.post(url + "/huvudmannens-omrade", data={"csrf_token": c_rut, "omrade": "x",
                                                        "motivering": "y"}).status_code == 403
    assert rut.post(url + "/fokusomrade", data={"omrade": "x", "motivering": "y"}).status_code == 403  # no CSRF
    assert rut.post(url + "/fokusomrade", data={"csrf_token": "fel", "omrade": "x", "motivering": "y"}).status_code == 403
    assert sv.get_dialogue(store, dlg.id).focus_area is None
    assert rut.post("/insatser/ny", data={"csrf_token": c_rut, "name": "x"}).status_code == 403
    assert rut.post("/insatser/1/utvardera", data={"csrf_token": c_rut}).status_code == 403
    _post(rut, url + "/fokusomrade", c_rut, omrade="Studiero", motivering="Eleverna i åk 8 beskriver stök.")
    assert "Studiero" in rut.get(url).text
    log = _last_log(store, "välj fokusområde")
    assert log.actor == "rut" and log.before["fokusområde"] is None and log.after["fokusområde"] == "Studiero"
    for item in sv.get_dialogue(store, dlg.id).items:
        if item.flagged:
            _post(rut, url + "/anteckning", c_rut, punkt=str(item.id), typ="analys", text="Orsaken är personalomsättning.")
    _post(rut, url + "/signera", c_rut)

    # the school chief: the authority's area, a decision, the second signature
    _post(sven, url + "/huvudmannens-omrade", c_sven, omrade="Trygghet", motivering="Skolenkäten åk 5.")
    _post(sven, url + "/beslut", c_sven, vad="Inför mentorstid", ansvarig="rektor", senast=f"{year + 1}-05-01")
    decision = _last_log(store, "beslut i kvalitetsdialog")
    assert decision.after["vad"] == "Inför mentorstid"
    _post(sven, url + "/signera", c_sven)
    final = sv.get_dialogue(store, dlg.id)
    assert final.signed and final.focus_area == "Studiero" and final.authority_area == "Trygghet"
    page = sven.get(url).text
    assert "Signerad av rektor och huvudman" in page and 'action="/dialoger/%d/beslut"' % dlg.id not in page
    # a signed record is closed: the service refuses and nothing changes
    r = sven.post(url + "/beslut", data={"csrf_token": c_sven, "vad": "Sent", "ansvarig": "rektor",
                                         "senast": f"{year + 1}-05-01"})
    assert r.status_code == 400 and len(sv.get_dialogue(store, dlg.id).decisions) == 1
    # the principal follows the decision up: a status with a comment, kept in its history
    decision_id = sv.get_dialogue(store, dlg.id).decisions[0].id
    r = rut.post(f"{url}/beslut/{decision_id}/status", data={"csrf_token": c_rut, "status": "delvis", "kommentar": ""},
                 headers={"referer": f"http://127.0.0.1{url}"})
    assert r.status_code == 400 and "kräver en kommentar" in r.text and f'href="{url}"' in r.text
    _post(rut, f"{url}/beslut/{decision_id}/status", c_rut, status="pågår", kommentar="Schemat är lagt.")
    followed = sv.get_dialogue(store, dlg.id).decisions[0]
    assert [h.status for h in followed.history] == ["ej påbörjad", "pågår"] and followed.status_comment == "Schemat är lagt."
    assert _last_log(store, "ändra beslutsstatus").before["status"] == "ej påbörjad"

    assert f'href="{url}"' in rut.get(f"/skolor/{treated[0]}").text  # the school page links the dialogue
    # the board: counts, no record, no form
    nina, c_nina = login(app, "nina")
    assert f'href="{url}"' not in nina.get(f"/skolor/{treated[0]}").text
    board = nina.get("/dialoger").text
    assert nina.get(url).status_code == 403
    assert re.findall(r'<form method="post"', board) == ['<form method="post"']  # only the log-out form
    assert nina.post(url + "/signera", data={"csrf_token": c_nina}).status_code == 403
    assert nina.get(f"/nulagesanalys/{treated[0]}/{year}").status_code == 403
    assert nina.get(f"/atgardsplan/{treated[0]}/{year}").status_code == 403


def test_principal_nulagesanalys_plan_and_no_quality_download(site):
    app, store, data, treated, other = site
    year = max(data.years())
    rut, c_rut = login(app, "rut")
    own = f"/nulagesanalys/{treated[0]}/{year}"
    assert rut.get(f"/nulagesanalys/{other}/{year}").status_code == 403
    assert rut.get(f"/atgardsplan/{other}/{year}").status_code == 403
    assert rut.get(f"/kvalitetsrapport/{year}.docx").status_code == 403
    _post(rut, own, c_rut, avsnitt_resultat="Meritvärdet har sjunkit två år i rad.")
    assert "Meritvärdet har sjunkit två år i rad." in rut.get(own).text
    _post(rut, f"/atgardsplan/{treated[0]}/{year}", c_rut, mal="Högre meritvärde", atgard="Läsfrämjande lektioner",
          orsak="Svag läsförståelse", ansvarig="rektor", tidplan="Ht och vt")
    assert "Läsfrämjande lektioner" in rut.get(f"/atgardsplan/{treated[0]}/{year}").text
    assert _last_log(store, "rad i åtgärdsplan").after["åtgärd"] == "Läsfrämjande lektioner"


def test_quality_report_downloads_for_the_board(site):
    app, _, data, _, _ = site
    nina, _ = login(app, "nina")
    year = max(data.years())
    html = nina.get(f"/kvalitetsrapport/{year}.html")
    assert html.status_code == 200 and "attachment" in html.headers["content-disposition"]
    assert "<html" in html.text.lower()
    docx = nina.get(f"/kvalitetsrapport/{year}.docx")
    assert docx.status_code == 200 and docx.content[:2] == b"PK"  # a zip: Office Open XML
    assert nina.get(f"/kvalitetsrapport/{year}.pdf").status_code == 404
    assert "Kör utvärderingen" not in nina.get("/insatser/1").text


def test_small_evaluation_is_suppressed():
    import datetime as dt

    from likvard.followup.records import EvaluationRun
    from likvard.web.routes_followup import shown_evaluation

    def run(n: int) -> EvaluationRun:
        return EvaluationRun(1, 1, 1, dt.datetime(2025, 1, 1, tzinfo=dt.UTC), "a", "merit_value", "sc", 4.25,
                             -1.0, 9.5, 0.9, "ingen påvisbar effekt", "", 6.0, 1.5, 2.75, 0.3, 1, 10, n, (2024,),
                             False, "v", ())

    small, large = shown_evaluation(run(9)), shown_evaluation(run(10))
    assert (small.estimate, small.interval, small.rtm) == ("..", "..", "..")
    assert (large.estimate, large.interval, large.rtm, large.adjusted) == ("4,25", "-1,00 till 9,50", "1,50", "2,75")
    assert np.isclose(float(large.mde.replace(",", ".")), 6.0)


def test_catalogue_list_card_and_pooled_local_evidence(site):
    """Three authorities' evaluations of one starter type: the card shows the DerSimonian–Laird
    pooled effect and interval that statsmodels' combine_effects gives (an independent reference)."""
    import datetime as dt

    from scipy.stats import norm
    from statsmodels.stats.meta_analysis import combine_effects

    import dataclasses

    from likvard.analyses.catalogue import save_own
    from likvard.catalogue.records import Catalogue, LocalEvaluation
    from likvard.catalogue.schema import STUDENT_BANDS
    from likvard.catalogue.starter import starter_catalogue

    app, store, _, _, _ = site
    start = starter_catalogue()
    kind = next(t for t in start.types if t.kategori == KOMP)
    rows = [("A-stad", 2.0, -1.0, 5.0, 0.0), ("B-by", 15.0, 12.0, 18.0, 0.5), ("C-ort", 28.0, 24.0, 32.0, 1.0)]
    local = tuple(LocalEvaluation(
        utvardering_id=f"u{i}", insats_typ_id=kind.insats_typ_id, version=kind.version, huvudman=who,
        huvudman_typ="kommun", antal_skolor=3, period_start=2019, period_slut=2022, design="sc",
        indikator="merit_value", utlatande="effekt", n_elever_band="100-499", likvard_version="1",
        data_hash="0" * 64, skattad_effekt=est, ki_lag=lo, ki_hog=hi, ki_niva=0.9, rtm_justering=rtm,
        forregistrerad=dt.date(2019, 6, 1)) for i, (who, est, lo, hi, rtm) in enumerate(rows))
    tiny = dataclasses.replace(local[0], utvardering_id="u-liten", huvudman="D-by", n_elever_band=STUDENT_BANDS[0],
                               skattad_effekt=99.0, ki_lag=98.0, ki_hog=100.0)
    save_own(store, Catalogue(publisher="test", types=(kind,), local=(*local, tiny)))
    ana, _ = login(app, "ana")
    listing = ana.get("/katalog?kategori=" + KOMP).text
    assert kind.namn in listing
    other = next(t for t in start.types if t.kategori != KOMP)
    assert other.namn not in listing and other.namn in ana.get("/katalog").text
    page = ana.get("/katalog/typ", params={"id": kind.insats_typ_id, "metod": "dl"}).text
    z = norm.ppf(0.95)
    y = np.array([est - rtm for _, est, _, _, rtm in rows])
    var = np.array([((hi - lo) / (2 * z)) ** 2 for _, _, lo, hi, _ in rows])
    ref = combine_effects(y, var, method_re="chi2")
    mu = float(ref.mean_effect_re)
    se = float(ref.sd_eff_w_re)
    expected = f"{mu:.2f} (95 % intervall {mu - 1.959964 * se:.2f} till {mu + 1.959964 * se:.2f})".replace(".", ",")
    assert float(ref.tau2) > 0  # heterogeneous on purpose: the random-effects weights matter
    assert expected in page
    assert f"tau² {float(ref.tau2):.3f}".replace(".", ",") in page
    assert re.search(r'class="authorities">3 \(3 utvärderingar\)', page)  # the small one is left out
    tiny_row = re.search(r"<tr><td class=\"text\">D-by</td>.*?</tr>", page, re.S).group(0)
    assert "99,00" not in page and tiny_row.count(">..<") >= 2
    nina, _ = login(app, "nina")
    assert nina.get("/katalog/typ", params={"id": kind.insats_typ_id}).status_code == 200
    assert ana.get("/katalog/typ", params={"id": "finns/inte"}).status_code == 404


def _figures(page: str) -> dict[str, dict]:
    blocks = re.findall(r'<script type="application/json" class="figure-data" data-target="([^"]+)">(.*?)</script>',
                        page, re.S)
    return {k: json.loads(v) for k, v in blocks}


def test_per_school_charts_are_sorted_dots_with_search_and_highlight(site):
    """Per-school charts stay readable with many schools: dots or lollipops (never bars), one row
    per school sorted by value, a fixed height per row, the search filter and one school marked."""
    app, _, data, treated, _ = site
    ana, _ = login(app, "ana")
    names = data.schools.drop_duplicates("school_id", keep="last").set_index("school_id")["name"].astype(str)
    mark = treated[0]
    figs = _figures(ana.get("/", params={"markera": mark}).text)
    fig = figs["fig-sammansattning"]
    assert all(tr.get("type", "scatter") == "scatter" for f in figs.values() for tr in f["data"])
    dots = next(tr for tr in fig["data"] if tr.get("mode") == "markers" and tr.get("x"))
    xs = dots["x"]
    assert xs == sorted(xs, reverse=True)  # sorted, largest first
    assert len(dots["y"]) >= 0.8 * names.size and fig["layout"]["height"] >= 13 * len(dots["y"])
    colours = dots["marker"]["color"]
    marked = [y for y, c in zip(dots["y"], colours) if c != colours[[i for i, y in enumerate(dots["y"])
                                                                    if y != names[mark]][0]]]
    assert marked == [names[mark]]
    # the search keeps the schools whose name matches (and the marked one)
    word = names[treated[1]].split()[0]
    searched = _figures(ana.get("/", params={"sok": word}).text)["fig-sammansattning"]
    rows = [y for tr in searched["data"] if tr.get("mode") == "markers" for y in tr["y"]]
    assert rows and all(word.lower() in r.lower() for r in rows)
    assert len(rows) < len(dots["y"])


def test_intervention_form_picks_a_catalogue_type(site):
    """The intervention form offers the catalogue's types and the card links to the type picked."""
    from likvard.catalogue.starter import starter_catalogue
    from likvard.followup import service as sv

    app, store, data, treated, _ = site
    ana, csrf = login(app, "ana")
    kind = next(t for t in starter_catalogue().types if t.kategori == KOMP)
    form = ana.get("/insatser/ny").text
    assert f'value="{kind.insats_typ_id}"' in form
    url = _post(ana, "/insatser/ny", csrf, name="Mentorer", category=KOMP, school_ids=treated[:1],
                catalogue_type=kind.insats_typ_id, status="planerad", design="auto", direction="+")
    iv = sv.get_intervention(store, int(url.rsplit("/", 1)[1]))
    assert iv.catalogue_type == kind.insats_typ_id
    assert f'href="/katalog/typ?id={quote(kind.insats_typ_id)}">{kind.namn}</a>' in ana.get(url).text
    r = ana.post("/insatser/ny", data={"csrf_token": csrf, "name": "Fel", "category": KOMP,
                                       "school_ids": treated[:1], "catalogue_type": "finns/inte"})
    assert r.status_code == 400


def test_intervention_card_shows_the_types_pooled_evidence_beside_the_expected_effect(site):
    """An intervention of a catalogue type with other authorities' evaluations on its indicator: the card
    shows the DerSimonian–Laird pooled effect and 95 % interval that statsmodels' combine_effects gives
    on the same inputs, beside the intervention's own expected effect; an evaluation resting on fewer
    than 10 students adds nothing to the pool."""
    import dataclasses
    import datetime as dt

    from scipy.stats import norm
    from statsmodels.stats.meta_analysis import combine_effects

    from likvard.analyses.catalogue import save_own
    from likvard.catalogue.records import Catalogue, LocalEvaluation
    from likvard.catalogue.schema import STUDENT_BANDS
    from likvard.catalogue.starter import starter_catalogue

    app, store, _, treated, _ = site
    kinds = [t for t in starter_catalogue().types if t.kategori == KOMP]
    kind = kinds[-1]  # not the type the catalogue-page test stores evaluations for
    rows = [("E-stad", 1.0, 0.2, 1.8), ("F-by", 2.5, 1.5, 3.5), ("G-ort", 0.4, -0.6, 1.4)]
    local = tuple(LocalEvaluation(
        utvardering_id=f"kort{i}", insats_typ_id=kind.insats_typ_id, version=kind.version, huvudman=who,
        huvudman_typ="kommun", antal_skolor=2, period_start=2019, period_slut=2022, design="sc",
        indikator="merit_value", utlatande="effekt", n_elever_band="100-499", likvard_version="1",
        data_hash="0" * 64, skattad_effekt=est, ki_lag=lo, ki_hog=hi, ki_niva=0.9,
        forregistrerad=dt.date(2019, 6, 1)) for i, (who, est, lo, hi) in enumerate(rows))
    tiny = dataclasses.replace(local[0], utvardering_id="kort-liten", huvudman="H-by",
                               n_elever_band=STUDENT_BANDS[0], skattad_effekt=50.0, ki_lag=49.0, ki_hog=51.0)
    save_own(store, Catalogue(publisher="test", types=(kind,), local=(*local, tiny)))
    ana, csrf = login(app, "ana")
    url = _post(ana, "/insatser/ny", csrf, name="Läxhjälp i biblioteket", category=KOMP, school_ids=treated[:1],
                catalogue_type=kind.insats_typ_id, indicator="merit_value", expected_effect="1.75", horizon="2",
                status="planerad", design="auto", direction="+")
    page = ana.get(url).text
    z = norm.ppf(0.95)
    y = np.array([est for _, est, _, _ in rows])
    var = np.array([((hi - lo) / (2 * z)) ** 2 for _, _, lo, hi in rows])
    ref = combine_effects(y, var, method_re="chi2")
    mu, se = float(ref.mean_effect_re), float(ref.sd_eff_w_re)
    expected = (f"{mu:.2f} (95 % intervall {mu - 1.959964 * se:.2f} till {mu + 1.959964 * se:.2f}) "
                f"från 3 utvärderingar hos 3 huvudmän").replace(".", ",")
    section = page.split('id="rubrik-katalog"', 1)[1].split("</section>", 1)[0]
    assert expected in section
    assert f"tau {float(ref.tau2) ** 0.5:.2f}".replace(".", ",") in section
    assert "Egen förväntad effekt</dt><dd>1,75" in section
    assert "50,00" not in page

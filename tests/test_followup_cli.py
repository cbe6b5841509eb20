"""Done-when: on a fresh database the CLI alone imports the registers, registers an intervention,
holds an autumn and a spring dialogue with decisions, runs the evaluation and writes the quality
report; the .docx is read back with python-docx."""

from __future__ import annotations

import re

import docx
from typer.testing import CliRunner

from _followup_data import SCHOOLS, START, TREATED, small_authority
from likvard.cli.main import app
from likvard.report.quality import EFFECT_HEADING, MEASURES_HEADING

YEAR = 2023


def run(*args):
    result = CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    return result.output


def test_cycle_from_the_command_line(tmp_path):
    data = small_authority()
    files = []
    for kind, name in (("schools", "skolor"), ("students", "elever"), ("staff", "personal"), ("survey", "enkat")):
        path = tmp_path / f"{name}.csv"
        getattr(data, kind).to_csv(path, index=False)
        files.append((name, path))
    db = tmp_path / "ny.db"
    for name, path in files:
        run("import", name, path, "--db", db)
    out = run("insats", "ny", "--db", db, "--namn", "Trygghetsteam i åk 4–6", "--kategori",
              "Insatser med kompensatorisk prägel", "--skolor", ",".join(TREATED), "--indikator", "trygghet",
              "--svarande", "student_grade5", "--forvantad", "1.0", "--horisont", "2", "--start", START,
              "--falt", "kostnad per år=250000", "--anvandare", "anna", "--roll", "analytiker")
    iid = out.strip().splitlines()[-1]
    school = SCHOOLS[0]
    autumn = run("dialog", "ny", "--db", db, "--skola", school, "--lasar", YEAR, "--typ", "host", "--datum",
                 "2023-10-04", "--deltagare", "rektor:Rut,skolchef:Bo").strip().splitlines()[-1]
    run("dialog", "fokus", autumn, "--db", db, "--omrade", "Trygghet på raster", "--motivering", "Fler incidenter",
        "--roll", "rektor")
    run("dialog", "fokus", autumn, "--db", db, "--huvudman", "--omrade", "Närvaro", "--motivering", "Ökande frånvaro")
    d1 = run("dialog", "beslut", autumn, "--db", db, "--vad", "Rastvärdar varje rast", "--ansvarig", "rektor",
             "--senast", "2024-02-01", "--insats", iid, "--indikator", "trygghet").strip().splitlines()[-1]
    spring = run("dialog", "ny", "--db", db, "--skola", school, "--lasar", YEAR, "--typ", "var", "--datum",
                 "2024-04-17", "--deltagare", "rektor:Rut,skolchef:Bo").strip().splitlines()[-1]
    assert "Från förra dialogen: beslut" in run("dialog", "visa", spring, "--db", db)
    run("dialog", "status", d1, "--db", db, "--status", "genomförd", "--vid", spring, "--roll", "rektor")
    run("dialog", "beslut", spring, "--db", db, "--vad", "Utvärdera rastvärdarna", "--ansvarig", "skolchef",
        "--senast", "2024-06-15")
    out = run("insats", "utvardera", iid, "--db", db, "--roll", "analytiker")
    assert out.strip().splitlines()[-1] == "effekt"
    out = run("kvalitetsrapport", "--lasar", YEAR, "--ut", tmp_path / "rapport", "--db", db)
    docx_path = tmp_path / "rapport" / f"kvalitetsrapport-{YEAR}.docx"
    assert (tmp_path / "rapport" / f"kvalitetsrapport-{YEAR}.html").exists()
    doc = docx.Document(str(docx_path))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert EFFECT_HEADING in headings and MEASURES_HEADING in headings
    assert EFFECT_HEADING == "Bedömning av effekten av föregående års åtgärder"
    assert MEASURES_HEADING == "Beslutade åtgärder efter analys samt åtgärdernas förväntade effekt"
    text = "\n".join(p.text for p in doc.paragraphs)
    cells = [[c.text for c in row.cells] for t in doc.tables for row in t.rows]
    effect_rows = [r for r in cells if r and r[0] == "Trygghetsteam i åk 4–6" and "effekt" in r]
    assert len(effect_rows) == 1
    row = effect_rows[0]
    assert "+1,00 inom 2 läsår" in row  # the expected effect as decided
    lo, hi = re.match(r"(-?\d+,\d+) till (-?\d+,\d+)", row[5]).groups()
    assert float(lo.replace(",", ".")) <= 1.5 <= float(hi.replace(",", "."))  # the planted effect
    assert "Trygghetsteam i åk 4–6: utlåtande effekt" in text
    assert any("Rastvärdar varje rast" in r and "genomförd" in r for r in cells)
    # every figure of the report rests on at least 10 students (14 respondents, 27 students a school)
    assert not any(".." in c for r in cells for c in r)


def test_small_groups_are_suppressed_in_the_quality_report(tmp_path):
    from likvard.followup import service as sv
    from likvard.report.quality import build_quality_report
    from likvard.store import open_store

    data = small_authority()
    small = SCHOOLS[2]
    data.survey.loc[data.survey["school_id"] == small, "n_respondents"] = 6
    store = open_store(tmp_path / "s.db")
    store.save_authority_data(data, "test")
    iv = sv.create_intervention(store, {"name": "Liten", "category": "Insatser med kompensatorisk prägel",
                                        "school_ids": TREATED, "indicator": "trygghet", "respondent": "student_grade5",
                                        "expected_effect": 1.0, "horizon": 2, "start_year": START},
                                actor="a", role="admin", data=data)
    run_ = sv.evaluate_intervention(store, iv.id, actor="a", role="admin", data=data)
    assert run_.n_students == 28
    report = build_quality_report(store, YEAR, data=data)
    effect = next(s for s in report.sections if s.title == EFFECT_HEADING)
    assert effect.tables[0].rows[0][4] != ".."
    results = next(s for s in report.sections if s.title == "Resultat").tables[0]
    col = results.headers.index("Trygghet, åk 5")
    by_school = {r[0]: r[col] for r in results.rows}
    assert by_school["Skola 2"] == ".."  # 6 respondents
    assert by_school["Skola 0"] != ".." and by_school["Skola 3"] != ".."

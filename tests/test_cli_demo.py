"""``likvard demo`` in one command: a database, the registers as files, and the report; the other
commands then run on that database."""

from __future__ import annotations

from typer.testing import CliRunner

from likvard.cli.main import app


def test_demo_then_segregation_on_its_database(tmp_path):
    db, out = tmp_path / "stad.db", tmp_path / "ut"
    res = CliRunner().invoke(app, ["demo", "--db", str(db), "--ut", str(out), "--antal-lasar", "2"])
    assert res.exit_code == 0, res.output
    html = out / "nulagesrapport.html"
    assert html.exists() and str(html.resolve()) in res.output
    assert (out / "exempelstad_register").is_dir() and db.exists()
    page = html.read_text(encoding="utf-8")
    assert "Nulägesrapport – Exempelstad" in page and "Sammanfattning" in page
    # the quality report of the last school year is written beside it, printed, and linked from it
    quality = out / "kvalitetsrapport-2015.html"
    assert quality.exists() and (out / "kvalitetsrapport-2015.docx").exists()
    assert str(quality.resolve()) in res.output.replace("\n", "")
    assert '<a href="kvalitetsrapport-2015.html">Kvalitetsrapport 2015/16</a>' in page
    seg = CliRunner().invoke(app, ["segregation", "--db", str(db), "--ut", str(tmp_path / "seg"), "--replikat", "20"])
    assert seg.exit_code == 0, seg.output
    assert (tmp_path / "seg" / "segregation.csv").exists()


def test_a_second_demo_reads_the_kept_exempelstad_and_writes_the_same_registers(tmp_path, monkeypatch):
    import likvard.demo
    from likvard.analyses import _reuse

    monkeypatch.setenv("LIKVARD_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("LIKVARD_NO_CACHE", raising=False)
    calls = []
    generate = likvard.demo.generate_exempelstad

    def counted(**kw):
        calls.append(kw)
        return generate(**kw)

    monkeypatch.setattr(likvard.demo, "generate_exempelstad", counted)
    runs = []
    for k in range(2):
        _reuse._LAST.clear()  # as in a new process
        out = tmp_path / f"ut{k}"
        res = CliRunner().invoke(app, ["demo", "--db", str(tmp_path / f"d{k}.db"), "--ut", str(out),
                                       "--antal-lasar", "2", "--seed", "11"])
        assert res.exit_code == 0, res.output
        runs.append({p.name: p.read_bytes() for p in sorted((out / "exempelstad_register").glob("*.csv"))})
    assert len(calls) == 1  # generated once, then read
    assert runs[0] == runs[1] and "students.csv" in runs[0]
    # another seed is another Exempelstad
    _reuse._LAST.clear()
    res = CliRunner().invoke(app, ["demo", "--db", str(tmp_path / "d2.db"), "--ut", str(tmp_path / "ut2"),
                                   "--antal-lasar", "2", "--seed", "12"])
    assert res.exit_code == 0, res.output
    assert len(calls) == 2

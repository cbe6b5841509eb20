"""``likvard rapport`` from a store, and its Swedish error messages."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from likvard.cli.main import app
from test_report_sample import make_authority

runner = CliRunner()


def test_rapport_from_store_prints_where_the_report_is(tmp_path):
    from likvard.store import open_store

    db = tmp_path / "prov.db"
    store = open_store(db)
    store.save_authority_data(make_authority(), source="provdata")
    store.close()
    out = tmp_path / "ut"
    res = runner.invoke(app, ["rapport", "--db", str(db), "--ut", str(out), "--fran", "2024", "--replikat", "20"])
    assert res.exit_code == 0, res.output
    html = out / "nulagesrapport.html"
    assert html.exists() and str(html.resolve()) in res.output
    page = html.read_text(encoding="utf-8")
    assert "2024/25" in page and "2023/24" not in page.split("<script>")[0]


@pytest.mark.parametrize(
    "args, message",
    [
        (["--data", ".", "--kommun", "18x0"], "ingen kommunkod"),
        (["--kommun", "1880"], "anges tillsammans"),
        (["--fran", "2024", "--till", "2020", "--demo"], "senare än"),
        (["--db", "finns_inte.db"], "finns inte"),
    ],
)
def test_rapport_errors_are_plain_swedish(tmp_path, args, message):
    res = runner.invoke(app, ["rapport", "--ut", str(tmp_path), *args])
    assert res.exit_code == 1
    assert message in " ".join(res.output.split()) and "Traceback" not in res.output

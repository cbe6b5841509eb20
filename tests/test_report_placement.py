"""The placement section reads saved scenario comparisons from the store and suppresses small schools."""

from __future__ import annotations

import openpyxl
import pytest

from likvard.privacy import SUPPRESSED
from likvard.report import render_authority_report
from test_report_sample import make_authority


def test_placement_comparison_from_store_is_shown_side_by_side(tmp_path):
    store_mod = pytest.importorskip("likvard.store")
    store = store_mod.open_store(tmp_path / "prov.db")
    payload = {
        "summary": [
            {"scenario": "Nuläge", "theil_h": 0.158, "share_first_choice": 0.81},
            {"scenario": "Stäng Söderskolan", "theil_h": 0.121, "share_first_choice": 0.74},
        ],
        "schools": [
            {"scenario": "Nuläge", "school_id": "10000001", "name": "Norrskolan", "n_students": 320, "share_post_secondary": 0.8},
            {"scenario": "Nuläge", "school_id": "10000006", "name": "Lillskolan", "n_students": 7, "share_post_secondary": 0.6},
            {"scenario": "Nuläge", "school_id": "10000003", "name": "Östra skolan", "n_students": 245, "share_post_secondary": 0.5},
        ],
    }
    store.save_result("placement_comparison", payload)
    r = render_authority_report(make_authority(), tmp_path / "ut", store=store, n_bootstrap=20)
    assert "placement" in r.sections
    sec = next(s for s in r.section_objects if s.key == "placement")
    summary, schools = (t.data for t in sec.tables)
    assert summary["theil_h"].tolist() == [0.158, 0.121]
    small = schools[schools["name"] == "Lillskolan"].iloc[0]
    assert small["n_students"] == SUPPRESSED and small["share_post_secondary"] == SUPPRESSED
    # complementary: the next smallest school of the scenario is hidden too
    assert schools[schools["name"] == "Östra skolan"].iloc[0]["n_students"] == SUPPRESSED
    page = r.html_path.read_text(encoding="utf-8")
    assert "Stäng Söderskolan" in page and "0,121" in page
    wb = openpyxl.load_workbook(r.xlsx_path)
    assert "placering_summary" in wb.sheetnames


def test_no_placement_section_without_results(tmp_path):
    store_mod = pytest.importorskip("likvard.store")
    store = store_mod.open_store(tmp_path / "tom.db")
    r = render_authority_report(make_authority(), tmp_path / "ut", store=store, n_bootstrap=20)
    assert "placement" not in r.sections

"""The placement section shows the comparison saved in the store and suppresses small schools."""

from __future__ import annotations

import openpyxl
import pandas as pd

from likvard.analyses.placement import PlacementComparison, save_comparison
from likvard.analyses.settings import Settings
from likvard.privacy import SUPPRESSED
from likvard.report import render_authority_report
from likvard.store import open_store
from test_report_sample import make_authority

FAST = Settings(n_replications=20)


def comparison() -> PlacementComparison:
    measures = pd.DataFrame({"measure": ["mutual_information", "share_first_choice"], "residential": [0.05, float("nan")],
                             "Nuläge": [0.158, 0.81], "Nuläge low": [0.150, 0.79], "Nuläge high": [0.166, 0.83],
                             "Stäng Söderskolan": [0.121, 0.74], "Stäng Söderskolan low": [0.115, 0.72],
                             "Stäng Söderskolan high": [0.127, 0.76]})
    schools = pd.DataFrame([
        {"scenario": "Nuläge", "school_id": "10000001", "name": "Norrskolan", "organiser_type": "municipal",
         "is_open": True, "capacity": 400, "n_students": 320.0, "share_post_secondary": 0.8},
        {"scenario": "Nuläge", "school_id": "10000006", "name": "Lillskolan", "organiser_type": "independent",
         "is_open": True, "capacity": 20, "n_students": 7.0, "share_post_secondary": 0.6},
        {"scenario": "Nuläge", "school_id": "10000003", "name": "Östra skolan", "organiser_type": "municipal",
         "is_open": True, "capacity": 300, "n_students": 245.0, "share_post_secondary": 0.5},
        {"scenario": "Stäng Söderskolan", "school_id": "10000002", "name": "Söderskolan", "organiser_type": "municipal",
         "is_open": False, "capacity": 0, "n_students": 0.0, "share_post_secondary": float("nan")},
    ])
    return PlacementComparison("prov.yaml", 2024, 0, 50, 7, ["Nuläge", "Stäng Söderskolan"], measures, schools)


def test_saved_comparison_round_trips_through_the_store(tmp_path):
    store = open_store(tmp_path / "prov.db")
    save_comparison(store, comparison())
    from likvard.analyses.placement import load_comparison

    back = load_comparison(store)
    assert back.scenarios == ["Nuläge", "Stäng Söderskolan"] and back.replications == 50
    pd.testing.assert_frame_equal(back.measures, comparison().measures)


def test_placement_comparison_from_store_is_shown_side_by_side(tmp_path):
    store = open_store(tmp_path / "prov.db")
    save_comparison(store, comparison())
    r = render_authority_report(make_authority(), tmp_path / "ut", store=store, settings=FAST)
    assert "placement" in r.sections
    sec = r.section("placement")
    summary, schools = (t.data for t in sec.excel_tables)
    assert summary.set_index("measure").loc["Andel som fick sitt förstahandsval", "Stäng Söderskolan"] == 0.74
    small = schools[schools["name"] == "Lillskolan"].iloc[0]
    assert small["n_students"] == SUPPRESSED and small["share_post_secondary"] == SUPPRESSED
    # complementary: the next smallest school of the scenario is hidden too
    assert schools[schools["name"] == "Östra skolan"].iloc[0]["n_students"] == SUPPRESSED
    closed = schools[schools["name"] == "Söderskolan"].iloc[0]
    assert closed["n_students"] == 0.0 and closed["is_open"] == "nej"  # a closed school has nobody to protect
    page = r.html_path.read_text(encoding="utf-8")
    assert "Stäng Söderskolan" in page and "0,121" in page
    wb = openpyxl.load_workbook(r.xlsx_path)
    assert "placering_skolor" in wb.sheetnames


def test_no_placement_section_without_results_and_the_end_says_why(tmp_path):
    store = open_store(tmp_path / "tom.db")
    r = render_authority_report(make_authority(), tmp_path / "ut", store=store, settings=FAST)
    assert "placement" not in r.sections
    assert any("placering jamfor" in item for item in r.section("utelamnat").intro)

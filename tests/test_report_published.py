"""The report from Skolverket's published per-school shares (contract of ``read_composition_series``)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from pathlib import Path

from likvard.analyses.dataset import dataset_from_published
from likvard.analyses.overview import run_overview
from likvard.analyses.settings import Settings
from likvard.errors import DataError
from likvard.privacy import SUPPRESSED
from likvard.report import render_overview
from likvard.sources.published import PublishedFiles

FAST = Settings(n_replications=20)


def context_from_published(series, code, years=None, **files):
    return dataset_from_published(PublishedFiles(Path("."), series, **files), code, years)


def render_context(ds, out, stem):
    return render_overview(run_overview(ds, FAST), out, f"Nulägesrapport {ds.name}", stem=stem)


def tables(section):
    return [*section.tables, *section.excel_tables]


def published_series() -> pd.DataFrame:
    """Hand-made rows in the reader's format: four schools of municipality 9999, two years; one
    school with 7 students, one whose share Skolverket suppressed, and a school of another municipality."""
    rows = []
    for year in (2022, 2023):
        for sid, name, org, total, post, status in (
            ("20000001", "Ekskolan", "municipal", 300.0, 0.70, "value"),
            ("20000002", "Björkskolan", "municipal", 250.0, 0.20, "value"),
            ("20000003", "Almskolan", "independent", 120.0 + (year - 2022) * 10, 0.55, "value"),
            ("20000004", "Tallskolan", "municipal", 7.0, np.nan, "suppressed"),
            ("20000005", "Granskolan", "municipal", 90.0, np.nan, "suppressed"),
            ("29999999", "Annan kommun", "municipal", 500.0, 0.5, "value"),
        ):
            rows.append({
                "school_id": sid, "legacy_code": False, "school_year": year, "name": name,
                "municipality": "Provby" if sid != "29999999" else "Annanby",
                "municipality_code": "9999" if sid != "29999999" else "8888", "organiser_type": org,
                "organiser": name, "organiser_orgnr": "", "students_total": total,
                "share_post_secondary": post, "share_post_secondary_status": status,
                "share_foreign_background": np.nan if status != "value" else 1 - post,
                "share_foreign_background_status": status,
                "n_post_secondary": post * total if status == "value" else np.nan,
                "n_foreign_background": (1 - post) * total if status == "value" else np.nan,
            })
    return pd.DataFrame(rows)


def test_published_context_and_report(tmp_path):
    ctx = context_from_published(published_series(), "9999")
    assert ctx.years == [2022, 2023]
    assert set(ctx.composition["school_id"]) == {"20000001", "20000002", "20000003", "20000004", "20000005"}
    counts = ctx.group_counts(2023)
    assert set(counts.index) == {"20000001", "20000002", "20000003"}  # suppressed shares left out
    assert math.isclose(counts.loc["20000001", "post_secondary"], 210.0)
    r = render_context(ctx, tmp_path, stem="prov")
    assert {"composition", "segregation", "contributions"} <= set(r.sections)
    comp = tables(r.section("composition"))[0].data
    tall = comp[comp["name"] == "Tallskolan"].iloc[0]
    assert tall["n_students"] == SUPPRESSED and tall["share_post_secondary"] == SUPPRESSED
    gran = comp[comp["name"] == "Granskolan"].iloc[0]
    assert gran["share_post_secondary"] == SUPPRESSED  # Skolverket's own '..'
    from likvard.segregation import indices

    seg = r.overview.segregation.series
    d = seg[(seg["school_year"] == 2023) & (seg["key"] == "dissimilarity")]["value"].iloc[0]
    assert math.isclose(d, indices(counts)["dissimilarity"])
    page = r.html_path.read_text(encoding="utf-8")
    assert "Provby" in page and "Annan kommun" not in page


def test_unknown_municipality_is_a_clear_error():
    with pytest.raises(DataError, match="1234"):
        context_from_published(published_series(), "1234")


def test_salsa_section_from_published_rows(tmp_path):
    skolkarta = pd.DataFrame({
        "school_id": ["20000001", "20000002", "20000003", "29999999"],
        "name": ["EKSKOLAN", "BJÖRKSKOLAN", "ALMSKOLAN", "ANNAN"],
        "salsa_actual": [250.0, 190.0, 230.0, 200.0], "salsa_expected": [240.0, 200.0, 229.0, 210.0],
        "salsa_deviation": [10.0, -10.0, 1.0, -10.0],
    })
    grade9 = pd.DataFrame({"school_id": ["20000001", "20000002", "20000003"], "school_year": 2024,
                           "n_students": [40.0, 35.0, 8.0], "merit_value": [250.0, 190.0, 230.0],
                           "share_eligible": [0.9, 0.7, 0.8]})
    ctx = context_from_published(published_series(), "9999", years=[2023], skolkarta=skolkarta, grade9=grade9)
    r = render_context(ctx, tmp_path, stem="salsa")
    sec = r.section("expected_results")
    t = next(t for t in tables(sec) if t.key == "salsa").data.set_index("school_id")
    assert "29999999" not in t.index
    assert t.loc["20000001", "deviation"] == 10.0 and t.loc["20000002", "expected"] == 200.0
    assert t.loc["20000003", "actual"] == SUPPRESSED  # 8 grade-9 students
    dots = sec.figures[0].figure
    labels = [y for tr in dots.data for y in (tr.y or ())]
    assert f"Almskolan {SUPPRESSED}" in labels and "Almskolan" not in labels


def test_published_ranges_cover_the_estimate(tmp_path):
    from likvard.segregation.published import published_indices

    series = published_series()
    ctx = context_from_published(series, "9999")
    r = render_context(ctx, tmp_path, stem="intervall")
    ranges = r.overview.segregation.published_ranges
    ref = published_indices(series[series["municipality_code"] == "9999"], share="share_post_secondary", by=None)
    got = ranges[ranges["characteristic"] == "share_post_secondary"].reset_index(drop=True)
    assert np.allclose(got["dissimilarity"], ref["dissimilarity"]) and np.allclose(got["theil_h_high"], ref["theil_h_high"])
    assert (got["dissimilarity_low"] <= got["dissimilarity"] + 1e-12).all()
    assert (got["dissimilarity"] <= got["dissimilarity_high"] + 1e-12).all()
    assert (got["n_units_uncertain"] == 2).all()  # Tallskolan and Granskolan

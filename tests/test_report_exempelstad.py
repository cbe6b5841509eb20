"""The Exempelstad report end to end, with one school cut down to 7 students in the last year."""

from __future__ import annotations

import math

import openpyxl
import pandas as pd
import pytest

from likvard import demo
from likvard.analyses.settings import Settings
from likvard.privacy import SUPPRESSED
from likvard.views.suppression import HIDDEN_LABEL


def tables(section):
    return [*section.tables, *section.excel_tables]


@pytest.fixture(scope="module")
def exempelstad_report(tmp_path_factory):
    from likvard.report import render_authority_report

    data = demo.generate_exempelstad(seed=2026, n_years=3, scale=0.5)
    last = max(data.years())
    st = data.students
    counts = st[st["school_year"] == last].groupby("school_id").size()
    small_id = counts.sort_values().index[len(counts) // 2]  # a mid-sized school
    in_small = st.index[(st["school_year"] == last) & (st["school_id"] == small_id)]
    data.students = st.drop(in_small[7:])
    out = tmp_path_factory.mktemp("exempelstad")
    result = render_authority_report(data, out, title="Nulägesrapport – Exempelstad",
                                    settings=Settings(n_replications=50))
    return data, result, str(small_id), last


def test_report_has_every_school_and_year(exempelstad_report):
    data, r, _, last = exempelstad_report
    drawn = {str(y).removesuffix(f" {SUPPRESSED}") for f in r.section("composition").figures
             for tr in f.figure.data for y in (tr.y if tr.y is not None else ())}
    for name in data.schools["name"].unique():
        assert name in drawn  # one row per school in the per-school chart
    assert sorted(r.overview.segregation.series["school_year"].unique()) == data.years()
    assert {"composition", "school_map", "segregation", "contributions", "residential_choice", "indicators"} <= set(r.sections)


def test_exempelstad_figures_equal_engine(exempelstad_report):
    from likvard.segregation import decompose, indices

    data, r, _, last = exempelstad_report
    st = data.students[(data.students["school_year"] == last) & (data.students["parent_education"] != "unknown")]
    counts = pd.crosstab(st["school_id"].astype(str), st["parent_education"])[["compulsory", "upper_secondary", "post_secondary"]]
    series = r.overview.segregation.series
    for key in ("theil_h", "dissimilarity", "mutual_information"):
        v = series[(series["school_year"] == last) & (series["key"] == key)]["value"].iloc[0]
        assert math.isclose(v, indices(counts)[key], rel_tol=1e-12)
    org = data.schools.drop_duplicates("school_id", keep="last").set_index("school_id")["organiser_type"]
    ref = decompose(counts, org.reindex(counts.index))
    got = next(d for d in r.overview.segregation.decompositions if d.by == "organiser_type")
    assert math.isclose(got.between, ref["between"]) and math.isclose(got.within, ref["within"])


def test_cut_down_school_reads_dots_everywhere(exempelstad_report):
    data, r, small_id, last = exempelstad_report
    name = data.schools.loc[data.schools["school_id"].astype(str) == small_id, "name"].iloc[-1]
    for s in r.section_objects:
        for t in tables(s):
            df = t.data
            if "school_id" not in df:
                continue
            rows = df[df["school_id"].astype(str) == small_id]
            if "school_year" in rows:
                rows = rows[rows["school_year"] == last]
            for _, row in rows.iterrows():
                # columns *_first describe an earlier year, when the school had more students
                vals = [v for c, v in row.items() if c not in ("school_id", "name", "school_year", "organiser_type")
                        and not c.endswith("_first") and not (isinstance(v, str) and v == "")]
                assert all(v == SUPPRESSED for v in vals), (t.key, list(row))
        for f in s.figures:
            if s.key in ("school_effects", "results_trend", "expected_results"):
                continue  # pooled over all years: the school had more students before
            for tr in f.figure.data:
                xs = list(tr.x) if tr.x is not None else []
                cd = list(tr.customdata) if tr.customdata is not None else []
                for i, y in enumerate(list(tr.y) if tr.y is not None else []):
                    if (i < len(xs) and xs[i] == name) or (i < len(cd) and cd[i] == name):
                        assert tr.text[i] == SUPPRESSED
                        assert y is None or tr.name == HIDDEN_LABEL
                    assert y != name, (s.key, "a hidden school is drawn with a value")
    wb = openpyxl.load_workbook(r.xlsx_path)
    ws = wb["elevsammansattning"]
    header = [c.value for c in ws[1]]
    from likvard.views.common import school_year_label

    rows = [row for row in ws.iter_rows(min_row=2, values_only=True)
            if row[0] == small_id and row[header.index("Läsår")] == school_year_label(last)]
    assert rows and rows[0][header.index("Antal elever")] == SUPPRESSED


def test_no_hidden_count_follows_from_shown_totals(exempelstad_report):
    data, r, small_id, last = exempelstad_report
    comp = tables(r.section("composition"))[0].data
    t = comp[comp["school_year"] == last]
    hidden = t["n_students"].astype(object).eq(SUPPRESSED)
    assert hidden.sum() >= 2 and small_id in set(t.loc[hidden, "school_id"])
    # the report shows the total and the organiser-type totals: never exactly one hidden school in any of them
    for _, g in t.groupby("organiser_type"):
        assert g["n_students"].astype(object).eq(SUPPRESSED).sum() != 1
    # every other table hides the same schools
    contrib = tables(r.section("contributions"))[0].data
    assert set(contrib.loc[contrib["n_students"].astype(object).eq(SUPPRESSED), "school_id"]) == set(t.loc[hidden, "school_id"])

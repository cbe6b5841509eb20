"""The Nulägesrapport built from a small hand-made authority: sections, figures equal to the
engines' results, and suppression of a school with 7 students everywhere (HTML, charts, Excel)."""

from __future__ import annotations

import json
import math

import numpy as np
import openpyxl
import pandas as pd
import pytest

from likvard.analyses.settings import Settings
from likvard.errors import DataError
from likvard.privacy import SUPPRESSED
from likvard.views.suppression import HIDDEN_LABEL
from likvard.report import render_authority_report
from likvard.views.common import format_number
from test_report_sample import SMALL_ID, SMALL_NAME, make_authority


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    data = make_authority()
    out = tmp_path_factory.mktemp("rapport")
    result = render_authority_report(data, out, title="Provrapport", settings=Settings(n_replications=50))
    return data, result


def test_files_and_sections(built):
    _, r = built
    assert r.html_path.exists() and r.xlsx_path.exists()
    for key in ("composition", "school_map", "segregation", "contributions", "residential_choice", "indicators"):
        assert key in r.sections
    page = r.html_path.read_text(encoding="utf-8")
    assert "Provrapport" in page and "2023/24" in page and "2024/25" in page
    head, rest = page.split("<script>", 1)
    own = head + rest.split("</script>", 1)[1]  # the page without the embedded plotly.js library
    assert "plotly" in rest[:2000].lower()
    assert 'src="http' not in own and "cdn." not in own.lower() and "<link" not in own


def section(r, key):
    return r.section(key)


def tables(s):
    """Every shown table of a section: on the page and in the Excel file."""
    return [*s.tables, *[t for t in s.excel_tables if t not in s.tables]]


def test_composition_shares_equal_hand_computation(built):
    data, r = built
    st = data.students[data.students["school_year"] == 2024]
    g = st[st["school_id"] == "10000002"]
    expected = 100.0 * (g["parent_education"] == "post_secondary").mean()
    t = tables(section(r, "composition"))[0].data
    row = t[(t["school_id"] == "10000002") & (t["school_year"] == 2024)].iloc[0]
    # 64 of 266: numerator and complement both 10 or more, so shown, to one decimal
    assert math.isclose(row["share_post_secondary"], round(expected, 1))
    assert row["n_students"] == len(g)
    assert format_number(expected) in r.html_path.read_text(encoding="utf-8")


def test_segregation_figures_equal_engine(built):
    from likvard.segregation import indices

    data, r = built
    st = data.students[(data.students["school_year"] == 2024)]
    counts = pd.crosstab(st["school_id"], st["parent_education"])[["compulsory", "upper_secondary", "post_secondary"]]
    ref = indices(counts)
    series = r.overview.segregation.series
    h = series[(series["school_year"] == 2024) & (series["key"] == "theil_h")].iloc[0]
    assert math.isclose(h["value"], ref["theil_h"], rel_tol=1e-12)
    assert h["low"] <= h["value"] <= h["high"]
    assert h["baseline"] < h["value"]  # real sorting, well above random allocation
    # the figure plots exactly these values
    fig = section(r, "segregation").figures[0].figure
    assert math.isclose(fig.data[0].y[-1], ref["theil_h"])
    assert format_number(ref["theil_h"], 3) in r.html_path.read_text(encoding="utf-8")


def test_contributions_add_up_to_whole(built):
    _, r = built
    c = r.overview.segregation.contributions.set_index("school_id")
    L = c["local_score"]
    assert math.isclose(c["contribution"].sum(), 100.0)
    from likvard.segregation import indices

    data = make_authority()
    st = data.students[data.students["school_year"] == 2024]
    counts = pd.crosstab(st["school_id"], st["parent_education"])[["compulsory", "upper_secondary", "post_secondary"]]
    n = counts.sum(axis=1)
    assert math.isclose(float((n / n.sum() * L.reindex(n.index)).sum()), indices(counts)["mutual_information"], rel_tol=1e-9)


def test_residential_split_adds_up(built):
    _, r = built
    t = section(r, "residential_choice").tables[0].data
    # shown to three decimals: the rounded parts add up to the rounded whole within three half units
    assert np.allclose(t["actual"], t["residential"] + t["choice"], rtol=0, atol=3 * 0.5e-3 + 1e-12)
    # homes are scattered around each school, so most segregation is residential but not all
    assert (t["residential"] > 0).all()


def _cells(df: pd.DataFrame, row_mask) -> list:
    return [v for v in df[row_mask].drop(columns=[c for c in ("school_id", "name", "school_year", "organiser_type")
                                                  if c in df]).to_numpy().ravel()]


def test_small_school_is_suppressed_in_every_table(built):
    _, r = built
    seen = 0
    for s in r.section_objects:
        for t in tables(s):
            df = t.data
            if "school_id" not in df and "name" not in df:
                continue
            key = "school_id" if "school_id" in df else "name"
            mask = df[key].astype(str).isin([SMALL_ID, SMALL_NAME])
            if not mask.any():
                continue
            seen += 1
            values = [v for v in _cells(df, mask) if not (isinstance(v, str) and v == "")]
            assert values and all(v == SUPPRESSED for v in values), (t.key, values)
    assert seen >= 4


def _figure_points(fig, name):
    """(value, text, trace) of every point labelled with ``name`` in a figure: vertical charts
    label points by x, horizontal per-school dot charts by y (a hidden school's label ends in ..)."""
    out = []
    for tr in fig.data:
        xs = list(tr.x) if tr.x is not None else []
        cd = list(tr.customdata) if tr.customdata is not None else []
        ys = list(tr.y) if tr.y is not None else []
        texts = list(tr.text) if tr.text is not None and not isinstance(tr.text, str) else [None] * max(len(ys), len(xs))
        for i, y in enumerate(ys):
            if (i < len(xs) and xs[i] == name) or (i < len(cd) and cd[i] == name):
                out.append((y, texts[i] if i < len(texts) else None, tr))
            elif isinstance(y, str) and y.startswith(name) and tr.mode != "lines":
                x = xs[i] if i < len(xs) else None
                out.append((x, SUPPRESSED if y == f"{name} {SUPPRESSED}" else "shown", tr))
    return out


def test_small_school_is_suppressed_in_every_chart(built):
    _, r = built
    hits = 0
    for s in r.section_objects:
        for f in s.figures:
            fig = f.figure
            for y, text, tr in _figure_points(fig, SMALL_NAME):
                hits += 1
                if tr.name == HIDDEN_LABEL:  # map: drawn grey at the school's own location
                    assert text == SUPPRESSED
                    continue
                assert y is None and text == SUPPRESSED
            for a in fig.layout.annotations or ():
                if SMALL_NAME in str(a.text):
                    assert f"{SMALL_NAME} {SUPPRESSED}" in a.text
                    hits += 1
    assert hits >= 4


def test_small_school_reads_dots_in_html_and_excel(built):
    _, r = built
    page = r.html_path.read_text(encoding="utf-8")
    assert f"{SMALL_NAME} {SUPPRESSED}" in page  # per-school charts list it without a value
    import re

    for tr in re.findall(r"<tr>(.*?)</tr>", page):
        if SMALL_NAME in tr:
            numeric = re.findall(r"<td>(.*?)</td>", tr)  # text cells carry class="text"
            assert numeric and all(v in (SUPPRESSED, "") for v in numeric), tr
    wb = openpyxl.load_workbook(r.xlsx_path)
    assert wb.sheetnames[0] == "Innehåll"
    found = 0
    for ws in wb.worksheets[1:]:
        header = [c.value for c in ws[1]]
        assert all(isinstance(h, str) for h in header)
        for row in ws.iter_rows(min_row=2, values_only=True):
            if SMALL_ID in row or SMALL_NAME in row:
                found += 1
                vals = [v for v, h in zip(row, header) if h not in ("Skolenhetskod", "Skola", "Läsår", "Huvudmannatyp")
                        and v not in (None, "")]
                assert vals and all(v == SUPPRESSED for v in vals), (ws.title, row)
    assert found >= 4


def test_excel_has_swedish_headers_and_numbers(built):
    _, r = built
    wb = openpyxl.load_workbook(r.xlsx_path)
    ws = wb["elevsammansattning"]
    header = [c.value for c in ws[1]]
    assert "Antal elever" in header and "Skola" in header
    col = header.index("Antal elever")
    numbers = [row[col] for row in ws.iter_rows(min_row=2, values_only=True) if isinstance(row[col], (int, float))]
    assert numbers and all(n >= 10 for n in numbers)


def test_no_home_locations_in_report(built):
    data, r = built
    page = r.html_path.read_text(encoding="utf-8")
    homes = data.students[["home_x", "home_y"]].round(0).head(50)
    for x in homes["home_x"]:
        assert json.dumps(float(x)) not in page


def test_indicators_equal_engines_and_flag_coinciding_weaknesses(built):
    from likvard.allocation import teacher_distribution

    data, r = built
    raw = r.overview.indicators.table.set_index("school_id")
    td = teacher_distribution(data.staff[data.staff["school_year"] == 2024],
                              data.students[data.students["school_year"] == 2024]).set_index("school_id")
    assert np.allclose(raw.loc[td.index, "share_certified"], 100 * td["share_certified"])
    sv = data.survey[(data.survey["school_year"] == 2024) & (data.survey["area"] == "trygghet")].set_index("school_id")
    assert np.isclose(float(raw.loc["10000001", "trygghet"]), sv.loc["10000001", "value"])
    # Söderskolan: the highest need and the lowest survey values in the sample -> several weak indicators
    assert raw.loc["10000002", "n_weak"] >= 3
    assert raw.loc["10000001", "n_weak"] == 0


def test_residential_split_equals_engine(built):
    from likvard.segregation.counterfactual import residential_vs_choice

    data, r = built
    res = r.overview.residential.table
    st = data.students[data.students["parent_education"] != "unknown"]
    ref = residential_vs_choice(st, data.schools)
    assert np.allclose(res["h_actual"], ref["h_actual"]) and np.allclose(res["h_residential"], ref["h_residential"])


def test_change_decomposition_adds_up_and_equals_engine(built):
    from likvard.segregation import change

    data, r = built
    sec = section(r, "segregation")
    ch = r.overview.segregation.change.parts
    parts = ("group_marginal", "unit_marginal", "additions", "removals", "structural")
    assert math.isclose(sum(ch[k] for k in parts), ch["total"], abs_tol=1e-12)
    st = data.students
    tab = {y: pd.crosstab(st.loc[st.school_year == y, "school_id"], st.loc[st.school_year == y, "parent_education"])[
        ["compulsory", "upper_secondary", "post_secondary"]].astype(float) for y in (2023, 2024)}
    assert math.isclose(change(tab[2023], tab[2024])["structural"], ch["structural"], rel_tol=1e-9)
    t = next(t for t in sec.tables if t.key == "forandring_segregation").data
    assert math.isclose(t["value"].iloc[-1], round(ch["total"], 4))  # shown to four decimals


def test_an_error_in_an_analysis_is_not_hidden(tmp_path, monkeypatch):
    """A bug in an analysis stops the report (no section vanishes silently)."""
    import likvard.analyses.segregation as seg

    def broken(*args, **kwargs):
        raise ZeroDivisionError("testfel")

    monkeypatch.setattr(seg, "school_contributions", broken)
    with pytest.raises(ZeroDivisionError, match="testfel"):
        render_authority_report(make_authority(), tmp_path, settings=Settings(n_replications=10))


def test_data_an_analysis_cannot_use_is_listed_at_the_end(tmp_path, monkeypatch):
    """A part that fails on the data (a Likvärd error with a message) is left out and the closing
    list says which and why; the other sections are there."""
    import likvard.analyses.expected as expected

    def refuse(*args, **kwargs):
        raise DataError("För få elever i årskurs 9 för skoleffekter.")

    monkeypatch.setattr(expected, "school_effects", refuse)
    r = render_authority_report(make_authority(), tmp_path, settings=Settings(n_replications=10))
    assert "school_effects" not in r.sections and "segregation" in r.sections
    assert r.sections[0] == "summary" and r.sections[-1] == "utelamnat"
    closing = " ".join(r.section("utelamnat").intro)
    assert "Skoleffekter över flera år: För få elever i årskurs 9" in closing
    assert "För få elever i årskurs 9 för skoleffekter." in r.html_path.read_text(encoding="utf-8")

"""The report for real municipalities from Skolverket's published files (``real_data`` fixture)."""

from __future__ import annotations

import pandas as pd
import pytest

from likvard.analyses.settings import Settings

pytestmark = pytest.mark.real_data


@pytest.fixture(scope="module")
def readers():
    from likvard.sources import skolverket

    return skolverket


def tables(section):
    return [*section.tables, *section.excel_tables]


def _units(readers, real_data, code: str, year: int) -> pd.DataFrame:
    folder = real_data / "skolverket_elever_per_arskurs"
    path = next(folder.glob(f"*{year} Skolenhet.csv"))
    t = readers.read_student_composition(path)
    return t[t["municipality_code"].astype(str) == code]


@pytest.fixture(scope="module")
def orebro(readers, real_data, tmp_path_factory):
    from likvard.report import render_published_report

    return render_published_report(real_data, "1880", tmp_path_factory.mktemp("orebro"), years=[2021, 2022, 2023, 2024],
                                   settings=Settings(n_replications=30))


def test_orebro_report_contains_its_schools_and_years(readers, real_data, orebro):
    r = orebro
    page = r.html_path.read_text(encoding="utf-8")
    assert "Örebro" in page and "2021/22–2024/25" in page
    series = r.overview.segregation.series
    assert sorted(series["school_year"].unique()) == [2021, 2022, 2023, 2024]
    units = _units(readers, real_data, "1880", 2023)
    assert len(units) > 30
    xlsx = pd.read_excel(r.xlsx_path, sheet_name="elevsammansattning", dtype=str)
    for sid in units["school_id"].astype(str):
        assert sid in set(xlsx["Skolenhetskod"])
    assert {"composition", "segregation", "contributions", "expected_results", "indicators"} <= set(r.sections)
    assert "Vivallaskolan" in page  # name in normal case, not the capitals of Underlag för analys
    comp = tables(r.section("composition"))[0].data
    comp23 = comp[comp["school_year"] == 2023].set_index("school_id")
    # students as published, for every unit large enough to be shown
    for sid, n in zip(units["school_id"].astype(str), units["students_total"]):
        shown = comp23.loc[sid, "n_students"]
        assert shown == ".." or float(shown) == float(n)


def test_uppsala_report_draws_deso_areas(readers, real_data, tmp_path):
    from likvard.report import render_published_report

    r = render_published_report(real_data, "0380", tmp_path, years=[2023], settings=Settings(n_replications=20))
    assert "school_map" in r.sections
    fig = r.section("school_map").figures[0].figure
    assert fig.data[0].fill == "toself"  # DeSO outlines under the schools
    page = r.html_path.read_text(encoding="utf-8")
    assert "Uppsala" in page and "2023/24" in page


def test_orebro_salsa_and_indicators_equal_published_values(readers, real_data, orebro):
    r = orebro
    sk = readers.read_skolkarta(real_data / "skolverket_planned_educations_api" / "skolkarta_grundskolor_ak9_2024_25.csv")
    sk = sk.set_index(sk["school_id"].astype(str))
    t = next(t for t in tables(r.section("expected_results")) if t.key == "salsa").data
    shown = t[t["deviation"].astype(object) != ".."]
    assert len(shown) >= 10
    for sid, dev, exp in zip(shown["school_id"], shown["deviation"], shown["expected"]):
        assert dev == pytest.approx(sk.loc[sid, "salsa_deviation"]) and exp == pytest.approx(sk.loc[sid, "salsa_expected"])
    ind = r.overview.indicators.table.set_index("school_id")
    u = readers.read_underlag_for_analys(next((real_data / "skolverket_underlag_for_analys").glob("*_wide.csv")))
    u = u[u["level"].astype(str) == "school_unit"].drop_duplicates("school_id").set_index("school_id")
    both = ind.index[ind["share_certified"].notna()]
    assert len(both) > 20
    assert all(ind.loc[s, "share_certified"] == pytest.approx(100 * u.loc[s, "share_certified_teachers"]) for s in both)

"""The analysis layer: one set of defaults, validated; results that do not depend on which years
are chosen; the comparison with similar municipalities; the map counts only its own year."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from likvard.analyses.comparison import municipal_comparison, similar_municipalities
from likvard.analyses.dataset import dataset_from_authority, dataset_from_published
from likvard.analyses.overview import run_overview
from likvard.analyses.segregation import analyse_segregation
from likvard.analyses.settings import DEFAULTS, Settings
from likvard.errors import DataError, ParameterError
from likvard.sources.published import PublishedFiles
from likvard.tables import MIN_SHOWN_STUDENTS
from test_report_published import published_series
from test_report_sample import make_authority


def test_one_set_of_defaults():
    assert (DEFAULTS.level, DEFAULTS.n_replications, DEFAULTS.seed) == (0.90, 200, 2026)
    assert DEFAULTS.min_students == MIN_SHOWN_STUDENTS == 10
    assert DEFAULTS.exclude_protected_homes and DEFAULTS.complementary_suppression
    assert Settings(level=0.8).percent == "80 %"


@pytest.mark.parametrize("kwargs, parameter", [({"level": 95}, "level"), ({"level": 0.2}, "level"),
                                               ({"n_replications": 0}, "n_replications"),
                                               ({"min_students": 0}, "min_students")])
def test_bad_settings_are_refused_in_swedish(kwargs, parameter):
    with pytest.raises(ParameterError, match=f"Parametern {parameter}"):
        Settings(**kwargs)


def test_a_years_figures_do_not_depend_on_the_period_chosen():
    """Each year's replications are seeded by the year, so the report for 2023–2024 and the one
    for 2024 alone show the same interval for 2024 (and so do the CLI and the report)."""
    data = make_authority()
    s = Settings(n_replications=40)
    both = analyse_segregation(dataset_from_authority(data), s).series
    last = analyse_segregation(dataset_from_authority(data, years=[2024]), s).series
    a = both[both["school_year"] == 2024].set_index("key")
    b = last.set_index("key")
    pd.testing.assert_frame_equal(a[["value", "low", "high", "baseline"]], b[["value", "low", "high", "baseline"]])
    other = analyse_segregation(dataset_from_authority(data, years=[2024]), dataclasses.replace(s, seed=7)).series
    assert not np.allclose(other["low"], b["low"].to_numpy())  # the seed matters


def test_protected_homes_are_not_used():
    data = make_authority()
    st = data.students.copy()
    st["protected_identity"] = False
    st.loc[st.index[::7], "protected_identity"] = True
    ds = dataset_from_authority(dataclasses.replace(data, students=st))
    ov = run_overview(ds, Settings(n_replications=10), parts=("residential",))
    n_protected = int(st.loc[st["school_year"].isin(ds.years), "protected_identity"].sum())
    assert ov.residential.n_protected_left_out == n_protected > 0
    used = ov.residential.table["n_students"].sum() + ov.residential.table["n_students_left_out"].sum()
    known = st[~st["protected_identity"] & (st["parent_education"] != "unknown")]
    assert used == len(known)
    keep_all = run_overview(ds, Settings(n_replications=10, exclude_protected_homes=False), parts=("residential",))
    assert keep_all.residential.n_protected_left_out == 0


def kolada_files(series: pd.DataFrame) -> PublishedFiles:
    """Five municipalities with structure figures; 9999 is nearest to 8881 and 8882."""
    rows = []
    for code, post, poor in (("9999", 40.0, 10.0), ("8881", 41.0, 11.0), ("8882", 39.0, 9.5), ("8883", 70.0, 2.0),
                             ("8884", 15.0, 25.0), ("8888", 55.0, 5.0)):
        rows += [{"kpi": "N15816", "municipality_code": code, "municipality": f"K{code}", "year": 2022, "gender": "T",
                  "value": post, "status": ""},
                 {"kpi": "N02904", "municipality_code": code, "municipality": f"K{code}", "year": 2020, "gender": "T",
                  "value": poor, "status": ""},
                 {"kpi": "N15428", "municipality_code": code, "municipality": f"K{code}", "year": 2023, "gender": "T",
                  "value": 80.0 + post / 10, "status": ""}]
    extra = []
    for code in ("8881", "8882", "8883", "8884"):
        s = series[series["municipality_code"] == "9999"].assign(
            municipality_code=code, school_id=lambda d, c=code: c + d["school_id"].str[4:])
        extra.append(s)
    comp = pd.concat([series, *extra], ignore_index=True)
    return PublishedFiles(Path("."), comp, kolada=pd.DataFrame(rows))


def test_similar_municipalities_are_the_nearest_in_structure():
    files = kolada_files(published_series())
    ds = dataset_from_published(files, "9999")
    near = similar_municipalities(ds, k=2)
    assert set(near["municipality_code"]) == {"8881", "8882"}
    cmp = municipal_comparison(ds, k=2)
    kpi = cmp.kpis.set_index("kpi").loc["N15428"]
    assert kpi["value"] == pytest.approx(84.0) and kpi["similar_median"] == pytest.approx(84.0)
    assert kpi["rank"] == 4 and kpi["n_municipalities"] == 6  # 8881, 8883 and 8888 have higher values
    seg = cmp.segregation[cmp.segregation["key"] == "theil_h"]
    assert (seg["n_municipalities"] == 5).all()  # 8888 has one school: left out of the ranking
    assert (seg["value"] == seg["similar_median"]).all()  # the same schools, copied


def test_map_counts_missing_coordinates_of_its_own_year_only(tmp_path):
    """A school closed before the map's year is not 'without coordinates' on that map."""
    series = published_series()
    old = series[series["school_id"] == "20000001"].assign(school_id="20000009", name="Nedlagda skolan")
    old = old[old["school_year"] == 2022]
    coords = pd.DataFrame({"school_id": ["20000001", "20000002", "20000003", "20000004"],
                           "x": [5e5, 5.01e5, 5.02e5, 5.03e5], "y": [6.6e6, 6.601e6, 6.602e6, 6.603e6]})
    ds = dataset_from_published(PublishedFiles(Path("."), pd.concat([series, old]), coordinates=coords), "9999")
    from likvard.report.sections import school_map

    sec = school_map.build(run_overview(ds, Settings(n_replications=10), parts=("composition",)))
    text = " ".join(sec.intro)
    assert "1 av läsårets 5 skolenheter saknar koordinater" in text  # Granskolan, not the closed school


def test_unknown_municipality_and_empty_registers_are_data_errors():
    with pytest.raises(DataError, match="1234"):
        dataset_from_published(PublishedFiles(Path("."), published_series()), "1234")
    with pytest.raises(ParameterError, match="kommun"):
        dataset_from_published(PublishedFiles(Path("."), published_series()), "12x4")
    empty = dataclasses.replace(make_authority(), students=make_authority().students.iloc[:0])
    with pytest.raises(DataError, match="Elevregistret är tomt"):
        dataset_from_authority(empty)


def test_one_schools_figures_and_the_findings_without_the_report(tmp_path):
    """A web page can ask for one school or for the key findings; results are plain data that
    survive pickling (a cache), and the findings equal the report's summary."""
    import pickle

    from likvard.analyses.school import school_profile
    from likvard.report import render_overview
    from likvard.views.findings import overview_findings

    ds = dataset_from_authority(make_authority())
    ov = run_overview(ds, Settings(n_replications=20))
    again = pickle.loads(pickle.dumps(ov))
    pd.testing.assert_frame_equal(again.segregation.series, ov.segregation.series)
    report = render_overview(ov, tmp_path, "Prov")
    assert [(f.topic, f.text) for f in overview_findings(again)] == report.section("summary").findings

    alone = school_profile(ds, "10000002")
    assert alone.name == "Söderskolan" and alone.need is None  # nothing heavy without an overview
    assert list(alone.composition["school_year"]) == [2023, 2024]
    contrib = ov.segregation.contributions.set_index("school_id").loc["10000002"]
    last = alone.contributions.set_index("school_year").loc[2024]
    assert last["contribution"] == pytest.approx(contrib["contribution"])
    full = school_profile(ds, "10000002", ov)
    assert set(full.need["school_year"]) == {2023, 2024}
    with pytest.raises(DataError, match="99999999"):
        school_profile(ds, "99999999")

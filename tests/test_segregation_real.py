"""Indices from Skolverket's real per-school files (needs ../shared/data/real; skipped without it)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from likvard.segregation import indices
from likvard.segregation.published import published_indices


@pytest.fixture(scope="module")
def composition(real_data):
    from likvard.sources.skolverket import read_composition_series

    return read_composition_series(
        real_data
    )  # all years, 2024/25 from "Underlag för analys"


def test_national_dissimilarity_foreign_background(composition):
    """Skolverket's figures: about 0.45 in 2009/10 and 0.41 in 2023/24 with suppressed units left out."""
    nat = published_indices(composition, by=None).set_index("school_year")
    assert nat.loc[2009, "dissimilarity_excluded"] == pytest.approx(0.45, abs=0.005)
    assert nat.loc[2023, "dissimilarity_excluded"] == pytest.approx(0.41, abs=0.005)
    assert set(range(2009, 2026)) <= set(nat.index)  # 2024/25 from "Underlag för analys"
    assert (nat["dissimilarity_low"] <= nat["dissimilarity"] + 1e-12).all()
    assert (nat["dissimilarity"] <= nat["dissimilarity_high"] + 1e-12).all()
    assert (nat.loc[2009, "n_students_uncertain"] > 0) and (
        nat.loc[2009, "n_units_uncertain"] > 1000
    )


def test_per_municipality_values_match_a_direct_computation(composition):
    per = published_indices(composition)
    year = 2023
    sub = composition[
        (composition["school_year"] == year)
        & (composition["share_foreign_background_status"] == "value")
    ]
    for code in ["1880", "0180", "1280", "0114"]:
        units = sub[sub["municipality_code"] == code]
        n_fb = units["share_foreign_background"] * units["students_total"]
        direct = indices(
            pd.DataFrame({"fb": n_fb, "other": units["students_total"] - n_fb})
        )
        row = per[
            (per["school_year"] == year) & (per["municipality_code"] == code)
        ].iloc[0]
        assert row["dissimilarity_excluded"] == pytest.approx(
            direct["dissimilarity"], rel=1e-10
        )
        assert row["theil_h_excluded"] == pytest.approx(direct["theil_h"], rel=1e-10)
        assert row["dissimilarity_low"] <= row["dissimilarity_high"]
    # the municipalities' students add up to the country's
    nat = published_indices(composition, by=None).set_index("school_year")
    totals = per.groupby("school_year")["n_students"].sum()
    np.testing.assert_allclose(totals.loc[nat.index], nat["n_students"])


def test_skolverket_command_for_a_municipality(real_data, tmp_path):
    import json

    from typer.testing import CliRunner

    from likvard.cli.main import app

    out = tmp_path / "ut"
    args = ["segregation", "--data", str(real_data / "skolverket_elever_per_arskurs"), "--kommun", "1880",
            "--ut", str(out), "--replikat", "30"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "segregation.json").read_text(encoding="utf-8"))["summary"]
    d = summary["dissimilarity"]
    assert summary["area"] == "Örebro kommun" and d["low"] <= d["value"] <= d["high"]
    table = pd.read_csv(out / "undertryckta_celler.csv", sep=";", dtype=str, encoding="utf-8-sig")
    assert {"Läsår", "D utan dolda skolor", "D, lägsta möjliga", "D, högsta möjliga"} <= set(table.columns)
    assert table["Läsår"].min() == "2009/10"
    low, est, high = (table[c].str.replace(",", ".").astype(float) for c in
                      ("D, lägsta möjliga", "D (skattning)", "D, högsta möjliga"))
    assert ((low <= est + 5e-4) & (est <= high + 5e-4)).all()
    bad = CliRunner().invoke(app, [*args[:3], "--kommun", "9999", "--ut", str(out)])
    assert bad.exit_code == 1 and "9999" in bad.output


def test_skolverket_command_follows_school_code_changes(real_data, tmp_path):
    """The yearly change on schools followed through code changes: each year's parts add up to
    the change between the two years' M."""
    from typer.testing import CliRunner

    from likvard.cli.main import app

    out = tmp_path / "ut"
    result = CliRunner().invoke(app, ["segregation", "--data", str(real_data / "skolverket_elever_per_arskurs"),
                                      "--kommun", "1880", "--ut", str(out), "--replikat", "20", "--format", "json"])
    assert result.exit_code == 0, result.output
    import json

    doc = json.loads((out / "segregation.json").read_text(encoding="utf-8"))["tables"]
    series = pd.DataFrame(doc["forandring_per_lasar"]["rows"])
    years = series["school_year"].tolist()
    assert years == sorted(years) and years[0] == 2010 and years[-1] == 2025 and len(years) >= 14  # later years
    parts = series[["group_marginal", "unit_marginal", "additions", "removals", "structural"]].sum(axis=1)
    # each figure is shown to four decimals: the five parts and the total can differ by six half units
    assert (parts - series["total"]).abs().max() <= 6 * 0.5e-4 + 1e-12
    assert (series["m_after"] - series["m_before"] - series["total"]).abs().max() <= 3 * 0.5e-4 + 1e-12
    assert all(r["event"] in ("upphörd", "ny") for r in doc["ej_foljda_enheter"]["rows"])

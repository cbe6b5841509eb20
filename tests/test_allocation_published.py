"""Certified teachers against composition in the real 2024/25 data (Underlag för analys)."""

from __future__ import annotations

import pytest

from likvard.allocation.teachers import (
    certification_by_area_type,
    published_certification_gap,
)
from likvard.sources.skolverket import (
    read_student_composition,
    read_underlag_for_analys,
)


@pytest.fixture(scope="module")
def units(real_data):
    u = read_underlag_for_analys(real_data / "skolverket_underlag_for_analys" / "Underlag_for_analys_grundskola_2024_25.xlsx")
    return u[u["level"] == "school_unit"]


def test_certified_share_falls_with_less_favourable_composition(units):
    g = published_certification_gap(units)
    shares = g["share_certified"].to_numpy()
    assert (shares[:-1] > shares[1:]).all()  # strictly falling from most to least favourable fifth
    # most favourable fifth of students about 80 %, least favourable about two thirds
    assert 0.77 < shares[0] < 0.83 and 0.62 < shares[-1] < 0.70
    # the groups hold a fifth of the students each, and the national mean lies between
    assert g["n_students"].std() / g["n_students"].mean() < 1e-9
    weighted = (g["share_certified"] * g["n_students"]).sum() / g["n_students"].sum()
    assert weighted == pytest.approx(
        (units["share_certified_teachers"] * units["students_total"]).sum()
        / units.dropna(subset=["share_certified_teachers"])["students_total"].sum(),
        abs=0.02,
    )


def test_certified_share_by_area_type(units, real_data):
    comp = read_student_composition(
        real_data / "skolverket_elever_per_arskurs" / "Grundskola - Antal elever per årskurs 2025 Skolenhet.csv"
    )
    t = certification_by_area_type(units, comp).set_index("area_type")
    assert list(t.index) == [1, 2, 3, 4, 5]
    s = t["share_certified"]
    assert (s.diff().dropna() > 0).all()  # rising with better socioeconomic conditions
    assert s[1] < 0.68 and s[5] > 0.77  # about 65 % against 79 %

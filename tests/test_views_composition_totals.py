"""The municipality's totals per year: a year with fewer than 10 students in all reads '..'
(Dorotea 2013/14 in Skolverket's files had 6), and the table passes disclosure control."""

from __future__ import annotations

import pandas as pd

from likvard.analyses.composition import Composition
from likvard.privacy import SUPPRESSED
from likvard.views.composition import totals_table
from likvard.views.suppression import publish
from likvard.views.table import Table


def test_a_year_with_fewer_than_ten_students_in_all_is_hidden():
    totals = pd.DataFrame({"school_year": [2012, 2013, 2014], "n_students": [215.0, 6.0, 210.0],
                           "share_post_secondary": [34.0, 50.0, 36.0], "share_foreign_background": [14.0, 33.3, 16.0]})
    result = Composition(pd.DataFrame(), totals)
    shown = totals_table(result)
    hidden = shown[shown["school_year"] == 2013].iloc[0]
    assert hidden["n_students"] == SUPPRESSED
    assert hidden["share_post_secondary"] == SUPPRESSED and hidden["share_foreign_background"] == SUPPRESSED
    kept = shown[shown["school_year"] != 2013]
    assert kept["n_students"].tolist() == [215.0, 210.0]
    assert kept["share_post_secondary"].tolist() == [34.0, 36.0]
    publish(Table("kommunen_totalt", "Alla skolor tillsammans per läsår", shown))  # would raise if a figure under 10 showed

"""Charts and map: suppressed values are not plotted and read '..'; no home locations on maps."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from likvard.privacy import SUPPRESSED
from likvard.views.charts import bar_chart, interval_chart, line_chart, scatter_chart
from likvard.views.maps import school_map, to_sweref99tm


def test_bar_chart_leaves_out_small_school_and_labels_it():
    fig = bar_chart(["A", "B", "C"], [40.0, 71.4, 20.0], n=[100, 7, 50])
    bar = fig.data[0]
    assert list(bar.y) == [40.0, None, 20.0]
    assert bar.text[1] == SUPPRESSED and bar.text[0] == "40,0"
    assert any(a.text == SUPPRESSED and a.x == "B" for a in fig.layout.annotations)


def test_interval_chart_error_bars_match_bounds():
    fig = interval_chart(["x", "y"], [0.2, 0.5], [0.1, 0.45], [0.3, 0.6], n=[50, 5])
    tr = fig.data[0]
    assert list(tr.y) == [0.2, None]
    assert np.isclose(tr.error_y.array[0], 0.1) and np.isclose(tr.error_y.arrayminus[0], 0.1)
    assert tr.error_y.array[1] is None


def test_line_and_scatter_hide_suppressed_points():
    fig = line_chart({"S": ([2023, 2024], [10.0, SUPPRESSED], None)})
    assert list(fig.data[0].y) == [10.0, None] and fig.data[0].text[1] == SUPPRESSED
    sc = scatter_chart([1.0, 2.0], [3.0, 4.0], ["A", "Liten"], n=[30, 7])
    assert list(sc.data[0].y) == [3.0, None] and sc.data[0].text[1] == SUPPRESSED
    assert "Liten .." in sc.layout.annotations[0].text


def test_map_uses_school_coordinates_only_and_greys_small_school():
    schools = pd.DataFrame({"name": ["A", "B"], "x": [500000.0, 501000.0], "y": [6600000.0, 6601000.0],
                            "share": [40.0, 70.0], "n_students": [100, 7]})
    fig = school_map(schools, "share")
    shown, hidden = fig.data
    assert list(shown.x) == [500000.0] and list(shown.marker.color) == [40.0]
    assert list(hidden.customdata) == ["B"] and list(hidden.text) == [SUPPRESSED]
    assert 70.0 not in [v for tr in fig.data for v in (tr.marker.color if tr.marker.color is not None and not isinstance(tr.marker.color, str) else [])]


def test_sweref99tm_matches_known_point():
    # Stockholm City Hall approx. 59.3275 N, 18.0549 E -> about E 674 000, N 6 580 800 (Lantmäteriet).
    x, y = to_sweref99tm([59.3275], [18.0549])
    assert abs(x[0] - 674_000) < 1500 and abs(y[0] - 6_580_800) < 1500


def test_simplified_rings_keep_shape_and_clip():
    from likvard.views.maps import simplify_rings

    t = np.linspace(0, 2 * np.pi, 400)
    circle = np.column_stack([650_000 + 1000 * np.cos(t), 6_640_000 + 1000 * np.sin(t)])
    far = circle + [100_000, 0]
    out = simplify_rings([circle, far], clip_to=(640_000, 6_630_000, 660_000, 6_650_000), tolerance=40)
    assert len(out) == 1 and 10 < len(out[0]) < 400
    r = np.hypot(out[0][:, 0] - 650_000, out[0][:, 1] - 6_640_000)
    assert np.all(np.abs(r - 1000) < 45)  # every kept vertex within the tolerance of the circle


def test_deso_polygons_of_uppsala_lan_are_drawn_in_sweref(real_data):
    from likvard.sources import skolverket as readers
    if not hasattr(readers, "read_deso_polygons"):
        pytest.skip("Skolverkets läsare (read_deso_polygons) saknas.")
    from likvard.views.maps import simplify_rings

    deso = readers.read_deso_polygons(real_data / "geo" / "Deso_inomUppsalaLan.zip")
    rings = simplify_rings([r for rs in deso["rings"] for r in rs])
    assert len(deso) == 262 and len(rings) >= 262
    allpts = np.vstack(rings)
    # Uppsala län lies around E 560-740 km, N 6 580-6 740 km in SWEREF99 TM
    assert 500_000 < allpts[:, 0].min() and allpts[:, 0].max() < 760_000
    assert 6_550_000 < allpts[:, 1].min() and allpts[:, 1].max() < 6_760_000
    box = (640_000, 6_630_000, 660_000, 6_650_000)  # around Uppsala city
    clipped = simplify_rings([r for rs in deso["rings"] for r in rs], clip_to=box)
    assert 0 < len(clipped) < len(rings)
    schools = pd.DataFrame({"name": ["A"], "x": [648000.0], "y": [6637000.0], "share": [50.0], "n_students": [200]})
    fig = school_map(schools, "share", polygons=clipped)
    assert fig.data[0].fill == "toself" and None in fig.data[0].x

"""Distances: the river city (straight-line vs walking distance and relative proximity), network
distances against networkx, and reading an OpenStreetMap extract."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from likvard.placement.distances import relative_proximity, straight_line_m
from likvard.placement.network import RoadNetwork, walking_distance_m


def river_city() -> RoadNetwork:
    """A 4 x 2 km street grid (200 m blocks) cut by a river along y = 1000 m, with two bridges at
    x = 0 and x = 4000 m."""
    rows = []
    xs, ys = np.arange(0, 4001, 200), np.arange(0, 2001, 200)
    for y in ys:
        for x0, x1 in itertools.pairwise(xs):
            if y != 1000:  # no street along the river itself
                rows.append((x0, y, x1, y))
    for x in xs:
        for y0, y1 in itertools.pairwise(ys):
            crosses = (y0 < 1000 < y1) or (y0 == 1000) or (y1 == 1000)
            if crosses and x not in (0, 4000):
                continue
            rows.append((x, y0, x, y1))
    return RoadNetwork.from_edges(pd.DataFrame(rows, columns=["x1", "y1", "x2", "y2"]))


def test_river_city_walking_differs_from_straight_line():
    net = river_city()
    home = np.array([[2000.0, 800.0]])  # south bank
    schools = np.array([[2000.0, 1200.0], [2000.0, 200.0]])  # A across the river, B on the same bank
    straight = straight_line_m(home, schools)
    walk = walking_distance_m(net, home, schools)
    assert straight[0].tolist() == pytest.approx([400.0, 600.0])
    # to A: 2000 m west along y=800, north over the bridge at x=0 to y=1200, 2000 m east
    assert walk[0, 0] == pytest.approx(2000 + 400 + 2000)
    assert walk[0, 1] == pytest.approx(600.0)
    assert straight[0].argmin() == 0 and walk[0].argmin() == 1  # the nearest school changes
    # relative proximity (relativ närhet) flips sign: A looks near by air, B by foot
    rp_air, rp_walk = relative_proximity(straight), relative_proximity(walk)
    assert rp_air[0].tolist() == pytest.approx([200.0, -200.0])
    assert rp_walk[0].tolist() == pytest.approx([600.0 - 4400.0, 4400.0 - 600.0])


def test_network_distances_equal_networkx():
    rng = np.random.default_rng(5)
    pts = rng.uniform(0, 5000, (120, 2))
    g = nx.random_geometric_graph(120, 0.18, seed=5)  # connectivity pattern only
    edges = [(pts[a, 0], pts[a, 1], pts[b, 0], pts[b, 1]) for a, b in g.edges()]
    net = RoadNetwork.from_edges(pd.DataFrame(edges, columns=["x1", "y1", "x2", "y2"]))
    homes = pts[rng.choice(120, 15, replace=False)]
    schools = pts[rng.choice(120, 4, replace=False)]
    ours = walking_distance_m(net, homes, schools)
    ref = nx.Graph()
    for a, b in g.edges():
        ref.add_edge(a, b, weight=float(np.hypot(*(pts[a] - pts[b]))))
    idx = {tuple(np.round(p, 6)): k for k, p in enumerate(pts)}
    for i, h in enumerate(homes):
        lengths = nx.single_source_dijkstra_path_length(ref, idx[tuple(np.round(h, 6))]) if idx[tuple(np.round(h, 6))] in ref else {}
        for j, s in enumerate(schools):
            expected = lengths.get(idx[tuple(np.round(s, 6))], np.inf)
            assert ours[i, j] == pytest.approx(expected, rel=1e-9) or (np.isinf(expected) and np.isinf(ours[i, j]))


def test_osm_extract(tmp_path):
    osm = tmp_path / "liten.osm"
    osm.write_text(
        """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6">
  <node id="1" lat="59.8500" lon="17.6300"/>
  <node id="2" lat="59.8510" lon="17.6300"/>
  <node id="3" lat="59.8510" lon="17.6320"/>
  <node id="4" lat="59.8500" lon="17.6320"/>
  <way id="10"><nd ref="1"/><nd ref="2"/><nd ref="3"/><tag k="highway" v="footway"/></way>
  <way id="11"><nd ref="1"/><nd ref="4"/><tag k="highway" v="motorway"/></way>
  <way id="12"><nd ref="3"/><nd ref="4"/><tag k="highway" v="residential"/></way>
</osm>""",
        encoding="utf-8",
    )
    net = RoadNetwork.from_osm(osm)
    from pyproj import Transformer

    t = Transformer.from_crs("EPSG:4326", "EPSG:3006", always_xy=True)
    p1, p2, p3, p4 = (np.array(t.transform(lon, lat)) for lat, lon in
                      [(59.85, 17.63), (59.851, 17.63), (59.851, 17.632), (59.85, 17.632)])
    d = walking_distance_m(net, p1[None, :], p4[None, :])[0, 0]
    # the motorway 1-4 is not walkable: the walk goes 1-2-3-4
    expected = np.linalg.norm(p1 - p2) + np.linalg.norm(p2 - p3) + np.linalg.norm(p3 - p4)
    assert d == pytest.approx(expected, rel=1e-9) and d > np.linalg.norm(p1 - p4) * 2

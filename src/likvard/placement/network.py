"""Walking distance on a road network, for all homes and schools at once.

Points are snapped to their nearest network node (``scipy.spatial.cKDTree``) and the snapping
distance added; shortest paths run from every school's node over the whole network with
Dijkstra's algorithm (``scipy.sparse.csgraph.dijkstra``), so the cost is one search per school,
not per home.

Road data: an OpenStreetMap extract in .osm XML. Download a region from a mirror such as
Geofabrik (``sweden-latest.osm.pbf``), cut out the municipality and convert it to XML with
``osmium extract -b minlon,minlat,maxlon,maxlat sweden-latest.osm.pbf -o kommun.osm`` (or
``osmconvert``). Ways whose ``highway`` tag can be walked are kept; motorways and trunk roads are
not. Or give an edge list (x1, y1, x2, y2 in SWEREF99 TM) with ``RoadNetwork.from_edges``.
"""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from likvard.errors import DataError
from likvard.placement.distances import points
from likvard.validation import Array, Frame, InstanceOf, Real, validate_params

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix

WALKABLE = {
    "footway", "path", "pedestrian", "steps", "living_street", "residential", "service", "unclassified",
    "tertiary", "tertiary_link", "secondary", "secondary_link", "primary", "primary_link", "cycleway", "track", "road",
}


@dataclass(frozen=True)
class RoadNetwork:
    """Nodes (SWEREF99 TM) and an undirected graph of edge lengths in metres."""

    nodes: np.ndarray  # (n_nodes, 2)
    graph: csr_matrix

    @classmethod
    def from_edges(cls, edges: pd.DataFrame, precision_m: float = 0.01) -> RoadNetwork:
        """From an edge list with columns ``x1, y1, x2, y2`` (and optionally ``length_m``); end
        points closer than ``precision_m`` are the same node."""
        Frame(("x1", "y1", "x2", "y2"), min_rows=1, expected="en tabell med vägsträckor")(edges, "edges")
        Real(0.0, None, min_open=True)(precision_m, "precision_m")
        a = edges[["x1", "y1"]].to_numpy(dtype=float)
        b = edges[["x2", "y2"]].to_numpy(dtype=float)
        pts = np.vstack([a, b])
        keys = np.round(pts / precision_m).astype(np.int64)
        uniq, inv = np.unique(keys, axis=0, return_inverse=True)
        inv = inv.ravel()
        nodes = np.zeros((len(uniq), 2))
        np.add.at(nodes, inv, pts)
        nodes /= np.bincount(inv)[:, None]
        u, v = inv[: len(a)], inv[len(a):]
        length = edges["length_m"].to_numpy(dtype=float) if "length_m" in edges else np.hypot(*(a - b).T)
        return cls(nodes=nodes, graph=_undirected(u, v, length, len(nodes)))

    @classmethod
    def from_osm(cls, path: str | Path) -> RoadNetwork:
        """From an OpenStreetMap XML extract (walkable ways only; WGS84 -> SWEREF99 TM)."""
        from pyproj import Transformer

        coords: dict[str, tuple[float, float]] = {}
        segments: list[tuple[str, str]] = []
        for _, el in ET.iterparse(str(path), events=("end",)):
            if el.tag == "node":
                coords[el.get("id")] = (float(el.get("lon")), float(el.get("lat")))
                el.clear()
            elif el.tag == "way":
                tags = {t.get("k"): t.get("v") for t in el.findall("tag")}
                refs = [nd.get("ref") for nd in el.findall("nd")]
                if tags.get("highway") in WALKABLE and tags.get("foot") != "no":
                    segments.extend(itertools.pairwise(refs))
                el.clear()
        ids = sorted({r for seg in segments for r in seg if r in coords})
        index = {r: k for k, r in enumerate(ids)}
        lonlat = np.array([coords[r] for r in ids])
        if len(lonlat) == 0:
            raise DataError(f"{Path(path).name}: inga gångbara vägar hittades i OSM-filen.")
        x, y = Transformer.from_crs("EPSG:4326", "EPSG:3006", always_xy=True).transform(lonlat[:, 0], lonlat[:, 1])
        nodes = np.column_stack([x, y])
        pairs = np.array([(index[a], index[b]) for a, b in segments if a in index and b in index])
        u, v = pairs[:, 0], pairs[:, 1]
        return cls(nodes=nodes, graph=_undirected(u, v, np.hypot(*(nodes[u] - nodes[v]).T), len(nodes)))


def _undirected(u: np.ndarray, v: np.ndarray, length: np.ndarray, n: int) -> csr_matrix:
    """Symmetric adjacency of edge lengths; of parallel edges the shortest is kept."""
    uu, vv = np.r_[u, v], np.r_[v, u]
    ll = np.r_[length, length]
    order = np.lexsort((ll, vv, uu))
    uu, vv, ll = uu[order], vv[order], ll[order]
    first = np.r_[True, (np.diff(uu) != 0) | (np.diff(vv) != 0)]
    from scipy.sparse import csr_matrix  # imported where a network is built

    return csr_matrix((ll[first], (uu[first], vv[first])), shape=(n, n))


@validate_params(
    network=InstanceOf(RoadNetwork, "ett vägnät (RoadNetwork)"), home_xy=Array(2, "f"), school_xy=Array(2, "f")
)
def walking_distance_m(network: RoadNetwork, home_xy: np.ndarray, school_xy: np.ndarray) -> np.ndarray:
    """Walking distances (n_homes x n_schools) in metres: snap, then Dijkstra from each school."""
    from scipy.sparse.csgraph import dijkstra  # imported where distances are computed
    from scipy.spatial import cKDTree

    tree = cKDTree(network.nodes)
    dh, nh = tree.query(points(home_xy, "home_xy"))
    ds, ns = tree.query(points(school_xy, "school_xy"))
    from_schools = dijkstra(network.graph, directed=False, indices=ns)  # (n_schools, n_nodes)
    return (from_schools[:, nh] + ds[:, None] + dh[None, :]).T

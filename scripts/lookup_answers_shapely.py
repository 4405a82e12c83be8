#!/usr/bin/env python3
"""Answers of an independent point-in-polygon implementation — Shapely 2 (GEOS) — for the
points the jurisdiction lookup benchmark reads, so `bench lookup` can compare every answer with
them as well as with the project's own reference test.

Reads the Census 1:500k county shapefile (gzipped, from the shared data folder) and the points
file the comparison scripts write (`points_N.lonlat.f64le`: little-endian lon,lat pairs), and
writes `shapely_answers_N.csv` beside it: `idx,geoids`, the GEOIDs of every county whose polygon
intersects the point (GEOS's exact predicate), sorted and joined by `;`, empty when none.

Usage (the venv of ../shared/bench/requirements.txt has Shapely and pyogrio):

    /tmp/benchvenv/bin/python scripts/lookup_answers_shapely.py \
        ../shared/data /tmp/crisisbridge-bench/points_1000000.lonlat.f64le
"""
import gzip
import os
import shutil
import sys
import tempfile
import time

import numpy as np
import pyogrio
import shapely


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    data, points_path = sys.argv[1], sys.argv[2]
    stem = "cb_2016_us_county_500k"
    with tempfile.TemporaryDirectory() as tmp:
        for ext in ("shp", "shx", "dbf"):
            with gzip.open(os.path.join(data, "census-cb2016-500k", f"{stem}.{ext}.gz")) as src, \
                    open(os.path.join(tmp, f"{stem}.{ext}"), "wb") as dst:
                shutil.copyfileobj(src, dst)
        _, _, geometry, fields = pyogrio.raw.read(os.path.join(tmp, f"{stem}.shp"), columns=["GEOID"])
    ids = np.asarray(fields[0])
    polygons = shapely.from_wkb(geometry)
    xy = np.fromfile(points_path, dtype="<f8").reshape(-1, 2)
    started = time.perf_counter()
    tree = shapely.STRtree(polygons)
    point_index, polygon_index = tree.query(shapely.points(xy), predicate="intersects")
    elapsed = time.perf_counter() - started
    answers = [[] for _ in range(len(xy))]
    for i, j in zip(point_index.tolist(), polygon_index.tolist()):
        answers[i].append(str(ids[j]))
    out_path = os.path.join(os.path.dirname(points_path), f"shapely_answers_{len(xy)}.csv")
    with open(out_path, "w") as out:
        out.write("idx,geoids\n")
        for i, found in enumerate(answers):
            out.write(f"{i},{';'.join(sorted(found))}\n")
    inside = sum(1 for a in answers if a)
    print(f"Shapely {shapely.__version__} (GEOS {shapely.geos_version_string}): "
          f"{len(xy):,} points, {inside:,} in a county, answered in {elapsed:.1f} s; wrote {out_path}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Writes crates/crisisbridge/demo/manhattan-borough.geojson, the Manhattan demo's one area,
from the Manhattan Island boundary shapefile (WGS 84) in ../shared/data/jemss-manhattan/border.

Usage: python3 scripts/extract_manhattan_border.py [PATH/TO/manhattan_border.zip]

Reads the .shp (polygon records, shape type 5) with the standard library only; rings are
written as they are, coordinates rounded to 1e-6 degrees (about 10 cm).
"""
import json
import struct
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared/data/jemss-manhattan/border/manhattan_border.zip"
OUT = ROOT / "crates/crisisbridge/demo/manhattan-borough.geojson"


def rings_of(shp: bytes):
    at = 100
    while at < len(shp):
        _, length = struct.unpack(">ii", shp[at:at + 8])
        body = shp[at + 8:at + 8 + length * 2]
        at += 8 + length * 2
        kind = struct.unpack("<i", body[:4])[0]
        if kind != 5:
            raise SystemExit(f"shape type {kind}, expected polygons (5)")
        parts, points = struct.unpack("<ii", body[36:44])
        starts = list(struct.unpack(f"<{parts}i", body[44:44 + 4 * parts])) + [points]
        xy = struct.unpack(f"<{2 * points}d", body[44 + 4 * parts:44 + 4 * parts + 16 * points])
        for a, b in zip(starts, starts[1:]):
            yield [[round(xy[2 * i], 6), round(xy[2 * i + 1], 6)] for i in range(a, b)]


def signed_area(ring):
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:]))


def main():
    with zipfile.ZipFile(SOURCE) as z:
        shp = z.read("manhattan_border.shp")
    # Shapefile outer rings run clockwise (negative signed area); holes counter-clockwise.
    polygons = []
    for ring in rings_of(shp):
        if signed_area(ring) < 0:
            polygons.append([ring[::-1]])
        elif polygons:
            polygons[-1].append(ring[::-1])
    feature = {
        "type": "Feature",
        "id": "36061",
        "properties": {"fips": "36061", "name": "Manhattan"},
        "geometry": {"type": "MultiPolygon", "coordinates": polygons},
    }
    OUT.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}, separators=(",", ":")) + "\n")
    print(f"wrote {OUT} ({len(polygons)} polygons)")


if __name__ == "__main__":
    main()

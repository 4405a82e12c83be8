#!/usr/bin/env python3
"""Extract one state's county boundaries from the Census cartographic boundary
shapefile (cb_2016_us_county_500k) into a GeoJSON FeatureCollection.

Standard library only. The input is the gzipped shapefile kept under
<shared>/data/census-cb2016-500k/ (see SOURCE.md there). The only changes made
to the data are: filtering to one state, ring orientation per RFC 7946
(outer rings counter-clockwise, holes clockwise) and rounding coordinates to
6 decimal places. Vertex sequences are otherwise kept as they are.

Usage (from the repository root):
    python3 scripts/extract_demo_region.py
    python3 scripts/extract_demo_region.py --shared ../shared --state 20 \
        --out crates/crisisbridge/demo/kansas-counties.geojson
"""

import argparse
import gzip
import json
import struct
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DATASET_DIR = Path("data") / "census-cb2016-500k"
BASENAME = "cb_2016_us_county_500k"
DECIMALS = 6

SHAPE_NULL = 0
SHAPE_POLYGON = 5


# --------------------------------------------------------------------------
# .shp parsing
# --------------------------------------------------------------------------

def parse_shp(data):
    """Return a list with one entry per record: a list of rings (each a list
    of (x, y) tuples), or None for a null shape."""
    file_code, = struct.unpack(">i", data[0:4])
    if file_code != 9994:
        raise ValueError(f"not a shapefile (file code {file_code})")
    file_len = struct.unpack(">i", data[24:28])[0] * 2  # 16-bit words -> bytes
    shape_type, = struct.unpack("<i", data[32:36])
    if shape_type != SHAPE_POLYGON:
        raise ValueError(f"expected shape type {SHAPE_POLYGON} (Polygon), got {shape_type}")

    shapes = []
    pos = 100
    end = min(file_len, len(data))
    while pos + 8 <= end:
        _rec_no, content_words = struct.unpack(">ii", data[pos:pos + 8])
        content = data[pos + 8:pos + 8 + content_words * 2]
        pos += 8 + content_words * 2

        rec_type, = struct.unpack("<i", content[0:4])
        if rec_type == SHAPE_NULL:
            shapes.append(None)
            continue
        if rec_type != SHAPE_POLYGON:
            raise ValueError(f"unexpected record shape type {rec_type}")

        # content[4:36] is the record bounding box, not needed here.
        num_parts, num_points = struct.unpack("<ii", content[36:44])
        parts = struct.unpack(f"<{num_parts}i", content[44:44 + 4 * num_parts])
        pts_off = 44 + 4 * num_parts
        flat = struct.unpack(f"<{2 * num_points}d",
                             content[pts_off:pts_off + 16 * num_points])
        points = list(zip(flat[0::2], flat[1::2]))

        bounds = list(parts) + [num_points]
        rings = [points[bounds[i]:bounds[i + 1]] for i in range(num_parts)]
        shapes.append([r for r in rings if r])
    return shapes


# --------------------------------------------------------------------------
# .dbf parsing (dBASE III)
# --------------------------------------------------------------------------

def decode_text(raw):
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def parse_dbf(data):
    """Return a list with one entry per record: a dict of trimmed string
    values, or None for a record marked as deleted."""
    num_records, header_len, record_len = struct.unpack("<IHH", data[4:12])

    fields = []  # (name, length)
    pos = 32
    while pos < header_len and data[pos] != 0x0D:
        desc = data[pos:pos + 32]
        name = desc[0:11].split(b"\x00", 1)[0].decode("ascii")
        fields.append((name, desc[16]))
        pos += 32

    records = []
    for i in range(num_records):
        start = header_len + i * record_len
        rec = data[start:start + record_len]
        if rec[0:1] == b"*":
            records.append(None)
            continue
        values = {}
        off = 1
        for name, length in fields:
            values[name] = decode_text(rec[off:off + length]).strip()
            off += length
        records.append(values)
    return records


# --------------------------------------------------------------------------
# Ring classification and nesting
# --------------------------------------------------------------------------

def signed_area(ring):
    """Shoelace formula: positive for counter-clockwise, negative for clockwise."""
    total = 0.0
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1]):
        total += x1 * y2 - x2 * y1
    return total / 2.0


def bbox(ring):
    xs = [p[0] for p in ring]
    ys = [p[1] for p in ring]
    return min(xs), min(ys), max(xs), max(ys)


def bbox_contains(outer, inner):
    return (outer[0] <= inner[0] and outer[1] <= inner[1]
            and outer[2] >= inner[2] and outer[3] >= inner[3])


def point_in_ring(x, y, ring):
    """Even-odd ray casting."""
    inside = False
    n = len(ring)
    j = n - 1
    for i in range(n):
        xi, yi = ring[i]
        xj, yj = ring[j]
        if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def nest_rings(rings):
    """Group shapefile rings into polygons [outer, hole, hole, ...].

    Shapefile outer rings are clockwise and holes counter-clockwise. Each hole
    is assigned to the smallest outer ring that contains it; the hole's
    vertices vote, so vertices shared with the outer boundary do not decide.
    A hole that no outer ring contains is kept as an outer ring of its own.
    """
    outers, holes = [], []
    for ring in rings:
        (outers if signed_area(ring) < 0 else holes).append(ring)

    polygons = [[o] for o in outers]
    outer_boxes = [bbox(o) for o in outers]
    outer_areas = [abs(signed_area(o)) for o in outers]

    for hole in holes:
        hbox = bbox(hole)
        best, best_key = None, None
        for idx, outer in enumerate(outers):
            if not bbox_contains(outer_boxes[idx], hbox):
                continue
            votes = sum(point_in_ring(x, y, outer) for x, y in hole)
            if votes * 2 <= len(hole):
                continue
            key = (-votes, outer_areas[idx])
            if best_key is None or key < best_key:
                best, best_key = idx, key
        if best is None:
            print(f"warning: hole with {len(hole)} vertices has no enclosing outer ring;"
                  " kept as an outer ring", file=sys.stderr)
            polygons.append([hole])
        else:
            polygons[best].append(hole)
    return polygons


def orient(ring, ccw):
    """Return the ring with the requested winding, reversing it if needed."""
    is_ccw = signed_area(ring) > 0
    return list(ring) if is_ccw == ccw else list(reversed(ring))


# --------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------

def close_and_round(ring):
    out = [[round(x, DECIMALS), round(y, DECIMALS)] for x, y in ring]
    if out[0] != out[-1]:
        out.append(list(out[0]))
    return out


def to_geometry(rings):
    polygons = nest_rings(rings)
    coords = []
    for outer, *holes in polygons:
        poly = [close_and_round(orient(outer, ccw=True))]
        poly += [close_and_round(orient(h, ccw=False)) for h in holes]
        coords.append(poly)
    if len(coords) == 1:
        return {"type": "Polygon", "coordinates": coords[0]}
    return {"type": "MultiPolygon", "coordinates": coords}


def to_feature(record, rings):
    return {
        "type": "Feature",
        "properties": {
            "fips": record["GEOID"],
            "name": record["NAME"],
            "state_fips": record["STATEFP"],
            "aland_m2": int(record["ALAND"]),
            "awater_m2": int(record["AWATER"]),
        },
        "geometry": to_geometry(rings),
    }


def write_geojson(features, out_path):
    lines = [json.dumps(f, separators=(",", ":"), ensure_ascii=False) for f in features]
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with open(out_path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write('{"type":"FeatureCollection","features":[\n')
        fh.write(",\n".join(lines))
        fh.write("\n]}\n")


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------

def read_gz(path):
    with gzip.open(path, "rb") as fh:
        return fh.read()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=REPO_ROOT.parent / "shared",
                        help="shared directory holding data/census-cb2016-500k "
                             "(default: <repo>/../shared)")
    parser.add_argument("--state", default="20",
                        help="2-digit state FIPS code to keep (default: 20, Kansas)")
    parser.add_argument("--out", type=Path,
                        default=REPO_ROOT / "crates" / "crisisbridge" / "demo" / "kansas-counties.geojson",
                        help="output GeoJSON path")
    args = parser.parse_args(argv)

    data_dir = args.shared / DATASET_DIR
    shp_path = data_dir / f"{BASENAME}.shp.gz"
    dbf_path = data_dir / f"{BASENAME}.dbf.gz"
    missing = [p for p in (shp_path, dbf_path) if not p.is_file()]
    if missing:
        for p in missing:
            print(f"error: input file not found: {p}", file=sys.stderr)
        print("hint: pass --shared DIR, where DIR contains data/census-cb2016-500k/",
              file=sys.stderr)
        return 1

    shapes = parse_shp(read_gz(shp_path))
    records = parse_dbf(read_gz(dbf_path))
    if len(shapes) != len(records):
        print(f"error: {shp_path.name} has {len(shapes)} shapes but "
              f"{dbf_path.name} has {len(records)} records", file=sys.stderr)
        return 1

    features = [
        to_feature(rec, rings)
        for rec, rings in zip(records, shapes)
        if rec is not None and rings and rec["STATEFP"] == args.state
    ]
    if not features:
        print(f"error: no counties found for state {args.state!r}", file=sys.stderr)
        return 1
    features.sort(key=lambda f: f["properties"]["fips"])

    write_geojson(features, args.out)
    print(f"wrote {len(features)} features to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Writes block-groups.geojson.gz from the Census 2000 block groups shapefile of Manhattan
(manhattan_pop_densit.zip): each block group's polygon with its id (STFID) and population
(POP2000), the demand of the Manhattan scenario. Standard library only.

    python3 block_groups_from_shapefile.py manhattan_pop_densit.zip
"""
import gzip
import json
import struct
import sys
import zipfile


def records_dbf(data):
    count, header_len, record_len = struct.unpack("<IHH", data[4:12])
    fields, offset = [], 32
    while data[offset] != 0x0D:
        name = data[offset:offset + 11].split(b"\0")[0].decode()
        fields.append((name, data[offset + 16]))
        offset += 32
    for r in range(count):
        start = header_len + r * record_len + 1
        row, pos = {}, start
        for name, length in fields:
            row[name] = data[pos:pos + length].decode("latin-1").strip()
            pos += length
        yield row


def shapes(data):
    offset = 100
    while offset < len(data):
        _, length = struct.unpack(">ii", data[offset:offset + 8])
        content = data[offset + 8:offset + 8 + 2 * length]
        offset += 8 + 2 * length
        kind = struct.unpack("<i", content[:4])[0]
        if kind == 0:
            yield []
            continue
        assert kind == 5, f"shape type {kind} is not a polygon"
        parts, points = struct.unpack("<ii", content[36:44])
        starts = list(struct.unpack(f"<{parts}i", content[44:44 + 4 * parts])) + [points]
        base = 44 + 4 * parts
        xy = [struct.unpack("<dd", content[base + 16 * i:base + 16 * i + 16]) for i in range(points)]
        yield [[[round(x, 7), round(y, 7)] for x, y in xy[a:b]] for a, b in zip(starts, starts[1:])]


def signed_area(ring):
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:])) / 2


def main(path):
    archive = zipfile.ZipFile(path)
    shp = archive.read("manhattan_pop_densit.shp")
    dbf = archive.read("manhattan_pop_densit.dbf")
    features = []
    for row, rings in zip(records_dbf(dbf), shapes(shp)):
        if not rings:
            continue
        # Shapefile outer rings run clockwise, holes counter-clockwise.
        polygons = []
        for ring in rings:
            if signed_area(ring) < 0 or not polygons:
                polygons.append([ring])
            else:
                polygons[-1].append(ring)
        features.append({
            "type": "Feature",
            "properties": {"STFID": row["STFID"], "POP2000": int(row["POP2000"])},
            "geometry": {"type": "MultiPolygon", "coordinates": polygons},
        })
    out = {"type": "FeatureCollection", "features": features}
    with gzip.open("block-groups.geojson.gz", "wt", compresslevel=9) as f:
        json.dump(out, f, separators=(",", ":"))
    print(len(features), "block groups,", sum(f["properties"]["POP2000"] for f in features), "people")


main(sys.argv[1])

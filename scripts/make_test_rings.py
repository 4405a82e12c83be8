#!/usr/bin/env python3
"""Writes the rings the boundary-validation benchmark imports (BENCHMARKS.md):
random-N.geojson, N random points joined in order (a ring crossing itself everywhere), and
clean-1m.geojson, a wavy ring of 1,000,000 vertices that never crosses itself.

    python3 scripts/make_test_rings.py /tmp
"""
import json
import math
import random
import sys

out = sys.argv[1] if len(sys.argv) > 1 else "."


def write(name, ring):
    ring.append(ring[0])
    feature = {"type": "Feature", "properties": {"GEOID": "x"},
               "geometry": {"type": "Polygon", "coordinates": [ring]}}
    with open(f"{out}/{name}.geojson", "w") as f:
        json.dump({"type": "FeatureCollection", "features": [feature]}, f)


random.seed(9)
for n in (5_000, 40_000, 50_000):
    write(f"random-{n}", [[-95 + random.random(), 38 + random.random()] for _ in range(n)])
n = 1_000_000
write("clean-1m", [[-95 + (1 + 0.2 * math.sin(i / n * math.tau * 50)) * math.cos(i / n * math.tau),
                    38 + (1 + 0.2 * math.sin(i / n * math.tau * 50)) * math.sin(i / n * math.tau)]
                   for i in range(n)])

#!/usr/bin/env python3
"""Times RoutingKit's customizable contraction hierarchies (CCH, C++) on the graphs that our
travel-time benchmark exports, through RoutingKit's two PyPI bindings:

- routingkit-cch (Rust/cxx core wrapped with pyo3): compute_order_inertial, CCH(order, tail,
  head, False), CCHMetric(cch, weights) (customizes), CCHOneToMany(metric, targets) with
  repin_targets(targets) and distances_from(source): RoutingKit's pin_targets,
  reset_source + add_source + run_to_pinned_targets + get_distances_to_targets.
- pyroutingkit (pybind11): CCHTopology.build(tail, head, lat, lon, n) (inertial-flow order and
  CCH in one call), CCHMetric(topology).customize(weights), and
  CCHMetric.distances_many_to_many(sources, targets), which pins the targets once and runs
  reset_source + add_source + run_to_pinned_targets for every source inside the one call.

Both compile the same RoutingKit sources; they differ in compiler, flags and call overhead.

Input, for each graph NAME in helsinki, manhattan, grid (whichever files DIR holds):
NAME.nodes.csv (lat,lon; node id = row), NAME.arcs.csv (from,to,millis: directed arcs,
integer milliseconds), NAME.cases.csv (source,targets: 200 rows `S,T1;...;T50`),
NAME.answers.csv (source,millis: our exact travel times, same order) and optionally
NAME.reused.csv (targets: one row, a 50-target set used against every source of cases.csv).

Measured per graph and binding:
- preprocessing: order computation, CCH build, customization (and a second, re-customization),
  separately where the binding allows it; pyroutingkit's build includes its order;
- one source to its 50 targets, the targets pinned per query as in our benchmark:
  p50/p90/p99 over the cases (routingkit-cch: repin_targets + distances_from, also split;
  pyroutingkit: one distances_many_to_many call with one source);
- the reused target set pinned once and answered from every source: p50/p90/p99 of
  routingkit-cch's distances_from; pyroutingkit's batch call (all sources, one pinning) as a
  per-source mean over 5 calls, beside a Python loop of one-source calls (which re-pin);
- answers differing from ours (answers.csv; the reused set against scipy's Dijkstra): must be 0,
  and the script exits 1 otherwise;
- binding overhead: a trivial call (a property), and the same calls on a 4-node graph with 50
  pinned (repeated) targets, where RoutingKit's own work is next to nothing, so the time is
  argument conversion, the GIL hand-off and building the 50-element result.

Every figure is time.perf_counter_ns around the binding call (nothing else inside the timed
region), after 20 warm-up queries, with Python's garbage collector paused; percentiles are
numpy's (linear interpolation) of the per-query times. OMP_NUM_THREADS defaults to 1 and
customization is serial, so both bindings use one core as our benchmark does.

Results are printed and written to DIR/routingkit-results.json, together with the bindings'
versions, wheel tags, the compilers recorded in their extension modules, the instruction sets
their code uses (when objdump is installed) and the compiler flags of their published builds.

    bash scripts/install-bench-peers.sh && .bench-venv/bin/python scripts/bench_routingkit.py /tmp/cb-eta-export

Options: --bindings routingkit-cch,pyroutingkit (default: both), --json PATH, --rounds R (time
every query R times and keep its median: steadier figures on a busy machine; default 1).
"""
import os

# Before pyroutingkit loads libgomp: one thread, like the serial customization timed here.
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse
import csv
import gc
import importlib
import importlib.metadata as metadata
import json
import platform
import re
import shutil
import statistics
import struct
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

GRAPHS = ("helsinki", "manhattan", "grid")
BINDINGS = ("routingkit-cch", "pyroutingkit")
WARMUP = 20  # queries run before every timed series
BATCH_REPEATS = 5  # pyroutingkit's all-sources batch call is timed this many times
OVERHEAD_REPS = 2000  # calls per overhead measurement on the 4-node graph
INF_WEIGHT = 2_147_483_647  # RoutingKit's inf_weight: "unreachable"; arc weights stay below it
now = time.perf_counter_ns

# Compiler flags of the published builds, read from each version's sdist (build script and CI
# configuration) and consistent with the wheels' machine code; the script also reports what it
# can see in the installed module itself (build_info()).
PUBLISHED_BUILD_FLAGS = {
    ("routingkit-cch", "0.1.4"): (
        "RoutingKit and the wrapper compiled by build.rs through the cc crate: -std=c++17 -O3 "
        "-fPIC -Wall -ffast-math -march=native -pthread -DNDEBUG (plus the cc crate's defaults); "
        "cargo feature 'openmp' off for the wheel (no OpenMP); wheels built by maturin --release "
        "in the manylinux_2_34 container on a GitHub-hosted ubuntu-24.04 runner, so "
        "-march=native is that runner's CPU"
    ),
    ("pyroutingkit", "0.2.1"): (
        "RoutingKit compiled by CMake through scikit-build-core: build type Release "
        "(-O3 -DNDEBUG), -O3 added on RoutingKit, C++17, position-independent code, OpenMP "
        "(-fopenmp, libgomp bundled in the wheel); no -march option, so the x86-64 baseline; "
        "wheels built by cibuildwheel in the manylinux2014 image"
    ),
}


# ---------------------------------------------------------------------------------------------
# Input


class Graph:
    """One exported graph: arrays for the bindings, cases, our answers, the reused set."""

    def __init__(self, directory, name):
        base = Path(directory) / name
        self.name = name
        lat, lon = read_columns(f"{base}.nodes.csv", ("lat", "lon"), np.float64)
        tail, head, millis = read_columns(f"{base}.arcs.csv", ("from", "to", "millis"), np.int64)
        self.n = len(lat)
        self.m = len(tail)
        if self.n == 0 or self.m == 0:
            raise ValueError(f"{name}: empty graph")
        if min(tail.min(), head.min()) < 0 or max(tail.max(), head.max()) >= self.n:
            raise ValueError(f"{name}: arc endpoints outside 0..{self.n - 1}")
        if millis.min() < 0 or millis.max() >= INF_WEIGHT:
            raise ValueError(f"{name}: arc weights must lie in 0..{INF_WEIGHT - 1} ms")
        self.tail = tail.astype(np.uint32)
        self.head = head.astype(np.uint32)
        self.millis = millis.astype(np.uint32)
        self.lat = lat.astype(np.float32)
        self.lon = lon.astype(np.float32)

        self.cases = read_rows(f"{base}.cases.csv", "source", "targets")
        self.answers = None
        if Path(f"{base}.answers.csv").exists():
            answers = read_rows(f"{base}.answers.csv", "source", "millis")
            if [s for s, _ in answers] != [s for s, _ in self.cases] or any(
                len(a) != len(t) for (_, a), (_, t) in zip(answers, self.cases)
            ):
                raise ValueError(f"{name}: answers.csv does not follow cases.csv row by row")
            self.answers = [a for _, a in answers]
        self.reused = None
        if Path(f"{base}.reused.csv").exists():
            with open(f"{base}.reused.csv", newline="") as f:
                rows = [r for r in csv.reader(f) if r]
            if rows[0] != ["targets"] or len(rows) < 2:
                raise ValueError(f"{name}: reused.csv needs the header 'targets' and one row")
            self.reused = [int(x) for x in rows[1][0].split(";")]
        for s, targets in self.cases + ([(0, self.reused)] if self.reused else []):
            if not 0 <= s < self.n or not targets or not all(0 <= t < self.n for t in targets):
                raise ValueError(f"{name}: a case names a node outside 0..{self.n - 1}")
        self.sources = [s for s, _ in self.cases]


def read_columns(path, names, dtype):
    with open(path) as f:
        header = f.readline().strip().split(",")
    missing = [c for c in names if c not in header]
    if missing:
        raise ValueError(f"{path}: header {header} lacks {missing}")
    data = np.loadtxt(path, delimiter=",", skiprows=1, dtype=dtype, ndmin=2,
                      usecols=[header.index(c) for c in names])
    return [data[:, i] for i in range(len(names))]


def read_rows(path, first, second):
    """Rows `S,X1;X2;...` as (S, [X1, X2, ...])."""
    with open(path, newline="") as f:
        rows = [r for r in csv.reader(f) if r]
    if rows[0] != [first, second]:
        raise ValueError(f"{path}: expected the header '{first},{second}'")
    return [(int(r[0]), [int(x) for x in r[1].split(";")]) for r in rows[1:]]


def dijkstra_reference(g, sources, targets):
    """Plain Dijkstra (scipy) from each source to the targets; None where unreachable."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    # A CSR matrix adds parallel arcs up; keep the fastest instead (the export has none).
    key = g.tail.astype(np.int64) * g.n + g.head
    order = np.lexsort((g.millis, key))
    first = np.r_[True, key[order][1:] != key[order][:-1]]
    keep = order[first]
    matrix = csr_matrix((g.millis[keep].astype(np.float64), (g.tail[keep], g.head[keep])),
                        shape=(g.n, g.n))
    out = []
    for i in range(0, len(sources), 25):  # 25 full distance rows at a time
        rows = dijkstra(matrix, directed=True, indices=sources[i:i + 25])[:, targets]
        out.extend([[int(x) if np.isfinite(x) else None for x in row] for row in rows])
    return out


# ---------------------------------------------------------------------------------------------
# Timing helpers


def percentiles(ns):
    us = np.asarray(ns, dtype=np.float64) / 1e3
    p50, p90, p99 = np.percentile(us, [50, 90, 99])
    return {"p50_us": round(p50, 3), "p90_us": round(p90, 3), "p99_us": round(p99, 3),
            "mean_us": round(float(us.mean()), 3), "count": len(us)}


def median_us(ns):
    return round(statistics.median(ns) / 1e3, 3)


def timed(fn, *args):
    """(nanoseconds, result) of one call."""
    t0 = now()
    r = fn(*args)
    return now() - t0, r


def series(call, items, rounds):
    """Times call(*item) for every item after WARMUP warm-up calls, GC paused while timing.
    With rounds > 1 the items are run that many times and each item's time is its median."""
    for item in items[:WARMUP]:
        call(*item)
    per_round = []
    gc.disable()
    try:
        for _ in range(rounds):
            times, results = [], []
            for item in items:
                t0 = now()
                r = call(*item)
                times.append(now() - t0)
                results.append(r)
            per_round.append(times)
    finally:
        gc.enable()
    return per_item_median(per_round), results


def per_item_median(per_round):
    """Per-item median over rounds (a list of equally long lists of nanoseconds)."""
    if len(per_round) == 1:
        return per_round[0]
    return np.median(np.asarray(per_round, dtype=np.float64), axis=0).tolist()


def repeat_median(call, reps=OVERHEAD_REPS):
    for _ in range(WARMUP):
        call()
    times = []
    gc.disable()
    try:
        for _ in range(reps):
            t0 = now()
            call()
            times.append(now() - t0)
    finally:
        gc.enable()
    return median_us(times)


def timer_floor_us():
    """Median of an empty perf_counter_ns pair: included in every figure below."""
    times = []
    for _ in range(20000):
        t0 = now()
        times.append(now() - t0)
    return median_us(times)


# A 4-node bidirectional cycle: RoutingKit's work on it is next to nothing, so a call on it
# costs what the binding adds (arguments, GIL, result list) plus a 50-entry target sweep.
TINY = dict(n=4, tail=[0, 1, 1, 2, 2, 3, 3, 0], head=[1, 0, 2, 1, 3, 2, 0, 3], millis=[5] * 8,
            lat=[60.0, 60.0, 60.001, 60.001], lon=[24.0, 24.001, 24.001, 24.0])
TINY_TARGETS = [2] * 50


def none_if_inf(values):
    return [None if v is None or v >= INF_WEIGHT else int(v) for v in values]


# ---------------------------------------------------------------------------------------------
# Bindings


class RoutingKitCch:
    """routingkit-cch: order, CCH and customization are separate calls; CCHOneToMany keeps
    the pinned targets between sources."""

    dist = "routingkit-cch"

    def __init__(self, rounds):
        self.rk = importlib.import_module("routingkit_cch")
        self.rounds = rounds

    def run(self, g):
        rk = self.rk
        tail, head, millis = g.tail.tolist(), g.head.tolist(), g.millis.tolist()
        lat, lon = g.lat.tolist(), g.lon.tolist()
        pre = {}
        ns, order = timed(rk.compute_order_inertial, g.n, tail, head, lat, lon)
        pre["order_ms"] = ns / 1e6
        ns, cch = timed(rk.CCH, order, tail, head, False)
        pre["build_ms"] = ns / 1e6
        ns, metric = timed(rk.CCHMetric, cch, millis)  # binds the weights and customizes
        pre["customize_ms"] = ns / 1e6
        ns, _ = timed(metric.reset, millis)  # customizes again into the same buffers
        pre["recustomize_ms"] = ns / 1e6
        pre["total_ms"] = pre["order_ms"] + pre["build_ms"] + pre["customize_ms"]
        pre = {k: round(v, 3) for k, v in pre.items()}
        pre["note"] = "total = order + build + customize; each call converts its argument lists"

        otm = rk.CCHOneToMany(metric, g.cases[0][1])
        repin, distances_from = otm.repin_targets, otm.distances_from
        pin_ns, run_ns = [], []

        def pinned(s, targets):
            t0 = now()
            repin(targets)
            t1 = now()
            d = distances_from(s)
            t2 = now()
            pin_ns.append(t1 - t0)
            run_ns.append(t2 - t1)
            return d

        total_ns, pinned_results = series(pinned, g.cases, self.rounds)
        warm = len(pin_ns) - self.rounds * len(g.cases)  # drop the warm-up calls' splits
        pin_ns = per_item_median(np.reshape(pin_ns[warm:], (self.rounds, -1)).tolist())
        run_ns = per_item_median(np.reshape(run_ns[warm:], (self.rounds, -1)).tolist())
        out = {
            "preprocessing": pre,
            "pinned_per_query": dict(percentiles(total_ns),
                                     calls="repin_targets(targets) + distances_from(source)",
                                     pin_p50_us=median_us(pin_ns),
                                     run_p50_us=median_us(run_ns)),
        }
        results = {"pinned": [none_if_inf(r) for r in pinned_results]}
        if g.reused:
            pin, _ = timed(repin, g.reused)
            times, reused_results = series(distances_from, [(s,) for s in g.sources], self.rounds)
            out["reused_targets"] = dict(percentiles(times), calls="distances_from(source)",
                                         pin_once_us=round(pin / 1e3, 3))
            results["reused"] = [none_if_inf(r) for r in reused_results]
        del otm, repin, distances_from
        out["overhead"] = self.overhead()
        return out, results

    def overhead(self):
        rk = self.rk
        t = TINY
        cch = rk.CCH(rk.compute_order_inertial(t["n"], t["tail"], t["head"], t["lat"], t["lon"]),
                     t["tail"], t["head"], False)
        metric = rk.CCHMetric(cch, t["millis"])
        otm = rk.CCHOneToMany(metric, TINY_TARGETS)

        def pinned():
            otm.repin_targets(TINY_TARGETS)
            otm.distances_from(0)

        return {
            "trivial_call_us": repeat_median(lambda: otm.target_count),
            "tiny_graph_pinned_per_query_us": repeat_median(pinned),
            "tiny_graph_reused_us": repeat_median(lambda: otm.distances_from(0)),
            "method": "medians over the 4-node graph with 50 pinned targets; trivial call = "
                      "CCHOneToMany.target_count",
        }


class PyRoutingKit:
    """pyroutingkit: build = order + CCH; distances_many_to_many pins once per call."""

    dist = "pyroutingkit"

    def __init__(self, rounds):
        self.prk = importlib.import_module("pyroutingkit")
        self.rounds = rounds

    def run(self, g):
        prk = self.prk
        pre = {}
        topology = prk.CCHTopology()
        ns, _ = timed(topology.build, g.tail, g.head, g.lat, g.lon, g.n)
        pre["order_and_build_ms"] = ns / 1e6
        metric = prk.CCHMetric(topology)
        ns, _ = timed(metric.customize, g.millis, 0)  # 0 = serial customization
        pre["customize_ms"] = ns / 1e6
        ns, _ = timed(metric.customize, g.millis, 0)
        pre["recustomize_ms"] = ns / 1e6
        pre["total_ms"] = pre["order_and_build_ms"] + pre["customize_ms"]
        pre = {k: round(v, 3) for k, v in pre.items()}
        pre["note"] = "the order (inertial flow) is computed inside build and not timed apart"

        m2m = metric.distances_many_to_many
        one = [(np.array([s], dtype=np.uint32), np.array(t, dtype=np.uint32)) for s, t in g.cases]
        times, res = series(m2m, one, self.rounds)
        out = {"preprocessing": pre,
               "pinned_per_query": dict(percentiles(times),
                                        calls="distances_many_to_many([source], targets)")}
        results = {"pinned": [none_if_inf(r[0].tolist()) for r in res]}
        if g.reused:
            reused = np.array(g.reused, dtype=np.uint32)
            sources = np.array(g.sources, dtype=np.uint32)
            m2m(sources[:WARMUP], reused)
            batch = []
            gc.disable()
            try:
                for _ in range(BATCH_REPEATS):
                    ns, matrix = timed(m2m, sources, reused)
                    batch.append(ns)
            finally:
                gc.enable()
            loop, _ = series(m2m, [(sources[i:i + 1], reused) for i in range(len(sources))],
                             self.rounds)
            per_source = statistics.median(batch) / len(sources) / 1e3
            out["reused_targets"] = {
                "calls": "distances_many_to_many(all sources, targets): pinned once per call",
                "batch_per_source_mean_us": round(per_source, 3),
                "batch_call_ms_median": round(statistics.median(batch) / 1e6, 3),
                "python_loop_one_source_per_call": dict(
                    percentiles(loop), note="each call pins the targets again"),
            }
            results["reused"] = [none_if_inf(row) for row in matrix.tolist()]
        out["overhead"] = self.overhead()
        return out, results

    def overhead(self):
        prk = self.prk
        t = TINY
        topology = prk.CCHTopology()
        topology.build(*(np.array(t[k], dtype=np.uint32) for k in ("tail", "head")),
                       *(np.array(t[k], dtype=np.float32) for k in ("lat", "lon")), t["n"])
        metric = prk.CCHMetric(topology)
        metric.customize(np.array(t["millis"], dtype=np.uint32), 0)
        src = np.array([0], dtype=np.uint32)
        src200 = np.zeros(200, dtype=np.uint32)
        targets = np.array(TINY_TARGETS, dtype=np.uint32)
        return {
            "trivial_call_us": repeat_median(lambda: metric.is_customized),
            "tiny_graph_one_source_call_us": repeat_median(
                lambda: metric.distances_many_to_many(src, targets)),
            "tiny_graph_batch_per_source_us": round(repeat_median(
                lambda: metric.distances_many_to_many(src200, targets), 200) / 200, 3),
            "method": "medians over the 4-node graph with 50 pinned targets; trivial call = "
                      "CCHMetric.is_customized",
        }


ADAPTERS = {"routingkit-cch": RoutingKitCch, "pyroutingkit": PyRoutingKit}


# ---------------------------------------------------------------------------------------------
# What the installed bindings are


def elf_comment(path):
    """The .comment section of an ELF file: the compilers and linkers that built it."""
    data = Path(path).read_bytes()
    if data[:4] != b"\x7fELF" or data[4] != 2:
        return []
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)

    def section(i):
        base = shoff + i * shentsize
        name, = struct.unpack_from("<I", data, base)
        offset, size = struct.unpack_from("<QQ", data, base + 0x18)
        return name, offset, size

    _, strtab, _ = section(shstrndx)
    for i in range(shnum):
        name, offset, size = section(i)
        end = data.index(b"\0", strtab + name)
        if data[strtab + name:end] == b".comment":
            raw = data[offset:offset + size].split(b"\0")
            return [s.decode(errors="replace") for s in raw if s]
    return []


def instruction_sets(path):
    """What the module's machine code uses (x86-64 only; needs binutils' objdump)."""
    if platform.machine() != "x86_64" or not shutil.which("objdump"):
        return None
    try:
        code = subprocess.run(["objdump", "-d", "--no-show-raw-insn", str(path)],
                              capture_output=True, text=True, timeout=300).stdout
        dyn = subprocess.run(["objdump", "-T", str(path)],
                             capture_output=True, text=True, timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    counts = {
        "zmm_operands": code.count("%zmm"),
        "ymm_operands": code.count("%ymm"),
        "vex_or_evex_instructions": len(re.findall(r"\tv[a-z0-9]+\s", code)),
        "bmi2_instructions": len(re.findall(r"\t(?:shlx|shrx|sarx|bzhi|pdep|pext|mulx|rorx)\s",
                                            code)),
    }
    if counts["zmm_operands"]:
        summary = "AVX-512 code"
    elif counts["ymm_operands"] or counts["vex_or_evex_instructions"]:
        summary = "AVX/AVX2 code" + (" and BMI2" if counts["bmi2_instructions"] else "")
    else:
        summary = "x86-64 baseline (SSE2; no VEX-encoded instructions)"
    counts["summary"] = summary
    counts["assertions_compiled_in"] = "__assert_fail" in dyn
    counts["links_openmp"] = "GOMP_" in dyn or "omp_get_" in dyn
    return counts


def build_info(dist):
    info = {"version": metadata.version(dist)}
    d = metadata.distribution(dist)
    wheel = d.read_text("WHEEL") or ""
    info["wheel"] = {k: v for k, v in (line.split(": ", 1) for line in wheel.splitlines()
                                        if ": " in line) if k in ("Generator", "Tag")}
    ext = [f for f in (d.files or []) if str(f).endswith(".so") and ".libs/" not in str(f)]
    if ext:
        path = Path(d.locate_file(ext[0]))
        info["extension_module"] = str(path)
        info["elf_comment"] = elf_comment(path)
        info["machine_code"] = instruction_sets(path)
    info["published_build_flags"] = PUBLISHED_BUILD_FLAGS.get(
        (dist, info["version"]), "unknown for this version")
    return info


def cpu_flags():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return None


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def load_bindings(wanted, rounds):
    """{name: (adapter, build_info)} for the wanted bindings that import and can run here."""
    loaded = {}
    flags = cpu_flags()
    for name in wanted:
        try:
            info = build_info(name)
        except metadata.PackageNotFoundError:
            print(f"{name}: not installed, skipped (bash scripts/install-bench-peers.sh)")
            continue
        # routingkit-cch's wheel is built with -march=native (an AVX2 machine): on a CPU
        # without those instructions it would die of SIGILL rather than raise.
        code = info.get("machine_code") or {}
        needs = set()
        if code.get("zmm_operands"):
            needs.add("avx512f")
        elif code.get("ymm_operands"):
            needs.add("avx2")
        if code.get("bmi2_instructions"):
            needs.add("bmi2")
        if flags is not None and not needs <= flags:
            print(f"{name}: its wheel uses {code['summary']}, which this CPU lacks "
                  f"({', '.join(sorted(needs - flags))}); skipped")
            continue
        try:
            loaded[name] = (ADAPTERS[name](rounds), info)
        except ImportError as e:
            print(f"{name}: import failed ({e}); skipped")
    return loaded


# ---------------------------------------------------------------------------------------------
# Report


def count_mismatches(got, expected, sources, targets):
    """(differing answers, answers compared, up to 5 examples).
    targets: one list per source, or one list for all of them."""
    bad = total = 0
    examples = []
    for i, (g_row, e_row) in enumerate(zip(got, expected)):
        total += len(e_row)
        bad += abs(len(g_row) - len(e_row))
        row_targets = targets[i] if isinstance(targets[0], list) else targets
        for j, (a, b) in enumerate(zip(g_row, e_row)):
            if a != b:
                bad += 1
                if len(examples) < 5:
                    examples.append({"source": sources[i], "target": row_targets[j],
                                     "expected_ms": b, "binding_ms": a})
    return bad, total, examples


def fmt_p(p):
    return f"p50 {p['p50_us']:.1f} / p90 {p['p90_us']:.1f} / p99 {p['p99_us']:.1f} µs"


def share(part, whole):
    if not whole:
        return "n/a"
    pct = 100 * part / whole
    return f"{pct:.1f}%" if pct >= 0.1 else f"{pct:.2f}%"


def print_binding(name, info, r):
    pre, pin = r["preprocessing"], r["pinned_per_query"]
    print(f"  {name} {info['version']}")
    if "order_ms" in pre:
        print(f"    preprocessing: order {pre['order_ms']:.1f} ms, build {pre['build_ms']:.1f} ms, "
              f"customize {pre['customize_ms']:.1f} ms (again: {pre['recustomize_ms']:.1f} ms); "
              f"total {pre['total_ms']:.1f} ms")
    else:
        print(f"    preprocessing: order + build {pre['order_and_build_ms']:.1f} ms, customize "
              f"{pre['customize_ms']:.1f} ms (again: {pre['recustomize_ms']:.1f} ms); "
              f"total {pre['total_ms']:.1f} ms")
    split = (f"  [pin p50 {pin['pin_p50_us']:.1f} µs, run p50 {pin['run_p50_us']:.1f} µs]"
             if "pin_p50_us" in pin else "")
    print(f"    1 -> 50, pinned per query ({pin['calls']}): {fmt_p(pin)}{split}")
    reused = r.get("reused_targets")
    if reused and "p50_us" in reused:
        print(f"    1 -> 50, reused pinned set ({reused['calls']}): {fmt_p(reused)}"
              f"  [pinned once in {reused['pin_once_us']:.1f} µs]")
    elif reused:
        loop = reused["python_loop_one_source_per_call"]
        print(f"    1 -> 50, reused set, one batch call for all sources: "
              f"{reused['batch_per_source_mean_us']:.1f} µs per source (mean; call "
              f"{reused['batch_call_ms_median']:.2f} ms); Python loop of one-source calls "
              f"(re-pins): {fmt_p(loop)}")
    mm = r["mismatches"]
    parts = [f"{mm['pinned']} of {mm['pinned_compared']} (cases vs answers.csv)"]
    if "reused" in mm:
        parts.append(f"{mm['reused']} of {mm['reused_compared']} "
                     f"(reused set vs {mm['reused_against']})")
    print(f"    answers differing: {', '.join(parts)}")
    for e in mm["examples"]:
        print(f"      {e['source']} -> {e['target']}: expected {e['expected_ms']} ms, "
              f"binding {e['binding_ms']} ms")
    o = r["overhead"]
    if "tiny_graph_pinned_per_query_us" in o:
        reused_part = ""
        if reused and "p50_us" in reused:
            reused_part = (f", reused {o['tiny_graph_reused_us']:.2f} µs "
                           f"({share(o['tiny_graph_reused_us'], reused['p50_us'])} of p50)")
        print(f"    binding overhead: trivial call {o['trivial_call_us']:.2f} µs; same calls on a "
              f"4-node graph: pinned per query {o['tiny_graph_pinned_per_query_us']:.2f} µs "
              f"({share(o['tiny_graph_pinned_per_query_us'], pin['p50_us'])} of p50)"
              f"{reused_part}")
    else:
        batch_part = ""
        if reused:
            per_source = o["tiny_graph_batch_per_source_us"]
            batch_part = (f"; batch call per source {per_source:.2f} µs "
                          f"({share(per_source, reused['batch_per_source_mean_us'])} "
                          f"of the batch mean)")
        print(f"    binding overhead: trivial call {o['trivial_call_us']:.2f} µs; same call on a "
              f"4-node graph: one source {o['tiny_graph_one_source_call_us']:.2f} µs "
              f"({share(o['tiny_graph_one_source_call_us'], pin['p50_us'])} of p50){batch_part}")


def print_table(graphs):
    """One line per graph and binding: the figures to set beside ours."""
    print("\ngraph      binding          preprocessing  1->50 pinned per query p50/p90/p99 µs"
          "   reused set µs               differing")
    for gname, gsum in graphs.items():
        for bname, r in gsum["results"].items():
            pin = r["pinned_per_query"]
            reused = r.get("reused_targets")
            if reused is None:
                reused_text = "-"
            elif "p50_us" in reused:
                reused_text = (f"{reused['p50_us']:.1f} / {reused['p90_us']:.1f} / "
                               f"{reused['p99_us']:.1f}")
            else:
                reused_text = f"{reused['batch_per_source_mean_us']:.1f} (batch mean)"
            mm = r["mismatches"]
            print(f"{gname:<10} {bname:<16} {r['preprocessing']['total_ms']:>10.1f} ms  "
                  f"{pin['p50_us']:>9.1f} / {pin['p90_us']:.1f} / {pin['p99_us']:.1f}"
                  f"{'':>12}{reused_text:<28}{mm['pinned'] + mm.get('reused', 0)}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir", help="directory holding NAME.nodes.csv, NAME.arcs.csv, ...")
    ap.add_argument("--bindings", default=",".join(BINDINGS),
                    help="comma-separated, from: " + ", ".join(BINDINGS))
    ap.add_argument("--json",
                    help="where to write the summary (default DIR/routingkit-results.json)")
    ap.add_argument("--rounds", type=int, default=1,
                    help="time every query this many times and keep each one's median (default 1)")
    args = ap.parse_args()
    wanted = [b.strip() for b in args.bindings.split(",") if b.strip()]
    unknown = [b for b in wanted if b not in ADAPTERS]
    if unknown:
        ap.error(f"unknown binding(s) {unknown}")
    if args.rounds < 1:
        ap.error("--rounds must be at least 1")
    directory = Path(args.dir)
    names = [n for n in GRAPHS if all((directory / f"{n}.{part}.csv").exists()
                                      for part in ("nodes", "arcs", "cases"))]
    if not names:
        print(f"no graph in {directory} (expected NAME.nodes.csv, NAME.arcs.csv, NAME.cases.csv "
              f"for NAME in {', '.join(GRAPHS)})", file=sys.stderr)
        return 2

    bindings = load_bindings(wanted, args.rounds)
    if not bindings:
        print("no binding could be loaded", file=sys.stderr)
        return 2
    floor = timer_floor_us()
    try:
        load = os.getloadavg()
    except OSError:
        load = None
    summary = {
        "generated": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {"cpu": cpu_model(), "cores": os.cpu_count(), "load_average": load,
                    "python": platform.python_version(),
                    "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS")},
        "method": {"warmup_queries": WARMUP, "rounds": args.rounds,
                   "clock": "time.perf_counter_ns",
                   "percentiles": "numpy.percentile (linear) of per-query times",
                   "timer_floor_us": floor},
        "bindings": {name: info for name, (_, info) in bindings.items()},
        "graphs": {},
    }
    versions = ", ".join(f"{n} {info['version']}" for n, (_, info) in bindings.items())
    print(f"RoutingKit through its Python bindings: {versions}")
    for name, (_, info) in bindings.items():
        code = info.get("machine_code") or {}
        built_by = "; ".join(info.get("elf_comment", [])) or "?"
        print(f"  {name}: {info['wheel'].get('Tag', '?')}; built by {built_by}"
              + (f"; machine code: {code['summary']}" if code else ""))
    print(f"  CPU {summary['machine']['cpu']}, load average {load}, timer floor {floor:.3f} µs "
          f"(an empty perf_counter_ns pair, inside every figure)")

    total_mismatches = 0
    for gname in names:
        g = Graph(directory, gname)
        reused_note = f", reused set of {len(g.reused)} targets" if g.reused else ""
        print(f"\n== {gname}: {g.n:,} nodes, {g.m:,} arcs; {len(g.cases)} cases of "
              f"{len(g.cases[0][1])} targets{reused_note}")
        gsum = {"nodes": g.n, "arcs": g.m, "cases": len(g.cases), "results": {}}
        all_results = {}
        for bname, (adapter, info) in bindings.items():
            out, results = adapter.run(g)
            all_results[bname] = results
            gsum["results"][bname] = out
        reference = None
        if g.reused:
            try:
                reference = dijkstra_reference(g, g.sources, g.reused)
                reference_name = "scipy Dijkstra"
            except ImportError:
                others = list(all_results)
                if len(others) > 1:
                    reference = all_results[others[0]]["reused"]
                    reference_name = f"{others[0]} (scipy not installed)"
        for bname, results in all_results.items():
            mm = {}
            mm["pinned"], mm["pinned_compared"], mm["examples"] = 0, 0, []
            if g.answers is not None:
                mm["pinned"], mm["pinned_compared"], mm["examples"] = count_mismatches(
                    results["pinned"], g.answers, g.sources, [t for _, t in g.cases])
            if reference is not None and "reused" in results:
                mm["reused"], mm["reused_compared"], examples = count_mismatches(
                    results["reused"], reference, g.sources, g.reused)
                mm["reused_against"] = reference_name
                mm["examples"] = (mm["examples"] + examples)[:5]
            gsum["results"][bname]["mismatches"] = mm
            total_mismatches += mm["pinned"] + mm.get("reused", 0)
            print_binding(bname, bindings[bname][1], gsum["results"][bname])
        summary["graphs"][gname] = gsum

    print_table(summary["graphs"])
    summary["total_mismatches"] = total_mismatches
    out_path = Path(args.json) if args.json else directory / "routingkit-results.json"
    out_path.write_text(json.dumps(summary, indent=2) + "\n")
    print(f"\nsummary written to {out_path}")
    if total_mismatches:
        noun = "answer differs" if total_mismatches == 1 else "answers differ"
        print(f"FAIL: {total_mismatches} {noun} from ours", file=sys.stderr)
        return 1
    print("all answers equal ours")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""The Python package's overhead, measured beside `zerolm bench` in one run.

`zerolm bench --suite proxy` gives the engine's rate (lower + score, ZeroLM proxy,
expected mode, FlexiBERT under its bench protocol, all threads); then
zerolm.score scores 1,000,000 architectures of the same space and protocol,
sampled once with Space.sample, timed per call (a warm-up call first). Prints
both rates and their ratio; the target (docs/BENCHMARKS.md) is a ratio >= 0.90.

    PYTHONPATH=build/python /usr/bin/python3 scripts/bench-python.py [--zerolm build/zerolm] [--repeats 5]
"""

import argparse
import json
import os
import statistics
import subprocess
import time

import zerolm

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--zerolm", default=os.path.join(os.path.dirname(__file__), "..", "build", "zerolm"))
parser.add_argument("--architectures", type=int, default=1_000_000)
parser.add_argument("--repeats", type=int, default=5)
parser.add_argument("--seconds", type=float, default=2.0, help="zerolm bench's time per row")
args = parser.parse_args()

rows = json.loads(
    subprocess.run(
        [args.zerolm, "bench", "--suite", "proxy", "--json", "--seconds", str(args.seconds)],
        check=True, capture_output=True, text=True,
    ).stdout
)
bench = max(
    (r for r in rows if r["space"] == "flexibert" and r["mode"] == "expected"), key=lambda r: r["threads"]
)
space = zerolm.Space("flexibert", protocol=bench["protocol"])
architectures = space.sample(args.architectures, seed=0)
zerolm.score(architectures[:1000])  # warm-up: thread pool, per-thread buffers
rates = []
for _ in range(args.repeats):
    started = time.perf_counter()
    scores = zerolm.score(architectures)
    rates.append(len(architectures) / (time.perf_counter() - started))
assert len(scores) == args.architectures
median = statistics.median(rates)
print(f"zerolm bench: flexibert ({bench['protocol']}), expected mode, {bench['threads']} threads: "
      f"{bench['architectures_per_second']:,.0f} architectures/s")
print(f"zerolm.score: {args.architectures:,} architectures, {args.repeats} calls: median {median:,.0f}/s "
      f"(min {min(rates):,.0f}, max {max(rates):,.0f})")
ratio = median / bench["architectures_per_second"]
print(f"ratio {ratio:.3f} ({'within' if ratio >= 0.9 else 'NOT within'} 10% of zerolm bench)")

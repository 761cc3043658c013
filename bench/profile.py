"""Profile one benchmark scenario in-process: where a request's time goes, before changing code.

    python -m bench.profile "client: ticket list, first page" [--requests 600] [--top 40]

Runs under the benchmark's settings and database (bench/run.py's environment: DEBUG=0, the
benchmark database, persistent connection), sends the scenario's request through Django's test
client (the whole middleware and DRF stack, no network), and prints the best mean time per
request over five rounds, the garbage collector's pauses during the measured requests, and
cProfile's functions by cumulative time. Scenario names are those of bench/scenarios.py
(`--list` prints them).
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import json
import os
import pstats
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.host import PYTHON, ROOT
from bench.run import parse_args
from bench.server import bench_env


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("scenario", nargs="?", default="client: ticket list, first page")
    p.add_argument("--requests", type=int, default=600)
    p.add_argument("--top", type=int, default=40)
    p.add_argument("--list", action="store_true")
    p.add_argument("--tickets", type=int, default=int(os.environ.get("BENCH_TICKETS", "100000")))
    own = p.parse_args()
    args = parse_args(["--tickets", str(own.tickets)])
    with tempfile.TemporaryDirectory(prefix="bench-profile-") as tmp:
        env = bench_env(args, Path(tmp))
        env.update(BENCH_PROFILE=json.dumps(vars(own)))
        command = [PYTHON, "-c", "from bench.profile import profile_inner; profile_inner()"]
        sys.exit(subprocess.run(command, env=env, cwd=ROOT).returncode)


def profile_inner() -> None:
    """The part that runs under the benchmark's settings, in its own process."""
    import django

    django.setup()
    from django.test import Client

    from bench.prepare import subjects
    from bench.scenarios import scenarios

    own = json.loads(os.environ["BENCH_PROFILE"])
    found = subjects()
    items = {s["name"]: s for s in scenarios(found["ids"])}
    if own["list"] or own["scenario"] not in items:
        print("\n".join(items))
        return
    scenario = items[own["scenario"]]
    if scenario["method"] != "GET":
        sys.exit("Only reads are profiled (a write would change the data set).")
    headers = found["headers"][scenario["caller"]]
    http = Client()

    def request() -> None:
        response = http.get(scenario["path"], headers=headers)
        if response.status_code != 200:
            sys.exit(f"HTTP {response.status_code}: {response.content[:300]!r}")

    for _ in range(50):  # warm: caches, the connection
        request()
    pauses: list[float] = []
    started = [0.0]

    def watch(phase: str, info: dict) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
        elif info["generation"] == 2:
            pauses.append(time.perf_counter() - started[0])

    gc.callbacks.append(watch)
    per_round, best = max(own["requests"] // 5, 1), float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(per_round):
            request()
        best = min(best, (time.perf_counter() - t0) / per_round)
    gc.callbacks.remove(watch)
    print(f"{scenario['name']}: {best * 1000:.2f} ms per request (best of 5 x {per_round})")
    print(
        f"full garbage collections: {len(pauses)} in {5 * per_round} requests"
        + (f", longest {max(pauses) * 1000:.1f} ms" if pauses else "")
    )
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(per_round):
        request()
    profiler.disable()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(own["top"])


if __name__ == "__main__":
    main()

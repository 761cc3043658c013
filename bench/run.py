"""`make bench`: the product under gunicorn, driven by wrk, with a floor to compare against.

1. Creates the benchmark database if needed (default bench_100k), migrates it and loads
   `--tickets` service requests with `load_scale_data` (once; the command is idempotent).
2. Writes a SECRET_KEY and an RS256 key pair to a temporary directory and starts gunicorn with the
   production settings (DEBUG=0, 2 workers, persistent database connections) plus BENCH_FLOOR=1,
   which routes the floor view (bench/floor.py) and nothing else.
3. bench/prepare.py, under the same settings, removes what earlier runs wrote, picks the ids,
   issues the tokens and counts the SQL queries of one request of each scenario in-process.
4. wrk (a second process) runs each scenario of bench/scenarios.py for a warm-up and then
   `--duration` seconds at `--concurrency` connections; the floor runs first for each caller.
5. After the create scenarios, the numbers are checked (no duplicate, no gap); then the soak
   (issue 8): a mix of reads and writes at concurrency 32 for 60 s, workers' memory sampled.
6. Results go to bench/results/<date>-<tickets>.json and .md (the table for the README).

Run `python -m bench.run --help` for the options; `make bench` and `make soak` call it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.host import RESULTS, ensure_database, ensure_wrk, log, wait_until_quiet, workers_rss
from bench.measure import measure
from bench.report import compare_with_100k, git_commit, markdown, render, targets
from bench.server import bench_env, manage, prepare, start_gunicorn, stop
from bench.soak import soak


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    e = os.environ.get
    p.add_argument("--tickets", type=int, default=int(e("BENCH_TICKETS", "100000")))
    p.add_argument("--database-url", default=e("BENCH_DATABASE_URL"))
    p.add_argument("--duration", type=float, default=float(e("BENCH_DURATION", "15")))
    p.add_argument("--warmup", type=float, default=float(e("BENCH_WARMUP", "2")))
    p.add_argument("--concurrency", type=int, default=int(e("BENCH_CONCURRENCY", "8")))
    p.add_argument("--workers", type=int, default=int(e("BENCH_WORKERS", "2")))
    p.add_argument("--worker-class", default=e("BENCH_WORKER_CLASS", "sync"))
    p.add_argument("--threads", type=int, default=int(e("BENCH_THREADS", "1")))
    p.add_argument("--wrk-threads", type=int, default=int(e("BENCH_WRK_THREADS", "1")))
    p.add_argument("--conn-max-age", type=int, default=int(e("BENCH_CONN_MAX_AGE", "600")))
    p.add_argument("--port", type=int, default=int(e("BENCH_PORT", "8765")))
    p.add_argument(
        "--quiet-wait",
        type=float,
        default=float(e("BENCH_QUIET_WAIT", "900")),
        help="seconds to wait for other work on the machine to finish",
    )
    p.add_argument(
        "--max-foreign",
        type=float,
        default=float(e("BENCH_MAX_FOREIGN", "0.1")),
        help="share of the CPUs other processes may use during a scenario before it is rerun",
    )
    p.add_argument("--render", nargs="*", help="only rewrite the .md of these results files")
    p.add_argument("--only", default=e("BENCH_ONLY", ""), help="run scenarios whose name has this")
    p.add_argument("--soak", choices=["yes", "no", "only"], default=e("BENCH_SOAK", "yes"))
    p.add_argument("--soak-duration", type=float, default=float(e("SOAK_DURATION", "60")))
    p.add_argument("--soak-concurrency", type=int, default=int(e("SOAK_CONCURRENCY", "32")))
    args = p.parse_args(argv)
    if not args.database_url:
        args.database_url = f"postgres://postgres@127.0.0.1:5432/bench_{args.tickets // 1000}k"
    return args


def main(argv: list[str] | None = None) -> None:
    # Stopped with SIGTERM: unwind, so gunicorn is stopped and the temporary keys removed.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("bench: terminated"))
    args = parse_args(argv)
    if args.render:
        for name in args.render:
            render(Path(name))
        return
    wrk = ensure_wrk()
    ensure_database(args.database_url)
    report = run(wrk, args)
    report["targets"] = targets(report) + compare_with_100k(report)
    save(report, args.tickets)


def run(wrk: str, args: argparse.Namespace) -> dict[str, Any]:
    """Load if needed, prepare, start gunicorn, measure and soak; gunicorn is always stopped."""
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp_name:
        tmp = Path(tmp_name)
        env = bench_env(args, tmp)
        log(f"database {args.database_url}: migrate, load {args.tickets:,} tickets if needed")
        manage(env, "migrate", "--noinput", "-v", "0")
        manage(env, "load_scale_data", "--tickets", str(args.tickets))
        prep = prepare(env)
        if args.only:
            prep["scenarios"] = [
                s for s in prep["scenarios"] if args.only in s["name"] or s["kind"] == "floor"
            ]
        busy_before = wait_until_quiet(args.quiet_wait)
        proc = start_gunicorn(args, env, tmp)
        try:
            report = report_header(args, prep, busy_before)
            if args.soak != "only":
                report.update(measure(wrk, args, prep, proc.pid, env))
            if args.soak != "no":
                report["soak"] = soak(wrk, args, prep, proc.pid, tmp)
                report["rss_after_mb"] = workers_rss(proc.pid)
        finally:
            stop(proc)
            errors = (tmp / "gunicorn.log").read_text(errors="replace")
            if "Traceback" in errors:
                log(f"gunicorn logged errors:\n{errors[-4000:]}")
    return report


def report_header(args: argparse.Namespace, prep: dict, busy_before: float) -> dict[str, Any]:
    """The run's date, commit, machine and settings; the scenarios are added as measured."""
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "git_commit": git_commit(),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "cpu_busy_before": busy_before,
            "load_average_before": os.getloadavg(),
        },
        "settings": {
            "workers": args.workers,
            "worker_class": args.worker_class,
            "threads": args.threads,
            "concurrency": args.concurrency,
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "conn_max_age": args.conn_max_age,
            "wrk_threads": args.wrk_threads,
        },
        "tickets_loaded": args.tickets,
        "tickets": prep["tickets"],
        "client_org_tickets": prep["client_org_tickets"],
        "scenarios": [],
    }


def save(report: dict[str, Any], tickets: int) -> None:
    """bench/results/<date>-<tickets>.json and .md; the table printed too."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    stem = f"{datetime.now(UTC):%Y-%m-%dT%H%M%SZ}-{tickets}"
    (RESULTS / f"{stem}.json").write_text(json.dumps(report, indent=2) + "\n")
    table = markdown(report)
    (RESULTS / f"{stem}.md").write_text(table)
    print()
    print(table)
    log(f"results: bench/results/{stem}.json and .md")


if __name__ == "__main__":
    main()

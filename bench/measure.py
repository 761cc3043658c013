"""wrk against each scenario: warm-up, a measured run (again while other work disturbed it), the
floor ratios, and the numbering check after the create scenarios."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg

from bench.host import (
    CLK_TCK,
    ROOT,
    _steal,
    cpu_ticks,
    foreign_share,
    log,
    track_bench_pids,
    wait_until_quiet,
    workers_rss,
)
from bench.server import cleanup_created
from config.numbering import format_ticket_number


def run_wrk(
    wrk: str,
    args: argparse.Namespace,
    scenario: dict[str, Any],
    token: str,
    org: str,
    *,
    duration: float,
    concurrency: int,
    script: Path | None = None,
) -> dict[str, Any]:
    env = dict(os.environ)
    env.update(
        BENCH_METHOD=scenario.get("method", "GET"),
        BENCH_TOKEN=token,
        BENCH_COOKIE=scenario.get("cookie") or "",  # the back office's session (admin caller)
        BENCH_ORG=org,
        BENCH_BODY=scenario.get("body") or "",
    )
    command = [
        wrk,
        "-t",
        str(args.wrk_threads),
        "-c",
        str(concurrency),
        "-d",
        f"{max(1, round(duration))}s",
        "--timeout",
        "10s",
        "-s",
        str(script or ROOT / "bench" / "wrk" / "request.lua"),
        f"http://127.0.0.1:{args.port}{scenario.get('path', '/')}",
    ]
    before, started, steal_before = cpu_ticks(), time.monotonic(), _steal()
    proc = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    stdout, stderr = proc.communicate()
    elapsed = time.monotonic() - started
    foreign = foreign_share(before, elapsed, {proc.pid})
    steal = round((_steal() - steal_before) / CLK_TCK / elapsed / (os.cpu_count() or 1), 3)
    for line in stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            raw = json.loads(line.removeprefix("BENCH_JSON "))
            seconds = raw["duration_us"] / 1e6
            errors = sum(raw[k] for k in ("connect", "read", "write", "timeout", "status"))
            return {
                **raw,
                "rps": round(raw["requests"] / seconds, 1) if seconds else 0.0,
                "p50_ms": round(raw["p50_us"] / 1000, 2),
                "p99_ms": round(raw["p99_us"] / 1000, 2),
                "errors": errors,
                "foreign_cpu": foreign,
                "steal_cpu": steal,
            }
    sys.exit(f"wrk failed: {stdout}\n{stderr}")


def counter_state(url: str, year: int) -> tuple[int, int]:
    """(last value of ticket.{year}, highest ticket id)."""
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT last FROM sequences_sequence WHERE name = %s", [f"ticket.{year}"]
        ).fetchone()
        top = conn.execute("SELECT coalesce(max(id), 0) FROM tickets_ticket").fetchone()[0]
    return (row[0] if row else 0), top


def check_numbers(url: str, year: int, before: tuple[int, int]) -> dict[str, Any]:
    """The tickets created since `before`: their numbers are exactly the counter's new values.

    Requests still in flight when wrk stopped are given a moment to finish, then the counter
    and the tickets are read in one snapshot (REPEATABLE READ).
    """
    last_before, top_before = before
    time.sleep(2)
    with psycopg.connect(url) as conn:
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        row = conn.execute(
            "SELECT last FROM sequences_sequence WHERE name = %s", [f"ticket.{year}"]
        ).fetchone()
        last_after = row[0] if row else 0
        numbers = [
            r[0]
            for r in conn.execute(
                "SELECT number FROM tickets_ticket WHERE id > %s", [top_before]
            ).fetchall()
        ]
        conn.execute("COMMIT")
    expected = {format_ticket_number(year, n) for n in range(last_before + 1, last_after + 1)}
    found = set(numbers)
    return {
        "created": len(numbers),
        "counter_advanced_by": last_after - last_before,
        "duplicates": len(numbers) - len(found),
        "missing": len(expected - found),
        "unexpected": len(found - expected),
        "ok": len(numbers) == len(found) and found == expected,
    }


def measure(
    wrk: str, args: argparse.Namespace, prep: dict, master: int, env: dict[str, str]
) -> dict[str, Any]:
    """Every scenario of `prep`, in order; each caller's floor is the mean of its two runs."""
    year = datetime.now(UTC).year
    results: list[dict[str, Any]] = []
    numbering: dict[str, Any] = {}
    for scenario in prep["scenarios"]:
        row = measure_scenario(wrk, args, prep, scenario, master, env, year)
        if "numbering" in row:
            numbering[row["caller"]] = row["numbering"]
        results.append(row)
        log(
            f"{row['name']:<48} {row['rps']:>8.1f} req/s  p50 {row['p50_ms']:>6.2f} ms  "
            f"p99 {row['p99_ms']:>6.2f} ms  errors {row['errors']}  "
            f"queries {row['queries_per_request']}"
        )
    apply_floors(results)
    return {"scenarios": results, "numbering": numbering, "rss_after_mb": workers_rss(master)}


def measure_scenario(
    wrk: str,
    args: argparse.Namespace,
    prep: dict,
    scenario: dict[str, Any],
    master: int,
    env: dict[str, str],
    year: int,
) -> dict[str, Any]:
    """One scenario's row: warm-up, measured run; for a create, the numbers checked and the
    created tickets removed."""
    caller = scenario["caller"]
    org = str(prep["ids"]["org_id"]) if caller == "client" else ""
    token = prep["tokens"][caller]
    scenario = {**scenario, "cookie": prep.get("cookies", {}).get(caller, "")}
    before = counter_state(args.database_url, year)
    if args.warmup:
        run_wrk(wrk, args, scenario, token, org, duration=args.warmup, concurrency=args.concurrency)
    track_bench_pids(master, args.database_url)
    result, measured_from = measured_run(wrk, args, scenario, token, org, master, year)
    row = scenario_row(scenario, result, prep["tickets"])
    if scenario["kind"] == "create":
        check = check_numbers(args.database_url, year, before)
        measured = counter_state(args.database_url, year)[0] - measured_from[0]
        check["created_in_measured_run"] = measured
        row["numbering"] = check
        cleanup_created(env)
    return row


def measured_run(
    wrk: str,
    args: argparse.Namespace,
    scenario: dict[str, Any],
    token: str,
    org: str,
    master: int,
    year: int,
) -> tuple[dict[str, Any], tuple[int, int]]:
    """wrk's result, measured again (up to three times) while other processes used more than
    `--max-foreign` of the CPUs; with the counter state the last run started from."""
    for attempt in range(1, 4):
        measured_from = counter_state(args.database_url, year)
        result = run_wrk(
            wrk,
            args,
            scenario,
            token,
            org,
            duration=args.duration,
            concurrency=args.concurrency,
        )
        if result["foreign_cpu"] <= args.max_foreign or attempt == 3:
            break
        log(
            f"{scenario['name']}: other processes used {result['foreign_cpu']:.0%} of the "
            "CPUs meanwhile; measuring again once they are done"
        )
        wait_until_quiet(args.quiet_wait)
        track_bench_pids(master, args.database_url)
    return result, measured_from


def scenario_row(scenario: dict[str, Any], result: dict[str, Any], tickets: int) -> dict[str, Any]:
    return {
        "name": scenario["name"],
        "caller": scenario["caller"],
        "kind": scenario["kind"],
        "method": scenario["method"],
        "path": scenario["path"],
        "rps": result["rps"],
        "p50_ms": result["p50_ms"],
        "p99_ms": result["p99_ms"],
        "errors": result["errors"],
        "requests": result["requests"],
        "queries_per_request": scenario["queries_per_request"],
        "queries_per_request_100": scenario.get("queries_per_request_100"),
        "floor_rps": None,  # set by apply_floors, from both floors of the caller
        "ratio_to_floor": None,
        "tickets": tickets,
        "foreign_cpu": result["foreign_cpu"],
        "steal_cpu": result["steal_cpu"],
    }


def apply_floors(results: list[dict[str, Any]]) -> None:
    """Each caller's floor is the mean of its two runs (first and last of the group)."""
    floors: dict[str, float] = {}
    for caller in {r["caller"] for r in results}:
        runs = [r["rps"] for r in results if r["caller"] == caller and r["kind"] == "floor"]
        if runs:
            floors[caller] = round(sum(runs) / len(runs), 1)
    for row in results:
        if row["caller"] in floors:
            row["floor_rps"] = floors[row["caller"]]
            row["ratio_to_floor"] = round(row["rps"] / floors[row["caller"]], 2)

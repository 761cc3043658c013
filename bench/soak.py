"""Issue 8's soak: a mix of reads and writes at concurrency 32; 5xx, numbers and memory."""

from __future__ import annotations

import argparse
import json
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.host import ROOT, log, track_bench_pids, workers_rss
from bench.measure import check_numbers, counter_state, run_wrk
from bench.scenarios import API, FILTER

Request = tuple[int, str, str, str, str, str]  # (weight, method, path, token, org, body)


def soak(wrk: str, args: argparse.Namespace, prep: dict, master: int, tmp: Path) -> dict[str, Any]:
    """Issue 8's soak: a mix of reads and writes at concurrency 32; 5xx, numbers and memory."""
    mix = soak_mix(prep)
    script = soak_script(mix, tmp)
    writes = sum(w for w, m, *_ in mix if m == "POST")
    log(
        f"soak: {args.soak_duration}s at concurrency {args.soak_concurrency}, "
        f"{len(mix)} requests in the mix, {writes / sum(w for w, *_ in mix):.0%} writes"
    )
    year = datetime.now(UTC).year
    before = counter_state(args.database_url, year)
    result, samples, end_rss = sampled_run(wrk, args, master, script)
    numbering = check_numbers(args.database_url, year, before)
    growth, stable = memory_growth(samples, end_rss, args.soak_duration)
    report = {
        "duration_s": args.soak_duration,
        "concurrency": args.soak_concurrency,
        "requests": result["requests"],
        "rps": result["rps"],
        "p50_ms": result["p50_ms"],
        "p99_ms": result["p99_ms"],
        "status_2xx": result["s2xx"],
        "status_4xx": result["s4xx"],
        "status_5xx": result["s5xx"],
        "socket_errors": sum(result[k] for k in ("connect", "read", "write", "timeout")),
        "foreign_cpu": result["foreign_cpu"],
        "numbering": numbering,
        "rss_samples_mb": samples,
        "rss_growth_after_warmup_mb": growth,
        "memory_stable": stable,
        "ok": result["s5xx"] == 0 and numbering["ok"] and stable,
    }
    log(
        f"soak: {report['requests']} requests, {report['rps']} req/s, p99 {report['p99_ms']} ms, "
        f"5xx {report['status_5xx']}, 4xx {report['status_4xx']}, numbers ok "
        f"{numbering['ok']} ({numbering['created']} created), RSS {end_rss} MB, "
        f"growth after warm-up {growth} MB"
    )
    return report


def soak_mix(prep: dict) -> list[Request]:
    """The weighted requests: both callers' lists, details, creates, replies and notes."""
    ids, tokens = prep["ids"], prep["tokens"]
    org = str(ids["org_id"])
    client, staff = tokens["client"], tokens["staff"]
    create = json.dumps(
        {
            "title": "Soak request",
            "description": "Created by the soak run.",
            "priority": "high",
            "entitlement_id": ids["entitlement_id"],
        }
    )
    mix: list[Request] = [
        (14, "GET", f"{API}/tickets", client, org, ""),
        (6, "GET", f"{API}/tickets?{FILTER}", client, org, ""),
        (4, "GET", f"{API}/tickets?page=20", client, org, ""),
        (6, "GET", f"{API}/entitlements", client, org, ""),
        (4, "GET", f"{API}/environments", client, org, ""),
        (4, "GET", "/api/v1/get_tickets/0?per_page=20", client, org, ""),
        (10, "POST", f"{API}/tickets", client, org, create),
        (8, "GET", f"{API}/tickets", staff, "", ""),
        (4, "GET", f"{API}/tickets?sla_status=breached&status=open,in_progress", staff, "", ""),
        (4, "POST", f"{API}/tickets", staff, "", create),
    ]
    for pk in ids["recent_ticket_ids"][:40]:
        mix.append((1, "GET", f"{API}/tickets/{pk}", client, org, ""))
        mix.append((1, "GET", f"{API}/tickets/{pk}", staff, "", ""))
    for pk in ids["soak_ticket_ids"]:
        body = json.dumps({"message": "Soak reply"})
        mix.append((1, "POST", f"{API}/tickets/{pk}/replies", client, org, body))
        mix.append((1, "GET", f"{API}/tickets/{pk}/replies", client, org, ""))
        note = json.dumps({"message": "Soak note", "internal": True})
        mix.append((1, "POST", f"{API}/tickets/{pk}/replies", staff, "", note))
    return mix


def soak_script(mix: list[Request], tmp: Path) -> Path:
    """bench/wrk/soak.lua with the mix written in."""
    lines = []
    for weight, method, path, token, org_id, body in mix:
        lines.append(
            f"add({weight}, [==[{method}]==], [==[{path}]==], [==[{token}]==], [==[{org_id}]==], "
            f"[==[{body}]==])"
        )
    template = (ROOT / "bench" / "wrk" / "soak.lua").read_text()
    script = tmp / "soak.lua"
    script.write_text(template.replace("-- REQUESTS --", "\n".join(lines)))
    return script


def sampled_run(
    wrk: str, args: argparse.Namespace, master: int, script: Path
) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, float]]:
    """wrk with the soak script, the workers' memory sampled every 5 s: (result, samples, the
    workers' memory at the end)."""
    samples: list[dict[str, Any]] = []
    stop_sampling = threading.Event()
    started = time.monotonic()

    def sample() -> None:
        while not stop_sampling.is_set():
            samples.append({"t": round(time.monotonic() - started, 1), **workers_rss(master)})
            stop_sampling.wait(5)

    sampler = threading.Thread(target=sample, daemon=True)
    track_bench_pids(master, args.database_url)
    sampler.start()
    result = run_wrk(
        wrk,
        args,
        {"path": "/"},
        "",
        "",
        duration=args.soak_duration,
        concurrency=args.soak_concurrency,
        script=script,
    )
    stop_sampling.set()
    sampler.join()
    end_rss = workers_rss(master)
    samples.append({"t": round(time.monotonic() - started, 1), **end_rss})
    return result, samples, end_rss


def memory_growth(
    samples: list[dict[str, Any]], end_rss: dict[str, float], duration: float
) -> tuple[dict[str, float], bool]:
    """Memory is stable when no worker grows by more than 10 % (and 10 MB) after the first
    third of the run (the warm-up, where caches and connections are first filled)."""
    settled = next((s for s in samples if s["t"] >= duration / 3), samples[0])
    growth = {
        pid: round(end_rss.get(pid, 0) - settled.get(pid, 0), 1)
        for pid in end_rss
        if pid in settled
    }
    stable = all(g <= max(10.0, 0.1 * settled[pid]) for pid, g in growth.items()) and set(
        end_rss
    ) == {k for k in samples[0] if k != "t"}
    return growth, stable

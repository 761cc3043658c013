"""The results: issue 7's targets met or not, the comparison with 100,000 tickets, the Markdown
table for the README, and rewriting a results file's table."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from bench.host import RESULTS, ROOT


def targets(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Issue 7's targets, each met or not, from this run's figures."""
    rows = []
    floors = [s for s in report["scenarios"] if s["kind"] == "floor"]
    for s in report["scenarios"]:
        rows += scenario_targets(s, floors)
    rss = report.get("rss_after_mb", {})
    rows.append(
        {
            "target": "gunicorn workers < 200 MB resident after the run",
            "value": ", ".join(f"{v} MB" for v in rss.values()),
            "met": bool(rss) and max(rss.values()) < 200,
        }
    )
    if report.get("soak"):
        s = report["soak"]
        rows.append(
            {
                "target": "soak: no 5xx, no duplicate numbers, memory stable",
                "value": f"{s['status_5xx']} 5xx, numbers ok {s['numbering']['ok']}, "
                f"stable {s['memory_stable']}",
                "met": s["ok"],
            }
        )
    return rows


def scenario_targets(s: dict[str, Any], floors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One scenario's targets: throughput against the floor, p99, creates, query counts."""
    rows = []
    if (s["kind"] == "list" and "ticket list" in s["name"]) or s["kind"] == "detail":
        rows.append(
            {
                "target": f"{s['name']}: >= 50 % of the floor's req/s",
                "value": f"{s['ratio_to_floor']:.0%} ({s['rps']:.0f} vs {s['floor_rps']:.0f})",
                "met": (s["ratio_to_floor"] or 0) >= 0.5 and s["errors"] == 0,
            }
        )
        floor_p99 = max((f["p99_ms"] for f in floors if f["caller"] == s["caller"]), default=None)
        rows.append(
            {
                "target": f"{s['name']}: p99 < 30 ms",
                "value": f"{s['p99_ms']:.0f} ms (the floor's: {floor_p99:.0f} ms)",
                "met": s["p99_ms"] < 30,
            }
        )
    if s["kind"] == "create":
        n = s.get("numbering", {})
        met = s["rps"] >= 200 and s["errors"] == 0 and n.get("ok", False)
        rows.append(
            {
                "target": f"{s['name']}: >= 200 req/s, no errors, gapless unique numbers",
                "value": f"{s['rps']} req/s, {s['errors']} errors, numbers ok {n.get('ok')}",
                "met": met,
            }
        )
    limit = {"list": 5, "detail": 6, "create": 12}.get(s["kind"])
    if limit is not None:
        q, q100 = s["queries_per_request"], s.get("queries_per_request_100")
        constant = q100 is None or q100 == q
        rows.append(
            {
                "target": f"{s['name']}: <= {limit} queries, constant with page size",
                "value": f"{q} queries" + (f" ({q100} at per_page=100)" if q100 else ""),
                "met": q <= limit and constant,
            }
        )
    return rows


def compare_with_100k(report: dict[str, Any]) -> list[dict[str, Any]]:
    """At another scale: each ticket list's p50 against the latest 100,000-ticket run."""
    if report["tickets_loaded"] == 100_000:
        return []
    runs = sorted(RESULTS.glob("*-100000.json"))
    if not runs:
        return []
    base = {s["name"]: s for s in json.loads(runs[-1].read_text())["scenarios"]}
    rows = []
    for s in report["scenarios"]:
        if "ticket list" in s["name"] and s["name"] in base and s["kind"] == "list":
            ratio = s["p50_ms"] / base[s["name"]]["p50_ms"] if base[s["name"]]["p50_ms"] else 0
            rows.append(
                {
                    "target": f"{s['name']}: p50 within 1.5x of 100,000 tickets ({runs[-1].name})",
                    "value": f"{s['p50_ms']} ms vs {base[s['name']]['p50_ms']} ms ({ratio:.2f}x)",
                    "met": ratio <= 1.5,
                }
            )
    return rows


def markdown(report: dict[str, Any]) -> str:
    out = [
        f"Benchmark of {report['date'][:10]} (commit {report['git_commit'][:9]}): "
        f"{report['tickets']:,} tickets ({report['client_org_tickets']:,} in the client's "
        f"organization), gunicorn {report['settings']['workers']} workers "
        f"({report['settings']['worker_class']}), wrk at concurrency "
        f"{report['settings']['concurrency']} for {report['settings']['duration_s']} s, "
        f"{report['machine']['cpus']} CPUs.",
        "",
        "| Scenario | req/s | vs floor | p50 ms | p99 ms | errors | queries/request |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for s in report["scenarios"]:
        ratio = f"{s['ratio_to_floor']:.0%}" if s["ratio_to_floor"] else "—"
        queries = str(s["queries_per_request"])
        if s.get("queries_per_request_100") is not None:
            queries += f" ({s['queries_per_request_100']} at 100/page)"
        out.append(
            f"| {s['name']} | {s['rps']:,.0f} | {ratio} | {s['p50_ms']:.1f} | "
            f"{s['p99_ms']:.1f} | {s['errors']} | {queries} |"
        )
    rss = report.get("rss_after_mb", {})
    out += [
        "",
        f"Workers' resident memory after the run: {', '.join(f'{v} MB' for v in rss.values())}.",
    ]
    foreign = [s.get("foreign_cpu") or 0 for s in report["scenarios"]]
    if foreign:
        out.append(
            f"Other processes used at most {max(foreign):.0%} of the CPUs during a scenario "
            "(one is measured again above 10 %)."
        )
    if report.get("soak"):
        s = report["soak"]
        out += [
            "",
            f"Soak: {s['duration_s']} s at concurrency {s['concurrency']}, mixed reads and writes: "
            f"{s['requests']:,} requests ({s['rps']:,.0f} req/s, p50 {s['p50_ms']} ms, "
            f"p99 {s['p99_ms']} ms), {s['status_5xx']} 5xx, {s['status_4xx']} 4xx, "
            f"{s['socket_errors']} socket errors; {s['numbering']['created']:,} tickets created, "
            f"{s['numbering']['duplicates']} duplicate and {s['numbering']['missing']} missing "
            f"numbers; worker RSS growth after warm-up "
            f"{', '.join(f'{v:+} MB' for v in s['rss_growth_after_warmup_mb'].values())} "
            f"({'stable' if s['memory_stable'] else 'NOT stable'}).",
        ]
    out += ["", "| Target | Figure | Met |", "|---|---|---|"]
    for t in report["targets"]:
        out.append(f"| {t['target']} | {t['value']} | {'yes' if t['met'] else '**no**'} |")
    return "\n".join(out) + "\n"


def git_commit() -> str:
    out = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    dirty = subprocess.run(
        ["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    return (out.stdout.strip() or "unknown") + ("+dirty" if dirty.stdout.strip() else "")


def render(path: Path) -> None:
    """Write the .md of a results file again (after a change of the report's layout)."""
    report = json.loads(path.read_text())
    report["targets"] = targets(report) + compare_with_100k(report)
    path.write_text(json.dumps(report, indent=2) + "\n")
    path.with_suffix(".md").write_text(markdown(report))

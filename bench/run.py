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
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PYTHON = sys.executable
BIN = Path(PYTHON).parent


def log(message: str) -> None:
    print(f"[bench] {message}", flush=True)


# --- environment ---------------------------------------------------------------------------


def ensure_wrk() -> str:
    """wrk's path; installed from Debian's packages when missing and we are root."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        log("wrk is missing: apt-get install -y wrk")
        install = ["apt-get", "install", "-y", "-q", "wrk"]
        if subprocess.run(install, check=False).returncode != 0:
            subprocess.run(["apt-get", "update", "-q"], check=False)
            subprocess.run(install, check=False)
        found = shutil.which("wrk")
    if not found:
        sys.exit(
            "make bench needs the wrk HTTP load generator: install it (Debian/Ubuntu: "
            "`sudo apt-get install wrk`, macOS: `brew install wrk`) and run make bench again."
        )
    return found


def ensure_database(url: str) -> None:
    """Create the benchmark database on its server when it does not exist."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            log(f"creating database {name}")
            conn.execute(f'CREATE DATABASE "{name}"')


def write_keys(tmp: Path) -> tuple[Path, Path, str]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private, public = tmp / "jwt_private.pem", tmp / "jwt_public.pem"
    private.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    public.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return private, public, secrets.token_urlsafe(50)


def bench_env(args: argparse.Namespace, tmp: Path) -> dict[str, str]:
    """The production settings (DEBUG=0) on loopback, plus the floor route."""
    private, public, secret = write_keys(tmp)
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="0",
        SECRET_KEY=secret,
        JWT_PRIVATE_KEY_PATH=str(private),
        JWT_PUBLIC_KEY_PATH=str(public),
        DATABASE_URL=args.database_url,
        CONN_MAX_AGE=str(args.conn_max_age),
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        SECURE_SSL_REDIRECT="0",  # plain HTTP on loopback; TLS ends at the proxy in production
        EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
        LOG_LEVEL="WARNING",
        BENCH_FLOOR="1",
        PYTHONPATH=str(ROOT),
    )
    return env


def manage(env: dict[str, str], *command: str) -> None:
    subprocess.run([PYTHON, "manage.py", *command], env=env, cwd=ROOT, check=True)


def cpu_busy(seconds: float = 2.0) -> float:
    """Share of all CPUs busy over `seconds` (from /proc/stat)."""

    def read() -> tuple[int, int]:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
        idle = fields[3] + fields[4]  # idle + iowait
        return sum(fields), idle

    total0, idle0 = read()
    time.sleep(seconds)
    total1, idle1 = read()
    return round(1 - (idle1 - idle0) / max(total1 - total0, 1), 3)


def wait_until_quiet(limit_s: float, threshold: float = 0.15) -> float:
    """Wait (up to `limit_s`) until other processes leave the CPUs alone; the busy share seen."""
    deadline = time.monotonic() + limit_s
    busy = cpu_busy()
    while busy > threshold and time.monotonic() < deadline:
        log(f"the machine is {busy:.0%} busy with other work; waiting for it to calm down")
        time.sleep(10)
        busy = cpu_busy()
    if busy > threshold:
        log(f"WARNING: measuring on a machine {busy:.0%} busy with other work")
    return busy


# --- gunicorn ------------------------------------------------------------------------------


def start_gunicorn(args: argparse.Namespace, env: dict[str, str], tmp: Path) -> subprocess.Popen:
    command = [
        str(BIN / "gunicorn"),
        "--config",
        str(ROOT / "config" / "gunicorn.py"),  # as in production (make serve)
        "--bind",
        f"127.0.0.1:{args.port}",
        "--workers",
        str(args.workers),
        "--worker-class",
        args.worker_class,
        "--threads",
        str(args.threads),
        "--log-level",
        "warning",
    ]
    log(f"gunicorn: {' '.join(command[1:])}")
    logfile = open(tmp / "gunicorn.log", "wb")  # noqa: SIM115  (closed with the process)
    proc = subprocess.Popen(command, env=env, cwd=ROOT, stdout=logfile, stderr=logfile)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"gunicorn exited:\n{(tmp / 'gunicorn.log').read_text()[-3000:]}")
        try:
            with socket.create_connection(("127.0.0.1", args.port), timeout=1):
                pass
            if len(worker_pids(proc.pid)) >= args.workers:
                return proc
        except OSError:
            pass
        time.sleep(0.2)
    proc.terminate()
    sys.exit("gunicorn did not start within 30 s")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


def worker_pids(master: int) -> list[int]:
    out = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(master)], capture_output=True, text=True, check=False
    )
    return [int(p) for p in out.stdout.split()]


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return 0.0


def workers_rss(master: int) -> dict[str, float]:
    return {str(pid): rss_mb(pid) for pid in worker_pids(master)}


# --- wrk -----------------------------------------------------------------------------------


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


# --- other work on the machine -------------------------------------------------------------

BENCH_PIDS: set[int] = set()  # our own processes: gunicorn, its workers, the benchmark's backends
CLK_TCK = os.sysconf("SC_CLK_TCK")


def _steal() -> int:
    """CPU time the hypervisor gave to other guests (ticks, all CPUs), from /proc/stat."""
    fields = Path("/proc/stat").read_text().split("\n")[0].split()
    return int(fields[8]) if len(fields) > 8 else 0


def cpu_ticks() -> dict[int, int]:
    """utime + stime of every process, by pid."""
    ticks = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            ticks[int(entry.name)] = int(fields[11]) + int(fields[12])
    return ticks


def foreign_share(before: dict[int, int], seconds: float, extra: set[int]) -> float:
    """Share of the machine's CPUs that processes other than the benchmark's used meanwhile."""
    after = cpu_ticks()
    ours = BENCH_PIDS | extra | {os.getpid()}
    used = sum(
        t - before.get(pid, 0) for pid, t in after.items() if pid not in ours and pid in before
    )
    return round(used / CLK_TCK / max(seconds, 0.001) / (os.cpu_count() or 1), 3)


def track_bench_pids(master: int, url: str) -> None:
    """Remember gunicorn's processes and the database backends serving the benchmark."""
    BENCH_PIDS.clear()
    BENCH_PIDS.update({master, *worker_pids(master)})
    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [name],
        ).fetchall()
    BENCH_PIDS.update(r[0] for r in rows)


# --- numbering -----------------------------------------------------------------------------


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
    expected = {f"SR-{year}{n:04d}" for n in range(last_before + 1, last_after + 1)}
    found = set(numbers)
    return {
        "created": len(numbers),
        "counter_advanced_by": last_after - last_before,
        "duplicates": len(numbers) - len(found),
        "missing": len(expected - found),
        "unexpected": len(found - expected),
        "ok": len(numbers) == len(found) and found == expected,
    }


# --- the run -------------------------------------------------------------------------------


def prepare(env: dict[str, str]) -> dict[str, Any]:
    out = subprocess.run(
        [PYTHON, "-m", "bench.prepare"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        sys.exit(f"bench/prepare.py failed:\n{out.stdout[-2000:]}\n{out.stderr[-4000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def cleanup_created(env: dict[str, str]) -> None:
    """Remove what a create scenario made (bench/prepare.py --cleanup)."""
    subprocess.run([PYTHON, "-m", "bench.prepare", "--cleanup"], env=env, cwd=ROOT, check=True)


def measure(
    wrk: str, args: argparse.Namespace, prep: dict, master: int, env: dict[str, str]
) -> dict[str, Any]:
    ids, tokens = prep["ids"], prep["tokens"]
    year = datetime.now(UTC).year
    results: list[dict[str, Any]] = []
    floors: dict[str, float] = {}
    numbering: dict[str, Any] = {}
    for scenario in prep["scenarios"]:
        caller = scenario["caller"]
        org = str(ids["org_id"]) if caller == "client" else ""
        token = tokens[caller]
        before = counter_state(args.database_url, year)
        if args.warmup:
            run_wrk(
                wrk, args, scenario, token, org, duration=args.warmup, concurrency=args.concurrency
            )
        track_bench_pids(master, args.database_url)
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
        row = {
            "name": scenario["name"],
            "caller": caller,
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
            "floor_rps": None,  # set below, from both floors of the caller
            "ratio_to_floor": None,
            "tickets": prep["tickets"],
            "foreign_cpu": result["foreign_cpu"],
            "steal_cpu": result["steal_cpu"],
        }
        if scenario["kind"] == "create":
            check = check_numbers(args.database_url, year, before)
            measured = counter_state(args.database_url, year)[0] - measured_from[0]
            check["created_in_measured_run"] = measured
            row["numbering"] = check
            numbering[caller] = check
            cleanup_created(env)
        results.append(row)
        log(
            f"{row['name']:<48} {row['rps']:>8.1f} req/s  p50 {row['p50_ms']:>6.2f} ms  "
            f"p99 {row['p99_ms']:>6.2f} ms  errors {row['errors']}  "
            f"queries {row['queries_per_request']}"
        )
    # Each caller's floor is the mean of its two runs (first and last of the group).
    for caller in {r["caller"] for r in results}:
        runs = [r["rps"] for r in results if r["caller"] == caller and r["kind"] == "floor"]
        if runs:
            floors[caller] = round(sum(runs) / len(runs), 1)
    for row in results:
        if row["caller"] in floors:
            row["floor_rps"] = floors[row["caller"]]
            row["ratio_to_floor"] = round(row["rps"] / floors[row["caller"]], 2)
    return {"scenarios": results, "numbering": numbering, "rss_after_mb": workers_rss(master)}


def soak(wrk: str, args: argparse.Namespace, prep: dict, master: int, tmp: Path) -> dict[str, Any]:
    """Issue 8's soak: a mix of reads and writes at concurrency 32; 5xx, numbers and memory."""
    ids, tokens = prep["ids"], prep["tokens"]
    api = "/wp-json/middag-account/v1"
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
    mix: list[tuple[int, str, str, str, str, str]] = [
        (14, "GET", f"{api}/tickets", client, org, ""),
        (
            6,
            "GET",
            f"{api}/tickets?status=open,in_progress,waiting&priority=high,urgent",
            client,
            org,
            "",
        ),
        (4, "GET", f"{api}/tickets?page=20", client, org, ""),
        (6, "GET", f"{api}/entitlements", client, org, ""),
        (4, "GET", f"{api}/environments", client, org, ""),
        (4, "GET", "/api/v1/get_tickets/0?per_page=20", client, org, ""),
        (10, "POST", f"{api}/tickets", client, org, create),
        (8, "GET", f"{api}/tickets", staff, "", ""),
        (4, "GET", f"{api}/tickets?sla_status=breached&status=open,in_progress", staff, "", ""),
        (4, "POST", f"{api}/tickets", staff, "", create),
    ]
    for pk in ids["recent_ticket_ids"][:40]:
        mix.append((1, "GET", f"{api}/tickets/{pk}", client, org, ""))
        mix.append((1, "GET", f"{api}/tickets/{pk}", staff, "", ""))
    for pk in ids["soak_ticket_ids"]:
        body = json.dumps({"message": "Soak reply"})
        mix.append((1, "POST", f"{api}/tickets/{pk}/replies", client, org, body))
        mix.append((1, "GET", f"{api}/tickets/{pk}/replies", client, org, ""))
        note = json.dumps({"message": "Soak note", "internal": True})
        mix.append((1, "POST", f"{api}/tickets/{pk}/replies", staff, "", note))
    lines = []
    for weight, method, path, token, org_id, body in mix:
        lines.append(
            f"add({weight}, [==[{method}]==], [==[{path}]==], [==[{token}]==], [==[{org_id}]==], "
            f"[==[{body}]==])"
        )
    template = (ROOT / "bench" / "wrk" / "soak.lua").read_text()
    script = tmp / "soak.lua"
    script.write_text(template.replace("-- REQUESTS --", "\n".join(lines)))
    writes = sum(w for w, m, *_ in mix if m == "POST")
    log(
        f"soak: {args.soak_duration}s at concurrency {args.soak_concurrency}, "
        f"{len(mix)} requests in the mix, {writes / sum(w for w, *_ in mix):.0%} writes"
    )
    year = datetime.now(UTC).year
    before = counter_state(args.database_url, year)
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
    numbering = check_numbers(args.database_url, year, before)
    # Memory is stable when no worker grows by more than 10 % (and 10 MB) after the first
    # third of the run (the warm-up, where caches and connections are first filled).
    settled = next((s for s in samples if s["t"] >= args.soak_duration / 3), samples[0])
    growth = {
        pid: round(end_rss.get(pid, 0) - settled.get(pid, 0), 1)
        for pid in end_rss
        if pid in settled
    }
    stable = all(g <= max(10.0, 0.1 * settled[pid]) for pid, g in growth.items()) and set(
        end_rss
    ) == {k for k in samples[0] if k != "t"}
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


def targets(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Issue 7's targets, each met or not, from this run's figures."""
    rows = []
    floors = [s for s in report["scenarios"] if s["kind"] == "floor"]
    for s in report["scenarios"]:
        if (s["kind"] == "list" and "ticket list" in s["name"]) or s["kind"] == "detail":
            rows.append(
                {
                    "target": f"{s['name']}: >= 50 % of the floor's req/s",
                    "value": f"{s['ratio_to_floor']:.0%} ({s['rps']:.0f} vs {s['floor_rps']:.0f})",
                    "met": (s["ratio_to_floor"] or 0) >= 0.5 and s["errors"] == 0,
                }
            )
            floor_p99 = max(
                (f["p99_ms"] for f in floors if f["caller"] == s["caller"]), default=None
            )
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


def render(path: Path) -> None:
    """Write the .md of a results file again (after a change of the report's layout)."""
    report = json.loads(path.read_text())
    report["targets"] = targets(report) + compare_with_100k(report)
    path.write_text(json.dumps(report, indent=2) + "\n")
    path.with_suffix(".md").write_text(markdown(report))


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
            report: dict[str, Any] = {
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
    report["targets"] = targets(report) + compare_with_100k(report)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stem = f"{datetime.now(UTC):%Y-%m-%dT%H%M%SZ}-{args.tickets}"
    (RESULTS / f"{stem}.json").write_text(json.dumps(report, indent=2) + "\n")
    table = markdown(report)
    (RESULTS / f"{stem}.md").write_text(table)
    print()
    print(table)
    log(f"results: bench/results/{stem}.json and .md")


if __name__ == "__main__":
    main()

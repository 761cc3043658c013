"""The machine the benchmark runs on: paths, wrk and the database server, how busy the CPUs are
and with what (other processes, the hypervisor), and the resident memory of gunicorn's workers."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
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

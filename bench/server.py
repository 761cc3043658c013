"""The product under gunicorn with the production settings, and the commands run beside it
(migrate, load_scale_data, bench/prepare.py) under the same settings."""

from __future__ import annotations

import argparse
import json
import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.host import BIN, PYTHON, ROOT, log, worker_pids


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

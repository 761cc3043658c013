"""Gunicorn's settings for this app: `gunicorn -c config/gunicorn.py` (make serve, make bench).

Command-line options override these. Environment: WEB_CONCURRENCY (workers, default 2), BIND
(default 127.0.0.1:8000), GUNICORN_TIMEOUT (seconds, default 30).
"""

from __future__ import annotations

import gc
import os

wsgi_app = "config.wsgi:application"
bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Sync workers: one request at a time per process. Measured on 2 CPUs (README, performance),
# threads (gthread) served less and with a longer tail: kept-alive connections stick to one
# worker while the other idles, and the threads of one process share one interpreter lock.
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
max_requests = 0  # workers live as long as the master; memory stays flat (the soak checks it)


def post_worker_init(worker: object) -> None:
    """Exclude what loading the app created (settings, URL patterns, models, serializers:
    hundreds of thousands of objects that live as long as the process) from the garbage
    collector's scans. Without this, each full collection walks them all and stalls the worker
    for about 50 ms, which shows as the tail of the latency (README, performance)."""
    gc.collect()
    gc.freeze()

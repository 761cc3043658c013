"""`GET /metrics`: Prometheus text, for a scraper holding `Authorization: Bearer <METRICS_TOKEN>`.

Request and database metrics come from django-prometheus (its middleware and database backend);
the business gauges an on-call person watches are computed at each scrape by the callables
settings.METRICS_COLLECTORS names (the apps own their queries: tickets.metrics), plus this app's
own: messages waiting in the broker and tasks that failed for good.

No token configured: the endpoint does not exist (404). A missing or wrong token: 401, from any
address, loopback included. Several gunicorn workers: set PROMETHEUS_MULTIPROC_DIR so every
worker's counters are summed (prometheus_client's multiprocess mode).
"""

from __future__ import annotations

import hmac
import logging
import os
from collections.abc import Callable, Iterable, Iterator

from amqp.exceptions import NotFound
from django.conf import settings
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.cache import add_never_cache_headers
from django.utils.module_loading import import_string
from django.views.decorators.http import require_safe
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from config.celery import app
from ops.models import FailedTask

logger = logging.getLogger("ops.metrics")


def _authorized(request: HttpRequest, token: str) -> bool:
    """Whether the request carries the bearer token (compared in constant time)."""
    given = request.headers.get("Authorization", "")
    return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())


class _Business(Collector):
    """The gauges of settings.METRICS_COLLECTORS, read from the database at each scrape."""

    def collect(self) -> Iterator[Metric]:
        for path in getattr(settings, "METRICS_COLLECTORS", []):
            collect: Callable[[], Iterable[Metric]] = import_string(path)
            try:
                yield from collect()
            except Exception:  # one broken gauge must not hide the others
                logger.exception("metrics collector %s failed", path)


def _base_registry() -> CollectorRegistry:
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return REGISTRY


@require_safe
@transaction.non_atomic_requests
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus text for the holder of METRICS_TOKEN; 404 when none is set, else 401."""
    token = getattr(settings, "METRICS_TOKEN", "")
    if not token:
        raise Http404
    if not _authorized(request, token):
        response = JsonResponse({"detail": "A valid bearer token is required."}, status=401)
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    business = CollectorRegistry(auto_describe=False)
    business.register(_Business())
    body = generate_latest(_base_registry()) + generate_latest(business)
    response = HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
    add_never_cache_headers(response)
    return response


def queue_length() -> int | None:
    """Messages waiting in the default queue of the broker (None: in-process, or unreachable)."""
    if app.conf.task_always_eager:
        return 0
    try:
        with app.connection_for_read() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=3)
            queue = app.conf.task_default_queue
            return int(conn.default_channel.queue_declare(queue, passive=True).message_count)
    except NotFound:  # RabbitMQ: no message was ever queued, so no queue yet
        return 0
    except Exception:
        logger.warning("broker queue length unavailable", exc_info=True)
        return None


def collect_operations() -> Iterator[Metric]:
    """Tasks waiting in the broker, tasks that failed for good (still listed for staff)."""
    waiting = queue_length()
    if waiting is not None:
        yield GaugeMetricFamily(
            "desk_broker_queue_messages",
            "Tasks waiting in the broker's queue for a worker.",
            value=waiting,
        )
    yield GaugeMetricFamily(
        "desk_tasks_failed",
        "Tasks that failed for good and are listed for staff (Operations > Failed tasks).",
        value=FailedTask.objects.count(),
    )

"""`GET /health/live` (the process answers) and `GET /health/ready` (database, cache, broker and
migrations), small JSON documents for load balancers and orchestrators.

Readiness runs django-health-check's checks (its Database and Cache, and the two below) in
parallel; any failure is a 503. The answer names each check and "ok" or "unavailable", nothing
more: no versions, hosts or error texts (those go to the log).
"""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any, ClassVar

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_safe
from health_check.base import HealthCheck
from health_check.checks import Cache, Database
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView

from config.celery import app


@dataclasses.dataclass
class Broker(HealthCheck):
    """The Celery broker (Redis or RabbitMQ) accepts a connection; with none configured (tasks
    run in process) there is nothing to reach."""

    def run(self) -> None:
        if app.conf.task_always_eager:
            return
        try:
            with app.connection_for_write() as conn:
                conn.ensure_connection(max_retries=1, interval_start=0, timeout=3)
                conn.default_channel  # noqa: B018 - Redis connects lazily: open a channel
        except Exception as exc:
            raise ServiceUnavailable("broker unreachable") from exc


@dataclasses.dataclass
class Migrations(HealthCheck):
    """Every migration of this code is applied (a new version must not serve before)."""

    _applied: ClassVar[bool] = False  # once true for this code, it stays true

    def run(self) -> None:
        if Migrations._applied:
            return
        connection = connections[DEFAULT_DB_ALIAS]
        try:
            with connection.temporary_connection():
                executor = MigrationExecutor(connection)
                plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        except Exception as exc:
            raise ServiceUnavailable("migrations unknown") from exc
        if plan:
            raise ServiceUnavailable("migrations pending")
        Migrations._applied = True


class ReadyView(HealthCheckView):
    """Readiness: 200 when every check passes, else 503; always JSON."""

    names: ClassVar[dict[type, str]] = {
        Database: "database",
        Cache: "cache",
        Broker: "broker",
        Migrations: "migrations",
    }
    checks = (Database, Cache, Broker, Migrations)

    async def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:  # type: ignore[override]
        with self.get_executor() as executor:  # as the library's own get(), in parallel
            results = await asyncio.gather(*(c.get_result(executor) for c in self.get_checks()))
        checks = {self.names[type(r.check)]: "unavailable" if r.error else "ok" for r in results}
        ready = all(value == "ok" for value in checks.values())
        return JsonResponse(
            {"status": "ok" if ready else "unavailable", "checks": checks},
            status=200 if ready else 503,
        )


@require_safe
@transaction.non_atomic_requests  # touches nothing, not even the database
def live(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers; it touches nothing else."""
    response = JsonResponse({"status": "ok"})
    add_never_cache_headers(response)
    return response

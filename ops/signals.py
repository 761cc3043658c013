"""Celery's signals: the request id travels with each task, tasks log their start and end, and a
task that fails for good is logged with its arguments and kept as a FailedTask for staff."""

from __future__ import annotations

import logging
import time
import traceback as tb
from contextvars import Token
from typing import Any

from celery import signals

from ops import context
from ops.models import FailedTask

logger = logging.getLogger("ops.tasks")
_running: dict[str, tuple[Token[dict[str, Any] | None], float]] = {}


@signals.before_task_publish.connect
def _carry_request_id(headers: dict[str, Any] | None = None, **_: Any) -> None:
    """The id of the request (or task) that queues a task rides in the message's headers."""
    rid = context.request_id()
    if headers is not None and rid and "request_id" not in headers:
        headers["request_id"] = rid


@signals.task_prerun.connect
def _task_started(task_id: str = "", task: Any = None, **_: Any) -> None:
    # A worker sees the message's headers as attributes, an in-process run in `headers`.
    rid = (
        getattr(task.request, "request_id", None)
        or (getattr(task.request, "headers", None) or {}).get("request_id")
        or context.request_id()
        or task_id
    )
    token = context.enter(request_id=rid, task=task.name, task_id=task_id)
    _running[task_id] = (token, time.perf_counter())
    logger.info("task %s started", task.name, extra={"retries": task.request.retries})


@signals.task_postrun.connect
def _task_ended(task_id: str = "", task: Any = None, state: str = "", **_: Any) -> None:
    token, started = _running.pop(task_id, (None, time.perf_counter()))
    logger.info(
        "task %s %s",
        task.name,
        (state or "done").lower(),
        extra={"state": state, "duration_ms": round((time.perf_counter() - started) * 1000, 1)},
    )
    if token is not None:
        context.leave(token)


@signals.task_failure.connect
def _task_failed(
    sender: Any = None,
    task_id: str = "",
    exception: BaseException | None = None,
    args: Any = None,
    kwargs: Any = None,
    einfo: Any = None,
    **_: Any,
) -> None:
    """Retries exhausted (or an error not worth retrying): log it with its arguments, keep it."""
    name = getattr(sender, "name", str(sender))
    text = f"{type(exception).__name__}: {exception}"
    logger.error(
        "task %s failed for good: %s",
        name,
        text,
        extra={"task_args": list(args or ()), "task_kwargs": dict(kwargs or {})},
    )
    trace = str(einfo) if einfo else "".join(tb.format_exception(exception))
    try:
        FailedTask.objects.create(
            task=name,
            task_id=task_id or "",
            args=list(args or ()),
            kwargs=dict(kwargs or {}),
            exception=text[:2000],
            traceback=trace[-20000:],
            request_id=context.request_id()[:128],
        )
    except Exception:  # the database itself may be why it failed; the log line above stays
        logger.exception("could not record the failed task %s", name)

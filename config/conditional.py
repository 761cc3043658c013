"""ETag and If-Match: no lost updates on single objects, written once for every viewset.

A detail GET (and the answer to a PATCH/PUT) carries `ETag`, a strong tag of the object's
identity and `updated_at`. A write addressed to one object (PATCH, PUT, DELETE and the POST
actions under `/{id}/`) may send `If-Match` with that tag; the check locks the row (SELECT ...
FOR UPDATE) for the rest of the request's transaction, so of two writers holding the same tag
exactly one wins and the other gets 412 PRECONDITION_FAILED. `If-Match: *` matches any
existing object; without the header the write proceeds as before. A GET, HEAD or OPTIONS
ignores it.

A 201 creation (the `create` action) carries the new object's `ETag` too, the same tag a GET of
it answers, so a client may create and then write with `If-Match` without reading first.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.db import models
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.response import Response

from config.errors import PreconditionFailed

IF_MATCH = "If-Match"


def etag_for(model: type[models.Model], pk: Any, updated_at: Any) -> str:
    """A strong ETag: changes whenever the row is saved (every action saves `updated_at`)."""
    stamp = updated_at.isoformat() if updated_at is not None else ""
    digest = hashlib.sha256(f"{model._meta.label}:{pk}:{stamp}".encode()).hexdigest()[:24]
    return f'"{digest}"'


def etag_of(obj: models.Model) -> str:
    return etag_for(type(obj), obj.pk, getattr(obj, "updated_at", None))


def current_etag(obj: models.Model, *, lock: bool = False) -> str | None:
    """The tag of the row as stored now (locked for the transaction when `lock`)."""
    qs = type(obj)._base_manager.filter(pk=obj.pk)
    if lock:
        qs = qs.select_for_update()
    row = qs.values_list("updated_at", flat=True)
    stamps = list(row)
    if not stamps:
        return None
    return etag_for(type(obj), obj.pk, stamps[0])


def _tags(header: str) -> list[str]:
    return [tag.strip() for tag in header.split(",") if tag.strip()]


def check_if_match(request: Request, obj: models.Model) -> None:
    """412 unless `If-Match` (when sent) names the object's current tag; locks the row.

    Only a write as sent checks it: DRF's OPTIONS metadata simulates a PUT on a clone of the
    request (`request.method` is PUT, the wire's is OPTIONS) and reads the object, and an
    OPTIONS neither answers 412 nor locks a row.
    """
    header = request.headers.get(IF_MATCH)
    sent = request._request.method  # the HttpRequest's: DRF's clone_request keeps it
    if header is None or request.method in SAFE_METHODS or sent in SAFE_METHODS:
        return
    current = current_etag(obj, lock=True)
    tags = _tags(header)
    if current is not None and ("*" in tags or current in tags):
        return
    raise PreconditionFailed(
        "The object changed since you read it: fetch it again (its ETag is new) and retry."
    )


class ConditionalMixin:
    """ETag on single-object answers; `check_if_match()` before writes (call it in get_object)."""

    etag_actions: tuple[str, ...] = ("retrieve", "update", "partial_update")
    created_actions: tuple[str, ...] = ("create",)  # 201: the new object's tag
    _etag_object: models.Model | None = None

    def check_preconditions(self, obj: models.Model) -> None:
        self._etag_object = obj
        check_if_match(self.request, obj)

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        obj = self._etag_object
        if (
            obj is not None
            and getattr(self, "action", None) in self.etag_actions
            and 200 <= response.status_code < 300
            and not response.has_header("ETag")
        ):
            # After a write the row has a new updated_at: read it rather than guess it.
            tag = etag_of(obj) if request.method in SAFE_METHODS else current_etag(obj)
            if tag:
                response["ETag"] = tag
        elif (
            getattr(self, "action", None) in self.created_actions
            and response.status_code == 201
            and not response.has_header("ETag")
        ):
            tag = self._created_etag(response)
            if tag:
                response["ETag"] = tag
        return response

    def _created_etag(self, response: Response) -> str | None:
        """The tag of the object a 201 answer describes (its `id`), read back from the row."""
        model = getattr(self, "model", None)
        if model is None:
            serializer_class = getattr(self, "serializer_class", None)
            model = getattr(getattr(serializer_class, "Meta", None), "model", None)
        pk = response.data.get("id") if isinstance(response.data, dict) else None
        if model is None or pk is None:
            return None
        return current_etag(model(pk=pk))

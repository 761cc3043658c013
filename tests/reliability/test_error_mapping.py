"""Only a lost or refused database connection is a 503 (config.api.classify_exception).

Any other database error (a TransactionManagementError, a ProgrammingError, a bare
DatabaseError) is a bug of ours: a logged 500 in the API's envelope (or the compatibility API's
own body), never reported as the database being down.
"""

from __future__ import annotations

import logging

import pytest
from django.db import (
    DatabaseError,
    DataError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    ProgrammingError,
    close_old_connections,
    connection,
)
from django.db.transaction import TransactionManagementError

from accounts.api.views import MeView
from config.api import classify_exception
from tests.conftest import API, client_for
from tests.reliability.test_faults import _terminate
from tickets.compat.helpdesk import TicketDetailsView

BUGS = [
    TransactionManagementError("select_for_update cannot be used outside of a transaction."),
    ProgrammingError("relation does not exist"),
    DatabaseError("something else"),
]
UNAVAILABLE = [
    OperationalError("server closed the connection unexpectedly"),
    InterfaceError("connection already closed"),
]


@pytest.mark.parametrize("exc", BUGS, ids=lambda e: type(e).__name__)
def test_a_programming_error_is_a_500(exc, caplog):
    with caplog.at_level(logging.ERROR, logger="config.api"):
        status, code, *_ = classify_exception(exc)
    assert (status, code) == (500, "INTERNAL_ERROR")
    assert caplog.records
    assert caplog.records[-1].exc_info[1] is exc


@pytest.mark.parametrize("exc", UNAVAILABLE, ids=lambda e: type(e).__name__)
def test_a_lost_connection_is_a_503(exc):
    status, code, *_ = classify_exception(exc)
    assert (status, code) == (503, "SERVICE_UNAVAILABLE")


def test_integrity_and_data_errors_keep_their_answers():
    assert classify_exception(IntegrityError("duplicate key"))[:2] == (409, "CONFLICT")
    assert classify_exception(DataError("value too long"))[:2] == (422, "VALIDATION_ERROR")


def _raising(exc: Exception):
    def handler(self, request, *args, **kwargs):
        raise exc

    return handler


@pytest.mark.parametrize("exc", BUGS, ids=lambda e: type(e).__name__)
def test_a_programming_error_in_a_view_is_a_logged_500_envelope(
    exc, member, org, monkeypatch, caplog
):
    monkeypatch.setattr(MeView, "get", _raising(exc))
    with caplog.at_level(logging.ERROR, logger="config.api"):
        response = client_for(member, org).get(f"{API}/auth/me")
    assert response.status_code == 500
    body = response.json()
    assert body["success"] is False
    assert body["data"] is None
    assert body["errors"]["code"] == "INTERNAL_ERROR"
    assert "Traceback" not in response.content.decode()
    assert str(exc) not in response.content.decode()
    assert any(r.exc_info and r.exc_info[1] is exc for r in caplog.records)


@pytest.mark.parametrize("exc", BUGS, ids=lambda e: type(e).__name__)
def test_a_programming_error_in_a_compatibility_view_is_a_500(exc, member, org, monkeypatch):
    monkeypatch.setattr(TicketDetailsView, "get", _raising(exc))
    response = client_for(member, org).get("/api/v1/get_ticket_details/1")
    assert response.status_code == 500
    assert response.json()["errorCode"] == 500


@pytest.mark.parametrize("exc", UNAVAILABLE, ids=lambda e: type(e).__name__)
def test_a_lost_connection_in_a_view_is_a_503_envelope(exc, member, org, monkeypatch):
    monkeypatch.setattr(MeView, "get", _raising(exc))
    response = client_for(member, org).get(f"{API}/auth/me")
    assert response.status_code == 503
    assert response.json()["errors"]["code"] == "SERVICE_UNAVAILABLE"


@pytest.mark.postgres
def test_a_connection_killed_during_a_read_is_a_503(committed_world, monkeypatch):
    """As tests/reliability/test_faults.py does for writes: the backend is terminated from a
    second connection, and the view's next query finds the connection gone."""
    world = committed_world
    original = MeView.get
    killed: list[int] = []

    def get(self, request, *args, **kwargs):
        killed.append(connection.connection.info.backend_pid)
        _terminate(killed[0])
        return original(self, request, *args, **kwargs)

    monkeypatch.setattr(MeView, "get", get)
    try:
        response = client_for(world.member, world.org).get(f"{API}/auth/me")
    finally:
        # A read has no transaction whose failed rollback would close the dead connection; in
        # production request_finished does (the test client unhooks it), so do it here.
        close_old_connections()
    assert killed
    assert response.status_code == 503, response.content
    assert response.json()["errors"]["code"] == "SERVICE_UNAVAILABLE"

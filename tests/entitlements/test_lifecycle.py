"""SPEC §2's lifecycle table, through the API (staff) and the actions: allowed, forbidden, rules."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone
from django_fsm import ConcurrentTransition

from config.fsm import TransitionConflict
from entitlements import actions
from entitlements.errors import EntitlementInvalid
from entitlements.models import Entitlement, EntitlementStatusChange
from environments.models import Environment
from tests.conftest import API, assert_envelope, client_for
from tests.entitlements.conftest import reach
from tests.factories import EnvironmentFactory
from tests.helpers import moves

Status = Entitlement.Status
ALL_STATUSES = [Status.ACTIVE, Status.SUSPENDED, Status.EXPIRED, Status.CANCELLED]
# Each transition's URL path: its name, dashed.
NAMES = ("suspend", "reactivate", "expire", "renew", "cancel", "win_back")
PATHS = {name: name.replace("_", "-") for name in NAMES}
ALLOWED = moves(
    """
    active     suspend     suspended
    suspended  reactivate  active
    active     expire      expired
    suspended  expire      expired
    expired    renew       active
    active     cancel      cancelled
    suspended  cancel      cancelled
    expired    cancel      cancelled
    cancelled  win_back    active
    """
)
FORBIDDEN = [(s, t) for s in ALL_STATUSES for t in PATHS if (s, t) not in ALLOWED]


def history(entitlement: Entitlement) -> list[tuple]:
    return list(
        EntitlementStatusChange.objects.filter(subject=entitlement)
        .order_by("changed_at", "id")
        .values_list("from_status", "to_status", "transition", "changed_by_id", "reason", "notes")
    )


def test_table_has_nine_allowed_and_fifteen_forbidden_moves():
    assert len(ALLOWED) == 9
    assert len(FORBIDDEN) == 15


@pytest.mark.django_db
@pytest.mark.parametrize(("source", "name"), list(ALLOWED))
def test_allowed_transition(staff_api, staff, make_entitlement, source, name):
    entitlement = make_entitlement(source)
    before = history(entitlement)
    body = {"reason": "by the book", "notes": "internal note"}
    response = staff_api.post(
        f"{API}/entitlements/{entitlement.pk}/{PATHS[name]}", body, format="json"
    )
    assert response.status_code == 200, response.content
    payload = response.json()
    assert_envelope(payload, success=True)
    target = ALLOWED[(source, name)]
    assert payload["data"]["status"] == target
    assert payload["message"].startswith("Entitlement ")
    entitlement.refresh_from_db()
    assert entitlement.status == target
    assert history(entitlement) == [
        *before,
        (source, target, name, staff.pk, "by the book", "internal note"),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(("source", "name"), FORBIDDEN)
def test_forbidden_transition_is_409_and_changes_nothing(staff_api, make_entitlement, source, name):
    entitlement = make_entitlement(source)
    before_row = Entitlement.objects.filter(pk=entitlement.pk).values().get()
    before_history = history(entitlement)
    response = staff_api.post(
        f"{API}/entitlements/{entitlement.pk}/{PATHS[name]}", {"reason": "try"}, format="json"
    )
    assert response.status_code == 409, response.content
    body = response.json()
    assert_envelope(body, success=False)
    assert body["errors"]["code"] == "CONFLICT"
    assert f"'{source}'" in body["errors"]["detail"]  # the current status is in the message
    assert body["errors"]["reason"].startswith("MIDDAG-ENT-")
    assert Entitlement.objects.filter(pk=entitlement.pk).values().get() == before_row
    assert history(entitlement) == before_history


@pytest.mark.django_db
def test_cancelling_a_cancelled_entitlement_says_already_cancelled(staff_api, make_entitlement):
    entitlement = make_entitlement(Status.CANCELLED)
    response = staff_api.post(
        f"{API}/entitlements/{entitlement.pk}/cancel", {"reason": "again"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["errors"]["reason"] == "MIDDAG-ENT-ALREADY_CANCELLED"


@pytest.mark.django_db
def test_forbidden_transition_through_the_action_raises_conflict(make_entitlement, staff):
    entitlement = make_entitlement(Status.EXPIRED)
    with pytest.raises(TransitionConflict) as info:
        actions.entitlement_suspend(entitlement=entitlement, actor=staff)
    assert info.value.status_code == 409
    assert info.value.reason == "MIDDAG-ENT-INVALID_TRANSITION"
    entitlement.refresh_from_db()
    assert entitlement.status == Status.EXPIRED


@pytest.mark.django_db
@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "   "}, {"notes": "only notes"}])
def test_cancel_requires_a_reason(staff_api, make_entitlement, body):
    entitlement = make_entitlement()
    response = staff_api.post(f"{API}/entitlements/{entitlement.pk}/cancel", body, format="json")
    assert response.status_code == 422, response.content
    assert "reason" in response.json()["errors"]["fields"]
    entitlement.refresh_from_db()
    assert entitlement.status == Status.ACTIVE
    assert len(history(entitlement)) == 1


@pytest.mark.django_db
def test_cancel_action_requires_a_reason_too(make_entitlement, staff):
    entitlement = make_entitlement()
    with pytest.raises(EntitlementInvalid) as info:
        actions.entitlement_cancel(entitlement=entitlement, actor=staff, reason=" ")
    assert info.value.status_code == 422
    assert info.value.fields == {"reason": ["A reason is required to cancel an entitlement."]}


@pytest.mark.django_db
def test_cancel_keeps_reason_and_notes_and_win_back_clears_them(staff_api, make_entitlement):
    entitlement = make_entitlement()
    staff_api.post(
        f"{API}/entitlements/{entitlement.pk}/cancel",
        {"reason": "Customer churned", "notes": "Moved to a competitor"},
        format="json",
    )
    entitlement.refresh_from_db()
    assert entitlement.status == Status.CANCELLED
    assert entitlement.cancelled_at is not None
    assert entitlement.cancellation_reason == "Customer churned"
    assert entitlement.cancellation_notes == "Moved to a competitor"
    response = staff_api.post(f"{API}/entitlements/{entitlement.pk}/win-back", format="json")
    assert response.status_code == 200
    entitlement.refresh_from_db()
    assert (entitlement.cancelled_at, entitlement.cancellation_reason) == (None, "")
    assert history(entitlement)[1][4] == "Customer churned"  # the history keeps it


@pytest.mark.django_db
@pytest.mark.parametrize(("days", "allowed"), [(89, True), (90, True), (91, False), (400, False)])
def test_win_back_only_within_90_days(staff_api, make_entitlement, days, allowed):
    entitlement = make_entitlement(Status.CANCELLED)
    cancelled_at = timezone.now() - timedelta(days=days) + timedelta(minutes=1 if days == 90 else 0)
    Entitlement.objects.filter(pk=entitlement.pk).update(cancelled_at=cancelled_at)
    response = staff_api.post(f"{API}/entitlements/{entitlement.pk}/win-back", format="json")
    entitlement.refresh_from_db()
    if allowed:
        assert response.status_code == 200, response.content
        assert entitlement.status == Status.ACTIVE
        return
    assert response.status_code == 409
    errors = response.json()["errors"]
    assert errors["reason"] == "MIDDAG-ENT-WIN_BACK_WINDOW_CLOSED"
    assert "'cancelled'" in errors["detail"]
    assert entitlement.status == Status.CANCELLED
    assert len(history(entitlement)) == 2  # create and cancel only


@pytest.mark.django_db
def test_renew_default_moves_expiry_one_year_from_now_when_it_passed(staff_api, make_entitlement):
    entitlement = make_entitlement(expires_at=timezone.now() + timedelta(days=1))
    Entitlement.objects.filter(pk=entitlement.pk).update(
        expires_at=timezone.now() - timedelta(days=10),
        starts_at=timezone.now() - timedelta(days=400),
    )
    reach(entitlement, Status.EXPIRED)
    response = staff_api.post(f"{API}/entitlements/{entitlement.pk}/renew", format="json")
    assert response.status_code == 200, response.content
    entitlement.refresh_from_db()
    expected = timezone.now() + timedelta(days=365)
    assert abs(entitlement.expires_at - expected) < timedelta(days=1, minutes=1)


@pytest.mark.django_db
def test_renew_default_extends_from_a_future_expiry(staff_api, make_entitlement):
    old = timezone.now() + timedelta(days=30)
    entitlement = make_entitlement(Status.EXPIRED, expires_at=old)  # expired early by staff
    staff_api.post(f"{API}/entitlements/{entitlement.pk}/renew", format="json")
    entitlement.refresh_from_db()
    assert entitlement.status == Status.ACTIVE
    assert entitlement.expires_at == old.replace(year=old.year + 1)


@pytest.mark.django_db
def test_renew_with_a_given_expiry(staff_api, make_entitlement):
    entitlement = make_entitlement(Status.EXPIRED)
    response = staff_api.post(
        f"{API}/entitlements/{entitlement.pk}/renew",
        {"expires_at": "2099-01-31T00:00:00Z"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["data"]["expires_at"] == "2099-01-31T00:00:00Z"


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["2001-01-01T00:00:00Z", "not a date"])
def test_renew_must_move_expiry_forward(staff_api, make_entitlement, value):
    entitlement = make_entitlement(Status.EXPIRED)
    response = staff_api.post(
        f"{API}/entitlements/{entitlement.pk}/renew", {"expires_at": value}, format="json"
    )
    assert response.status_code == 422
    assert "expires_at" in response.json()["errors"]["fields"]
    entitlement.refresh_from_db()
    assert entitlement.status == Status.EXPIRED


@pytest.mark.django_db
def test_renew_of_an_active_entitlement_is_409_even_with_a_past_date(staff_api, make_entitlement):
    entitlement = make_entitlement()
    response = staff_api.post(
        f"{API}/entitlements/{entitlement.pk}/renew",
        {"expires_at": "2001-01-01T00:00:00Z"},
        format="json",
    )
    assert response.status_code == 409


@pytest.mark.django_db
def test_transition_cascades_to_the_environment_in_the_same_transaction(staff_api, org):
    environment = EnvironmentFactory(entitlement__organization=org)
    entitlement = environment.entitlement
    response = staff_api.post(
        f"{API}/entitlements/{entitlement.pk}/suspend", {"reason": "unpaid"}, format="json"
    )
    assert response.status_code == 200
    environment.refresh_from_db()
    assert environment.status == Environment.Status.SUSPENDED


@pytest.mark.django_db
def test_a_stale_copy_cannot_overwrite_a_newer_status(make_entitlement, staff):
    """Optimistic second line of defence: a save from an outdated copy is refused."""
    entitlement = make_entitlement()
    stale = Entitlement.objects.get(pk=entitlement.pk)
    actions.entitlement_suspend(entitlement=entitlement, actor=staff)
    stale.cancel()
    with pytest.raises(ConcurrentTransition), transaction.atomic():
        stale.save()
    assert Entitlement.objects.get(pk=entitlement.pk).status == Status.SUSPENDED


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_transitions_on_one_row_one_wins_the_other_409(make_entitlement, staff):
    entitlement = make_entitlement()
    locked = threading.Event()
    outcomes: dict[str, object] = {}

    def first() -> None:
        try:
            with transaction.atomic():
                actions.entitlement_suspend(entitlement=entitlement, actor=staff, reason="first")
                locked.set()
                time.sleep(0.5)  # hold the row lock while the second one arrives
            outcomes["first"] = "ok"
        finally:
            connection.close()

    def second() -> None:
        try:
            locked.wait(5)
            started = time.monotonic()
            try:
                actions.entitlement_suspend(entitlement=entitlement, actor=staff, reason="second")
                outcomes["second"] = "ok"
            except TransitionConflict as exc:
                outcomes["second"] = exc.status_code
            outcomes["waited"] = time.monotonic() - started
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes["first"] == "ok"
    assert outcomes["second"] == 409
    assert outcomes["waited"] > 0.3  # it queued behind the first one's row lock
    assert Entitlement.objects.get(pk=entitlement.pk).status == Status.SUSPENDED
    assert [row[4] for row in history(entitlement)] == ["", "first"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_api_transitions_one_200_one_409(make_entitlement, staff):
    entitlement = make_entitlement()
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def post(path: str) -> None:
        try:
            client = client_for(staff)
            barrier.wait()
            statuses.append(
                client.post(
                    f"{API}/entitlements/{entitlement.pk}/{path}", format="json"
                ).status_code
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=("expire",)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 409]
    assert Entitlement.objects.get(pk=entitlement.pk).status == Status.EXPIRED
    assert len(history(entitlement)) == 2

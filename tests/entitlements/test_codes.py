"""Codes: {CLASS}-{YYYY}{MM}{SEQ:4d}, a gapless counter per class per business month."""

import re
import threading
from datetime import UTC, datetime

import pytest
from django.db import connection, transaction
from django.test import override_settings
from sequences.models import Sequence

from entitlements.actions import entitlement_create
from entitlements.models import Entitlement, EntitlementStatusChange

CODE = re.compile(r"^(PLG|ENV|SVC|ORD|AFL|EDU)-(\d{4})(\d{2})(\d{4,})$")


def create(cls: str, when: datetime | None = None, **fields) -> Entitlement:
    fields.setdefault("product_name", "Product")
    return entitlement_create(actor=None, entitlement_class=cls, when=when, **fields)


def at(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.mark.django_db
def test_code_format_and_first_history_row(org, staff):
    entitlement = entitlement_create(
        actor=staff, entitlement_class="PLG", product_name="Campus EAD", organization=org,
        when=at(2026, 4, 1, 10),
    )  # fmt: skip
    assert entitlement.code == "PLG-2026040001"
    assert CODE.match(entitlement.code)
    assert entitlement.status == Entitlement.Status.ACTIVE
    assert entitlement.company == org.company
    row = EntitlementStatusChange.objects.get(subject=entitlement)
    assert (row.from_status, row.to_status, row.transition) == (None, "active", "create")
    assert row.changed_by == staff


@pytest.mark.django_db
def test_sequence_per_class_per_month_including_a_month_change():
    codes = [
        create("PLG", at(2026, 1, 5)).code,
        create("PLG", at(2026, 1, 31, 23, 59)).code,
        create("ENV", at(2026, 1, 31)).code,  # another class: its own counter
        create("PLG", at(2026, 2, 1, 0, 0)).code,  # a new month starts again at 0001
        create("PLG", at(2026, 1, 20)).code,  # January's counter carries on
        create("PLG", at(2027, 1, 5)).code,  # same month, another year: another counter
    ]
    assert codes == [
        "PLG-2026010001",
        "PLG-2026010002",
        "ENV-2026010001",
        "PLG-2026020001",
        "PLG-2026010003",
        "PLG-2027010001",
    ]


@pytest.mark.django_db
def test_every_class_has_its_own_counter():
    codes = {
        cls: create(cls, at(2026, 6, 1)).code for cls in ["PLG", "ENV", "SVC", "ORD", "AFL", "EDU"]
    }
    assert codes == {cls: f"{cls}-2026060001" for cls in codes}


@pytest.mark.django_db
@override_settings(BUSINESS_TIME_ZONE="America/Sao_Paulo")
def test_month_is_the_business_time_zones():
    # 02:00 UTC on 1 March is still 28 February, 23:00 in São Paulo (UTC-3).
    assert create("SVC", at(2026, 3, 1, 2)).code == "SVC-2026020001"
    assert create("SVC", at(2026, 3, 1, 3)).code == "SVC-2026030001"


@pytest.mark.django_db
def test_past_9999_the_sequence_grows_to_five_digits():
    Sequence.objects.create(name="entitlement.ORD.202605", last=9999)
    assert create("ORD", at(2026, 5, 2)).code == "ORD-20260510000"


@pytest.mark.django_db
def test_a_rolled_back_creation_leaves_no_gap():
    first = create("EDU", at(2026, 7, 1))
    allocated: list[str] = []

    def create_then_fail() -> None:
        with transaction.atomic():
            allocated.append(create("EDU", at(2026, 7, 2)).code)
            raise RuntimeError("the caller's transaction fails after the code was allocated")

    with pytest.raises(RuntimeError):
        create_then_fail()
    assert allocated == ["EDU-2026070002"]
    second = create("EDU", at(2026, 7, 3))
    assert (first.code, second.code) == ("EDU-2026070001", "EDU-2026070002")
    assert Entitlement.objects.filter(code="EDU-2026070002").count() == 1


@pytest.mark.django_db
def test_a_refused_creation_allocates_nothing(org, other_org):
    parent = create("ENV", at(2026, 8, 1), organization=other_org)
    with pytest.raises(Exception, match="same organization"):
        create("ENV", at(2026, 8, 2), organization=org, parent=parent)
    assert create("ENV", at(2026, 8, 3)).code == "ENV-2026080002"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_creations_get_twenty_consecutive_codes():
    when = at(2026, 9, 15)
    barrier = threading.Barrier(20)
    codes: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker() -> None:
        try:
            barrier.wait()
            code = create("AFL", when).code
            with lock:
                codes.append(code)
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(codes) == [f"AFL-202609{n:04d}" for n in range(1, 21)]
    assert Entitlement.objects.filter(entitlement_class="AFL").count() == 20

"""Two (or 32) members click "Book" on the same slot at the same moment: the
exclusion constraint lets exactly one booking in, the others get the
friendly message, and nobody sees a server error (issue 8, benchmarks and
"Done when"). On PostgreSQL, with a connection per thread and committed data
(transactional tests)."""

import threading
import time
from collections import Counter

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction
from django.test import Client
from django.urls import reverse

from tests.factories import LocationFactory, PaidMemberFactory, ResourceFactory
from tests.workspaces.conftest import at, in_days
from workspaces import services
from workspaces.models import Booking, BookingStatus

pytestmark = pytest.mark.django_db(transaction=True)

CLIENTS = 32


def test_32_clients_book_the_same_slot_exactly_one_wins(seed_data):
    location = LocationFactory(slug="brussels")
    room = ResourceFactory(location=location, name="Meeting room Horta")
    members = [PaidMemberFactory() for _ in range(CLIENTS)]
    day = in_days(1)
    clients = []
    for member in members:
        client = Client()
        client.force_login(member.user)
        clients.append(client)
    barrier = threading.Barrier(CLIENTS)
    outcomes: list[tuple[int, str]] = []
    errors: list[BaseException] = []

    def click(client: Client) -> None:
        try:
            barrier.wait(timeout=30)
            response = client.post(
                reverse("workspaces:book"),
                {
                    "location": location.slug,
                    "resource": room.pk,
                    "day": day.isoformat(),
                    "start": "10:00",
                    "end": "12:00",
                },
                HTTP_HX_REQUEST="true",
            )
            body = response.content.decode()
            if response.get("HX-Trigger") == "bookingsChanged":
                outcomes.append((response.status_code, "booked"))
            elif "already booked at that time" in body:
                outcomes.append((response.status_code, "refused"))
            else:
                outcomes.append((response.status_code, body[:500]))
        except BaseException as exc:  # the test reports any error a client met
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=click, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert Counter(outcomes) == {(200, "booked"): 1, (200, "refused"): CLIENTS - 1}, outcomes
    active = Booking.objects.filter(resource=room, status=BookingStatus.ACTIVE)
    assert active.count() == 1
    assert Booking.objects.count() == 1  # nothing else was saved


def test_the_constraint_error_of_a_lost_race_becomes_the_friendly_message(seed_data):
    """Deterministically: another transaction has inserted the same slot and
    not committed yet, so the service's check sees nothing; its insert waits
    on the constraint, the other commits, and the IntegrityError that follows
    is turned into the friendly message."""
    room = ResourceFactory()
    winner, loser = PaidMemberFactory(), PaidMemberFactory()
    day = in_days(1)
    inserted, done = threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def other_transaction() -> None:
        try:
            with transaction.atomic():
                Booking.objects.create(
                    resource=room,
                    member=winner,
                    starts_at=services.local_datetime(day, at("10:00")),
                    ends_at=services.local_datetime(day, at("12:00")),
                )
                inserted.set()
                # Commit only once the service's insert is waiting on our row.
                deadline = time.monotonic() + 30
                while time.monotonic() < deadline:
                    with connections["default"].cursor() as cursor:
                        cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
                        if cursor.fetchone()[0]:
                            break
                    time.sleep(0.01)
                else:
                    raise AssertionError("the service's insert never waited on the constraint")
        except BaseException as exc:
            failures.append(exc)
        finally:
            done.set()
            connection.close()

    thread = threading.Thread(target=other_transaction)
    thread.start()
    assert inserted.wait(timeout=30)
    with pytest.raises(ValidationError) as exc:
        services.booking_create(
            member=loser,
            resource=room,
            day=day,
            start=at("11:00"),
            end=at("13:00"),
            acting_user=loser.user,
        )
    thread.join(timeout=60)
    assert done.is_set() and not failures, failures
    assert exc.value.error_list[0].message == services.SLOT_TAKEN
    assert list(Booking.objects.values_list("member", flat=True)) == [winner.pk]

"""Fixtures for the workspace tests: a location open every day 08:00-20:00,
a meeting room and a desk there, and members whose share is paid."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from members.models import Member
from rules.models import Rule
from rules.selectors import catalogue_invalidate
from tests.factories import LocationFactory, PaidMemberFactory, ResourceFactory, published_version
from workspaces import services
from workspaces.models import Booking, Location, Resource


def in_days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def at(text: str) -> datetime.time:
    return datetime.time.fromisoformat(text)


def book(member: Member, resource: Resource, day: datetime.date, start: str, end: str) -> Booking:
    return services.booking_create(
        member=member,
        resource=resource,
        day=day,
        start=at(start),
        end=at(end),
        acting_user=member.user,
    )


def rule_from_today(key: str, value: object) -> None:
    """A new published version of a rule, in force from today (as the legal
    team would publish it), and the rules cache dropped."""
    published_version(Rule.objects.get(key=key), timezone.localdate(), value, reason="test")
    catalogue_invalidate()


@pytest.fixture
def location(db: None) -> Location:
    return LocationFactory(name="Brussels", slug="brussels")


@pytest.fixture
def room(location: Location) -> Resource:
    return ResourceFactory(location=location, name="Meeting room Horta", capacity=8)


@pytest.fixture
def desk(location: Location) -> Resource:
    return ResourceFactory(location=location, name="Desk 1", kind="desk", capacity=1, equipment="")


@pytest.fixture
def paid(db: None) -> Member:
    return PaidMemberFactory()


@pytest.fixture
def paid_other(db: None) -> Member:
    return PaidMemberFactory()


@pytest.fixture
def paid_client(paid: Member) -> Client:
    client = Client()
    client.force_login(paid.user)
    return client

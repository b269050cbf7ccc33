"""The member's dashboard names their next booking."""

from django.test import Client
from django.urls import reverse

from tests.workspaces.conftest import book, in_days


def test_the_dashboard_shows_the_next_active_booking(paid, room):
    later = book(paid, room, in_days(3), "14:00", "15:00")
    sooner = book(paid, room, in_days(1), "10:00", "12:00")
    client = Client()
    client.force_login(paid.user)
    response = client.get(reverse("dashboard"))
    assert response.context["next_booking"] == sooner
    body = response.content.decode()
    assert reverse("workspaces:booking", args=[sooner.pk]) in body
    assert reverse("workspaces:booking", args=[later.pk]) not in body


def test_no_booking_says_so(paid):
    client = Client()
    client.force_login(paid.user)
    response = client.get(reverse("dashboard"))
    assert response.context["next_booking"] is None
    assert reverse("workspaces:locations") in response.content.decode()

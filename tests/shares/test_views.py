"""The member's share pages with the test client: the overview, subscribing
(and its mistakes), paying instructions, certificates and asking to leave.

Members are created with language "en", so the pages speak English (the
MemberLanguageMiddleware follows the profile language)."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from members.models import Consent, Member
from shares import services
from shares.forms import QUANTITY_NOT_A_NUMBER
from shares.models import Certificate, ExitRequest, RegisterEntry, Subscription
from smartcoop.lib.ogm import ogm_format
from tests.clock import on
from tests.factories import MemberFactory, StaffFactory
from tests.shares.support import paid_subscription, subscribed

pytestmark = pytest.mark.django_db

OUTSIDE_WINDOW = datetime.date(2026, 11, 27)  # the window is January to June
IN_WINDOW = datetime.date(2027, 3, 15)
CONSENTS = {
    "accept_internal_rules": "on",
    "accept_data_policy": "on",
    "accept_financial_risk": "on",
}


@pytest.fixture
def en_member() -> Member:
    return MemberFactory(language="en")


@pytest.fixture
def client_en(en_member: Member) -> Client:
    client = Client()
    client.force_login(en_member.user)
    return client


@pytest.fixture
def staff() -> User:
    return StaffFactory()


# --- Overview ----------------------------------------------------------------------------


def test_overview_of_a_newcomer_invites_to_buy(client_en: Client) -> None:
    response = client_en.get(reverse("shares:overview"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Buy shares" in html
    assert "No subscriptions yet." in html
    assert "No entries yet" in html
    assert response.context["holding"].shares == 0


def test_overview_shows_holding_subscriptions_and_register_entries(
    client_en: Client, en_member: Member, staff
) -> None:
    paid = paid_subscription(en_member, 2, acting_user=staff)
    waiting = subscribed(en_member, 3)
    response = client_en.get(reverse("shares:overview"))
    assert response.status_code == 200
    html = response.content.decode()
    assert response.context["holding"].shares == 2
    assert "Buy more shares" in html
    assert "shares held" in html
    assert "€60.00" in html  # nominal value paid, in the English format
    for subscription in (paid, waiting):
        assert ogm_format(subscription.structured_reference) in html
        assert reverse("shares:subscription", args=[subscription.pk]) in html
    assert "Awaiting payment" in html and "Paid" in html
    assert "Subscription paid" in html and "+2" in html


def test_overview_query_count_does_not_grow_with_subscriptions(
    client_en: Client, en_member: Member, staff
) -> None:
    url = reverse("shares:overview")
    paid_subscription(en_member, 1, acting_user=staff)
    client_en.get(url)  # warm the rules cache
    with CaptureQueriesContext(connection) as one:
        assert client_en.get(url).status_code == 200
    for _ in range(4):
        paid_subscription(en_member, 1, acting_user=staff)
    for _ in range(5):
        subscribed(en_member, 1)
    services.share_certificate_issue(member=en_member, acting_user=en_member.user)
    services.share_certificate_issue(member=en_member, acting_user=en_member.user)
    assert Subscription.objects.filter(member=en_member).count() == 10
    with CaptureQueriesContext(connection) as ten:
        response = client_en.get(url)
    assert response.status_code == 200
    assert len(response.context["subscriptions"]) == 10
    # session, user, language, member, holding, subscriptions, entries, exits,
    # certificates: a fixed number whatever the number of rows
    assert len(ten.captured_queries) == len(one.captured_queries), [
        q["sql"] for q in ten.captured_queries
    ]
    assert len(one.captured_queries) == 9, [q["sql"] for q in one.captured_queries]


# --- Subscribing ---------------------------------------------------------------------------


def test_subscribe_form_shows_the_fields(client_en: Client) -> None:
    response = client_en.get(reverse("shares:subscribe"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Number of shares" in html
    assert 'name="accept_financial_risk"' in html


def test_subscribe_redirects_to_the_payment_page_with_the_reference_and_qr(
    client_en: Client, en_member: Member
) -> None:
    response = client_en.post(reverse("shares:subscribe"), {"quantity": " 2 ", **CONSENTS})
    subscription = Subscription.objects.get(member=en_member)
    assert response.status_code == 302
    assert response["Location"] == reverse("shares:subscription", args=[subscription.pk])
    assert (subscription.quantity, subscription.amount) == (2, Decimal("60.00"))
    assert subscription.status == "awaiting"

    page = client_en.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    reference = ogm_format(subscription.structured_reference)
    assert reference.startswith("+++") and reference.endswith("+++")
    assert f'<strong id="pay-reference">{reference}</strong>' in html
    assert '<strong id="pay-amount">€60.00</strong>' in html
    assert "BE62 6302 5308 2961" in html  # the cooperative's account, grouped
    assert "<svg" in html and 'class="epc-qr"' in html
    assert 'aria-label="Payment QR code' in html
    assert "Thank you. Your subscription is waiting for payment." in html


def test_subscribing_records_the_consents_again(client_en: Client, en_member: Member) -> None:
    before = Consent.objects.filter(member=en_member).count()
    client_en.post(reverse("shares:subscribe"), {"quantity": "1", **CONSENTS})
    assert Consent.objects.filter(member=en_member).count() >= before
    subscription = Subscription.objects.get(member=en_member)
    assert "shares.nominal_value" in subscription.rules_used


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        ("0", str(services.QUANTITY_AT_LEAST_ONE)),
        ("-1", str(services.QUANTITY_AT_LEAST_ONE)),
        ("abc", str(QUANTITY_NOT_A_NUMBER)),
        ("1.5", str(QUANTITY_NOT_A_NUMBER)),
        (
            "100000",
            str(services.QUANTITY_TOO_LARGE) % {"maximum": services.MAX_SHARES_PER_SUBSCRIPTION},
        ),
    ],
)
def test_bad_quantity_gets_a_message_next_to_the_field_and_saves_nothing(
    client_en: Client, quantity: str, message: str
) -> None:
    response = client_en.post(reverse("shares:subscribe"), {"quantity": quantity, **CONSENTS})
    assert response.status_code == 200
    assert response.context["form"].errors == {"quantity": [message]}
    html = response.content.decode()
    assert 'id="id_quantity_error"' in html
    assert 'aria-invalid="true"' in html
    assert f'value="{quantity}"' in html  # what was typed is kept
    assert not Subscription.objects.exists()


def test_missing_consent_gets_a_message_and_saves_nothing(
    client_en: Client, en_member: Member
) -> None:
    consents_before = list(Consent.objects.filter(member=en_member).values())
    data = {"quantity": "2", **CONSENTS}
    del data["accept_financial_risk"]
    response = client_en.post(reverse("shares:subscribe"), data)
    assert response.status_code == 200
    assert response.context["form"].errors == {"accept_financial_risk": ["This field is required."]}
    assert 'id="id_accept_financial_risk_error"' in response.content.decode()
    assert not Subscription.objects.exists()
    assert list(Consent.objects.filter(member=en_member).values()) == consents_before


# --- The subscription page ------------------------------------------------------------------


def test_paid_subscription_page_shows_no_qr(
    client_en: Client, en_member: Member, staff: User
) -> None:
    subscription = paid_subscription(en_member, acting_user=staff)
    response = client_en.get(reverse("shares:subscription", args=[subscription.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<svg" not in html
    assert ogm_format(subscription.structured_reference) in html
    assert "Paid on 01/10/2026" in html


def test_another_members_subscription_is_404(client_en: Client) -> None:
    other = subscribed(MemberFactory())
    response = client_en.get(reverse("shares:subscription", args=[other.pk]))
    assert response.status_code == 404


# --- Certificates ---------------------------------------------------------------------------


def test_certificate_issue_freezes_the_holding_and_downloads_a_pdf(
    client_en: Client, en_member: Member, staff
) -> None:
    paid_subscription(en_member, 2, acting_user=staff)
    assert client_en.get(reverse("shares:certificate_issue")).status_code == 405
    response = client_en.post(reverse("shares:certificate_issue"))
    certificate = Certificate.objects.get(member=en_member)
    assert response.status_code == 302
    assert response["Location"] == reverse("shares:certificate", args=[certificate.pk])
    assert (certificate.quantity, certificate.holder_name) == (2, en_member.legal_name)

    download = client_en.get(response["Location"])
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == (
        f'attachment; filename="share-certificate-{certificate.number}.pdf"'
    )
    assert download.content.startswith(b"%PDF")

    overview = client_en.get(reverse("shares:overview")).content.decode()
    assert reverse("shares:certificate", args=[certificate.pk]) in overview
    assert f"Certificate no. {certificate.number}" in overview


def test_no_certificate_without_shares(client_en: Client, en_member: Member) -> None:
    response = client_en.post(reverse("shares:certificate_issue"), follow=True)
    assert response.redirect_chain == [(reverse("shares:overview"), 302)]
    assert str(services.NO_SHARES_FOR_CERTIFICATE) in response.content.decode()
    assert not Certificate.objects.exists()


def test_another_members_certificate_is_404(client_en: Client, staff: User) -> None:
    other = MemberFactory()
    paid_subscription(other, acting_user=staff)
    certificate = services.share_certificate_issue(member=other, acting_user=other.user)
    response = client_en.get(reverse("shares:certificate", args=[certificate.pk]))
    assert response.status_code == 404


# --- Leaving --------------------------------------------------------------------------------


def test_exit_outside_the_window_shows_it_and_refuses(
    client_en: Client, en_member: Member, staff: User
) -> None:
    paid_subscription(en_member, 2, acting_user=staff)
    with on(OUTSIDE_WINDOW):
        client_en.force_login(en_member.user)  # a session of that day
        url = reverse("shares:exit")

        page = client_en.get(url)
        assert page.status_code == 200
        assert "Exit requests are accepted from 01/01 to 30/06" in page.content.decode()
        assert "You hold 2 shares." in page.content.decode()

        entries_before = RegisterEntry.objects.count()
        response = client_en.post(url, {"quantity": "1", "confirm": "on"})
        assert response.status_code == 200
        expected = str(services.EXIT_OUTSIDE_WINDOW) % {
            "start": "01/01",
            "end": "30/06",
            "next": "01/01/2027",
        }
        assert response.context["form"].non_field_errors() == [expected]
        html = response.content.decode()
        assert 'class="form-errors" role="alert"' in html
        assert expected in html
        assert not ExitRequest.objects.exists()
        assert RegisterEntry.objects.count() == entries_before


def test_exit_in_the_window_is_recorded(client_en: Client, en_member: Member, staff: User) -> None:
    paid_subscription(en_member, 2, acting_user=staff)
    with on(IN_WINDOW):
        client_en.force_login(en_member.user)  # a session of that day
        url = reverse("shares:exit")
        assert (
            "An exit asked today takes effect on 30/06/2027." in client_en.get(url).content.decode()
        )

        too_many = client_en.post(url, {"quantity": "3", "confirm": "on"})
        assert too_many.status_code == 200
        assert too_many.context["form"].errors["quantity"] == [
            str(services.EXIT_TOO_MANY) % {"held": 2, "asked": 3}
        ]
        assert not ExitRequest.objects.exists()

        response = client_en.post(url, {"quantity": "1", "confirm": "on"})
        assert response.status_code == 302
        assert response["Location"] == reverse("shares:overview")
        exit_request = ExitRequest.objects.get(member=en_member)
        assert (exit_request.quantity, exit_request.requested_on, exit_request.effective_on) == (
            1,
            IN_WINDOW,
            datetime.date(2027, 6, 30),
        )
        assert exit_request.refund_due_by == datetime.date(2030, 6, 30)
        overview = client_en.get(reverse("shares:overview")).content.decode()
        assert "Your exit request is recorded. It takes effect on 30/06/2027." in overview
        assert "Requested" in overview


def test_exit_without_confirmation_saves_nothing(
    client_en: Client, en_member: Member, staff: User
) -> None:
    paid_subscription(en_member, 2, acting_user=staff)
    with on(IN_WINDOW):
        client_en.force_login(en_member.user)  # a session of that day
        response = client_en.post(reverse("shares:exit"), {"quantity": "1"})
        assert response.status_code == 200
        assert response.context["form"].errors == {"confirm": ["This field is required."]}
        assert not ExitRequest.objects.exists()

"""E-invoicing (issue 7), beyond the UBL itself (test_ubl.py): how each
client is reached and why, the validation issuing does itself, and the
transmission through an access point, tested against a small HTTP access
point this test runs on 127.0.0.1 (the provider is a remote service we do not
run): submitted with its idempotency key, retried when the access point is
down, failed when it refuses, retried by staff, followed until delivered."""

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.urls import reverse

from documents import services as documents_services
from documents.models import InvoiceDocument
from einvoicing import services as einvoicing
from einvoicing.models import PeppolTransmission, TransmissionStatus
from einvoicing.routing import Channel, route_for
from invoicing.models import Invoice, InvoiceStatus
from smartcoop.celery import app as celery_app
from tests.factories import ClientFactory, MemberFactory
from tests.helpers import staff_client, text_of
from tests.invoicing.support import draft, issue, issued

pytestmark = pytest.mark.django_db


# --- Routing -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "country", "vat", "channel", "mandatory"),
    [
        ("company", "BE", "BE0403019261", Channel.PEPPOL, True),
        ("company", "BE", "", Channel.EMAIL, False),
        ("company", "FR", "FR40303265045", Channel.EMAIL, False),
        ("company", "US", "", Channel.EMAIL, False),
        ("person", "BE", "", Channel.EMAIL, False),
    ],
)
def test_each_client_gets_its_channel_and_the_reason(kind, country, vat, channel, mandatory):
    route = route_for(kind=kind, country=country, vat_number=vat, peppol_id="0208:0403019261")
    assert route.channel == channel and route.mandatory is mandatory
    assert str(route.reason)
    if mandatory:
        assert "0208:0403019261" in str(route.reason) and "1 January 2026" in str(route.reason)


def test_the_client_page_and_the_invoice_page_show_the_decision(client):
    member = MemberFactory(status="member", language="en")
    customer = ClientFactory(member=member)
    invoice = issued(member, client=customer)
    client.force_login(member.user)
    for url in (
        reverse("invoicing:client_detail", args=[customer.pk]),
        reverse("invoicing:invoice_detail", args=[invoice.pk]),
    ):
        page = client.get(url).content.decode()
        assert "Peppol e-invoice" in page and "required by law" in page
        assert "0208:0403019261" in page
    person = ClientFactory(member=member, kind="person", vat_number="", enterprise_number="")
    page = client.get(reverse("invoicing:client_detail", args=[person.pk])).content.decode()
    assert "Email with the PDF" in page and "A consumer" in page


# --- Validation before issue ----------------------------------------------------------------


US = {"country": "US", "vat_number": "", "enterprise_number": ""}
NL = {"country": "NL", "vat_number": "NL004495445B01", "enterprise_number": ""}
BE = {"country": "BE", "vat_number": "BE0403019261", "enterprise_number": "0403019261"}


@pytest.mark.parametrize(
    ("lines", "client_kwargs", "moved", "rule"),
    [
        (
            [("Workshop", "1", "100.00", "O:outside_eu"), ("Travel", "1", "10.00", "S:21")],
            US,
            {},
            "BR-O-11",
        ),
        # The client moved after the draft was saved: issuing checks again.
        ([("Goods", "1", "100.00", "K:eu_goods")], NL, BE, "BR-IC-02"),
        ([("Goods", "1", "100.00", "G:export")], US, NL, "outside the European"),
    ],
)
def test_issuing_refuses_what_the_e_invoice_rules_forbid_and_names_the_rule(
    lines, client_kwargs, moved, rule
):
    member = MemberFactory(status="member", language="en")
    customer = ClientFactory(member=member, **client_kwargs)
    invoice = draft(member, client=customer, lines=lines)
    type(customer).objects.filter(pk=customer.pk).update(**moved)
    with pytest.raises(ValidationError) as exc:
        issue(Invoice.objects.get(pk=invoice.pk))
    assert any(rule in message for message in exc.value.messages), exc.value.messages
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.DRAFT and not invoice.number


def test_a_client_enterprise_number_with_wrong_check_digits_is_refused():
    member = MemberFactory(status="member", language="en")
    customer = ClientFactory(member=member)
    invoice = draft(member, client=customer)
    # Changed outside the forms (an import, the database): the forms check it.
    type(customer).objects.filter(pk=customer.pk).update(enterprise_number="0403019262")
    with pytest.raises(ValidationError) as exc:
        issue(Invoice.objects.get(pk=invoice.pk))
    assert any("PEPPOL-COMMON-R043" in m for m in exc.value.messages)


@override_settings(COOPERATIVE_ENTERPRISE_NUMBER="0896755398")
def test_the_cooperatives_own_number_must_pass_its_check_digits():
    member = MemberFactory(status="member", language="en")
    with pytest.raises(ValidationError) as exc:
        issued(member)
    assert any("COOPERATIVE_ENTERPRISE_NUMBER" in m for m in exc.value.messages)


def test_the_sum_rules_hold_for_what_is_issued():
    from invoicing import en16931

    assert not en16931.sum_problems(
        line_nets=["10.00", "5.55"],
        total_net="15.55",
        total_vat="3.27",
        total_gross="18.82",
        breakdown=[{"base": "15.55", "vat": "3.27"}],
    )
    wrong = en16931.sum_problems(
        line_nets=["10.00", "5.55"],
        total_net="15.56",
        total_vat="3.27",
        total_gross="18.82",
        breakdown=[{"base": "15.55", "vat": "3.27"}],
    )
    assert [str(w).split("(")[1].split(")")[0] for w in wrong] == [
        "BR-CO-10",
        "BR-CO-13",
        "BR-CO-15",
    ]


# --- Transmission through an access point ------------------------------------------------------


@pytest.fixture
def me():
    return MemberFactory(status="member", language="en")


def test_an_invoice_to_a_belgian_vat_business_is_transmitted_and_followed_to_delivery(
    me, access_point, django_capture_on_commit_callbacks, settings
):
    with django_capture_on_commit_callbacks(execute=True):
        invoice = issued(me)
    transmission = PeppolTransmission.objects.get(invoice=invoice)
    assert transmission.status == TransmissionStatus.SENT and transmission.provider_id == "ap-1"
    [submitted] = access_point.submissions
    ubl = InvoiceDocument.objects.get(invoice=invoice, format="ubl")
    assert submitted["body"] == documents_services.document_read(ubl)
    assert submitted["path"] == "/v1/documents"
    headers = submitted["headers"]
    assert headers["authorization"] == "Bearer test-token"
    assert headers["x-peppol-receiver"] == "0208:0403019261"
    assert headers["x-peppol-sender"] == "0208:0896755397"
    assert headers["idempotency-key"] == f"smartcoop-invoice-{invoice.pk}"
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.SENT and invoice.sent_at is not None
    # The sweep asks the access point what became of it.
    access_point.statuses["ap-1"] = {"status": "delivered", "message": "Delivered to AP X"}
    settings.DOCUMENTS_SWEEP_AFTER_SECONDS = 0
    assert einvoicing.transmissions_sweep() == 1
    transmission.refresh_from_db()
    assert transmission.status == TransmissionStatus.DELIVERED
    assert transmission.provider_message == "Delivered to AP X"
    # Running the task again submits nothing.
    assert einvoicing.peppol_transmit(transmission_id=transmission.pk)[0] == "skipped"
    assert len(access_point.submissions) == 1


def test_an_unreachable_access_point_is_retried_and_a_refusal_fails_for_staff_to_retry(
    me, access_point, django_capture_on_commit_callbacks
):
    celery_app.conf.task_eager_propagates = False  # Celery's retries run; conftest restores
    access_point.script = [(503, {"message": "maintenance"})]
    with django_capture_on_commit_callbacks(execute=True):
        first = issued(me)
    transmission = PeppolTransmission.objects.get(invoice=first)
    assert transmission.status == TransmissionStatus.SENT and transmission.attempts == 2
    assert len(access_point.submissions) == 2

    access_point.script = [(400, {"message": "Receiver 0208:0403019261 not registered"})]
    with django_capture_on_commit_callbacks(execute=True):
        second = issued(me)
    refused = PeppolTransmission.objects.get(invoice=second)
    assert refused.status == TransmissionStatus.FAILED and refused.attempts == 1
    assert "not registered" in refused.provider_message

    staff, user = staff_client(
        "view_peppoltransmission", "change_peppoltransmission", "view_invoice"
    )
    listing = text_of(
        staff.get(
            reverse("admin:einvoicing_peppoltransmission_changelist") + "?status__exact=failed"
        )
    )
    assert second.number in listing and first.number not in listing
    page = text_of(staff.get(reverse("admin:invoicing_invoice_change", args=[second.pk])))
    assert "not registered" in page
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(
            reverse("admin:einvoicing_peppoltransmission_changelist"),
            {"action": "retry_failed", "_selected_action": [refused.pk]},
        )
    refused.refresh_from_db()
    assert refused.status == TransmissionStatus.SENT
    with pytest.raises(ValidationError):
        einvoicing.transmission_retry(transmission=refused, acting_user=user)


def test_without_an_access_point_the_transmission_waits_and_says_why(
    me, django_capture_on_commit_callbacks, settings
):
    settings.PEPPOL_ACCESS_POINT_URL = ""
    with django_capture_on_commit_callbacks(execute=True):
        invoice = issued(me)
    transmission = PeppolTransmission.objects.get(invoice=invoice)
    assert transmission.status == TransmissionStatus.QUEUED
    assert "PEPPOL_ACCESS_POINT_URL" in transmission.provider_message


def test_a_consumer_invoice_is_not_transmitted_but_gets_its_ubl(
    me, access_point, django_capture_on_commit_callbacks
):
    person = ClientFactory(member=me, kind="person", vat_number="", enterprise_number="")
    with django_capture_on_commit_callbacks(execute=True):
        invoice = issued(me, client=person)
    assert not PeppolTransmission.objects.exists() and not access_point.submissions
    assert InvoiceDocument.objects.filter(invoice=invoice, format="ubl").count() == 1


def test_the_member_downloads_the_stored_ubl_and_a_draft_has_none(me, client):
    invoice = issued(me)
    client.force_login(me.user)
    response = client.get(reverse("einvoicing:invoice_ubl", args=[invoice.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/xml"
    assert response["Content-Disposition"] == f'attachment; filename="{invoice.number}.xml"'
    stored = InvoiceDocument.objects.get(invoice=invoice, format="ubl")
    assert response.content == documents_services.document_read(stored)
    assert client.get(reverse("einvoicing:invoice_ubl", args=[draft(me).pk])).status_code == 404
    other = MemberFactory(status="member")
    client.force_login(other.user)
    assert client.get(reverse("einvoicing:invoice_ubl", args=[invoice.pk])).status_code == 404

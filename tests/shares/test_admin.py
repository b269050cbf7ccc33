"""The shares back office with the test client: booking payments (one by one
or from a bank file), resolving what the file could not book, the register
and its exports, reversing entries, exits and refunds; and the custom views'
permission checks. Staff have two-factor authentication on (StaffFactory)."""

import csv
import datetime
import io
import subprocess
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from members.models import Member, Status
from shares import services
from shares.models import (
    BankImport,
    EntryType,
    ExitRequest,
    ExitStatus,
    Payment,
    PaymentStatus,
    RegisterEntry,
    Subscription,
    SubscriptionStatus,
)
from smartcoop.lib.ogm import ogm_format, ogm_from_number
from tests.factories import MemberFactory, StaffFactory
from tests.helpers import bank_statement, staff_client, text_of
from tests.shares.support import paid_subscription, subscribed

pytestmark = pytest.mark.django_db


def _pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF")
    result = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True
    )
    return " ".join(result.stdout.decode("utf-8").split())


# --- Booking a payment by hand -------------------------------------------------------------


def test_subscription_page_offers_to_register_a_payment() -> None:
    client, _staff = staff_client("view_subscription", app_label="shares")
    subscription = subscribed(MemberFactory())
    response = client.get(reverse("admin:shares_subscription_change", args=[subscription.pk]))
    assert response.status_code == 200
    html = text_of(response)
    assert reverse("admin:shares_subscription_pay", args=[subscription.pk]) in html
    assert "Register a payment" in html


def test_searching_a_subscription_by_its_printed_reference() -> None:
    client, _staff = staff_client("view_subscription", app_label="shares")
    wanted, _other = subscribed(MemberFactory()), subscribed(MemberFactory())
    response = client.get(
        reverse("admin:shares_subscription_changelist"),
        {"q": ogm_format(wanted.structured_reference)},
    )
    assert list(response.context["cl"].result_list) == [wanted]


def test_register_a_payment_by_hand() -> None:
    client, staff = staff_client("view_subscription", "add_payment", app_label="shares")
    member = MemberFactory()
    subscription = subscribed(member, 2)
    url = reverse("admin:shares_subscription_pay", args=[subscription.pk])

    page = client.get(url)
    assert page.status_code == 200
    assert page.context["form"].initial["amount"] == Decimal("60.00")

    wrong = client.post(url, {"amount": "50.00", "value_date": "2026-11-20"})
    assert wrong.status_code == 200
    assert "The amount 50.00 does not match the 60.00 due." in text_of(wrong)
    assert not Payment.objects.exists()

    response = client.post(url, {"amount": "60.00", "value_date": "2026-11-20"}, follow=True)
    assert response.redirect_chain == [
        (reverse("admin:shares_subscription_change", args=[subscription.pk]), 302)
    ]
    assert "Payment booked; the register is updated." in text_of(response)
    subscription.refresh_from_db()
    member.refresh_from_db()
    assert (subscription.status, subscription.paid_on) == (
        SubscriptionStatus.PAID,
        datetime.date(2026, 11, 20),
    )
    assert member.status == Status.MEMBER
    entry = RegisterEntry.objects.get(member=member)
    assert (entry.entry_type, entry.quantity, entry.amount, entry.recorded_by) == (
        EntryType.SUBSCRIPTION_PAID,
        2,
        Decimal("60.00"),
        staff,
    )

    again = client.post(url, {"amount": "60.00", "value_date": "2026-11-21"})
    assert again.status_code == 200
    assert str(services.ALREADY_PAID) in text_of(again)
    assert Payment.objects.count() == 1 and RegisterEntry.objects.count() == 1


def test_date_inputs_carry_iso_values() -> None:
    """<input type="date"> only accepts yyyy-mm-dd; a day-first value leaves
    the field empty in the browser and the form cannot be sent as proposed."""
    client, _staff = staff_client(
        "add_payment", "change_exitrequest", "view_registerentry", app_label="shares"
    )
    member = MemberFactory()
    subscription = subscribed(member)
    today = timezone.localdate().isoformat()
    html = text_of(client.get(reverse("admin:shares_subscription_pay", args=[subscription.pk])))
    assert f'type="date" name="value_date" value="{today}"' in html
    html = text_of(client.get(reverse("admin:shares_register")))
    assert f'type="date" name="as_of" value="{today}"' in html


# --- Bank statement upload ------------------------------------------------------------------


@pytest.fixture
def bank_case() -> dict[str, Any]:
    exact = subscribed(MemberFactory(legal_name="Anna Peeters"), 2)  # €60
    short = subscribed(MemberFactory(legal_name="Jan Claes"), 2)  # €60, €50 arrives
    single = subscribed(MemberFactory(legal_name="Els Wouters"), 1)  # €30, paid without a match
    unknown = ogm_format(ogm_from_number(999_999_999))
    data = bank_statement(
        f"20/11/2026;60,00;EUR;{ogm_format(exact.structured_reference)};Anna Peeters;"
        "BE68 5390 0754 7034;BANK-0001",
        f"20/11/2026;50,00;EUR;{ogm_format(short.structured_reference)};Jan Claes;"
        "BE71 0961 2345 6769;BANK-0002",
        f"21/11/2026;30,00;EUR;shares {unknown};Els Wouters;BE43 0682 4319 0101;BANK-0003",
        "22/11/2026;abc;EUR;+++000/0000/00097+++;Nobody;;BANK-0004",
        final_newline=True,
    )
    return {"exact": exact, "short": short, "single": single, "data": data}


def _upload(client: Client, data: bytes, name: str = "statement.csv") -> Any:
    return client.post(
        reverse("admin:shares_payment_upload"),
        {"file": SimpleUploadedFile(name, data, content_type="text/csv")},
    )


def test_bank_statement_upload_books_exact_lines_and_lists_the_rest(
    bank_case: dict[str, Any],
) -> None:
    client, staff = staff_client("add_bankimport", "view_payment", app_label="shares")
    assert client.get(reverse("admin:shares_payment_upload")).status_code == 200

    response = _upload(client, bank_case["data"])
    assert response.status_code == 200
    bank_import = response.context["bank_import"]
    assert bank_import.report["counts"] == {"booked": 1, "to_resolve": 2, "error": 1}
    html = text_of(response)
    for outcome, n in [("booked", 1), ("to_resolve", 2), ("error", 1)]:
        assert f"{outcome}: <strong>{n}</strong>" in html
    lines = {line["line_number"]: line for line in bank_import.report["lines"]}
    assert [lines[n]["outcome"] for n in (2, 3, 4, 5)] == [
        "booked",
        "to_resolve",
        "to_resolve",
        "error",
    ]
    assert "wrong amount: 50.00 received, 60.00 due" in lines[3]["message"]
    assert lines[4]["message"] == str(services.UNKNOWN_REFERENCE)
    assert "amount 'abc' is not a number" in lines[5]["message"]
    assert "amount &#x27;abc&#x27; is not a number" in html

    exact = Subscription.objects.get(pk=bank_case["exact"].pk)
    assert (exact.status, exact.paid_on) == (SubscriptionStatus.PAID, datetime.date(2026, 11, 20))
    assert exact.member.status == Status.MEMBER
    assert Subscription.objects.get(pk=bank_case["short"].pk).status == "awaiting"
    payments = Payment.objects.order_by("transaction_id")
    assert [(p.transaction_id, p.status) for p in payments] == [
        ("BANK-0001", PaymentStatus.BOOKED),
        ("BANK-0002", PaymentStatus.TO_RESOLVE),
        ("BANK-0003", PaymentStatus.TO_RESOLVE),
    ]
    assert all(p.recorded_by == staff and p.bank_import == bank_import for p in payments)
    assert RegisterEntry.objects.count() == 1

    # The same file again books nothing new: every line is known by its bank id.
    again = _upload(client, bank_case["data"])
    assert again.status_code == 200
    assert again.context["bank_import"].report["counts"] == {"already_recorded": 3, "error": 1}
    assert "already_recorded: <strong>3</strong>" in text_of(again)
    assert Payment.objects.count() == 3
    assert RegisterEntry.objects.count() == 1
    assert BankImport.objects.count() == 2


def test_an_unreadable_file_is_refused_next_to_the_field() -> None:
    client, _staff = staff_client("add_bankimport", app_label="shares")
    response = _upload(client, b"this is not;a bank export\n1;2\n")
    assert response.status_code == 200
    assert "no header row found" in response.context["form"].errors["file"][0]
    assert response.context["bank_import"] is None
    assert not BankImport.objects.exists() and not Payment.objects.exists()


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("statement.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj"),
        ("statement.xlsx", b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 40),
        ("statement.csv", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40),  # the name is not the content
        ("statement.csv", b""),
    ],
)
def test_a_file_that_is_not_a_statement_is_refused_before_reading_in_the_staff_language(
    name: str, data: bytes
) -> None:
    client, _staff = staff_client("add_bankimport", app_label="shares")
    client.cookies["django_language"] = "nl"
    response = client.post(
        reverse("admin:shares_payment_upload"),
        {"file": SimpleUploadedFile(name, data)},
        HTTP_ACCEPT_LANGUAGE="nl",
    )
    assert response.status_code == 200
    [message] = response.context["form"].errors["file"]
    if data:
        with translation.override("nl"):
            assert message == str(services.NOT_A_STATEMENT)
        assert "Dit is geen bankafschrift" in message
    assert not BankImport.objects.exists() and not Payment.objects.exists()


def test_a_statement_over_10_mb_is_refused_by_its_size() -> None:
    client, _staff = staff_client("add_bankimport", app_label="shares")
    row = b"20/11/2026;30,00;EUR;x;A;;T1\r\n"
    data = b"date;amount;currency;communication;name;iban;id\r\n" + row * (
        10 * 1024 * 1024 // len(row) + 1
    )
    response = _upload(client, data)
    [message] = response.context["form"].errors["file"]
    assert "10 MB" in message and "Nothing was imported" in message
    assert not BankImport.objects.exists() and not Payment.objects.exists()
    with pytest.raises(ValidationError) as refused:
        services.share_bank_import(data=data, file_name="big.csv", acting_user=_staff)
    assert refused.value.error_dict["file"][0].code == "too_large"
    assert not BankImport.objects.exists()


def test_resolving_a_payment_against_the_right_subscription(bank_case: dict[str, Any]) -> None:
    upload_client, _uploader = staff_client("add_bankimport", app_label="shares")
    _upload(upload_client, bank_case["data"])
    client, staff = staff_client("view_payment", "add_payment", app_label="shares")
    unknown = Payment.objects.get(transaction_id="BANK-0003")
    short = Payment.objects.get(transaction_id="BANK-0002")

    changelist = text_of(client.get(reverse("admin:shares_payment_changelist")))
    assert "To resolve" in changelist
    detail = text_of(client.get(reverse("admin:shares_payment_change", args=[unknown.pk])))
    assert reverse("admin:shares_payment_resolve", args=[unknown.pk]) in detail

    url = reverse("admin:shares_payment_resolve", args=[unknown.pk])
    assert client.get(url).status_code == 200
    bad = client.post(url, {"reference": "+++123/4567/89000+++", "note": ""})
    assert bad.context["form"].errors["reference"] == ["This is not a valid structured reference."]
    nothing = client.post(url, {"reference": "", "note": ""})
    assert nothing.context["form"].errors["note"] == [
        "Give a reference to book, or a note to close it."
    ]
    # The €50 cannot pay a €60 subscription: the message says why.
    short_url = reverse("admin:shares_payment_resolve", args=[short.pk])
    wrong = client.post(
        short_url,
        {"reference": ogm_format(bank_case["short"].structured_reference), "note": ""},
    )
    assert wrong.status_code == 200
    assert "wrong amount: 50.00 received, 60.00 due" in text_of(wrong)
    short.refresh_from_db()
    assert short.status == PaymentStatus.TO_RESOLVE

    single = bank_case["single"]
    response = client.post(
        url,
        {"reference": ogm_format(single.structured_reference), "note": "reference mistyped"},
        follow=True,
    )
    assert response.redirect_chain == [(reverse("admin:shares_payment_changelist"), 302)]
    assert "Payment resolved." in text_of(response)
    unknown.refresh_from_db()
    single.refresh_from_db()
    assert (unknown.status, unknown.subscription, unknown.resolution_note) == (
        PaymentStatus.BOOKED,
        single,
        "reference mistyped",
    )
    assert (single.status, single.paid_on) == (SubscriptionStatus.PAID, datetime.date(2026, 11, 21))
    entry = RegisterEntry.objects.get(subscription=single)
    assert (entry.quantity, entry.amount, entry.recorded_by) == (1, Decimal("30.00"), staff)
    assert single.member.status == Status.MEMBER

    # Closing the €50 with a note (sent back to the payer) books nothing.
    client.post(short_url, {"reference": "", "note": "refunded to the payer"})
    short.refresh_from_db()
    assert (short.status, short.resolution_note) == (
        PaymentStatus.RESOLVED,
        "refunded to the payer",
    )
    assert RegisterEntry.objects.count() == 2


# --- The register -------------------------------------------------------------------------


@pytest.fixture
def holders() -> tuple[Member, Member]:
    anna = MemberFactory(legal_name="Anna Peeters")
    jan = MemberFactory(legal_name="Jan Claes")
    paid_subscription(anna, 2, on=datetime.date(2026, 10, 1))
    paid_subscription(jan, 3, on=datetime.date(2026, 11, 20))
    return anna, jan


def test_register_view_shows_totals_as_of_a_date(holders: tuple[Member, Member]) -> None:
    anna, jan = holders
    client, _staff = staff_client("view_registerentry", app_label="shares")
    changelist = text_of(client.get(reverse("admin:shares_registerentry_changelist")))
    assert reverse("admin:shares_register") in changelist

    response = client.get(reverse("admin:shares_register"))
    assert response.status_code == 200
    assert response.context["totals"] == {"shares": 5, "holders": 2}
    today = timezone.localdate()
    html = text_of(response)
    assert f"5 shares held by 2 holders on {today:%d/%m/%Y}." in html
    assert anna.legal_name in html and jan.legal_name in html
    assert f"{reverse('admin:shares_register_csv')}?as_of={today:%Y-%m-%d}" in html

    before = client.get(reverse("admin:shares_register"), {"as_of": "2026-10-15"})
    assert before.context["totals"] == {"shares": 2, "holders": 1}
    assert "2 shares held by 1 holders on 15/10/2026." in text_of(before)
    assert jan.legal_name not in text_of(before)


def test_register_csv_streams_the_holders(holders: tuple[Member, Member]) -> None:
    anna, jan = holders
    client, _staff = staff_client("view_registerentry", app_label="shares")
    response = client.get(reverse("admin:shares_register_csv"), {"as_of": "2026-11-30"})
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="share-register-2026-11-30.csv"'
    )
    text = response.getvalue().decode("utf-8")
    assert text.startswith("\ufeff")  # so that spreadsheets read it as UTF-8
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    assert [row["member_number"] for row in rows] == [
        str(anna.member_number),
        str(jan.member_number),
    ]
    assert rows[0] == {
        "member_number": str(anna.member_number),
        "legal_name": "Anna Peeters",
        "address": "Veldstraat 12, 9000 Gent, BE",
        "enterprise_number": "",
        "category": "A",
        "shares": "2",
        "paid": "60.00",
        "refunded": "0.00",
        "entries": "1",
        "first_entry": "2026-10-01",
    }
    assert (rows[1]["shares"], rows[1]["paid"], rows[1]["first_entry"]) == (
        "3",
        "90.00",
        "2026-11-20",
    )

    earlier = client.get(reverse("admin:shares_register_csv"), {"as_of": "2026-10-15"})
    text = earlier.getvalue().decode("utf-8").removeprefix("\ufeff")
    assert len(list(csv.DictReader(io.StringIO(text), delimiter=";"))) == 1


def test_register_pdf(holders: tuple[Member, Member]) -> None:
    client, _staff = staff_client("view_registerentry", app_label="shares")
    response = client.get(reverse("admin:shares_register_pdf"), {"as_of": "2026-11-30"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'attachment; filename="share-register-2026-11-30.pdf"'
    )
    text = _pdf_text(response.content)
    assert "Anna Peeters" in text and "Jan Claes" in text
    assert "5 shares, 2 holders" in text
    assert "30/11/2026" in text


def test_holder_view(holders: tuple[Member, Member]) -> None:
    anna, _jan = holders
    client, _staff = staff_client("view_registerentry", app_label="shares")
    response = client.get(reverse("admin:shares_register_holder", args=[anna.pk]))
    assert response.status_code == 200
    html = text_of(response)
    assert "Anna Peeters · Veldstraat 12, 9000 Gent, BE" in html
    assert "2 shares, €60.00 paid." in html
    assert "Subscription paid" in html and "01/10/2026" in html
    earlier = client.get(
        reverse("admin:shares_register_holder", args=[anna.pk]), {"as_of": "2026-09-30"}
    )
    assert "0 shares, €0.00 paid." in text_of(earlier)
    assert client.get(reverse("admin:shares_register_holder", args=[999_999])).status_code == 404


def test_reversing_a_register_entry() -> None:
    client, staff = staff_client("view_registerentry", "add_registerentry", app_label="shares")
    member = MemberFactory()
    subscription = paid_subscription(member, 2)
    entry = RegisterEntry.objects.get(subscription=subscription)

    detail = text_of(client.get(reverse("admin:shares_registerentry_change", args=[entry.pk])))
    url = reverse("admin:shares_registerentry_reverse", args=[entry.pk])
    assert url in detail and "Reverse this entry" in detail
    assert client.get(url).status_code == 200

    empty = client.post(url, {"note": ""})
    assert empty.context["form"].errors == {"note": ["This field is required."]}
    assert RegisterEntry.objects.count() == 1

    response = client.post(url, {"note": "Booked for the wrong person"}, follow=True)
    assert response.redirect_chain == [(reverse("admin:shares_registerentry_changelist"), 302)]
    assert "Reversing entry recorded." in text_of(response)
    reversal = RegisterEntry.objects.get(reverses=entry)
    assert (reversal.entry_type, reversal.quantity, reversal.amount, reversal.note) == (
        EntryType.REVERSAL,
        -2,
        Decimal("-60.00"),
        "Booked for the wrong person",
    )
    assert reversal.recorded_by == staff
    assert services.shares_held(member=member) == 0
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.CANCELLED
    assert Payment.objects.get(subscription=subscription).status == PaymentStatus.TO_RESOLVE

    again = client.post(url, {"note": "twice"})
    assert again.status_code == 200
    assert str(services.ALREADY_REVERSED) in text_of(again)
    assert RegisterEntry.objects.count() == 2


# --- Exits and refunds ----------------------------------------------------------------------


def test_approving_an_exit_then_recording_the_refund() -> None:
    client, staff = staff_client("view_exitrequest", "change_exitrequest", app_label="shares")
    member = MemberFactory()
    paid_subscription(member, 2)
    exit_request = services.share_exit_request(
        member=member,
        quantity=2,
        requested_on=datetime.date(2027, 3, 1),
        acting_user=member.user,
    )
    assert exit_request.effective_on == datetime.date(2027, 6, 30)

    changelist = reverse("admin:shares_exitrequest_changelist")
    response = client.post(
        changelist, {"action": "approve", ACTION_CHECKBOX_NAME: [exit_request.pk]}, follow=True
    )
    assert response.status_code == 200
    assert "done" in text_of(response)
    exit_request.refresh_from_db()
    member.refresh_from_db()
    assert (exit_request.status, exit_request.decided_by) == (ExitStatus.APPROVED, staff)
    exit_entry = RegisterEntry.objects.get(exit_request=exit_request)
    assert (exit_entry.entry_type, exit_entry.quantity, exit_entry.effective_on) == (
        EntryType.EXIT,
        -2,
        datetime.date(2027, 6, 30),
    )
    assert member.status == Status.RESIGNED

    detail = text_of(client.get(reverse("admin:shares_exitrequest_change", args=[exit_request.pk])))
    url = reverse("admin:shares_exitrequest_refund", args=[exit_request.pk])
    assert url in detail and "Record the refund" in detail
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["form"].initial["amount"] == Decimal("60.00")

    too_much = client.post(url, {"amount": "70.00", "refunded_on": "2027-07-15"})
    assert too_much.status_code == 200
    assert "A refund cannot exceed the nominal value paid: at most 60.00." in text_of(too_much)
    exit_request.refresh_from_db()
    assert exit_request.status == ExitStatus.APPROVED
    assert not RegisterEntry.objects.filter(entry_type=EntryType.REFUND).exists()

    response = client.post(url, {"amount": "60.00", "refunded_on": "2027-07-15"}, follow=True)
    assert response.redirect_chain == [(changelist, 302)]
    assert "Refund recorded in the register." in text_of(response)
    exit_request.refresh_from_db()
    assert (exit_request.status, exit_request.refunded_amount, exit_request.refunded_on) == (
        ExitStatus.REFUNDED,
        Decimal("60.00"),
        datetime.date(2027, 7, 15),
    )
    refund = RegisterEntry.objects.get(entry_type=EntryType.REFUND)
    assert (refund.quantity, refund.amount, refund.effective_on) == (
        0,
        Decimal("-60.00"),
        datetime.date(2027, 7, 15),
    )

    twice = client.post(url, {"amount": "60.00", "refunded_on": "2027-07-16"})
    assert twice.status_code == 200
    assert str(services.EXIT_NOT_APPROVED) in text_of(twice)
    assert RegisterEntry.objects.filter(entry_type=EntryType.REFUND).count() == 1


# --- Permissions ----------------------------------------------------------------------------


@pytest.fixture
def objects() -> dict[str, int]:
    member = MemberFactory()
    subscription = paid_subscription(member, 2)
    waiting = subscribed(member, 1)
    exit_request = services.share_exit_request(
        member=member,
        quantity=1,
        requested_on=datetime.date(2027, 3, 1),
        acting_user=member.user,
    )
    return {
        "member": member.pk,
        "subscription": waiting.pk,
        "payment": Payment.objects.get(subscription=subscription).pk,
        "entry": RegisterEntry.objects.get(subscription=subscription).pk,
        "exit": exit_request.pk,
    }


CUSTOM_VIEWS = [
    ("admin:shares_subscription_pay", "subscription"),
    ("admin:shares_payment_upload", None),
    ("admin:shares_payment_resolve", "payment"),
    ("admin:shares_exitrequest_refund", "exit"),
    ("admin:shares_register", None),
    ("admin:shares_register_csv", None),
    ("admin:shares_register_pdf", None),
    ("admin:shares_register_holder", "member"),
    ("admin:shares_registerentry_reverse", "entry"),
]


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize(("name", "obj"), CUSTOM_VIEWS)
def test_staff_without_the_permission_get_403(
    name: str, obj: str | None, method: str, objects: dict[str, int]
) -> None:
    # Every other permission of the app, but not the one the view asks for.
    wanted = {
        "admin:shares_subscription_pay": "add_payment",
        "admin:shares_payment_upload": "add_bankimport",
        "admin:shares_payment_resolve": "add_payment",
        "admin:shares_exitrequest_refund": "change_exitrequest",
        "admin:shares_registerentry_reverse": "add_registerentry",
    }.get(name, "view_registerentry")
    others = Permission.objects.filter(content_type__app_label="shares").exclude(codename=wanted)
    if wanted == "view_registerentry":
        others = others.exclude(codename="change_registerentry")
    no_permission, every_other = StaffFactory(), StaffFactory()
    every_other.user_permissions.add(*others)
    url = reverse(name, args=[objects[obj]] if obj else None)
    data = {"amount": "60.00", "value_date": "2026-11-20", "note": "x", "reference": ""}
    for staff in (no_permission, every_other):
        client = Client()
        client.force_login(staff)
        counts = (Payment.objects.count(), RegisterEntry.objects.count())
        response = client.get(url) if method == "get" else client.post(url, data)
        assert response.status_code == 403, (name, method, staff.user_permissions.count())
        assert (Payment.objects.count(), RegisterEntry.objects.count()) == counts


def test_staff_without_change_permission_cannot_approve_exits(objects: dict[str, int]) -> None:
    client, _staff = staff_client("view_exitrequest", app_label="shares")
    response = client.post(
        reverse("admin:shares_exitrequest_changelist"),
        {"action": "approve", ACTION_CHECKBOX_NAME: [objects["exit"]]},
    )
    assert response.status_code in (200, 302)
    assert ExitRequest.objects.get(pk=objects["exit"]).status == ExitStatus.REQUESTED


def test_recording_a_transfer_and_an_exclusion_in_the_back_office() -> None:
    client, _staff = staff_client("view_registerentry", "add_registerentry", app_label="shares")
    giver, receiver = MemberFactory(), MemberFactory()
    paid_subscription(giver, 3)
    url = reverse("admin:shares_registerentry_transfer")
    data = {
        "from_member": giver.member_number,
        "to_member": 999999,
        "quantity": 1,
        "transferred_on": "2026-11-25",
        "note": "",
    }
    response = client.post(url, data)
    assert "No member has this number." in text_of(response)
    data["to_member"] = receiver.member_number
    data["quantity"] = 4
    response = client.post(url, data)
    assert "you asked for 4" in text_of(response)
    data["quantity"] = 1
    assert client.post(url, data).status_code == 302
    assert services.shares_held(member=receiver) == 1

    url = reverse("admin:shares_registerentry_exclusion")
    response = client.post(
        url,
        {
            "member": giver.member_number,
            "excluded_on": "2026-11-26",
            "reason": "Board decision of 20/11/2026",
        },
    )
    assert response.status_code == 302
    giver.refresh_from_db()
    assert giver.status == Status.EXCLUDED
    assert services.shares_held(member=giver) == 0


def test_transfer_and_exclusion_need_the_permission() -> None:
    client, _staff = staff_client("view_registerentry", app_label="shares")
    for name in ("transfer", "exclusion"):
        assert client.get(reverse(f"admin:shares_registerentry_{name}")).status_code == 403


def test_register_page_query_count_does_not_grow_with_holders(
    django_assert_max_num_queries: Any,
) -> None:
    client, _staff = staff_client("view_registerentry", app_label="shares")
    url = reverse("admin:shares_register")
    for _ in range(2):
        paid_subscription(MemberFactory(), 1)
    client.get(url)
    with django_assert_max_num_queries(30) as few:
        assert client.get(url).status_code == 200
    baseline = len(few.captured_queries)  # read now: each request resets the query log
    for _ in range(20):
        paid_subscription(MemberFactory(), 1)
    # session, user, MFA, permissions, the page count and slice, member numbers, totals
    with django_assert_max_num_queries(baseline):
        response = client.get(url)
    assert len(response.context["page"].object_list) == 22

"""The invoicing back office with the test client: finding invoices (search,
filters, a fixed number of queries), the read-only change page, a payment
registered by hand, credit notes issued on a member's behalf, the history,
the permission checks of the custom views, and the read-only admins of
clients, activities, payments, unmatched bank lines and counters. Staff have
two-factor authentication on (StaffFactory)."""

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from invoicing import services
from invoicing.models import (
    Client as InvoiceClient,
)
from invoicing.models import (
    DocumentKind,
    Invoice,
    InvoicePayment,
    InvoiceStatus,
    NumberCounter,
    UnmatchedBankLine,
)
from members.models import Member
from smartcoop.lib.numbers import NOT_A_NUMBER
from smartcoop.lib.ogm import ogm_format
from tests.factories import (
    ActivityFactory,
    ClientFactory,
    MemberFactory,
    StaffFactory,
    draft_invoice,
    invoice_lines,
    issued_invoice,
)
from tests.helpers import staff_client, text_of

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:invoicing_invoice_changelist"
THREE_LINES = [
    ("Translation NL>FR", "10", "45.00", "S:21"),
    ("Proofreading", "4", "30.00", "S:21"),
    ("Travel", "1", "20.00", "S:21"),
]


def _results(client: Client, name: str = CHANGELIST, /, **params: Any) -> list[Any]:
    response = client.get(reverse(name), params)
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


def _issued_with_reference(member: Member, buyer_reference: str) -> Invoice:
    client, activity = ClientFactory(member=member), ActivityFactory(member=member)
    draft = services.invoice_draft_save(
        member=member,
        acting_user=member.user,
        client=client,
        activity=activity,
        supply_date=timezone.localdate(),
        payment_term_days=30,
        lines=invoice_lines(),
        buyer_reference=buyer_reference,
    )
    return services.invoice_issue(invoice=draft, acting_user=member.user)


def _change_url(invoice: Invoice) -> str:
    return reverse("admin:invoicing_invoice_change", args=[invoice.pk])


# --- The list: columns, search, filters, queries ------------------------------------------


def test_changelist_shows_numbers_drafts_clients_totals_and_status_words() -> None:
    client, _staff = staff_client("view_invoice")
    issued = issued_invoice()
    draft = draft_invoice()
    response = client.get(reverse(CHANGELIST))
    assert response.status_code == 200
    assert set(response.context["cl"].result_list) == {issued, draft}
    html = text_of(response)
    assert issued.number.startswith("F") and issued.number in html
    assert ">Draft<" in html
    assert escape(issued.buyer["name"]) in html and escape(draft.client.name) in html
    assert str(issued.total_gross) in html
    assert ">Issued<" in html
    assert reverse("admin:invoicing_invoice_add") not in html  # nothing is added here


@pytest.mark.parametrize(
    "term",
    [
        "number",
        "member_name",
        "member_number",
        "client_name",
        "buyer_reference",
        "ogm_digits",
        "ogm_printed",
    ],
)
def test_search(term: str) -> None:
    client, _staff = staff_client("view_invoice")
    member = MemberFactory(status="member", legal_name="Julien Renard")
    wanted = _issued_with_reference(member, "PO-7731-XY")
    issued_invoice(MemberFactory(status="member", legal_name="Sofie Peeters"))
    typed = {
        "number": wanted.number,
        "member_name": "renard",
        "member_number": str(member.member_number),
        "client_name": wanted.client.name,
        "buyer_reference": "7731-xy",
        "ogm_digits": wanted.structured_reference,
        "ogm_printed": ogm_format(wanted.structured_reference),
    }[term]
    assert _results(client, q=typed) == [wanted]


def test_search_finds_nothing_for_an_unknown_term() -> None:
    client, _staff = staff_client("view_invoice")
    issued_invoice()
    assert _results(client, q="no-such-invoice") == []


def test_filters_by_status_overdue_kind_and_period() -> None:
    client, _staff = staff_client("view_invoice")
    today = timezone.localdate()
    long_ago = today - datetime.timedelta(days=60)
    overdue = issued_invoice(today=long_ago, supply_date=long_ago, payment_term_days=30)
    fresh = issued_invoice()
    paid = issued_invoice()
    services.invoice_payment_register(
        invoice=paid, amount=paid.total_gross, value_date=today, acting_user=StaffFactory()
    )
    note = services.credit_note_issue(
        invoice=fresh,
        acting_user=StaffFactory(),
        reason="x",
        quantities={fresh.lines.get().pk: Decimal("1")},
    )
    draft = draft_invoice()

    assert set(_results(client, status="issued")) == {
        overdue,
        fresh,
        note,
    }  # fresh: partly credited
    assert set(_results(client, status="partly_paid")) == set()
    assert _results(client, status="paid") == [paid]
    assert _results(client, status="overdue") == [overdue]
    assert _results(client, status="draft") == [draft]
    assert _results(client, kind__exact=DocumentKind.CREDIT_NOTE) == [note]
    assert set(_results(client, kind__exact=DocumentKind.INVOICE)) == {overdue, fresh, paid, draft}
    since_yesterday = {
        "issue_date__gte": str(today - datetime.timedelta(days=1)),
        "issue_date__lt": str(today + datetime.timedelta(days=1)),
    }
    assert set(_results(client, **since_yesterday)) == {fresh, paid, note}
    assert _results(client, issue_date__isnull="True") == [draft]
    # date_hierarchy
    params = {
        "issue_date__year": long_ago.year,
        "issue_date__month": long_ago.month,
        "issue_date__day": long_ago.day,
    }
    assert _results(client, **params) == [overdue]
    html = text_of(client.get(reverse(CHANGELIST), {"status": "overdue"}))
    assert ">Overdue<" in html


def _changelist_queries(client: Client, params: dict[str, str]) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse(CHANGELIST), params)
    assert response.status_code == 200
    return len(queries.captured_queries)


@pytest.mark.parametrize(
    "params",
    [{}, {"q": "Agency"}, {"status": "overdue"}, {"kind__exact": "invoice", "status": "issued"}],
)
def test_changelist_runs_the_same_queries_for_1_and_20_invoices(params: dict[str, str]) -> None:
    client, _staff = staff_client("view_invoice")
    member = MemberFactory(status="member")
    client_, activity = ClientFactory(member=member), ActivityFactory(member=member)
    issued_invoice(member, client=client_, activity=activity)
    _changelist_queries(client, params)  # warm the caches (content types, rules)
    one = _changelist_queries(client, params)
    for _ in range(19):
        issued_invoice(MemberFactory(status="member"))
    assert Invoice.objects.count() == 20
    assert _changelist_queries(client, params) == one


# --- The change page: read-only, with everything it shows ---------------------------------


def test_change_page_shows_lines_vat_totals_contribution_references_and_rules() -> None:
    client, _staff = staff_client("view_invoice")
    invoice = issued_invoice(lines=THREE_LINES)
    response = client.get(_change_url(invoice))
    assert response.status_code == 200
    html = text_of(response)
    for description, *_rest in THREE_LINES:
        assert description.replace(">", "&gt;") in html
    assert ogm_format(invoice.structured_reference) in html
    assert str(invoice.total_gross) in html and str(invoice.contribution) in html
    assert str(invoice.vat_breakdown[0]["vat"]) in html
    assert str(invoice.member_share) in html
    for version in invoice.rules_used.values():
        assert reverse("admin:rules_ruleversion_change", args=[version]) in html
    assert 'name="_save"' not in html  # no save button: nothing to change
    assert reverse("admin:invoicing_invoice_history", args=[invoice.pk]) in html


def test_change_page_runs_the_same_queries_for_1_and_many_lines_and_payments() -> None:
    client, staff = staff_client("view_invoice")
    small = issued_invoice(lines=THREE_LINES[:1])
    big = issued_invoice(lines=THREE_LINES * 4)
    for invoice, payments in ((small, 1), (big, 3)):
        for _ in range(payments):
            services.invoice_payment_register(
                invoice=invoice,
                amount=Decimal("1.00"),
                value_date=timezone.localdate(),
                acting_user=staff,
            )
    first_line = big.lines.first()
    assert first_line is not None
    services.credit_note_issue(
        invoice=big, acting_user=staff, reason="x", quantities={first_line.pk: Decimal("1")}
    )
    client.get(_change_url(small))

    def count(invoice: Invoice) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(_change_url(invoice)).status_code == 200
        return len(queries.captured_queries)

    assert count(big) == count(small)


def _snapshot(invoice: Invoice) -> dict[str, Any]:
    fresh = Invoice.objects.get(pk=invoice.pk)
    return {f.attname: getattr(fresh, f.attname) for f in Invoice._meta.concrete_fields}


@pytest.mark.parametrize("superuser", [False, True])
def test_an_issued_invoice_cannot_be_changed_or_deleted(superuser: bool) -> None:
    codenames = () if superuser else ("view_invoice", "change_invoice", "delete_invoice")
    client, _staff = staff_client(*codenames, superuser=superuser)
    invoice = issued_invoice()
    before = _snapshot(invoice)
    lines_before = list(invoice.lines.values())

    response = client.post(
        _change_url(invoice),
        {
            "notes": "changed",
            "buyer_reference": "changed",
            "total_gross": "1.00",
            "lines-TOTAL_FORMS": "0",
            "lines-INITIAL_FORMS": "1",
            "_save": "Save",
        },
    )
    assert response.status_code == 403
    delete_url = reverse("admin:invoicing_invoice_delete", args=[invoice.pk])
    assert client.get(delete_url).status_code == 403
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    changelist = client.post(
        reverse(CHANGELIST),
        {"action": "delete_selected", "_selected_action": [invoice.pk], "post": "yes"},
    )
    assert changelist.status_code in (200, 302)
    assert _snapshot(invoice) == before
    assert list(invoice.lines.values()) == lines_before
    assert client.get(reverse("admin:invoicing_invoice_add")).status_code == 403


def test_a_draft_is_read_only_too() -> None:
    client, _staff = staff_client(
        "view_invoice", "change_invoice", "delete_invoice", "add_invoice", "add_invoicepayment"
    )
    draft = draft_invoice()
    before = _snapshot(draft)
    page = client.get(_change_url(draft))
    assert page.status_code == 200
    assert 'name="_save"' not in text_of(page)
    assert client.post(_change_url(draft), {"notes": "changed"}).status_code == 403
    delete_url = reverse("admin:invoicing_invoice_delete", args=[draft.pk])
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    assert _snapshot(draft) == before
    # Neither button: a draft is neither paid nor credited.
    for view in ("pay", "credit"):
        assert reverse(f"admin:invoicing_invoice_{view}", args=[draft.pk]) not in text_of(page)


def test_history_lists_the_issue_and_the_payment_and_cannot_revert() -> None:
    client, staff = staff_client("view_invoice", "add_invoicepayment")
    invoice = issued_invoice()
    pay_url = reverse("admin:invoicing_invoice_pay", args=[invoice.pk])
    today = timezone.localdate()
    client.post(pay_url, {"amount": "50,00", "value_date": today.isoformat()})
    response = client.get(reverse("admin:invoicing_invoice_history", args=[invoice.pk]))
    assert response.status_code == 200
    html = text_of(response)
    assert "issued" in html and "draft saved" in html
    assert f"payment 50.00 on {today.isoformat()}" in html
    history = invoice.history.order_by("history_date")
    last = history.last()
    assert last is not None and last.history_user == staff

    first = history.first()
    assert first is not None
    revert_url = reverse(
        "admin:invoicing_invoice_simple_history", args=[invoice.pk, first.history_id]
    )
    assert client.get(revert_url).status_code == 200
    before = _snapshot(invoice)
    assert client.post(revert_url, {}).status_code == 403
    assert _snapshot(invoice) == before


# --- Registering a payment --------------------------------------------------------------


def test_register_payments_by_hand_partly_then_fully() -> None:
    client, staff = staff_client("view_invoice", "add_invoicepayment")
    invoice = issued_invoice()
    page = client.get(_change_url(invoice))
    pay_url = reverse("admin:invoicing_invoice_pay", args=[invoice.pk])
    assert pay_url in text_of(page) and "Register a payment" in text_of(page)

    form = client.get(pay_url)
    assert form.status_code == 200
    assert form.context["form"].initial["amount"] == invoice.total_gross
    today = timezone.localdate().isoformat()
    assert f'type="date" name="value_date" value="{today}"' in text_of(form)

    response = client.post(
        pay_url,
        {"amount": "100,00", "value_date": today, "transaction_id": "BANK-1", "note": "by phone"},
        follow=True,
    )
    assert response.redirect_chain == [(_change_url(invoice), 302)]
    assert f"Payment of 100.00 registered on {invoice.number}." in text_of(response)
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_paid) == (InvoiceStatus.PARTLY_PAID, Decimal("100.00"))
    payment = InvoicePayment.objects.get()
    assert (payment.transaction_id, payment.note, payment.recorded_by, payment.source) == (
        "BANK-1",
        "by phone",
        staff,
        "manual",
    )
    assert "BANK-1" in text_of(response)  # the payments inline

    rest = invoice.amount_due
    client.post(pay_url, {"amount": str(rest), "value_date": today})
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_due, invoice.paid_on) == (
        InvoiceStatus.PAID,
        Decimal("0.00"),
        timezone.localdate(),
    )
    page = client.get(_change_url(invoice))
    assert pay_url not in text_of(page)  # nothing is due any more


@pytest.mark.parametrize(
    ("amount", "value_date", "message"),
    [
        ("0", None, services.PAYMENT_NOT_POSITIVE),
        ("-5", None, services.PAYMENT_NOT_POSITIVE),
        ("abc", None, NOT_A_NUMBER),
        ("99999.00", None, services.PAYMENT_TOO_MUCH),
        ("10.00", "tomorrow", services.PAYMENT_DATE_FUTURE),
    ],
)
def test_a_wrong_payment_is_refused_with_its_message_and_nothing_saved(
    amount: str, value_date: str | None, message: Any
) -> None:
    client, _staff = staff_client("add_invoicepayment")
    invoice = issued_invoice()
    before = _snapshot(invoice)
    day = timezone.localdate() + datetime.timedelta(days=1 if value_date else 0)
    response = client.post(
        reverse("admin:invoicing_invoice_pay", args=[invoice.pk]),
        {"amount": amount, "value_date": day.isoformat()},
    )
    assert response.status_code == 200
    expected = str(message) % {"due": invoice.total_gross} if "%(due)s" in str(message) else message
    assert escape(str(expected)) in text_of(response)
    assert not InvoicePayment.objects.exists()
    assert _snapshot(invoice) == before


def test_a_paid_or_credited_invoice_takes_no_payment() -> None:
    client, _staff = staff_client("add_invoicepayment")
    invoice = issued_invoice()
    services.credit_note_issue(invoice=invoice, acting_user=StaffFactory(), reason="cancelled")
    today = timezone.localdate().isoformat()
    response = client.post(
        reverse("admin:invoicing_invoice_pay", args=[invoice.pk]),
        {"amount": "1.00", "value_date": today},
    )
    assert response.status_code == 200
    assert escape(str(services.PAYMENT_NOT_OPEN)) in text_of(response)
    assert not InvoicePayment.objects.exists()


# --- Credit notes on the member's behalf ----------------------------------------------------


def test_partial_then_full_credit_note() -> None:
    client, staff = staff_client("view_invoice", "add_invoice")
    invoice = issued_invoice(lines=THREE_LINES)
    first, second, third = invoice.lines.order_by("position")
    page = client.get(_change_url(invoice))
    credit_url = reverse("admin:invoicing_invoice_credit", args=[invoice.pk])
    assert credit_url in text_of(page) and "Credit note" in text_of(page)

    form = client.get(credit_url)
    assert form.status_code == 200
    assert f'name="quantity-{first.pk}"' in text_of(form)
    assert "At most 10 " in text_of(form)

    response = client.post(
        credit_url,
        {
            "reason": "Two pages were not delivered",
            "scope": "lines",
            f"quantity-{first.pk}": "2",
            f"quantity-{second.pk}": "",
            f"quantity-{third.pk}": "1",
        },
        follow=True,
    )
    assert response.redirect_chain == [(_change_url(invoice), 302)]
    partial = Invoice.objects.get(kind=DocumentKind.CREDIT_NOTE)
    assert partial.number.startswith("C") and partial.number in text_of(response)
    assert (partial.credited_invoice, partial.created_by, partial.issued_by) == (
        invoice,
        staff,
        staff,
    )
    assert partial.credit_reason == "Two pages were not delivered"
    assert partial.total_net == Decimal("110.00")  # 2 × 45 + 1 × 20
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ISSUED
    assert invoice.amount_credited == partial.total_gross

    form = client.get(credit_url)
    assert "At most 8 " in text_of(form)
    assert f'name="quantity-{third.pk}"' not in text_of(form)  # fully credited already

    client.post(credit_url, {"reason": "Project cancelled", "scope": "all"})
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.CREDITED
    notes = list(invoice.credit_notes.order_by("sequence"))
    assert len(notes) == 2 and all(n.number.startswith("C") for n in notes)
    assert notes[0].sequence is not None and notes[1].sequence == notes[0].sequence + 1
    assert invoice.amount_credited == invoice.total_gross
    page_html = text_of(client.get(_change_url(invoice)))
    assert credit_url not in page_html and notes[1].number in page_html
    assert ">Credited<" in page_html
    # The credit note's own page: read-only, no buttons, pointing to the invoice.
    note_page = text_of(client.get(_change_url(notes[1])))
    assert credit_url not in note_page and _change_url(invoice) in note_page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"scope": "lines", "first": "11"}, services.CREDIT_TOO_MUCH),
        ({"scope": "lines", "first": "-1"}, services.CREDIT_QUANTITY_NEGATIVE),
        ({"scope": "lines", "first": "two"}, NOT_A_NUMBER),
        ({"scope": "lines", "first": ""}, services.CREDIT_NOTHING),
        ({"scope": "all", "reason": ""}, services.CREDIT_REASON_REQUIRED),
        ({"scope": "all", "reason": "   "}, services.CREDIT_REASON_REQUIRED),
    ],
)
def test_a_wrong_credit_note_is_refused_with_its_message_and_nothing_saved(
    data: dict[str, str], message: Any
) -> None:
    client, _staff = staff_client("add_invoice")
    invoice = issued_invoice(lines=THREE_LINES)
    before = _snapshot(invoice)
    first = invoice.lines.order_by("position").first()
    assert first is not None
    post = {"reason": data.get("reason", "Wrong"), "scope": data["scope"]}
    if "first" in data:
        post[f"quantity-{first.pk}"] = data["first"]
    response = client.post(reverse("admin:invoicing_invoice_credit", args=[invoice.pk]), post)
    assert response.status_code == 200
    expected = str(message) % {"maximum": "10"} if "%(maximum)s" in str(message) else message
    assert escape(str(expected)) in text_of(response)
    assert Invoice.objects.filter(kind=DocumentKind.CREDIT_NOTE).count() == 0
    assert _snapshot(invoice) == before
    assert (
        not NumberCounter.objects.filter(series=DocumentKind.CREDIT_NOTE)
        .exclude(last_number=0)
        .exists()
    )


def test_a_draft_cannot_be_credited() -> None:
    client, _staff = staff_client("add_invoice")
    draft = draft_invoice()
    response = client.post(
        reverse("admin:invoicing_invoice_credit", args=[draft.pk]), {"reason": "x", "scope": "all"}
    )
    assert response.status_code == 200
    assert escape(str(services.CREDIT_ONLY_ISSUED_INVOICE)) in text_of(response)
    assert Invoice.objects.count() == 1


# --- Who may do what ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("view", "needs"), [("pay", "add_invoicepayment"), ("credit", "add_invoice")]
)
def test_custom_views_need_their_permission(view: str, needs: str) -> None:
    invoice = issued_invoice()
    url = reverse(f"admin:invoicing_invoice_{view}", args=[invoice.pk])
    others = {"add_invoicepayment", "add_invoice"} - {needs}
    viewer, _staff = staff_client("view_invoice", "change_invoice", *others)
    assert viewer.get(url).status_code == 403
    post = {
        "amount": "1.00",
        "value_date": timezone.localdate().isoformat(),
        "reason": "x",
        "scope": "all",
    }
    assert viewer.post(url, post).status_code == 403
    assert url not in text_of(viewer.get(_change_url(invoice)))
    assert not InvoicePayment.objects.exists()
    assert Invoice.objects.count() == 1

    allowed, _staff = staff_client("view_invoice", needs)
    assert allowed.get(url).status_code == 200
    assert url in text_of(allowed.get(_change_url(invoice)))
    superuser, _staff = staff_client(superuser=True)
    assert superuser.get(url).status_code == 200
    assert url in text_of(superuser.get(_change_url(invoice)))


def test_staff_without_two_factor_is_sent_to_turn_it_on() -> None:
    staff = StaffFactory(mfa=False, is_superuser=True)
    client = Client()
    client.force_login(staff)
    invoice = issued_invoice()
    response = client.get(reverse("admin:invoicing_invoice_pay", args=[invoice.pk]))
    assert response.status_code == 302
    assert not InvoicePayment.objects.exists()


def test_unknown_invoice_answers_404() -> None:
    client, _staff = staff_client("add_invoice", "add_invoicepayment")
    for view in ("pay", "credit"):
        assert (
            client.get(reverse(f"admin:invoicing_invoice_{view}", args=[999999])).status_code == 404
        )


# --- Clients, activities, payments, bank lines, counters --------------------------------------


def test_clients_search_and_filter_read_only() -> None:
    client, _staff = staff_client("view_client", "change_client")
    member = MemberFactory(status="member", legal_name="Julien Renard")
    belgian = ClientFactory(member=member, name="Kouter Vertalingen BV")
    dutch = ClientFactory(
        name="Amsterdam Boeken BV", country="NL", vat_number="NL004495445B01", enterprise_number=""
    )
    person = ClientFactory(kind="person", name="Anna Peeters", vat_number="", enterprise_number="")
    name = "admin:invoicing_client_changelist"
    assert _results(client, name, q="kouter") == [belgian]
    assert _results(client, name, q="NL004495445B01") == [dutch]
    assert _results(client, name, q="BE 0403.019.261") == [belgian]
    assert _results(client, name, q="0403019261") == [belgian]
    assert _results(client, name, q="renard") == [belgian]
    assert _results(client, name, q=str(member.member_number)) == [belgian]
    assert _results(client, name, country="NL") == [dutch]
    assert _results(client, name, kind__exact="person") == [person]
    before = InvoiceClient.objects.get(pk=belgian.pk).name
    url = reverse("admin:invoicing_client_change", args=[belgian.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"name": "Changed"}).status_code == 403
    assert InvoiceClient.objects.get(pk=belgian.pk).name == before
    history = reverse("admin:invoicing_client_history", args=[belgian.pk])
    assert client.get(history).status_code == 200


def test_activities_search_and_filter() -> None:
    client, _staff = staff_client("view_activity")
    member = MemberFactory(status="member", legal_name="Julien Renard")
    theatre = ActivityFactory(member=member, name="Theatre tour 2027", kind="artistic")
    other = ActivityFactory(name="Dutch to French translation")
    name = "admin:invoicing_activity_changelist"
    assert _results(client, name, q="theatre") == [theatre]
    assert _results(client, name, q="renard") == [theatre]
    assert _results(client, name, kind__exact="other") == [other]
    url = reverse("admin:invoicing_activity_change", args=[theatre.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"name": "x"}).status_code == 403


def test_payments_list_is_read_only_and_searchable() -> None:
    client, staff = staff_client(
        "view_invoicepayment", "change_invoicepayment", "delete_invoicepayment"
    )
    invoice = issued_invoice()
    other = issued_invoice()
    payment = services.invoice_payment_register(
        invoice=invoice,
        amount=Decimal("10.00"),
        value_date=timezone.localdate(),
        acting_user=staff,
        transaction_id="TX-2026-0001",
    )
    services.invoice_payment_register(
        invoice=other, amount=Decimal("5.00"), value_date=timezone.localdate(), acting_user=staff
    )
    name = "admin:invoicing_invoicepayment_changelist"
    assert _results(client, name, q="TX-2026-0001") == [payment]
    assert _results(client, name, q=ogm_format(invoice.structured_reference)) == [payment]
    assert _results(client, name, q=invoice.number) == [payment]
    url = reverse("admin:invoicing_invoicepayment_change", args=[payment.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"amount": "1.00"}).status_code == 403
    delete = reverse("admin:invoicing_invoicepayment_delete", args=[payment.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert client.get(reverse("admin:invoicing_invoicepayment_add")).status_code == 403
    assert InvoicePayment.objects.get(pk=payment.pk).amount == Decimal("10.00")


def test_unmatched_bank_lines_are_listed_and_searchable() -> None:
    client, staff = staff_client("view_unmatchedbankline", "change_unmatchedbankline")
    invoice = issued_invoice()
    too_much = services.invoice_bank_line_book(
        structured_reference=invoice.structured_reference,
        amount=Decimal("99999.00"),
        currency="EUR",
        value_date=timezone.localdate(),
        transaction_id="TX-OVER",
        communication=ogm_format(invoice.structured_reference),
        counterparty_name="Agency",
        counterparty_iban="BE68539007547034",
        file_name="statement.csv",
        acting_user=staff,
    )
    assert too_much.outcome == "to_resolve"
    line = UnmatchedBankLine.objects.get()
    name = "admin:invoicing_unmatchedbankline_changelist"
    assert _results(client, name) == [line]
    assert _results(client, name, q="TX-OVER") == [line]
    assert _results(client, name, q=ogm_format(invoice.structured_reference)) == [line]
    assert _results(client, name, resolved__exact="1") == []
    url = reverse("admin:invoicing_unmatchedbankline_change", args=[line.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert _change_url(invoice) in text_of(page)  # the invoice its reference names
    assert client.post(url, {"resolved": "on"}).status_code == 403
    assert not UnmatchedBankLine.objects.get().resolved


def test_number_counters_are_read_only() -> None:
    client, _staff = staff_client(
        "view_numbercounter", "change_numbercounter", "add_numbercounter", "delete_numbercounter"
    )
    invoice = issued_invoice()
    counter = NumberCounter.objects.get(series=DocumentKind.INVOICE)
    assert _results(client, "admin:invoicing_numbercounter_changelist") == [counter]
    assert client.get(reverse("admin:invoicing_numbercounter_add")).status_code == 403
    url = reverse("admin:invoicing_numbercounter_change", args=[counter.pk])
    assert client.post(url, {"last_number": "0"}).status_code == 403
    assert NumberCounter.objects.get(pk=counter.pk).last_number == invoice.sequence

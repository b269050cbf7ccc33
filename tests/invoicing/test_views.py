"""Member pages of invoicing: what a member sees and can do, the errors they
read in their language, another member's ids answering 404, and the query
counts of every list and detail page pinned at two sizes."""

import datetime
from decimal import Decimal

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone, translation

from invoicing import services
from invoicing.forms import TERM_NOT_A_NUMBER
from invoicing.models import Activity, Client, DocumentKind, Invoice, InvoiceLine, InvoiceStatus
from invoicing.templatetags.invoicing import signed
from invoicing.validation import DESCRIPTION_TOO_LONG
from smartcoop.lib.numbers import NOT_A_NUMBER
from tests.factories import (
    ActivityFactory,
    ClientFactory,
    MemberFactory,
    draft_invoice,
    issued_invoice,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def invoicer():
    return MemberFactory(status="member", language="en")


@pytest.fixture
def web(invoicer) -> HttpClient:
    client = HttpClient()
    client.force_login(invoicer.user)
    return client


def _draft_post(client, activity, rows, **extra):
    data = {
        "client": client.pk,
        "activity": activity.pk,
        "supply_date": timezone.localdate().isoformat(),
        "payment_term_days": "30",
        "buyer_reference": "PO-77",
        "notes": "",
    }
    for i, (description, quantity, price, vat) in enumerate(rows):
        data |= {
            f"lines-{i}-description": description,
            f"lines-{i}-quantity": quantity,
            f"lines-{i}-unit": "HUR",
            f"lines-{i}-unit_price": price,
            f"lines-{i}-vat": vat,
        }
    return data | extra


def test_member_drafts_issues_and_credits_an_invoice(web, invoicer):
    customer = ClientFactory(member=invoicer)
    activity = ActivityFactory(member=invoicer)
    rows = [
        ("Translation", "10", "50.00", "S:21"),
        ("Books", "2", "20.00", "S:6"),
        ("Newspaper", "1", "3.00", "Z:0"),
    ]
    response = web.post(reverse("invoicing:invoice_create"), _draft_post(customer, activity, rows))
    draft = Invoice.objects.get(member=invoicer)
    assert response.status_code == 302
    assert response["Location"] == reverse("invoicing:invoice_detail", args=[draft.pk])
    assert draft.status == InvoiceStatus.DRAFT and draft.number == ""
    assert (draft.total_net, draft.total_vat, draft.total_gross) == (
        Decimal("543.00"),
        Decimal("107.40"),
        Decimal("650.40"),
    )

    page = web.get(reverse("invoicing:invoice_issue", args=[draft.pk]))
    assert "Issuing is final." in page.content.decode()
    web.post(reverse("invoicing:invoice_issue", args=[draft.pk]))
    draft.refresh_from_db()
    assert draft.status == InvoiceStatus.ISSUED
    assert draft.number == f"F{timezone.localdate().year}-000001"

    # A second POST (double click, another tab) changes nothing.
    again = web.post(reverse("invoicing:invoice_issue", args=[draft.pk]), follow=True)
    assert "has already been issued" in again.content.decode()
    assert Invoice.objects.filter(member=invoicer).count() == 1

    line = draft.lines.get(description="Translation")
    response = web.post(
        reverse("invoicing:invoice_credit", args=[draft.pk]),
        {"reason": "Two hours not worked", f"quantity-{line.pk}": "2"},
    )
    note = Invoice.objects.get(kind="credit_note")
    assert response["Location"] == reverse("invoicing:invoice_detail", args=[note.pk])
    assert note.total_gross == Decimal("121.00")
    assert note.credited_invoice == draft


def test_draft_errors_are_shown_next_to_the_lines_and_nothing_is_saved(web, invoicer):
    customer = ClientFactory(member=invoicer)
    activity = ActivityFactory(member=invoicer)
    rows = [("Translation", "0", "50.001", "S:21"), ("", "abc", "10", "X:99")]
    invoicer.language = "fr"
    invoicer.save()
    with translation.override("fr"):
        response = web.post(
            reverse("invoicing:invoice_create"),
            _draft_post(customer, activity, rows, payment_term_days="90"),
            HTTP_ACCEPT_LANGUAGE="fr",
        )
    body = response.content.decode()
    assert response.status_code == 200
    assert Invoice.objects.count() == 0 and InvoiceLine.objects.count() == 0
    with translation.override("fr"):
        for message in [
            services.TERM_TOO_LONG % {"maximum": 60},
            str(services.DESCRIPTION_REQUIRED),
            str(services.VAT_UNKNOWN),
        ]:
            assert str(message) in body
    assert 'value="Translation"' in body  # what was typed is kept


def test_another_members_client_is_not_a_choice(web, invoicer):
    stranger_client = ClientFactory()
    activity = ActivityFactory(member=invoicer)
    response = web.post(
        reverse("invoicing:invoice_create"),
        _draft_post(stranger_client, activity, [("Work", "1", "10", "S:21")]),
    )
    assert response.status_code == 200
    assert response.context["form"].errors["client"]
    assert Invoice.objects.count() == 0


def test_live_totals_come_from_the_issuing_code(web, invoicer):
    customer = ClientFactory(member=invoicer)
    activity = ActivityFactory(member=invoicer)
    rows = [("A", "3", "33.33", "S:21"), ("B", "1", "10.00005", "S:21"), ("C", "1.5", "10", "Z:0")]
    response = web.post(reverse("invoicing:invoice_totals"), _draft_post(customer, activity, rows))
    totals = response.context["totals"]["totals"]
    assert totals.net == Decimal("114.99")  # 99.99 + 15.00; the over-precise line is left out
    assert totals.vat == Decimal("21.00")  # 21 % of 99.99 = 20.9979
    assert totals.contribution == Decimal("7.47")
    assert response.context["totals"]["skipped"] == 1
    assert 'data-total="gross"' in response.content.decode()


def test_other_members_objects_answer_404(web):
    invoice = issued_invoice()
    for name, pk in [
        ("invoicing:invoice_detail", invoice.pk),
        ("invoicing:invoice_edit", invoice.pk),
        ("invoicing:invoice_issue", invoice.pk),
        ("invoicing:invoice_credit", invoice.pk),
        ("invoicing:invoice_delete", invoice.pk),
        ("invoicing:client_detail", invoice.client_id),
        ("invoicing:client_edit", invoice.client_id),
        ("invoicing:activity_detail", invoice.activity_id),
        ("invoicing:activity_edit", invoice.activity_id),
    ]:
        assert web.get(reverse(name, args=[pk])).status_code == 404, name
    assert web.post(reverse("invoicing:invoice_issue", args=[invoice.pk])).status_code == 404
    assert (
        web.post(reverse("invoicing:client_archive", args=[invoice.client_id])).status_code == 404
    )


def test_an_issued_invoice_cannot_be_edited_or_deleted_from_the_pages(web, invoicer):
    invoice = issued_invoice(invoicer)
    edit = web.post(reverse("invoicing:invoice_edit", args=[invoice.pk]), {"notes": "changed"})
    delete = web.post(reverse("invoicing:invoice_delete", args=[invoice.pk]))
    assert edit.status_code == delete.status_code == 302
    invoice.refresh_from_db()
    assert invoice.notes == "" and invoice.status == InvoiceStatus.ISSUED


def test_draft_can_be_edited_and_deleted(web, invoicer):
    draft = draft_invoice(invoicer)
    data = _draft_post(draft.client, draft.activity, [("New text", "1", "99.00", "S:21")])
    web.post(reverse("invoicing:invoice_edit", args=[draft.pk]), data)
    draft.refresh_from_db()
    assert [line.description for line in draft.lines.all()] == ["New text"]
    assert draft.total_gross == Decimal("119.79")
    web.post(reverse("invoicing:invoice_delete", args=[draft.pk]))
    assert not Invoice.objects.filter(pk=draft.pk).exists()


def test_client_form_validates_and_derives_the_peppol_id(web, invoicer):
    url = reverse("invoicing:client_create")
    bad = web.post(
        url,
        {
            "kind": "company",
            "name": "Bad BV",
            "country": "BE",
            "vat_number": "BE0403019262",
            "language": "nl",
        },
    )
    assert bad.status_code == 200 and Client.objects.count() == 0
    assert bad.context["form"].errors["vat_number"]
    no_country = web.post(url, {"kind": "company", "name": "Abroad", "language": "en"})
    assert no_country.context["form"].errors["country"] == [str(services.COUNTRY_REQUIRED)]
    good = web.post(
        url,
        {
            "kind": "company",
            "name": "Agency BV",
            "street": "Kouter 1",
            "postal_code": "9000",
            "city": "Gent",
            "country": "BE",
            "vat_number": "be 0403.019.261",
            "language": "nl",
        },
    )
    client = Client.objects.get()
    assert good["Location"] == reverse("invoicing:client_detail", args=[client.pk])
    assert (client.vat_number, client.enterprise_number) == ("BE0403019261", "0403019261")
    assert client.peppol_participant == "0208:0403019261"


def test_activity_form(web, invoicer):
    url = reverse("invoicing:activity_create")
    web.post(url, {"name": "Theatre tour 2027", "kind": "artistic", "budget": "12000,50"})
    activity = Activity.objects.get(member=invoicer)
    assert activity.budget == Decimal("12000.50") and activity.kind == "artistic"
    duplicate = web.post(url, {"name": "theatre TOUR 2027", "kind": "other"})
    assert duplicate.context["form"].errors["name"] == [str(services.ACTIVITY_NAME_TAKEN)]
    negative = web.post(url, {"name": "Other", "kind": "other", "budget": "-5"})
    assert negative.context["form"].errors["budget"] == [str(services.BUDGET_NEGATIVE)]
    assert Activity.objects.filter(member=invoicer).count() == 1


def test_list_filters_live_in_the_url(web, invoicer):
    paid = issued_invoice(invoicer)
    services.invoice_payment_register(
        invoice=paid, amount=paid.total_gross, value_date=paid.issue_date, acting_user=invoicer.user
    )
    open_invoice = issued_invoice(invoicer, client=paid.client, activity=paid.activity)
    response = web.get(reverse("invoicing:invoice_list"), {"status": "paid"})
    assert [i.pk for i in response.context["page"].object_list] == [paid.pk]
    response = web.get(reverse("invoicing:invoice_list"), {"q": open_invoice.number})
    assert [i.pk for i in response.context["page"].object_list] == [open_invoice.pk]
    assert response.context["query"] == f"q={open_invoice.number}"


def test_csv_export_of_a_period(web, invoicer):
    invoice = issued_invoice(invoicer)
    note = services.credit_note_issue(invoice=invoice, acting_user=invoicer.user, reason="oops")
    today = timezone.localdate()
    response = web.get(
        reverse("invoicing:invoice_export"),
        {"date_from": today.replace(day=1).isoformat(), "date_to": today.isoformat()},
    )
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = [line.split(";") for line in body.strip().splitlines()]
    assert rows[0][0] == "number"
    assert [r[0] for r in rows[1:]] == [invoice.number, note.number]
    assert rows[2][11] == f"-{note.total_gross}"
    assert rows[2][17] == invoice.number
    bad = web.get(
        reverse("invoicing:invoice_export"),
        {"date_from": today.isoformat(), "date_to": "2020-01-01"},
    )
    assert bad.status_code == 200 and bad.context["form"].non_field_errors()


def test_dashboard_shows_the_members_figures(web, invoicer):
    invoice = issued_invoice(invoicer)
    draft_invoice(invoicer, client=invoice.client, activity=invoice.activity)
    response = web.get(reverse("dashboard"))
    figures = response.context["invoicing"]
    assert figures.drafts == 1
    assert figures.outstanding == invoice.total_gross
    assert figures.months[-1].net == invoice.total_net
    assert len(response.context["bars"]) == 12
    assert "<svg" in response.content.decode()


# --- Query counts (style.md, item 8) --------------------------------------------------


def _make_invoices(member, n):
    customer = ClientFactory(member=member)
    activity = ActivityFactory(member=member)
    for _ in range(n):
        issued_invoice(
            member,
            client=customer,
            activity=activity,
            lines=[("A", "1", "10", "S:21"), ("B", "2", "5", "S:6")],
        )
    return Invoice.objects.filter(member=member).order_by("pk")


def _count(web, django_assert_max_num_queries, url):
    with django_assert_max_num_queries(50) as captured:
        response = web.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize(
    "page_name",
    [
        "invoice_list",
        "client_list",
        "activity_list",
        "dashboard",
        "invoice_detail",
        "client_detail",
        "activity_detail",
    ],
)
def test_pages_run_a_fixed_number_of_queries(
    page_name, web, invoicer, django_assert_max_num_queries
):
    """The same count for 1 invoice as for 12 (with their lines, payments and
    credit notes): session, user, member, then the page's own queries."""
    invoices = _make_invoices(invoicer, 1)

    def url():
        first = invoices.first()
        assert first is not None
        if page_name == "dashboard":
            return reverse("dashboard")
        if page_name.endswith("_detail"):
            target = {
                "invoice_detail": first.pk,
                "client_detail": first.client_id,
                "activity_detail": first.activity_id,
            }[page_name]
            return reverse(f"invoicing:{page_name}", args=[target])
        return reverse(f"invoicing:{page_name}")

    small = _count(web, django_assert_max_num_queries, url())
    first = invoices.first()
    assert first is not None
    for _ in range(11):
        issued_invoice(
            invoicer,
            client=first.client,
            activity=first.activity,
            lines=[("A", "1", "10", "S:21"), ("B", "2", "5", "S:6"), ("C", "1", "1", "Z:0")],
        )
    services.invoice_payment_register(
        invoice=first,
        amount=Decimal("1.00"),
        value_date=first.issue_date,
        acting_user=invoicer.user,
    )
    services.credit_note_issue(
        invoice=first,
        acting_user=invoicer.user,
        reason="test",
        quantities={first.lines.first().pk: Decimal("1")},
    )
    large = _count(web, django_assert_max_num_queries, url())
    assert small == large


def test_late_payment_figures_on_an_overdue_invoice(web, invoicer):
    long_ago = timezone.localdate() - datetime.timedelta(days=100)
    invoice = issued_invoice(invoicer, supply_date=long_ago, today=long_ago)
    response = web.get(reverse("invoicing:invoice_detail", args=[invoice.pk]))
    assert response.context["status"] == "overdue"
    late = response.context["late"]
    assert late.days_late == 70 and late.compensation == Decimal("40.00")
    assert late.interest > 0


# --- Numbers as members type them (smartcoop.lib.numbers) -----------------------------


@pytest.mark.parametrize(
    ("language", "quantity", "price", "expected"),
    [
        ("nl", "2,5", "1.234,56", ("2.500", "1234.5600")),
        ("fr", "2,5", "1 234,56", ("2.500", "1234.5600")),
        ("en", "2.5", "1,234.56", ("2.500", "1234.5600")),
        ("nl", "1.000", "12,5", ("1000.000", "12.5000")),  # one dot and three digits: thousands
        ("en", "1.000", "12.5", ("1.000", "12.5000")),  # the same typed on an English page
        ("nl", "3", "1234.56", ("3.000", "1234.5600")),  # a decimal point is read on any page
    ],
)
def test_lines_are_read_as_the_member_writes_numbers(
    web, invoicer, language, quantity, price, expected
):
    customer, activity = ClientFactory(member=invoicer), ActivityFactory(member=invoicer)
    invoicer.language = language  # the pages speak the member's language
    invoicer.save()
    response = web.post(
        reverse("invoicing:invoice_create"),
        _draft_post(customer, activity, [("Work", quantity, price, "S:21")]),
    )
    assert response.status_code == 302, response.context["rows"]
    line = InvoiceLine.objects.get()
    assert (str(line.quantity), str(line.unit_price)) == expected


def test_numbers_that_cannot_be_read_are_refused_beside_their_input_with_the_rest_checked(
    web, invoicer
):
    customer, activity = ClientFactory(member=invoicer), ActivityFactory(member=invoicer)
    rows = [
        ("Work", "two", "10", "S:21"),
        ("", "1", "ten euro", "X:1"),
        ("Fine", "1", "1", "S:21"),
    ]
    response = web.post(
        reverse("invoicing:invoice_create"),
        _draft_post(customer, activity, rows, payment_term_days="thirty"),
    )
    assert response.status_code == 200
    assert Invoice.objects.count() == 0 and InvoiceLine.objects.count() == 0
    rows_shown = {row["index"]: row["errors"] for row in response.context["rows"]}
    assert rows_shown[0]["quantity"] == [str(NOT_A_NUMBER)]
    assert rows_shown[1]["unit_price"] == [str(NOT_A_NUMBER)]
    assert rows_shown[1]["description"] == [str(services.DESCRIPTION_REQUIRED)]
    assert rows_shown[1]["vat"] == [str(services.VAT_UNKNOWN)]
    assert not any(rows_shown[2].values())
    assert response.context["form"].errors["payment_term_days"] == [str(TERM_NOT_A_NUMBER)]
    body = response.content.decode()
    assert 'value="two"' in body and 'value="ten euro"' in body  # kept as typed


def test_a_description_too_long_is_refused_never_cut(web, invoicer):
    customer, activity = ClientFactory(member=invoicer), ActivityFactory(member=invoicer)
    long = "word " * 70  # 350 characters
    response = web.post(
        reverse("invoicing:invoice_create"),
        _draft_post(customer, activity, [(long.strip(), "1", "10", "S:21")]),
    )
    assert response.status_code == 200
    assert Invoice.objects.count() == 0
    [row] = [row for row in response.context["rows"] if row["errors"]]
    assert row["errors"]["description"] == [
        str(DESCRIPTION_TOO_LONG) % {"maximum": 300, "length": len(long.strip())}
    ]


def test_an_activity_budget_is_read_in_the_members_language(web, invoicer):
    invoicer.language = "nl"
    invoicer.save()
    response = web.post(
        reverse("invoicing:activity_create"),
        {"name": "Vertalingen", "kind": "other", "budget": "12.500,5", "description": ""},
    )
    assert response.status_code == 302
    assert Activity.objects.get(name="Vertalingen").budget == Decimal("12500.50")
    refused = web.post(
        reverse("invoicing:activity_create"),
        {"name": "Other", "kind": "other", "budget": "lots", "description": ""},
    )
    assert refused.status_code == 200
    assert refused.context["form"].errors["budget"] == [str(NOT_A_NUMBER)]
    assert not Activity.objects.filter(name="Other").exists()


def test_a_credited_quantity_that_cannot_be_read_is_refused_beside_its_line(web, invoicer):
    invoice = issued_invoice(invoicer)
    line = invoice.lines.get()
    response = web.post(
        reverse("invoicing:invoice_credit", args=[invoice.pk]),
        {"reason": "Too many pages", f"quantity-{line.pk}": "a lot"},
    )
    assert response.status_code == 200
    [row] = response.context["rows"]
    assert row["errors"] == [str(NOT_A_NUMBER)]
    assert Invoice.objects.filter(kind="credit_note").count() == 0
    done = web.post(
        reverse("invoicing:invoice_credit", args=[invoice.pk]),
        {"reason": "Too many pages", f"quantity-{line.pk}": "1,5"},
    )
    assert done.status_code == 302
    note = Invoice.objects.get(kind="credit_note")
    assert note.lines.get().quantity == Decimal("1.500")


@pytest.mark.parametrize(
    ("kind", "language", "shown"),
    [
        (DocumentKind.INVOICE, "nl", "€ 1.234,50"),
        (DocumentKind.CREDIT_NOTE, "nl", "\u2212€ 1.234,50"),
        (DocumentKind.CREDIT_NOTE, "en", "\u2212€1,234.50"),
    ],
)
def test_a_credit_notes_amounts_are_shown_negative_and_an_invoices_not(kind, language, shown):
    """The one convention of the invoice tables and the invoice page (the
    `signed` filter): a minus sign before a credit note's amount."""
    with translation.override(language):
        assert signed(Invoice(kind=kind), Decimal("1234.5")) == shown
    assert signed(Invoice(kind=kind), None) == ""

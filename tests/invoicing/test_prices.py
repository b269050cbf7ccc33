"""Prices as members quote them (issue 22): unit prices with up to 4
decimals, the line amount rounded once half up to the cent, the price shown
with the decimals it has on the pages, the PDF and the e-invoice; a fifth
decimal refused; quantities written per language; a €0.00 invoice refused."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from documents import services as documents_services
from documents.models import InvoiceDocument
from invoicing import services
from invoicing.calculation import format_price, line_net
from invoicing.models import Invoice, InvoiceLine
from invoicing.services import ZERO_TOTAL
from invoicing.templatetags.invoicing import price, quantity
from invoicing.validation import PRICE_TOO_PRECISE
from tests.factories import ActivityFactory, ClientFactory, MemberFactory, invoice_lines
from tests.helpers import logged_in
from tests.invoicing.support import TODAY, counts, draft, issue
from tests.workers import pdf_text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("on_today")]


@pytest.fixture
def me():
    member = MemberFactory(status="member", language="en")
    ClientFactory(member=member)
    ActivityFactory(member=member)
    return member


def save(member, lines, **kwargs):
    """Save a draft with the member's first client and activity (made before
    the rows are counted)."""
    return services.invoice_draft_save(
        member=member,
        acting_user=member.user,
        client=member.clients.first(),
        activity=member.activities.first(),
        supply_date=TODAY,
        payment_term_days=30,
        lines=invoice_lines(lines),
        **kwargs,
    )


# --- The arithmetic ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("quantity_", "unit_price", "net"),
    [
        ("1250", "0.085", "106.25"),  # a translation per word
        ("3", "0.0125", "0.04"),  # 0.0375: half up
        ("1", "0.005", "0.01"),  # exactly half a cent goes up
        ("1", "0.0049", "0.00"),
        ("3671", "0.0167", "61.31"),  # transcription per second: 61.3057
        ("2.5", "1234.5678", "3086.42"),  # 3086.4195
    ],
)
def test_the_line_amount_is_quantity_times_price_rounded_half_up_once(quantity_, unit_price, net):
    assert line_net(Decimal(quantity_), Decimal(unit_price)) == Decimal(net)


def test_a_four_decimal_price_is_kept_on_the_line_and_issued(me):
    invoice = issue(draft(me, lines=[("Translation, per word", "1250", "0.085", "S:21")]))
    line = invoice.lines.get()
    assert line.unit_price == Decimal("0.0850") and line.net_amount == Decimal("106.25")
    assert invoice.total_net == Decimal("106.25") and invoice.total_vat == Decimal("22.31")


@pytest.mark.parametrize("unit_price", ["0.08555", "1.00001", "0.000001"])
def test_a_fifth_decimal_is_refused_with_its_own_message_and_nothing_saved(me, unit_price):
    before = counts()
    with pytest.raises(ValidationError) as caught:
        save(me, [("Words", "100", unit_price, "S:21")])
    assert caught.value.message_dict["lines-0-unit_price"] == [str(PRICE_TOO_PRECISE)]
    assert counts() == before


@pytest.mark.parametrize(
    ("language", "words"),
    [("nl", "hoogstens 4 decimalen"), ("fr", "au plus 4 décimales"), ("en", "at most 4 decimals")],
)
def test_the_fifth_decimal_message_is_translated(language, words):
    with translation.override(language):
        assert words in str(PRICE_TOO_PRECISE)


# --- What the member sees ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "value", "shown"),
    [
        ("nl", "0.0850", "€ 0,085"),
        ("fr", "0.0125", "€ 0,0125"),
        ("en", "0.0850", "€0.085"),
        ("nl", "85.0000", "€ 85,00"),
        ("en", "85.5000", "€85.50"),
        ("nl", "1234.5678", "€ 1.234,5678"),
        ("en", "1234567.1200", "€1,234,567.12"),
        ("fr", "0", "€ 0,00"),
    ],
)
def test_a_price_shows_the_decimals_it_has_and_at_least_the_cents(language, value, shown):
    assert format_price(Decimal(value), language) == shown
    with translation.override(language):
        assert price(Decimal(value)) == shown


@pytest.mark.parametrize(
    ("language", "value", "shown"),
    [
        ("nl", "2.500", "2,5"),
        ("fr", "2.500", "2,5"),
        ("en", "2.500", "2.5"),
        ("en", "3.000", "3"),
        ("nl", "0.125", "0,125"),
        ("nl", "1250.000", "1250"),
    ],
)
def test_a_quantity_is_written_as_the_language_writes_it_never_padded(language, value, shown):
    with translation.override(language):
        assert quantity(Decimal(value)) == shown


def test_the_invoice_page_shows_the_price_and_quantity_as_typed(me):
    invoice = issue(draft(me, lines=[("Words", "2.5", "0.085", "S:21")]))
    me.language = "nl"
    me.save()
    page = logged_in(me.user).get(reverse("invoicing:invoice_detail", args=[invoice.pk]))
    text = page.content.decode()
    assert "€ 0,085" in text and "2,5 " in text
    assert "2,500" not in text and "€ 0,0850" not in text


def test_the_draft_form_takes_a_four_decimal_price_in_the_members_language(me):
    client = ClientFactory(member=me)
    activity = ActivityFactory(member=me)
    me.language = "nl"  # the pages speak the member's language
    me.save()
    browser = logged_in(me.user)
    form = {
        "client": client.pk,
        "activity": activity.pk,
        "supply_date": TODAY.isoformat(),
        "payment_term_days": "30",
        "lines-0-description": "Vertaling per woord",
        "lines-0-quantity": "1.250",  # nl: one thousand two hundred and fifty
        "lines-0-unit": "D68",
        "lines-0-unit_price": "0,085",
        "lines-0-vat": "S:21",
    }
    response = browser.post(reverse("invoicing:invoice_create"), form)
    assert response.status_code == 302, response.content.decode()[:2000]
    line = InvoiceLine.objects.get(invoice__member=me)
    assert line.quantity == Decimal("1250") and line.unit_price == Decimal("0.085")
    assert line.net_amount == Decimal("106.25")


def test_the_draft_form_refuses_a_fifth_decimal_next_to_the_price(me):
    form = {
        "client": ClientFactory(member=me).pk,
        "activity": ActivityFactory(member=me).pk,
        "supply_date": TODAY.isoformat(),
        "payment_term_days": "30",
        "lines-0-description": "Words",
        "lines-0-quantity": "100",
        "lines-0-unit": "D68",
        "lines-0-unit_price": "0.08555",
        "lines-0-vat": "S:21",
    }
    response = logged_in(me.user).post(reverse("invoicing:invoice_create"), form)
    assert response.status_code == 200
    assert "at most 4 decimals" in response.content.decode()
    assert not Invoice.objects.filter(member=me).exists()


def test_the_pdf_prints_the_price_with_its_decimals(me, django_capture_on_commit_callbacks):
    client = ClientFactory(member=me, language="fr")
    with django_capture_on_commit_callbacks(execute=True):
        invoice = issue(
            draft(
                me,
                client=client,
                lines=[
                    ("Traduction par mot", "1250", "0.085", "S:21"),
                    ("Relecture", "2.5", "40", "S:21"),
                ],
            )
        )
    text = pdf_text(
        documents_services.document_read(InvoiceDocument.objects.get(invoice=invoice, format="pdf"))
    )
    assert "€ 0,085" in text and "€ 0,0850" not in text
    assert "€ 40,00" in text and "2,5" in text and "2,500" not in text
    assert "€ 106,25" in text


# --- A €0.00 invoice ---------------------------------------------------------------------


def test_a_zero_invoice_is_refused_at_the_draft_check_saying_why(me):
    before = counts()
    with pytest.raises(ValidationError) as caught:
        save(me, [("Free advice", "1", "0", "S:21"), ("Gift", "3", "0.001", "S:21")])
    assert caught.value.message_dict["__all__"] == [str(ZERO_TOTAL)]
    assert counts() == before


def test_a_free_line_beside_a_paid_one_is_fine(me):
    invoice = issue(
        draft(me, lines=[("Free advice", "1", "0", "S:21"), ("Work", "1", "10", "S:21")])
    )
    assert invoice.total_net == Decimal("10.00")


def test_a_zero_draft_is_refused_at_issue_and_on_the_confirmation_page(me):
    invoice = draft(me, lines=[("Work", "1", "10", "S:21")])
    # A draft that came to zero by other means (an edit outside the forms).
    InvoiceLine.objects.filter(invoice=invoice).update(unit_price=Decimal(0), net_amount=0)
    check = services.invoice_issue_check(invoice=invoice, today=TODAY)
    assert str(ZERO_TOTAL) in check.errors
    with pytest.raises(ValidationError) as caught:
        issue(invoice)
    assert str(ZERO_TOTAL) in caught.value.messages
    invoice.refresh_from_db()
    assert invoice.is_draft and invoice.number == ""


@pytest.mark.parametrize(
    ("language", "words"), [("nl", "€0,00"), ("fr", "0,00 €"), ("en", "€0.00")]
)
def test_the_zero_message_is_translated(language, words):
    with translation.override(language):
        assert words in str(ZERO_TOTAL)

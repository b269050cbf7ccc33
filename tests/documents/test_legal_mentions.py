"""Every mention the law asks for (issue 22): the register of legal entities
with the court of the seat next to the enterprise number (WVV art. 2:20), in
every language, from settings; a credit note labels its own date, names the
credited invoice with its date and shows its totals with one sign on the
page, the PDF and the list; a line's description shows its maximum length
and is refused past it, never cut."""

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.urls import reverse

from documents import services as documents_services
from documents.models import InvoiceDocument
from invoicing.models import Invoice
from invoicing.validation import DESCRIPTION_MAX
from tests.factories import ActivityFactory, ClientFactory, MemberFactory
from tests.helpers import logged_in, text_of
from tests.invoicing.support import TODAY, counts, credit, issued
from tests.workers import pdf_text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("on_today")]

MINUS = "\u2212"


@pytest.fixture
def me():
    return MemberFactory(status="member", language="en")


def pdf_of(invoice: Invoice) -> str:
    document = InvoiceDocument.objects.get(invoice=invoice, format="pdf")
    return pdf_text(documents_services.document_read(document))


@pytest.mark.parametrize(
    ("language", "register"),
    [
        ("nl", "RPR Brussel, Franstalige afdeling"),
        ("fr", "RPM Bruxelles, division francophone"),
        ("en", "RLE Brussels, French-speaking division"),
    ],
)
def test_the_pdf_prints_the_register_and_court_next_to_the_enterprise_number(
    me, django_capture_on_commit_callbacks, language, register
):
    client = ClientFactory(member=me, language=language)
    with django_capture_on_commit_callbacks(execute=True):
        invoice = issued(me, client=client)
    assert invoice.seller["register"][language] == register
    text = pdf_of(invoice)
    assert f"0896755397 · {register}" in text


def test_the_register_comes_from_settings_and_an_issued_invoice_keeps_its_own(
    me, django_capture_on_commit_callbacks
):
    client = ClientFactory(member=me, language="nl")
    with django_capture_on_commit_callbacks(execute=True):
        before = issued(me, client=client)
    moved = {"nl": "RPR Gent, afdeling Gent", "fr": "RPM Gand, division Gand", "en": "RLE Ghent"}
    with (
        override_settings(COOPERATIVE_REGISTER=moved),
        django_capture_on_commit_callbacks(execute=True),
    ):
        after = issued(me, client=client)
    assert "RPR Gent, afdeling Gent" in pdf_of(after)
    before.refresh_from_db()
    assert before.seller["register"]["nl"] == "RPR Brussel, Franstalige afdeling"


@override_settings(COOPERATIVE_REGISTER={"nl": "", "fr": "RPM Bruxelles", "en": "RLE Brussels"})
def test_issuing_is_refused_without_the_register_in_every_language(me):
    before = counts()
    with pytest.raises(ValidationError) as caught:
        issued(me)
    assert any("COOPERATIVE_REGISTER" in message for message in caught.value.messages)
    assert counts()["Invoice"] == before["Invoice"] + 1  # the draft, never issued
    assert not Invoice.objects.exclude(number="").exists()


# --- Credit notes --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "own_date", "invoice_date"),
    [
        ("nl", "Creditnotadatum", "Factuurdatum"),
        ("fr", "Date de la note de crédit", "Date de facture"),
        ("en", "Credit note date", "Invoice date"),
    ],
)
def test_a_credit_note_labels_its_own_date_and_names_the_invoice_with_its_date(
    me, django_capture_on_commit_callbacks, language, own_date, invoice_date
):
    client = ClientFactory(member=me, language=language)
    with django_capture_on_commit_callbacks(execute=True):
        invoice = issued(me, client=client)
        note = credit(invoice)
    text = pdf_of(note)
    assert own_date in text and invoice_date not in text
    assert f"{invoice.number} ({invoice.issue_date:%d/%m/%Y})" in text
    assert invoice_date in pdf_of(invoice)


def test_a_credit_note_shows_its_totals_negative_on_the_pdf_the_page_and_the_list(
    me, django_capture_on_commit_callbacks
):
    client = ClientFactory(member=me, language="en")
    with django_capture_on_commit_callbacks(execute=True):
        invoice = issued(me, client=client)  # 12 × 45.00 at 21 %: €653.40
        note = credit(invoice)
    amount = f"{MINUS}€653.40"
    assert amount in pdf_of(note)
    assert f"{MINUS}€540.00" in pdf_of(note) and f"{MINUS}€113.40" in pdf_of(note)
    assert MINUS not in pdf_of(invoice)
    browser = logged_in(me.user)
    page = text_of(browser.get(reverse("invoicing:invoice_detail", args=[note.pk])))
    assert amount in page and "Credit note date" in page
    assert f"{invoice.number}</a> ({invoice.issue_date:%d/%m/%Y})" in page
    listing = text_of(browser.get(reverse("invoicing:invoice_list")))
    assert amount in listing


# --- The description's length --------------------------------------------------------------


def test_the_form_shows_the_descriptions_maximum_and_lets_the_browser_cut_nothing(me):
    page = logged_in(me.user).get(reverse("invoicing:invoice_create"))
    html = page.content.decode()
    assert f"At most {DESCRIPTION_MAX} characters." in html
    assert 'maxlength="300"' not in html


def test_a_description_past_the_maximum_is_refused_never_cut(me):
    client, activity = ClientFactory(member=me), ActivityFactory(member=me)
    before = counts()
    response = logged_in(me.user).post(
        reverse("invoicing:invoice_create"),
        {
            "client": client.pk,
            "activity": activity.pk,
            "supply_date": TODAY.isoformat(),
            "payment_term_days": "30",
            "lines-0-description": "x" * 10_000,
            "lines-0-quantity": "1",
            "lines-0-unit": "C62",
            "lines-0-unit_price": "10",
            "lines-0-vat": "S:21",
        },
    )
    assert response.status_code == 200
    assert "at most 300 characters (this one has 10000)" in response.content.decode()
    assert counts() == before

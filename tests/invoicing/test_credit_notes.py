"""Credit notes (issue 5): the only correction of an issued invoice. Full or
partial, never more than remains, in their own series, with the statutory
wording, giving the contribution back in proportion and exactly in full."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from invoicing import services
from invoicing.calculation import vat_options
from invoicing.models import DocumentKind, Invoice, InvoiceStatus
from members.models import Member
from rules.selectors import rules_on
from smartcoop.lib.numbers import NOT_A_NUMBER, TOO_PRECISE
from smartcoop.lib.ogm import ogm_from_number, ogm_is_valid
from tests.factories import ClientFactory, MemberFactory
from tests.invoicing.support import TODAY, counts, credit, draft, issued

pytestmark = pytest.mark.django_db

MENTION = {
    "nl": "Btw terug te storten aan de Staat in de mate waarin ze oorspronkelijk in aftrek werd "
    "gebracht.",
    "fr": "TVA à reverser à l'État dans la mesure où elle a été initialement déduite.",
    "en": "VAT to be repaid to the State insofar as it was initially deducted.",
}
TWO_LINES = [
    ("Translation NL>FR, 12 pages", "12", "45.00", "S:21"),
    ("Recital", "1", "600.00", "E:art44_2_8"),
]


@pytest.fixture
def me() -> Member:
    return MemberFactory(status="member")


def _line_ids(invoice: Invoice) -> list[int]:
    return list(invoice.lines.order_by("position").values_list("pk", flat=True))


@pytest.mark.parametrize("language", ["nl", "fr", "en"])
def test_a_full_credit_note_mirrors_the_invoice(me, language):
    client = ClientFactory(member=me, language=language, sector="show_organiser")
    invoice = issued(me, client=client, lines=TWO_LINES)
    note = credit(invoice, reason="  Ordered twice  ", today=TODAY + datetime.timedelta(days=2))
    note.refresh_from_db()
    invoice.refresh_from_db()
    assert note.kind == DocumentKind.CREDIT_NOTE and note.status == InvoiceStatus.ISSUED
    assert note.credited_invoice == invoice
    assert (note.series, note.year, note.sequence, note.number) == (
        "credit_note",
        2026,
        1,
        "C2026-000001",
    )
    assert note.issue_date == note.due_date == datetime.date(2026, 11, 22)
    assert note.credit_reason == "Ordered twice"
    assert note.structured_reference == ogm_from_number(2_000_000_000 + note.pk)
    assert ogm_is_valid(note.structured_reference)
    assert (
        (note.total_net, note.total_vat, note.total_gross)
        == (
            invoice.total_net,
            invoice.total_vat,
            invoice.total_gross,
        )
        == (Decimal("1140.00"), Decimal("113.40"), Decimal("1253.40"))
    )
    assert note.contribution == invoice.contribution == Decimal("74.10")
    assert note.vat_breakdown == invoice.vat_breakdown
    assert (note.seller, note.buyer, note.language) == (
        invoice.seller,
        invoice.buyer,
        invoice.language,
    )
    # The original's mentions (the art. 44 exemption), then the statutory wording.
    assert len(note.mentions) == 2
    assert note.mentions[0] == invoice.mentions[0]
    assert note.mentions[1] == MENTION[language]
    # The rules of the day of the credit note, and the VAT rules of the supply date.
    keys = ["invoicing.number_format", "invoicing.credit_note_mention"]
    expected_rules = rules_on(keys, on=note.issue_date).provenance()
    assert note.rules_used == expected_rules | vat_options(invoice.supply_date)[1]
    credited = list(
        note.lines.order_by("position").values_list(
            "credits_line_id", "quantity", "unit_price", "vat_category", "net_amount"
        )
    )
    assert credited == [
        (_line_ids(invoice)[0], Decimal("12.000"), Decimal("45.00"), "S", Decimal("540.00")),
        (_line_ids(invoice)[1], Decimal("1.000"), Decimal("600.00"), "E", Decimal("600.00")),
    ]
    assert invoice.status == InvoiceStatus.CREDITED
    assert invoice.amount_credited == invoice.total_gross
    assert invoice.contribution_credited == invoice.contribution
    assert invoice.amount_due == Decimal("0.00")
    assert services.creditable_quantities(invoice) == {
        pk: Decimal("0.000") for pk in _line_ids(invoice)
    }
    # Nothing is left to credit.
    with pytest.raises(ValidationError) as exc:
        credit(invoice)
    assert exc.value.messages == [str(services.CREDIT_NOTHING)]


def test_a_partial_credit_gives_back_the_contribution_in_proportion(me):
    invoice = issued(me, lines=TWO_LINES)
    pages, recital = _line_ids(invoice)
    note = credit(invoice, quantities={pages: Decimal("1")})
    # 45.00 of 1140.00: 74.10 x 45 / 1140 = 2.925 -> 2.93 (half up)
    assert (note.total_net, note.total_vat, note.total_gross, note.contribution) == (
        Decimal("45.00"),
        Decimal("9.45"),
        Decimal("54.45"),
        Decimal("2.93"),
    )
    assert note.lines.get().credits_line_id == pages
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ISSUED
    assert (invoice.amount_credited, invoice.contribution_credited) == (
        Decimal("54.45"),
        Decimal("2.93"),
    )
    assert invoice.amount_due == Decimal("1198.95")
    assert services.creditable_quantities(invoice) == {pages: Decimal("11"), recital: Decimal("1")}
    # Only the 21% line is credited: the recital's exemption mention is not repeated.
    assert invoice.mentions == ["Vrijstelling van btw: artikel 44, § 2, 8°, van het Btw-Wetboek."]
    assert note.mentions == [MENTION["nl"]]
    recital_note = credit(invoice, quantities={recital: Decimal("1")})
    assert recital_note.mentions == [*invoice.mentions, MENTION["nl"]]


def test_several_partial_credits_then_more_than_remains(me):
    invoice = issued(me, lines=TWO_LINES)
    pages, recital = _line_ids(invoice)
    first = credit(invoice, quantities={pages: Decimal("5")})
    second = credit(invoice, quantities={pages: Decimal("5.000"), recital: Decimal("0")})
    assert [first.number, second.number] == ["C2026-000001", "C2026-000002"]
    # 74.10 x 225 / 1140 = 14.625 -> 14.63, twice
    assert first.contribution == second.contribution == Decimal("14.63")
    before = counts()
    with pytest.raises(ValidationError) as exc:
        credit(invoice, quantities={pages: Decimal("3"), recital: Decimal("1")})
    assert exc.value.message_dict == {
        f"quantity-{pages}": [str(services.CREDIT_TOO_MUCH) % {"maximum": "2"}]
    }
    assert counts() == before
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ISSUED
    assert invoice.contribution_credited == Decimal("29.26")
    # What remains, exactly: the contribution comes back to the cent.
    last = credit(invoice, quantities={pages: Decimal("2"), recital: Decimal("1")})
    assert last.total_net == Decimal("690.00")
    assert last.contribution == Decimal("74.10") - Decimal("29.26")
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.CREDITED
    assert invoice.amount_credited == invoice.total_gross == Decimal("1253.40")
    assert invoice.contribution_credited == invoice.contribution
    assert sum(n.contribution for n in invoice.credit_notes.all()) == invoice.contribution


@pytest.mark.parametrize(
    ("price", "quantity"),
    [
        ("2.50", "2"),  # each half: 2.50 x 21% = 0.525 -> 0.53; the whole: 1.05
        ("2.02", "2"),  # each half: 0.4242 -> 0.42; the whole: 0.8484 -> 0.85
        ("0.05", "1"),  # in halves of 0.5: 0.025 -> 0.03 each, 0.06 for a 0.05 line
    ],
)
def test_crediting_every_line_in_steps_credits_the_invoice_exactly(me, price, quantity):
    """A member credits an invoice in two steps, each taking half of every
    line: once every quantity is credited, the invoice is credited, to the
    cent. Each credit note rounds its own VAT (and line nets), so the halves
    may add up to a cent more or less than the invoice."""
    invoice = issued(me, lines=[("Item", quantity, price, "S:21")])
    (line,) = _line_ids(invoice)
    half = Decimal(quantity) / 2
    credit(invoice, quantities={line: half})
    credit(invoice, quantities={line: half})  # everything that remains
    invoice.refresh_from_db()
    assert services.creditable_quantities(invoice) == {line: Decimal(0)}
    assert invoice.amount_credited == invoice.total_gross
    assert invoice.status == InvoiceStatus.CREDITED
    assert invoice.amount_due == Decimal("0.00")
    assert invoice.contribution_credited == invoice.contribution


def test_the_contribution_given_back_never_exceeds_what_remains(me):
    """4 x 0.08 (net 0.32, contribution 0.0208 -> 0.02), credited one unit at a
    time: each step gives back round_half_up(0.02 / 4) = 0.01, so after three
    steps 0.03 has been given back of a 0.02 contribution, and the last note
    carries -0.01."""
    invoice = issued(me, lines=[("Stamp", "4", "0.08", "Z:0")])
    assert invoice.contribution == Decimal("0.02")
    (line,) = _line_ids(invoice)
    notes = [credit(invoice, quantities={line: Decimal("1")}) for _ in range(4)]
    invoice.refresh_from_db()
    assert invoice.contribution_credited == invoice.contribution
    assert all(Decimal(0) <= note.contribution for note in notes)
    running = Decimal(0)
    for note in notes:
        running += note.contribution
        assert running <= invoice.contribution


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (Decimal("-1"), services.CREDIT_QUANTITY_NEGATIVE),
        (Decimal("NaN"), NOT_A_NUMBER),
        (Decimal("1.0001"), TOO_PRECISE % {"places": 3}),
        (Decimal("13"), services.CREDIT_TOO_MUCH % {"maximum": "12"}),
    ],
)
def test_bad_credited_quantities_are_refused(me, raw, message):
    invoice = issued(me, lines=TWO_LINES)
    pages, _recital = _line_ids(invoice)
    before = counts()
    with pytest.raises(ValidationError) as exc:
        credit(invoice, quantities={pages: raw})
    assert exc.value.message_dict == {f"quantity-{pages}": [str(message)]}
    assert counts() == before
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_credited) == (InvoiceStatus.ISSUED, Decimal("0.00"))


def test_a_line_of_another_invoice_is_unknown(me):
    invoice = issued(me, lines=TWO_LINES)
    other = issued(me)
    (foreign_line,) = _line_ids(other)
    before = counts()
    with pytest.raises(ValidationError) as exc:
        credit(invoice, quantities={foreign_line: Decimal("1")})
    assert exc.value.message_dict == {
        f"quantity-{foreign_line}": [str(services.CREDIT_UNKNOWN_LINE)]
    }
    with pytest.raises(ValidationError) as exc:
        credit(invoice, quantities={999_999_999: Decimal("1")})
    assert exc.value.message_dict == {"quantity-999999999": [str(services.CREDIT_UNKNOWN_LINE)]}
    assert counts() == before


def test_nothing_chosen_is_refused(me):
    invoice = issued(me, lines=TWO_LINES)
    pages, recital = _line_ids(invoice)
    before = counts()
    for quantities in ({}, {pages: Decimal("0")}, {pages: Decimal("0"), recital: Decimal("0.000")}):
        with pytest.raises(ValidationError) as exc:
            credit(invoice, quantities=quantities)
        assert exc.value.messages == [str(services.CREDIT_NOTHING)]
    assert counts() == before


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_reason_is_required(me, reason):
    invoice = issued(me)
    before = counts()
    with pytest.raises(ValidationError) as exc:
        credit(invoice, reason=reason)
    assert exc.value.message_dict == {"reason": [str(services.CREDIT_REASON_REQUIRED)]}
    assert counts() == before


def test_only_an_issued_invoice_can_be_credited(me):
    a_draft = draft(me)
    note = credit(issued(me))
    before = counts()
    for target in (a_draft, note):
        with pytest.raises(ValidationError) as exc:
            credit(target)
        assert exc.value.messages == [str(services.CREDIT_ONLY_ISSUED_INVOICE)]
    assert counts() == before


def test_a_paid_invoice_can_still_be_credited(me):
    invoice = issued(me)
    services.invoice_payment_register(
        invoice=invoice, amount=Decimal("653.40"), value_date=TODAY, acting_user=me.user
    )
    note = credit(invoice, reason="Refund: the work was cancelled")
    invoice.refresh_from_db()
    assert note.total_gross == Decimal("653.40")
    assert invoice.status == InvoiceStatus.CREDITED

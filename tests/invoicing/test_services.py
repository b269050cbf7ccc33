"""Activities, clients, drafts and issuing (issue 5): each bad input is refused
with its message and nothing is saved; issuing numbers gaplessly per series
and year, copies what it prints, records the rules it used and warns (but
issues) when late."""

import dataclasses
import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation

from invoicing import services
from invoicing.models import (
    Activity,
    Client,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    NumberCounter,
)
from invoicing.services import ClientData
from invoicing.validation import (
    ENTERPRISE_NUMBER_INVALID,
    ENTERPRISE_NUMBER_MISMATCH,
    PEPPOL_ID_INVALID,
    PRICE_NEGATIVE,
    PRICE_TOO_PRECISE,
    QUANTITY_NOT_POSITIVE,
    VAT_NUMBER_INVALID,
)
from members.models import Member
from rules.models import Rule
from rules.selectors import catalogue_invalidate, rules_on
from smartcoop.lib.numbers import NOT_A_NUMBER, TOO_LARGE, TOO_PRECISE
from smartcoop.lib.ogm import ogm_from_number, ogm_is_valid
from tests.factories import (
    ActivityFactory,
    ClientFactory,
    MemberFactory,
    invoice_lines,
    published_version,
)
from tests.invoicing.support import TODAY, counts, credit, draft, issue, issued, while_numbered

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("on_today")]


@pytest.fixture
def me() -> Member:
    return MemberFactory(status="member")


def _messages(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return exc.value.message_dict


# --- Activities ----------------------------------------------------------------------


def test_an_activity_is_created_with_a_clean_name_type_and_budget(me):
    activity = services.activity_save(
        member=me,
        acting_user=me.user,
        name="  Theatre tour 2027 ",
        kind="artistic",
        budget=Decimal("12500.5"),
        description=" On the road ",
    )
    activity.refresh_from_db()
    assert (activity.name, activity.kind, activity.budget, activity.description) == (
        "Theatre tour 2027",
        "artistic",
        Decimal("12500.50"),
        "On the road",
    )
    assert activity.member == me
    assert activity.history.latest().history_user == me.user


def test_activity_names_are_unique_per_member_whatever_the_case(me):
    first = services.activity_save(member=me, acting_user=me.user, name="Translation NL-FR")
    before = counts()
    with pytest.raises(ValidationError) as exc:
        services.activity_save(member=me, acting_user=me.user, name="  translation nl-fr")
    assert _messages(exc) == {"name": [str(services.ACTIVITY_NAME_TAKEN)]}
    assert counts() == before
    # Renaming another activity onto it is refused too; saving itself is not.
    second = services.activity_save(member=me, acting_user=me.user, name="Coaching")
    with pytest.raises(ValidationError):
        services.activity_save(
            member=me, acting_user=me.user, name="TRANSLATION NL-FR", activity=second
        )
    second.refresh_from_db()
    assert second.name == "Coaching"
    services.activity_save(
        member=me, acting_user=me.user, name="Translation NL-FR (2)", activity=first
    )
    first.refresh_from_db()
    assert first.name == "Translation NL-FR (2)"
    # Another member may use the same name.
    other = MemberFactory(status="member")
    services.activity_save(member=other, acting_user=other.user, name="Coaching")
    assert Activity.objects.filter(name="Coaching").count() == 2


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"name": ""}, "name", services.ACTIVITY_NAME_REQUIRED),
        ({"name": "   "}, "name", services.ACTIVITY_NAME_REQUIRED),
        ({"name": "X", "budget": Decimal("-1")}, "budget", services.BUDGET_NEGATIVE),
        ({"name": "X", "budget": Decimal("-0.01")}, "budget", services.BUDGET_NEGATIVE),
        ({"name": "X", "budget": Decimal("NaN")}, "budget", NOT_A_NUMBER),
        ({"name": "X", "budget": Decimal("10.001")}, "budget", TOO_PRECISE % {"places": 2}),
        ({"name": "X", "kind": "circus"}, "kind", "Choose a type from the list."),
    ],
)
def test_bad_activities_are_refused(me, kwargs, field, message):
    before = counts()
    with pytest.raises(ValidationError) as exc:
        services.activity_save(member=me, acting_user=me.user, **kwargs)
    assert _messages(exc) == {field: [str(message)]}
    assert counts() == before


def test_an_archived_activity_takes_no_new_draft_until_restored(me):
    activity = ActivityFactory(member=me)
    services.activity_archive(activity=activity, archived=True, acting_user=me.user)
    activity.refresh_from_db()
    assert activity.archived
    client = ClientFactory(member=me)
    before = counts()
    with pytest.raises(ValidationError) as exc:
        draft(me, activity=activity, client=client)
    assert _messages(exc) == {"activity": [str(services.ARCHIVED)]}
    assert counts() == before
    services.activity_archive(activity=activity, archived=False, acting_user=me.user)
    assert draft(me, activity=activity).activity == activity


# --- Clients -------------------------------------------------------------------------


def _data(**overrides: Any) -> ClientData:
    values: dict[str, Any] = {
        "kind": "company",
        "name": "Atelier Marolles SRL",
        "street": "Rue Haute 10",
        "postal_code": "1000",
        "city": "Bruxelles",
        "country": "BE",
        "vat_number": "BE0403019261",
        "email": "compta@atelier.example.be",
        "language": "fr",
    }
    return ClientData(**(values | overrides))


def test_a_belgian_company_gets_its_numbers_normalised_and_a_derived_peppol_id(me):
    client = services.client_save(
        member=me,
        acting_user=me.user,
        data=_data(name="  Atelier Marolles SRL ", vat_number="be 0403.019.261", country="be"),
    )
    client.refresh_from_db()
    assert client.name == "Atelier Marolles SRL"
    assert str(client.country) == "BE"
    assert client.vat_number == "BE0403019261"
    assert client.enterprise_number == "0403019261"  # derived from the VAT number
    assert client.peppol_participant == "0208:0403019261"
    assert client.language == "fr"
    assert client.history.latest().history_user == me.user


def test_a_belgian_company_with_only_an_enterprise_number(me):
    client = services.client_save(
        member=me,
        acting_user=me.user,
        data=_data(vat_number="", enterprise_number="0202.239.951"),
    )
    assert (client.vat_number, client.enterprise_number) == ("", "0202239951")
    assert client.peppol_participant == "0208:0202239951"


@pytest.mark.parametrize(
    ("overrides", "participant"),
    [
        # Foreign companies: the id they gave, under their own scheme.
        (
            {"country": "NL", "vat_number": "NL004495445B01", "peppol_id": "0106:12345678"},
            "0106:12345678",
        ),
        ({"country": "NL", "vat_number": "NL004495445B01"}, ""),
        # A private person gets no derived id, even in Belgium.
        ({"kind": "person", "vat_number": "", "name": "Sofie Peeters"}, ""),
        (
            {"kind": "person", "vat_number": "", "peppol_id": "9925:be0403019261"},
            "9925:be0403019261",
        ),
        # A Belgian company with an explicit id still uses the derived 0208 one.
        ({"peppol_id": "9925:be0403019261"}, "0208:0403019261"),
    ],
)
def test_peppol_participant_of_other_clients(me, overrides, participant):
    client = services.client_save(member=me, acting_user=me.user, data=_data(**overrides))
    assert client.peppol_participant == participant


def test_a_greek_client_writes_el_and_an_unknown_language_falls_back(me):
    client = services.client_save(
        member=me,
        acting_user=me.user,
        data=_data(country="GR", vat_number="EL094259216", language="de"),
    )
    assert client.vat_number == "EL094259216"
    assert client.enterprise_number == ""
    assert client.language == "nl"


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"name": " "}, {"name": [services.CLIENT_NAME_REQUIRED]}),
        ({"country": ""}, {"country": [services.COUNTRY_REQUIRED]}),
        ({"country": "", "vat_number": "NL004495445B01"}, {"country": [services.COUNTRY_REQUIRED]}),
        ({"vat_number": "BE0403019262"}, {"vat_number": [VAT_NUMBER_INVALID]}),
        ({"country": "FR", "vat_number": "FR40303265046"}, {"vat_number": [VAT_NUMBER_INVALID]}),
        (
            {"vat_number": "", "enterprise_number": "0403.019.262"},
            {"enterprise_number": [ENTERPRISE_NUMBER_INVALID]},
        ),
        (
            {"vat_number": "NL004495445B01"},
            {"vat_number": [services.VAT_NUMBER_COUNTRY % {"country": "BE"}]},
        ),
        (
            {"country": "FR", "vat_number": "BE0403019261"},
            {"vat_number": [services.VAT_NUMBER_COUNTRY % {"country": "FR"}]},
        ),
        (
            {"country": "NL", "vat_number": "NL004495445B01", "enterprise_number": "0403019261"},
            {"enterprise_number": [services.ENTERPRISE_NUMBER_NOT_BELGIAN]},
        ),
        ({"enterprise_number": "0202239951"}, {"enterprise_number": [ENTERPRISE_NUMBER_MISMATCH]}),
        (
            {"country": "NL", "vat_number": "", "peppol_id": "0106 12345678"},
            {"peppol_id": [PEPPOL_ID_INVALID]},
        ),
        ({"kind": "alien"}, {"kind": ["Choose a type from the list."]}),
        # Every problem at once, each next to its field.
        (
            {"name": "", "vat_number": "BE0403019262", "enterprise_number": "123"},
            {
                "name": [services.CLIENT_NAME_REQUIRED],
                "vat_number": [VAT_NUMBER_INVALID],
                "enterprise_number": [ENTERPRISE_NUMBER_INVALID],
            },
        ),
    ],
)
def test_bad_clients_are_refused_and_nothing_changes(me, overrides, expected):
    existing = services.client_save(member=me, acting_user=me.user, data=_data())
    before = counts()
    with pytest.raises(ValidationError) as exc:
        services.client_save(member=me, acting_user=me.user, data=_data(**overrides))
    assert _messages(exc) == {k: [str(m) for m in v] for k, v in expected.items()}
    # The same data refused on an update leaves the client as it was.
    with pytest.raises(ValidationError):
        services.client_save(
            member=me, acting_user=me.user, data=_data(**overrides), client=existing
        )
    assert counts() == before
    existing.refresh_from_db()
    assert (existing.name, existing.vat_number, existing.enterprise_number, existing.kind) == (
        "Atelier Marolles SRL",
        "BE0403019261",
        "0403019261",
        "company",
    )


@pytest.mark.parametrize("country", ["XX", "Belgium", "B3"])
def test_a_country_that_is_no_iso_code_is_refused(me, country):
    """Issue 5: "country with ISO codes". client_clean only checks that a
    country was given, so an unknown code is stored (or overflows the
    two-character column)."""
    before = counts()
    with pytest.raises(ValidationError) as exc:
        services.client_save(
            member=me, acting_user=me.user, data=_data(country=country, vat_number="")
        )
    assert "country" in exc.value.message_dict
    assert counts() == before


def test_an_archived_client_takes_no_new_draft(me):
    client = ClientFactory(member=me)
    services.client_archive(client=client, archived=True, acting_user=me.user)
    activity = ActivityFactory(member=me)
    before = counts()
    with pytest.raises(ValidationError) as exc:
        draft(me, client=client, activity=activity)
    assert _messages(exc) == {"client": [str(services.ARCHIVED)]}
    assert counts() == before


# --- Drafts --------------------------------------------------------------------------

THREE_LINES = [
    ("Translation NL>FR, 12 pages", "12", "45.00", "S:21"),
    ("Book, printed", "3", "12,50", "S:6"),
    ("Newspaper subscription", "1.5", "10.01", "Z:0"),
]


def test_a_draft_keeps_its_lines_and_live_totals_without_a_number(me):
    client = ClientFactory(member=me, language="fr")
    invoice = draft(me, client=client, lines=THREE_LINES, payment_term_days=45)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.DRAFT and invoice.is_draft
    assert (invoice.number, invoice.sequence, invoice.structured_reference) == ("", None, "")
    assert invoice.issue_date is None and invoice.due_date is None
    assert invoice.payment_term_days == 45
    assert invoice.language == "fr"
    # 540.00 + 37.50 + 15.02 (15.015 half up)
    assert (invoice.total_net, invoice.total_vat, invoice.total_gross) == (
        Decimal("592.52"),
        Decimal("115.65"),
        Decimal("708.17"),
    )
    assert invoice.contribution_rate == Decimal("6.5")
    assert invoice.contribution == Decimal("38.51")  # 38.5138
    assert invoice.member_share == Decimal("554.01")
    assert invoice.vat_breakdown == [
        {"category": "S", "rate": "21.00", "base": "540.00", "vat": "113.40"},
        {"category": "S", "rate": "6.00", "base": "37.50", "vat": "2.25"},
        {"category": "Z", "rate": "0.00", "base": "15.02", "vat": "0.00"},
    ]
    lines = list(
        invoice.lines.values_list(
            "position",
            "description",
            "quantity",
            "unit_price",
            "vat_category",
            "vat_rate",
            "net_amount",
        )
    )
    assert lines == [
        (
            1,
            "Translation NL>FR, 12 pages",
            Decimal("12.000"),
            Decimal("45.00"),
            "S",
            Decimal("21.00"),
            Decimal("540.00"),
        ),
        (
            2,
            "Book, printed",
            Decimal("3.000"),
            Decimal("12.50"),
            "S",
            Decimal("6.00"),
            Decimal("37.50"),
        ),
        (
            3,
            "Newspaper subscription",
            Decimal("1.500"),
            Decimal("10.01"),
            "Z",
            Decimal("0.00"),
            Decimal("15.02"),
        ),
    ]
    assert services.draft_totals([], on=TODAY).net == Decimal("0.00")


def test_a_draft_is_edited_and_deleted_freely(me):
    invoice = draft(me, lines=THREE_LINES)
    services.invoice_draft_save(
        member=me,
        acting_user=me.user,
        client=invoice.client,
        activity=invoice.activity,
        supply_date=TODAY - datetime.timedelta(days=3),
        payment_term_days=15,
        lines=invoice_lines([("Proofreading", "2", "30", "S:21")]),
        invoice=invoice,
        notes=" Thanks ",
        buyer_reference=" PO-77 ",
    )
    invoice.refresh_from_db()
    assert invoice.lines.count() == 1
    assert (invoice.total_net, invoice.total_gross) == (Decimal("60.00"), Decimal("72.60"))
    assert (invoice.notes, invoice.buyer_reference, invoice.payment_term_days) == (
        "Thanks",
        "PO-77",
        15,
    )
    assert invoice.supply_date == TODAY - datetime.timedelta(days=3)
    services.invoice_draft_delete(invoice=invoice, acting_user=me.user)
    assert not Invoice.objects.exists() and not InvoiceLine.objects.exists()


# What the form could read but the service refuses (what is not a number at
# all is the form's to refuse: tests/invoicing/test_views.py).
LINE_ERRORS = [
    ({"quantity": Decimal("0")}, "quantity", QUANTITY_NOT_POSITIVE),
    ({"quantity": Decimal("-2")}, "quantity", QUANTITY_NOT_POSITIVE),
    ({"quantity": Decimal("-0.001")}, "quantity", QUANTITY_NOT_POSITIVE),
    ({"quantity": Decimal("1.2345")}, "quantity", TOO_PRECISE % {"places": 3}),
    ({"quantity": Decimal("1000000000")}, "quantity", TOO_LARGE),
    ({"quantity": Decimal("NaN")}, "quantity", NOT_A_NUMBER),
    ({"unit_price": Decimal("12.34567")}, "unit_price", str(PRICE_TOO_PRECISE)),
    ({"unit_price": Decimal("0.00001")}, "unit_price", str(PRICE_TOO_PRECISE)),
    ({"unit_price": Decimal("-5")}, "unit_price", PRICE_NEGATIVE),
    ({"unit_price": Decimal("Infinity")}, "unit_price", NOT_A_NUMBER),
    ({"unit_price": Decimal("1000000000.00")}, "unit_price", TOO_LARGE),
    ({"vat": "X:21"}, "vat", services.VAT_UNKNOWN),
    ({"vat": ""}, "vat", services.VAT_UNKNOWN),
    ({"vat": "21"}, "vat", services.VAT_UNKNOWN),
    ({"vat": "S:7"}, "vat", services.VAT_NOT_VALID_ON_DATE % {"date": "20/11/2026"}),
    ({"vat": "Z:21"}, "vat", services.VAT_NOT_VALID_ON_DATE % {"date": "20/11/2026"}),
    ({"unit": "XYZ"}, "unit", services.UNIT_UNKNOWN),
    ({"description": "  "}, "description", services.DESCRIPTION_REQUIRED),
]


@pytest.mark.parametrize(("bad", "field", "message"), LINE_ERRORS)
def test_each_bad_line_is_refused_next_to_its_input_and_nothing_is_saved(me, bad, field, message):
    client, activity = ClientFactory(member=me), ActivityFactory(member=me)
    lines = invoice_lines([("Good line", "1", "10.00", "S:21"), ("Bad line", "2", "5.00", "S:6")])
    lines[1] = dataclasses.replace(lines[1], **bad)
    before = counts()
    with pytest.raises(ValidationError) as exc:
        services.invoice_draft_save(
            member=me,
            acting_user=me.user,
            client=client,
            activity=activity,
            supply_date=TODAY,
            payment_term_days=30,
            lines=lines,
        )
    assert _messages(exc) == {f"lines-1-{field}": [str(message)]}
    assert counts() == before


def test_a_bad_edit_leaves_the_draft_as_it_was(me):
    invoice = draft(me, lines=THREE_LINES)
    before = counts()
    lines = invoice_lines([("Changed", "0", "10.00", "S:21")])
    with pytest.raises(ValidationError) as exc:
        services.invoice_draft_save(
            member=me,
            acting_user=me.user,
            client=invoice.client,
            activity=invoice.activity,
            supply_date=TODAY,
            payment_term_days=99,
            lines=lines,
            invoice=invoice,
        )
    # Both problems at once: the term and the line.
    assert _messages(exc) == {
        "payment_term_days": [str(services.TERM_TOO_LONG % {"maximum": 60})],
        "lines-0-quantity": [str(QUANTITY_NOT_POSITIVE)],
    }
    assert counts() == before
    invoice.refresh_from_db()
    assert invoice.total_net == Decimal("592.52")
    assert list(invoice.lines.values_list("description", flat=True)) == [d for d, *_ in THREE_LINES]


@pytest.mark.parametrize(
    ("term", "message"),
    [
        (61, services.TERM_TOO_LONG % {"maximum": 60}),
        (90, services.TERM_TOO_LONG % {"maximum": 60}),
        (-1, services.TERM_TOO_SHORT),
    ],
)
def test_a_payment_term_outside_what_the_rules_allow_is_refused(me, term, message):
    client, activity = ClientFactory(member=me), ActivityFactory(member=me)
    before = counts()
    with pytest.raises(ValidationError) as exc:
        draft(me, client=client, activity=activity, payment_term_days=term)
    assert _messages(exc) == {"payment_term_days": [str(message)]}
    assert counts() == before


@pytest.mark.parametrize("term", [0, 60, 30])
def test_payment_terms_up_to_the_maximum_are_accepted(me, term):
    assert draft(me, payment_term_days=term).payment_term_days == term


def test_no_lines_or_too_many_lines_are_refused(me):
    client, activity = ClientFactory(member=me), ActivityFactory(member=me)
    before = counts()
    for lines, message in [
        ([], services.NO_LINES),
        (
            invoice_lines([("Page", "1", "1.00", "S:21")] * 501),
            services.TOO_MANY_LINES % {"maximum": 500},
        ),
    ]:
        with pytest.raises(ValidationError) as exc:
            services.invoice_draft_save(
                member=me,
                acting_user=me.user,
                client=client,
                activity=activity,
                supply_date=TODAY,
                payment_term_days=30,
                lines=lines,
            )
        assert _messages(exc) == {"__all__": [str(message)]}
    assert counts() == before


@pytest.mark.parametrize(
    ("supply_date", "message"),
    [
        (None, services.SUPPLY_DATE_REQUIRED),
        (TODAY + datetime.timedelta(days=367), services.SUPPLY_DATE_TOO_FAR),
    ],
)
def test_a_missing_or_far_future_supply_date_is_refused(me, supply_date, message):
    client, activity = ClientFactory(member=me), ActivityFactory(member=me)
    before = counts()
    with pytest.raises(ValidationError) as exc:
        services.invoice_draft_save(
            member=me,
            acting_user=me.user,
            client=client,
            activity=activity,
            supply_date=supply_date,
            payment_term_days=30,
            lines=invoice_lines(),
        )
    assert _messages(exc) == {"supply_date": [str(message)]}
    assert counts() == before


def test_another_members_client_or_activity_is_not_yours(me):
    other = MemberFactory(status="member")
    mine_client, mine_activity = ClientFactory(member=me), ActivityFactory(member=me)
    theirs_client, theirs_activity = ClientFactory(member=other), ActivityFactory(member=other)
    before = counts()
    for client, activity in [
        (theirs_client, mine_activity),
        (mine_client, theirs_activity),
        (theirs_client, theirs_activity),
    ]:
        with pytest.raises(ValidationError) as exc:
            draft(me, client=client, activity=activity)
        assert exc.value.messages == [str(services.NOT_YOURS)]
    assert counts() == before


def test_editing_an_issued_invoice_as_a_draft_is_refused(me):
    invoice = issued(me)
    with pytest.raises(ValidationError) as exc:
        services.invoice_draft_save(
            member=me,
            acting_user=me.user,
            client=invoice.client,
            activity=invoice.activity,
            supply_date=TODAY,
            payment_term_days=30,
            lines=invoice_lines(),
            invoice=invoice,
        )
    assert exc.value.messages == [str(services.NOT_A_DRAFT)]
    with pytest.raises(ValidationError) as exc:
        services.invoice_draft_delete(invoice=invoice, acting_user=me.user)
    assert exc.value.messages == [str(services.NOT_A_DRAFT)]
    assert Invoice.objects.get().number == "F2026-000001"


def test_a_line_total_beyond_the_columns_is_refused_with_a_message(me):
    """Each factor is within MAX_ABS, but their product (10^14 euro) does not
    fit the 14-digit net_amount column: it must be a clear refusal, not a
    database error."""
    client, activity = ClientFactory(member=me), ActivityFactory(member=me)
    before = counts()
    with pytest.raises(ValidationError) as exc:
        services.invoice_draft_save(
            member=me,
            acting_user=me.user,
            client=client,
            activity=activity,
            supply_date=TODAY,
            payment_term_days=30,
            lines=invoice_lines([("Everything", "999999", "99999999.00", "S:21")]),
        )
    assert set(exc.value.message_dict) <= {"lines-0-quantity", "lines-0-unit_price", "__all__"}
    assert counts() == before


# --- A rate not valid on the date of supply ----------------------------------------------

RATE_CHANGE = datetime.date(2026, 7, 1)


def _standard_rate_becomes_22() -> None:
    """The legal team publishes 22% as the standard rate from 1 July 2026."""
    published_version(
        Rule.objects.get(key="vat.rates.standard"),
        RATE_CHANGE,
        "22",
        reason="Test: the standard rate rises to 22%.",
    )
    catalogue_invalidate()


def test_the_rate_must_be_in_force_on_the_date_of_supply(me):
    _standard_rate_becomes_22()
    client, activity = ClientFactory(member=me), ActivityFactory(member=me)
    before = counts()
    after_change = datetime.date(2026, 8, 3)
    with pytest.raises(ValidationError) as exc:
        draft(me, client=client, activity=activity, supply_date=after_change)  # 21%
    assert _messages(exc) == {
        "lines-0-vat": [str(services.VAT_NOT_VALID_ON_DATE % {"date": "03/08/2026"})]
    }
    with pytest.raises(ValidationError) as exc:
        draft(
            me,
            client=client,
            activity=activity,
            supply_date=RATE_CHANGE - datetime.timedelta(1),
            lines=[("Pages", "1", "10.00", "S:22")],
        )
    assert _messages(exc) == {
        "lines-0-vat": [str(services.VAT_NOT_VALID_ON_DATE % {"date": "30/06/2026"})]
    }
    assert counts() == before
    # Each rate on its own side of the change.
    before_change = draft(
        me, client=client, activity=activity, supply_date=RATE_CHANGE - datetime.timedelta(1)
    )
    after = draft(
        me,
        client=client,
        activity=activity,
        supply_date=after_change,
        lines=[("Pages", "12", "45.00", "S:22")],
    )
    assert before_change.total_vat == Decimal("113.40")
    assert after.total_vat == Decimal("118.80")
    invoice = issue(after)
    assert invoice.vat_breakdown[0]["rate"] == "22.00"
    assert (
        invoice.rules_used["vat.rates.standard"]
        == rules_on(["vat.rates.standard"], on=after_change).provenance()["vat.rates.standard"]
    )


def test_issuing_checks_the_rates_again_on_the_date_of_supply(me):
    stale = draft(me, supply_date=datetime.date(2026, 8, 3))  # 21% was fine when drafted
    _standard_rate_becomes_22()
    before = counts()
    with pytest.raises(ValidationError) as exc:
        issue(stale)
    assert _messages(exc) == {
        "lines-0-vat": [str(services.VAT_NOT_VALID_ON_DATE % {"date": "03/08/2026"})]
    }
    assert counts() == before
    stale.refresh_from_db()
    assert stale.is_draft and stale.number == ""


def test_a_supply_before_any_vat_rule_is_refused_with_a_message(me):
    """The seeded catalogue starts on 1 January 2020 (rules/catalogue.py,
    PLATFORM_START): no VAT rate is in force on an earlier date of supply.
    The member must get a message, not an unhandled NoVersionInForce."""
    client, activity = ClientFactory(member=me), ActivityFactory(member=me)
    before = counts()
    with pytest.raises(ValidationError):
        draft(me, client=client, activity=activity, supply_date=datetime.date(2019, 12, 31))
    assert counts() == before


# --- Issuing -------------------------------------------------------------------------


def test_issuing_numbers_freezes_and_references_the_invoice(me):
    client = ClientFactory(member=me, language="fr", name="Atelier Marolles SRL")
    invoice = issue(draft(me, client=client, lines=THREE_LINES), today=TODAY)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ISSUED
    assert (invoice.series, invoice.year, invoice.sequence, invoice.number) == (
        "invoice",
        2026,
        1,
        "F2026-000001",
    )
    assert invoice.issue_date == TODAY
    assert invoice.due_date == TODAY + datetime.timedelta(days=30)
    assert invoice.structured_reference == ogm_from_number(2_000_000_000 + invoice.pk)
    assert ogm_is_valid(invoice.structured_reference)
    assert invoice.issued_by == me.user and invoice.issued_at is not None
    assert (invoice.total_net, invoice.total_vat, invoice.total_gross, invoice.contribution) == (
        Decimal("592.52"),
        Decimal("115.65"),
        Decimal("708.17"),
        Decimal("38.51"),
    )
    assert invoice.warnings == []
    assert invoice.mentions == []  # S and Z carry no legal mention
    assert invoice.seller == {
        "name": settings.COOPERATIVE_NAME,
        "address": settings.COOPERATIVE_ADDRESS,
        "country": "BE",
        "enterprise_number": settings.COOPERATIVE_ENTERPRISE_NUMBER,
        "vat_number": f"BE{settings.COOPERATIVE_ENTERPRISE_NUMBER}",
        "iban": settings.COOPERATIVE_IBAN,
        "bic": settings.COOPERATIVE_BIC,
        "register": settings.COOPERATIVE_REGISTER,
    }
    assert invoice.buyer == {
        "kind": "company",
        "name": "Atelier Marolles SRL",
        "street": "Kouter 7",
        "postal_code": "9000",
        "city": "Gent",
        "country": "BE",
        "vat_number": "BE0403019261",
        "enterprise_number": "0403019261",
        "peppol_id": "0208:0403019261",
        "email": client.email,
        "language": "fr",
        "activity": invoice.activity.name,
        "activity_kind": "other",
        "member_name": me.legal_name,
        "member_number": str(me.member_number),
    }
    keys = [
        "invoicing.contribution_rate",
        "invoicing.payment_term_max_b2b",
        "invoicing.number_format",
        "invoicing.issue_deadline_day",
        "vat.categories",
        "invoicing.vat_bases",
        "vat.rates.standard",
        "vat.rates.intermediate",
        "vat.rates.reduced",
        "vat.rates.zero",
    ]
    assert invoice.rules_used == rules_on(keys, on=TODAY).provenance()
    assert invoice.history.latest().history_change_reason == "issued"


def test_numbers_are_consecutive_per_series_and_year(me):
    first, second, third = (issued(me) for _ in range(3))
    assert [first.number, second.number, third.number] == [
        "F2026-000001",
        "F2026-000002",
        "F2026-000003",
    ]
    note = credit(second, reason="Wrong client")
    assert (note.series, note.sequence, note.number) == ("credit_note", 1, "C2026-000001")
    fourth = issued(me)
    assert fourth.number == "F2026-000004"  # credit notes do not use the invoices' numbers
    next_year = datetime.date(2027, 1, 4)
    january = issued(me, today=next_year)
    assert (january.year, january.sequence, january.number) == (2027, 1, "F2027-000001")
    january_note = credit(january, reason="Cancelled", today=next_year)
    assert january_note.number == "C2027-000001"
    assert dict(NumberCounter.objects.values_list("series", "last_number").filter(year=2026)) == {
        "invoice": 4,
        "credit_note": 1,
    }
    references = list(Invoice.objects.values_list("structured_reference", flat=True))
    assert len(set(references)) == len(references) == 7
    assert all(ogm_is_valid(r) for r in references)


def test_the_issued_invoice_keeps_what_it_printed_when_the_client_changes(me):
    client = ClientFactory(
        member=me, name="Old Name BV", street="Kouter 7", sector="show_organiser"
    )
    invoice = issued(me, client=client, lines=[("Show", "1", "800.00", "E:art44_2_8")])
    buyer, mentions = dict(invoice.buyer), list(invoice.mentions)
    services.client_save(
        member=me,
        acting_user=me.user,
        client=client,
        data=ClientData(
            kind="company",
            name="New Name BV",
            street="Nieuwstraat 1",
            postal_code="1000",
            city="Brussel",
            country="BE",
            vat_number="BE0202239951",
            language="fr",
            sector="show_organiser",
        ),
    )
    invoice.refresh_from_db()
    assert invoice.buyer == buyer
    assert invoice.buyer["name"] == "Old Name BV" and invoice.buyer["street"] == "Kouter 7"
    assert invoice.buyer["vat_number"] == "BE0403019261"
    assert (
        invoice.mentions
        == mentions
        == ["Vrijstelling van btw: artikel 44, § 2, 8°, van het Btw-Wetboek."]
    )
    # A later invoice prints the new data, in the client's new language.
    later = issued(me, client=client, lines=[("Show", "1", "800.00", "E:art44_2_8")])
    assert later.buyer["name"] == "New Name BV" and later.language == "fr"
    assert later.mentions == ["Exemption de TVA : article 44, § 2, 8°, du Code de la TVA."]


def test_reverse_charge_prints_its_mention_once(me):
    client = ClientFactory(
        member=me, country="NL", vat_number="NL004495445B01", enterprise_number="", language="en"
    )
    invoice = issued(
        me,
        client=client,
        lines=[
            ("Consulting", "2", "500.00", "AE:eu_services"),
            ("Travel", "1", "80.00", "AE:eu_services"),
        ],
    )
    assert invoice.total_vat == Decimal("0.00") and invoice.total_gross == Decimal("1080.00")
    assert invoice.mentions == [
        "Reverse charge: VAT due by the customer (Article 196 of Directive 2006/112/EC; place "
        "of supply: Article 21, § 2, of the Belgian VAT Code)."
    ]


def test_issuing_recomputes_the_figures_from_the_lines(me):
    invoice = draft(me)
    # Whatever the draft's stored totals say, the issued ones come from the lines.
    Invoice.objects.filter(pk=invoice.pk).update(total_net=1, total_gross=1, contribution=0)
    invoice = issue(invoice)
    assert (invoice.total_net, invoice.total_vat, invoice.total_gross, invoice.contribution) == (
        Decimal("540.00"),
        Decimal("113.40"),
        Decimal("653.40"),
        Decimal("35.10"),
    )


def _refused(invoice: Invoice) -> list[str]:
    before = counts()
    with pytest.raises(ValidationError) as exc:
        issue(invoice)
    assert counts() == before
    invoice.refresh_from_db()
    assert invoice.is_draft and invoice.number == "" and invoice.sequence is None
    assert not NumberCounter.objects.filter(last_number__gt=0).exists()
    return exc.value.messages


def test_an_applicant_cannot_issue(me):
    applicant = MemberFactory()  # no paid share yet
    assert applicant.status == "applicant"
    invoice = draft(applicant)
    assert _refused(invoice) == [str(services.NOT_A_MEMBER)]
    assert services.invoice_issue_check(invoice=invoice, today=TODAY).errors == [
        str(services.NOT_A_MEMBER)
    ]


@pytest.mark.parametrize(
    ("blank", "missing"),
    [
        (["street"], "street and number"),
        (["postal_code", "city"], "postal code, city"),
        (["country"], "country"),
        (
            ["street", "postal_code", "city", "country"],
            "street and number, postal code, city, country",
        ),
    ],
)
def test_a_client_missing_a_mandatory_mention_blocks_issuing(me, blank, missing):
    client = ClientFactory(member=me, **dict.fromkeys(blank, ""))
    invoice = draft(me, client=client)
    expected = str(services.CLIENT_INCOMPLETE) % {"missing": missing}
    assert _refused(invoice) == [expected]
    # Completing the client lets the same draft be issued.
    Client.objects.filter(pk=client.pk).update(
        street="Kouter 7", postal_code="9000", city="Gent", country="BE"
    )
    assert issue(invoice).number == "F2026-000001"


def test_reverse_charge_and_intra_community_lines_need_the_clients_vat_number(me):
    client = ClientFactory(
        member=me, country="NL", vat_number="NL004495445B01", enterprise_number=""
    )
    invoice = draft(
        me,
        client=client,
        lines=[
            ("Consulting", "1", "500.00", "AE:eu_services"),
            ("Goods", "1", "50.00", "K:eu_goods"),
        ],
    )
    # Removed after the draft was saved (the draft would have refused it).
    type(client).objects.filter(pk=client.pk).update(vat_number="")
    refused = _refused(Invoice.objects.get(pk=invoice.pk))
    assert refused[:2] == [
        str(services.CLIENT_NEEDS_VAT_NUMBER) % {"category": "AE"},
        str(services.CLIENT_NEEDS_VAT_NUMBER) % {"category": "K"},
    ]
    assert sum("needs the client's VAT number" in message for message in refused) == 2


def test_a_draft_without_lines_cannot_be_issued(me):
    invoice = draft(me)
    invoice.lines.all().delete()
    assert _refused(invoice) == [str(services.NO_LINES)]


def test_issuing_twice_is_refused_and_changes_no_number(me):
    invoice = draft(me)
    first = issue(invoice)
    before = counts()
    for attempt in (invoice, first):  # the stale draft of a second tab, and the issued one
        with pytest.raises(ValidationError) as exc:
            issue(attempt)
        assert exc.value.messages == [str(services.ALREADY_ISSUED) % {"number": "F2026-000001"}]
    assert counts() == before
    assert NumberCounter.objects.get(series="invoice").last_number == 1
    assert Invoice.objects.get().number == "F2026-000001"
    check = services.invoice_issue_check(invoice=first, today=TODAY)
    assert check.errors[0] == str(services.ALREADY_ISSUED) % {"number": "F2026-000001"}


def test_a_late_invoice_is_issued_with_the_warning_recorded(me):
    supply = TODAY - datetime.timedelta(days=61)  # 20/09/2026: deadline 15/10/2026
    invoice = draft(me, supply_date=supply)
    warning = (
        "Issued after the legal deadline: a supply of 20/09/2026 must be invoiced by "
        "15/10/2026 at the latest."
    )
    assert services.invoice_issue_check(invoice=invoice, today=TODAY).warnings == [warning]
    with translation.override("fr"):  # recorded in English whatever the reader's language
        invoice = issue(invoice)
    assert invoice.number == "F2026-000001"
    invoice.refresh_from_db()
    assert invoice.warnings == [warning]
    assert invoice.supply_date == supply and invoice.issue_date == TODAY


def test_the_issue_deadline_is_the_15th_of_the_next_month(me):
    assert services.issue_deadline(datetime.date(2026, 10, 31), day=15) == datetime.date(
        2026, 11, 15
    )
    assert services.issue_deadline(datetime.date(2026, 12, 1), day=15) == datetime.date(2027, 1, 15)
    on_time = draft(me, supply_date=datetime.date(2026, 10, 31))
    assert issue(on_time, today=datetime.date(2026, 11, 15)).warnings == []


def test_numbers_never_go_back_in_date(me):
    NumberCounter.objects.create(
        series="invoice",
        year=2026,
        last_number=7,
        last_issued_on=TODAY + datetime.timedelta(days=1),
    )
    invoice = draft(me)
    before = counts()
    with pytest.raises(ValidationError) as exc:
        issue(invoice)
    assert exc.value.messages == [str(services.DATE_ORDER) % {"last": "21/11/2026"}]
    assert counts() == before
    counter = NumberCounter.objects.get()
    assert (counter.last_number, counter.last_issued_on) == (7, TODAY + datetime.timedelta(1))
    invoice.refresh_from_db()
    assert invoice.is_draft
    # On that day (or later) the same draft gets the next number.
    assert issue(invoice, today=TODAY + datetime.timedelta(days=1)).number == "F2026-000008"


def test_a_payment_term_above_the_maximum_in_force_at_issue_is_refused(me):
    invoice = draft(me, payment_term_days=60)
    published_version(
        Rule.objects.get(key="invoicing.payment_term_max_b2b"),
        TODAY,
        "P45D",
        reason="Test: 45 days.",
    )
    catalogue_invalidate()
    assert _refused(invoice) == [str(services.TERM_TOO_LONG) % {"maximum": 45}]


def test_a_rolled_back_issue_leaves_no_gap(me):
    first, second = draft(me), draft(me)

    def fail(invoice: Invoice) -> None:
        assert invoice.number == "F2026-000001"  # numbered, the counter row locked
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError), while_numbered(fail):
        issue(first)
    first.refresh_from_db()
    assert first.is_draft and first.number == ""
    assert not NumberCounter.objects.exists()  # the counter row's creation rolled back too
    assert issue(second).number == "F2026-000001"
    assert issue(first).number == "F2026-000002"
    # And a rollback once the counter exists.
    third = draft(me)

    def fail_again(invoice: Invoice) -> None:
        assert invoice.number == "F2026-000003"
        raise RuntimeError("x")

    with pytest.raises(RuntimeError), while_numbered(fail_again):
        issue(third)
    assert NumberCounter.objects.get().last_number == 2
    assert issue(third).number == "F2026-000003"

"""The right VAT basis for each client and activity (issue 22): each option
without Belgian VAT is a legal basis of the rule invoicing.vat_bases with
its conditions; the draft offers only those that hold, saving and issuing
check them again and name the condition refused; the mention comes from the
catalogue in the document's language, on the PDF and in the e-invoice; the
legal team adds a basis in the admin without code."""

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from documents import services as documents_services
from documents.models import InvoiceDocument
from invoicing import catalogue, services, vat_bases
from invoicing.calculation import vat_options
from invoicing.models import ActivityKind, Client, ClientSector, Invoice
from rules import services as rules_services
from rules.models import Rule
from rules.selectors import rules_on
from rules.values import clean_value
from tests.clock import on
from tests.einvoicing.test_ubl import (
    american_company,
    assert_valid,
    belgian_company,
    belgian_consumer,
    dutch_company,
    french_consumer,
    german_company,
    needs_rules,
    swiss_consumer,
    ubl,
    xpath,
)
from tests.factories import ActivityFactory, LegalFactory, MemberFactory, invoice_lines
from tests.helpers import first_of_next_month, logged_in
from tests.invoicing.support import TODAY, counts, issue
from tests.workers import pdf_text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("on_today")]

RATES = {"S:21", "S:12", "S:6", "Z:0"}


@pytest.fixture
def me():
    return MemberFactory(status="member", language="en")


def show_organiser(member: Any, **kwargs: Any) -> Client:
    client: Client = belgian_company(member)
    client.sector = ClientSector.SHOW_ORGANISER
    for name, value in kwargs.items():
        setattr(client, name, value)
    client.save()
    return client


def offered_codes(client: Client, kind: str) -> set[str]:
    activity = ActivityFactory(member=client.member, kind=kind)
    options, _provenance = vat_options(TODAY)
    return {o.code for o in vat_bases.offered(options, client=client, activity=activity)}


def check(member: Any, client: Client, activity: Any, code: str) -> Any:
    return services.invoice_draft_check(
        member=member,
        client=client,
        activity=activity,
        supply_date=TODAY,
        payment_term_days=30,
        lines=invoice_lines([("Work", "1", "100", code)]),
    )


def save(member: Any, client: Client, activity: Any, *codes: str) -> Invoice:
    return services.invoice_draft_save(
        member=member,
        acting_user=member.user,
        client=client,
        activity=activity,
        supply_date=TODAY,
        payment_term_days=30,
        lines=invoice_lines([(f"Work {n}", "1", "100", code) for n, code in enumerate(codes)]),
    )


# --- The catalogue ---------------------------------------------------------------------


def test_the_catalogue_speaks_the_models_vocabulary():
    assert list(ClientSector.values) == catalogue.CLIENT_SECTORS
    assert list(ActivityKind.values) == catalogue.ACTIVITY_KINDS


def test_every_basis_is_seeded_with_its_legal_reference_and_passes_its_schema():
    rule = Rule.objects.get(key=catalogue.VAT_BASES)
    assert rule.legal_reference and rule.legal_url.startswith("https://")
    bases = rules_on([catalogue.VAT_BASES], on=TODAY).value(catalogue.VAT_BASES)
    assert set(bases) == {
        "eu_services",
        "be_cocontractor",
        "art44_2_8",
        "eu_goods",
        "export",
        "outside_eu",
    }
    for spec in bases.values():
        assert spec["legal_reference"] and all(spec["mention"][lang] for lang in ["nl", "fr", "en"])
    assert "196" in bases["eu_services"]["mention"]["nl"]
    assert "21, § 2" in bases["eu_services"]["mention"]["fr"]
    assert "51, § 2, eerste lid, 5°" in bases["be_cocontractor"]["mention"]["nl"]
    assert "cocontractant" in bases["be_cocontractor"]["mention"]["fr"]


def test_a_basis_with_an_unknown_condition_is_refused_by_its_schema():
    entry = catalogue.CATALOGUE[0]
    bad = {"x_basis": dict(entry["versions"][0]["value"]["export"])}
    bad["x_basis"]["conditions"] = {**bad["x_basis"]["conditions"], "client_location": "mars"}
    with pytest.raises(ValidationError):
        clean_value("structured", bad, entry["schema"])


# --- What the draft offers --------------------------------------------------------------


@pytest.mark.parametrize(
    ("make_client", "kind", "extra"),
    [
        (belgian_company, "other", set()),
        (belgian_company, "immovable", {"AE:be_cocontractor"}),
        (belgian_company, "artistic", set()),  # not a show organiser
        (show_organiser, "artistic", {"E:art44_2_8"}),
        (show_organiser, "other", set()),  # coaching is no performing art
        (belgian_consumer, "immovable", set()),  # no VAT number: no co-contractor
        (dutch_company, "other", {"AE:eu_services", "K:eu_goods"}),
        (german_company, "immovable", {"AE:eu_services", "K:eu_goods"}),
        (french_consumer, "other", set()),
        (american_company, "other", {"G:export", "O:outside_eu"}),
        (swiss_consumer, "artistic", {"G:export", "O:outside_eu"}),
    ],
)
def test_the_draft_offers_only_the_options_whose_conditions_hold(me, make_client, kind, extra):
    assert offered_codes(make_client(me), kind) == RATES | extra


def test_an_eu_vat_number_must_be_valid_in_form_for_the_clients_own_state(me):
    wrong_state = dutch_company(me)
    wrong_state.vat_number = "DE136695976"  # valid, but German
    wrong_state.save()
    broken = dutch_company(me)
    broken.vat_number = "NL004495446B01"  # bad check digits
    broken.save()
    for client in (wrong_state, broken):
        assert "AE:eu_services" not in offered_codes(client, "other")


def test_the_draft_page_offers_only_the_options_that_hold(me):
    client, activity = belgian_company(me), ActivityFactory(member=me, kind="other")
    page = logged_in(me.user).get(
        reverse("invoicing:invoice_create"), {"client": client.pk, "activity": activity.pk}
    )
    codes = {code for code, _label in page.context["vat_choices"]}
    assert codes == RATES
    organiser = show_organiser(me)
    artistic = ActivityFactory(member=me, kind="artistic")
    page = logged_in(me.user).get(
        reverse("invoicing:invoice_create"), {"client": organiser.pk, "activity": artistic.pk}
    )
    assert "E:art44_2_8" in {code for code, _label in page.context["vat_choices"]}


# --- Refusals name the condition --------------------------------------------------------


def test_a_belgian_client_can_no_longer_get_intra_eu_reverse_charge(me):
    client, activity = belgian_company(me), ActivityFactory(member=me)
    before = counts()
    with pytest.raises(ValidationError) as caught:
        save(me, client, activity, "AE:eu_services")
    (message,) = caught.value.message_dict["lines-0-vat"]
    assert "another EU member state than Belgium" in message and "Belgium" in message
    assert counts() == before


def test_a_coaching_line_cannot_take_the_performing_artist_exemption(me):
    client = show_organiser(me)
    coaching = ActivityFactory(member=me, name="Coaching", kind="other")
    with pytest.raises(ValidationError) as caught:
        check(me, client, coaching, "E:art44_2_8")
    (message,) = caught.value.message_dict["lines-0-vat"]
    assert "only for an activity of type: artistic" in message and "Coaching" in message


def test_the_exemption_needs_a_show_organiser_and_says_so(me):
    artistic = ActivityFactory(member=me, kind="artistic")
    with pytest.raises(ValidationError) as caught:
        check(me, belgian_company(me), artistic, "E:art44_2_8")
    (message,) = caught.value.message_dict["lines-0-vat"]
    assert "organiser of shows or concerts" in message


def test_the_co_contractor_needs_works_on_immovable_property_and_a_vat_number(me):
    with pytest.raises(ValidationError) as caught:
        check(me, belgian_consumer(me), ActivityFactory(member=me), "AE:be_cocontractor")
    messages = caught.value.message_dict["lines-0-vat"]
    assert len(messages) == 2
    assert any("VAT number, valid in form for Belgium" in m for m in messages)
    assert any("works on immovable property" in m for m in messages)


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("nl", "andere EU-lidstaat dan België"),
        ("fr", "autre État membre de l'UE que la Belgique"),
        ("en", "another EU member state than Belgium"),
    ],
)
def test_the_refusal_is_in_the_members_language(me, language, words):
    client, activity = belgian_company(me), ActivityFactory(member=me)
    with pytest.raises(ValidationError) as caught:
        check(me, client, activity, "AE:eu_services")
    with translation.override(language):
        (message,) = caught.value.message_dict["lines-0-vat"]
        assert words in str(vat_bases.NEEDS_CLIENT_IN_OTHER_EU_STATE) % {
            "option": "x",
            "country": "y",
        }
    assert message


def test_a_code_from_before_the_bases_is_chosen_again(me):
    with pytest.raises(ValidationError) as caught:
        check(me, dutch_company(me), ActivityFactory(member=me), "AE:0")
    assert caught.value.message_dict["lines-0-vat"] == [str(services.VAT_UNKNOWN)]


def test_issuing_checks_again_and_names_the_condition(me):
    client, activity = dutch_company(me), ActivityFactory(member=me)
    draft = save(me, client, activity, "AE:eu_services", "S:21")
    client.country, client.vat_number = "BE", "BE0403019261"  # moved, after the draft
    client.save()
    check_page = services.invoice_issue_check(invoice=draft, today=TODAY)
    assert any("another EU member state" in e for e in check_page.errors)
    with pytest.raises(ValidationError) as caught:
        issue(draft)
    assert any("another EU member state" in m for m in caught.value.messages)
    draft.refresh_from_db()
    assert draft.is_draft and draft.number == ""


# --- The legal team adds a basis without code -----------------------------------------


def _add_basis(key: str, spec: dict[str, Any], valid_from: datetime.date, commit: Any) -> None:
    """Draft and publish (four eyes) a version of the rule with one more
    basis, as the legal team does in the admin; `commit` runs what publishing
    leaves for after the commit (the rules' cache is cleared)."""
    rule = Rule.objects.get(key=catalogue.VAT_BASES)
    value = dict(rules_on([catalogue.VAT_BASES], on=TODAY).value(catalogue.VAT_BASES))
    value[key] = spec
    author, approver = LegalFactory(), LegalFactory()
    version = rules_services.rule_version_draft(
        rule=rule,
        value=value,
        valid_from=valid_from,
        reason="Legal team: a second exemption",
        acting_user=author,
    )
    with commit(execute=True):
        rules_services.rule_version_publish(version=version, acting_user=approver)


COACHING_EXEMPTION = {
    "category": "E",
    "name": {"nl": "Vrijgesteld, opleiding", "fr": "Exempté, formation", "en": "Exempt, training"},
    "mention": {
        "nl": "Vrijstelling van btw: artikel 44, § 2, 4°, van het Btw-Wetboek.",
        "fr": "Exemption de TVA : article 44, § 2, 4°, du Code de la TVA.",
        "en": "Exempt from VAT: Article 44, § 2, 4°, of the Belgian VAT Code.",
    },
    "vatex_code": None,
    "legal_reference": "VAT Code art. 44, § 2, 4°",
    "conditions": {
        "client_location": "belgium",
        "client_vat_number": False,
        "client_sectors": [],
        "activity_kinds": ["other"],
    },
}


def test_the_legal_team_adds_an_exemption_basis_in_the_admin_without_code(
    me, django_capture_on_commit_callbacks
):
    start = first_of_next_month()
    _add_basis("art44_2_4", COACHING_EXEMPTION, start, django_capture_on_commit_callbacks)
    client, coaching = belgian_company(me), ActivityFactory(member=me, kind="other")
    assert "E:art44_2_4" not in offered_codes(client, "other")  # not yet in force
    with on(start):
        options, _provenance = vat_options(start)
        codes = {o.code for o in vat_bases.offered(options, client=client, activity=coaching)}
        assert "E:art44_2_4" in codes
        draft = services.invoice_draft_save(
            member=me,
            acting_user=me.user,
            client=client,
            activity=coaching,
            supply_date=start,
            payment_term_days=30,
            lines=invoice_lines([("Workshop", "1", "400", "E:art44_2_4")]),
        )
    invoice = issue(draft, today=start)
    assert invoice.lines.get().vat_basis == "art44_2_4"
    assert invoice.mentions == ["Vrijstelling van btw: artikel 44, § 2, 4°, van het Btw-Wetboek."]


def test_two_exemption_bases_cannot_share_an_invoice(me, django_capture_on_commit_callbacks):
    start = first_of_next_month()
    _add_basis(
        "art44_2_4",
        {
            **COACHING_EXEMPTION,
            "conditions": {
                "client_location": "any",
                "client_vat_number": False,
                "client_sectors": [],
                "activity_kinds": [],
            },
        },
        start,
        django_capture_on_commit_callbacks,
    )
    client, artistic = show_organiser(me), ActivityFactory(member=me, kind="artistic")
    with on(start), pytest.raises(ValidationError) as caught:
        services.invoice_draft_check(
            member=me,
            client=client,
            activity=artistic,
            supply_date=start,
            payment_term_days=30,
            lines=invoice_lines(
                [("Concert", "1", "800", "E:art44_2_8"), ("Workshop", "1", "100", "E:art44_2_4")]
            ),
        )
    (message,) = caught.value.message_dict["__all__"]
    assert "one basis per category" in message


# --- The mention, on the PDF and in the e-invoice ---------------------------------------


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("nl", "Verlegging van heffing: btw te voldoen door de medecontractant"),
        ("fr", "Autoliquidation : TVA à acquitter par le cocontractant"),
        ("en", "Reverse charge: VAT to be paid by the co-contractor"),
    ],
)
def test_the_co_contractor_mention_is_printed_and_sent_in_the_clients_language(
    me, django_capture_on_commit_callbacks, language, words
):
    client = belgian_company(me)
    client.language = language
    client.save()
    builder = ActivityFactory(member=me, kind="immovable")
    with django_capture_on_commit_callbacks(execute=True):
        invoice = issue(save(me, client, builder, "AE:be_cocontractor"))
    assert invoice.mentions[0].startswith(words)
    document = InvoiceDocument.objects.get(invoice=invoice, format="pdf")
    assert words in pdf_text(documents_services.document_read(document))
    content = ubl(invoice)
    assert xpath(content, "//cac:TaxSubtotal/cac:TaxCategory/cbc:TaxExemptionReason/text()")[
        0
    ].startswith(words)
    assert xpath(content, "//cac:TaxSubtotal//cbc:TaxExemptionReasonCode/text()") == ["VATEX-EU-AE"]


CONFORMANCE = [
    ("belgian company", belgian_company, "other", "S:21"),
    ("belgian company", belgian_company, "immovable", "AE:be_cocontractor"),
    ("belgian show organiser", show_organiser, "artistic", "E:art44_2_8"),
    ("belgian consumer", belgian_consumer, "other", "S:6"),
    ("belgian consumer", belgian_consumer, "other", "Z:0"),
    ("dutch company", dutch_company, "other", "AE:eu_services"),
    ("german company", german_company, "other", "K:eu_goods"),
    ("french consumer", french_consumer, "other", "S:21"),
    ("american company", american_company, "other", "G:export"),
    ("american company", american_company, "other", "O:outside_eu"),
    ("swiss consumer", swiss_consumer, "artistic", "G:export"),
]


@needs_rules
@pytest.mark.parametrize(
    ("name", "make_client", "kind", "code"),
    CONFORMANCE,
    ids=[f"{c[0]}-{c[3]}" for c in CONFORMANCE],
)
def test_each_vat_option_and_client_kind_passes_the_official_rules(
    me, name, make_client, kind, code
):
    client = make_client(me)
    invoice = issue(save(me, client, ActivityFactory(member=me, kind=kind), code))
    assert_valid(ubl(invoice))
    line = invoice.lines.get()
    assert line.vat_code == code
    if ":" in code and not code.split(":")[1].replace(".", "").isdigit():
        bases = rules_on([catalogue.VAT_BASES], on=TODAY).value(catalogue.VAT_BASES)
        mention = bases[code.split(":")[1]]["mention"][client.language]
        assert invoice.mentions == [mention]
        reason = xpath(ubl(invoice), "//cac:TaxSubtotal//cbc:TaxExemptionReason/text()")
        assert reason == [mention]
    assert invoice.total_net == Decimal("100.00")

"""The back office's journeys in a real browser, each as the role's demo user
(seed_demo's logins, two-factor on): the legal team drafts a new value,
edits it, reads what changes and what it reaches, has the second lawyer
approve it, sees it in force, and follows the rule versions an invoice
recorded."""

import datetime
from decimal import Decimal
from importlib.resources import files

import pytest
from playwright.sync_api import Browser, expect

from invoicing.models import InvoicePayment, UnmatchedBankLine
from members import services as member_services
from members.demo import DEMO_DOMAIN, DEMO_PASSWORD, seed_demo_logins
from rules.models import RuleVersion
from shares import services as share_services
from smartcoop.lib.ogm import ogm_format, ogm_from_number
from tests.e2e.helpers import staff_signs_in
from tests.factories import (
    ClientFactory,
    LocationFactory,
    MemberFactory,
    PaidMemberFactory,
    ResourceFactory,
    issued_invoice,
)
from tests.helpers import bank_statement, first_of_next_month
from tests.shares.support import paid_subscription, subscribed
from tests.workspaces.conftest import book, in_days

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

KEY = "invoicing.contribution_rate"


def test_legal_drafts_edits_previews_and_a_second_lawyer_publishes(live_server, browser: Browser):
    seed_demo_logins()
    member = PaidMemberFactory(legal_name="Lotte Maes", language="en")
    invoice = issued_invoice(member, client=ClientFactory(member=member))
    day = first_of_next_month()
    base = live_server.url

    # --- Hélène (legal@) drafts 7 % from the first of next month, then edits it ----
    page = browser.new_context(locale="en-US").new_page()
    staff_signs_in(page, base, f"legal@{DEMO_DOMAIN}", DEMO_PASSWORD)
    page.goto(f"{base}/admin/rules/rule/?q={KEY}")
    row = page.locator("#result_list tr", has_text=KEY)
    expect(row).to_contain_text("6.5 %")
    expect(row).to_contain_text("In per cent: type 6.5")
    row.get_by_role("link", name=KEY, exact=True).click()
    page.get_by_role("link", name="Draft a new version").click()
    page.get_by_label("Valid from").fill(day.isoformat())
    page.get_by_label("Value:", exact=True).fill("0,07")  # a fraction where percent is meant
    page.get_by_label("Reason").fill("General meeting of 20 November 2026")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".errorlist")).to_contain_text("If you meant 7 %")
    assert not RuleVersion.objects.filter(rule__key=KEY, status="draft").exists()
    page.get_by_label("Value:", exact=True).fill("7")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    draft = RuleVersion.objects.get(rule__key=KEY, status="draft")

    page.goto(f"{base}/admin/rules/ruleversion/{draft.pk}/change/")
    page.get_by_label("Value:", exact=True).fill("7,5")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    draft.refresh_from_db()
    assert draft.value == "7.5"

    # What changes from that day, and what it reaches.
    page.goto(f"{base}/admin/rules/rule/preview/?on={day.isoformat()}&include_drafts=on")
    change = page.locator("#rule-changes tr", has_text=KEY)
    expect(change).to_contain_text("6.5 %")
    expect(change).to_contain_text("7.5 %")
    expect(change.locator(".reach")).to_contain_text("draft invoices")
    page.context.close()

    # --- Pieter (legal2@), who neither wrote nor edited it, approves -----------------
    page = browser.new_context(locale="en-US").new_page()
    staff_signs_in(page, base, f"legal2@{DEMO_DOMAIN}", DEMO_PASSWORD)
    page.goto(f"{base}/admin/rules/ruleversion/{draft.pk}/change/")
    expect(page.locator(".field-diff")).to_contain_text("+ 7.5 %")
    page.goto(f"{base}/admin/rules/ruleversion/?status__exact=draft")
    page.get_by_role("checkbox", name="Select this object for an action").first.check()
    page.get_by_role("combobox", name="Action").select_option(
        label="Approve and publish the selected drafts"
    )
    page.get_by_role("button", name="Go").click()
    expect(page.locator(".messagelist")).to_contain_text("Published")
    draft.refresh_from_db()
    assert draft.status == "published" and draft.approver is not None
    assert draft.approver.email == f"legal2@{DEMO_DOMAIN}"

    # In force on that day: the list's next change, and the timeline.
    page.goto(f"{base}/admin/rules/rule/?q={KEY}")
    expect(page.locator("#result_list tr", has_text=KEY)).to_contain_text(f"{day:%d/%m/%Y}: 7.5 %")
    page.goto(f"{base}/admin/rules/rule/preview/?on={day.isoformat()}")
    expect(page.locator("#rule-changes tr", has_text=KEY)).to_contain_text("Published")
    day_before = day - datetime.timedelta(days=1)
    page.goto(f"{base}/admin/rules/rule/preview/?on={day_before.isoformat()}")
    expect(page.locator("#rule-changes")).not_to_contain_text(KEY)

    # The rule versions an issued invoice recorded, one click away.
    page.goto(f"{base}/admin/invoicing/invoice/{invoice.pk}/change/")
    used = page.locator(".field-rules_used_links")
    expect(used).to_contain_text(KEY)
    used.get_by_role("link", name=KEY).click()
    expect(page.locator(".field-rule")).to_contain_text(KEY)
    expect(page.locator(".field-shown_value")).to_contain_text("6.5 %")
    page.context.close()


def _csv_amount(amount: Decimal) -> str:
    return f"{amount:.2f}".replace(".", ",")


def test_finance_finds_invoices_books_statements_reverses_and_exports_the_register(
    live_server, browser: Browser, tmp_path
):
    seed_demo_logins()
    member = PaidMemberFactory(legal_name="Lotte Maes", language="en")
    paid_by_bank = issued_invoice(member, client=ClientFactory(member=member, name="Atelier Noord"))
    waiting = issued_invoice(member, client=ClientFactory(member=member, name="Brouwerij Zuid"))
    applicant = MemberFactory(legal_name="Joris Wouters")
    subscription = subscribed(applicant, 1)
    unknown = ogm_from_number(int(waiting.structured_reference[:10]) + 5000)  # invoices' range
    base = live_server.url

    page = browser.new_context(locale="en-US").new_page()
    staff_signs_in(page, base, f"staff@{DEMO_DOMAIN}", DEMO_PASSWORD)

    # --- Find an invoice by number, structured reference (both ways) and client --------
    ogm = paid_by_bank.structured_reference
    for term in [paid_by_bank.number, ogm_format(ogm), ogm, "Atelier Noord"]:
        page.goto(f"{base}/admin/invoicing/invoice/")
        page.locator("#searchbar").fill(term)
        page.locator("#searchbar").press("Enter")
        results = page.locator("#result_list tbody tr")
        expect(results).to_have_count(1)
        expect(results).to_contain_text(paid_by_bank.number)

    # --- A CSV statement: two lines booked, one waits -----------------------------------
    statement = tmp_path / "statement.csv"
    statement.write_bytes(
        bank_statement(
            f"01/12/2026;{_csv_amount(paid_by_bank.amount_due)};EUR;{ogm_format(ogm)};"
            "Atelier Noord;BE68539007547034;BANK-1",
            f"01/12/2026;30,00;EUR;{ogm_format(subscription.structured_reference)};"
            "Joris Wouters;BE71096123456769;BANK-2",
            f"02/12/2026;{_csv_amount(waiting.amount_due)};EUR;{ogm_format(unknown)};"
            "Brouwerij Zuid;BE43068243190101;BANK-3",
        )
    )
    page.goto(f"{base}/admin/shares/payment/upload/")
    page.get_by_label("Bank statement (CSV export or CODA)").set_input_files(str(statement))
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#import-counts")).to_contain_text("booked: 2")
    expect(page.locator("#import-counts")).to_contain_text("to_resolve: 1")
    paid_by_bank.refresh_from_db()
    subscription.refresh_from_db()
    assert paid_by_bank.amount_due == 0 and subscription.status == "paid"

    # --- A CODA statement (the parser's own sample): read, its lines wait ---------------
    coda = tmp_path / "statement.cod"
    coda.write_bytes((files("coda") / "CODA.txt").read_bytes())
    page.goto(f"{base}/admin/shares/payment/upload/")
    page.get_by_label("Bank statement (CSV export or CODA)").set_input_files(str(coda))
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#import-counts")).to_contain_text("to_resolve")
    expect(page.locator("#import-lines tbody tr").first).to_be_visible()

    # --- Book the waiting line on the invoice it was meant for --------------------------
    line = UnmatchedBankLine.objects.get(structured_reference=unknown)
    page.goto(f"{base}/admin/invoicing/unmatchedbankline/{line.pk}/change/")
    page.get_by_role("link", name="Resolve").click()
    page.get_by_label("Book it on invoice").fill(waiting.number)
    page.get_by_label("How it was resolved").fill("The client typed a wrong reference.")
    page.get_by_role("button", name="Resolve a bank line").click()
    expect(page.locator(".messagelist")).to_contain_text("The bank line is resolved.")
    waiting.refresh_from_db()
    assert waiting.amount_due == 0

    # --- Reverse a payment booked by mistake --------------------------------------------
    payment = InvoicePayment.objects.get(invoice=paid_by_bank)
    page.goto(f"{base}/admin/invoicing/invoicepayment/{payment.pk}/change/")
    page.get_by_role("link", name="Reverse this payment").click()
    page.get_by_label("Why").fill("Booked twice by the bank.")
    page.locator("#content form [type=submit]").click()
    expect(page.locator(".messagelist")).to_contain_text("The payment was reversed.")
    paid_by_bank.refresh_from_db()
    assert paid_by_bank.amount_due > 0

    # --- Export the share register as of a date -----------------------------------------
    page.goto(f"{base}/admin/shares/registerentry/")
    page.get_by_role("link", name="The share register as of a date").click()
    page.get_by_label("As of").fill(datetime.date.today().isoformat())
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#register")).to_contain_text("Joris Wouters")
    with page.expect_download() as download:
        page.locator("#register-totals").get_by_role("link", name="CSV").click()
    exported = download.value.path().read_text(encoding="utf-8-sig")
    assert str(applicant.member_number) in exported and "Joris Wouters" in exported
    page.context.close()


def test_member_services_finds_a_member_corrects_a_name_refunds_an_exit_and_cancels_a_booking(
    live_server, browser: Browser
):
    seed_demo_logins()
    member = PaidMemberFactory(legal_name="Lotte Maes", language="en")
    member_services.member_legal_name_change_request(
        member=member, new_name="Lotte Maes-Peeters", acting_user=member.user
    )
    leaving = MemberFactory(legal_name="Joris Wouters")
    paid_subscription(leaving, 2, on=datetime.date(2026, 2, 2))
    exit_request = share_services.share_exit_request(
        member=leaving,
        quantity=2,
        requested_on=datetime.date(2026, 3, 16),
        acting_user=leaving.user,
    )
    room = ResourceFactory(location=LocationFactory(name="Liège"), name="Meeting room Meuse")
    booking = book(member, room, in_days(3), "10:00", "12:00")
    base = live_server.url

    page = browser.new_context(locale="en-US").new_page()
    staff_signs_in(page, base, f"services@{DEMO_DOMAIN}", DEMO_PASSWORD)

    # --- Find a member by number, name and email -----------------------------------------
    for term in [str(member.member_number), "Lotte", member.user.email]:
        page.goto(f"{base}/admin/members/member/")
        page.locator("#searchbar").fill(term)
        page.locator("#searchbar").press("Enter")
        expect(page.locator("#result_list tbody tr")).to_have_count(1)
        expect(page.locator("#result_list tbody tr")).to_contain_text("Lotte Maes")

    # --- Correct the legal name; the member's history shows it ---------------------------
    page.goto(f"{base}/admin/members/legalnamechange/")
    page.get_by_role("checkbox", name="Select this object for an action").first.check()
    page.get_by_role("combobox", name="Action").select_option(label="Approve the new legal name")
    page.get_by_role("button", name="Go").click()
    member.refresh_from_db()
    assert member.legal_name == "Lotte Maes-Peeters"
    page.goto(f"{base}/admin/members/member/{member.pk}/history/")
    expect(page.locator("#content")).to_contain_text("Lotte Maes-Peeters")

    # --- An exit request through to its refund --------------------------------------------
    page.goto(f"{base}/admin/shares/exitrequest/")
    page.get_by_role("checkbox", name="Select this object for an action").first.check()
    page.get_by_role("combobox", name="Action").select_option(
        label="Approve the exit (the register records it)"
    )
    page.get_by_role("button", name="Go").click()
    expect(page.locator(".messagelist")).to_contain_text("done")
    exit_request.refresh_from_db()
    assert exit_request.status == "approved"
    page.goto(f"{base}/admin/shares/exitrequest/{exit_request.pk}/change/")
    page.get_by_role("link", name="Record the refund").click()
    expect(page.get_by_label("Amount refunded")).to_have_value("60.00")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("Refund recorded in the register.")
    exit_request.refresh_from_db()
    assert exit_request.status == "refunded"

    # --- Cancel a booking with a reason ---------------------------------------------------
    page.goto(f"{base}/admin/workspaces/booking/")
    page.locator("#result_list tr", has_text="Meeting room Meuse").get_by_role(
        "link", name="Cancel on behalf"
    ).click()
    page.get_by_label("Why the booking is cancelled (sent to the member)").fill(
        "The room is flooded; we are sorry."
    )
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("Booking cancelled")
    booking.refresh_from_db()
    assert booking.status == "cancelled"
    page.context.close()

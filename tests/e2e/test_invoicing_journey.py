"""Invoicing, in a real browser: a member creates a client, drafts an invoice
with three lines at 21 %, 6 % and 0 %, watches the totals follow the lines
without a page reload, issues it, finds it in the list with its number, and
credits part of it.

Locators go through labels and roles; the line inputs, repeated per line,
through their ids."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from invoicing.models import Invoice
from members.models import Member
from tests.e2e.helpers import member_signs_in
from tests.factories import ActivityFactory, MemberFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

EMAIL = "sofie.peeters@example.be"


def _fill_line(
    page: Page, index: int, description: str, quantity: str, price: str, vat: str
) -> None:
    page.locator(f"#id_lines-{index}-description").fill(description)
    page.locator(f"#id_lines-{index}-quantity").fill(quantity)
    page.locator(f"#id_lines-{index}-unit_price").fill(price)
    page.locator(f"#id_lines-{index}-vat").select_option(label=vat)


def test_draft_issue_find_and_credit_an_invoice(live_server, page: Page) -> None:
    base = live_server.url
    member: Member = MemberFactory(language="en", status="member", user__email=EMAIL)
    ActivityFactory(member=member, name="Dutch to French translation")
    year = timezone.localdate().year
    main = page.get_by_role("main")
    member_signs_in(page, base, EMAIL)

    # A new client, a Belgian company: its Peppol id is derived.
    page.goto(f"{base}/clients/new/")
    main.get_by_label("Name").fill("Vertaalbureau Noord BV")
    main.get_by_label("Street and number").fill("Kouter 7")
    main.get_by_label("Postal code").fill("9000")
    main.get_by_label("City").fill("Gent")
    main.get_by_label("Country").select_option(label="Belgium")
    main.get_by_label("VAT number").fill("BE 0403.019.261")
    main.get_by_label("Invoice email").fill("billing@noord.example.be")
    main.get_by_role("button", name="Save client").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vertaalbureau Noord BV")
    expect(main).to_contain_text("0208:0403019261")

    # A draft with three lines; the totals follow without a reload.
    main.get_by_role("link", name="New invoice").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New invoice")
    expect(main.get_by_label("Client", exact=True)).to_have_value(re.compile(r"\d+"))
    main.get_by_label("Activity").select_option(label="Dutch to French translation")
    page.wait_for_function("() => window.htmx !== undefined")
    url_before = page.url
    _fill_line(page, 0, "Translation NL>FR", "10", "50.00", "21 %")
    expect(page.locator('[data-total="gross"]')).to_have_text("€605.00")
    main.get_by_role("button", name="Add a line").click()
    _fill_line(page, 1, "Printed glossaries", "2", "20.00", "6 %")
    main.get_by_role("button", name="Add a line").click()
    _fill_line(page, 2, "Newspaper subscription", "1", "3.00", "0 % (Zero rated)")
    # A fourth line typed and removed again counts for nothing.
    main.get_by_role("button", name="Add a line").click()
    _fill_line(page, 3, "Mistake", "1", "1000", "21 %")
    expect(page.locator('[data-total="gross"]')).to_have_text("€1,860.40")
    main.get_by_role("button", name="Remove line 4").click()
    totals = page.locator("#totals")
    expect(totals.locator('[data-total="net"]')).to_have_text("€543.00")
    expect(totals.locator('[data-total="vat-S-21"]')).to_have_text("€105.00")
    expect(totals.locator('[data-total="vat-S-6"]')).to_have_text("€2.40")
    expect(totals.locator('[data-total="vat-Z-0"]')).to_have_text("€0.00")
    expect(totals.locator('[data-total="gross"]')).to_have_text("€650.40")
    expect(totals.locator('[data-total="contribution"]')).to_have_text("€35.30")
    expect(totals.locator('[data-total="member-share"]')).to_have_text("€507.70")
    assert page.url == url_before  # no page load happened

    main.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("draft, no number yet")
    main.get_by_role("link", name="Issue…").click()
    expect(main).to_contain_text("Issuing is final.")
    main.get_by_role("button", name="Issue the invoice").click()
    number = f"F{year}-000001"
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Invoice {number}")
    expect(page.get_by_role("status").first).to_contain_text(f"Invoice {number} issued.")
    expect(main).to_contain_text(re.compile(r"\+\+\+\d{3}/\d{4}/\d{5}\+\+\+"))

    # Found in the list, with its number and status.
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Invoices").click()
    row = main.get_by_role("row").filter(has_text=number)
    expect(row).to_contain_text("Vertaalbureau Noord BV")
    expect(row).to_contain_text("€650.40")
    expect(row).to_contain_text("Issued")

    # Credit two hours of the translation.
    row.get_by_role("link", name=number).click()
    main.get_by_role("link", name="Credit this invoice…").click()
    main.get_by_label("Quantity to credit for Translation NL>FR").fill("2")
    main.get_by_label("Reason").fill("Two pages were not delivered")
    main.get_by_role("button", name="Issue the credit note").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Credit note C{year}-000001")
    expect(main).to_contain_text("€121.00")
    expect(main).to_contain_text("VAT to be repaid to the State")

    invoice = Invoice.objects.get(number=number)
    assert invoice.amount_credited.to_eng_string() == "121.00"
    assert invoice.credit_notes.get().number == f"C{year}-000001"

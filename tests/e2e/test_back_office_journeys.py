"""The back office's journeys in a real browser, each as the role's demo user
(seed_demo's logins, two-factor on): the legal team drafts a new value,
edits it, reads what changes and what it reaches, has the second lawyer
approve it, sees it in force, and follows the rule versions an invoice
recorded."""

import datetime

import pytest
from playwright.sync_api import Browser, expect

from members.demo import DEMO_DOMAIN, DEMO_PASSWORD, seed_demo_logins
from rules.models import RuleVersion
from tests.e2e.helpers import staff_signs_in
from tests.factories import ClientFactory, PaidMemberFactory, issued_invoice
from tests.helpers import first_of_next_month

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
    assert draft.status == "published" and draft.approver.email == f"legal2@{DEMO_DOMAIN}"

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

"""The legal team in a real browser: one member drafts a new contribution
rate from next month, a second approves it, and the preview shows the change.
Both sign in through allauth with their two-factor code, as in production."""

import datetime

import pytest
from playwright.sync_api import Browser, Page, expect

from rules.models import RuleVersion
from tests.e2e.helpers import staff_signs_in
from tests.factories import LegalFactory
from tests.helpers import first_of_next_month

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

KEY = "invoicing.contribution_rate"


def _publish_first_draft(page: Page, base: str) -> None:
    page.goto(f"{base}/admin/rules/ruleversion/?status__exact=draft")
    page.get_by_role("checkbox", name="Select this object for an action").first.check()
    page.get_by_role("combobox", name="Action").select_option(
        label="Approve and publish the selected drafts"
    )
    page.get_by_role("button", name="Go").click()


def test_draft_approve_and_preview_a_new_contribution_rate(live_server, browser: Browser):
    author, approver = (
        LegalFactory(email="lawyer.a@example.be"),
        LegalFactory(email="lawyer.b@example.be"),
    )
    day = first_of_next_month()

    # --- The author drafts 7 % from the first of next month -------------------------
    page = browser.new_context(locale="en-US").new_page()
    staff_signs_in(page, live_server.url, author.email)
    page.goto(f"{live_server.url}/admin/rules/rule/?q={KEY}")
    page.get_by_role("link", name=KEY, exact=True).click()
    expect(page.get_by_text("6.5 %").first).to_be_visible()
    page.get_by_role("link", name="Draft a new version").click()
    page.get_by_label("Valid from").fill(day.isoformat())
    page.get_by_label("Value:", exact=True).fill("7")
    page.get_by_label("Reason").fill("General meeting of 20 November 2026")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    draft = RuleVersion.objects.get(rule__key=KEY, status="draft")
    assert (draft.value, draft.valid_from, draft.author) == ("7", day, author)

    # The author may not approve their own draft.
    _publish_first_draft(page, live_server.url)
    expect(page.locator(".messagelist")).to_contain_text("second member of the legal team")
    page.context.close()

    # --- A second lawyer reviews the diff and publishes ------------------------------
    page = browser.new_context(locale="en-US").new_page()
    staff_signs_in(page, live_server.url, approver.email)
    page.goto(f"{live_server.url}/admin/rules/ruleversion/{draft.pk}/change/")
    expect(page.locator(".field-diff")).to_contain_text("- 6.5 %")
    expect(page.locator(".field-diff")).to_contain_text("+ 7 %")
    _publish_first_draft(page, live_server.url)
    expect(page.locator(".messagelist")).to_contain_text("Published")
    draft.refresh_from_db()
    assert (draft.status, draft.approver) == ("published", approver)

    # --- The preview shows what changes from that day --------------------------------
    page.goto(f"{live_server.url}/admin/rules/rule/preview/?on={day.isoformat()}")
    row = page.locator("#rule-changes tr", has_text=KEY)
    expect(row).to_contain_text("6.5 %")
    expect(row).to_contain_text("7 %")
    page.goto(
        f"{live_server.url}/admin/rules/rule/preview/?on="
        f"{(day - datetime.timedelta(days=1)).isoformat()}"
    )
    expect(page.locator("#rule-changes")).not_to_contain_text(KEY)
    page.context.close()

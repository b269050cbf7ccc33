"""A finance colleague in a real browser: after the nightly run, they open
the compliance dashboard from the back office, find the member with an
overdue invoice among the findings, and acknowledge it with a note."""

import datetime
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import Browser, expect

from compliance import services
from compliance.models import EventKind, Finding, FindingStatus
from tests.e2e.helpers import staff_signs_in
from tests.factories import ClientFactory, PaidMemberFactory, StaffFactory, issued_invoice

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def test_finance_acknowledges_an_overdue_invoice_finding_on_the_dashboard(
    live_server, browser: Browser
):
    colleague = StaffFactory(email="finance@coop.example")
    colleague.groups.add(Group.objects.get(name="Finance"))
    member = PaidMemberFactory(legal_name="Lotte Maes", language="en")
    # Issued on 1 September with 30 days to pay: long overdue by now.
    invoice = issued_invoice(
        member,
        client=ClientFactory(member=member),
        supply_date=datetime.date(2026, 9, 1),
        today=datetime.date(2026, 9, 1),
    )
    services.compliance_run()  # what the 02:00 run did
    finding = Finding.objects.get(check_key="invoices.overdue")

    page = browser.new_context(locale="en-US").new_page()
    staff_signs_in(page, live_server.url, colleague.email)
    page.locator("#user-tools").get_by_role("link", name="Compliance dashboard").click()
    expect(page.get_by_role("heading", name="Compliance")).to_be_visible()
    page.get_by_role("link", name="Finance", exact=True).click()
    row = page.locator(f"#finding-{finding.pk}")
    expect(row).to_contain_text("Overdue invoices")
    expect(row).to_contain_text("Lotte Maes")
    expect(row.get_by_role("link", name=finding.subject_label)).to_have_attribute(
        "href", f"/admin/members/member/{member.pk}/change/"
    )
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "compliance-dashboard.png"), full_page=True)

    row.get_by_text("Acknowledge or resolve").click()
    row.get_by_label("Note").fill("Called Lotte: the client pays on Friday.")
    row.get_by_role("button", name="Acknowledge", exact=True).click()

    expect(page.locator(".messagelist")).to_contain_text("Finding acknowledged")
    expect(page.locator(f"#finding-{finding.pk}")).to_contain_text(
        "Called Lotte: the client pays on Friday."
    )
    finding.refresh_from_db()
    assert finding.status == FindingStatus.ACKNOWLEDGED and finding.acknowledged_by == colleague
    event = finding.events.get(kind=EventKind.ACKNOWLEDGED)
    assert event.note == "Called Lotte: the client pays on Friday." and event.by == colleague
    assert invoice.number in str(finding.details)
    page.context.close()

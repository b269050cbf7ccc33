"""Buying shares, in a real browser: a new member subscribes to two shares and
sees how to pay (structured reference, QR code, amount); staff book the
transfer in the back office; the member now holds two shares, is a member,
and downloads a share certificate whose PDF names them and their shares.

The member signs in through allauth's login page, staff with their
two-factor code, as in production. Locators go through labels and roles."""

import re
import subprocess
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from members.models import Member, Status
from shares.models import Certificate, RegisterEntry, Subscription
from smartcoop.lib.ogm import ogm_format
from tests.e2e.helpers import member_signs_in, staff_signs_in
from tests.factories import MemberFactory, StaffFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

EMAIL = "noor.janssens@example.be"
LEGAL_NAME = "Noor Janssens"
STAFF_EMAIL = "treasurer@example.be"
QR_LABEL = "Payment QR code with the amount, the account and the structured reference"
OGM = re.compile(r"^\+\+\+\d{3}/\d{4}/\d{5}\+\+\+$")


def _pdf_text(path: Path) -> str:
    result = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True)
    return " ".join(result.stdout.decode("utf-8").split())


def test_subscribe_pay_hold_and_download_a_certificate(
    live_server, page: Page, browser: Browser, tmp_path: Path
) -> None:
    base = live_server.url
    member: Member = MemberFactory(language="en", legal_name=LEGAL_NAME, user__email=EMAIL)
    staff = StaffFactory(email=STAFF_EMAIL)
    staff.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="shares", codename__in=["view_subscription", "add_payment"]
        )
    )
    main = page.get_by_role("main")

    # --- The member subscribes to two shares -------------------------------------------
    member_signs_in(page, base, EMAIL, LEGAL_NAME)
    expect(main.get_by_text("Applicant", exact=True)).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Shares").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Shares")
    main.get_by_role("link", name="Buy shares").click()
    expect(page).to_have_url(f"{base}/shares/subscribe/")
    main.get_by_label("Number of shares").fill("2")
    main.get_by_label("I accept the internal rules").check()
    main.get_by_label("I accept the data protection policy").check()
    main.get_by_label("I have read the financial-risk notice").check()
    main.get_by_role("button", name="Subscribe").click()

    subscription = Subscription.objects.get(member=member)
    expect(page).to_have_url(f"{base}/shares/subscriptions/{subscription.pk}/")
    expect(page.get_by_role("status")).to_contain_text("Your subscription is waiting for payment")
    expect(page.get_by_role("heading", level=1)).to_have_text("How to pay your shares")

    reference = main.locator("#pay-reference")
    expect(reference).to_have_text(OGM)
    expect(reference).to_have_text(ogm_format(subscription.structured_reference))
    qr = main.get_by_role("img", name=QR_LABEL)
    expect(qr).to_be_visible()
    expect(qr.locator("svg")).to_have_count(1)
    expect(qr.locator("svg")).to_be_visible()
    expect(main.locator("#pay-amount")).to_have_text("€60.00")  # the English format

    # --- Staff book the transfer in the back office --------------------------------------
    staff_page = browser.new_context(locale="en-US", timezone_id="Europe/Brussels").new_page()
    staff_signs_in(staff_page, base, STAFF_EMAIL)
    staff_page.goto(f"{base}/admin/shares/subscription/{subscription.pk}/change/")
    staff_page.get_by_role("link", name="Register a payment").click()
    expect(staff_page).to_have_url(f"{base}/admin/shares/subscription/{subscription.pk}/pay/")
    # The form proposes the amount due and today's date; staff accept both.
    expect(staff_page.get_by_label("Amount received")).to_have_value("60.00")
    expect(staff_page.get_by_label("Date received")).to_have_value(timezone.localdate().isoformat())
    staff_page.get_by_role("button", name="Save").click()
    expect(staff_page).to_have_url(f"{base}/admin/shares/subscription/{subscription.pk}/change/")
    expect(staff_page.locator(".messagelist")).to_contain_text("Payment booked")
    staff_page.context.close()

    subscription.refresh_from_db()
    assert (subscription.status, subscription.paid_on) == ("paid", timezone.localdate())
    assert RegisterEntry.objects.filter(member=member).count() == 1

    # --- The member holds two shares and is a member --------------------------------------
    page.reload()
    expect(main.locator("#pay-reference")).to_have_count(0)  # nothing left to pay
    expect(main.get_by_role("img", name=QR_LABEL)).to_have_count(0)
    expect(main).to_contain_text("Paid")
    main.get_by_role("link", name="Back to your shares").click()
    expect(page).to_have_url(f"{base}/shares/")
    expect(main.locator(".big-number")).to_have_text("2")
    expect(main).to_contain_text("shares held")
    expect(main.get_by_role("link", name="Buy more shares")).to_be_visible()
    entries = main.get_by_role("row").filter(has_text="Subscription paid")
    expect(entries).to_have_count(1)
    expect(entries).to_contain_text("+2")
    expect(entries).to_contain_text("€60.00")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()
    expect(main.get_by_text("Member", exact=True)).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Profile").click()
    status = main.locator("dt", has_text="Status").locator("xpath=following-sibling::dd[1]")
    expect(status).to_have_text("Member")
    member.refresh_from_db()
    assert member.status == Status.MEMBER

    # --- A certificate, downloaded as a PDF ------------------------------------------------
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Shares").click()
    with page.expect_download() as download_info:
        main.get_by_role("button", name="Get a certificate (PDF)").click()
    download = download_info.value
    certificate = Certificate.objects.get(member=member)
    assert download.suggested_filename == f"share-certificate-{certificate.number}.pdf"
    pdf = tmp_path / download.suggested_filename
    download.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    text = _pdf_text(pdf)
    assert LEGAL_NAME in text
    assert "2 shares" in text
    assert f"{certificate.number}" in text
    assert certificate.quantity == 2

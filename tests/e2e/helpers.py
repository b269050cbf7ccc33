"""Steps the browser tests share."""

import re

from playwright.sync_api import Page, expect

from tests.factories import TEST_PASSWORD, totp_now


def staff_signs_in(page: Page, base: str, email: str) -> None:
    """Through the back office door: allauth's login, then the two-factor code."""
    page.goto(f"{base}/admin/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    main = page.get_by_role("main")
    main.get_by_label("Email").fill(email)
    main.get_by_label("Password").fill(TEST_PASSWORD)
    main.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("heading", name="Two-Factor Authentication")).to_be_visible()
    main.get_by_label("Code").fill(totp_now())
    main.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(f"{base}/admin/")

"""Steps the browser tests share."""

import re

from allauth.mfa.totp.internal.auth import (
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from playwright.sync_api import Page, expect

from tests.factories import TEST_PASSWORD, TOTP_SECRET


def staff_signs_in(page: Page, base: str, email: str) -> None:
    """Through the back office door: allauth's login, then the two-factor code."""
    page.goto(f"{base}/admin/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    main = page.get_by_role("main")
    main.get_by_label("Email").fill(email)
    main.get_by_label("Password").fill(TEST_PASSWORD)
    main.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("heading", name="Two-Factor Authentication")).to_be_visible()
    code = format_hotp_value(hotp_value(TOTP_SECRET, next(yield_hotp_counters_from_time())))
    main.get_by_label("Code").fill(code)
    main.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(f"{base}/admin/")

"""Steps the browser tests share."""

import re

from playwright.sync_api import Page, expect

from tests.factories import TEST_PASSWORD, totp_now


def staff_signs_in(page: Page, base: str, email: str, password: str = TEST_PASSWORD) -> None:
    """Through the back office door: allauth's login, then the two-factor code."""
    page.goto(f"{base}/admin/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    main = page.get_by_role("main")
    main.get_by_label("Email").fill(email)
    main.get_by_label("Password").fill(password)
    main.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("heading", name="Two-Factor Authentication")).to_be_visible()
    main.get_by_label("Code").fill(totp_now())
    main.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(f"{base}/admin/")


def member_signs_in(page: Page, base: str, email: str, name: str | None = None) -> None:
    """Through the site's login; lands on the dashboard, which greets `name`
    when one is given."""
    page.goto(f"{base}/accounts/login/")
    main = page.get_by_role("main")
    main.get_by_label("Email").fill(email)
    main.get_by_label("Password", exact=True).fill(TEST_PASSWORD)
    main.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(f"{base}/")
    if name is not None:
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Hello, {name}")

"""A newcomer's first visit, in a real browser: sign up, confirm the email,
log in, complete the profile (after one mistake), log out.

Locators go through labels and roles only, so a field without an accessible
label, or a button without a name, fails this test (style.md, Pages)."""

import datetime
import re
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from playwright.sync_api import Page, expect

from members import validators
from members.models import ConsentKind, Member
from rules.selectors import rule_value

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

EMAIL = "lea.dubois@example.be"
PASSWORD = "kiwi-Harbour-4711-lantern"
LEGAL_NAME = "Léa Dubois"
GOOD_IBAN = "BE68 5390 0754 7034"
BAD_IBAN = "BE68 5390 0754 7035"  # one digit off: the checksum fails

CONFIRM_LINK = re.compile(r"https?://\S+/accounts/confirm-email/\S+?/(?=\s|$)", re.MULTILINE)


def _main(page: Page):
    # The header's language switcher is labelled "Language" too: form fields
    # are looked up inside <main>.
    return page.get_by_role("main")


def _confirmation_link(live_server_url: str) -> str:
    """The confirmation link of the one email sent, on the live server."""
    assert len(mail.outbox) == 1, [m.subject for m in mail.outbox]
    message = mail.outbox[0]
    assert message.to == [EMAIL]
    found = CONFIRM_LINK.search(str(message.body))
    assert found, message.body
    link = urlsplit(found.group(0))
    # The link is absolute and points at the site that sent it. Its scheme is
    # https whenever DATABASE_URL is set (ACCOUNT_DEFAULT_HTTP_PROTOCOL), while
    # the live server speaks plain http, so only host and path are reused.
    assert link.netloc == urlsplit(live_server_url).netloc
    return f"{live_server_url}{link.path}"


def test_sign_up_confirm_log_in_edit_profile_log_out(live_server, page: Page) -> None:
    main = _main(page)

    # --- Sign up -----------------------------------------------------------------
    page.goto(live_server.url)
    page.get_by_role("link", name="Sign up").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign Up")
    main.get_by_label("Email").fill(EMAIL)
    main.get_by_label("Password", exact=True).fill(PASSWORD)
    main.get_by_label("Password (again)").fill(PASSWORD)
    main.get_by_label("Legal name").fill(LEGAL_NAME)
    main.get_by_label("Language").select_option("en")
    main.get_by_label("I accept the internal rules").check()
    main.get_by_label("I accept the data protection policy").check()
    main.get_by_label("I have read the financial-risk notice").check()
    main.get_by_role("button", name="Sign Up").click()

    expect(page).to_have_url(re.compile(r"/accounts/confirm-email/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Verify Your Email Address")

    member = Member.objects.select_related("user").get(user__email=EMAIL)
    assert member.legal_name == LEGAL_NAME
    assert member.language == "en"
    consents = {c.kind: c.version for c in member.consents.all()}
    assert consents == {
        kind: rule_value("members.consent_document_versions")[kind] for kind in ConsentKind.values
    }
    assert not EmailAddress.objects.get(user=member.user, email=EMAIL).verified

    # --- Confirm the address from the email --------------------------------------
    page.goto(_confirmation_link(live_server.url))
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm Email Address")
    expect(main).to_contain_text(EMAIL)
    main.get_by_role("button", name="Confirm").click()

    # Not logged in by the link (ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION is off):
    # the person lands on the login page.
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    assert EmailAddress.objects.get(user=member.user, email=EMAIL).verified

    # --- Log in ------------------------------------------------------------------
    main.get_by_label("Email").fill(EMAIL)
    main.get_by_label("Password", exact=True).fill(PASSWORD)
    main.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hello, {LEGAL_NAME}")

    # --- The profile ---------------------------------------------------------------
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Profile").click()
    expect(page).to_have_url(f"{live_server.url}/members/{member.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Profile")
    main.get_by_role("link", name="Edit profile").click()
    expect(page).to_have_url(f"{live_server.url}/members/{member.pk}/edit/")

    def fill_profile(iban: str) -> None:
        main.get_by_label("Street and number").fill("Rue Haute 112")
        main.get_by_label("Postal code").fill("1000")
        main.get_by_label("City").fill("Bruxelles")
        main.get_by_label("Phone").fill("+32 2 555 12 34")
        main.get_by_label("Birth date").fill("1990-04-17")
        main.get_by_label("IBAN").fill(iban)
        main.get_by_role("button", name="Save").click()

    # A wrong IBAN first: the page comes back with the message next to the field
    # and nothing is saved.
    fill_profile(BAD_IBAN)
    expect(page).to_have_url(f"{live_server.url}/members/{member.pk}/edit/")
    iban_field = main.locator(".field").filter(has=page.get_by_label("IBAN"))
    expect(iban_field.get_by_role("listitem")).to_have_text(str(validators.INVALID_IBAN))
    expect(main.get_by_label("IBAN")).to_have_attribute("aria-invalid", "true")
    expect(main.get_by_label("IBAN")).to_have_value(BAD_IBAN)
    expect(main.get_by_label("Street and number")).to_have_value("Rue Haute 112")
    expect(page.get_by_role("status")).to_have_count(0)  # no success message
    member.refresh_from_db()
    assert (member.street, member.city, member.iban, member.phone, member.birth_date) == (
        "",
        "",
        "",
        "",
        None,
    )

    fill_profile(GOOD_IBAN)
    expect(page).to_have_url(f"{live_server.url}/members/{member.pk}/")
    expect(page.get_by_role("status")).to_contain_text("Your profile has been saved.")
    data = main.locator("dl.data-list")
    expect(data).to_contain_text("Rue Haute 112")
    expect(data).to_contain_text("1000 Bruxelles")
    expect(data).to_contain_text("+32 2 555 12 34")
    expect(data).to_contain_text("17/04/1990")  # the English pages' Belgian date order
    expect(data).to_contain_text(GOOD_IBAN)

    member.refresh_from_db()
    assert member.street == "Rue Haute 112"
    assert member.postal_code == "1000"
    assert member.city == "Bruxelles"
    assert member.iban == "BE68539007547034"
    assert member.birth_date == datetime.date(1990, 4, 17)

    # --- Log out -------------------------------------------------------------------
    page.get_by_role("banner").get_by_text(EMAIL).click()  # opens the account menu
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("link", name="Log in").first).to_be_visible()
    expect(page.get_by_text(EMAIL)).to_have_count(0)
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Profile")).to_have_count(0)
    page.goto(f"{live_server.url}/members/{member.pk}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/members/\d+/$"))


def test_language_switcher_stays_on_the_page_and_speaks_french(live_server, page: Page) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    header = page.get_by_role("banner")
    expect(header.get_by_role("link", name="Sign up")).to_be_visible()

    switcher = header.get_by_label("Language")
    switcher.select_option("fr")  # the select submits its form on change

    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/")
    expect(header.get_by_label("Langue")).to_have_value("fr")
    expect(header.get_by_role("link", name="S'inscrire")).to_be_visible()

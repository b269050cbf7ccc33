"""Accounts: login by email with verification, two-factor for staff, the
admin behind the same login, rate limits on."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import TEST_PASSWORD, MemberFactory, UserFactory, totp_now

pytestmark = pytest.mark.django_db


def test_login_by_email(client):
    member = MemberFactory()
    response = client.post(
        reverse("account_login"), {"login": member.user.email, "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")


def test_unverified_email_cannot_log_in(client):
    user = UserFactory()
    user.emailaddress_set.update(verified=False)
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": TEST_PASSWORD}
    )
    assert response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session


def test_admin_sends_anonymous_users_to_the_allauth_login(client):
    response = client.get(reverse("admin:index"), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("account_login") + "?next=")


def test_staff_without_two_factor_is_sent_to_set_it_up(staff_no_mfa):
    client = Client()
    client.force_login(staff_no_mfa)
    response = client.get(reverse("admin:index"), follow=True)
    # allauth may first ask for the password again (a forced login has no record of it)
    assert reverse("mfa_activate_totp") in [url for url, _status in response.redirect_chain]
    assert "two-factor" in str(next(iter(response.context["messages"])))


def test_member_is_refused_from_the_admin(member_client):
    response = member_client.get(reverse("admin:index"), follow=True)
    assert response.status_code == 403


def test_staff_login_requires_the_totp_code_then_reaches_the_admin(staff_user):
    client = Client()
    response = client.post(
        reverse("account_login") + "?next=/admin/",
        {"login": staff_user.email, "password": TEST_PASSWORD},
    )
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session  # the password alone is not enough

    response = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session

    response = client.post(reverse("mfa_authenticate"), {"code": totp_now()})
    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200


def test_failed_logins_are_rate_limited(client):
    member = MemberFactory()
    for _ in range(5):
        response = client.post(
            reverse("account_login"), {"login": member.user.email, "password": "wrong password"}
        )
        assert response.status_code == 200
    response = client.post(
        reverse("account_login"), {"login": member.user.email, "password": TEST_PASSWORD}
    )
    assert response.status_code == 200  # even the right password is refused for a while
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_staff_can_log_in_with_a_recovery_code(staff_user):
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    codes = RecoveryCodes.activate(staff_user).get_unused_codes()
    client = Client()
    client.post(reverse("account_login"), {"login": staff_user.email, "password": TEST_PASSWORD})
    response = client.post(reverse("mfa_authenticate"), {"code": codes[0]})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(staff_user.pk)
    # a recovery code works once
    client.logout()
    client.post(reverse("account_login"), {"login": staff_user.email, "password": TEST_PASSWORD})
    response = client.post(reverse("mfa_authenticate"), {"code": codes[0]})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_password_reset_by_email(client, mailoutbox):
    member = MemberFactory()
    client.post(reverse("account_reset_password"), {"email": member.user.email})
    assert len(mailoutbox) == 1
    link = next(line for line in mailoutbox[0].body.splitlines() if "/password/reset/key/" in line)
    path = link[link.index("/accounts/") :].strip()
    response = client.get(path, follow=True)
    form_url = response.redirect_chain[-1][0] if response.redirect_chain else path
    new_password = "another-long-password-2027"
    response = client.post(form_url, {"password1": new_password, "password2": new_password})
    assert response.status_code == 302
    client.logout()
    response = client.post(
        reverse("account_login"), {"login": member.user.email, "password": new_password}
    )
    assert response["Location"] == reverse("dashboard")

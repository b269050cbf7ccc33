import json

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from members import validators
from members.models import Member
from tests.factories import MemberFactory, UserFactory
from tests.members.support import profile_post

pytestmark = pytest.mark.django_db


def _signup_data(**overrides):
    data = {
        "email": "amira@example.be",
        "password1": "a-long-test-password-2026",
        "password2": "a-long-test-password-2026",
        "legal_name": "Amira El Amrani",
        "language": "en",
        "accept_internal_rules": "on",
        "accept_data_policy": "on",
        "accept_financial_risk": "on",
    }
    data.update(overrides)
    return data


def test_signup_creates_member_and_asks_to_verify_email(client):
    response = client.post(reverse("account_signup"), _signup_data())
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    member = Member.objects.select_related("user").get()
    assert member.user.email == "amira@example.be"
    assert member.consents.count() == 3
    assert not EmailAddress.objects.get(email="amira@example.be").verified
    assert len(mail.outbox) == 1
    assert "amira@example.be" in mail.outbox[0].to


def test_signup_without_consents_saves_nothing(client):
    data = _signup_data()
    del data["accept_financial_risk"]
    response = client.post(reverse("account_signup"), data)
    assert response.status_code == 200
    assert "accept_financial_risk" in response.context["form"].errors
    assert not Member.objects.exists()
    assert not EmailAddress.objects.exists()


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "A user is already registered with this email address."),
        ("nl", "Er is al een gebruiker geregistreerd met dit e-mailadres."),
        ("fr", "Un autre utilisateur utilise déjà cette adresse e-mail."),
    ],
)
def test_signup_with_an_email_in_use_says_so_next_to_the_field(language, expected):
    UserFactory(email="taken@example.be")
    client = Client(headers={"accept-language": language})
    response = client.post(reverse("account_signup"), _signup_data(email="taken@example.be"))
    assert response.status_code == 200
    assert response.context["form"].errors["email"] == [expected]
    assert Member.objects.count() == 0


def test_profile_redirects_to_own_profile(member_client, member):
    response = member_client.get(reverse("members:profile_redirect"))
    assert response["Location"] == reverse("members:profile", args=[member.pk])


def test_profile_page_shows_own_data(member_client, member):
    response = member_client.get(reverse("members:profile", args=[member.pk]))
    assert response.status_code == 200
    assert escape(member.legal_name) in response.content.decode()


@pytest.mark.parametrize("name", ["members:profile", "members:profile_edit", "members:data_export"])
def test_another_members_profile_is_404(member_client, other_member, name):
    response = member_client.get(reverse(name, args=[other_member.pk]))
    assert response.status_code == 404


def test_profile_edit_saves_and_switches_language(member_client, member):
    url = reverse("members:profile_edit", args=[member.pk])
    response = member_client.post(url, profile_post(member))
    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.city, member.iban, member.language) == ("Bruxelles", "BE68539007547034", "fr")
    assert response.cookies["django_language"].value == "fr"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("iban", "BE68 5390 0754 7035", validators.INVALID_IBAN),
        ("national_number", "85073003329", validators.INVALID_NATIONAL_NUMBER),
        ("enterprise_number", "0403.019.262", validators.INVALID_ENTERPRISE_NUMBER),
        ("birth_date", "2999-01-01", validators.BIRTH_DATE_IN_FUTURE),
    ],
)
@pytest.mark.parametrize("language", ["en", "nl", "fr"])
def test_bad_input_gets_a_message_next_to_the_field_in_the_users_language(
    member, field, value, message, language
):
    """Pages speak the member's profile language (until they pick another)."""
    Member.objects.filter(pk=member.pk).update(language=language)
    client = Client()
    client.force_login(member.user)
    before = Member.objects.values().get(pk=member.pk)
    response = client.post(
        reverse("members:profile_edit", args=[member.pk]),
        profile_post(member, **{field: value, "language": language}),
    )
    assert response.status_code == 200
    with translation.override(language):
        expected = str(message)
    assert response.context["form"].errors[field] == [expected]
    html = response.content.decode()
    assert f'id="id_{field}_error"' in html
    assert value in html or field == "birth_date"  # what the user typed is kept
    assert Member.objects.values().get(pk=member.pk) == before


def test_profile_edit_of_legal_name_creates_a_request(member_client, member):
    url = reverse("members:profile_edit", args=[member.pk])
    member_client.post(url, profile_post(member, legal_name="New Name"))
    member.refresh_from_db()
    assert member.legal_name != "New Name"
    response = member_client.get(reverse("members:profile", args=[member.pk]))
    assert "New Name" in response.content.decode()  # shown as waiting for approval
    change = member.name_changes.get()
    withdraw = reverse("members:name_change_withdraw", args=[member.pk, change.pk])
    assert member_client.get(withdraw).status_code == 405
    assert member_client.post(withdraw).status_code == 302
    change.refresh_from_db()
    assert change.state == "withdrawn"


def test_withdrawing_another_members_request_is_404(member_client, member):
    other = MemberFactory()
    change = other.name_changes.create(old_name="a", new_name="b")
    url = reverse("members:name_change_withdraw", args=[member.pk, change.pk])
    assert member_client.post(url).status_code == 404
    change.refresh_from_db()
    assert change.state == "pending"


def test_data_export_downloads_json(member_client, member):
    response = member_client.get(reverse("members:data_export", args=[member.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "attachment" in response["Content-Disposition"]
    assert response["Cache-Control"] == "no-store"
    data = json.loads(response.content)
    assert data["member"]["member_number"] == member.member_number


def test_dashboard_and_security_pages(member_client, member):
    assert escape(member.legal_name) in member_client.get(reverse("dashboard")).content.decode()
    response = member_client.get(reverse("members:security"))
    assert response.status_code == 200
    assert reverse("mfa_index") in response.content.decode()


def test_landing_page_for_anonymous(client):
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    assert reverse("account_signup") in response.content.decode()


def test_pages_follow_the_members_language_until_switched(member):
    member.language = "fr"
    member.save()
    client = Client()
    client.force_login(member.user)
    assert '<html lang="fr">' in client.get(reverse("dashboard")).content.decode()
    client.cookies["django_language"] = "nl"
    assert '<html lang="nl">' in client.get(reverse("dashboard")).content.decode()


@pytest.mark.parametrize("name", ["members:profile", "members:profile_edit"])
def test_profile_pages_query_count(member_client, member, django_assert_num_queries, name):
    # session, user, the member's language (no language cookie yet), the member with its user;
    # the profile page adds the pending name change and the consents.
    url = reverse(name, args=[member.pk])
    member_client.get(url)  # warm the session
    expected = 6 if name == "members:profile" else 4
    with django_assert_num_queries(expected):
        assert member_client.get(url).status_code == 200


def test_field_errors_are_announced_to_screen_readers(member_client, member):
    response = member_client.post(
        reverse("members:profile_edit", args=[member.pk]),
        profile_post(member, iban="BE00 1234"),
    )
    html = response.content.decode()
    assert 'aria-describedby="id_iban_helptext id_iban_error"' in html
    assert 'aria-invalid="true"' in html

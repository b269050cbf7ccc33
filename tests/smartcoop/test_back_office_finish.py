"""The back office's loose ends (issue 15, Small things): staff without a
member profile land on /admin/ after two-factor and are not shown member
links that would answer 404; a member who opens /admin/ gets a page in their
language that says why not and leads back; the admin header has one link to
the member site."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import TEST_PASSWORD, MemberFactory, StaffFactory, totp_now
from tests.helpers import logged_in, text_of

pytestmark = pytest.mark.django_db

MEMBER_ONLY_LINKS = [
    "invoicing:invoice_list",
    "invoicing:client_list",
    "invoicing:activity_list",
    "shares:overview",
    "members:profile_redirect",
]


def _log_in_with_two_factor(email: str) -> str:
    """Password, then the TOTP code; where allauth sends the person."""
    client = Client()
    response = client.post(reverse("account_login"), {"login": email, "password": TEST_PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")
    response = client.post(reverse("mfa_authenticate"), {"code": totp_now()})
    assert response.status_code == 302
    return response["Location"]


def test_staff_without_a_member_profile_land_on_the_back_office_after_two_factor():
    staff = StaffFactory()
    assert _log_in_with_two_factor(staff.email) == reverse("admin:index")


def test_staff_who_are_also_members_land_on_their_dashboard():
    staff = StaffFactory()
    MemberFactory(user=staff)
    assert _log_in_with_two_factor(staff.email) == reverse("dashboard")


def test_an_explicit_next_still_wins_for_staff():
    staff = StaffFactory()
    client = Client()
    url = reverse("account_login") + "?next=" + reverse("members:security")
    client.post(url, {"login": staff.email, "password": TEST_PASSWORD})
    response = client.post(reverse("mfa_authenticate"), {"code": totp_now()})
    assert response["Location"] == reverse("members:security")


def test_the_layout_hides_member_pages_from_staff_without_a_member_profile(
    django_assert_num_queries,
):
    staff = StaffFactory()
    page = text_of(logged_in(staff).get(reverse("members:security")))
    for name in MEMBER_ONLY_LINKS:
        assert f'href="{reverse(name)}"' not in page, name
    assert f'href="{reverse("admin:index")}"' in page  # the back office
    assert f'href="{reverse("workspaces:locations")}"' in page  # open to every login
    # What the hidden links led to: 404 (or, for the profile, back home).
    client = logged_in(staff)
    assert client.get(reverse("invoicing:invoice_list")).status_code == 404
    assert client.get(reverse("shares:overview")).status_code == 404


@pytest.mark.parametrize("staff", [False, True])
def test_members_see_every_member_link(staff):
    member = MemberFactory()
    member.user.is_staff = staff
    member.user.save(update_fields=["is_staff"])
    page = text_of(logged_in(member.user).get(reverse("dashboard")))
    for name in MEMBER_ONLY_LINKS:
        assert f'href="{reverse(name)}"' in page, name


@pytest.mark.parametrize(
    ("language", "title", "back"),
    [
        ("en", "No access to the back office", "Back to your dashboard"),
        ("nl", "Geen toegang tot de backoffice", "Terug naar je dashboard"),
        ("fr", "Pas d’accès au back-office", "Retour à votre tableau de bord"),
    ],
)
@pytest.mark.parametrize("path", ["admin:index", "admin:invoicing_invoice_changelist"])
def test_a_member_who_opens_the_admin_gets_a_page_in_their_language(language, title, back, path):
    member = MemberFactory(language=language)
    response = logged_in(member.user).get(reverse(path), follow=True)
    assert response.status_code == 403
    page = text_of(response)
    assert f'<html lang="{language}">' in page
    assert title in page and back in page
    assert f'<a class="button" href="{reverse("dashboard")}">' in page
    assert "403 Forbidden" not in page
    assert 'class="site-header"' in page  # the member site's layout


def test_another_members_object_still_answers_404(member_client, other_member):
    url = reverse("members:profile", args=[other_member.pk])
    assert member_client.get(url).status_code == 404


@pytest.mark.parametrize(
    ("language", "label"),
    [("en", "Member site"), ("nl", "Site voor vennoten"), ("fr", "Site des coopérateur·rices")],
)
def test_the_admin_header_has_one_link_to_the_member_site(language, label):
    client = logged_in(StaffFactory())
    page = text_of(client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE=language))
    header = page[
        page.index('id="user-tools"') : page.index("</div>", page.index('id="user-tools"'))
    ]
    assert header.count(f'href="{reverse("dashboard")}"') == 1
    assert label in header
    assert "View site" not in page

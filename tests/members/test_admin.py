import datetime

import pytest
from django.urls import reverse

from members import services
from members.models import LegalNameChange, Member, NationalNumberAccess, Status
from tests.factories import MemberFactory
from tests.helpers import staff_client
from tests.members.support import member_admin_post

pytestmark = pytest.mark.django_db


def test_changelist_search_by_name_email_and_number():
    client, _ = staff_client("view_member")
    a = MemberFactory(legal_name="Julien Renard")
    b = MemberFactory(legal_name="Sofie Peeters")
    url = reverse("admin:members_member_changelist")
    for term, expected in [
        ("renard", [a]),
        (b.user.email, [b]),
        (str(a.member_number), [a]),
        ("nobody", []),
    ]:
        response = client.get(url, {"q": term})
        assert response.status_code == 200
        assert list(response.context["cl"].result_list) == expected, term


def test_changelist_filters_by_status_and_category():
    client, _ = staff_client("view_member")
    a = MemberFactory(status=Status.MEMBER, category="A")
    MemberFactory(status=Status.APPLICANT, category="A")
    b = MemberFactory(status=Status.MEMBER, category="C")
    url = reverse("admin:members_member_changelist")
    response = client.get(url, {"status__exact": "member"})
    assert set(response.context["cl"].result_list) == {a, b}
    response = client.get(url, {"status__exact": "member", "category__exact": "C"})
    assert list(response.context["cl"].result_list) == [b]


def test_changelist_query_count_does_not_grow_with_rows(django_assert_max_num_queries):
    client, _ = staff_client("view_member")
    url = reverse("admin:members_member_changelist")
    MemberFactory.create_batch(2)
    client.get(url)
    with django_assert_max_num_queries(12) as few:
        client.get(url)
    MemberFactory.create_batch(40)
    # session, user, MFA check, permissions, counts, the page of members with their users
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200


def _member_with_nn() -> Member:
    member = MemberFactory(birth_date=datetime.date(1985, 7, 30))
    services.member_profile_update(
        member=member, acting_user=member.user, values={}, national_number="85073003328"
    )
    return member


def test_national_number_is_hidden_without_the_permission():
    client, _ = staff_client("view_member")
    member = _member_with_nn()
    response = client.get(reverse("admin:members_member_change", args=[member.pk]))
    html = response.content.decode()
    assert "85073003328" not in html
    assert "on file (hidden)" in html
    assert not NationalNumberAccess.objects.exists()


def test_national_number_is_shown_with_the_permission_and_the_read_is_logged():
    client, staff = staff_client("view_member", "view_national_number")
    member = _member_with_nn()
    response = client.get(reverse("admin:members_member_change", args=[member.pk]))
    assert "85073003328" in response.content.decode()
    access = NationalNumberAccess.objects.get()
    assert (access.member, access.accessed_by, access.purpose) == (member, staff, "admin_view")


def test_admin_edit_validates_iban_and_records_history():
    client, staff = staff_client("view_member", "change_member")
    member = MemberFactory()
    response = member_admin_post(client, member, iban="BE00 1234")
    assert response.status_code == 200
    assert "iban" in response.context["adminform"].form.errors
    response = member_admin_post(client, member, iban="be68 5390 0754 7034", city="Leuven")
    assert response.status_code == 302, response.context["adminform"].form.errors
    member.refresh_from_db()
    assert (member.iban, member.city) == ("BE68539007547034", "Leuven")
    latest = member.history.latest()
    assert (latest.history_user, latest.history_change_reason) == (
        staff,
        "edited in the back office",
    )
    history = client.get(reverse("admin:members_member_history", args=[member.pk]))
    assert history.status_code == 200


def test_status_action_applies_the_transition_map():
    client, _staff = staff_client("view_member", "change_member")
    ok = MemberFactory(status=Status.MEMBER)
    refused = MemberFactory(status=Status.APPLICANT)
    response = client.post(
        reverse("admin:members_member_changelist"),
        {"action": "set_status_excluded", "_selected_action": [ok.pk, refused.pk]},
        follow=True,
    )
    ok.refresh_from_db()
    refused.refresh_from_db()
    assert ok.status == Status.EXCLUDED
    assert refused.status == Status.APPLICANT
    messages = [str(m) for m in response.context["messages"]]
    assert any("cannot go from" in m for m in messages)


def test_members_cannot_be_deleted_in_the_admin():
    client, _ = staff_client("view_member", "change_member", "delete_member")
    member = MemberFactory()
    response = client.get(reverse("admin:members_member_delete", args=[member.pk]))
    assert response.status_code == 403


def test_legal_name_change_approval_action(django_capture_on_commit_callbacks):
    client, staff = staff_client("view_legalnamechange", "change_legalnamechange")
    member = MemberFactory(legal_name="Old Name")
    change = LegalNameChange.objects.create(member=member, old_name="Old Name", new_name="New")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:members_legalnamechange_changelist"),
            {"action": "approve", "_selected_action": [change.pk]},
        )
    member.refresh_from_db()
    change.refresh_from_db()
    assert member.legal_name == "New"
    assert (change.state, change.decided_by) == ("approved", staff)

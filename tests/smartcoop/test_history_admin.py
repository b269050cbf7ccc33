"""History pages in the back office are for reading: django-simple-history's
revert form would otherwise save a POSTed old version for anyone allowed to
view the history, past every service and its checks."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from simple_history.admin import SimpleHistoryAdmin

from members.models import Member
from smartcoop.admin_site import HistoryAdmin
from tests.factories import MemberFactory, StaffFactory


def test_every_history_admin_refuses_to_save_from_history():
    with_history = [
        model_admin
        for model_admin in admin.site._registry.values()
        if isinstance(model_admin, SimpleHistoryAdmin)
    ]
    assert with_history, "no admin with history registered?"
    unsafe = [type(m).__name__ for m in with_history if not isinstance(m, HistoryAdmin)]
    assert unsafe == []


@pytest.mark.django_db
def test_staff_who_may_view_cannot_revert_a_member_from_its_history():
    member = MemberFactory(legal_name="Original Name")
    member.legal_name = "Changed Name"
    member.save()
    first = member.history.order_by("history_id").first()
    staff = StaffFactory()
    staff.user_permissions.add(
        Permission.objects.get(content_type__app_label="members", codename="view_member")
    )
    client = Client()
    client.force_login(staff)
    url = reverse("admin:members_member_simple_history", args=[member.pk, first.history_id])
    assert client.get(url).status_code == 200
    response = client.post(url, {"legal_name": "Original Name", "_change_history": "1"})
    assert response.status_code == 403
    assert Member.objects.get(pk=member.pk).legal_name == "Changed Name"

"""The secretariat's back office: an assembly is created with its room booked,
items with resolution and PDF are added, and the actions convene (refused
inside the notice), count and publish."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from governance.models import AgendaDocument, Assembly, AssemblyStatus, Resolution
from tests.clock import TODAY, on
from tests.factories import PaidMemberFactory, ResourceFactory
from tests.governance.support import after_voting, convened, during_voting, vote
from tests.helpers import staff_client, text_of
from workspaces.models import Booking

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%%EOF\n"


def _split(prefix: str, moment: datetime.datetime) -> dict[str, str]:
    return {f"{prefix}_0": f"{moment:%d/%m/%Y}", f"{prefix}_1": f"{moment:%H:%M}"}


def test_staff_create_an_assembly_add_items_and_convene():
    client, _staff = staff_client("add_assembly", "view_assembly", app_label="governance")
    room = ResourceFactory()
    day = TODAY + datetime.timedelta(days=10)
    start = datetime.datetime.combine(day, datetime.time(10))
    with on(TODAY):
        response = client.post(
            reverse("admin:governance_assembly_add"),
            {
                "title": "GA 2026",
                "resource": room.pk,
                **_split("starts_at", start),
                **_split("ends_at", start + datetime.timedelta(hours=3)),
                "remote_allowed": "on",
                **_split("voting_opens_at", start - datetime.timedelta(days=3)),
                **_split("voting_closes_at", start + datetime.timedelta(hours=3)),
                "record_date": f"{TODAY:%d/%m/%Y}",
            },
        )
        assert response.status_code == 302, text_of(response)
        assembly = Assembly.objects.get()
        assert Booking.objects.get().resource == room
        item_url = reverse("admin:governance_assembly_add_item", args=[assembly.pk])
        refused = client.post(
            item_url,
            {
                "title": "Accounts",
                "kind": "ordinary",
                "text": "Approve",
                "seats": 1,
                "document_title": "Accounts",
                "document": _file(b"not a pdf"),
            },
        )
        assert "Upload the document as a PDF file." in text_of(refused)
        assert not assembly.items.exists()  # the item went with the refused PDF
        client.post(
            item_url,
            {
                "title": "Accounts",
                "kind": "ordinary",
                "text": "Approve",
                "seats": 1,
                "document_title": "Accounts",
                "document": _file(PDF),
            },
        )
        assert Resolution.objects.get().item.title == "Accounts"
        assert AgendaDocument.objects.get().size == len(PDF)
        response = client.post(
            reverse("admin:governance_assembly_changelist"),
            {"action": "convene", "_selected_action": [assembly.pk]},
            follow=True,
        )
    assert "the convocation must be sent at least 15 days before it" in text_of(response)
    assembly.refresh_from_db()
    assert assembly.status == AssemblyStatus.DRAFT


def _file(content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("doc.pdf", content, content_type="application/pdf")


def test_staff_count_and_publish_and_see_the_outcome(staff_user):
    setup = convened(staff_user)
    with during_voting(setup.assembly):
        vote(setup.ordinary, PaidMemberFactory())
    client, _staff = staff_client("add_assembly", "view_assembly", app_label="governance")
    changelist = reverse("admin:governance_assembly_changelist")
    with after_voting(setup.assembly):
        for action in ("count", "publish"):
            client.post(changelist, {"action": action, "_selected_action": [setup.assembly.pk]})
    setup.assembly.refresh_from_db()
    assert setup.assembly.status == AssemblyStatus.PUBLISHED
    page = text_of(
        client.get(reverse("admin:governance_assembly_change", args=[setup.assembly.pk]))
    )
    assert "adopted · quorum reached · 1/1" in page

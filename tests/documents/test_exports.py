"""PDF exports of a period, through the member's pages and the back office:
the ZIP holds exactly the frozen PDFs it should (checked with zipfile
against the stored bytes), the progress fragment in each state, every
refusal in the member's language with nothing saved, 404 for someone else's
export, and a fixed number of queries for the list and the progress.

Tasks run eagerly but only once the transaction commits; tests that need
the ZIP built wrap the request in django_capture_on_commit_callbacks."""

import datetime
import io
import zipfile
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape

from documents import services as documents
from documents.models import DocumentExport, ExportStatus, InvoiceDocument
from documents.services import EXPORT_BUSY, EXPORT_PERIOD_ORDER, EXPORT_PERIOD_TOO_LONG
from invoicing.models import Invoice
from members.models import Member
from tests.factories import MemberFactory, PaidMemberFactory, StaffFactory
from tests.helpers import logged_in, staff_client
from tests.invoicing.support import credit, draft, issued

pytestmark = pytest.mark.django_db

LIST = "documents:export_list"
PERIOD = {"date_from": "2026-01-01", "date_to": "2026-06-30"}


def _zip(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert archive.testzip() is None
        return {name: archive.read(name) for name in archive.namelist()}


def _stored(invoice: Invoice) -> bytes:
    """The frozen PDF as stored, checked against its SHA-256."""
    return documents.document_read(InvoiceDocument.objects.get(invoice=invoice, format="pdf"))


def _download(client: Client, url: str) -> dict[str, bytes]:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="invoices-')
    return _zip(response.getvalue())


@pytest.fixture
def book(django_capture_on_commit_callbacks: Any) -> dict[str, Any]:
    """Two members' documents around the period 1/1/2026 – 30/6/2026, in
    issuing order. All PDFs are stored on issue except `unrendered`'s, which
    the export renders and stores on the way."""
    sofie, julien = PaidMemberFactory(), PaidMemberFactory()
    with django_capture_on_commit_callbacks(execute=True):
        before = issued(sofie, today=datetime.date(2025, 12, 19))
        march = issued(sofie, today=datetime.date(2026, 3, 10))
        julien_may = issued(julien, today=datetime.date(2026, 5, 4))
        june = issued(sofie, today=datetime.date(2026, 6, 15))
        note = credit(june, today=datetime.date(2026, 6, 30))
    unrendered = issued(sofie, today=datetime.date(2026, 6, 30))  # its render task never ran
    after = issued(sofie, today=datetime.date(2026, 7, 1))
    draft(sofie, today=datetime.date(2026, 4, 1))  # a draft has no PDF to export
    assert not InvoiceDocument.objects.filter(invoice=unrendered).exists()
    return {
        "sofie": sofie,
        "julien": julien,
        "before": before,
        "march": march,
        "julien_may": julien_may,
        "june": june,
        "note": note,
        "unrendered": unrendered,
        "after": after,
    }


# --- What the ZIP holds ----------------------------------------------------------------


def test_a_member_exports_exactly_their_frozen_pdfs_of_the_period(
    book: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    sofie = book["sofie"]
    web = logged_in(sofie.user)
    frozen = {key: _stored(book[key]) for key in ("march", "june", "note")}

    with django_capture_on_commit_callbacks(execute=True):
        response = web.post(reverse(LIST), PERIOD)

    export = DocumentExport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("documents:export_detail", args=[export.pk])
    assert (export.requested_by, export.member, export.status) == (
        sofie.user,
        sofie,
        ExportStatus.DONE,
    )
    assert (export.total, export.done, export.percent) == (4, 4, 100)
    entries = _download(web, reverse("documents:export_download", args=[export.pk]))
    expected = [book[key] for key in ("march", "june", "note", "unrendered")]
    # Named by number, nothing else: not the document before or after the
    # period, not the draft, not Julien's invoice of May.
    assert sorted(entries) == sorted(f"{invoice.number}.pdf" for invoice in expected)
    for invoice in expected:
        assert entries[f"{invoice.number}.pdf"] == _stored(invoice)
        assert entries[f"{invoice.number}.pdf"].startswith(b"%PDF")
    # The documents stored before the export are the ones in it, unchanged.
    for key, content in frozen.items():
        assert entries[f"{book[key].number}.pdf"] == content
    assert export.size == export.file.size > 0
    assert book["julien_may"].number + ".pdf" not in entries


def test_staff_export_every_members_pdfs_or_one_members(
    book: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    web, staff = staff_client("view_invoice")
    in_period = [book[key] for key in ("march", "julien_may", "june", "note", "unrendered")]

    with django_capture_on_commit_callbacks(execute=True):
        response = web.post(reverse("admin:documents_documentexport_new"), PERIOD)

    export = DocumentExport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "admin:documents_documentexport_change", args=[export.pk]
    )
    assert export.member is None and export.requested_by == staff
    entries = _download(web, reverse("admin:documents_documentexport_download", args=[export.pk]))
    assert sorted(entries) == sorted(f"{invoice.number}.pdf" for invoice in in_period)
    for invoice in in_period:
        assert entries[f"{invoice.number}.pdf"] == _stored(invoice)

    # The export's page shows the same progress (ready, with its download);
    # the member's pages do not know a staff export.
    page = web.get(reverse("admin:documents_documentexport_change", args=[export.pk]))
    assert page.status_code == 200
    assert reverse("admin:documents_documentexport_download", args=[export.pk]) in (
        page.content.decode()
    )
    assert web.get(reverse("documents:export_detail", args=[export.pk])).status_code == 404

    # One member's, by member number.
    julien = book["julien"]
    with django_capture_on_commit_callbacks(execute=True):
        web.post(
            reverse("admin:documents_documentexport_new"),
            {**PERIOD, "member_number": julien.member_number},
        )
    only_julien = DocumentExport.objects.latest("pk")
    assert only_julien.member == julien
    entries = _download(
        web, reverse("admin:documents_documentexport_download", args=[only_julien.pk])
    )
    assert list(entries) == [f"{book['julien_may'].number}.pdf"]


def test_staff_export_refusals(book: dict[str, Any]) -> None:
    web, _staff = staff_client("view_invoice")
    url = reverse("admin:documents_documentexport_new")

    unknown = web.post(url, {**PERIOD, "member_number": "999999999"})
    backwards = web.post(url, {"date_from": "2026-06-30", "date_to": "2026-01-01"})

    assert unknown.status_code == backwards.status_code == 200
    assert "No member has this number." in unknown.content.decode()
    assert escape(str(EXPORT_PERIOD_ORDER)) in backwards.content.decode()
    assert not DocumentExport.objects.exists()


def test_staff_without_the_permission_are_refused(book: dict[str, Any]) -> None:
    export = DocumentExport.objects.create(
        requested_by=book["sofie"].user,
        member=book["sofie"],
        date_from=datetime.date(2026, 1, 1),
        date_to=datetime.date(2026, 1, 31),
    )
    web, _staff = staff_client("view_member")
    for url in (
        reverse("admin:documents_documentexport_new"),
        reverse("admin:documents_documentexport_progress", args=[export.pk]),
        reverse("admin:documents_documentexport_download", args=[export.pk]),
        reverse("admin:documents_documentexport_changelist"),
    ):
        assert web.get(url).status_code == 403, url
    assert web.post(reverse("admin:documents_documentexport_new"), PERIOD).status_code == 403
    assert DocumentExport.objects.count() == 1


# --- Progress --------------------------------------------------------------------------


def _export(member: Member, **fields: Any) -> DocumentExport:
    return DocumentExport.objects.create(
        requested_by=member.user,
        member=member,
        date_from=datetime.date(2026, 1, 1),
        date_to=datetime.date(2026, 6, 30),
        **fields,
    )


POLLS = 'hx-trigger="every 1s"'


@pytest.mark.parametrize(
    ("fields", "shown", "absent"),
    [
        # Waiting: the bar has no value yet (indeterminate), and it polls.
        (
            {"status": ExportStatus.PENDING},
            [
                "Waiting",
                "Counting the documents…",
                POLLS,
                'hx-swap="outerHTML"',
                '<progress id="export-bar-{pk}">',
            ],
            ["Download the ZIP file"],
        ),
        (
            {"status": ExportStatus.RUNNING, "total": 40, "done": 25},
            ["Being built", 'max="40" value="25"', "25 of 40 documents (62 %)", POLLS],
            ["Download the ZIP file"],
        ),
        # Ready: full bar, the download with its size, and no more polling.
        (
            {
                "status": ExportStatus.DONE,
                "total": 40,
                "done": 40,
                "size": 2048,
                "file": "exports/x.zip",
            },
            [
                "Ready",
                'max="40" value="40"',
                "40 of 40 documents (100 %)",
                "Download the ZIP file (2.0\xa0KB)",
                'href="/invoices/pdf-exports/{pk}/download/"',
            ],
            [POLLS, "hx-get"],
        ),
        (
            {"status": ExportStatus.DONE},
            ["Ready", "the ZIP file is empty", 'max="1" value="1"', "Download the ZIP file"],
            [POLLS],
        ),
        (
            {"status": ExportStatus.FAILED, "total": 40, "done": 25, "error": "OSError: disk"},
            ["Failed", "Something went wrong while building the ZIP file.", 'value="25"'],
            [POLLS, "Download the ZIP file", "OSError"],  # no technical detail for members
        ),
    ],
    ids=["pending", "running", "done", "done-empty", "failed"],
)
def test_the_progress_fragment_in_each_state(
    fields: dict[str, Any], shown: list[str], absent: list[str]
) -> None:
    member = PaidMemberFactory()
    export = _export(member, **fields)

    response = logged_in(member.user).get(reverse("documents:export_progress", args=[export.pk]))

    content = response.content.decode()
    assert response.status_code == 200
    assert f'<label for="export-bar-{export.pk}">' in content
    assert "<html" not in content  # a fragment, swapped into the page
    for text in shown:
        assert text.format(pk=export.pk) in content, text
    for text in absent:
        assert text not in content, text
    if fields["status"] in (ExportStatus.PENDING, ExportStatus.RUNNING):
        url = reverse("documents:export_progress", args=[export.pk])
        assert f'hx-get="{url}"' in content


def test_the_detail_page_holds_the_fragment_in_a_live_region() -> None:
    member = PaidMemberFactory()
    export = _export(member, status=ExportStatus.RUNNING, total=10, done=0)

    content = logged_in(member.user).get(reverse("documents:export_detail", args=[export.pk]))
    html = content.content.decode()

    assert '<div aria-live="polite">' in html
    assert f'id="export-progress-{export.pk}"' in html
    assert "js/htmx.min." in html
    assert "PDF export 01/01/2026 – 30/06/2026" in html


def test_the_list_shows_the_exports_and_the_invoice_list_links_to_it() -> None:
    member = PaidMemberFactory()
    done = _export(member, status=ExportStatus.DONE, total=3, done=3, size=1024, file="e/a.zip")
    web = logged_in(member.user)

    html = web.get(reverse(LIST)).content.decode()
    invoices = web.get(reverse("invoicing:invoice_list")).content.decode()

    assert reverse("documents:export_detail", args=[done.pk]) in html
    assert reverse("documents:export_download", args=[done.pk]) in html
    assert "Download (1.0\xa0KB)" in html
    # The form proposes this year so far.
    today = timezone.localdate()
    assert f'value="{today.year}-01-01"' in html and f'value="{today:%Y-%m-%d}"' in html
    assert reverse(LIST) in invoices


# --- Refusals ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"date_to": "2026-06-30"}, "date_from", "Give the first day of the period."),
        ({"date_from": "2026-01-01"}, "date_to", "Give the last day of the period."),
        ({"date_from": "2026-06-30", "date_to": "2026-01-01"}, "date_to", EXPORT_PERIOD_ORDER),
        ({"date_from": "2025-01-01", "date_to": "2026-01-02"}, "date_to", EXPORT_PERIOD_TOO_LONG),
    ],
    ids=["no-start", "no-end", "end-before-start", "over-a-year"],
)
def test_a_bad_period_is_refused_next_to_its_field(data: dict, field: str, message: Any) -> None:
    member = PaidMemberFactory()  # English pages

    response = logged_in(member.user).post(reverse(LIST), data)

    assert response.status_code == 200
    assert response.context["form"].errors == {field: [str(message)]}
    content = response.content.decode()
    assert f'<ul class="errorlist" id="id_{field}_error"><li>{escape(str(message))}</li>' in (
        content
    )
    assert 'aria-invalid="true"' in content
    assert not DocumentExport.objects.exists()


def test_a_second_export_waits_for_the_first() -> None:
    member = PaidMemberFactory()
    running = _export(member, status=ExportStatus.RUNNING, total=10, done=5)

    response = logged_in(member.user).post(reverse(LIST), PERIOD)

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [str(EXPORT_BUSY)]
    assert escape(str(EXPORT_BUSY)) in response.content.decode()
    assert list(DocumentExport.objects.all()) == [running]


def test_refusals_speak_the_members_language() -> None:
    """Sofie's profile says Dutch: the page and the service's message are Dutch."""
    sofie = MemberFactory(status="member", language="nl")

    response = logged_in(sofie.user).post(
        reverse(LIST), {"date_from": "2026-06-30", "date_to": "2026-01-01"}
    )

    content = response.content.decode()
    with translation.override("nl"):
        expected = str(EXPORT_PERIOD_ORDER)
    assert expected == "Het begin van de periode mag niet na het einde liggen."
    assert '<html lang="nl">' in content
    assert "Tot en met" in content  # the label "To", in Dutch
    assert escape(expected) in content
    assert response.context["form"].errors == {"date_to": [expected]}
    assert not DocumentExport.objects.exists()


# --- Someone else's export -------------------------------------------------------------


@pytest.mark.parametrize("name", ["export_detail", "export_progress", "export_download"])
def test_another_members_export_is_not_found(name: str) -> None:
    owner, other = PaidMemberFactory(), PaidMemberFactory()
    export = _export(owner, status=ExportStatus.DONE, total=0, size=22, file="e/b.zip")
    url = reverse(f"documents:{name}", args=[export.pk])

    assert logged_in(other.user).get(url).status_code == 404
    assert logged_in(StaffFactory()).get(url).status_code == 404


def test_an_export_not_ready_has_nothing_to_download() -> None:
    member = PaidMemberFactory()
    export = _export(member, status=ExportStatus.RUNNING, total=10, done=5)

    response = logged_in(member.user).get(reverse("documents:export_download", args=[export.pk]))

    assert response.status_code == 404


# --- Queries ---------------------------------------------------------------------------


def _many_exports(member: Member, count: int) -> None:
    for index in range(count):
        _export(
            member,
            status=ExportStatus.DONE if index % 2 else ExportStatus.FAILED,
            total=3,
            done=3,
            size=100,
            file=f"e/{index}.zip",
        )


@pytest.mark.parametrize("count", [1, 30])
def test_the_list_runs_a_fixed_number_of_queries(
    count: int, django_assert_num_queries: Any
) -> None:
    member = PaidMemberFactory()
    _many_exports(member, count)
    web = logged_in(member.user)

    # session, user, member (language middleware), member (the page's),
    # count of exports, the page of exports
    with django_assert_num_queries(6):
        response = web.get(reverse(LIST))
    assert response.status_code == 200


@pytest.mark.parametrize("count", [1, 30])
def test_the_progress_runs_a_fixed_number_of_queries(
    count: int, django_assert_num_queries: Any
) -> None:
    member = PaidMemberFactory()
    _many_exports(member, count)
    export = DocumentExport.objects.latest("pk")
    web = logged_in(member.user)

    # session, user, member (language middleware), the export (scoped to its owner)
    with django_assert_num_queries(4):
        response = web.get(reverse("documents:export_progress", args=[export.pk]))
    assert response.status_code == 200

"""Documents, in a real browser: a member downloads the PDF of an issued
invoice from its page (a real PDF, with the invoice number in its text; its
first page is rendered to PNG for people to look at), then asks for the PDF
export of the period and watches the progress bar reach "Ready" without a
page reload (htmx polling), and downloads the ZIP.

The export's task is held back when the page sends it (as when it waits in
the broker's queue), so the page shows it waiting; the test then runs it, as
a worker would, while the page polls.

The PNG goes to $TEST_ARTIFACTS_DIR, or test-artifacts/ at the repository's
root, and stays there after the run."""

import io
import os
import re
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import Page, expect

from documents import tasks
from documents.models import DocumentExport, ExportStatus
from members.models import Member
from tests.e2e.helpers import member_signs_in
from tests.factories import MemberFactory, issued_invoice

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

EMAIL = "amira.benali@example.be"
REPO = Path(__file__).resolve().parents[2]


def _artifacts() -> Path:
    directory = Path(os.environ.get("TEST_ARTIFACTS_DIR") or REPO / "test-artifacts")
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def _first_page_png(pdf: Path, number: str) -> Path:
    """pdftoppm names the page after the prefix (…-1.png); old runs' are removed first."""
    prefix = _artifacts() / f"invoice-{number}"
    for old in prefix.parent.glob(f"{prefix.name}-*.png"):
        old.unlink()
    subprocess.run(
        ["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", str(pdf), str(prefix)],
        check=True,
        capture_output=True,
    )
    pages = sorted(prefix.parent.glob(f"{prefix.name}-*.png"))
    assert len(pages) == 1, pages
    return pages[0]


def test_download_the_pdf_then_export_the_period(
    live_server: Any, page: Page, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    base = live_server.url
    member: Member = MemberFactory(language="en", status="member", user__email=EMAIL)
    invoice = issued_invoice(member)  # its PDF is stored once issuing commits
    main = page.get_by_role("main")
    member_signs_in(page, base, EMAIL)

    # The PDF, from the invoice's page.
    page.goto(f"{base}/invoices/")
    main.get_by_role("link", name=invoice.number).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Invoice {invoice.number}")
    with page.expect_download() as download_info:
        main.get_by_role("link", name="Download the PDF").click()
    download = download_info.value
    assert download.suggested_filename == f"{invoice.number}.pdf"
    pdf = tmp_path / download.suggested_filename
    download.save_as(pdf)
    content = pdf.read_bytes()
    assert content.startswith(b"%PDF-")
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert invoice.number in text

    # Its first page as a picture: an A4 page at 80 dpi, with something on it.
    png = _first_page_png(pdf, invoice.number)
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert png.stat().st_size > 10_000
    with Image.open(png) as image:
        width, height = image.size
        assert (abs(width - 661), abs(height - 935)) <= (2, 2), image.size
        grey = image.convert("L")
        inked = sum(grey.histogram()[:200])  # pixels clearly darker than paper
    assert inked > width * height // 100, "the first page is (almost) blank"

    # The export of the period, its task held in the "queue" for now.
    sent: list[tuple[Any, ...]] = []
    monkeypatch.setattr(
        tasks.export_build, "apply_async", lambda args=(), **kwargs: sent.append(args)
    )
    page.goto(f"{base}/invoices/")
    main.get_by_role("link", name="Export the PDFs").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("PDF exports")
    today = timezone.localdate()
    main.get_by_label("From", exact=True).fill(f"{today:%Y-%m}-01")
    main.get_by_label("To", exact=True).fill(f"{today:%Y-%m-%d}")
    main.get_by_role("button", name="Prepare the ZIP file").click()
    export = DocumentExport.objects.get(member=member)
    assert sent == [(export.pk,)]
    first = today.replace(day=1)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"PDF export {first:%d/%m/%Y} – {today:%d/%m/%Y}"
    )
    progress = main.get_by_role("progressbar", name="Documents in the ZIP file")
    expect(progress).to_be_visible()
    expect(main).to_contain_text("Waiting")
    page.wait_for_function("() => window.htmx !== undefined")
    page.evaluate("() => { window.stillTheSamePage = true; }")

    # A worker picks the task up; the page follows by itself.
    result = tasks.export_build.apply(args=(export.pk,))
    assert result.get() is True
    expect(main.locator(".export-progress")).to_have_attribute("data-status", "done")
    expect(main).to_contain_text("Ready")
    expect(progress).to_have_attribute("value", "1")
    expect(main).to_contain_text("1 of 1 document (100 %)")
    assert page.evaluate("() => window.stillTheSamePage === true"), "the page was reloaded"

    with page.expect_download() as download_info:
        main.get_by_role("link", name=re.compile(r"^Download the ZIP file \(")).click()
    archive = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(archive)
    assert archive.name == (
        f"invoices-member-{member.member_number}-{today:%Y%m}01-{today:%Y%m%d}.zip"
    )
    with zipfile.ZipFile(io.BytesIO(archive.read_bytes())) as zipped:
        assert zipped.namelist() == [f"{invoice.number}.pdf"]
        assert zipped.read(f"{invoice.number}.pdf") == content  # the same frozen bytes
    export.refresh_from_db()
    assert export.status == ExportStatus.DONE and export.size == archive.stat().st_size

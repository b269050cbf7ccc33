"""The checks on stored documents, Peppol delivery and clients' identifiers
(compliance/checks/documents_checks.py), against real invoices, real stored
files and the access point double: each problem opens one finding, in-order
data gives none, and fixing the problem resolves the finding the next run."""

import datetime
import random
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone, translation
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import InvalidChecksum
from stdnum.exceptions import ValidationError as StdnumError

from compliance import services as compliance
from compliance.models import EventKind, Finding, FindingStatus
from compliance.queries.documents import clients_with_invalid_belgian_ids, vat_number_problem
from compliance.registry import CHECKS, Context, Problem, Severity, Team
from documents import services as documents_services
from documents.models import InvoiceDocument
from einvoicing import services as einvoicing
from einvoicing.models import PeppolTransmission, TransmissionStatus
from einvoicing.routing import route_for_invoice
from einvoicing.selectors import peppol_routed
from invoicing import services
from invoicing.models import Client, Invoice
from smartcoop.lib.belgium import belgian_enterprise_number
from tests.clock import on
from tests.factories import ClientFactory, MemberFactory
from tests.invoicing.support import credit, draft, issued

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("on_today")]

MISSING = "documents.missing"
INTEGRITY = "documents.integrity"
PEPPOL = "einvoicing.not_delivered"
IDS = "clients.invalid_ids"
DAY = datetime.timedelta(days=1)


@pytest.fixture
def me():
    return MemberFactory(status="member", language="en", legal_name="Jan Peeters")


def ctx(*, now: datetime.datetime | None = None, open_subjects: Iterable[str] = ()) -> Context:
    now = now or timezone.now()
    return Context(today=timezone.localdate(now), now=now, open_subjects=frozenset(open_subjects))


def find(key: str, **kwargs: Any) -> list[Problem]:
    return list(CHECKS[key].find(ctx(**kwargs)))


def run(key: str) -> Finding | None:
    """Run one check; its only finding, if it has one."""
    compliance.compliance_run(keys=[key])
    findings = list(Finding.objects.filter(check_key=key))
    assert len(findings) <= 1, findings
    return findings[0] if findings else None


def subject_model(finding: Finding) -> Any:
    assert finding.subject_type is not None
    return finding.subject_type.model_class()


def at(moment: datetime.datetime | None) -> datetime.datetime:
    assert moment is not None
    return moment


def events(finding: Finding) -> list[str]:
    return list(finding.events.order_by("at", "pk").values_list("kind", flat=True))


def assert_resolved_by_the_run(key: str, finding: Finding) -> None:
    run(key)
    finding.refresh_from_db()
    assert finding.status == FindingStatus.RESOLVED and finding.resolved_by is None
    assert events(finding) == [EventKind.OPENED, EventKind.AUTO_RESOLVED]


def label(invoice: Invoice) -> str:
    return f"{invoice.number} · {invoice.member.member_number} Jan Peeters"


def rendered(member: Any, capture: Any, **kwargs: Any) -> Invoice:
    """An issued invoice whose documents the (eager) render task stored."""
    with capture(execute=True):
        return issued(member, **kwargs)


def test_the_four_checks_are_registered_with_their_severity_and_team():
    assert (CHECKS[MISSING].severity, CHECKS[MISSING].team) == (Severity.ERROR, Team.FINANCE)
    assert (CHECKS[INTEGRITY].severity, CHECKS[INTEGRITY].team) == (Severity.ERROR, Team.FINANCE)
    assert (CHECKS[PEPPOL].severity, CHECKS[PEPPOL].team) == (Severity.ERROR, Team.FINANCE)
    assert (CHECKS[IDS].severity, CHECKS[IDS].team) == (Severity.WARNING, Team.MEMBER_SERVICES)


# --- documents.missing -----------------------------------------------------------------------


def test_an_issued_invoice_without_its_documents_is_found_and_resolved_once_rendered(
    me, settings, django_capture_on_commit_callbacks
):
    settings.COMPLIANCE_DOCUMENT_GRACE_SECONDS = 0
    rendered(me, django_capture_on_commit_callbacks)  # in order
    invoice = issued(me)  # its render message was lost
    finding = run(MISSING)
    assert finding is not None and finding.subject_key == f"invoice:{invoice.pk}"
    assert subject_model(finding) is Invoice and finding.subject_id == invoice.pk
    assert finding.subject_label == label(invoice)
    assert finding.details == {
        "number": invoice.number,
        "kind": "invoice",
        "missing": ["pdf", "ubl"],
        "issued_at": at(invoice.issued_at).isoformat(),
    }
    with translation.override("en"):
        assert CHECKS[MISSING].describe(finding.details) == (
            f"{invoice.number} has no stored PDF, UBL."
        )
    documents_services.invoice_document_store(
        invoice_id=invoice.pk, format="ubl"
    )  # the sweep's work
    assert_resolved_by_the_run(MISSING, finding)


def test_documents_missing_are_reported_only_after_the_grace_period(me, settings):
    settings.COMPLIANCE_DOCUMENT_GRACE_SECONDS = 3600
    invoice = issued(me)
    assert find(MISSING) == []  # the sweep and the render queue get their chance first
    assert find(MISSING, now=at(invoice.issued_at) + datetime.timedelta(seconds=3599)) == []
    [problem] = find(MISSING, now=at(invoice.issued_at) + datetime.timedelta(seconds=3601))
    assert problem.key == f"invoice:{invoice.pk}"


def test_each_missing_format_is_named_and_credit_notes_are_checked_too(
    me, settings, django_capture_on_commit_callbacks
):
    settings.COMPLIANCE_DOCUMENT_GRACE_SECONDS = 0
    only_pdf = issued(me)
    documents_services.invoice_document_store(invoice_id=only_pdf.pk, format="pdf")
    note = credit(rendered(me, django_capture_on_commit_callbacks))  # its render was lost
    found = {p.key: p.details["missing"] for p in find(MISSING)}
    assert found == {f"invoice:{only_pdf.pk}": ["ubl"], f"invoice:{note.pk}": ["pdf", "ubl"]}
    assert draft(me) and len(find(MISSING)) == 2  # a draft has no documents to miss


def test_documents_missing_is_one_query_whatever_the_number_of_invoices(
    me, settings, django_assert_num_queries
):
    settings.COMPLIANCE_DOCUMENT_GRACE_SECONDS = 0
    for _n in range(4):
        issued(me)
    with django_assert_num_queries(1):  # the invoices with an anti-join per format
        assert len(find(MISSING)) == 4


# --- documents.integrity ---------------------------------------------------------------------


def stored_path(document: InvoiceDocument) -> Path:
    return Path(document.file.path)


@pytest.fixture
def two_invoices(me, django_capture_on_commit_callbacks) -> list[Invoice]:
    return [rendered(me, django_capture_on_commit_callbacks) for _n in range(2)]


def test_a_damaged_and_a_lost_file_are_found_and_resolved_once_restored(two_invoices, settings):
    settings.COMPLIANCE_DOCUMENT_SLICES = 1  # every document, every night
    assert run(INTEGRITY) is None  # in order
    first, second = two_invoices
    pdf = InvoiceDocument.objects.get(invoice=first, format="pdf")
    ubl = InvoiceDocument.objects.get(invoice=second, format="ubl")
    original_pdf, original_ubl = stored_path(pdf).read_bytes(), stored_path(ubl).read_bytes()
    # The rows are final (a trigger refuses changes); the damage is in storage.
    stored_path(pdf).write_bytes(original_pdf.replace(b"%PDF-", b"%PDF?", 1))
    stored_path(ubl).unlink()
    compliance.compliance_run(keys=[INTEGRITY])
    findings = {f.subject_key: f for f in Finding.objects.filter(check_key=INTEGRITY)}
    assert set(findings) == {f"document:{pdf.pk}", f"document:{ubl.pk}"}
    damaged = findings[f"document:{pdf.pk}"]
    assert subject_model(damaged) is InvoiceDocument
    assert damaged.subject_id == pdf.pk
    assert damaged.subject_label == f"{first.number} PDF · {first.member.member_number} Jan Peeters"
    assert damaged.details == {
        "number": first.number,
        "format": "pdf",
        "reason": "hash mismatch",
        "expected": pdf.sha256[:12],
        "actual": damaged.details["actual"],
        "error": "",
    }
    assert len(damaged.details["actual"]) == 12 and damaged.details["actual"] != pdf.sha256[:12]
    lost = findings[f"document:{ubl.pk}"]
    assert lost.details["reason"] == "file missing" and lost.details["actual"] == ""
    with translation.override("en"):
        sentence = CHECKS[INTEGRITY].describe(damaged.details)
        assert sentence == (
            f"The stored PDF of {first.number} no longer matches its SHA-256 (stored "
            f"{pdf.sha256[:12]}…, now {damaged.details['actual']}…)."
        )
        assert CHECKS[INTEGRITY].describe(lost.details) == (
            f"The stored UBL of {second.number} is gone from storage."
        )
    stored_path(pdf).write_bytes(original_pdf)
    stored_path(ubl).write_bytes(original_ubl)
    compliance.compliance_run(keys=[INTEGRITY])
    for finding in findings.values():
        finding.refresh_from_db()
        assert finding.status == FindingStatus.RESOLVED
        assert events(finding) == [EventKind.OPENED, EventKind.AUTO_RESOLVED]


def test_a_file_that_cannot_be_read_is_a_finding_not_a_failed_check(two_invoices, settings):
    settings.COMPLIANCE_DOCUMENT_SLICES = 1
    document = InvoiceDocument.objects.filter(invoice=two_invoices[0]).earliest("pk")
    path = stored_path(document)
    path.unlink()
    path.mkdir()  # opening it raises IsADirectoryError, and it "exists"
    try:
        [problem] = find(INTEGRITY)
    finally:
        path.rmdir()
    assert problem.details["reason"] == "unreadable"
    assert problem.details["error"] == "IsADirectoryError"


def slice_without(pks: Iterable[int], today: datetime.date) -> int:
    """A number of slices for which today's slice holds none of `pks`."""
    return next(n for n in range(2, 100) if all(pk % n != today.toordinal() % n for pk in pks))


def test_a_night_verifies_only_its_slice_but_always_the_documents_with_open_findings(
    two_invoices, settings
):
    documents = list(InvoiceDocument.objects.order_by("pk"))
    damaged = documents[0]
    stored_path(damaged).write_bytes(b"not what was stored")
    now = timezone.now()
    today = timezone.localdate(now)
    settings.COMPLIANCE_DOCUMENT_SLICES = slice_without([damaged.pk], today)
    assert find(INTEGRITY, now=now) == []  # not tonight's slice
    [problem] = find(INTEGRITY, now=now, open_subjects=[f"document:{damaged.pk}", "other:1"])
    assert problem.key == f"document:{damaged.pk}"
    # Another night, its slice comes round.
    slices = settings.COMPLIANCE_DOCUMENT_SLICES
    nights = (now + n * DAY for n in range(slices))
    night = next(
        t for t in nights if timezone.localdate(t).toordinal() % slices == damaged.pk % slices
    )
    assert [p.key for p in find(INTEGRITY, now=night)] == [f"document:{damaged.pk}"]


def test_an_open_finding_outside_tonights_slice_is_seen_fixed_when_fixed(two_invoices, settings):
    document = InvoiceDocument.objects.earliest("pk")
    original = stored_path(document).read_bytes()
    stored_path(document).write_bytes(original + b"\n")
    settings.COMPLIANCE_DOCUMENT_SLICES = 1
    finding = run(INTEGRITY)
    assert finding is not None and finding.details["reason"] == "hash mismatch"
    settings.COMPLIANCE_DOCUMENT_SLICES = slice_without(
        [document.pk], timezone.localdate(timezone.now())
    )
    run(INTEGRITY)  # still damaged: re-examined although not in tonight's slice
    finding.refresh_from_db()
    assert finding.status == FindingStatus.OPEN
    stored_path(document).write_bytes(original)
    assert_resolved_by_the_run(INTEGRITY, finding)


def test_the_documents_to_verify_are_chosen_in_one_query(
    me, two_invoices, settings, django_assert_num_queries
):
    settings.COMPLIANCE_DOCUMENT_SLICES = 1
    for document in InvoiceDocument.objects.all():
        stored_path(document).write_bytes(b"damaged")
    with django_assert_num_queries(1):  # the documents with their invoice and member
        assert len(find(INTEGRITY, open_subjects=["document:999999"])) == 4


# --- einvoicing.not_delivered ----------------------------------------------------------------


def later(days: float) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(days=days)


def test_a_failed_transmission_is_found_after_a_day_and_resolved_once_delivered(
    me, access_point, settings, django_capture_on_commit_callbacks
):
    access_point.script = [(400, {"message": "Receiver 0208:0403019261 not registered"})]
    invoice = rendered(me, django_capture_on_commit_callbacks)
    transmission = PeppolTransmission.objects.get(invoice=invoice)
    assert transmission.status == TransmissionStatus.FAILED
    settings.COMPLIANCE_PEPPOL_GRACE_SECONDS = 0
    finding = run(PEPPOL)
    assert finding is not None and finding.subject_key == f"invoice:{invoice.pk}"
    assert subject_model(finding) is Invoice and finding.subject_id == invoice.pk
    assert finding.subject_label == label(invoice)
    assert finding.details == {
        "number": invoice.number,
        "status": "failed",
        "since": at(transmission.failed_at).isoformat(),
        "error": "HTTP 400: Receiver 0208:0403019261 not registered",
    }
    with translation.override("en"):
        assert CHECKS[PEPPOL].describe(finding.details) == (
            f"The Peppol transmission of {invoice.number} failed on "
            f"{timezone.localtime(at(transmission.failed_at)):%d/%m/%Y}. Access point: HTTP 400: "
            "Receiver 0208:0403019261 not registered"
        )
    access_point.statuses["ap-1"] = {"status": "delivered", "message": "Delivered"}
    with django_capture_on_commit_callbacks(execute=True):
        einvoicing.transmission_retry(transmission=transmission, acting_user=me.user)
    with on(later(1)):
        einvoicing.transmissions_sweep()  # asks the access point what became of it
    transmission.refresh_from_db()
    assert transmission.status == TransmissionStatus.DELIVERED
    assert_resolved_by_the_run(PEPPOL, finding)


def test_a_failure_gets_a_day_and_a_fresh_invoice_is_still_in_flight(
    me, access_point, settings, django_capture_on_commit_callbacks
):
    settings.COMPLIANCE_PEPPOL_GRACE_SECONDS = 86400
    access_point.script = [(400, {"message": "refused"})]
    invoice = rendered(me, django_capture_on_commit_callbacks)
    failed = PeppolTransmission.objects.get(invoice=invoice)
    assert find(PEPPOL) == []  # issued less than a day ago
    assert find(PEPPOL, now=at(failed.failed_at) + DAY - datetime.timedelta(seconds=1)) == []
    assert len(find(PEPPOL, now=at(failed.failed_at) + DAY + datetime.timedelta(seconds=1))) == 1
    # A failure of yesterday evening on an invoice of last week: still a day to retry.
    PeppolTransmission.objects.filter(pk=failed.pk).update(failed_at=later(1.5))
    assert find(PEPPOL, now=later(2)) == []


def test_never_transmitted_queued_and_sent_without_delivery_are_found_delivered_is_not(
    me, access_point, settings, django_capture_on_commit_callbacks
):
    delivered = rendered(me, django_capture_on_commit_callbacks)
    PeppolTransmission.objects.filter(invoice=delivered).update(
        status=TransmissionStatus.DELIVERED, delivered_at=timezone.now()
    )
    sent = rendered(me, django_capture_on_commit_callbacks)  # accepted, never confirmed
    lost = rendered(me, django_capture_on_commit_callbacks)
    # Lost: as if issued before transmissions existed (the row never written).
    PeppolTransmission.objects.filter(invoice=lost).delete()
    settings.PEPPOL_ACCESS_POINT_URL = ""  # no access point: it waits, queued
    queued = rendered(me, django_capture_on_commit_callbacks)
    statuses = {
        p.key: (p.details["status"], p.details["error"]) for p in find(PEPPOL, now=later(1.1))
    }
    assert statuses == {
        f"invoice:{sent.pk}": ("sent", ""),
        f"invoice:{lost.pk}": ("none", ""),
        f"invoice:{queued.pk}": ("queued", einvoicing.NO_ACCESS_POINT),
    }
    with translation.override("en"):
        sentences = {
            status: CHECKS[PEPPOL].describe(
                {"number": "F1", "status": status, "since": "2026-11-20T23:30:00+00:00"}
            )
            for status in ("none", "queued", "sent")
        }
    # The day in Brussels (already the 21st), as the reader's language writes it.
    assert sentences["none"] == "F1 was never transmitted over Peppol (issued 21/11/2026)."
    assert "waiting since 21/11/2026" in sentences["queued"]
    assert "not confirmed" in sentences["sent"]


def test_only_invoices_whose_route_is_peppol_and_dated_from_2026_are_checked(me):
    consumer = ClientFactory(member=me, kind="person", vat_number="", enterprise_number="")
    abroad = ClientFactory(
        member=me, country="FR", vat_number="FR40303265045", enterprise_number=""
    )
    no_vat = ClientFactory(member=me, vat_number="")
    for client in (consumer, abroad, no_vat):
        issued(me, client=client)
    belgian = issued(me)
    credit_note = credit(belgian)
    assert not PeppolTransmission.objects.exclude(invoice__in=[belgian, credit_note]).exists()
    PeppolTransmission.objects.all().delete()  # nothing went out
    found = {p.key for p in find(PEPPOL, now=later(2))}
    assert found == {f"invoice:{belgian.pk}", f"invoice:{credit_note.pk}"}
    before = issued(me, today=datetime.date(2025, 12, 31))  # before the obligation
    PeppolTransmission.objects.filter(invoice=before).delete()
    assert f"invoice:{before.pk}" not in {p.key for p in find(PEPPOL, now=later(2))}


def test_the_peppol_filter_agrees_with_the_routing_rule(me):
    clients = [
        ClientFactory(member=me),
        ClientFactory(member=me, vat_number=""),
        ClientFactory(member=me, kind="person"),  # a consumer, even with a VAT number
        ClientFactory(member=me, kind="person", vat_number="", enterprise_number=""),
        ClientFactory(member=me, country="FR", vat_number="FR40303265045", enterprise_number=""),
        ClientFactory(member=me, country="NL", vat_number="", enterprise_number=""),
        ClientFactory(member=me, peppol_id="9925:be0403019261"),
    ]
    for client in clients:
        issued(me, client=client)
        draft(me, client=client)  # routed by its client
    # A client edited after issue: the issued invoice keeps its route, the draft follows.
    edited = ClientFactory(member=me)
    issued(me, client=edited)
    draft(me, client=edited)
    Client.objects.filter(pk=edited.pk).update(vat_number="")
    invoices = list(Invoice.objects.select_related("client"))
    expected = {invoice.pk for invoice in invoices if route_for_invoice(invoice).is_peppol}
    assert set(peppol_routed(Invoice.objects.all()).values_list("pk", flat=True)) == expected
    assert 0 < len(expected) < len(invoices)


def test_peppol_delivery_is_one_query(
    me, access_point, django_capture_on_commit_callbacks, django_assert_num_queries
):
    access_point.script = [(400, {"message": "refused"})] * 3
    for _n in range(3):
        rendered(me, django_capture_on_commit_callbacks)
    with django_assert_num_queries(1):  # the invoices, left-joined to their transmission
        assert len(find(PEPPOL, now=later(2))) == 3


# --- clients.invalid_ids ---------------------------------------------------------------------


def test_a_wrong_enterprise_number_is_found_and_resolved_when_the_client_is_corrected(me):
    ClientFactory(member=me)  # in order
    wrong = ClientFactory(
        member=me, name="Atelier Nord", vat_number="", enterprise_number="0403019262"
    )
    finding = run(IDS)
    assert finding is not None and finding.subject_key == f"client:{wrong.pk}"
    assert subject_model(finding) is Client and finding.subject_id == wrong.pk
    assert finding.subject_label == f"Atelier Nord · {me.member_number} Jan Peeters"
    assert finding.details == {
        "country": "BE",
        "problems": [
            {"field": "enterprise_number", "value": "0403019262", "reason": "check_digits"}
        ],
    }
    with translation.override("en"):
        assert CHECKS[IDS].describe(finding.details) == (
            "Enterprise number 0403019262 fails its check digits."
        )
    data = services.ClientData(
        kind="company", name="Atelier Nord", country="BE", enterprise_number="0403.019.261"
    )
    services.client_save(member=me, data=data, acting_user=me.user, client=wrong)
    assert_resolved_by_the_run(IDS, finding)


def test_invalid_belgian_and_foreign_numbers_are_found_valid_and_archived_ones_are_not(me):
    valid = [
        ClientFactory(member=me),
        ClientFactory(member=me, country="FR", vat_number="FR40303265045", enterprise_number=""),
        ClientFactory(member=me, country="NL", vat_number="NL004495445B01", enterprise_number=""),
        ClientFactory(member=me, country="GR", vat_number="EL094259216", enterprise_number=""),
        ClientFactory(member=me, kind="person", vat_number="", enterprise_number=""),
        ClientFactory(member=me, vat_number="", enterprise_number="0403019261"),
    ]
    ClientFactory(member=me, vat_number="BE0403019262", archived=True)
    invalid = {
        ClientFactory(member=me, vat_number="BE0403019262", enterprise_number=""): [
            ("vat_number", "BE0403019262", "check_digits")
        ],
        ClientFactory(member=me, vat_number="BE 0403 019 261", enterprise_number=""): [
            ("vat_number", "BE 0403 019 261", "format")
        ],
        ClientFactory(member=me, country="FR", vat_number="FR41303265045", enterprise_number=""): [
            ("vat_number", "FR41303265045", "check_digits")
        ],
        ClientFactory(
            member=me, country="NL", vat_number="NL004495446B01", enterprise_number="0403019261"
        ): [
            ("vat_number", "NL004495446B01", "check_digits"),
            ("enterprise_number", "0403019261", "not_belgian"),
        ],
        ClientFactory(member=me, country="BE", vat_number="FR40303265045", enterprise_number=""): [
            ("vat_number", "FR40303265045", "country")
        ],
        ClientFactory(member=me, country="FR", vat_number="BE0403019261", enterprise_number=""): [
            ("vat_number", "BE0403019261", "country")
        ],
        ClientFactory(member=me, vat_number="BE0403019261", enterprise_number="0202239951"): [
            ("enterprise_number", "0202239951", "mismatch")
        ],
        ClientFactory(member=me, vat_number="", enterprise_number="403019261"): [
            ("enterprise_number", "403019261", "format")
        ],
        ClientFactory(member=me, vat_number="fr40303265045", country="FR", enterprise_number=""): [
            ("vat_number", "fr40303265045", "format")
        ],
    }
    found = {
        p.subject[1]: [(x["field"], x["value"], x["reason"]) for x in p.details["problems"]]
        for p in find(IDS)
    }
    assert found == {client.pk: problems for client, problems in invalid.items()}
    assert not set(found) & {client.pk for client in valid}
    with translation.override("en"):
        nl = next(p for p in find(IDS) if p.details["country"] == "NL")
        assert CHECKS[IDS].describe(nl.details) == (
            "VAT number NL004495446B01 fails its check digits; Enterprise number 0403019261 "
            "is Belgian but the client is not (NL)."
        )


def test_the_clients_check_is_two_queries_whatever_the_number_of_clients(
    me, django_assert_num_queries
):
    for n in range(3):
        ClientFactory(member=me, enterprise_number=f"040301926{n + 2}", vat_number="")
        ClientFactory(
            member=me, country="FR", vat_number=f"FR4{n + 1}303265045", enterprise_number=""
        )
    with django_assert_num_queries(2):  # Belgian numbers checked in SQL; foreign VAT fetched
        assert len(find(IDS)) == 6


def stdnum_reason(value: str, *, prefix: str = "") -> str | None:
    """python-stdnum's judgement of a stored number: None when valid and
    written as the client form stores it, "format" when not so written (or
    not a number), else "check_digits"."""
    from stdnum.be import vat as be_vat

    module: Any = eu_vat if prefix else be_vat
    try:
        normal = module.validate(value)
    except InvalidChecksum:
        return "check_digits" if str(module.compact(value)).upper() == value else "format"
    except StdnumError:
        return "format"
    return None if str(normal).upper() == value else "format"


def test_the_sql_mod_97_checks_agree_with_python_stdnum(me):
    rng = random.Random(97)
    numbers = ["0000000000", "0000000097", "1999999999", "2000000097", "0403019261"]
    for _n in range(60):
        good = belgian_enterprise_number(rng)
        wrong = good[:-1] + str((int(good[-1]) + 1) % 10)
        numbers += [
            good,
            wrong,
            f"{rng.randrange(10**10):010d}",
            good[1:],
            good[:5] + "x" + good[6:],
        ]
    clients = Client.objects.bulk_create(
        Client(member=me, name=n, country="BE", enterprise_number=n[:10], vat_number=f"BE{n}")
        for n in numbers
    )
    fields = ("pk", "vat_problem", "enterprise_problem")  # the last two annotated
    judged = {row["pk"]: row for row in clients_with_invalid_belgian_ids().values(*fields)}
    for client in clients:
        row = judged.get(client.pk, {"vat_problem": None, "enterprise_problem": None})
        for field, number, sql, python in (
            (
                "enterprise",
                client.enterprise_number,
                row["enterprise_problem"],
                stdnum_reason(client.enterprise_number),
            ),
            (
                "vat",
                client.vat_number,
                row["vat_problem"],
                stdnum_reason(client.vat_number, prefix="BE"),
            ),
        ):
            assert sql == python, (field, number, sql, python)
        assert vat_number_problem(client.vat_number, "BE") == row["vat_problem"]
    assert sum(1 for c in clients if c.pk not in judged) > 50  # the valid ones

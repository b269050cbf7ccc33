"""Checks on stored documents, e-invoicing and clients' identifiers.

What each finds comes from compliance/queries/documents.py in one or two
queries; only the integrity check does work per row, because hashing a file
cannot be a query: it re-hashes one slice of the stored files each night
(every file once every COMPLIANCE_DOCUMENT_SLICES nights) and every file it
has an open finding about, so a repaired file is seen repaired the next night.
"""

import datetime
import logging
from collections.abc import Iterable, Iterator
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from compliance.queries.documents import (
    IdProblem,
    clients_with_invalid_ids,
    documents_to_verify,
    invoices_missing_documents,
    peppol_not_delivered,
    stored_file_sha256,
)
from compliance.registry import Check, Context, Problem, Severity, Team, register

logger = logging.getLogger(__name__)

SHORT_HASH = 12
ERROR_MAX = 200


def _seconds(name: str) -> datetime.timedelta:
    return datetime.timedelta(seconds=max(int(getattr(settings, name)), 0))


def _at(moment: datetime.datetime | None) -> str:
    return moment.isoformat() if moment else ""


def _day(iso: Any) -> str:
    """The Brussels date of an ISO moment, as the reader's language writes it."""
    try:
        moment = datetime.datetime.fromisoformat(str(iso))
    except ValueError:
        return str(iso or "")
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return date_format(moment.date(), "SHORT_DATE_FORMAT")


# --- Issued documents missing their files ----------------------------------------------------


@register
class DocumentsMissing(Check):
    key = "documents.missing"
    title = _("Issued documents missing their PDF or UBL")
    description = _(
        "An issued invoice or credit note must have its frozen PDF and its e-invoice (UBL) "
        "stored. These still lack one some time after issue (an hour by default), although "
        "the sweep re-enqueues the rendering every few minutes: look at the document "
        "rendering failures in the admin, fix the cause and let the sweep render them."
    )
    severity = Severity.ERROR
    team = Team.FINANCE

    def find(self, ctx: Context) -> Iterator[Problem]:
        issued_before = ctx.now - _seconds("COMPLIANCE_DOCUMENT_GRACE_SECONDS")
        for row in invoices_missing_documents(issued_before=issued_before):
            yield Problem(
                key=f"invoice:{row.invoice_id}",
                subject=("invoicing.invoice", row.invoice_id),
                label=row.label,
                details={
                    "number": row.number,
                    "kind": row.kind,
                    "missing": list(row.missing),
                    "issued_at": _at(row.issued_at),
                },
            )

    def describe(self, details: dict[str, Any]) -> str:
        formats = ", ".join(str(f).upper() for f in details.get("missing", []))
        return gettext("%(number)s has no stored %(formats)s.") % {
            "number": details.get("number", ""),
            "formats": formats,
        }


# --- Stored documents whose bytes changed -------------------------------------------------------


HASH_MISMATCH = "hash mismatch"
FILE_MISSING = "file missing"
UNREADABLE = "unreadable"


def _open_pks(open_subjects: Iterable[str], prefix: str) -> list[int]:
    pks = []
    for key in open_subjects:
        kind, _sep, pk = key.partition(":")
        if kind == prefix and pk.isdigit():
            pks.append(int(pk))
    return pks


@register
class DocumentsIntegrity(Check):
    key = "documents.integrity"
    title = _("Stored documents that no longer match what was stored")
    description = _(
        "Every stored PDF and UBL keeps the SHA-256 of its bytes. Each night a slice of the "
        "stored files is read again and hashed (all of them once a month), and every file "
        "already found damaged. A file whose bytes changed or that is gone must be restored "
        "from the backups: the document is frozen and may not be rendered anew."
    )
    severity = Severity.ERROR
    team = Team.FINANCE

    def find(self, ctx: Context) -> Iterator[Problem]:
        slices = max(int(settings.COMPLIANCE_DOCUMENT_SLICES), 1)
        documents = documents_to_verify(
            slices=slices,
            slice_index=ctx.today.toordinal() % slices,
            also=_open_pks(ctx.open_subjects, "document"),
        )
        for document in documents:
            actual, error = "", ""
            try:
                digest = stored_file_sha256(document.name)
            except Exception as exc:  # one unreadable file never stops the others
                logger.warning("Stored document %s could not be read: %r", document.pk, exc)
                reason, error = UNREADABLE, type(exc).__name__
            else:
                if digest == document.sha256:
                    continue
                reason = FILE_MISSING if digest is None else HASH_MISMATCH
                actual = (digest or "")[:SHORT_HASH]
            yield Problem(
                key=f"document:{document.pk}",
                subject=("documents.invoicedocument", document.pk),
                label=document.label,
                details={
                    "number": document.number,
                    "format": document.format,
                    "reason": reason,
                    "expected": document.sha256[:SHORT_HASH],
                    "actual": actual,
                    "error": error,
                },
            )

    def describe(self, details: dict[str, Any]) -> str:
        values = {
            "number": details.get("number", ""),
            "format": str(details.get("format", "")).upper(),
            "expected": details.get("expected", ""),
            "actual": details.get("actual", ""),
            "error": details.get("error", ""),
        }
        reason = details.get("reason")
        if reason == FILE_MISSING:
            return gettext("The stored %(format)s of %(number)s is gone from storage.") % values
        if reason == UNREADABLE:
            return gettext("The stored %(format)s of %(number)s cannot be read (%(error)s).") % (
                values
            )
        return (
            gettext(
                "The stored %(format)s of %(number)s no longer matches its SHA-256 (stored "
                "%(expected)s…, now %(actual)s…)."
            )
            % values
        )


# --- Invoices not delivered over Peppol --------------------------------------------------------


@register
class EinvoicingNotDelivered(Check):
    key = "einvoicing.not_delivered"
    title = _("E-invoices not delivered over Peppol")
    description = _(
        "Since 1 January 2026 an invoice to a Belgian VAT-registered business must be a "
        "structured e-invoice delivered over Peppol. These, issued more than a day ago, are "
        "not delivered: never transmitted, failed more than a day ago, or queued or sent "
        "without a confirmed delivery for more than a day. Read the access point's message "
        "on the Peppol transmission, correct the cause and retry it."
    )
    severity = Severity.ERROR
    team = Team.FINANCE

    def find(self, ctx: Context) -> Iterator[Problem]:
        before = ctx.now - _seconds("COMPLIANCE_PEPPOL_GRACE_SECONDS")
        for row in peppol_not_delivered(issued_before=before, stuck_before=before):
            yield Problem(
                key=f"invoice:{row.invoice_id}",
                subject=("invoicing.invoice", row.invoice_id),
                label=row.label,
                details={
                    "number": row.number,
                    "status": row.status or "none",
                    "since": _at(row.since),
                    "error": row.error[:ERROR_MAX],
                },
            )

    def describe(self, details: dict[str, Any]) -> str:
        values = {
            "number": details.get("number", ""),
            "since": _day(details.get("since", "")),
            "error": details.get("error", ""),
        }
        status = details.get("status")
        if status == "none":
            sentence = gettext("%(number)s was never transmitted over Peppol (issued %(since)s).")
        elif status == "failed":
            sentence = gettext("The Peppol transmission of %(number)s failed on %(since)s.")
        elif status == "sent":
            sentence = gettext(
                "The Peppol transmission of %(number)s was sent on %(since)s but its delivery "
                "is not confirmed."
            )
        else:
            sentence = gettext(
                "The Peppol transmission of %(number)s has been waiting since %(since)s."
            )
        sentence %= values
        if values["error"]:
            sentence += " " + gettext("Access point: %(error)s") % values
        return sentence


# --- Clients with invalid identifiers ----------------------------------------------------------


FIELD_LABELS = {
    "vat_number": _("VAT number"),
    "enterprise_number": _("enterprise number"),
}
REASONS = {
    IdProblem.FORMAT: _("is not a well-formed number"),
    IdProblem.CHECK_DIGITS: _("fails its check digits"),
    IdProblem.COUNTRY: _("is not from the client's country (%(country)s)"),
    IdProblem.NOT_BELGIAN: _("is Belgian but the client is not (%(country)s)"),
    IdProblem.MISMATCH: _("differs from the number in the Belgian VAT number"),
}


@register
class ClientsInvalidIds(Check):
    key = "clients.invalid_ids"
    title = _("Clients with an invalid VAT or enterprise number")
    description = _(
        "A client's VAT or enterprise number that the client form would refuse: wrong check "
        "digits, wrong form, another country's, or Belgian numbers that disagree. Issuing to "
        "the client is refused or the e-invoice is rejected. Ask the member to correct the "
        "client, or correct it with them."
    )
    severity = Severity.WARNING
    team = Team.MEMBER_SERVICES

    def find(self, ctx: Context) -> Iterator[Problem]:
        for client in clients_with_invalid_ids():
            yield Problem(
                key=f"client:{client.client_id}",
                subject=("invoicing.client", client.client_id),
                label=client.label,
                details={
                    "country": client.country,
                    "problems": [
                        {"field": p.field, "value": p.value, "reason": p.reason}
                        for p in client.problems
                    ],
                },
            )

    def describe(self, details: dict[str, Any]) -> str:
        parts = []
        for problem in details.get("problems", []):
            field = str(FIELD_LABELS.get(problem.get("field"), problem.get("field", "")))
            reason = REASONS.get(problem.get("reason"), problem.get("reason", ""))
            parts.append(
                gettext("%(field)s %(value)s %(reason)s")
                % {
                    "field": field[:1].upper() + field[1:],
                    "value": problem.get("value", ""),
                    "reason": str(reason) % {"country": details.get("country") or "?"},
                }
            )
        return "; ".join(parts) + "."

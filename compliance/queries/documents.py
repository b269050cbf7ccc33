"""The queries of the nightly checks on stored documents, Peppol
transmissions and clients' identifiers (compliance/checks/documents_checks.py).
They read documents, e-invoicing and invoicing, which compliance sits above.

Each selector is one set-based query; the rows come back as small frozen
dataclasses, streamed, so a check over millions of rows holds a chunk at a
time. The one thing that cannot be a query, hashing a stored file, streams
the file in chunks.
"""

import datetime
import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Case,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Cast, Left, Mod, Substr
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import InvalidChecksum
from stdnum.exceptions import ValidationError as StdnumError

from documents.models import InvoiceDocument
from documents.rendering import formats_on_issue
from documents.selectors import missing_documents
from einvoicing.models import TransmissionStatus
from einvoicing.selectors import peppol_routed_invoices
from invoicing.models import Client

# Read a stored file this much at a time when hashing it.
HASH_CHUNK_BYTES = 1024 * 1024

# The Belgian e-invoicing obligation (einvoicing/routing.py) applies to
# invoices dated from this day.
PEPPOL_MANDATORY_SINCE = datetime.date(2026, 1, 1)

# What the client form stores (invoicing/validation.py): a Belgian VAT number
# is "BE" and the 10 digits of the enterprise number, which starts with 0 or 1.
BE_VAT_FORM = r"^BE[01][0-9]{9}$"
ENTERPRISE_NUMBER_FORM = r"^[01][0-9]{9}$"


def _label(number: str, member_number: Any, member_name: str) -> str:
    return f"{number} · {member_number} {member_name}"


# --- Missing documents -----------------------------------------------------------------


@dataclass(frozen=True)
class MissingDocuments:
    invoice_id: int
    number: str
    kind: str
    issued_at: datetime.datetime
    missing: tuple[str, ...]
    label: str


def invoices_missing_documents(*, issued_before: datetime.datetime) -> Iterator[MissingDocuments]:
    """`missing_documents` with what a finding names: the number, the member
    and the formats missing (one query, streamed)."""
    formats = formats_on_issue()
    rows = (
        missing_documents(older_than=issued_before, formats=formats)
        .values(
            "pk",
            "number",
            "kind",
            "issued_at",
            "member__member_number",
            "member__legal_name",
            *(f"has_{format}" for format in formats),
        )
        .order_by("pk")
    )
    for row in rows.iterator(chunk_size=2000):
        yield MissingDocuments(
            invoice_id=row["pk"],
            number=row["number"],
            kind=row["kind"],
            issued_at=row["issued_at"],
            missing=tuple(f for f in formats if not row[f"has_{f}"]),
            label=_label(row["number"], row["member__member_number"], row["member__legal_name"]),
        )


# --- Stored documents' integrity --------------------------------------------------------


@dataclass(frozen=True)
class StoredDocument:
    pk: int
    invoice_id: int
    number: str
    format: str
    name: str  # the file's name in the documents storage
    sha256: str
    label: str


def documents_to_verify(
    *, slices: int, slice_index: int, also: Iterable[int] = ()
) -> Iterator[StoredDocument]:
    """The stored documents whose id falls in one slice (`pk % slices ==
    slice_index`), plus the documents `also` names, whatever their slice.
    One query over the documents joined to their invoice and member,
    streamed in id order."""
    wanted = Q(slot=slice_index) | Q(pk__in=sorted(set(also)))
    rows = (
        InvoiceDocument.objects.annotate(
            slot=Mod("pk", Value(max(slices, 1)), output_field=IntegerField())
        )
        .filter(wanted)
        .values(
            "pk",
            "invoice_id",
            "invoice__number",
            "format",
            "file",
            "sha256",
            "invoice__member__member_number",
            "invoice__member__legal_name",
        )
        .order_by("pk")
    )
    for row in rows.iterator(chunk_size=2000):
        number = row["invoice__number"]
        yield StoredDocument(
            pk=row["pk"],
            invoice_id=row["invoice_id"],
            number=number,
            format=row["format"],
            name=row["file"],
            sha256=row["sha256"],
            label=_label(
                f"{number} {str(row['format']).upper()}",
                row["invoice__member__member_number"],
                row["invoice__member__legal_name"],
            ),
        )


def _storage() -> Any:
    return InvoiceDocument._meta.get_field("file").storage


def stored_file_sha256(name: str) -> str | None:
    """The SHA-256 of a stored file's bytes as they are now, read in chunks;
    None when the file is gone from the documents storage. Other storage
    errors are raised."""
    storage = _storage()
    digest = hashlib.sha256()
    try:
        with storage.open(name, "rb") as handle:
            for chunk in handle.chunks(HASH_CHUNK_BYTES):
                digest.update(chunk)
    except FileNotFoundError:
        return None
    except Exception:
        # A remote storage names a missing file in its own way.
        if not storage.exists(name):
            return None
        raise
    return digest.hexdigest()


# --- Peppol delivery ----------------------------------------------------------------------


@dataclass(frozen=True)
class PeppolGap:
    invoice_id: int
    number: str
    status: str  # the transmission's, "" when there is none
    since: datetime.datetime | None  # issued, queued, sent or failed at
    error: str
    label: str


def peppol_not_delivered(
    *, issued_before: datetime.datetime, stuck_before: datetime.datetime
) -> Iterator[PeppolGap]:
    """Issued invoices and credit notes that must go over Peppol (dated from
    PEPPOL_MANDATORY_SINCE), issued before `issued_before`, and not delivered:
    no transmission at all, or one failed, queued or sent (no delivery
    confirmed) since before `stuck_before`. One query (a left join on the
    transmission), streamed."""
    issued = peppol_routed_invoices().filter(
        issued_at__lt=issued_before, issue_date__gte=PEPPOL_MANDATORY_SINCE
    )
    stuck = (
        Q(transmission__isnull=True)
        | (
            Q(transmission__status=TransmissionStatus.FAILED)
            & (
                Q(transmission__failed_at__lt=stuck_before)
                | Q(transmission__failed_at__isnull=True)
            )
        )
        | Q(
            transmission__status=TransmissionStatus.QUEUED,
            transmission__created_at__lt=stuck_before,
        )
        | Q(transmission__status=TransmissionStatus.SENT, transmission__sent_at__lt=stuck_before)
    )
    rows = (
        issued.filter(stuck)
        .annotate(error=Left("transmission__provider_message", 300))
        .values(
            "pk",
            "number",
            "issued_at",
            "member__member_number",
            "member__legal_name",
            "transmission__status",
            "transmission__created_at",
            "transmission__sent_at",
            "transmission__failed_at",
            "error",
        )
        .order_by("pk")
    )
    for row in rows.iterator(chunk_size=2000):
        status = row["transmission__status"] or ""
        since = (
            {
                "": row["issued_at"],
                TransmissionStatus.QUEUED: row["transmission__created_at"],
                TransmissionStatus.SENT: row["transmission__sent_at"],
                TransmissionStatus.FAILED: row["transmission__failed_at"],
            }.get(status)
            or row["transmission__created_at"]
            or row["issued_at"]
        )
        yield PeppolGap(
            invoice_id=row["pk"],
            number=row["number"],
            status=status,
            since=since,
            error=(row["error"] or "").strip(),
            label=_label(row["number"], row["member__member_number"], row["member__legal_name"]),
        )


# --- Clients' identifiers ---------------------------------------------------------------


class IdProblem:
    """Why a stored identifier is not what the client form would accept."""

    FORMAT = "format"  # not written as the form stores it: wrong length, characters or prefix
    CHECK_DIGITS = "check_digits"
    COUNTRY = "country"  # a VAT number of another country than the client's
    NOT_BELGIAN = "not_belgian"  # an enterprise number on a client outside Belgium
    MISMATCH = "mismatch"  # Belgian VAT number and enterprise number differ


@dataclass(frozen=True)
class InvalidId:
    field: str  # "vat_number" or "enterprise_number"
    value: str
    reason: str  # an IdProblem


@dataclass(frozen=True)
class ClientIds:
    client_id: int
    country: str
    problems: tuple[InvalidId, ...]
    label: str


def _mod97_remainder(field: str, start: int) -> Any:
    """(first 8 digits + last 2) mod 97 of the 10 digits from `start`: 0 when
    the check digits are right. Only ever evaluated on rows whose value has
    the stored form (inside the CASE), so the casts never see a letter."""
    head = Cast(Substr(field, start, 8), IntegerField())
    tail = Cast(Substr(field, start + 8, 2), IntegerField())
    return Mod(head + tail, Value(97), output_field=IntegerField())


def clients_with_invalid_belgian_ids() -> QuerySet[Client]:
    """Clients not archived whose Belgian VAT number (the ones starting with
    "BE") or enterprise number the client form would refuse, with the reason
    for each (`vat_problem`, `enterprise_problem`, None when in order): the
    form, the mod-97 check digits, the client's country, and the VAT and
    enterprise numbers being one number. One query; the checks are SQL."""
    be_vat = Q(vat_number__regex=BE_VAT_FORM) & ~Q(vat_number="BE0000000000")
    enterprise = Q(enterprise_number__regex=ENTERPRISE_NUMBER_FORM) & ~Q(
        enterprise_number="0000000000"
    )
    abroad = ~Q(country="BE") & ~Q(country="")
    clients = Client.objects.filter(archived=False).alias(
        vat_prefix=Substr("vat_number", 1, 2),
        vat_remainder=Case(When(be_vat, then=_mod97_remainder("vat_number", 3)), default=None),
        enterprise_remainder=Case(
            When(enterprise, then=_mod97_remainder("enterprise_number", 1)), default=None
        ),
    )
    return (
        clients.annotate(
            vat_problem=Case(
                When(~Q(vat_prefix="BE"), then=None),
                When(~be_vat, then=Value(IdProblem.FORMAT)),
                When(vat_remainder__gt=0, then=Value(IdProblem.CHECK_DIGITS)),
                When(abroad, then=Value(IdProblem.COUNTRY)),
                default=None,
            ),
            enterprise_problem=Case(
                When(enterprise_number="", then=None),
                When(~enterprise, then=Value(IdProblem.FORMAT)),
                When(enterprise_remainder__gt=0, then=Value(IdProblem.CHECK_DIGITS)),
                When(abroad, then=Value(IdProblem.NOT_BELGIAN)),
                When(
                    Q(country="BE", vat_prefix="BE")
                    & ~Q(enterprise_number=Substr("vat_number", 3)),
                    then=Value(IdProblem.MISMATCH),
                ),
                default=None,
            ),
        )
        .filter(Q(vat_problem__isnull=False) | Q(enterprise_problem__isnull=False))
        .order_by("pk")
    )


def clients_with_foreign_vat() -> QuerySet[Client]:
    """Clients not archived whose VAT number does not start with "BE": the
    few that python-stdnum judges one by one (one query, only these rows)."""
    return (
        Client.objects.filter(archived=False)
        .exclude(vat_number="")
        .alias(vat_prefix=Substr("vat_number", 1, 2))
        .exclude(vat_prefix="BE")
        .order_by("pk")
    )


def vat_number_problem(value: str, country: str) -> str | None:
    """What the client form says of a stored VAT number (python-stdnum, as
    invoicing.validation.normalise_vat_number, and the country prefix, as
    invoicing.services.parties.client_clean); None when it is in order."""
    try:
        normal = str(eu_vat.validate(value)).upper()
    except InvalidChecksum:
        # Not written as the form stores it comes first, as in the SQL checks.
        written = str(eu_vat.compact(value)).upper() == value
        return IdProblem.CHECK_DIGITS if written else IdProblem.FORMAT
    except StdnumError:
        return IdProblem.FORMAT
    if normal != value:
        return IdProblem.FORMAT  # valid, but not written as the form stores it
    if country and value[:2] not in ({"GR", "EL"} if country == "GR" else {country}):
        return IdProblem.COUNTRY
    return None


_CLIENT_FIELDS = (
    "pk",
    "name",
    "country",
    "vat_number",
    "enterprise_number",
    "member__member_number",
    "member__legal_name",
)


def clients_with_invalid_ids() -> Iterator[ClientIds]:
    """Every client not archived with a VAT or enterprise number the client
    form would refuse, and why. Two queries: the Belgian numbers are checked
    in SQL, the foreign VAT numbers (a narrow set) fetched and checked with
    python-stdnum; a client in both comes out once."""
    found: dict[int, dict[str, Any]] = {}
    belgian = clients_with_invalid_belgian_ids().values(
        *_CLIENT_FIELDS, "vat_problem", "enterprise_problem"
    )
    for row in belgian.iterator(chunk_size=2000):
        problems = []
        if row["vat_problem"]:
            problems.append(InvalidId("vat_number", row["vat_number"], row["vat_problem"]))
        if row["enterprise_problem"]:
            problems.append(
                InvalidId("enterprise_number", row["enterprise_number"], row["enterprise_problem"])
            )
        found[row["pk"]] = {"row": row, "problems": problems}
    for row in clients_with_foreign_vat().values(*_CLIENT_FIELDS).iterator(chunk_size=2000):
        reason = vat_number_problem(row["vat_number"], str(row["country"] or ""))
        if reason is None:
            continue
        entry = found.setdefault(row["pk"], {"row": row, "problems": []})
        entry["problems"].insert(0, InvalidId("vat_number", row["vat_number"], reason))
    for pk in sorted(found):
        row, problems = found[pk]["row"], found[pk]["problems"]
        yield ClientIds(
            client_id=pk,
            country=str(row["country"] or ""),
            problems=tuple(problems),
            label=_label(row["name"], row["member__member_number"], row["member__legal_name"]),
        )

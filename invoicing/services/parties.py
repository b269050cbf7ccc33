"""Activities and clients: what a member works under and whom they invoice."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from invoicing.models import (
    Activity,
    ActivityKind,
    Client,
    ClientKind,
    ClientSector,
)
from invoicing.services.common import (
    ACTIVITY_NAME_REQUIRED,
    ACTIVITY_NAME_TAKEN,
    BUDGET_NEGATIVE,
    CLIENT_NAME_REQUIRED,
    COUNTRY_REQUIRED,
    COUNTRY_UNKNOWN,
    ENTERPRISE_NUMBER_NOT_BELGIAN,
    VAT_NUMBER_COUNTRY,
    field_error,
)
from invoicing.validation import (
    ENTERPRISE_NUMBER_MISMATCH,
    normalise_enterprise_number,
    normalise_peppol_id,
    normalise_vat_number,
)
from members.models import Member
from smartcoop.lib.audit import audited
from smartcoop.lib.numbers import check_decimal

SECTOR_UNKNOWN = _("Choose a sector from the list.")

# --- Activities ----------------------------------------------------------------------


def activity_save(
    *,
    member: Member,
    acting_user: User,
    name: str,
    kind: str = ActivityKind.OTHER,
    budget: Decimal | None = None,
    description: str = "",
    activity: Activity | None = None,
) -> Activity:
    """Create an activity, or update `activity` (the member's own)."""
    name = (name or "").strip()
    if not name:
        raise field_error("name", ACTIVITY_NAME_REQUIRED)
    if kind not in ActivityKind.values:
        raise field_error("kind", _("Choose a type from the list."))
    parsed_budget = None
    if budget is not None:
        try:
            parsed_budget = check_decimal(budget, places=2)
        except ValidationError as exc:
            raise ValidationError({"budget": exc}) from exc
        if parsed_budget < 0:
            raise field_error("budget", BUDGET_NEGATIVE)
    duplicate = Activity.objects.filter(member=member, name__iexact=name)
    if activity is not None:
        duplicate = duplicate.exclude(pk=activity.pk)
    if duplicate.exists():
        raise field_error("name", ACTIVITY_NAME_TAKEN)
    target = activity or Activity(member=member)
    target.name, target.kind, target.budget = name, kind, parsed_budget
    target.description = (description or "").strip()
    try:
        audited(target, acting_user=acting_user, reason="activity saved")
        with transaction.atomic():
            target.save()
    except IntegrityError as exc:  # two tabs saving the same name at once
        raise field_error("name", ACTIVITY_NAME_TAKEN) from exc
    return target


def activity_archive(*, activity: Activity, archived: bool, acting_user: User) -> Activity:
    audited(activity, acting_user=acting_user, reason="archived" if archived else "restored")
    with transaction.atomic():
        activity.archived = archived
        activity.save(update_fields=["archived"])
    return activity


# --- Clients -------------------------------------------------------------------------


@dataclass
class ClientData:
    kind: str
    name: str
    street: str = ""
    postal_code: str = ""
    city: str = ""
    country: str = ""
    vat_number: str = ""
    enterprise_number: str = ""
    peppol_id: str = ""
    email: str = ""
    language: str = "nl"
    sector: str = ClientSector.OTHER


def client_clean(data: ClientData) -> ClientData:
    """Check and normalise a client's data; raises one ValidationError with
    every field's problem."""
    errors: dict[str, list[Any]] = {}
    name = (data.name or "").strip()
    if not name:
        errors.setdefault("name", []).append(CLIENT_NAME_REQUIRED)
    if data.kind not in ClientKind.values:
        errors.setdefault("kind", []).append(_("Choose a type from the list."))
    sector = data.sector or ClientSector.OTHER
    if sector not in ClientSector.values:
        errors.setdefault("sector", []).append(SECTOR_UNKNOWN)
    country = (data.country or "").strip().upper()
    if not country:
        errors.setdefault("country", []).append(COUNTRY_REQUIRED)
    elif country not in countries:
        errors.setdefault("country", []).append(COUNTRY_UNKNOWN)
        country = ""
    vat_number = enterprise_number = peppol_id = ""
    try:
        vat_number = normalise_vat_number(data.vat_number)
    except ValidationError as exc:
        errors.setdefault("vat_number", []).append(exc)
    try:
        enterprise_number = normalise_enterprise_number(data.enterprise_number)
    except ValidationError as exc:
        errors.setdefault("enterprise_number", []).append(exc)
    try:
        peppol_id = normalise_peppol_id(data.peppol_id)
    except ValidationError as exc:
        errors.setdefault("peppol_id", []).append(exc)
    if vat_number and country:
        prefix = "GR" if country == "GR" else country  # Greece writes EL
        if vat_number[:2] not in {prefix, "EL" if country == "GR" else prefix}:
            errors.setdefault("vat_number", []).append(
                ValidationError(VAT_NUMBER_COUNTRY, params={"country": country})
            )
    if enterprise_number and country and country != "BE":
        errors.setdefault("enterprise_number", []).append(ENTERPRISE_NUMBER_NOT_BELGIAN)
    if country == "BE" and vat_number.startswith("BE"):
        if enterprise_number and enterprise_number != vat_number[2:]:
            errors.setdefault("enterprise_number", []).append(ENTERPRISE_NUMBER_MISMATCH)
        enterprise_number = enterprise_number or vat_number[2:]
    if errors:
        raise ValidationError(errors)
    return ClientData(
        kind=data.kind,
        name=name,
        street=(data.street or "").strip(),
        postal_code=(data.postal_code or "").strip(),
        city=(data.city or "").strip(),
        country=country,
        vat_number=vat_number,
        enterprise_number=enterprise_number,
        peppol_id=peppol_id,
        email=(data.email or "").strip(),
        language=data.language if data.language in {"nl", "fr", "en"} else "nl",
        sector=sector,
    )


def client_save(
    *, member: Member, data: ClientData, acting_user: User, client: Client | None = None
) -> Client:
    """Create a client, or update `client`. Issued invoices keep the data they
    copied; only drafts and later invoices see the change."""
    clean = client_clean(data)
    target = client or Client(member=member)
    for field_name, value in vars(clean).items():
        setattr(target, field_name, value)
    audited(target, acting_user=acting_user, reason="client saved")
    with transaction.atomic():
        target.save()
    return target


def client_archive(*, client: Client, archived: bool, acting_user: User) -> Client:
    audited(client, acting_user=acting_user, reason="archived" if archived else "restored")
    with transaction.atomic():
        client.archived = archived
        client.save(update_fields=["archived", "updated_at"])
    return client

"""Every write to members goes through here (style.md, items 1 and 2): keyword
arguments, one transaction, an audit record naming the acting user, side
effects after commit."""

import datetime
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from members import validators
from members.models import (
    ARTIST_CERTIFICATE_FIELDS,
    STATUS_TRANSITIONS,
    Consent,
    ConsentKind,
    LegalNameChange,
    Member,
    MemberNumberCounter,
    NationalNumberAccess,
    Status,
    StatusChange,
    artist_certificate_errors,
)
from rules.selectors import rules_on
from smartcoop.lib.audit import audited
from smartcoop.lib.crypto import decrypt_text, encrypt_text, rotate_text
from smartcoop.lib.tasks import enqueue_on_commit

CONSENT_VERSIONS_RULE = "members.consent_document_versions"

ILLEGAL_STATUS_TRANSITION = _("A membership cannot go from “%(from)s” to “%(to)s”.")
CONSENTS_MISSING = _("Please accept the internal rules, the data policy and the risk notice.")
LEGAL_NAME_REQUIRED = _("Please give your legal name as on your identity card.")
NAME_CHANGE_PENDING = _("A change of legal name is already waiting for staff approval.")
NAME_CHANGE_NOT_PENDING = _("This change of legal name has already been decided.")
NATIONAL_NUMBER_FORBIDDEN = _("You are not allowed to see national register numbers.")

# Fields a member may change themselves; the legal name goes through staff.
PROFILE_FIELDS = (
    "street",
    "postal_code",
    "city",
    "country",
    "birth_date",
    "language",
    "iban",
    "phone",
    "enterprise_number",
)


def member_numbers_reserve(*, count: int) -> range:
    """Hand out `count` consecutive member numbers, gapless, under a row lock."""
    with transaction.atomic():
        counter, _created = MemberNumberCounter.objects.select_for_update().get_or_create(pk=1)
        first = counter.last_number + 1
        counter.last_number += count
        counter.save(update_fields=["last_number"])
    return range(first, first + count)


def _clean_profile_values(values: dict[str, Any]) -> dict[str, Any]:
    """Canonical values, or one ValidationError naming every bad field."""
    errors: dict[str, list[Any]] = {}
    cleaned = dict(values)
    for field, cleaner in (
        ("iban", validators.clean_iban),
        ("enterprise_number", validators.clean_enterprise_number),
        ("birth_date", validators.clean_birth_date),
    ):
        value = values.get(field)
        if value:
            try:
                cleaned[field] = cleaner(value)
            except ValidationError as exc:
                errors.setdefault(field, []).extend(exc.error_list)
    if errors:
        raise ValidationError(errors)
    return cleaned


def member_create(
    *,
    user: User,
    legal_name: str,
    language: str,
    accepted: Iterable[str],
    acting_user: User | None,
) -> Member:
    """Create the profile of a person who signs up, with their consents.

    The internal rules, the data policy and the financial-risk notice must
    all be accepted (domain.md, Members); the version accepted, from the rule
    members.consent_document_versions in force today, is recorded with the
    rule version that named it.
    """
    legal_name = legal_name.strip()
    if not legal_name:
        raise ValidationError({"legal_name": LEGAL_NAME_REQUIRED})
    accepted = set(accepted)
    if accepted != {kind.value for kind in ConsentKind}:
        raise ValidationError(CONSENTS_MISSING)
    with transaction.atomic():
        (number,) = member_numbers_reserve(count=1)
        member = Member(user=user, member_number=number, legal_name=legal_name, language=language)
        audited(member, acting_user=acting_user or user, reason="signed up")
        member.save()
        now = timezone.now()
        rules = rules_on([CONSENT_VERSIONS_RULE], on=timezone.localdate())
        versions = rules.value(CONSENT_VERSIONS_RULE)
        Consent.objects.bulk_create(
            Consent(
                member=member,
                kind=kind,
                version=versions[kind],
                accepted_at=now,
                rules_used=rules.provenance(),
            )
            for kind in sorted(accepted)
        )
    return member


def member_profile_update(
    *,
    member: Member,
    acting_user: User,
    values: dict[str, Any],
    legal_name: str | None = None,
    national_number: str | None = None,
) -> Member:
    """Update what a member may change; a new legal name becomes a request
    that staff approve, since invoices and the share register print it."""
    unknown = set(values) - set(PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable by the member: {sorted(unknown)}")
    cleaned = _clean_profile_values(values)
    birth_date = cleaned.get("birth_date", member.birth_date)
    nn_clean = None
    if national_number:
        try:
            nn_clean = validators.clean_national_number(national_number, birth_date)
        except ValidationError as exc:
            raise ValidationError({"national_number": exc.error_list}) from exc
    new_name = (legal_name or "").strip()
    with transaction.atomic():
        member = Member.objects.select_for_update().get(pk=member.pk)
        for field, value in cleaned.items():
            if value is None and field != "birth_date":
                value = ""
            setattr(member, field, value)
        if nn_clean:
            member.national_number_encrypted = encrypt_text(nn_clean)
        audited(member, acting_user=acting_user, reason="profile edited")
        member.save()
        if new_name and new_name != member.legal_name:
            member_legal_name_change_request(
                member=member, new_name=new_name, acting_user=acting_user
            )
    return member


def member_consents_record(
    *, member: Member, accepted: Iterable[str], acting_user: User
) -> dict[str, int]:
    """Record that a member accepts the documents again (e.g. when buying
    shares), at the versions in force today; returns the provenance."""
    accepted = set(accepted)
    if accepted != {kind.value for kind in ConsentKind}:
        raise ValidationError(CONSENTS_MISSING)
    rules = rules_on([CONSENT_VERSIONS_RULE], on=timezone.localdate())
    versions = rules.value(CONSENT_VERSIONS_RULE)
    now = timezone.now()
    with transaction.atomic():
        for kind in sorted(accepted):
            Consent.objects.get_or_create(
                member=member,
                kind=kind,
                version=versions[kind],
                defaults={"accepted_at": now, "rules_used": rules.provenance()},
            )
    return rules.provenance()


def member_legal_name_change_request(
    *, member: Member, new_name: str, acting_user: User
) -> LegalNameChange:
    with transaction.atomic():
        if LegalNameChange.objects.filter(
            member=member, state=LegalNameChange.State.PENDING
        ).exists():
            raise ValidationError({"legal_name": NAME_CHANGE_PENDING})
        return LegalNameChange.objects.create(
            member=member, old_name=member.legal_name, new_name=new_name
        )


def member_legal_name_change_decide(
    *, change: LegalNameChange, approve: bool, acting_user: User, note: str = ""
) -> LegalNameChange:
    """Staff approve or reject a requested legal name."""
    with transaction.atomic():
        change = LegalNameChange.objects.select_for_update().get(pk=change.pk)
        if change.state != LegalNameChange.State.PENDING:
            raise ValidationError(NAME_CHANGE_NOT_PENDING)
        change.state = LegalNameChange.State.APPROVED if approve else LegalNameChange.State.REJECTED
        change.decided_at = timezone.now()
        change.decided_by = acting_user
        change.decision_note = note
        change.save()
        if approve:
            member = Member.objects.select_for_update().get(pk=change.member_id)
            member.legal_name = change.new_name
            audited(member, acting_user=acting_user, reason=f"legal name change #{change.pk}")
            member.save(update_fields=["legal_name", "updated_at"])
        enqueue_on_commit("members.legal_name_change_notify", change.pk)
    return change


def member_legal_name_change_notify(*, change_id: int) -> bool:
    """Tell the member staff's decision on their new legal name, once.

    Returns False when there is nothing to send (already told, or undecided),
    so running the task twice sends one email.
    """
    with transaction.atomic():
        change = (
            LegalNameChange.objects.select_for_update()
            .select_related("member__user")
            .get(pk=change_id)
        )
        if change.notified_at or change.state not in (
            LegalNameChange.State.APPROVED,
            LegalNameChange.State.REJECTED,
        ):
            return False
        member = change.member
        with translation.override(member.language):
            subject = str(
                _("Your new legal name was approved")
                if change.state == LegalNameChange.State.APPROVED
                else _("Your new legal name was not approved")
            )
            body = render_to_string(
                "members/email/legal_name_decision.txt", {"change": change, "member": member}
            )
        send_mail(subject, body, None, [member.user.email])
        change.notified_at = timezone.now()
        change.save(update_fields=["notified_at"])
    return True


def member_legal_name_change_withdraw(
    *, change: LegalNameChange, acting_user: User
) -> LegalNameChange:
    with transaction.atomic():
        change = LegalNameChange.objects.select_for_update().get(pk=change.pk)
        if change.state != LegalNameChange.State.PENDING:
            raise ValidationError(NAME_CHANGE_NOT_PENDING)
        change.state = LegalNameChange.State.WITHDRAWN
        change.decided_at = timezone.now()
        change.decided_by = acting_user
        change.save()
    return change


def member_status_set(
    *,
    member: Member,
    status: str,
    acting_user: User | None,
    reason: str,
    effective_on: datetime.date | None = None,
) -> Member:
    """Move a membership along STATUS_TRANSITIONS, recording the move."""
    with transaction.atomic():
        member = Member.objects.select_for_update().get(pk=member.pk)
        if status not in STATUS_TRANSITIONS[member.status]:
            raise ValidationError(
                ILLEGAL_STATUS_TRANSITION,
                code="illegal_transition",
                params={"from": Status(member.status).label, "to": Status(status).label},
            )
        StatusChange.objects.create(
            member=member,
            from_status=member.status,
            to_status=status,
            changed_by=acting_user,
            reason=reason,
            effective_on=effective_on or timezone.localdate(),
        )
        member.status = status
        audited(member, acting_user=acting_user, reason=reason)
        member.save(update_fields=["status", "updated_at"])
    return member


def member_national_number_read(*, member: Member, acting_user: User, purpose: str) -> str:
    """Decrypt a national register number, logging the read.

    Only holders of members.view_national_number may read it, except the
    member themself exporting their own data (GDPR art. 15).
    """
    own_export = (
        purpose == NationalNumberAccess.Purpose.DATA_EXPORT and member.user_id == acting_user.pk
    )
    if not own_export and not acting_user.has_perm("members.view_national_number"):
        raise PermissionDenied(NATIONAL_NUMBER_FORBIDDEN)
    token = Member.objects.values_list("national_number_encrypted", flat=True).get(pk=member.pk)
    if not token:
        return ""
    NationalNumberAccess.objects.create(member=member, accessed_by=acting_user, purpose=purpose)
    return decrypt_text(token)


def member_national_numbers_rotate(*, batch_size: int = 2000) -> int:
    """Re-encrypt every stored national number under the current key (key
    rotation, docs/operations.md). Nothing is decrypted into the logs or the
    history; a value no configured key opens stops the run loudly."""
    rotated = 0
    pks = list(
        Member.objects.exclude(national_number_encrypted="")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for start in range(0, len(pks), batch_size):
        with transaction.atomic():
            members = list(
                Member.objects.select_for_update()
                .filter(pk__in=pks[start : start + batch_size])
                .only("pk", "national_number_encrypted")
            )
            for member in members:
                member.national_number_encrypted = rotate_text(member.national_number_encrypted)
            Member.objects.bulk_update(members, ["national_number_encrypted"])
            rotated += len(members)
    return rotated


def _iso(value: datetime.date | datetime.datetime | None) -> str | None:
    return value.isoformat() if value else None


def member_data_export(*, member: Member, acting_user: User) -> dict[str, Any]:
    """All the data the platform holds on a member (domain.md, Members)."""
    user = member.user
    data: dict[str, Any] = {
        "exported_at": timezone.now().isoformat(),
        "account": {
            "email": user.email,
            "date_joined": _iso(user.date_joined),
            "last_login": _iso(user.last_login),
            "email_addresses": [
                {"email": e.email, "verified": e.verified, "primary": e.primary}
                for e in user.emailaddress_set.all()  # type: ignore[attr-defined]
            ],
        },
        "member": {
            "member_number": member.member_number,
            "legal_name": member.legal_name,
            "street": member.street,
            "postal_code": member.postal_code,
            "city": member.city,
            "country": member.country,
            "birth_date": _iso(member.birth_date),
            "language": member.language,
            "iban": member.iban,
            "phone": member.phone,
            "enterprise_number": member.enterprise_number,
            "category": member.category,
            "status": member.status,
            "artist_certificate": {
                "type": member.artist_certificate_type,
                "number": member.artist_certificate_number,
                "valid_from": _iso(member.artist_certificate_valid_from),
                "valid_until": _iso(member.artist_certificate_valid_until),
            },
            "national_number": member_national_number_read(
                member=member,
                acting_user=acting_user,
                purpose=NationalNumberAccess.Purpose.DATA_EXPORT,
            ),
            "created_at": _iso(member.created_at),
        },
        "consents": [
            {"document": c.kind, "version": c.version, "accepted_at": _iso(c.accepted_at)}
            for c in member.consents.all()
        ],
        "status_changes": [
            {
                "from": s.from_status,
                "to": s.to_status,
                "at": _iso(s.changed_at),
                "reason": s.reason,
            }
            for s in member.status_changes.all()
        ],
        "legal_name_changes": [
            {
                "old_name": c.old_name,
                "new_name": c.new_name,
                "state": c.state,
                "requested_at": _iso(c.requested_at),
                "decided_at": _iso(c.decided_at),
            }
            for c in member.name_changes.all()
        ],
        "profile_history": [
            {
                "at": _iso(h.history_date),
                "change": h.get_history_type_display(),
                "reason": h.history_change_reason,
            }
            for h in member.history.all()
        ],
    }
    return data


def member_artist_certificate_set(
    *, member: Member, acting_user: User, values: dict[str, Any]
) -> Member:
    """Record the member's artist work certificate as they entered it (all
    four fields; empty ones clear it). Refuses, naming the fields, what
    artist_certificate_errors refuses; saves and audits only a change."""
    unknown = set(values) - set(ARTIST_CERTIFICATE_FIELDS)
    if unknown:
        raise ValueError(f"Not artist certificate fields: {sorted(unknown)}")
    new: dict[str, Any] = {
        "artist_certificate_type": values.get("artist_certificate_type") or "",
        "artist_certificate_number": (values.get("artist_certificate_number") or "").strip(),
        "artist_certificate_valid_from": values.get("artist_certificate_valid_from"),
        "artist_certificate_valid_until": values.get("artist_certificate_valid_until"),
    }
    errors = artist_certificate_errors(
        kind=new["artist_certificate_type"],
        number=new["artist_certificate_number"],
        valid_from=new["artist_certificate_valid_from"],
        valid_until=new["artist_certificate_valid_until"],
    )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        member = Member.objects.select_for_update().get(pk=member.pk)
        if all(getattr(member, field) == value for field, value in new.items()):
            return member
        for field, value in new.items():
            setattr(member, field, value)
        audited(member, acting_user=acting_user, reason="artist work certificate edited")
        member.save(update_fields=[*new, "updated_at"])
    return member

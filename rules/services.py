"""Writes to the legal rules catalogue (style.md, items 1, 2 and 7).

Drafts are written by the legal team; a draft becomes law only when a second
member of the legal team publishes it (four eyes). Published versions are
final: a change of law is a new version dated from when it applies.
"""

import datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rules.models import PUBLISHED_IS_FINAL, Rule, RuleVersion, VersionStatus
from rules.selectors import NoVersionInForce, UnknownRuleKey, catalogue_invalidate, rule_on
from rules.values import Kind, clean_value, display
from smartcoop.lib.audit import audited

NOT_LEGAL_TEAM = _("Only the legal team may change legal rules.")
NOT_ALLOWED_TO_PUBLISH = _("Only the legal team may approve and publish rule versions.")
SELF_APPROVAL = _("You wrote this draft: a second member of the legal team must approve it.")
EDITOR_APPROVAL = _(
    "You edited this draft: someone of the legal team who neither wrote nor edited it must "
    "approve it."
)
VALID_FROM_IN_PAST = _("A version can only take effect today or later; the past is not rewritten.")
OVERLAPPING_VERSION = _(
    "Another version of this rule already takes effect on %(date)s. "
    "Choose another date, or draft a later version."
)
REASON_REQUIRED = _("Say why the rule changes (the law, the decision or the publication).")
SCALE_MISMATCH = _(
    "Read as typed, this is %(typed)s: about %(factor)s times the value in force "
    "(%(current)s). If you meant %(other)s, enter that instead. Nothing was saved."
)
# A new value this many times larger or smaller than the one in force is read
# as a slip of the unit (7 typed for 0.07, or 0.07 for 7), never saved as is.
SCALE_LIMIT = Decimal(50)


def _require(user: User, perm: str, message: Any) -> None:
    if not user.has_perm(perm):
        raise PermissionDenied(message)


def _check_valid_from(valid_from: datetime.date) -> None:
    if valid_from < timezone.localdate():
        raise ValidationError({"valid_from": VALID_FROM_IN_PAST})


def _check_no_overlap(rule: Rule, valid_from: datetime.date, exclude_pk: int | None) -> None:
    clash = RuleVersion.objects.filter(
        rule=rule, valid_from=valid_from, status=VersionStatus.PUBLISHED
    )
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationError(
            {
                "valid_from": ValidationError(
                    OVERLAPPING_VERSION, params={"date": f"{valid_from:%d/%m/%Y}"}
                )
            }
        )


def _number(kind: str, stored: Any) -> Decimal:
    return Decimal(stored["amount"] if kind == Kind.MONEY else stored)


def _stored(kind: str, number: Decimal) -> Any:
    if kind == Kind.MONEY:
        return {"amount": f"{number:.2f}", "currency": "EUR"}
    return str(number.normalize())


def _check_scale(rule: Rule, value: Any, valid_from: datetime.date) -> None:
    """A rate of 7 where 0.07 is meant (or the reverse) is refused, with both
    readings: the value as typed and the one a hundred times off."""
    if rule.kind not in (Kind.PERCENTAGE, Kind.DECIMAL, Kind.MONEY):
        return
    try:
        current = rule_on(rule.key, on=valid_from - datetime.timedelta(days=1))
    except (NoVersionInForce, UnknownRuleKey):
        return
    new, old = _number(rule.kind, value), _number(rule.kind, current.stored)
    if new == 0 or old == 0 or 1 / SCALE_LIMIT < new / old < SCALE_LIMIT:
        return
    other = new * 100 if new < old else new / 100
    factor = round(max(new / old, old / new))
    raise ValidationError(
        SCALE_MISMATCH,
        code="scale",
        params={
            "typed": display(rule.kind, value),
            "factor": factor if new > old else f"1/{factor}",
            "current": current.display,
            "other": display(rule.kind, _stored(rule.kind, other)),
        },
    )


def rule_version_validate(
    *,
    rule: Rule,
    value: Any,
    valid_from: datetime.date | None,
    reason: str,
    exclude_pk: int | None = None,
) -> Any:
    """Every check a draft must pass, with all errors at once; the cleaned value."""
    errors: dict[str, Any] = {}
    try:
        value = clean_value(rule.kind, value, rule.schema)
        if valid_from is not None:
            _check_scale(rule, value, valid_from)
    except ValidationError as exc:
        errors["value"] = exc.error_list
    if not reason.strip():
        errors["reason"] = [REASON_REQUIRED]
    if valid_from is not None:  # a missing or unreadable date is the form's error already
        try:
            _check_valid_from(valid_from)
            _check_no_overlap(rule, valid_from, exclude_pk)
        except ValidationError as exc:
            errors.update(exc.error_dict)
    if errors:
        raise ValidationError(errors)
    return value


def rule_version_draft(
    *, rule: Rule, value: Any, valid_from: datetime.date, reason: str, acting_user: User
) -> RuleVersion:
    """A legal-team member drafts a new value for `rule`, from `valid_from`."""
    _require(acting_user, "rules.add_ruleversion", NOT_LEGAL_TEAM)
    value = rule_version_validate(rule=rule, value=value, valid_from=valid_from, reason=reason)
    with transaction.atomic():
        version = RuleVersion(
            rule=rule,
            value=value,
            valid_from=valid_from,
            reason=reason.strip(),
            author=acting_user,
        )
        audited(version, acting_user=acting_user, reason="drafted")
        version.save()
    return version


def rule_version_draft_update(
    *,
    version: RuleVersion,
    value: Any,
    valid_from: datetime.date,
    reason: str,
    acting_user: User,
) -> RuleVersion:
    _require(acting_user, "rules.change_ruleversion", NOT_LEGAL_TEAM)
    with transaction.atomic():
        version = RuleVersion.objects.select_for_update().select_related("rule").get(pk=version.pk)
        if version.is_published:
            raise ValidationError(PUBLISHED_IS_FINAL, code="published_final")
        version.value = rule_version_validate(
            rule=version.rule,
            value=value,
            valid_from=valid_from,
            reason=reason,
            exclude_pk=version.pk,
        )
        version.valid_from = valid_from
        version.reason = reason.strip()
        audited(version, acting_user=acting_user, reason="draft edited")
        version.save()
        if acting_user.pk != version.author_id:
            version.editors.add(acting_user)
    return version


def rule_version_draft_delete(*, version: RuleVersion, acting_user: User) -> None:
    _require(acting_user, "rules.delete_ruleversion", NOT_LEGAL_TEAM)
    with transaction.atomic():
        version = RuleVersion.objects.select_for_update().get(pk=version.pk)
        if version.is_published:
            raise ValidationError(PUBLISHED_IS_FINAL, code="published_final")
        audited(version, acting_user=acting_user, reason="draft deleted")
        version.delete()


def rule_version_publish(*, version: RuleVersion, acting_user: User) -> RuleVersion:
    """A second legal-team member approves a draft; it becomes law from its date.

    Refused when the approver wrote the draft, when its date has passed, or
    when a published version of the same key already starts that day.
    """
    _require(acting_user, "rules.publish_ruleversion", NOT_ALLOWED_TO_PUBLISH)
    with transaction.atomic():
        # Lock the key so two publishes of one rule cannot race past the checks.
        Rule.objects.select_for_update().get(pk=version.rule_id)
        version = RuleVersion.objects.select_for_update().select_related("rule").get(pk=version.pk)
        if version.is_published:
            raise ValidationError(PUBLISHED_IS_FINAL, code="published_final")
        if version.author_id == acting_user.pk:
            raise ValidationError(SELF_APPROVAL, code="self_approval")
        if version.editors.filter(pk=acting_user.pk).exists():
            raise ValidationError(EDITOR_APPROVAL, code="editor_approval")
        _check_valid_from(version.valid_from)
        _check_no_overlap(version.rule, version.valid_from, version.pk)
        # The value is checked again: the rule's schema may be stricter now.
        clean_value(version.rule.kind, version.value, version.rule.schema)
        version.status = VersionStatus.PUBLISHED
        version.approver = acting_user
        version.published_at = timezone.now()
        audited(version, acting_user=acting_user, reason="approved and published")
        version.save()
        transaction.on_commit(catalogue_invalidate)
    return version

"""The legal rules catalogue: keys and their dated versions.

A published version is a legal fact: it never changes and is never deleted
(save() and delete() refuse, and a database trigger refuses too). A change
of law is a new version with the date it applies from.
"""

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from rules.values import Kind, display

PUBLISHED_IS_FINAL = _("A published rule version never changes; draft a new version instead.")


class Rule(models.Model):
    key = models.CharField(
        _("key"),
        max_length=80,
        unique=True,
        help_text=_("Dotted name used by the code, e.g. invoicing.contribution_rate."),
    )
    kind = models.CharField(_("type"), max_length=12, choices=Kind.choices)
    description = models.TextField(_("description"))
    legal_reference = models.CharField(_("legal reference"), max_length=300, blank=True)
    legal_url = models.URLField(_("legal source (URL)"), max_length=500, blank=True)
    schema = models.JSONField(_("schema"), null=True, blank=True)

    class Meta:
        ordering = ["key"]
        verbose_name = _("legal rule")
        verbose_name_plural = _("legal rules")

    def __str__(self) -> str:
        return self.key


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class RuleVersionQuerySet(models.QuerySet["RuleVersion"]):
    def delete(self) -> Any:
        if self.filter(status=VersionStatus.PUBLISHED).exists():
            raise ValidationError(PUBLISHED_IS_FINAL, code="published_final")
        return super().delete()

    def update(self, **kwargs: Any) -> int:
        if self.filter(status=VersionStatus.PUBLISHED).exists():
            raise ValidationError(PUBLISHED_IS_FINAL, code="published_final")
        return super().update(**kwargs)


class RuleVersion(models.Model):
    rule = models.ForeignKey(Rule, on_delete=models.PROTECT, related_name="versions")
    value = models.JSONField(_("value"))
    valid_from = models.DateField(_("valid from"))
    status = models.CharField(
        _("status"), max_length=10, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    reason = models.TextField(_("reason"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("author"),
    )
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("approver"),
    )
    # Everyone who changed the draft after its author: none of them may approve
    # it (four eyes: the approver is someone who neither wrote nor edited it).
    editors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("edited by")
    )
    # The seed catalogue's versions: loaded by a migration, approved by no one.
    is_seed = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)

    objects = RuleVersionQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["rule__key", "valid_from", "pk"]
        verbose_name = _("rule version")
        verbose_name_plural = _("rule versions")
        permissions = [("publish_ruleversion", _("Can approve and publish rule versions"))]
        constraints = [
            # Versions of one key never overlap: each runs until the next one.
            models.UniqueConstraint(
                fields=["rule", "valid_from"],
                condition=Q(status="published"),
                name="one_published_version_per_key_and_date",
            ),
            # Four eyes: a published version names an approver other than its author.
            models.CheckConstraint(
                condition=Q(status="draft")
                | Q(is_seed=True)
                | (Q(approver__isnull=False) & ~Q(approver=F("author"))),
                name="published_version_has_a_second_approver",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "published"]), name="rule_version_status_valid"
            ),
        ]
        indexes = [models.Index(fields=["status", "valid_from"])]

    def __str__(self) -> str:
        return str(
            _("%(key)s from %(date)s (%(status)s)")
            % {
                "key": self.rule.key,
                "date": f"{self.valid_from:%d/%m/%Y}",
                "status": self.get_status_display(),
            }
        )

    def save(self, *args: Any, **kwargs: Any) -> None:
        if (
            self.pk
            and RuleVersion.objects.filter(pk=self.pk, status=VersionStatus.PUBLISHED).exists()
        ):
            raise ValidationError(PUBLISHED_IS_FINAL, code="published_final")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        if (
            self.status == VersionStatus.PUBLISHED
            or RuleVersion.objects.filter(pk=self.pk, status=VersionStatus.PUBLISHED).exists()
        ):
            raise ValidationError(PUBLISHED_IS_FINAL, code="published_final")
        return super().delete(*args, **kwargs)

    @property
    def is_published(self) -> bool:
        return self.status == VersionStatus.PUBLISHED

    @property
    def display_value(self) -> str:
        return display(self.rule.kind, self.value)

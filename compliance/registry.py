"""The nightly checks' registry: what each check is (key, title, severity,
owning team) and the shape of what it finds. The checks themselves live in
compliance/checks/; each is one set-based query over the apps' selectors."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Severity(models.TextChoices):
    INFO = "info", pgettext_lazy("severity", "Info")
    WARNING = "warning", pgettext_lazy("severity", "Warning")
    ERROR = "error", pgettext_lazy("severity", "Error")


# Most serious first, for sorting and the chart's stacking.
SEVERITY_ORDER = (Severity.ERROR, Severity.WARNING, Severity.INFO)


class Team(models.TextChoices):
    FINANCE = "finance", _("Finance")
    LEGAL = "legal", _("Legal")
    MEMBER_SERVICES = "member_services", _("Member services")


# Each team is a group of staff users (migration 0002 creates them): they see
# the dashboard, work the team's findings and receive its morning digest.
TEAM_GROUPS: dict[str, str] = {
    Team.FINANCE: "Finance",
    Team.LEGAL: "Legal",
    Team.MEMBER_SERVICES: "Member services",
}


@dataclass(frozen=True)
class Context:
    """What a check knows about the run: the day it checks (Brussels date),
    the moment, and the subjects it has open findings about (a check that
    examines only part of its table each night re-examines those, so a fixed
    problem is seen fixed)."""

    today: datetime.date
    now: datetime.datetime
    open_subjects: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Problem:
    """One thing not in order. `key` identifies it across runs within its
    check ("invoice:123", "series:F/2026"); `subject` is the object staff
    open to fix it, as (app_label.model_name, pk); `details` are JSON-safe
    values the check's `describe` turns into a sentence in the reader's
    language."""

    key: str
    subject: tuple[str, int | None]
    label: str
    details: dict[str, Any] = field(default_factory=dict)


class Check:
    key: ClassVar[str]
    title: ClassVar[Promise]
    description: ClassVar[Promise]
    severity: ClassVar[str]
    team: ClassVar[str]

    def find(self, ctx: Context) -> Iterable[Problem]:
        raise NotImplementedError

    @property
    def severity_label(self) -> str:
        return str(Severity(self.severity).label)

    @property
    def team_label(self) -> str:
        return str(Team(self.team).label)

    def describe(self, details: dict[str, Any]) -> str:
        """One sentence for the dashboard and the digest, in the active language."""
        raise NotImplementedError


CHECKS: dict[str, Check] = {}


def register(cls: type[Check]) -> type[Check]:
    if cls.key in CHECKS:
        raise ValueError(f"Two compliance checks use the key {cls.key!r}")
    if cls.severity not in Severity.values or cls.team not in Team.values:
        raise ValueError(f"Check {cls.key!r} has an unknown severity or team")
    CHECKS[cls.key] = cls()
    return cls


def check_get(key: str) -> Check:
    return CHECKS[key]


def check_choices() -> list[tuple[str, str]]:
    return [(key, str(check.title)) for key, check in CHECKS.items()]

"""The read API every other app uses: the value of a rule on a date, and the
version that supplied it (for provenance).

The whole published catalogue is small (tens of keys, a few versions each):
it is read in one query, kept in the shared cache until the next publish,
and resolved in Python. Reading any number of keys costs at most one query,
and none while cached.
"""

import bisect
import datetime
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db.models import QuerySet
from django.utils import timezone

from rules.models import Rule, RuleVersion, VersionStatus
from rules.values import display, to_python

CACHE_KEY = "rules:catalogue:v1"
VERSION_KEY = "rules:catalogue:version"
CACHE_SECONDS = 24 * 3600


class UnknownRuleKey(KeyError):
    """Asking for a key the catalogue does not have is a programming error."""


class NoVersionInForce(LookupError):
    """The key exists but no published version applies on that date."""


@dataclass(frozen=True)
class ResolvedRule:
    key: str
    kind: str
    value: Any  # the Python value (Decimal, Money, int, Duration, LocalizedText, dict)
    stored: Any  # the JSON value, as stored
    version_id: int
    valid_from: datetime.date

    @property
    def display(self) -> str:
        return display(self.kind, self.stored)


class RuleSet(Mapping[str, ResolvedRule]):
    """The rules in force on one date, with the versions that supplied them."""

    def __init__(self, on: datetime.date, resolved: dict[str, ResolvedRule]) -> None:
        self.on = on
        self._resolved = resolved

    def __getitem__(self, key: str) -> ResolvedRule:
        try:
            return self._resolved[key]
        except KeyError:
            raise UnknownRuleKey(f"{key!r} was not asked for in this RuleSet") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._resolved)

    def __len__(self) -> int:
        return len(self._resolved)

    def value(self, key: str) -> Any:
        return self[key].value

    def provenance(self) -> dict[str, int]:
        """{key: version id}: what a consumer stores to show later which law applied."""
        return {key: rule.version_id for key, rule in self._resolved.items()}


# The cached catalogue: {key: (kind, [(valid_from ordinal, version id, stored value), ...])}
Catalogue = dict[str, tuple[str, list[tuple[int, int, Any]]]]


def _load_catalogue() -> Catalogue:
    """One query: every key with its versions (a LEFT JOIN, so a key without
    a published version is still known and answers NoVersionInForce)."""
    catalogue: Catalogue = {}
    rows = Rule.objects.order_by("key", "versions__valid_from").values_list(
        "key", "kind", "versions__status", "versions__valid_from", "versions__pk", "versions__value"
    )
    for key, kind, status, valid_from, pk, value in rows:
        _kind, versions = catalogue.setdefault(key, (kind, []))
        if status == VersionStatus.PUBLISHED:
            versions.append((valid_from.toordinal(), pk, value))
    return catalogue


# This process's copy of the catalogue and the version it belongs to. The
# shared cache holds the catalogue and a small version stamp that every
# publish replaces, so a process reads the stamp (a few bytes) and unpickles
# the catalogue only after a change: issuing an invoice reads rules four times.
@dataclass
class _Local:
    """This process's copy of the catalogue and the version it was read at."""

    version: str | None = None
    catalogue: Catalogue | None = None


_local = _Local()


def _catalogue(needs: Iterable[str] = ()) -> Catalogue:
    """The catalogue, current as of the last publish; reloaded when it lacks
    a key that is asked for, since a deploy may have added keys since."""
    version = cache.get(VERSION_KEY)
    local = _local.catalogue
    fresh = version is not None and version == _local.version and local is not None
    if local is not None and fresh and all(key in local for key in needs):
        return local
    catalogue: Catalogue | None = cache.get(CACHE_KEY)
    if catalogue is None or any(key not in catalogue for key in needs):
        catalogue = _load_catalogue()
        cache.set(CACHE_KEY, catalogue, CACHE_SECONDS)
    if version is None:
        version = uuid.uuid4().hex
        if not cache.add(VERSION_KEY, version, CACHE_SECONDS):
            version = cache.get(VERSION_KEY)  # another process stamped it first
    _local.version, _local.catalogue = version, catalogue
    return catalogue


def catalogue_invalidate() -> None:
    """After a publish: every process reloads on its next read."""
    cache.delete(CACHE_KEY)
    cache.set(VERSION_KEY, uuid.uuid4().hex, CACHE_SECONDS)
    _local.version, _local.catalogue = None, None


def _resolve(catalogue: Catalogue, key: str, on: datetime.date) -> ResolvedRule:
    try:
        kind, versions = catalogue[key]
    except KeyError:
        raise UnknownRuleKey(f"No rule {key!r} in the catalogue") from None
    index = bisect.bisect_right([v[0] for v in versions], on.toordinal()) - 1
    if index < 0:
        raise NoVersionInForce(f"No version of {key!r} is in force on {on:%Y-%m-%d}")
    ordinal, pk, stored = versions[index]
    return ResolvedRule(
        key=key,
        kind=kind,
        value=to_python(kind, stored),
        stored=stored,
        version_id=pk,
        valid_from=datetime.date.fromordinal(ordinal),
    )


def rules_on(keys: Iterable[str], *, on: datetime.date | None = None) -> RuleSet:
    """The rules in force on `on` (default: today in Brussels) for these keys.

    Raises UnknownRuleKey for a key the catalogue lacks (never a default) and
    NoVersionInForce when the key has no published version by that date.
    """
    on = on or timezone.localdate()
    keys = list(keys)
    catalogue = _catalogue(needs=keys)
    return RuleSet(on, {key: _resolve(catalogue, key, on) for key in keys})


def rule_on(key: str, *, on: datetime.date | None = None) -> ResolvedRule:
    return rules_on([key], on=on)[key]


def rule_value(key: str, *, on: datetime.date | None = None) -> Any:
    return rule_on(key, on=on).value


def rule_versions_for(provenance: Mapping[str, int]) -> QuerySet[RuleVersion]:
    """The versions a consumer recorded, to show which law applied."""
    return RuleVersion.objects.filter(pk__in=provenance.values()).select_related(
        "rule", "author", "approver"
    )


def rule_versions_taking_effect(*, within_days: int, today: datetime.date) -> QuerySet[RuleVersion]:
    """Published versions whose valid_from falls in the next `within_days` days
    (after today, up to and including today + within_days)."""
    return (
        RuleVersion.objects.filter(
            status=VersionStatus.PUBLISHED,
            valid_from__gt=today,
            valid_from__lte=today + datetime.timedelta(days=within_days),
        )
        .select_related("rule", "author", "approver")
        .order_by("valid_from", "rule__key")
    )


@dataclass(frozen=True)
class RuleOverview:
    rule: Rule
    today: ResolvedRule | None
    next_version: RuleVersion | None


def rule_overview(*, today: datetime.date) -> dict[int, RuleOverview]:
    """For the legal team's list: each rule's value on `today` and its next change."""
    rules = list(Rule.objects.all())
    catalogue = _catalogue(needs=[rule.key for rule in rules])
    upcoming: dict[int, RuleVersion] = {}
    for version in RuleVersion.objects.filter(
        status=VersionStatus.PUBLISHED, valid_from__gt=today
    ).order_by("-valid_from"):
        upcoming[version.rule_id] = version  # the earliest wins, it comes last
    overview = {}
    for rule in rules:
        try:
            in_force: ResolvedRule | None = _resolve(catalogue, rule.key, today)
        except NoVersionInForce:
            in_force = None
        overview[rule.pk] = RuleOverview(rule, in_force, upcoming.get(rule.pk))
    return overview


@dataclass(frozen=True)
class RuleChange:
    rule: Rule
    before: str
    after: str
    version: RuleVersion


def rule_changes_from(on: datetime.date, *, include_drafts: bool = False) -> list[RuleChange]:
    """What changes from date `on`: every key whose value on `on` differs from
    its value the day before. With include_drafts, drafts dated `on` are
    counted as if they were published (the legal team's preview)."""
    day_before = on - datetime.timedelta(days=1)
    statuses = [VersionStatus.PUBLISHED] + ([VersionStatus.DRAFT] if include_drafts else [])
    changes: list[RuleChange] = []
    for version in (
        RuleVersion.objects.filter(valid_from=on, status__in=statuses)
        .select_related("rule", "author")
        .order_by("rule__key", "-status", "-created_at")
    ):
        if changes and changes[-1].rule.pk == version.rule_id:
            continue  # the published version, or the newest draft, speaks for the key
        try:
            before = rule_on(version.rule.key, on=day_before).display
        except NoVersionInForce:
            before = "—"
        after = display(version.rule.kind, version.value)
        if before != after:
            changes.append(RuleChange(version.rule, before, after, version))
    return changes

"""General assemblies: the meeting, its agenda and resolutions, proxies, and
the secret ballot (issue 18).

Secrecy is held by the schema, not by care. Two tables record a vote:

- `VoteCast` ("who voted") says that a member's vote on a resolution has been
  cast, and by whom (the member or their proxy holder). It holds no choice.
  One row per (resolution, member whose vote it is): nobody votes twice, in
  person or by proxy.
- `Ballot` holds the choice (its `BallotMark` rows) and the SHA-256 of the
  receipt code, and nothing that names or orders a member: no member id, no
  timestamp, a random UUID as its key. The count rewrites every ballot of the
  assembly in random order with fresh keys (services.assembly_count), so not
  even PostgreSQL's row order or transaction ids tie a ballot to its
  VoteCast row afterwards.

Both rows are written in one transaction (services.vote_cast).
"""

import datetime
import uuid
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from members.models import Member
from rules.fields import RuleProvenanceField
from workspaces.models import Booking

BRUSSELS = ZoneInfo("Europe/Brussels")


class AssemblyStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    CONVENED = "convened", _("Convened")
    COUNTED = "counted", _("Counted")
    PUBLISHED = "published", _("Results published")


class Assembly(models.Model):
    """One general assembly: where and when it meets, when members vote
    online and whose membership on the record date gives a vote."""

    title = models.CharField(_("title"), max_length=200)
    starts_at = models.DateTimeField(_("meeting starts at"))
    # The room, held by a workspace booking made through workspaces.services,
    # so the exclusion constraint keeps anyone else out of it.
    booking = models.OneToOneField(
        Booking,
        verbose_name=_("room booking"),
        on_delete=models.PROTECT,
        related_name="assembly",
    )
    remote_allowed = models.BooleanField(_("remote participation allowed"), default=True)
    voting_opens_at = models.DateTimeField(_("voting opens at"))
    voting_closes_at = models.DateTimeField(_("voting closes at"))
    record_date = models.DateField(
        _("record date"), help_text=_("Members whose status is member on this day may vote.")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=AssemblyStatus.choices, default=AssemblyStatus.DRAFT
    )
    convened_at = models.DateTimeField(_("convened at"), null=True, blank=True, editable=False)
    counted_at = models.DateTimeField(_("counted at"), null=True, blank=True, editable=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    # The versions of the governance.* rules used at convocation and at the count.
    rules_used = RuleProvenanceField()

    history = HistoricalRecords()

    class Meta:
        ordering = ["-starts_at", "-pk"]
        verbose_name = _("general assembly")
        verbose_name_plural = _("general assemblies")
        constraints = [
            models.CheckConstraint(
                condition=Q(voting_closes_at__gt=F("voting_opens_at")),
                name="assembly_voting_window_ends_after_it_opens",
            ),
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in AssemblyStatus]),
                name="assembly_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def meeting_date(self) -> datetime.date:
        return self.starts_at.astimezone(BRUSSELS).date()


class AgendaItem(models.Model):
    assembly = models.ForeignKey(Assembly, on_delete=models.PROTECT, related_name="items")
    position = models.PositiveSmallIntegerField(_("position"))
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["assembly", "position"]
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        constraints = [
            models.UniqueConstraint(
                fields=["assembly", "position"], name="agenda_item_position_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.title}"


class AgendaDocument(models.Model):
    """A PDF for an agenda item, stored once with its SHA-256 and never changed."""

    item = models.ForeignKey(AgendaItem, on_delete=models.PROTECT, related_name="documents")
    title = models.CharField(_("title"), max_length=200)
    file_name = models.CharField(max_length=300, editable=False)
    sha256 = models.CharField(_("SHA-256"), max_length=64, editable=False)
    size = models.PositiveIntegerField(_("size (bytes)"), editable=False)
    uploaded_at = models.DateTimeField(auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["item", "pk"]
        verbose_name = _("agenda document")
        verbose_name_plural = _("agenda documents")

    def __str__(self) -> str:
        return self.title


class ResolutionKind(models.TextChoices):
    ORDINARY = "ordinary", _("Ordinary decision")
    ARTICLES = "articles", _("Amendment of the articles of association")
    EXCLUSION = "exclusion", _("Exclusion of a member")
    DISSOLUTION = "dissolution", _("Dissolution")
    ELECTION = "election", _("Election")


class Resolution(models.Model):
    """What the assembly decides on an agenda item. Its result, the quorum and
    the rule versions used are written by the count and frozen when the
    assembly's results are published."""

    item = models.OneToOneField(AgendaItem, on_delete=models.PROTECT, related_name="resolution")
    kind = models.CharField(_("kind"), max_length=12, choices=ResolutionKind.choices)
    text = models.TextField(_("text of the resolution"))
    seats = models.PositiveSmallIntegerField(
        _("seats"), default=1, help_text=_("For an election: how many seats are filled.")
    )
    # Written by the count (services.assembly_count).
    eligible_count = models.PositiveIntegerField(null=True, blank=True, editable=False)
    ballots_count = models.PositiveIntegerField(null=True, blank=True, editable=False)
    quorum_reached = models.BooleanField(null=True, blank=True, editable=False)
    adopted = models.BooleanField(null=True, blank=True, editable=False)
    result = models.JSONField(default=dict, blank=True, editable=False)
    rules_used = RuleProvenanceField()

    history = HistoricalRecords(excluded_fields=["result"])

    class Meta:
        ordering = ["item__assembly", "item__position"]
        verbose_name = _("resolution")
        verbose_name_plural = _("resolutions")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=[k.value for k in ResolutionKind]),
                name="resolution_kind_valid",
            ),
            models.CheckConstraint(condition=Q(seats__gte=1), name="resolution_seats_positive"),
            models.CheckConstraint(
                condition=Q(kind="election") | Q(seats=1),
                name="resolution_seats_only_for_elections",
            ),
        ]

    def __str__(self) -> str:
        return str(self.item)


class OptionKind(models.TextChoices):
    YES = "yes", _("Yes")
    NO = "no", _("No")
    ABSTAIN = "abstain", _("Abstain")
    CANDIDATE = "candidate", _("Candidate")


class Option(models.Model):
    resolution = models.ForeignKey(Resolution, on_delete=models.PROTECT, related_name="options")
    position = models.PositiveSmallIntegerField(_("position"))
    kind = models.CharField(_("kind"), max_length=10, choices=OptionKind.choices)
    label = models.CharField(_("label"), max_length=200, blank=True)
    candidate = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["resolution", "position"]
        verbose_name = _("option")
        verbose_name_plural = _("options")
        constraints = [
            models.UniqueConstraint(
                fields=["resolution", "position"], name="option_position_unique"
            ),
            models.UniqueConstraint(
                fields=["resolution", "kind"],
                condition=~Q(kind="candidate"),
                name="option_yes_no_abstain_once",
            ),
            models.CheckConstraint(
                condition=Q(kind="candidate", candidate__isnull=False)
                | (~Q(kind="candidate") & Q(candidate__isnull=True)),
                name="option_candidate_names_a_member",
            ),
        ]

    def __str__(self) -> str:
        if self.kind == OptionKind.CANDIDATE and self.label:
            return self.label
        return str(OptionKind(self.kind).label)


class VoteCast(models.Model):
    """Who voted: the vote of `member` on `resolution` has been cast, by
    themselves or by their proxy holder `cast_by`. No choice, no time."""

    resolution = models.ForeignKey(Resolution, on_delete=models.PROTECT, related_name="+")
    # Whose vote it is (the voter, or the member a proxy holder represents).
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    # Who cast it.
    cast_by = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("vote cast")
        verbose_name_plural = _("votes cast")
        constraints = [
            # One vote per member and resolution, in person or by proxy.
            models.UniqueConstraint(
                fields=["resolution", "member"], name="vote_cast_once_per_member"
            ),
            # A member casts their own vote once, and each vote they carry once.
            models.UniqueConstraint(
                fields=["resolution", "cast_by", "member"], name="vote_cast_once_per_voter"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resolution_id}: {self.member_id}"


class Ballot(models.Model):
    """A secret ballot: the resolution, the hash of its receipt code and, in
    its marks, the choice. Nothing here names, dates or orders a voter."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    resolution = models.ForeignKey(Resolution, on_delete=models.PROTECT, related_name="+")
    receipt_hash = models.CharField(max_length=64, unique=True, editable=False)

    class Meta:
        verbose_name = _("ballot")
        verbose_name_plural = _("ballots")

    def __str__(self) -> str:
        return self.receipt_hash[:12]


class BallotMark(models.Model):
    """One option marked on a ballot (one for a yes/no vote, up to the number
    of seats in an election)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="marks")
    option = models.ForeignKey(Option, on_delete=models.PROTECT, related_name="marks")

    class Meta:
        verbose_name = _("ballot mark")
        verbose_name_plural = _("ballot marks")
        constraints = [
            models.UniqueConstraint(fields=["ballot", "option"], name="ballot_mark_once"),
        ]

    def __str__(self) -> str:
        return str(self.option_id)


class ProxyStatus(models.TextChoices):
    REQUESTED = "requested", _("Awaiting confirmation")
    CONFIRMED = "confirmed", _("Confirmed")
    DECLINED = "declined", _("Declined")
    REVOKED = "revoked", _("Revoked")


LIVE_PROXY = Q(status__in=[ProxyStatus.REQUESTED, ProxyStatus.CONFIRMED])


class Proxy(models.Model):
    """A member (`grantor`) lets another member (`holder`) vote for them at one
    assembly; it counts once the holder confirms it."""

    assembly = models.ForeignKey(Assembly, on_delete=models.PROTECT, related_name="proxies")
    grantor = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    holder = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        _("status"), max_length=10, choices=ProxyStatus.choices, default=ProxyStatus.REQUESTED
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["assembly", "pk"]
        verbose_name = _("proxy")
        verbose_name_plural = _("proxies")
        constraints = [
            models.CheckConstraint(condition=~Q(grantor=F("holder")), name="proxy_not_to_oneself"),
            models.UniqueConstraint(
                fields=["assembly", "grantor"], condition=LIVE_PROXY, name="proxy_one_per_grantor"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.grantor_id} → {self.holder_id}"

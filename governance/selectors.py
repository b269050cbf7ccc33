"""Reads of general assemblies that views, the admin, tasks and tests share."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from governance.models import (
    LIVE_PROXY,
    AgendaDocument,
    AgendaItem,
    Assembly,
    AssemblyStatus,
    Ballot,
    BallotMark,
    Option,
    Proxy,
    ProxyStatus,
    Resolution,
    VoteCast,
)
from members.models import Member
from members.selectors import members_with_status_on


def electors(*, assembly: Assembly, statuses: list[str]) -> QuerySet[Member]:
    """The members who may vote at `assembly`: one of `statuses` (the rule
    governance.voter_eligibility) on its record date."""
    qs = members_with_status_on(status=statuses[0], on=assembly.record_date)
    for status in statuses[1:]:
        qs = qs | members_with_status_on(status=status, on=assembly.record_date)
    return qs


def is_elector(*, assembly: Assembly, member: Member, statuses: list[str]) -> bool:
    return electors(assembly=assembly, statuses=statuses).filter(pk=member.pk).exists()


def assemblies_for_members() -> QuerySet[Assembly]:
    """Assemblies members may see: convened or later."""
    return Assembly.objects.exclude(status=AssemblyStatus.DRAFT).select_related(
        "booking__resource__location"
    )


def assembly_get_visible(*, pk: int) -> Assembly:
    return get_object_or_404(assemblies_for_members(), pk=pk)


def resolutions_of(*, assembly: Assembly) -> QuerySet[Resolution]:
    return (
        Resolution.objects.filter(item__assembly=assembly)
        .select_related("item")
        .order_by("item__position")
    )


def proxies_confirmed_to(*, assembly: Assembly, holder: Member) -> QuerySet[Proxy]:
    return Proxy.objects.filter(
        assembly=assembly, holder=holder, status=ProxyStatus.CONFIRMED
    ).select_related("grantor")


def proxies_live_to(*, assembly: Assembly, holder: Member) -> QuerySet[Proxy]:
    return Proxy.objects.filter(LIVE_PROXY, assembly=assembly, holder=holder)


def proxy_live_from(*, assembly: Assembly, grantor: Member) -> Proxy | None:
    return (
        Proxy.objects.filter(LIVE_PROXY, assembly=assembly, grantor=grantor)
        .select_related("holder")
        .first()
    )


def votes_cast_by(*, assembly: Assembly, member: Member) -> set[tuple[int, int]]:
    """(resolution id, whose vote) for every vote `member` cast or that was cast
    for a member they represent, at `assembly`."""
    return set(
        VoteCast.objects.filter(resolution__item__assembly=assembly)
        .filter(Q(cast_by=member) | Q(member=member))
        .values_list("resolution_id", "member_id")
    )


@dataclass(frozen=True)
class OptionCount:
    option_id: int
    resolution_id: int
    kind: str
    label: str
    marks: int
    ballots: int


def tally(*, assembly: Assembly) -> list[OptionCount]:
    """The count of every option of every resolution of the assembly, with
    the number of ballots cast on its resolution: one query (two correlated
    counts per option, each an index range scan; no join of the ballots to
    the options, whose GROUP BY would re-run a count per ballot)."""
    marks_of_option = (
        BallotMark.objects.filter(option=OuterRef("pk"))
        .order_by()
        .values("option")
        .annotate(n=Count("id"))
        .values("n")
    )
    ballots_on_resolution = (
        Ballot.objects.filter(resolution=OuterRef("resolution"))
        .order_by()
        .values("resolution")
        .annotate(n=Count("id"))
        .values("n")
    )
    rows = (
        Option.objects.filter(resolution__item__assembly=assembly)
        .annotate(
            n_marks=Coalesce(Subquery(marks_of_option), 0),
            n_ballots=Coalesce(Subquery(ballots_on_resolution), 0),
        )
        .order_by("resolution_id", "position")
        .values_list("pk", "resolution_id", "kind", "label", "n_marks", "n_ballots")
    )
    return [OptionCount(*row) for row in rows]


@dataclass(frozen=True)
class PublishedBallot:
    receipt_hash: str
    resolution_id: int
    option_ids: tuple[int, ...]


def published_ballots(*, assembly: Assembly) -> list[PublishedBallot]:
    """The published list: each ballot's receipt hash and choice, ordered by
    the hash (which says nothing of when or by whom it was cast). Empty until
    the results are published."""
    if assembly.status != AssemblyStatus.PUBLISHED:
        return []
    marks = (
        BallotMark.objects.filter(ballot__resolution__item__assembly=assembly)
        .order_by("ballot__receipt_hash", "option__position")
        .values_list("ballot__receipt_hash", "ballot__resolution_id", "option_id")
    )
    out: dict[str, tuple[int, list[int]]] = {}
    for receipt_hash, resolution_id, option_id in marks:
        out.setdefault(receipt_hash, (resolution_id, []))[1].append(option_id)
    return [PublishedBallot(h, r, tuple(o)) for h, (r, o) in out.items()]


def ballot_by_receipt_hash(*, assembly: Assembly, receipt_hash: str) -> PublishedBallot | None:
    if assembly.status != AssemblyStatus.PUBLISHED:
        return None
    marks = list(
        BallotMark.objects.filter(
            ballot__resolution__item__assembly=assembly, ballot__receipt_hash=receipt_hash
        )
        .order_by("option__position")
        .values_list("ballot__resolution_id", "option_id")
    )
    if not marks:
        return None
    return PublishedBallot(receipt_hash, marks[0][0], tuple(o for _, o in marks))


def assemblies_upcoming_and_past(
    *, now: datetime.datetime
) -> tuple[list[Assembly], list[Assembly]]:
    """Convened or later assemblies, split at `now`: one query."""
    upcoming: list[Assembly] = []
    past: list[Assembly] = []
    for assembly in assemblies_for_members().order_by("starts_at", "pk"):
        (upcoming if assembly.booking.ends_at > now else past).append(assembly)
    past.reverse()
    return upcoming, past


def agenda_of(*, assembly: Assembly) -> QuerySet[AgendaItem]:
    """The agenda with documents, resolution and options: three queries."""
    return (
        AgendaItem.objects.filter(assembly=assembly)
        .select_related("resolution")
        .prefetch_related("documents", "resolution__options")
        .order_by("position")
    )


def document_get_visible(*, pk: int) -> AgendaDocument:
    return get_object_or_404(
        AgendaDocument.objects.exclude(item__assembly__status=AssemblyStatus.DRAFT), pk=pk
    )


def proxy_get_for_holder(*, holder: Member, pk: int) -> Proxy:
    return get_object_or_404(Proxy.objects.select_related("assembly"), pk=pk, holder=holder)


def proxy_get_for_grantor(*, grantor: Member, pk: int) -> Proxy:
    return get_object_or_404(Proxy.objects.select_related("assembly"), pk=pk, grantor=grantor)


def proxies_of(*, assembly: Assembly, member: Member) -> tuple[Proxy | None, list[Proxy]]:
    """The live proxy `member` gave, and the live ones they were given: one query."""
    given: Proxy | None = None
    held: list[Proxy] = []
    for proxy in (
        Proxy.objects.filter(LIVE_PROXY, assembly=assembly)
        .filter(Q(grantor=member) | Q(holder=member))
        .select_related("grantor", "holder")
        .order_by("pk")
    ):
        if proxy.grantor_id == member.pk:
            given = proxy
        else:
            held.append(proxy)
    return given, held

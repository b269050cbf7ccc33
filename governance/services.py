"""Every write of the general assembly (issue 18): the secretariat's set-up,
the convocation, proxies, the secret vote, the count and the publication.

Errors are ValidationErrors whose messages are the constants below, so the
pages show them in the member's language and the tests assert on them. A
refused call stores nothing.
"""

import base64
import datetime
import hashlib
import secrets
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from governance import selectors
from governance.catalogue import DECISIONS, ELIGIBILITY, KEYS, NOTICE, PROXIES
from governance.models import (
    BRUSSELS,
    AgendaDocument,
    AgendaItem,
    Assembly,
    AssemblyStatus,
    Ballot,
    BallotMark,
    Option,
    OptionKind,
    Proxy,
    ProxyStatus,
    Resolution,
    ResolutionKind,
    VoteCast,
)
from members.models import Member
from members.selectors import member_by_number
from rules.selectors import RuleSet, rules_on
from smartcoop.lib.audit import audited
from smartcoop.lib.storage import documents_storage
from workspaces.models import Resource
from workspaces.services import maintenance_block_create

# --- Messages -----------------------------------------------------------------------------

WINDOW_ORDER = _("Voting must close after it opens.")
RECORD_DATE_AFTER_MEETING = _("The record date must be on or before the day of the meeting.")
VOTING_AFTER_MEETING = _("Voting must open before the meeting ends.")
MEETING_ORDER = _("The meeting must end after it starts.")
NOT_A_DRAFT = _("This assembly is already convened: its agenda can no longer change.")
NOT_A_PDF = _("Upload the document as a PDF file.")
EMPTY_AGENDA = _("Add at least one agenda item before convening the assembly.")
NOTICE_TOO_SHORT = _(
    "The meeting is %(days)s days away; the convocation must be sent at least "
    "%(notice)s days before it."
)
SEATS_FOR_ELECTION = _("Only an election has more than one seat.")
CANDIDATES_NEEDED = _("An election needs at least one candidate.")
VOTING_NOT_OPEN = _("Voting has not opened yet: it opens on %(opens)s.")
VOTING_CLOSED = _("Voting is closed: it closed on %(closes)s.")
NOT_ELIGIBLE = _(
    "Only people who were members of the cooperative on the record date (%(date)s) may vote."
)
NOT_YOUR_PROXY = _("You do not hold a confirmed proxy for this member.")
ALREADY_VOTED = _("This vote has already been cast. A ballot is final.")
NO_CHOICE = _("Choose an option before casting your ballot.")
TAMPERED = _("This ballot was not filled in on this page. Reload the page and vote again.")
TOO_MANY_CHOICES = _("Choose at most %(seats)s candidates.")
ABSTAIN_ALONE = _("An abstention cannot be combined with a candidate.")
COUNT_TOO_EARLY = _("The votes can be counted only once voting has closed.")
NOT_CONVENED = _("This assembly is not open for that: its status is %(status)s.")
NOT_COUNTED = _("Count the votes before publishing the results.")
PROXY_TOO_LATE = _("Proxies can be given, confirmed or revoked only until voting opens.")
PROXY_TO_SELF = _("You cannot give a proxy to yourself.")
HOLDER_UNKNOWN = _("No member has the number %(number)s.")
HOLDER_NOT_MEMBER = _("A proxy can only be given to another member of the cooperative.")
PROXY_EXISTS = _("You have already given a proxy for this assembly; revoke it first.")
HOLDER_FULL = _("This member already holds the most proxies allowed (%(max)s).")
PROXY_NOT_PENDING = _("This proxy is no longer waiting for your answer.")
PROXY_NOT_LIVE = _("This proxy is no longer in force.")
HOLDER_GAVE_PROXY = _("This member has given their own vote by proxy and cannot hold one.")
GRANTOR_HOLDS = _("You hold a proxy for another member, so you cannot give your own vote away.")


def _local(moment: datetime.datetime) -> str:
    return f"{moment.astimezone(BRUSSELS):%d/%m/%Y %H:%M}"


def governance_rules(on: datetime.date) -> RuleSet:
    return rules_on(KEYS, on=on)


# --- Secretariat --------------------------------------------------------------------------


def assembly_create(
    *,
    title: str,
    resource: Resource,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    remote_allowed: bool,
    voting_opens_at: datetime.datetime,
    voting_closes_at: datetime.datetime,
    record_date: datetime.date,
    acting_user: User,
) -> Assembly:
    """Create an assembly and hold its room with a workspace booking (the
    exclusion constraint keeps the room ours; a clash is refused with the
    workspaces' own message)."""
    errors: dict[str, Any] = {}
    if ends_at <= starts_at:
        errors["ends_at"] = ValidationError(MEETING_ORDER, code="order")
    if voting_closes_at <= voting_opens_at:
        errors["voting_closes_at"] = ValidationError(WINDOW_ORDER, code="window")
    elif voting_opens_at >= ends_at:
        errors["voting_opens_at"] = ValidationError(VOTING_AFTER_MEETING, code="window")
    if record_date > starts_at.astimezone(BRUSSELS).date():
        errors["record_date"] = ValidationError(RECORD_DATE_AFTER_MEETING, code="record_date")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        booking = maintenance_block_create(
            resource=resource,
            starts_at=starts_at,
            ends_at=ends_at,
            note=f"General assembly: {title.strip()}"[:300],
            acting_user=acting_user,
        )
        assembly = Assembly(
            title=title.strip(),
            starts_at=starts_at,
            booking=booking,
            remote_allowed=remote_allowed,
            voting_opens_at=voting_opens_at,
            voting_closes_at=voting_closes_at,
            record_date=record_date,
            created_by=acting_user,
        )
        audited(assembly, acting_user=acting_user, reason="created")
        assembly.save()
    return assembly


def _lock_draft(assembly: Assembly) -> Assembly:
    assembly = Assembly.objects.select_for_update().get(pk=assembly.pk)
    if assembly.status != AssemblyStatus.DRAFT:
        raise ValidationError(NOT_A_DRAFT, code="not_draft")
    return assembly


def agenda_item_add(
    *, assembly: Assembly, title: str, description: str, acting_user: User
) -> AgendaItem:
    with transaction.atomic():
        assembly = _lock_draft(assembly)
        last = assembly.items.order_by("-position").values_list("position", flat=True).first()
        item = AgendaItem(
            assembly=assembly,
            position=(last or 0) + 1,
            title=title.strip(),
            description=description.strip(),
        )
        audited(item, acting_user=acting_user, reason="agenda item added")
        item.save()
    return item


def agenda_document_add(
    *, item: AgendaItem, title: str, content: bytes, acting_user: User
) -> AgendaDocument:
    """Store a PDF for an agenda item under its SHA-256; it never changes."""
    if not content.startswith(b"%PDF-"):
        raise ValidationError({"content": ValidationError(NOT_A_PDF, code="not_pdf")})
    digest = hashlib.sha256(content).hexdigest()
    with transaction.atomic():
        _lock_draft(item.assembly)
        name = documents_storage().save(
            f"governance/{item.assembly_id}/{digest}.pdf", ContentFile(content)
        )
        return AgendaDocument.objects.create(
            item=item,
            title=title.strip(),
            file_name=name,
            sha256=digest,
            size=len(content),
            uploaded_by=acting_user,
        )


def agenda_document_read(document: AgendaDocument) -> bytes:
    with documents_storage().open(document.file_name, "rb") as handle:
        data: bytes = handle.read()
    return data


def resolution_add(
    *,
    item: AgendaItem,
    kind: str,
    text: str,
    seats: int,
    candidates: list[Member],
    acting_user: User,
) -> Resolution:
    """A resolution on an agenda item with its options: yes, no and abstain,
    or for an election one option per candidate and abstain."""
    kind = ResolutionKind(kind)
    if kind != ResolutionKind.ELECTION and seats != 1:
        raise ValidationError({"seats": ValidationError(SEATS_FOR_ELECTION, code="seats")})
    if kind == ResolutionKind.ELECTION and not candidates:
        raise ValidationError(CANDIDATES_NEEDED, code="candidates")
    with transaction.atomic():
        _lock_draft(item.assembly)
        resolution = Resolution(item=item, kind=kind, text=text.strip(), seats=seats)
        audited(resolution, acting_user=acting_user, reason="resolution added")
        resolution.save()
        if kind == ResolutionKind.ELECTION:
            options = [
                Option(
                    resolution=resolution,
                    position=n,
                    kind=OptionKind.CANDIDATE,
                    label=candidate.legal_name,
                    candidate=candidate,
                )
                for n, candidate in enumerate(candidates, start=1)
            ]
            options.append(
                Option(resolution=resolution, position=len(options) + 1, kind=OptionKind.ABSTAIN)
            )
        else:
            options = [
                Option(resolution=resolution, position=n, kind=k)
                for n, k in enumerate((OptionKind.YES, OptionKind.NO, OptionKind.ABSTAIN), 1)
            ]
        Option.objects.bulk_create(options)
    return resolution


def assembly_convene(*, assembly: Assembly, acting_user: User) -> Assembly:
    """Convene the assembly. Refused when the meeting is fewer days away than
    the notice rule (governance.convocation_notice, CSA/WVV art. 6:70)."""
    today = timezone.localdate()
    with transaction.atomic():
        assembly = _lock_draft(assembly)
        if not assembly.items.exists():
            raise ValidationError(EMPTY_AGENDA, code="empty")
        rules = governance_rules(today)
        notice = rules.value(NOTICE)
        if notice.add_to(today) > assembly.meeting_date:
            raise ValidationError(
                NOTICE_TOO_SHORT,
                code="notice",
                params={
                    "days": (assembly.meeting_date - today).days,
                    "notice": (notice.add_to(today) - today).days,
                },
            )
        assembly.status = AssemblyStatus.CONVENED
        assembly.convened_at = timezone.now()
        assembly.rules_used = {**assembly.rules_used, **rules.provenance()}
        audited(assembly, acting_user=acting_user, reason="convened")
        assembly.save()
    return assembly


# --- Proxies ------------------------------------------------------------------------------


def _electoral_statuses(rules: RuleSet) -> list[str]:
    statuses: list[str] = rules.value(ELIGIBILITY)["statuses"]
    return statuses


def _before_voting(assembly: Assembly) -> None:
    if assembly.status != AssemblyStatus.CONVENED:
        raise ValidationError(
            NOT_CONVENED,
            code="status",
            params={"status": AssemblyStatus(assembly.status).label},
        )
    if timezone.now() >= assembly.voting_opens_at:
        raise ValidationError(PROXY_TOO_LATE, code="too_late")


def proxy_appoint(*, assembly: Assembly, grantor: Member, holder_number: int) -> Proxy:
    """`grantor` asks the member numbered `holder_number` to vote for them.
    The holder must be another member who may vote (governance.proxies) and
    hold no more than the allowed number of proxies; it counts once the holder
    confirms it. Until voting opens."""
    rules = governance_rules(assembly.meeting_date)
    statuses = _electoral_statuses(rules)
    policy = rules.value(PROXIES)
    with transaction.atomic():
        # One proxy change per assembly at a time, so two grantors cannot both
        # take a holder's last place.
        assembly = Assembly.objects.select_for_update().get(pk=assembly.pk)
        _before_voting(assembly)
        if not selectors.is_elector(assembly=assembly, member=grantor, statuses=statuses):
            raise ValidationError(
                NOT_ELIGIBLE,
                code="not_eligible",
                params={"date": f"{assembly.record_date:%d/%m/%Y}"},
            )
        holder = member_by_number(number=holder_number)
        if holder is None:
            raise ValidationError(
                {
                    "holder": ValidationError(
                        HOLDER_UNKNOWN, code="unknown", params={"number": holder_number}
                    )
                }
            )
        if holder.pk == grantor.pk:
            raise ValidationError({"holder": ValidationError(PROXY_TO_SELF, code="self")})
        if policy["holder_must_be_member"] and not selectors.is_elector(
            assembly=assembly, member=holder, statuses=statuses
        ):
            raise ValidationError({"holder": ValidationError(HOLDER_NOT_MEMBER, code="not_member")})
        if selectors.proxy_live_from(assembly=assembly, grantor=grantor) is not None:
            raise ValidationError(PROXY_EXISTS, code="exists")
        if selectors.proxies_live_to(assembly=assembly, holder=grantor).exists():
            raise ValidationError(GRANTOR_HOLDS, code="grantor_holds")
        if selectors.proxy_live_from(assembly=assembly, grantor=holder) is not None:
            raise ValidationError({"holder": ValidationError(HOLDER_GAVE_PROXY, code="chain")})
        if (
            selectors.proxies_live_to(assembly=assembly, holder=holder).count()
            >= policy["max_held"]
        ):
            raise ValidationError(
                {
                    "holder": ValidationError(
                        HOLDER_FULL, code="full", params={"max": policy["max_held"]}
                    )
                }
            )
        proxy = Proxy(assembly=assembly, grantor=grantor, holder=holder)
        audited(proxy, acting_user=grantor.user, reason="proxy requested")
        proxy.save()
    return proxy


def _decide(
    proxy: Proxy, *, status: str, acting: Member, expected: set[str], message: Any
) -> Proxy:
    with transaction.atomic():
        assembly = Assembly.objects.select_for_update().get(pk=proxy.assembly_id)
        _before_voting(assembly)
        proxy = Proxy.objects.select_for_update().get(pk=proxy.pk)
        if proxy.status not in expected:
            raise ValidationError(message, code="state")
        proxy.status = status
        proxy.decided_at = timezone.now()
        audited(proxy, acting_user=acting.user, reason=f"proxy {status}")
        proxy.save()
    return proxy


def proxy_confirm(*, proxy: Proxy, holder: Member) -> Proxy:
    """The holder accepts to vote for the grantor (the caller has fetched the
    proxy scoped to the holder)."""
    if proxy.holder_id != holder.pk:
        raise ValidationError(PROXY_NOT_PENDING, code="state")
    return _decide(
        proxy,
        status=ProxyStatus.CONFIRMED,
        acting=holder,
        expected={ProxyStatus.REQUESTED},
        message=PROXY_NOT_PENDING,
    )


def proxy_decline(*, proxy: Proxy, holder: Member) -> Proxy:
    if proxy.holder_id != holder.pk:
        raise ValidationError(PROXY_NOT_PENDING, code="state")
    return _decide(
        proxy,
        status=ProxyStatus.DECLINED,
        acting=holder,
        expected={ProxyStatus.REQUESTED},
        message=PROXY_NOT_PENDING,
    )


def proxy_revoke(*, proxy: Proxy, grantor: Member) -> Proxy:
    """The grantor takes their vote back, until voting opens."""
    if proxy.grantor_id != grantor.pk:
        raise ValidationError(PROXY_NOT_LIVE, code="state")
    return _decide(
        proxy,
        status=ProxyStatus.REVOKED,
        acting=grantor,
        expected={ProxyStatus.REQUESTED, ProxyStatus.CONFIRMED},
        message=PROXY_NOT_LIVE,
    )


# --- The vote -----------------------------------------------------------------------------


def receipt_normalise(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def receipt_hash(code: str) -> str:
    """The SHA-256 (hex) of a receipt code, as stored and published; spaces,
    dashes and case do not matter."""
    return hashlib.sha256(receipt_normalise(code).encode()).hexdigest()


def _receipt_code() -> str:
    # 120 random bits, base32 without padding: 24 characters in groups of four.
    raw = secrets.token_bytes(15)
    text = base64.b32encode(raw).decode()
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))


def _check_window(assembly: Assembly, now: datetime.datetime) -> None:
    if assembly.status != AssemblyStatus.CONVENED or now >= assembly.voting_closes_at:
        raise ValidationError(
            VOTING_CLOSED, code="closed", params={"closes": _local(assembly.voting_closes_at)}
        )
    if now < assembly.voting_opens_at:
        raise ValidationError(
            VOTING_NOT_OPEN, code="not_open", params={"opens": _local(assembly.voting_opens_at)}
        )


def _check_choice(resolution: Resolution, option_ids: list[int]) -> list[Option]:
    if not option_ids:
        raise ValidationError(NO_CHOICE, code="no_choice")
    if len(set(option_ids)) != len(option_ids):
        raise ValidationError(TAMPERED, code="tampered")
    options = list(Option.objects.filter(resolution=resolution, pk__in=option_ids))
    if len(options) != len(option_ids):
        # An option of another resolution, or none at all: not this page's form.
        raise ValidationError(TAMPERED, code="tampered")
    if resolution.kind == ResolutionKind.ELECTION:
        if len(options) > 1 and any(o.kind == OptionKind.ABSTAIN for o in options):
            raise ValidationError(ABSTAIN_ALONE, code="abstain_alone")
        if len(options) > resolution.seats:
            raise ValidationError(
                TOO_MANY_CHOICES, code="too_many", params={"seats": resolution.seats}
            )
    elif len(options) != 1:
        raise ValidationError(TAMPERED, code="tampered")
    return options


def vote_cast(
    *,
    resolution: Resolution,
    voter: Member,
    on_behalf_of: Member | None,
    option_ids: list[int],
) -> str:
    """Cast one secret ballot on `resolution`: `voter`'s own vote, or the vote
    of `on_behalf_of` whose confirmed proxy `voter` holds. Returns the receipt
    code, shown once; only its SHA-256 is stored.

    The "who voted" row and the ballot are written in one transaction; the
    unique (resolution, member) of VoteCast is what keeps a second tab or a
    racing proxy holder from voting twice: the loser's transaction is rolled
    back whole and they are told the vote was already cast. No audit record
    is written: it would tie the ballot to the voter by time.
    """
    now = timezone.now()
    resolution = Resolution.objects.select_related("item__assembly").get(pk=resolution.pk)
    assembly = resolution.item.assembly
    _check_window(assembly, now)
    rules = governance_rules(assembly.meeting_date)
    statuses = _electoral_statuses(rules)
    represented = on_behalf_of or voter
    not_eligible = ValidationError(
        NOT_ELIGIBLE, code="not_eligible", params={"date": f"{assembly.record_date:%d/%m/%Y}"}
    )
    eligible = set(
        selectors.electors(assembly=assembly, statuses=statuses)
        .filter(pk__in={voter.pk, represented.pk})
        .values_list("pk", flat=True)
    )
    if voter.pk not in eligible or represented.pk not in eligible:
        raise not_eligible
    if on_behalf_of is not None and not (
        selectors.proxies_confirmed_to(assembly=assembly, holder=voter)
        .filter(grantor=on_behalf_of)
        .exists()
    ):
        raise ValidationError(NOT_YOUR_PROXY, code="not_your_proxy")
    options = _check_choice(resolution, option_ids)
    code = _receipt_code()
    try:
        with transaction.atomic():
            VoteCast.objects.create(resolution=resolution, member=represented, cast_by=voter)
            ballot = Ballot.objects.create(resolution=resolution, receipt_hash=receipt_hash(code))
            BallotMark.objects.bulk_create(BallotMark(ballot=ballot, option=o) for o in options)
    except IntegrityError as exc:
        if "vote_cast_once" in str(exc):
            raise ValidationError(ALREADY_VOTED, code="already_voted") from exc
        raise
    return code


# --- The count ----------------------------------------------------------------------------


_RESHUFFLE_SQL = [
    "DROP TABLE IF EXISTS governance_reshuffle_ballots",
    "DROP TABLE IF EXISTS governance_reshuffle_marks",
    """CREATE TEMPORARY TABLE governance_reshuffle_ballots ON COMMIT DROP AS
       SELECT id AS old_id, gen_random_uuid() AS new_id, resolution_id, receipt_hash
       FROM governance_ballot WHERE resolution_id = ANY(%(resolutions)s)""",
    """CREATE TEMPORARY TABLE governance_reshuffle_marks ON COMMIT DROP AS
       SELECT b.new_id, m.option_id FROM governance_ballotmark m
       JOIN governance_reshuffle_ballots b ON b.old_id = m.ballot_id""",
    """DELETE FROM governance_ballotmark
       WHERE ballot_id IN (SELECT old_id FROM governance_reshuffle_ballots)""",
    """DELETE FROM governance_ballot
       WHERE id IN (SELECT old_id FROM governance_reshuffle_ballots)""",
    """INSERT INTO governance_ballot (id, resolution_id, receipt_hash)
       SELECT new_id, resolution_id, receipt_hash FROM governance_reshuffle_ballots
       ORDER BY random()""",
    """INSERT INTO governance_ballotmark (id, ballot_id, option_id)
       SELECT gen_random_uuid(), new_id, option_id FROM governance_reshuffle_marks
       ORDER BY random()""",
    "DROP TABLE governance_reshuffle_marks",
    "DROP TABLE governance_reshuffle_ballots",
]


def _ballots_reshuffle(assembly: Assembly) -> None:
    """Write every ballot of the assembly again, in random order, with new
    keys: afterwards neither the rows' physical order nor their transaction
    ids (PostgreSQL's xmin, shared by a VoteCast row and the ballot written
    with it) say anything of who cast which ballot. On PostgreSQL in SQL
    (160,000 ballots in seconds); elsewhere (the embedded SQLite) in Python."""
    resolutions = list(
        Resolution.objects.filter(item__assembly=assembly).values_list("pk", flat=True)
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for statement in _RESHUFFLE_SQL:
                cursor.execute(statement, {"resolutions": resolutions})
        return
    ballots = list(
        Ballot.objects.filter(resolution__in=resolutions).values_list(
            "pk", "resolution_id", "receipt_hash"
        )
    )
    marks: dict[Any, list[int]] = {}
    for ballot_id, option_id in BallotMark.objects.filter(
        ballot__resolution__in=resolutions
    ).values_list("ballot_id", "option_id"):
        marks.setdefault(ballot_id, []).append(option_id)
    Ballot.objects.filter(resolution__in=resolutions).delete()  # marks cascade
    shuffler = secrets.SystemRandom()
    shuffler.shuffle(ballots)
    new_ballots = [Ballot(resolution_id=r, receipt_hash=h) for _, r, h in ballots]
    Ballot.objects.bulk_create(new_ballots, batch_size=2000)
    new_marks = [
        BallotMark(ballot=new, option_id=option_id)
        for (old_id, _, _), new in zip(ballots, new_ballots, strict=True)
        for option_id in marks.get(old_id, [])
    ]
    shuffler.shuffle(new_marks)
    BallotMark.objects.bulk_create(new_marks, batch_size=4000)


def _fraction(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _decide_resolution(
    resolution: Resolution, counts: list[selectors.OptionCount], eligible: int, rule: dict[str, Any]
) -> None:
    ballots = counts[0].ballots if counts else 0
    quorum = _fraction(rule["quorum"])
    quorum_reached = quorum is None or Decimal(ballots) >= quorum * eligible
    options = [
        {"id": c.option_id, "kind": c.kind, "label": c.label, "votes": c.marks} for c in counts
    ]
    result: dict[str, Any] = {
        "options": options,
        "ballots": ballots,
        "eligible": eligible,
        "quorum": rule["quorum"],
        "majority": rule["majority"],
        "strict": rule["strict"],
        "legal_reference": rule["legal_reference"],
    }
    if resolution.kind == ResolutionKind.ELECTION:
        candidates = [c for c in counts if c.kind == OptionKind.CANDIDATE]
        elected = [
            c.option_id
            for c in candidates
            if c.marks > 0
            and sum(1 for other in candidates if other.marks >= c.marks) <= resolution.seats
        ]
        result["elected"] = elected
        result["tie"] = len(elected) < resolution.seats and any(c.marks > 0 for c in candidates)
        adopted = quorum_reached and len(elected) == resolution.seats
    else:
        by_kind = {c.kind: c.marks for c in counts}
        yes, no = by_kind.get(OptionKind.YES, 0), by_kind.get(OptionKind.NO, 0)
        cast = yes + no  # abstentions are not counted
        majority = _fraction(rule["majority"]) or Decimal("0.5")
        needed = majority * cast
        adopted = (
            quorum_reached and cast > 0 and (yes > needed if rule["strict"] else yes >= needed)
        )
        result.update({"yes": yes, "no": no, "abstain": by_kind.get(OptionKind.ABSTAIN, 0)})
    resolution.eligible_count = eligible
    resolution.ballots_count = ballots
    resolution.quorum_reached = quorum_reached
    resolution.adopted = adopted
    resolution.result = result


def assembly_count(*, assembly: Assembly, acting_user: User) -> Assembly:
    """Count the votes once voting has closed: reshuffle the ballots, tally
    them in one query and decide each resolution by the quorum and majority of
    governance.decision_rules in force on the meeting date, recording the rule
    versions used."""
    with transaction.atomic():
        assembly = Assembly.objects.select_for_update().get(pk=assembly.pk)
        if assembly.status != AssemblyStatus.CONVENED:
            raise ValidationError(
                NOT_CONVENED,
                code="status",
                params={"status": AssemblyStatus(assembly.status).label},
            )
        if timezone.now() < assembly.voting_closes_at:
            raise ValidationError(COUNT_TOO_EARLY, code="too_early")
        _ballots_reshuffle(assembly)
        rules = governance_rules(assembly.meeting_date)
        decisions = rules.value(DECISIONS)
        eligible = selectors.electors(
            assembly=assembly, statuses=_electoral_statuses(rules)
        ).count()
        per_resolution: dict[int, list[selectors.OptionCount]] = {}
        for row in selectors.tally(assembly=assembly):
            per_resolution.setdefault(row.resolution_id, []).append(row)
        provenance = rules.provenance()
        for resolution in selectors.resolutions_of(assembly=assembly):
            _decide_resolution(
                resolution,
                per_resolution.get(resolution.pk, []),
                eligible,
                decisions[resolution.kind],
            )
            resolution.rules_used = provenance
            audited(resolution, acting_user=acting_user, reason="counted")
            resolution.save()
        assembly.status = AssemblyStatus.COUNTED
        assembly.counted_at = timezone.now()
        assembly.rules_used = {**assembly.rules_used, **provenance}
        audited(assembly, acting_user=acting_user, reason="counted")
        assembly.save()
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        # The dead row versions the reshuffle left behind still carry the old
        # transaction ids; VACUUM removes them (it cannot run in a transaction).
        with connection.cursor() as cursor:
            cursor.execute("VACUUM governance_ballotmark")
            cursor.execute("VACUUM governance_ballot")
    return assembly


def assembly_results_publish(*, assembly: Assembly, acting_user: User) -> Assembly:
    """Publish the results and the list of receipts; from now on nothing of
    the count changes (no service counts a published assembly again)."""
    with transaction.atomic():
        assembly = Assembly.objects.select_for_update().get(pk=assembly.pk)
        if assembly.status != AssemblyStatus.COUNTED:
            raise ValidationError(NOT_COUNTED, code="not_counted")
        assembly.status = AssemblyStatus.PUBLISHED
        assembly.published_at = timezone.now()
        audited(assembly, acting_user=acting_user, reason="results published")
        assembly.save()
    return assembly

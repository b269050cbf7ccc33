"""The general assembly's services (issue 18): set-up, convocation notice,
proxies, the vote and its bad input, the count by the rules and publication.
Every refusal leaves nothing stored."""

import datetime
import hashlib

import pytest
from django.core.exceptions import ValidationError

from governance import selectors, services
from governance.models import (
    AgendaDocument,
    AssemblyStatus,
    Ballot,
    BallotMark,
    OptionKind,
    Proxy,
    ProxyStatus,
    VoteCast,
)
from members.services import member_status_set
from rules.models import Rule
from rules.selectors import catalogue_invalidate
from tests.clock import TODAY, on
from tests.factories import MemberFactory, PaidMemberFactory, ResourceFactory, published_version
from tests.governance.support import (
    after_voting,
    assembly_draft,
    convened,
    during_voting,
    option,
    vote,
)
from workspaces.models import Booking, BookingKind

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def messages(exc: pytest.ExceptionInfo[ValidationError]) -> list[str]:
    return [str(m) for m in exc.value.messages]


def nothing_cast() -> bool:
    return not (VoteCast.objects.exists() or Ballot.objects.exists() or BallotMark.objects.exists())


# --- Set-up and convocation --------------------------------------------------------------


def test_the_room_is_held_by_a_booking_and_a_second_assembly_cannot_take_it(staff_user):
    room = ResourceFactory()
    assembly = assembly_draft(staff_user, resource=room)
    assert assembly.booking.resource == room
    assert assembly.booking.kind == BookingKind.MAINTENANCE
    assert assembly.booking.starts_at == assembly.starts_at
    with pytest.raises(ValidationError) as exc:
        assembly_draft(staff_user, resource=room)
    assert "already blocked" in " ".join(messages(exc)) or messages(exc)
    assert Booking.objects.count() == 1


def test_dates_in_the_wrong_order_are_refused_field_by_field(staff_user):
    starts = datetime.datetime(2026, 12, 10, 10, tzinfo=datetime.UTC)
    with pytest.raises(ValidationError) as exc:
        services.assembly_create(
            title="GA",
            resource=ResourceFactory(),
            starts_at=starts,
            ends_at=starts - datetime.timedelta(hours=1),
            remote_allowed=False,
            voting_opens_at=starts,
            voting_closes_at=starts,
            record_date=datetime.date(2026, 12, 11),
            acting_user=staff_user,
        )
    assert set(exc.value.message_dict) == {"ends_at", "voting_closes_at", "record_date"}
    assert not Booking.objects.exists()


def test_convening_is_refused_when_the_meeting_is_closer_than_the_notice(staff_user):
    assembly = assembly_draft(staff_user, meeting_day=TODAY + datetime.timedelta(days=14))
    services.agenda_item_add(
        assembly=assembly, title="Accounts", description="", acting_user=staff_user
    )
    with on(TODAY), pytest.raises(ValidationError) as exc:
        services.assembly_convene(assembly=assembly, acting_user=staff_user)
    assert messages(exc) == [
        "The meeting is 14 days away; the convocation must be sent at least 15 days before it."
    ]
    assembly.refresh_from_db()
    assert assembly.status == AssemblyStatus.DRAFT


def test_convening_an_empty_agenda_is_refused(staff_user):
    assembly = assembly_draft(staff_user)
    with on(TODAY), pytest.raises(ValidationError) as exc:
        services.assembly_convene(assembly=assembly, acting_user=staff_user)
    assert messages(exc) == [str(services.EMPTY_AGENDA)]


def test_convening_records_the_rule_versions_and_freezes_the_agenda(staff_user):
    setup = convened(staff_user)
    notice = Rule.objects.get(key="governance.convocation_notice")
    assert setup.assembly.status == AssemblyStatus.CONVENED
    assert setup.assembly.rules_used["governance.convocation_notice"] == (notice.versions.get().pk)
    with pytest.raises(ValidationError) as exc:
        services.agenda_item_add(
            assembly=setup.assembly, title="Late", description="", acting_user=staff_user
        )
    assert messages(exc) == [str(services.NOT_A_DRAFT)]


def test_agenda_documents_are_pdfs_stored_with_their_sha256(staff_user):
    assembly = assembly_draft(staff_user)
    item = services.agenda_item_add(
        assembly=assembly, title="Accounts", description="", acting_user=staff_user
    )
    with pytest.raises(ValidationError) as exc:
        services.agenda_document_add(
            item=item, title="Accounts", content=b"<html>", acting_user=staff_user
        )
    assert messages(exc) == [str(services.NOT_A_PDF)]
    assert not AgendaDocument.objects.exists()
    document = services.agenda_document_add(
        item=item, title="Accounts", content=PDF, acting_user=staff_user
    )
    assert document.sha256 == hashlib.sha256(PDF).hexdigest()
    assert services.agenda_document_read(document) == PDF


def test_only_an_election_has_seats_and_candidates(staff_user):
    assembly = assembly_draft(staff_user)
    item = services.agenda_item_add(
        assembly=assembly, title="Board", description="", acting_user=staff_user
    )
    with pytest.raises(ValidationError) as exc:
        services.resolution_add(
            item=item, kind="ordinary", text="x", seats=2, candidates=[], acting_user=staff_user
        )
    assert messages(exc) == [str(services.SEATS_FOR_ELECTION)]
    with pytest.raises(ValidationError) as exc:
        services.resolution_add(
            item=item, kind="election", text="x", seats=2, candidates=[], acting_user=staff_user
        )
    assert messages(exc) == [str(services.CANDIDATES_NEEDED)]


# --- Voting ------------------------------------------------------------------------------


def test_a_member_votes_once_and_gets_a_receipt_whose_hash_alone_is_stored(staff_user):
    setup = convened(staff_user)
    member = PaidMemberFactory()
    with during_voting(setup.assembly):
        code = vote(setup.ordinary, member)
        with pytest.raises(ValidationError) as exc:
            vote(setup.ordinary, member, OptionKind.NO)
    assert messages(exc) == [str(services.ALREADY_VOTED)]
    ballot = Ballot.objects.get()
    assert ballot.receipt_hash == hashlib.sha256(code.replace("-", "").encode()).hexdigest()
    assert code not in {ballot.receipt_hash, str(ballot.pk)}
    assert [m.option.kind for m in ballot.marks.all()] == [OptionKind.YES]
    assert VoteCast.objects.get().member == member


@pytest.mark.parametrize("when", ["before", "after"])
def test_a_vote_outside_the_window_is_refused(staff_user, when):
    setup = convened(staff_user)
    member = PaidMemberFactory()
    moment = (
        setup.assembly.voting_opens_at - datetime.timedelta(minutes=1)
        if when == "before"
        else setup.assembly.voting_closes_at
    )
    with on(moment), pytest.raises(ValidationError) as exc:
        vote(setup.ordinary, member)
    expected = "Voting has not opened yet" if when == "before" else "Voting is closed"
    assert messages(exc)[0].startswith(expected)
    assert nothing_cast()


def test_a_non_member_and_a_member_who_joined_after_the_record_date_cannot_vote(staff_user):
    setup = convened(staff_user)
    applicant = MemberFactory()  # status applicant
    joined_later = MemberFactory()
    member_status_set(
        member=joined_later,
        status="member",
        acting_user=None,
        reason="share paid",
        effective_on=TODAY + datetime.timedelta(days=1),
    )
    with during_voting(setup.assembly):
        for person in (applicant, joined_later):
            with pytest.raises(ValidationError) as exc:
                vote(setup.ordinary, person)
            assert messages(exc) == [
                "Only people who were members of the cooperative on the record date "
                f"({TODAY:%d/%m/%Y}) may vote."
            ]
    assert nothing_cast()


def test_a_member_who_resigned_after_the_record_date_still_votes(staff_user):
    setup = convened(staff_user)
    member = PaidMemberFactory()
    member_status_set(
        member=member,
        status="resigned",
        acting_user=None,
        reason="resigned",
        effective_on=TODAY + datetime.timedelta(days=2),
    )
    with during_voting(setup.assembly):
        vote(setup.ordinary, member)
    assert VoteCast.objects.count() == 1


def test_tampered_choices_are_refused_and_nothing_is_stored(staff_user):
    setup = convened(staff_user)
    member = PaidMemberFactory()
    yes, no = option(setup.ordinary, "yes"), option(setup.ordinary, "no")
    other = option(setup.articles, "yes")
    cases = {
        (): services.NO_CHOICE,
        (other.pk,): services.TAMPERED,  # an option of another resolution
        (yes.pk, no.pk): services.TAMPERED,  # two choices on a yes/no question
        (yes.pk, yes.pk): services.TAMPERED,
        (999999,): services.TAMPERED,
    }
    with during_voting(setup.assembly):
        for option_ids, message in cases.items():
            with pytest.raises(ValidationError) as exc:
                services.vote_cast(
                    resolution=setup.ordinary,
                    voter=member,
                    on_behalf_of=None,
                    option_ids=list(option_ids),
                )
            assert messages(exc) == [str(message)], option_ids
    assert nothing_cast()


def test_election_ballots_mark_up_to_the_seats_and_abstain_stands_alone(staff_user):
    alice, bob, carl = PaidMemberFactory(), PaidMemberFactory(), PaidMemberFactory()
    setup = convened(staff_user, candidates=[alice, bob, carl])
    election = selectors.resolutions_of(assembly=setup.assembly).get(kind="election")
    candidates = list(election.options.filter(kind="candidate"))
    abstain = option(election, "abstain")
    voter = PaidMemberFactory()
    with during_voting(setup.assembly):
        with pytest.raises(ValidationError) as exc:
            services.vote_cast(
                resolution=election,
                voter=voter,
                on_behalf_of=None,
                option_ids=[c.pk for c in candidates],
            )
        assert messages(exc) == ["Choose at most 2 candidates."]
        with pytest.raises(ValidationError) as exc:
            services.vote_cast(
                resolution=election,
                voter=voter,
                on_behalf_of=None,
                option_ids=[candidates[0].pk, abstain.pk],
            )
        assert messages(exc) == [str(services.ABSTAIN_ALONE)]
        assert nothing_cast()
        services.vote_cast(
            resolution=election,
            voter=voter,
            on_behalf_of=None,
            option_ids=[candidates[0].pk, candidates[1].pk],
        )
    assert BallotMark.objects.count() == 2


# --- Proxies -----------------------------------------------------------------------------


def test_proxy_bad_input_is_refused(staff_user):
    setup = convened(staff_user)
    grantor, holder, other = PaidMemberFactory(), PaidMemberFactory(), PaidMemberFactory()
    applicant = MemberFactory()
    assembly = setup.assembly
    cases = [
        (grantor, grantor.member_number, "You cannot give a proxy to yourself."),
        (grantor, 1, "No member has the number 1."),
        (grantor, applicant.member_number, str(services.HOLDER_NOT_MEMBER)),
        (applicant, holder.member_number, "Only people who were members"),
    ]
    with on(TODAY):
        for who, number, message in cases:
            with pytest.raises(ValidationError) as exc:
                services.proxy_appoint(assembly=assembly, grantor=who, holder_number=number)
            assert messages(exc)[0].startswith(message)
        assert not Proxy.objects.exists()
        services.proxy_appoint(
            assembly=assembly, grantor=grantor, holder_number=holder.member_number
        )
        # Over the limit of one proxy per holder (governance.proxies).
        with pytest.raises(ValidationError) as exc:
            services.proxy_appoint(
                assembly=assembly, grantor=other, holder_number=holder.member_number
            )
        assert messages(exc) == ["This member already holds the most proxies allowed (1)."]
        with pytest.raises(ValidationError) as exc:
            services.proxy_appoint(
                assembly=assembly, grantor=grantor, holder_number=other.member_number
            )
        assert messages(exc) == [str(services.PROXY_EXISTS)]
        # A holder cannot hand their own vote on, nor receive from one who gave theirs.
        with pytest.raises(ValidationError) as exc:
            services.proxy_appoint(
                assembly=assembly, grantor=holder, holder_number=other.member_number
            )
        assert messages(exc) == [str(services.GRANTOR_HOLDS)]
        with pytest.raises(ValidationError) as exc:
            services.proxy_appoint(
                assembly=assembly, grantor=other, holder_number=grantor.member_number
            )
        assert messages(exc) == [str(services.HOLDER_GAVE_PROXY)]
    assert Proxy.objects.count() == 1


def test_a_limit_of_two_from_a_new_rule_version_lets_a_holder_carry_two(staff_user):
    setup = convened(staff_user)
    published_version(
        Rule.objects.get(key="governance.proxies"),
        TODAY,
        {"max_held": 2, "holder_must_be_member": True},
        reason="articles amended",
    )
    catalogue_invalidate()
    holder = PaidMemberFactory()
    with on(TODAY):
        for _ in range(2):
            services.proxy_appoint(
                assembly=setup.assembly,
                grantor=PaidMemberFactory(),
                holder_number=holder.member_number,
            )
    assert Proxy.objects.filter(holder=holder).count() == 2


def test_a_confirmed_proxy_votes_once_for_the_grantor_and_the_grantor_then_cannot(staff_user):
    setup = convened(staff_user)
    grantor, holder = PaidMemberFactory(), PaidMemberFactory()
    with on(TODAY):
        proxy = services.proxy_appoint(
            assembly=setup.assembly, grantor=grantor, holder_number=holder.member_number
        )
    with during_voting(setup.assembly):
        # Not confirmed yet: the holder cannot vote for the grantor.
        with pytest.raises(ValidationError) as exc:
            vote(setup.ordinary, holder, for_member=grantor)
        assert messages(exc) == [str(services.NOT_YOUR_PROXY)]
        # Nor confirm once voting has opened.
        with pytest.raises(ValidationError) as exc:
            services.proxy_confirm(proxy=proxy, holder=holder)
        assert messages(exc) == [str(services.PROXY_TOO_LATE)]
    with on(TODAY):
        services.proxy_confirm(proxy=proxy, holder=holder)
    with during_voting(setup.assembly):
        vote(setup.ordinary, holder)
        vote(setup.ordinary, holder, OptionKind.NO, for_member=grantor)
        with pytest.raises(ValidationError) as exc:
            vote(setup.ordinary, grantor)
        assert messages(exc) == [str(services.ALREADY_VOTED)]
        with pytest.raises(ValidationError) as exc:
            services.proxy_revoke(proxy=proxy, grantor=grantor)
        assert messages(exc) == [str(services.PROXY_TOO_LATE)]
    assert set(VoteCast.objects.values_list("member", "cast_by")) == {
        (holder.pk, holder.pk),
        (grantor.pk, holder.pk),
    }
    assert Ballot.objects.count() == 2


def test_a_revoked_proxy_no_longer_counts(staff_user):
    setup = convened(staff_user)
    grantor, holder = PaidMemberFactory(), PaidMemberFactory()
    with on(TODAY):
        proxy = services.proxy_appoint(
            assembly=setup.assembly, grantor=grantor, holder_number=holder.member_number
        )
        services.proxy_confirm(proxy=proxy, holder=holder)
        services.proxy_revoke(proxy=proxy, grantor=grantor)
        with pytest.raises(ValidationError) as exc:
            services.proxy_revoke(proxy=proxy, grantor=grantor)
        assert messages(exc) == [str(services.PROXY_NOT_LIVE)]
    proxy.refresh_from_db()
    assert proxy.status == ProxyStatus.REVOKED
    with during_voting(setup.assembly), pytest.raises(ValidationError):
        vote(setup.ordinary, holder, for_member=grantor)


# --- Count and publication ---------------------------------------------------------------


def test_the_count_applies_the_majorities_and_quorum_of_the_rules(staff_user):
    setup = convened(staff_user)
    voters = [PaidMemberFactory() for _ in range(8)]
    with during_voting(setup.assembly):
        # Ordinary: 3 yes, 2 no, 3 abstain -> adopted (abstentions not counted).
        for member, kind in zip(voters, ["yes"] * 3 + ["no"] * 2 + ["abstain"] * 3, strict=True):
            vote(setup.ordinary, member, kind)
        # Articles: 3 yes, 1 no -> exactly three quarters; 4 of 8 members took part.
        for member, kind in zip(voters[:4], ["yes", "yes", "yes", "no"], strict=True):
            vote(setup.articles, member, kind)
        with pytest.raises(ValidationError) as exc:
            services.assembly_count(assembly=setup.assembly, acting_user=staff_user)
        assert messages(exc) == [str(services.COUNT_TOO_EARLY)]
    with after_voting(setup.assembly):
        services.assembly_count(assembly=setup.assembly, acting_user=staff_user)
    setup.ordinary.refresh_from_db()
    setup.articles.refresh_from_db()
    assert setup.ordinary.result["yes"] == 3
    assert setup.ordinary.result["no"] == 2
    assert setup.ordinary.result["abstain"] == 3
    assert setup.ordinary.adopted is True
    assert setup.ordinary.quorum_reached is True
    assert setup.articles.ballots_count == 4
    assert setup.articles.eligible_count == 8
    assert setup.articles.quorum_reached is True  # 4 >= half of 8
    assert setup.articles.adopted is True  # 3 of 4 = three quarters
    decisions = Rule.objects.get(key="governance.decision_rules").versions.get()
    assert setup.articles.rules_used["governance.decision_rules"] == decisions.pk


def test_articles_fail_without_quorum_and_ordinary_fails_on_a_tie(staff_user):
    setup = convened(staff_user)
    voters = [PaidMemberFactory() for _ in range(7)]
    with during_voting(setup.assembly):
        vote(setup.ordinary, voters[0], "yes")
        vote(setup.ordinary, voters[1], "no")
        for member in voters[:3]:  # 3 of 7: below half
            vote(setup.articles, member, "yes")
    with after_voting(setup.assembly):
        services.assembly_count(assembly=setup.assembly, acting_user=staff_user)
    setup.ordinary.refresh_from_db()
    setup.articles.refresh_from_db()
    assert setup.ordinary.adopted is False
    assert setup.articles.quorum_reached is False
    assert setup.articles.adopted is False


def test_an_election_fills_its_seats_by_most_votes(staff_user):
    alice, bob, carl = PaidMemberFactory(), PaidMemberFactory(), PaidMemberFactory()
    setup = convened(staff_user, candidates=[alice, bob, carl])
    election = selectors.resolutions_of(assembly=setup.assembly).get(kind="election")
    a, b, c = (option for option in election.options.filter(kind="candidate"))
    with during_voting(setup.assembly):
        for voter, choice in [
            (alice, [a, b]),
            (bob, [b, c]),
            (carl, [a, b]),
            (PaidMemberFactory(), [c]),
        ]:
            services.vote_cast(
                resolution=election,
                voter=voter,
                on_behalf_of=None,
                option_ids=[o.pk for o in choice],
            )
    with after_voting(setup.assembly):
        services.assembly_count(assembly=setup.assembly, acting_user=staff_user)
    election.refresh_from_db()
    # b 3, a 2, c 2: b elected, a and c tie for the second seat.
    assert election.result["elected"] == [b.pk]
    assert election.result["tie"] is True
    assert election.adopted is False


def test_the_tally_is_one_query(staff_user, django_assert_num_queries):
    setup = convened(staff_user)
    with during_voting(setup.assembly):
        for member in [PaidMemberFactory() for _ in range(5)]:
            vote(setup.ordinary, member)
            vote(setup.articles, member, "no")
    with django_assert_num_queries(1):
        counts = selectors.tally(assembly=setup.assembly)
    by_option = {(c.resolution_id, c.kind): (c.marks, c.ballots) for c in counts}
    assert by_option[(setup.ordinary.pk, "yes")] == (5, 5)
    assert by_option[(setup.articles.pk, "no")] == (5, 5)
    assert by_option[(setup.articles.pk, "abstain")] == (0, 5)


def test_results_are_published_once_with_the_receipts_and_then_frozen(staff_user):
    setup = convened(staff_user)
    member = PaidMemberFactory()
    with during_voting(setup.assembly):
        code = vote(setup.ordinary, member, "no")
    assert selectors.published_ballots(assembly=setup.assembly) == []
    with after_voting(setup.assembly):
        with pytest.raises(ValidationError) as exc:
            services.assembly_results_publish(assembly=setup.assembly, acting_user=staff_user)
        assert messages(exc) == [str(services.NOT_COUNTED)]
        services.assembly_count(assembly=setup.assembly, acting_user=staff_user)
        assembly = services.assembly_results_publish(
            assembly=setup.assembly, acting_user=staff_user
        )
        with pytest.raises(ValidationError):
            services.assembly_count(assembly=assembly, acting_user=staff_user)
        with pytest.raises(ValidationError):
            vote(setup.ordinary, PaidMemberFactory())
    published = selectors.published_ballots(assembly=assembly)
    mine = selectors.ballot_by_receipt_hash(
        assembly=assembly, receipt_hash=services.receipt_hash(code.lower())
    )
    assert mine is not None and mine in published
    assert mine.option_ids == (option(setup.ordinary, "no").pk,)
    assert selectors.ballot_by_receipt_hash(assembly=assembly, receipt_hash="0" * 64) is None

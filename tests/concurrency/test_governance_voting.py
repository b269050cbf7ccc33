"""2,000 members vote within the same minute (issue 18, Concurrency): 32
threads, each with its own PostgreSQL connection, cast every member's vote;
200 members vote in two tabs at once and 100 proxy holders race the member
they represent. Exactly one ballot per member, every loser is told the vote
was already cast, no other error, no ballot lost."""

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import connection

from governance import services
from governance.models import Ballot, BallotMark, Proxy, ProxyStatus, VoteCast
from members.models import Member
from tests.factories import StaffFactory
from tests.governance.support import convened, during_voting, option

pytestmark = pytest.mark.django_db(transaction=True)

MEMBERS = 2000
TWO_TABS = 200
PROXIES = 100
THREADS = 32


def _members(count: int) -> list[Member]:
    users = User.objects.bulk_create(
        User(username=f"voter{n}", email=f"voter{n}@example.be") for n in range(count)
    )
    return Member.objects.bulk_create(
        Member(
            user=user,
            member_number=500000 + n,
            legal_name=f"Voter {n}",
            status="member",
            language="en",
        )
        for n, user in enumerate(users)
    )


def test_2000_members_in_the_same_minute_one_ballot_each(seed_data):
    staff = StaffFactory()
    setup = convened(staff)
    members = _members(MEMBERS)
    grantors = members[:PROXIES]
    holders = members[PROXIES : 2 * PROXIES]
    Proxy.objects.bulk_create(
        Proxy(assembly=setup.assembly, grantor=g, holder=h, status=ProxyStatus.CONFIRMED)
        for g, h in zip(grantors, holders, strict=True)
    )
    yes = option(setup.ordinary, "yes").pk
    # Pairs that must race: the same member in two tabs, a holder and their grantor.
    pairs: list[tuple[tuple[Member, Member | None], tuple[Member, Member | None]]] = []
    singles: list[tuple[Member, Member | None]] = []
    for g, h in zip(grantors, holders, strict=True):
        pairs.append(((g, None), (h, g)))
    for m in members[2 * PROXIES : 2 * PROXIES + TWO_TABS]:
        pairs.append(((m, None), (m, None)))
    singles = [(m, None) for m in holders + members[2 * PROXIES + TWO_TABS :]]

    outcomes: Counter[str] = Counter()
    errors: list[BaseException] = []
    lock = threading.Lock()
    barriers = {id(pair): threading.Barrier(2) for pair in pairs}

    def cast(voter: Member, for_member: Member | None, barrier: threading.Barrier | None) -> None:
        try:
            if barrier is not None:
                barrier.wait(timeout=60)
            services.vote_cast(
                resolution=setup.ordinary, voter=voter, on_behalf_of=for_member, option_ids=[yes]
            )
            outcome = "cast"
        except ValidationError as exc:
            outcome = exc.messages[0]
        except BaseException as exc:
            with lock:
                errors.append(exc)
            return
        finally:
            connection.close()
        with lock:
            outcomes[outcome] += 1

    with during_voting(setup.assembly), ThreadPoolExecutor(max_workers=THREADS) as pool:
        futures = []
        for pair in pairs:
            barrier = barriers[id(pair)]
            for voter, for_member in pair:
                futures.append(pool.submit(cast, voter, for_member, barrier))
        for voter, for_member in singles:
            futures.append(pool.submit(cast, voter, for_member, None))
        for future in futures:
            future.result(timeout=600)

    assert not errors, errors[:3]
    assert outcomes == {"cast": MEMBERS, str(services.ALREADY_VOTED): len(pairs)}
    assert VoteCast.objects.count() == MEMBERS
    assert VoteCast.objects.values("member").distinct().count() == MEMBERS
    assert Ballot.objects.count() == MEMBERS
    assert BallotMark.objects.count() == MEMBERS
    by_holder = VoteCast.objects.filter(member__in=grantors).exclude(cast_by__in=grantors).count()
    by_grantor = VoteCast.objects.filter(member__in=grantors, cast_by__in=grantors).count()
    assert by_holder + by_grantor == PROXIES

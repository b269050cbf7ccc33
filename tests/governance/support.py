"""Helpers for the governance tests: an assembly set up through the services
(tests/clock.TODAY is the day it is convened), and votes cast in its window."""

import datetime
from dataclasses import dataclass

from django.contrib.auth.models import User

from governance import services
from governance.models import Assembly, Option, OptionKind, Resolution
from members.models import Member
from tests.clock import TODAY, noon, on
from tests.factories import ResourceFactory

MEETING_DAY = TODAY + datetime.timedelta(days=20)


@dataclass
class Setup:
    assembly: Assembly
    ordinary: Resolution
    articles: Resolution


def assembly_draft(
    staff: User, *, meeting_day: datetime.date = MEETING_DAY, resource=None
) -> Assembly:
    starts_at = noon(meeting_day) - datetime.timedelta(hours=2)  # 10:00 Brussels
    with on(TODAY):
        return services.assembly_create(
            title="General assembly 2026",
            resource=resource or ResourceFactory(),
            starts_at=starts_at,
            ends_at=starts_at + datetime.timedelta(hours=3),
            remote_allowed=True,
            voting_opens_at=starts_at - datetime.timedelta(days=7),
            voting_closes_at=starts_at + datetime.timedelta(hours=3),
            record_date=TODAY,
            acting_user=staff,
        )


def convened(staff: User, *, candidates: list[Member] | None = None) -> Setup:
    assembly = assembly_draft(staff)
    with on(TODAY):
        accounts = services.agenda_item_add(
            assembly=assembly, title="Accounts 2025", description="", acting_user=staff
        )
        ordinary = services.resolution_add(
            item=accounts,
            kind="ordinary",
            text="The assembly approves the accounts.",
            seats=1,
            candidates=[],
            acting_user=staff,
        )
        articles_item = services.agenda_item_add(
            assembly=assembly, title="Articles", description="", acting_user=staff
        )
        articles = services.resolution_add(
            item=articles_item,
            kind="articles",
            text="Article 12 is amended.",
            seats=1,
            candidates=[],
            acting_user=staff,
        )
        if candidates:
            board = services.agenda_item_add(
                assembly=assembly, title="Board", description="", acting_user=staff
            )
            services.resolution_add(
                item=board,
                kind="election",
                text="Election of two directors.",
                seats=2,
                candidates=candidates,
                acting_user=staff,
            )
        services.assembly_convene(assembly=assembly, acting_user=staff)
    assembly.refresh_from_db()
    return Setup(assembly, ordinary, articles)


def during_voting(assembly: Assembly):
    return on(assembly.voting_opens_at + datetime.timedelta(hours=1))


def after_voting(assembly: Assembly):
    return on(assembly.voting_closes_at + datetime.timedelta(minutes=5))


def option(resolution: Resolution, kind: str) -> Option:
    return Option.objects.get(resolution=resolution, kind=kind)


def vote(
    resolution: Resolution, member: Member, kind: str = OptionKind.YES, for_member=None
) -> str:
    return services.vote_cast(
        resolution=resolution,
        voter=member,
        on_behalf_of=for_member,
        option_ids=[option(resolution, kind).pk],
    )

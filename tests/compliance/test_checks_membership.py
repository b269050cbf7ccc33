"""The nightly checks on members, shares, exits, rules and artist certificates
(compliance/checks/membership_checks.py): each finds its problem, resolves
itself when the problem goes, respects its boundaries, says it in a sentence
and runs a fixed number of queries whatever the number of rows."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from compliance.models import EventKind, Finding, FindingStatus
from compliance.registry import CHECKS, Context, Severity, Team
from compliance.services import compliance_run
from members.models import ConsentKind, Member
from rules.models import RuleVersion
from shares import services as share_services
from shares.models import ExitRequest
from shares.selectors import shares_per_year_of_use
from tests.clock import on as clock_on
from tests.factories import (
    ActivityFactory,
    MemberFactory,
    RuleFactory,
    StaffFactory,
    published_version,
)
from tests.invoicing.support import TODAY, credit, draft, issued

pytestmark = pytest.mark.django_db

BRUSSELS = ZoneInfo("Europe/Brussels")


def days(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)


def run(key: str, on: datetime.date = TODAY):
    """A staff-like run of one check on the night of `on` (02:00 in Brussels)."""
    moment = datetime.datetime.combine(on, datetime.time(2, 0), tzinfo=BRUSSELS)
    with clock_on(moment):
        result = compliance_run(keys=[key])
    outcome = result.results.get()
    assert outcome.ok, outcome.error
    return outcome


def found(key: str, on: datetime.date = TODAY) -> list:
    """The problems a check finds on a day, without recording them."""
    now = datetime.datetime.combine(on, datetime.time(2, 0), tzinfo=BRUSSELS)
    return list(CHECKS[key].find(Context(today=on, now=now)))


def subject(finding: Finding) -> tuple[str, str, int | None]:
    """What staff open from the finding: (app label, model, primary key)."""
    assert finding.subject_type is not None
    return finding.subject_type.app_label, finding.subject_type.model, finding.subject_id


def assert_auto_resolved(finding: Finding) -> None:
    finding.refresh_from_db()
    assert finding.status == FindingStatus.RESOLVED
    assert finding.events.filter(kind=EventKind.AUTO_RESOLVED).count() == 1


@pytest.fixture
def staff():
    return StaffFactory()


def _paid_shares(member: Member, staff, quantity: int, paid_on: datetime.date) -> None:
    subscription = share_services.share_subscribe(
        member=member, quantity=quantity, accepted=ConsentKind.values, acting_user=member.user
    )
    share_services.share_payment_register(
        subscription=subscription,
        amount=subscription.amount,
        value_date=paid_on,
        acting_user=staff,
    )


def _invoiced_in(member: Member, *years: int) -> None:
    """One issued invoice in each of these calendar years: on 2 March of a
    past year, on TODAY in this one (so numbers stay in date order)."""
    for year in years:
        issued(member, today=TODAY if year == TODAY.year else datetime.date(year, 3, 2))


def test_checks_are_registered_with_their_severity_and_team():
    expected = {
        "shares.short_of_rule": (Severity.INFO, Team.MEMBER_SERVICES),
        "shares.exit_refund_due": (Severity.WARNING, Team.FINANCE),
        "rules.taking_effect": (Severity.INFO, Team.LEGAL),
        "artists.certificate": (Severity.WARNING, Team.MEMBER_SERVICES),
    }
    for key, (severity, team) in expected.items():
        assert (CHECKS[key].severity, CHECKS[key].team) == (severity, team)
        assert str(CHECKS[key].title) and str(CHECKS[key].description)


# --- shares.short_of_rule --------------------------------------------------------------

SHORT = "shares.short_of_rule"


def test_member_short_of_shares_per_year_is_found_and_resolves_when_they_buy(staff):
    assert shares_per_year_of_use(on=TODAY) == 1  # the seed catalogue's rule
    member = MemberFactory(status="member", legal_name="Julien Renard")
    _paid_shares(member, staff, 1, datetime.date(2024, 1, 15))
    _invoiced_in(member, 2024, 2025, 2026)
    issued(member)  # a second invoice in 2026 is still one year of use

    outcome = run(SHORT)
    assert (outcome.found, outcome.new) == (1, 1)
    finding = Finding.objects.get(check_key=SHORT)
    assert finding.subject_key == f"member:{member.pk}"
    assert subject(finding) == ("members", "member", member.pk)
    assert finding.subject_label == f"{member.member_number} Julien Renard"
    assert finding.details == {"held": 1, "years_of_use": 3, "per_year": 1, "missing": 2}
    assert (finding.severity, finding.team) == ("info", "member_services")
    with translation.override("en"):
        assert CHECKS[SHORT].describe(finding.details) == (
            "2 shares short: holds 1, the rule asks 1 a year for 3 years of use."
        )

    _paid_shares(member, staff, 2, TODAY)
    outcome = run(SHORT)
    assert (outcome.found, outcome.resolved) == (0, 1)
    assert_auto_resolved(finding)


def test_shares_rule_counts_only_issued_invoices_and_current_members(staff):
    # Enough shares for every year invoiced: in order.
    covered = MemberFactory(status="member")
    _paid_shares(covered, staff, 2, datetime.date(2025, 1, 10))
    _invoiced_in(covered, 2025, 2026)
    # Never invoiced: nothing is asked, even without a share.
    MemberFactory(status="member")
    # A draft is no use of the services yet.
    drafting = MemberFactory(status="member")
    draft(drafting)
    # Members who left are not asked for shares.
    resigned = MemberFactory(status="member")
    _invoiced_in(resigned, 2026)
    Member.objects.filter(pk=resigned.pk).update(status="resigned")
    # Credit notes are not a further year of use: one year, one share held.
    credited = MemberFactory(status="member")
    _paid_shares(credited, staff, 1, datetime.date(2026, 1, 10))
    credit(issued(credited))
    # Shares paid after the day checked do not count yet.
    late = MemberFactory(status="member")
    issued(late)
    _paid_shares(late, staff, 1, days(3))

    problems = found(SHORT)
    assert [p.key for p in problems] == [f"member:{late.pk}"]
    assert problems[0].details == {"held": 0, "years_of_use": 1, "per_year": 1, "missing": 1}
    assert found(SHORT, on=days(3)) == []


def test_shares_rule_query_count_does_not_grow_with_members(staff, django_assert_num_queries):
    members = [MemberFactory(status="member") for _ in range(4)]
    for member in members:
        _invoiced_in(member, 2026)
    shares_per_year_of_use(on=TODAY)  # the rules catalogue, read once and cached
    # years of use per member, shares held per member, the current members among the short
    with django_assert_num_queries(3):
        problems = found(SHORT)
    assert len(problems) == 4
    with translation.override("en"):
        assert CHECKS[SHORT].describe(problems[0].details) == (
            "1 share short: holds 0, the rule asks 1 a year for 1 year of use."
        )


# --- shares.exit_refund_due ------------------------------------------------------------

EXITS = "shares.exit_refund_due"


def _exit(member: Member, quantity: int, due: datetime.date, status: str = "approved"):
    """An exit whose refund falls due on `due`. The services date a refund
    three years after the exit, so the deadline is written directly here to
    put it exactly where each case needs it."""
    return ExitRequest.objects.create(
        member=member,
        quantity=quantity,
        requested_on=due.replace(year=due.year - 3),
        effective_on=due.replace(year=due.year - 3),
        refund_due_by=due,
        status=status,
    )


def test_exclusion_refund_due_soon_is_found_and_resolves_once_refunded(staff):
    member = MemberFactory(legal_name="Sofie Peeters")
    _paid_shares(member, staff, 2, datetime.date(2023, 2, 1))
    # Excluded three years before the deadline: the refund term is the rule's 3 years.
    exclusion = share_services.share_member_exclude(
        member=member,
        excluded_on=datetime.date(2023, 12, 20),
        acting_user=staff,
        reason="General meeting of 19/12/2023",
    )
    assert exclusion.refund_due_by == days(30)

    outcome = run(EXITS)
    assert (outcome.found, outcome.new) == (1, 1)
    finding = Finding.objects.get(check_key=EXITS)
    assert finding.subject_key == f"exit:{exclusion.pk}"
    assert subject(finding) == ("shares", "exitrequest", exclusion.pk)
    assert finding.subject_label == f"{member.member_number} Sofie Peeters −2"
    assert finding.details == {
        "member": f"{member.member_number} Sofie Peeters",
        "shares": 2,
        "refund_due_by": "2026-12-20",
        "days_left": 30,
        "state": "due",
        "amount": "60.00",
        "exit_status": "approved",
    }
    assert (finding.severity, finding.team) == ("warning", "finance")
    with translation.override("en"):
        assert CHECKS[EXITS].describe(finding.details) == (
            "The refund of €60.00 for 2 shares is due by 20/12/2026, in 30 days."
        )

    share_services.share_refund_record(
        exit_request=exclusion, amount=Decimal("60.00"), refunded_on=TODAY, acting_user=staff
    )
    outcome = run(EXITS)
    assert (outcome.found, outcome.resolved) == (0, 1)
    assert_auto_resolved(finding)


def test_overdue_refund_says_so_and_counts_days_late(staff):
    member = MemberFactory()
    _paid_shares(member, staff, 3, datetime.date(2022, 5, 1))
    late = _exit(member, 1, days(-5))
    (problem,) = found(EXITS)
    assert problem.key == f"exit:{late.pk}"
    assert (problem.details["state"], problem.details["days_left"]) == ("overdue", -5)
    assert problem.details["amount"] == "30.00"
    with translation.override("en"):
        assert CHECKS[EXITS].describe(problem.details) == (
            "Overdue: the refund of €30.00 for 1 share was due on 15/11/2026, 5 days ago."
        )
    with translation.override("nl"):
        assert "€ 30,00" in CHECKS[EXITS].describe(problem.details)


def test_refund_window_is_90_days_and_only_unrefunded_exits_count(staff):
    member = MemberFactory()
    _paid_shares(member, staff, 6, datetime.date(2022, 5, 1))
    at_90 = _exit(member, 1, days(90))
    today = _exit(member, 1, TODAY, status="requested")  # undecided yet: still owed if approved
    _exit(member, 1, days(91))
    _exit(member, 1, days(-400), status="rejected")
    _exit(member, 1, days(-1), status="refunded")
    problems = {p.key: p.details for p in found(EXITS)}
    assert set(problems) == {f"exit:{at_90.pk}", f"exit:{today.pk}"}
    assert (problems[f"exit:{at_90.pk}"]["days_left"], problems[f"exit:{at_90.pk}"]["state"]) == (
        90,
        "due",
    )
    assert problems[f"exit:{today.pk}"]["days_left"] == 0
    assert problems[f"exit:{today.pk}"]["exit_status"] == "requested"
    with translation.override("en"):
        assert CHECKS[EXITS].describe(problems[f"exit:{today.pk}"]) == (
            "The refund of €30.00 for 1 share is due today, 20/11/2026."
        )


def test_refund_amount_is_the_nominal_value_paid_net_of_reversed_payments(staff):
    member = MemberFactory()
    _paid_shares(member, staff, 2, datetime.date(2022, 5, 1))
    _paid_shares(member, staff, 1, datetime.date(2022, 6, 1))
    mistaken = member.register_entries.order_by("-number").first()
    share_services.register_entry_reverse(entry=mistaken, acting_user=staff, note="bounced")
    _exit(member, 2, days(10))
    (problem,) = found(EXITS)
    assert problem.details["amount"] == "60.00"
    assert problem.details["amount"] == str(
        share_services.refund_maximum(ExitRequest.objects.get(member=member))
    )


def test_exit_check_query_count_does_not_grow_with_exits(staff, django_assert_num_queries):
    for n in range(4):
        member = MemberFactory()
        _paid_shares(member, staff, 2, datetime.date(2022, 5, 1))
        _exit(member, 2, days(10 * n - 5))
    # the exits due with their member and what each member paid for their shares
    with django_assert_num_queries(1):
        problems = found(EXITS)
    assert [p.details["days_left"] for p in problems] == [-5, 5, 15, 25]
    assert {p.details["amount"] for p in problems} == {"60.00"}


# --- rules.taking_effect ---------------------------------------------------------------

RULES = "rules.taking_effect"


def test_rule_version_taking_effect_soon_is_found_and_resolves_on_the_day():
    rule = RuleFactory(key="test.contribution_rate", kind="percentage")
    published_version(rule, datetime.date(2020, 1, 1), "6.5")
    version = published_version(rule, days(1), "7.0")

    outcome = run(RULES)
    assert (outcome.found, outcome.new) == (1, 1)
    finding = Finding.objects.get(check_key=RULES)
    assert finding.subject_key == f"version:{version.pk}"
    assert subject(finding) == ("rules", "ruleversion", version.pk)
    assert finding.subject_label == "test.contribution_rate 2026-11-21"
    assert finding.details == {
        "rule": "test.contribution_rate",
        "valid_from": "2026-11-21",
        "value": "7.0 %",
        "days_until": 1,
    }
    assert (finding.severity, finding.team) == ("info", "legal")
    with translation.override("en"):
        assert CHECKS[RULES].describe(finding.details) == (
            "test.contribution_rate becomes 7.0 % on 21/11/2026, in 1 day."
        )

    # The day it takes effect it is no longer upcoming: the finding resolves itself.
    outcome = run(RULES, on=days(1))
    assert (outcome.found, outcome.resolved) == (0, 1)
    assert_auto_resolved(finding)


def test_rules_window_is_tomorrow_to_14_days_published_only():
    rule = RuleFactory(kind="percentage")
    published_version(rule, TODAY, "1.0")  # in force today: not upcoming
    at_14 = published_version(rule, days(14), "2.0")
    published_version(rule, days(15), "3.0")
    RuleVersion.objects.create(rule=rule, valid_from=days(7), value="9.9", reason="draft")
    problems = found(RULES)
    assert [p.key for p in problems] == [f"version:{at_14.pk}"]
    assert problems[0].details["days_until"] == 14


def test_long_rule_values_are_shortened_and_do_not_follow_the_language():
    rule = RuleFactory(kind="text")
    text = {"nl": "Vrijgesteld " * 10, "fr": "Exonéré " * 10, "en": "Exempt " * 10}
    published_version(rule, days(3), text)
    with translation.override("fr"):
        (problem,) = found(RULES)
    value = problem.details["value"]
    assert len(value) <= 80 and value.endswith("…")
    assert found(RULES)[0].details["value"] == value


def test_rules_check_query_count_does_not_grow_with_versions(django_assert_num_queries):
    for n in range(4):
        rule = RuleFactory(kind="percentage")
        published_version(rule, days(n + 1), f"{n}.5")
    # the versions with their rules
    with django_assert_num_queries(1):
        problems = found(RULES)
    assert [p.details["days_until"] for p in problems] == [1, 2, 3, 4]


# --- artists.certificate ---------------------------------------------------------------

ARTISTS = "artists.certificate"


def _artist(
    name: str = "Julien Renard",
    *,
    certificate: str = "",
    until: int | None = None,
    activities: int = 1,
) -> Member:
    """A member with artistic activities; a certificate ending `until` days from TODAY."""
    fields = {}
    if certificate:
        fields = {
            "artist_certificate_type": certificate,
            "artist_certificate_number": "KWA-2024-0042",
            "artist_certificate_valid_from": datetime.date(2024, 1, 1),
            "artist_certificate_valid_until": days(until or 0),
        }
    member = MemberFactory(status="member", legal_name=name, **fields)
    for n in range(activities):
        ActivityFactory(member=member, kind="artistic", name=f"Theatre {n + 1}")
    return member


def test_member_without_certificate_is_found_once_and_resolves_when_it_is_recorded():
    member = _artist(activities=2)
    ActivityFactory(member=member, kind="other", name="Coaching")

    outcome = run(ARTISTS)
    assert (outcome.found, outcome.new) == (1, 1)
    finding = Finding.objects.get(check_key=ARTISTS)
    assert finding.subject_key == f"member:{member.pk}"
    assert subject(finding) == ("members", "member", member.pk)
    assert finding.subject_label == f"{member.member_number} Julien Renard"
    assert finding.details == {
        "activities": ["Theatre 1", "Theatre 2"],
        "activity_count": 2,
        "certificate_type": None,
        "valid_until": None,
        "days_left": None,
        "state": "missing",
    }
    assert (finding.severity, finding.team) == ("warning", "member_services")
    with translation.override("en"):
        assert CHECKS[ARTISTS].describe(finding.details) == (
            "No artist work certificate on file for the artistic activities Theatre 1, Theatre 2."
        )

    Member.objects.filter(pk=member.pk).update(
        artist_certificate_type="plus",
        artist_certificate_valid_from=datetime.date(2025, 3, 1),
        artist_certificate_valid_until=datetime.date(2030, 2, 28),
    )
    outcome = run(ARTISTS)
    assert (outcome.found, outcome.resolved) == (0, 1)
    assert_auto_resolved(finding)


def test_certificate_ending_soon_is_found_and_a_renewal_resolves_it():
    member = _artist(certificate="plus", until=30)
    run(ARTISTS)
    finding = Finding.objects.get(check_key=ARTISTS)
    assert finding.details == {
        "activities": ["Theatre 1"],
        "activity_count": 1,
        "certificate_type": "plus",
        "valid_until": "2026-12-20",
        "days_left": 30,
        "state": "expiring",
    }
    with translation.override("en"):
        assert CHECKS[ARTISTS].describe(finding.details) == (
            "Artist work certificate “plus”: ends on 20/12/2026, in 30 days; "
            "artistic activities: Theatre 1."
        )
    # The renewed certificate is recorded: five more years.
    Member.objects.filter(pk=member.pk).update(
        artist_certificate_valid_from=days(31), artist_certificate_valid_until=days(31 + 5 * 365)
    )
    outcome = run(ARTISTS)
    assert outcome.resolved == 1
    assert_auto_resolved(finding)


@pytest.mark.parametrize(
    ("until", "state"),
    [(60, "expiring"), (61, None), (0, "expiring"), (-1, "expired"), (-400, "expired")],
)
def test_certificate_window_is_60_days(until, state):
    member = _artist(certificate="ordinary", until=until)
    problems = found(ARTISTS)
    if state is None:
        assert problems == []
        return
    (problem,) = problems
    assert problem.key == f"member:{member.pk}"
    assert (problem.details["state"], problem.details["days_left"]) == (state, until)
    assert problem.details["certificate_type"] == "ordinary"


def test_expired_certificate_is_said_expired():
    _artist(certificate="starter", until=-10)
    (problem,) = found(ARTISTS)
    with translation.override("en"):
        assert CHECKS[ARTISTS].describe(problem.details) == (
            "Artist work certificate “starter”: ended on 10/11/2026, 10 days ago; "
            "artistic activities: Theatre 1."
        )


def test_archived_and_non_artistic_activities_need_no_certificate():
    archived = _artist()
    archived.activities.update(archived=True)
    other = MemberFactory(status="member")
    ActivityFactory(member=other, kind="other")
    assert found(ARTISTS) == []


def test_one_finding_per_member_names_five_activities():
    _artist(activities=7)
    (problem,) = found(ARTISTS)
    assert problem.details["activities"] == [f"Theatre {n}" for n in range(1, 6)]
    assert problem.details["activity_count"] == 7
    with translation.override("en"):
        assert (
            CHECKS[ARTISTS]
            .describe(problem.details)
            .endswith("Theatre 1, Theatre 2, Theatre 3, Theatre 4, Theatre 5 and 2 more.")
        )


def test_artist_check_query_count_does_not_grow_with_members(django_assert_num_queries):
    _artist("A", activities=3)
    _artist("B", certificate="plus", until=10, activities=2)
    _artist("C", certificate="starter", until=-3)
    _artist("D", certificate="ordinary", until=400)
    # the artistic activities with their members, of the members concerned
    with django_assert_num_queries(1):
        problems = found(ARTISTS)
    assert sorted(p.label.split(" ", 1)[1] for p in problems) == ["A", "B", "C"]
    with translation.override("fr"):
        for problem in problems:
            assert CHECKS[ARTISTS].describe(problem.details)

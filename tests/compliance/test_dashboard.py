"""The staff dashboard, the finding actions, "run now", the schedule and the
morning digest."""

from email.header import decode_header, make_header

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse
from django.utils import translation
from django_celery_beat.models import PeriodicTask

from compliance import services, tasks
from compliance.models import (
    CheckRun,
    DigestSent,
    EventKind,
    Finding,
    FindingStatus,
    RunTrigger,
)
from smartcoop.celery import app as celery_app
from tests.compliance.conftest import problem
from tests.factories import MemberFactory, StaffFactory
from tests.helpers import staff_client, text_of

pytestmark = pytest.mark.django_db

KEY = "test.scripted"
DASHBOARD = "admin:compliance_dashboard"


def test_the_dashboard_needs_the_view_permission():
    client, _staff = staff_client(app_label="compliance")
    assert client.get(reverse(DASHBOARD)).status_code == 403


def test_the_dashboard_lists_open_findings_with_their_sentence_and_subject_link(scripted):
    member = MemberFactory(legal_name="Anna Janssens")
    scripted.problems = [problem(member.pk, count=4, label=str(member))]
    services.compliance_run(keys=[KEY])
    client, _staff = staff_client("view_finding", "change_finding", app_label="compliance")
    page = text_of(client.get(reverse(DASHBOARD)))
    assert "Scripted check" in page and "4 things wrong" in page
    assert reverse("admin:members_member_change", args=[member.pk]) in page
    assert "Anna Janssens" in page
    assert reverse("admin:compliance_finding_acknowledge", args=[Finding.objects.get().pk]) in page


def test_the_team_filter_shows_only_that_teams_checks_and_findings(scripted):
    scripted.problems = [problem(1)]
    services.compliance_run(keys=[KEY])
    client, _staff = staff_client("view_finding", app_label="compliance")
    legal = text_of(client.get(reverse(DASHBOARD), {"team": "legal"}))
    assert "Scripted check" not in legal and "no unresolved findings" in legal
    finance = text_of(client.get(reverse(DASHBOARD), {"team": "finance"}))
    assert "Scripted check" in finance and "1 things wrong" in finance
    assert "Acknowledge or resolve" not in finance  # no change permission, no buttons


def test_the_dashboard_runs_the_same_queries_for_3_or_40_findings(
    scripted, django_assert_max_num_queries
):
    client, _staff = staff_client("view_finding", "change_finding", app_label="compliance")
    scripted.problems = [problem(n) for n in range(1, 4)]
    for _ in range(3):
        services.compliance_run()
    with django_assert_max_num_queries(20) as few:
        client.get(reverse(DASHBOARD))
    scripted.problems = [problem(n) for n in range(1, 41)]
    services.compliance_run()
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = text_of(client.get(reverse(DASHBOARD)))
    assert page.count("things wrong") == 40


def test_the_trend_chart_draws_one_column_per_complete_run(scripted):
    scripted.problems = [problem(1), problem(2)]
    for _ in range(3):
        services.compliance_run()
    services.compliance_run(keys=[KEY])  # a single check's run is not in the trend
    client, _staff = staff_client("view_finding", app_label="compliance")
    page = text_of(client.get(reverse(DASHBOARD)))
    assert "Open findings after each of the last 3 runs" in page
    assert page.count('class="sev-warning"') == 3  # the scripted check's 2 warnings per run


def test_acknowledging_from_the_dashboard_records_the_note_and_goes_back(scripted):
    scripted.problems = [problem(1)]
    services.compliance_run(keys=[KEY])
    finding = Finding.objects.get()
    client, staff = staff_client("view_finding", "change_finding", app_label="compliance")
    back = reverse(DASHBOARD) + "?team=finance"
    response = client.post(
        reverse("admin:compliance_finding_acknowledge", args=[finding.pk]),
        {"note": "Reminder sent.", "next": back, "from": "dashboard"},
    )
    assert response.status_code == 302 and response["Location"] == back
    finding.refresh_from_db()
    assert finding.status == FindingStatus.ACKNOWLEDGED and finding.acknowledged_by == staff
    assert finding.events.get(kind=EventKind.ACKNOWLEDGED).note == "Reminder sent."


@pytest.mark.parametrize(
    ("language", "message"),
    [("en", "Write a note"), ("nl", "Schrijf een notitie"), ("fr", "Écrivez une note")],
)
def test_an_empty_note_is_refused_in_the_staff_members_language(scripted, language, message):
    scripted.problems = [problem(1)]
    services.compliance_run(keys=[KEY])
    finding = Finding.objects.get()
    client, _staff = staff_client("view_finding", "change_finding", app_label="compliance")
    url = reverse("admin:compliance_finding_resolve", args=[finding.pk])
    page = client.post(url, {"note": ""}, HTTP_ACCEPT_LANGUAGE=language)
    assert page.status_code == 200 and message in text_of(page)
    followed = client.post(
        url,
        {"note": " ", "from": "dashboard", "next": reverse(DASHBOARD)},
        HTTP_ACCEPT_LANGUAGE=language,
        follow=True,
    )
    assert message in text_of(followed)
    finding.refresh_from_db()
    assert finding.status == FindingStatus.OPEN and finding.events.count() == 1


def test_finding_actions_need_the_change_permission_and_an_existing_finding(scripted):
    scripted.problems = [problem(1)]
    services.compliance_run(keys=[KEY])
    finding = Finding.objects.get()
    viewer, _staff = staff_client("view_finding", app_label="compliance")
    url = reverse("admin:compliance_finding_acknowledge", args=[finding.pk])
    assert viewer.post(url, {"note": "x"}).status_code == 403
    changer, _staff = staff_client("view_finding", "change_finding", app_label="compliance")
    missing = reverse("admin:compliance_finding_acknowledge", args=[finding.pk + 999])
    assert changer.post(missing, {"note": "x"}).status_code == 404
    assert changer.get(url).status_code == 200  # the admin's form page


def test_an_external_next_url_is_not_followed(scripted):
    scripted.problems = [problem(1)]
    services.compliance_run(keys=[KEY])
    finding = Finding.objects.get()
    client, _staff = staff_client("view_finding", "change_finding", app_label="compliance")
    response = client.post(
        reverse("admin:compliance_finding_resolve", args=[finding.pk]),
        {"note": "Fixed.", "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("admin:compliance_finding_change", args=[finding.pk])


def test_staff_run_one_check_or_all_from_the_admin(scripted, django_capture_on_commit_callbacks):
    client, staff = staff_client("view_finding", "run_checks", app_label="compliance")
    assert client.get(reverse("admin:compliance_run")).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:compliance_run"), {"check": KEY})
    assert response.status_code == 302
    run = CheckRun.objects.get()
    assert run.trigger == RunTrigger.STAFF and run.started_by == staff
    assert run.check_keys == [KEY]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("admin:compliance_run"), {"check": ""})
    assert CheckRun.objects.latest("pk").all_checks
    refused = client.post(reverse("admin:compliance_run"), {"check": "nope"}, follow=True)
    assert "Choose a check from the list." in text_of(refused) and CheckRun.objects.count() == 2


def test_running_needs_its_own_permission():
    client, _staff = staff_client("view_finding", "change_finding", app_label="compliance")
    assert client.post(reverse("admin:compliance_run"), {"check": ""}).status_code == 403
    assert not CheckRun.objects.exists()


def test_the_nightly_run_is_scheduled_at_two_in_brussels_and_editable():
    task = PeriodicTask.objects.get(task="compliance.nightly")
    assert task.enabled and task.crontab is not None
    crontab = task.crontab
    assert (crontab.minute, crontab.hour, str(crontab.timezone)) == ("0", "2", "Europe/Brussels")
    assert "compliance.nightly" in celery_app.tasks


def test_the_teams_are_groups_that_can_see_and_work_findings():
    for name in ("Finance", "Legal", "Member services"):
        codenames = set(Group.objects.get(name=name).permissions.values_list("codename", flat=True))
        assert {"view_finding", "change_finding"} <= codenames


# --- The morning digest ---------------------------------------------------------------


def team_member(group: str, email: str, language: str | None = None) -> User:
    user = StaffFactory(email=email)
    user.groups.add(Group.objects.get(name=group))
    if language:
        MemberFactory(user=user, language=language)
    return user


def test_the_digest_mails_each_team_member_its_new_findings_in_their_language(scripted, smtp):
    team_member("Finance", "an@coop.example", language="fr")
    team_member("Finance", "bo@coop.example")
    team_member("Legal", "lea@coop.example")  # the scripted check is finance's
    member = MemberFactory(legal_name="Jan Peeters")
    scripted.problems = [problem(member.pk, count=2, label=str(member))]
    run = services.compliance_run(keys=[KEY])
    [digest] = services.digests_send(run=run)
    assert (digest.team, digest.findings) == ("finance", 1)
    assert digest.recipients == ["an@coop.example", "bo@coop.example"]
    by_recipient = {m["To"]: m for m in smtp.received}
    assert set(by_recipient) == {"an@coop.example", "bo@coop.example"}
    english = by_recipient["bo@coop.example"]
    assert english["Subject"] == "Compliance, Finance: 1 new finding"
    body = english.get_payload()[0].get_payload(decode=True).decode()
    assert "Jan Peeters: 2 things wrong" in body
    assert reverse("admin:members_member_change", args=[member.pk]) in body
    french = str(make_header(decode_header(by_recipient["an@coop.example"]["Subject"])))
    assert french == "Conformité, Finances\u00a0: 1 nouveau constat"
    # Nothing new since: no second email.
    services.compliance_run(keys=[KEY])
    assert services.digests_send() == [] and len(smtp.received) == 2
    scripted.problems = [problem(member.pk), problem(999_999)]
    services.compliance_run(keys=[KEY])
    [second] = services.digests_send()
    assert second.findings == 1 and len(smtp.received) == 4


def test_a_team_without_recipients_gets_no_digest_and_keeps_its_findings(scripted, smtp):
    scripted.problems = [problem(1)]
    services.compliance_run(keys=[KEY])
    assert services.digests_send() == [] and not smtp.received
    assert not DigestSent.objects.exists()
    team_member("Finance", "fin@coop.example")
    [digest] = services.digests_send()
    assert digest.findings == 1


def test_the_nightly_task_runs_every_check_then_sends_the_digests(scripted, smtp):
    team_member("Finance", "fin@coop.example")
    scripted.problems = [problem(1)]
    run = CheckRun.objects.get(pk=tasks.nightly.delay().get())
    assert run.all_checks and run.trigger == RunTrigger.SCHEDULE
    assert Finding.objects.filter(check_key=KEY).count() == 1
    assert [m["To"] for m in smtp.received] == ["fin@coop.example"]
    with translation.override("en"):
        assert "1 new finding" in smtp.received[0]["Subject"]

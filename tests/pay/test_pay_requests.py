"""Pay requests (issue 17): the breakdown from the budget or back from the
net wanted, refused beyond the balance or on bad input with nothing saved,
approved into a salary entry under the account's lock; the member's pages
with the live breakdown (htmx), the same computation as the request."""

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from pay import services
from pay.models import EntryKind, LedgerEntry, PayRequest, PayRequestStatus
from smartcoop.lib.money import format_money
from tests.clock import TODAY
from tests.factories import ActivityFactory, MemberFactory, StaffFactory
from tests.helpers import staff_client
from tests.invoicing.support import issued
from tests.pay.support import assert_consistent, balance

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("on_today")]

SHARE = Decimal("504.90")
DAY = TODAY - datetime.timedelta(days=1)  # Thursday 19 November 2026


@pytest.fixture
def member():
    return MemberFactory(status="member")


@pytest.fixture
def activity(member):
    activity = ActivityFactory(member=member)
    issued(member, activity=activity)
    return activity


def ask(member, activity, **kwargs):
    values: dict[str, Any] = {
        "work_dates": [DAY],
        "description": "Translation of a brochure",
        "budget": Decimal("300.00"),
        "net_wanted": None,
        "situation": "single",
        "children": 0,
    }
    values.update(kwargs)
    return services.pay_request_create(
        member=member, activity=activity, acting_user=member.user, **values
    )


def test_a_request_records_its_breakdown_and_pay_date(member, activity):
    request = ask(member, activity)
    figures = request.figures
    assert figures.budget == request.budget <= Decimal("300.00")
    assert Decimal("300.00") - request.budget < Decimal("0.03")  # all the budget it could use
    assert figures.gross + figures.employer_contributions + figures.holiday_provision == (
        request.budget
    )
    assert request.net == figures.net > 0
    # Thursday 19 November + 7 Belgian working days = Monday 30 November.
    assert request.pay_date == datetime.date(2026, 11, 30)
    assert request.status == PayRequestStatus.REQUESTED
    assert set(request.rules_used) >= {
        "pay.employer_contribution_rate",
        "pay.withholding_key_formula",
    }
    assert balance(activity) == SHARE  # nothing is charged before approval


def test_net_wanted_works_back_to_the_budget(member, activity):
    request = ask(member, activity, budget=None, net_wanted=Decimal("200.00"))
    assert request.net >= Decimal("200.00")
    assert request.net - Decimal("200.00") < Decimal("0.02")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"work_dates": []}, "work_dates", "at least one day"),
        ({"work_dates": [TODAY + datetime.timedelta(days=1)]}, "work_dates", "still to come"),
        ({"work_dates": [datetime.date(2026, 10, 30), DAY]}, "work_dates", "one calendar month"),
        ({"work_dates": [datetime.date(2025, 11, 3)]}, "work_dates", "no withholding tax scale"),
        ({"description": "  "}, "description", "Describe the work"),
        ({"budget": None}, "budget", "the budget to use or the net"),
        ({"net_wanted": Decimal(10)}, "budget", "not both"),
        ({"budget": Decimal("0")}, "budget", "greater than zero"),
        ({"budget": Decimal("1.001")}, "budget", "decimal"),
        ({"budget": Decimal("600.00")}, "budget", "The balance of"),
        ({"situation": "divorced"}, "situation", "family situation"),
        ({"children": 21}, "children", "between 0 and 20"),
    ],
)
def test_bad_requests_are_refused_and_nothing_is_saved(member, activity, changes, field, message):
    with pytest.raises(ValidationError) as refused:
        ask(member, activity, **changes)
    with translation.override("en"):
        assert message in " ".join(refused.value.message_dict[field])
    assert PayRequest.objects.count() == 0


def test_another_members_activity_is_refused(member, activity):
    with pytest.raises(ValidationError):
        ask(MemberFactory(status="member"), activity)
    assert PayRequest.objects.count() == 0


def test_approval_charges_the_budget_as_a_salary_once(member, activity):
    request = ask(member, activity)
    staff = StaffFactory()
    approved = services.pay_request_approve(pay_request=request, acting_user=staff)
    assert approved.status == PayRequestStatus.APPROVED
    entry = approved.salary_entry
    assert entry is not None
    assert (entry.kind, entry.amount) == (EntryKind.SALARY, -request.budget)
    assert balance(activity) == SHARE - request.budget
    with pytest.raises(ValidationError):
        services.pay_request_approve(pay_request=request, acting_user=staff)
    assert LedgerEntry.objects.filter(kind=EntryKind.SALARY).count() == 1
    assert_consistent(activity)


def test_approval_rechecks_the_balance_under_the_lock(member, activity):
    first, second = ask(member, activity), ask(member, activity)
    staff = StaffFactory()
    services.pay_request_approve(pay_request=first, acting_user=staff)
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        services.pay_request_approve(pay_request=second, acting_user=staff)
    with translation.override("en"):
        assert "The balance of" in refused.value.messages[0]
    second.refresh_from_db()
    assert second.status == PayRequestStatus.REQUESTED
    assert_consistent(activity)


def test_refusal_needs_a_reason(member, activity):
    request = ask(member, activity)
    staff = StaffFactory()
    with pytest.raises(ValidationError):
        services.pay_request_refuse(pay_request=request, reason=" ", acting_user=staff)
    refused = services.pay_request_refuse(pay_request=request, reason="Dates", acting_user=staff)
    assert refused.status == PayRequestStatus.REFUSED
    assert balance(activity) == SHARE


# --- Pages ---------------------------------------------------------------------------


def form_data(**changes):
    data = {
        "work_dates": "19/11/2026",
        "description": "Translation",
        "amount_kind": "budget",
        "amount": "300,00",
        "situation": "single",
        "children": "0",
    }
    data.update(changes)
    return data


def test_the_live_breakdown_is_the_requests_own(client, member, activity):
    client.force_login(member.user)
    with translation.override("nl"):
        response = client.post(
            reverse("pay:pay_request_preview", args=[activity.pk]),
            form_data(),
            HTTP_HX_REQUEST="true",
            HTTP_ACCEPT_LANGUAGE="nl",
        )
    assert response.status_code == 200
    page = response.content.decode()
    request = ask(member, activity)
    assert format_money(request.net, "nl") in page
    assert format_money(request.budget, "nl") in page
    assert "simulatie" in page.lower()
    response = client.post(
        reverse("pay:pay_request_preview", args=[activity.pk]), form_data(amount="abc")
    )
    assert 'class="errorlist"' in response.content.decode()
    assert PayRequest.objects.count() == 1  # a preview saves nothing


def test_the_form_creates_the_request_and_shows_the_pay_date(client, member, activity):
    client.force_login(member.user)
    response = client.post(reverse("pay:pay_request_create", args=[activity.pk]), form_data())
    request = PayRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("pay:pay_request_detail", args=[request.pk])
    page = client.get(response["Location"]).content.decode()
    assert "30 November" in page or "30 november" in page


def test_the_form_shows_errors_and_saves_nothing(client, member, activity):
    client.force_login(member.user)
    response = client.post(
        reverse("pay:pay_request_create", args=[activity.pk]),
        form_data(work_dates="31/02/2026", amount="abc"),
    )
    assert response.status_code == 200
    assert PayRequest.objects.count() == 0
    assert response.context["form"].errors.keys() >= {"work_dates", "amount"}


def test_another_members_pages_answer_404(client, member, activity):
    request = ask(member, activity)
    client.force_login(MemberFactory(status="member").user)
    for url in (
        reverse("pay:activity_account", args=[activity.pk]),
        reverse("pay:pay_request_create", args=[activity.pk]),
        reverse("pay:pay_request_detail", args=[request.pk]),
    ):
        assert client.get(url).status_code == 404


@pytest.mark.parametrize("entries", [1, 40])
def test_the_ledger_page_has_a_fixed_query_count(
    client, member, activity, entries, django_assert_num_queries
):
    other = ActivityFactory(member=member)
    for _ in range(entries - 1):
        services.budget_transfer(
            source=activity, target=other, amount=Decimal("1.00"), acting_user=member.user
        )
    client.force_login(member.user)
    url = reverse("pay:activity_account", args=[activity.pk])
    # session, user, the member's language (middleware), member, activity, count of
    # entries, balance, pending requests, the page of entries
    with django_assert_num_queries(9):
        response = client.get(url)
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == min(entries, 25)
    assert response.context["balance"] == SHARE - (entries - 1)


def test_staff_approve_in_the_admin(member, activity):
    request = ask(member, activity)
    client, _staff = staff_client("view_payrequest", "change_payrequest")
    response = client.post(
        reverse("admin:pay_payrequest_changelist"),
        {"action": "approve", "_selected_action": [request.pk]},
        follow=True,
    )
    assert response.status_code == 200
    request.refresh_from_db()
    assert request.status == PayRequestStatus.APPROVED
    assert balance(activity) == SHARE - request.budget
    page = client.get(reverse("admin:pay_payrequest_change", args=[request.pk]))
    assert page.status_code == 200
    assert b'name="budget"' not in page.content  # looked at, never edited


def test_the_dashboard_shows_the_next_payment_and_its_date(client, member, activity):
    client.force_login(member.user)
    # The member reads the platform in Dutch (their profile's language).
    assert "Geen betaling onderweg." in client.get(reverse("dashboard")).content.decode()
    request = ask(member, activity)
    page = client.get(reverse("dashboard")).content.decode()
    assert f"{format_money(request.net, 'nl')} op maandag 30 november" in page
    other = MemberFactory(status="member")
    client.force_login(other.user)
    assert format_money(request.net, "nl") not in client.get(reverse("dashboard")).content.decode()

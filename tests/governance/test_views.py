"""The members' pages: the vote page says how many votes the member carries
and that a ballot is final, a cast shows the receipt once, bad or tampered
forms get a message and store nothing, the receipt check finds the ballot."""

import pytest
from django.urls import reverse

from governance import services
from governance.models import Ballot, Proxy, ProxyStatus, VoteCast
from tests.clock import TODAY, on
from tests.factories import PaidMemberFactory
from tests.governance.support import after_voting, assembly_draft, convened, during_voting, option
from tests.helpers import logged_in, text_of

pytestmark = pytest.mark.django_db


def test_the_vote_page_shows_the_votes_carried_and_that_a_ballot_is_final(
    staff_user, django_assert_num_queries
):
    setup = convened(staff_user)
    member, grantor = PaidMemberFactory(), PaidMemberFactory()
    Proxy.objects.create(
        assembly=setup.assembly, grantor=grantor, holder=member, status=ProxyStatus.CONFIRMED
    )
    client = logged_in(member.user)
    url = reverse("governance:vote", args=[setup.assembly.pk])
    # session, user, the member's language (middleware), member, assembly,
    # resolutions, options, confirmed proxies, votes cast
    with during_voting(setup.assembly), django_assert_num_queries(9):
        response = client.get(url)
    text = text_of(response)
    assert "You carry 2 votes." in text
    assert "A ballot is final once cast" in text
    assert text.count("Cast this ballot (final)") == 4  # 2 resolutions x 2 votes


def test_casting_shows_the_receipt_once_and_the_page_then_says_cast(staff_user):
    setup = convened(staff_user)
    member = PaidMemberFactory()
    client = logged_in(member.user)
    url = reverse("governance:vote", args=[setup.assembly.pk])
    data = {"resolution": setup.ordinary.pk, "option": option(setup.ordinary, "yes").pk}
    with during_voting(setup.assembly):
        response = client.post(url, data)
        assert response["Cache-Control"] == "no-store"
        code = response.context["code"]
        assert code in text_of(response)
        assert Ballot.objects.get().receipt_hash == services.receipt_hash(code)
        again = client.post(url, data)
        assert str(services.ALREADY_VOTED) in text_of(again)
        assert "Vote cast" in text_of(client.get(url))
    assert Ballot.objects.count() == VoteCast.objects.count() == 1


@pytest.mark.parametrize(
    "tamper",
    ["not-a-number", "other_resolution_option", "resolution_of_other_assembly", "two_resolutions"],
)
def test_tampered_forms_get_a_message_and_store_nothing(staff_user, tamper):
    setup = convened(staff_user)
    member = PaidMemberFactory()
    data: dict = {"resolution": setup.ordinary.pk, "option": option(setup.ordinary, "yes").pk}
    if tamper == "not-a-number":
        data["option"] = "yes"
    elif tamper == "other_resolution_option":
        data["option"] = option(setup.articles, "yes").pk
    elif tamper == "resolution_of_other_assembly":
        data["resolution"] = 987654
    else:
        data["resolution"] = [setup.ordinary.pk, setup.articles.pk]
    with during_voting(setup.assembly):
        response = logged_in(member.user).post(
            reverse("governance:vote", args=[setup.assembly.pk]), data
        )
    assert response.status_code == 200
    assert str(services.TAMPERED) in text_of(response)
    assert not Ballot.objects.exists() and not VoteCast.objects.exists()


def test_voting_for_someone_without_their_proxy_is_refused(staff_user):
    setup = convened(staff_user)
    member, stranger = PaidMemberFactory(), PaidMemberFactory()
    with during_voting(setup.assembly):
        response = logged_in(member.user).post(
            reverse("governance:vote", args=[setup.assembly.pk]),
            {
                "resolution": setup.ordinary.pk,
                "on_behalf_of": stranger.pk,
                "option": option(setup.ordinary, "no").pk,
            },
        )
    assert str(services.NOT_YOUR_PROXY) in text_of(response)
    assert not Ballot.objects.exists()


def test_the_refusal_is_in_the_members_language(staff_user):
    setup = convened(staff_user)
    member = PaidMemberFactory(language="nl")
    client = logged_in(member.user)
    client.cookies["django_language"] = "nl"
    with after_voting(setup.assembly):
        response = client.post(
            reverse("governance:vote", args=[setup.assembly.pk]),
            {"resolution": setup.ordinary.pk, "option": option(setup.ordinary, "yes").pk},
            HTTP_ACCEPT_LANGUAGE="nl",
        )
    assert "De stemming is gesloten" in text_of(response)


def test_a_proxy_is_given_confirmed_and_shown_on_the_assembly_page(staff_user):
    setup = convened(staff_user)
    grantor, holder = PaidMemberFactory(), PaidMemberFactory()
    url = reverse("governance:proxy_appoint", args=[setup.assembly.pk])
    with on(TODAY):
        response = logged_in(grantor.user).post(url, {"holder": grantor.member_number})
        assert "You cannot give a proxy to yourself." in text_of(response)
        response = logged_in(grantor.user).post(url, {"holder": "abc"})
        assert response.status_code == 200
        assert not Proxy.objects.exists()
        response = logged_in(grantor.user).post(url, {"holder": holder.member_number})
        assert response.status_code == 302
        proxy = Proxy.objects.get()
        page = text_of(
            logged_in(holder.user).get(reverse("governance:assembly", args=[setup.assembly.pk]))
        )
        assert "asks you to vote for them" in page
        # Another member cannot answer it: 404.
        assert (
            logged_in(grantor.user)
            .post(reverse("governance:proxy_confirm", args=[proxy.pk]))
            .status_code
            == 404
        )
        logged_in(holder.user).post(reverse("governance:proxy_confirm", args=[proxy.pk]))
    proxy.refresh_from_db()
    assert proxy.status == ProxyStatus.CONFIRMED


def test_a_draft_assembly_is_not_shown_to_members(staff_user):
    assembly = assembly_draft(staff_user)
    client = logged_in(PaidMemberFactory().user)
    assert client.get(reverse("governance:assembly", args=[assembly.pk])).status_code == 404
    assert client.get(reverse("governance:vote", args=[assembly.pk])).status_code == 404


def test_a_member_checks_their_receipt_in_the_published_list(staff_user):
    setup = convened(staff_user)
    member = PaidMemberFactory()
    client = logged_in(member.user)
    with during_voting(setup.assembly):
        code = client.post(
            reverse("governance:vote", args=[setup.assembly.pk]),
            {"resolution": setup.ordinary.pk, "option": option(setup.ordinary, "abstain").pk},
        ).context["code"]
    url = reverse("governance:receipts", args=[setup.assembly.pk])
    assert "not published yet" in text_of(client.get(url, {"code": code}))
    with after_voting(setup.assembly):
        services.assembly_count(assembly=setup.assembly, acting_user=staff_user)
        services.assembly_results_publish(assembly=setup.assembly, acting_user=staff_user)
    found = text_of(client.get(url, {"code": code.lower().replace("-", " ")}))
    assert "Your ballot was counted as: Abstain" in found
    assert services.receipt_hash(code) in found
    missing = text_of(client.get(url, {"code": "AAAA-BBBB"}))
    assert "No ballot has this receipt code" in missing

"""Members' pages of the general assembly: the list, an assembly with its
agenda and proxies, the vote page, the receipt shown once, and the check of
a receipt in the published list."""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from governance import selectors, services
from governance.forms import ProxyForm, ReceiptCheckForm
from governance.models import Assembly, AssemblyStatus, Resolution
from members.models import Member
from members.selectors import member_for_user
from smartcoop.lib.forms import add_service_errors
from smartcoop.lib.requests import request_user


def _member(request: HttpRequest) -> Member:
    member = member_for_user(user=request_user(request))
    if member is None:
        raise Http404
    return member


@login_required
def assembly_list(request: HttpRequest) -> HttpResponse:
    _member(request)
    upcoming, past = selectors.assemblies_upcoming_and_past(now=timezone.now())
    return render(request, "governance/assembly_list.html", {"upcoming": upcoming, "past": past})


def _detail_context(request: HttpRequest, assembly: Assembly, member: Member) -> dict:
    given, held = selectors.proxies_of(assembly=assembly, member=member)
    now = timezone.now()
    return {
        "assembly": assembly,
        "agenda": selectors.agenda_of(assembly=assembly),
        "given": given,
        "held": held,
        "proxies_open": assembly.status == AssemblyStatus.CONVENED
        and now < assembly.voting_opens_at,
        "voting_open": assembly.status == AssemblyStatus.CONVENED
        and assembly.voting_opens_at <= now < assembly.voting_closes_at,
        "published": assembly.status == AssemblyStatus.PUBLISHED,
    }


@login_required
def assembly_detail(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member(request)
    assembly = selectors.assembly_get_visible(pk=pk)
    context = _detail_context(request, assembly, member)
    context["form"] = ProxyForm()
    return render(request, "governance/assembly_detail.html", context)


@login_required
@require_POST
def proxy_appoint(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member(request)
    assembly = selectors.assembly_get_visible(pk=pk)
    form = ProxyForm(request.POST)
    if form.is_valid():
        try:
            services.proxy_appoint(
                assembly=assembly, grantor=member, holder_number=form.cleaned_data["holder"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Your proxy was sent; it counts once they confirm it."))
            return redirect("governance:assembly", pk=assembly.pk)
    context = _detail_context(request, assembly, member)
    context["form"] = form
    return render(request, "governance/assembly_detail.html", context)


def _proxy_answer(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    member = _member(request)
    if action == "revoke":
        proxy = selectors.proxy_get_for_grantor(grantor=member, pk=pk)
    else:
        proxy = selectors.proxy_get_for_holder(holder=member, pk=pk)
    try:
        if action == "confirm":
            services.proxy_confirm(proxy=proxy, holder=member)
            messages.success(request, _("You will vote for this member."))
        elif action == "decline":
            services.proxy_decline(proxy=proxy, holder=member)
            messages.success(request, _("You declined the proxy."))
        else:
            services.proxy_revoke(proxy=proxy, grantor=member)
            messages.success(request, _("Your proxy is revoked: you vote yourself."))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect("governance:assembly", pk=proxy.assembly_id)


@login_required
@require_POST
def proxy_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    return _proxy_answer(request, pk, "confirm")


@login_required
@require_POST
def proxy_decline(request: HttpRequest, pk: int) -> HttpResponse:
    return _proxy_answer(request, pk, "decline")


@login_required
@require_POST
def proxy_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    return _proxy_answer(request, pk, "revoke")


@dataclass
class BallotSlot:
    """One vote the member carries on one resolution: their own or a proxy's."""

    resolution: Resolution
    for_member: Member | None
    cast: bool


def _vote_context(assembly: Assembly, member: Member, error: str = "") -> dict:
    resolutions = list(selectors.resolutions_of(assembly=assembly).prefetch_related("options"))
    grantors = [p.grantor for p in selectors.proxies_confirmed_to(assembly=assembly, holder=member)]
    cast = selectors.votes_cast_by(assembly=assembly, member=member)
    slots = [
        BallotSlot(r, who, (r.pk, (who or member).pk) in cast)
        for r in resolutions
        for who in [None, *grantors]
    ]
    now = timezone.now()
    return {
        "assembly": assembly,
        "slots": slots,
        "carried": 1 + len(grantors),
        "grantors": grantors,
        "error": error,
        "voting_open": assembly.status == AssemblyStatus.CONVENED
        and assembly.voting_opens_at <= now < assembly.voting_closes_at,
    }


def _ints(values: list[str]) -> list[int]:
    try:
        return [int(v) for v in values]
    except ValueError as exc:
        raise ValidationError(services.TAMPERED, code="tampered") from exc


@login_required
def vote(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: every vote the member carries, with the options. POST: cast one
    ballot, then show its receipt code once (never stored, never cached)."""
    member = _member(request)
    assembly = selectors.assembly_get_visible(pk=pk)
    if request.method != "POST":
        return render(request, "governance/vote.html", _vote_context(assembly, member))
    try:
        resolution_ids = _ints(request.POST.getlist("resolution"))
        behalf_ids = _ints([v for v in request.POST.getlist("on_behalf_of") if v])
        option_ids = _ints(request.POST.getlist("option"))
        if len(resolution_ids) != 1 or len(behalf_ids) > 1:
            raise ValidationError(services.TAMPERED, code="tampered")
        resolution = (
            selectors.resolutions_of(assembly=assembly).filter(pk=resolution_ids[0]).first()
        )
        if resolution is None:
            raise ValidationError(services.TAMPERED, code="tampered")
        on_behalf_of = None
        if behalf_ids:
            proxy = (
                selectors.proxies_confirmed_to(assembly=assembly, holder=member)
                .filter(grantor_id=behalf_ids[0])
                .first()
            )
            if proxy is None:
                raise ValidationError(services.NOT_YOUR_PROXY, code="not_your_proxy")
            on_behalf_of = proxy.grantor
        code = services.vote_cast(
            resolution=resolution, voter=member, on_behalf_of=on_behalf_of, option_ids=option_ids
        )
    except ValidationError as exc:
        context = _vote_context(assembly, member, error=" ".join(exc.messages))
        return render(request, "governance/vote.html", context)
    response = render(
        request,
        "governance/receipt.html",
        {
            "assembly": assembly,
            "resolution": resolution,
            "on_behalf_of": on_behalf_of,
            "code": code,
        },
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
def receipts(request: HttpRequest, pk: int) -> HttpResponse:
    """The published list of receipts with their choices, and the check of
    one's own code against it."""
    _member(request)
    assembly = selectors.assembly_get_visible(pk=pk)
    form = ReceiptCheckForm(request.GET or None)
    found = None
    checked = False
    if form.is_valid():
        checked = True
        found = selectors.ballot_by_receipt_hash(
            assembly=assembly, receipt_hash=services.receipt_hash(form.cleaned_data["code"])
        )
    published = selectors.published_ballots(assembly=assembly)
    options = {
        o.pk: o
        for r in selectors.resolutions_of(assembly=assembly).prefetch_related("options")
        for o in r.options.all()
    }
    rows = [(b.receipt_hash, [options[i] for i in b.option_ids]) for b in published]
    return render(
        request,
        "governance/receipts.html",
        {
            "assembly": assembly,
            "form": form,
            "found": found,
            "found_options": [options[i] for i in found.option_ids] if found else [],
            "checked": checked,
            "rows": rows,
            "published": assembly.status == AssemblyStatus.PUBLISHED,
        },
    )


@login_required
def document(request: HttpRequest, pk: int) -> HttpResponse:
    _member(request)
    doc = selectors.document_get_visible(pk=pk)
    response = HttpResponse(services.agenda_document_read(doc), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{doc.sha256[:12]}.pdf"'
    return response

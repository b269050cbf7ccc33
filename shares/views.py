from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from members.models import ConsentKind, Member
from members.selectors import member_for_user
from shares import documents, selectors, services
from shares.forms import ExitForm, SubscribeForm
from shares.models import Certificate, Subscription
from shares.payment import payment_instructions
from smartcoop.lib.forms import add_service_errors
from smartcoop.lib.requests import request_user


def _member(request: HttpRequest) -> Member:
    member = member_for_user(user=request_user(request))
    if member is None:
        raise Http404
    return member


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    today = timezone.localdate()
    allowed, start, end, _effective_on = services.exit_dates(today)
    context = {
        "member": member,
        "holding": selectors.member_holding(member=member, as_of=today),
        "subscriptions": selectors.member_subscriptions(member=member),
        "entries": selectors.register_entries(member=member),
        "exits": selectors.member_exit_requests(member=member),
        "certificates": member.certificates.all(),
        "exit_window": {"open": allowed, "start": start, "end": end},
    }
    return render(request, "shares/overview.html", context)


@login_required
def subscribe(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    form = SubscribeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            subscription = services.share_subscribe(
                member=member,
                quantity=form.cleaned_data["quantity"],
                accepted=ConsentKind.values,
                acting_user=request_user(request),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Thank you. Your subscription is waiting for payment."))
            return redirect("shares:subscription", pk=subscription.pk)
    return render(request, "shares/subscribe.html", {"form": form, "member": member})


@login_required
def subscription_detail(request: HttpRequest, pk: int) -> HttpResponse:
    subscription = get_object_or_404(Subscription, pk=pk, member__user=request.user)
    return render(
        request,
        "shares/subscription.html",
        {"subscription": subscription, "pay": payment_instructions(subscription)},
    )


@login_required
@require_POST
def certificate_issue(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    try:
        certificate = services.share_certificate_issue(
            member=member, acting_user=request_user(request)
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("shares:overview")
    return redirect("shares:certificate", pk=certificate.pk)


@login_required
def certificate_download(request: HttpRequest, pk: int) -> HttpResponse:
    certificate = get_object_or_404(Certificate, pk=pk, member__user=request.user)
    response = HttpResponse(documents.certificate_pdf(certificate), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="share-certificate-{certificate.number}.pdf"'
    )
    return response


@login_required
def exit_request(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    today = timezone.localdate()
    allowed, start, end, effective_on = services.exit_dates(today)
    form = ExitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            exit_ = services.share_exit_request(
                member=member,
                quantity=form.cleaned_data["quantity"],
                requested_on=today,
                acting_user=request_user(request),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Your exit request is recorded. It takes effect on %(date)s.")
                % {"date": f"{exit_.effective_on:%d/%m/%Y}"},
            )
            return redirect("shares:overview")
    context = {
        "form": form,
        "member": member,
        "window": {
            "open": allowed,
            "start": start,
            "end": end,
            "effective_on": effective_on,
            "refund_due_by": services.refund_due_by(effective_on),
        },
        "holding": selectors.member_holding(member=member, as_of=today),
    }
    return render(request, "shares/exit.html", context)

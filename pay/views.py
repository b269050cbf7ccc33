"""The member's activity account and pay request pages (thin: parse, call a
service or selector, render)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from members.selectors import member_of_user
from pay import selectors, services
from pay.forms import PayRequestForm
from pay.models import PayRequestStatus
from smartcoop.lib.pages import page_of
from smartcoop.lib.requests import request_user


def _add_errors(form: PayRequestForm, error: ValidationError) -> None:
    fields = {"budget": "amount", "net_wanted": "amount"}
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            target = fields.get(name, name)
            form.add_error(target if target in form.fields else None, errors)
    else:
        form.add_error(None, error)


@login_required
def activity_account(request: HttpRequest, pk: int) -> HttpResponse:
    member = member_of_user(user=request_user(request))
    activity = selectors.activity_get_owned(member=member, pk=pk)
    page = page_of(request, selectors.ledger_entries(activity))
    pending = selectors.pay_requests_of(member).filter(
        activity=activity, status=PayRequestStatus.REQUESTED
    )
    return render(
        request,
        "pay/activity_account.html",
        {
            "activity": activity,
            "balance": selectors.account_balance(activity),
            "page": page,
            "pending": pending,
        },
    )


@login_required
def pay_request_create(request: HttpRequest, pk: int) -> HttpResponse:
    member = member_of_user(user=request_user(request))
    activity = selectors.activity_get_owned(member=member, pk=pk)
    form = PayRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            pay_request = services.pay_request_create(
                member=member,
                activity=activity,
                description=form.cleaned_data["description"],
                acting_user=request_user(request),
                **form.service_kwargs(),
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Your pay request is recorded."))
            return redirect("pay:pay_request_detail", pk=pay_request.pk)
    return render(
        request,
        "pay/pay_request_form.html",
        {"activity": activity, "form": form, "balance": selectors.account_balance(activity)},
    )


@login_required
@require_POST
def pay_request_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The breakdown as the member types (htmx): the same pay_quote as the request."""
    member = member_of_user(user=request_user(request))
    selectors.activity_get_owned(member=member, pk=pk)
    form = PayRequestForm(request.POST)
    quote, problems = None, []
    if form.is_valid():
        try:
            quote = services.pay_quote(**form.service_kwargs())
        except ValidationError as exc:
            problems = exc.messages
    else:
        problems = [str(e) for errors in form.errors.values() for e in errors]
    return render(
        request,
        "pay/_breakdown.html",
        {"quote": quote, "problems": problems, "today": timezone.localdate()},
    )


@login_required
def pay_request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    member = member_of_user(user=request_user(request))
    pay_request = selectors.pay_request_get_owned(member=member, pk=pk)
    return render(request, "pay/pay_request_detail.html", {"pay_request": pay_request})

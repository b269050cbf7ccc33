import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from members import selectors, services, validators
from members.forms import ProfileForm
from smartcoop.lib.requests import request_user


@login_required
def profile_redirect(request: HttpRequest) -> HttpResponse:
    member = selectors.member_for_user(user=request.user)
    if member is None:
        messages.info(request, _("Your account has no member profile."))
        return redirect("dashboard")
    return redirect("members:profile", pk=member.pk)


@login_required
def profile(request: HttpRequest, pk: int) -> HttpResponse:
    member = selectors.member_get_owned(user=request_user(request), pk=pk)
    context = {
        "member": member,
        "iban_display": validators.format_iban(member.iban),
        "enterprise_display": validators.format_enterprise_number(member.enterprise_number),
        "pending_name_change": selectors.legal_name_change_pending(member=member),
        "consents": member.consents.all(),
    }
    return render(request, "members/profile.html", context)


@login_required
def profile_edit(request: HttpRequest, pk: int) -> HttpResponse:
    member = selectors.member_get_owned(user=request_user(request), pk=pk)
    form = ProfileForm(request.POST or None, instance=member)
    if request.method == "POST" and form.is_valid():
        try:
            member = form.save_with(acting_user=request_user(request))
        except ValidationError:
            pass  # the form now carries the errors next to their fields
        else:
            translation.activate(member.language)
            messages.success(request, _("Your profile has been saved."))
            response = redirect("members:profile", pk=member.pk)
            # The profile's language becomes the pages' language too.
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                member.language,
                samesite="Lax",
                max_age=settings.LANGUAGE_COOKIE_AGE,
                secure=request.is_secure(),
            )
            return response
    return render(request, "members/profile_edit.html", {"member": member, "form": form})


@login_required
@require_POST
def name_change_withdraw(request: HttpRequest, pk: int, change_pk: int) -> HttpResponse:
    member = selectors.member_get_owned(user=request_user(request), pk=pk)
    change = selectors.legal_name_change_get_owned(user=request_user(request), pk=change_pk)
    try:
        services.member_legal_name_change_withdraw(change=change, acting_user=request_user(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Your request to change your legal name was withdrawn."))
    return redirect("members:profile", pk=member.pk)


@login_required
def data_export(request: HttpRequest, pk: int) -> HttpResponse:
    member = selectors.member_get_owned(user=request_user(request), pk=pk)
    data = services.member_data_export(member=member, acting_user=request_user(request))
    filename = f"smartcoop-member-{member.member_number}-{timezone.localdate():%Y%m%d}.json"
    response = HttpResponse(
        json.dumps(data, indent=2, ensure_ascii=False), content_type="application/json"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
def security(request: HttpRequest) -> HttpResponse:
    from allauth.mfa.utils import is_mfa_enabled

    return render(
        request,
        "members/security.html",
        {
            "mfa_enabled": is_mfa_enabled(request.user),
            "member": selectors.member_for_user(user=request.user),
        },
    )

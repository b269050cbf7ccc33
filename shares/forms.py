from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


class SubscribeForm(forms.Form):
    quantity = forms.CharField(
        label=_("Number of shares"),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=_("Each share costs its nominal value; you can buy more later."),
    )
    accept_internal_rules = forms.BooleanField(
        label=_("I accept the internal rules of the cooperative.")
    )
    accept_data_policy = forms.BooleanField(label=_("I accept the data protection policy."))
    accept_financial_risk = forms.BooleanField(
        label=_(
            "I have read the financial-risk notice: shares can lose value and are "
            "refunded at most at their nominal value."
        )
    )


class ExitForm(forms.Form):
    quantity = forms.CharField(
        label=_("Number of shares to give back"),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    confirm = forms.BooleanField(
        label=_("I ask to leave the cooperative with these shares. This request is dated today.")
    )


def add_service_errors(form: forms.Form, exc: Any) -> None:
    """Put a service's ValidationError next to the fields it names."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)

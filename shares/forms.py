from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from members.forms import ConsentForm

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


QUANTITY_NOT_A_NUMBER = _("Enter a whole number of shares, such as 2.")


def _quantity_field(label: "StrOrPromise", **kwargs: Any) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        error_messages={"invalid": QUANTITY_NOT_A_NUMBER},
        **kwargs,
    )


class SubscribeForm(ConsentForm):
    quantity = _quantity_field(
        _("Number of shares"),
        help_text=_("Each share costs its nominal value; you can buy more later."),
    )


class ExitForm(forms.Form):
    quantity = _quantity_field(_("Number of shares to give back"))
    confirm = forms.BooleanField(
        label=_("I ask to leave the cooperative with these shares. This request is dated today.")
    )

from django import forms
from django.utils.translation import gettext_lazy as _

from members.forms import ConsentForm


class SubscribeForm(ConsentForm):
    quantity = forms.CharField(
        label=_("Number of shares"),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=_("Each share costs its nominal value; you can buy more later."),
    )


class ExitForm(forms.Form):
    quantity = forms.CharField(
        label=_("Number of shares to give back"),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    confirm = forms.BooleanField(
        label=_("I ask to leave the cooperative with these shares. This request is dated today.")
    )

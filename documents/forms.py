"""Forms of the documents pages: the personal message of a sending and the
period of a PDF export (the services check them and say what is wrong)."""

from typing import TYPE_CHECKING

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class SendForm(forms.Form):
    message = forms.CharField(
        label=_("Personal message (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Added to the email above the payment details."),
    )


def _period_date(label: "StrOrPromise") -> forms.DateField:
    # Not required here: the export service says what is missing, in the same
    # words on the member's page and in the back office. The input still
    # tells assistive technology that it is needed; the form is novalidate.
    return forms.DateField(
        label=label,
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "required": True}, format="%Y-%m-%d"),
    )


class ExportPeriodForm(forms.Form):
    """The period of a PDF export (documents_export_request checks it)."""

    date_from = _period_date(pgettext_lazy("start of a period", "From"))
    date_to = _period_date(pgettext_lazy("end of a period", "To"))

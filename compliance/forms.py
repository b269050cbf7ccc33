from django import forms
from django.utils.translation import gettext_lazy as _

from compliance.registry import check_choices
from compliance.services import NOTE_MAX


class FindingNoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note"),
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_("What was done or decided, for the colleagues who read this later."),
        error_messages={"required": _("Write a note that says what was done or decided.")},
    )


def _check_choices() -> list[tuple[str, str]]:
    return [("", str(_("All checks"))), *check_choices()]


class RunForm(forms.Form):
    check = forms.ChoiceField(label=_("Check"), choices=_check_choices, required=False)

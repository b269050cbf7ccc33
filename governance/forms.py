from django import forms
from django.utils.translation import gettext_lazy as _

from governance.models import ResolutionKind
from workspaces.models import Resource


class ProxyForm(forms.Form):
    holder = forms.IntegerField(
        label=_("Member number of the member who votes for you"),
        min_value=1,
        help_text=_("They must confirm it before voting opens."),
    )


class ReceiptCheckForm(forms.Form):
    code = forms.CharField(
        label=_("Receipt code"),
        max_length=60,
        help_text=_("The code shown when you voted, like ABCD-EFGH-IJKL-MNOP-QRST-UVWX."),
    )


class AssemblyForm(forms.Form):
    """The secretariat's new assembly (admin); governance.services.assembly_create checks it."""

    title = forms.CharField(label=_("title"), max_length=200)
    resource = forms.ModelChoiceField(
        label=_("room"), queryset=Resource.objects.select_related("location")
    )
    starts_at = forms.SplitDateTimeField(label=_("meeting starts at"))
    ends_at = forms.SplitDateTimeField(label=_("meeting ends at"))
    remote_allowed = forms.BooleanField(label=_("remote participation allowed"), required=False)
    voting_opens_at = forms.SplitDateTimeField(label=_("voting opens at"))
    voting_closes_at = forms.SplitDateTimeField(label=_("voting closes at"))
    record_date = forms.DateField(label=_("record date"))


class AgendaItemForm(forms.Form):
    """An agenda item, with its resolution when it has one (admin)."""

    title = forms.CharField(label=_("title"), max_length=200)
    description = forms.CharField(label=_("description"), widget=forms.Textarea, required=False)
    kind = forms.ChoiceField(
        label=_("resolution"),
        choices=[("", _("No resolution (for information)")), *ResolutionKind.choices],
        required=False,
    )
    text = forms.CharField(label=_("text of the resolution"), widget=forms.Textarea, required=False)
    seats = forms.IntegerField(label=_("seats"), min_value=1, initial=1)
    candidates = forms.CharField(
        label=_("candidates"),
        required=False,
        help_text=_("For an election: the candidates' member numbers, separated by commas."),
    )
    document_title = forms.CharField(label=_("document title"), max_length=200, required=False)
    document = forms.FileField(label=_("document (PDF)"), required=False)

    def clean_candidates(self) -> list[int]:
        raw = self.cleaned_data["candidates"]
        try:
            return [int(part) for part in raw.replace(";", ",").split(",") if part.strip()]
        except ValueError as exc:
            raise forms.ValidationError(
                _("Enter member numbers separated by commas, like 100012, 100345.")
            ) from exc

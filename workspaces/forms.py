import datetime
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from workspaces.models import Location, Resource, ResourceKind


class GridFilterForm(forms.Form):
    """The availability grid's filters; they live in the URL (GET)."""

    view = forms.ChoiceField(
        label=_("Show"), choices=[("day", _("Day")), ("week", _("Week"))], required=False
    )
    date = forms.DateField(
        label=_("Date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    kind = forms.ChoiceField(
        label=_("Type"), choices=[("", _("All types")), *ResourceKind.choices], required=False
    )
    capacity = forms.IntegerField(
        label=_("At least (people)"),
        min_value=1,
        max_value=500,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    def values(self, today: datetime.date) -> dict[str, Any]:
        """The filters to use: the valid ones, defaults for the rest."""
        data = self.cleaned_data if self.is_bound and hasattr(self, "cleaned_data") else {}
        return {
            "view": data.get("view") or "day",
            "date": data.get("date") or today,
            "kind": data.get("kind") or "",
            "capacity": data.get("capacity") or 0,
        }


class _ResourceChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Resource) -> str:
        return f"{obj.location.name} · {obj.name} ({obj.get_kind_display()}, {obj.capacity})"


class BookingForm(forms.Form):
    """A resource, a day and a range of slots (Brussels time)."""

    resource = _ResourceChoice(label=_("Resource"), queryset=Resource.objects.none())
    day = forms.DateField(
        label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    start = forms.TimeField(
        label=_("From"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=_("Brussels time, such as 10:00."),
    )
    end = forms.TimeField(
        label=_("Until"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )

    def __init__(self, *args: Any, location: Location | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        resources = Resource.objects.filter(is_active=True, location__is_active=True)
        if location is not None:
            resources = resources.filter(location=location)
            step = location.slot_minutes * 60
            for name in ("start", "end"):
                self.fields[name].widget.attrs["step"] = str(step)
        field = self.fields["resource"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = resources.select_related("location").order_by(
            "location__city", "location__name", "kind", "name"
        )


class CancelOnBehalfForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the booking is cancelled (sent to the member)"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class MaintenanceBlockForm(forms.Form):
    resource = forms.ModelChoiceField(
        label=_("Resource"), queryset=Resource.objects.select_related("location")
    )
    starts_at = forms.SplitDateTimeField(label=_("From"))
    ends_at = forms.SplitDateTimeField(label=_("Until"))
    note = forms.CharField(label=_("What is done"), max_length=300)


class DayForm(forms.Form):
    day = forms.DateField(
        label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

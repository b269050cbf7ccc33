import datetime
import json
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rules.models import Rule, RuleVersion
from rules.services import rule_version_validate
from rules.values import HELP, LANGUAGES, Kind

NOT_JSON = _("This is not valid JSON.")


def first_of_next_month() -> datetime.date:
    today = timezone.localdate()
    return (today.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


class RuleVersionForm(forms.ModelForm):
    """A draft's value, shaped by its rule's type: one field, three texts
    (nl, fr, en) or a JSON document. Checks run again in the service."""

    value_plain = forms.CharField(label=_("Value"), required=False)
    value_nl = forms.CharField(
        label=_("Text (Dutch)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    value_fr = forms.CharField(
        label=_("Text (French)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    value_en = forms.CharField(
        label=_("Text (English)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    value_json = forms.CharField(
        label=_("Value (JSON)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "style": "font-family: monospace"}),
    )

    class Meta:
        model = RuleVersion
        fields = ["rule", "valid_from", "reason"]
        widgets = {"reason": forms.Textarea(attrs={"rows": 3})}

    rule_obj: Rule | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.instance.pk and not self.initial.get("valid_from"):
            self.initial["valid_from"] = first_of_next_month()
        if self.rule_obj is not None:
            self.fields["value_plain"].help_text = HELP[Kind(self.rule_obj.kind)]
        stored = self.instance.value if self.instance.pk else None
        if self.rule_obj is not None and stored is not None:
            kind = self.rule_obj.kind
            if kind == Kind.TEXT:
                for lang in LANGUAGES:
                    self.initial[f"value_{lang}"] = stored.get(lang, "")
            elif kind == Kind.STRUCTURED:
                self.initial["value_json"] = json.dumps(stored, indent=2, ensure_ascii=False)
            elif kind == Kind.MONEY:
                self.initial["value_plain"] = stored["amount"]
            else:
                self.initial["value_plain"] = stored

    def raw_value(self) -> Any:
        rule = self.cleaned_data.get("rule") or self.rule_obj
        if rule is None:
            return None
        if rule.kind == Kind.TEXT:
            return {lang: self.cleaned_data.get(f"value_{lang}", "") for lang in LANGUAGES}
        if rule.kind == Kind.STRUCTURED:
            try:
                return json.loads(self.cleaned_data.get("value_json") or "")
            except json.JSONDecodeError as exc:
                raise ValidationError({"value_json": NOT_JSON}) from exc
        return self.cleaned_data.get("value_plain", "")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        # On an edit the rule is shown read-only: it is not among the form's data.
        rule = cleaned.get("rule") or self.rule_obj
        if rule is None:
            return cleaned
        fields: dict[str, str] = {Kind.TEXT: "value_en", Kind.STRUCTURED: "value_json"}
        field = fields.get(rule.kind, "value_plain")
        try:
            raw = self.raw_value()
        except ValidationError as exc:
            for name, errors in exc.error_dict.items():
                self.add_error(name, errors)
            return cleaned
        try:
            cleaned["value"] = rule_version_validate(
                rule=rule,
                value=raw,
                valid_from=cleaned.get("valid_from"),
                reason=cleaned.get("reason") or "",
                exclude_pk=self.instance.pk,
            )
        except ValidationError as exc:
            for name, errors in exc.error_dict.items():
                self.add_error(field if name == "value" else name, errors)
        return cleaned


class PreviewForm(forms.Form):
    on = forms.DateField(
        label=_("What changes from"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    include_drafts = forms.BooleanField(label=_("Include drafts not yet approved"), required=False)

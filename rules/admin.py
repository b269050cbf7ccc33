"""The legal team's back office: the catalogue with today's values and next
changes, each key's timeline, drafts, four-eyes publishing, a diff against
the version in force, and a preview of what changes from a date."""

import datetime
import difflib
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from rules import selectors, services
from rules.forms import PreviewForm, RuleVersionForm, first_of_next_month
from rules.models import PUBLISHED_IS_FINAL, Rule, RuleVersion, VersionStatus
from rules.reach import reaches_for
from rules.values import HELP, Kind, display, structured_rows
from smartcoop.admin_site import HistoryAdmin
from smartcoop.lib.requests import request_user


def _status_badge(version: RuleVersion) -> str:
    colour = "#0b5d4b" if version.is_published else "#8a5a00"
    return format_html(
        '<span style="color:{};font-weight:600">{}</span>', colour, version.get_status_display()
    )


class RuleVersionTimeline(admin.TabularInline):
    model = RuleVersion
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ("valid_from", "shown_value", "status_word", "author", "approver", "reason")
    readonly_fields = fields
    ordering = ("-valid_from", "-pk")
    verbose_name = _("version")
    verbose_name_plural = _("timeline of versions")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[RuleVersion]:
        return super().get_queryset(request).select_related("rule", "author", "approver")

    @admin.display(description=_("value"))
    def shown_value(self, obj: RuleVersion) -> str:
        return _value_html(obj.rule.kind, obj.value)

    @admin.display(description=_("status"))
    def status_word(self, obj: RuleVersion) -> str:
        return _status_badge(obj)


def _value_html(kind: str, stored: Any) -> str:
    """A value as the legal team reads it: 7 %, 30 days, €30.00, and a
    structured value as a small table rather than JSON."""
    rows = structured_rows(stored) if kind == Kind.STRUCTURED else None
    if rows is None:
        return display(kind, stored)
    return format_html(
        '<table class="rule-value"><tbody>{}</tbody></table>',
        format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", rows),
    )


@admin.register(Rule)
class RuleAdmin(admin.ModelAdmin):
    list_display = ("key", "what_it_is", "value_today", "next_change", "reference")
    list_filter = ("kind",)
    list_per_page = 15  # one screen
    search_fields = ("key", "description", "legal_reference")
    readonly_fields = (
        "key",
        "kind",
        "description",
        "legal_reference",
        "legal_url",
        "schema",
        "draft_link",
    )
    inlines = [RuleVersionTimeline]
    change_list_template = "admin/rules/rule/change_list.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # keys come with the code that reads them (migrations)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Rule]:
        today = timezone.localdate()
        upcoming = RuleVersion.objects.filter(
            rule=OuterRef("pk"), status=VersionStatus.PUBLISHED, valid_from__gt=today
        ).order_by("valid_from")
        return (
            super()
            .get_queryset(request)
            .annotate(
                next_from=Subquery(upcoming.values("valid_from")[:1]),
                next_value=Subquery(upcoming.values("value")[:1]),
            )
        )

    @admin.display(description=_("what it is"))
    def what_it_is(self, obj: Rule) -> str:
        return format_html(
            '{}<br><small class="help">{}</small>', obj.description, HELP[Kind(obj.kind)]
        )

    @admin.display(description=_("value today"))
    def value_today(self, obj: Rule) -> str:
        try:
            return _value_html(obj.kind, selectors.rule_on(obj.key).stored)
        except selectors.NoVersionInForce:
            return "—"

    @admin.display(description=_("next change"), ordering="next_from")
    def next_change(self, obj: Rule) -> str:
        next_from = getattr(obj, "next_from", None)
        if next_from is None:
            return "—"
        value = _value_html(obj.kind, obj.next_value)  # type: ignore[attr-defined]
        return format_html("{}: {}", f"{next_from:%d/%m/%Y}", value)

    @admin.display(description=_("legal reference"), ordering="legal_reference")
    def reference(self, obj: Rule) -> str:
        """The whole reference, wrapped, never cut; a link to the source if known."""
        if obj.legal_url:
            return format_html(
                '<span style="white-space:normal">{}</span> <a href="{}" rel="noopener">↗</a>',
                obj.legal_reference,
                obj.legal_url,
            )
        return format_html('<span style="white-space:normal">{}</span>', obj.legal_reference)

    @admin.display(description=_("new version"))
    def draft_link(self, obj: Rule) -> str:
        url = reverse("admin:rules_ruleversion_add") + f"?rule={obj.pk}"
        return format_html('<a class="button" href="{}">{}</a>', url, _("Draft a new version"))

    def get_urls(self) -> list[Any]:
        preview = self.admin_site.admin_view(self.preview_view)
        return [path("preview/", preview, name="rules_rule_preview"), *super().get_urls()]

    def preview_view(self, request: HttpRequest) -> HttpResponse:
        """What changes from date D: every key whose value differs from the day before."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = PreviewForm(request.GET or {"on": first_of_next_month()})
        changes = []
        reach: dict[int, list[tuple[Any, int]]] = {}
        if form.is_valid():
            on = form.cleaned_data["on"]
            changes = selectors.rule_changes_from(
                on, include_drafts=form.cleaned_data["include_drafts"]
            )
            counted: dict[Any, int] = {}  # each count once per page, however many keys
            for change in changes:
                rows = []
                for one in reaches_for(change.rule.key):
                    if one.count not in counted:
                        counted[one.count] = one.count(on)
                    rows.append((one.label, counted[one.count]))
                reach[change.rule.pk] = rows
        context = {
            **self.admin_site.each_context(request),
            "title": _("What changes from a date"),
            "form": form,
            "changes": [(change, reach.get(change.rule.pk, [])) for change in changes],
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/rules/preview.html", context)


def _diff(before: str, after: str) -> str:
    rows = []
    for line in difflib.ndiff(before.split(" | "), after.split(" | ")):
        tag, text = line[:1], line[2:]
        if tag == "?":
            continue
        style = {"-": "background:#fdf0f0;color:#a4262c", "+": "background:#eaf5f1;color:#0b5d4b"}
        rows.append((style.get(tag, ""), f"{tag} {text}" if tag in "-+" else f"  {text}"))
    return format_html(
        '<pre style="white-space:pre-wrap;margin:0">{}</pre>',
        format_html_join("\n", '<span style="{}">{}</span>', rows),
    )


PUBLISHED_FIELDS = [
    "rule",
    "valid_from",
    "shown_value",
    "status_word",
    "reason",
    "author",
    "editors",
    "approver",
    "published_at",
]


@admin.register(RuleVersion)
class RuleVersionAdmin(HistoryAdmin):
    form = RuleVersionForm
    list_display = (
        "rule",
        "valid_from",
        "shown_value",
        "status_word",
        "author",
        "approver",
        "published_at",
    )
    list_filter = ("status", "rule__kind", "rule")
    search_fields = ("rule__key", "reason")
    list_select_related = ("rule", "author", "approver")
    date_hierarchy = "valid_from"
    actions = ["publish"]

    @admin.display(description=_("value"))
    def shown_value(self, obj: RuleVersion) -> str:
        return _value_html(obj.rule.kind, obj.value)

    @admin.display(description=_("status"), ordering="status")
    def status_word(self, obj: RuleVersion) -> str:
        return _status_badge(obj)

    @admin.display(description=_("compared with the version in force"))
    def diff(self, obj: RuleVersion) -> str:
        day_before = obj.valid_from - datetime.timedelta(days=1)
        try:
            current = selectors.rule_on(obj.rule.key, on=day_before)
        except selectors.NoVersionInForce:
            return str(_("No version in force before this one."))
        header = format_html(
            "<p>{}</p>",
            _("In force the day before, since %(date)s (#%(id)s)")
            % {"date": f"{current.valid_from:%d/%m/%Y}", "id": current.version_id},
        )
        return format_html("{}{}", header, _diff(current.display, obj.display_value))

    def _rule_for(self, request: HttpRequest, obj: RuleVersion | None) -> Rule | None:
        if obj is not None:
            return obj.rule
        rule_id = request.POST.get("rule") or request.GET.get("rule")
        return Rule.objects.filter(pk=rule_id).first() if rule_id and rule_id.isdigit() else None

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        rule = self._rule_for(request, obj)
        if obj is not None and obj.is_published:
            return [(None, {"fields": PUBLISHED_FIELDS})]
        if rule is None:
            value_fields: list[str] = ["value_plain"]
        elif rule.kind == Kind.TEXT:
            value_fields = ["value_nl", "value_fr", "value_en"]
        elif rule.kind == Kind.STRUCTURED:
            value_fields = ["value_json"]
        else:
            value_fields = ["value_plain"]
        sets: list[Any] = [(None, {"fields": ["rule", "valid_from", *value_fields, "reason"]})]
        if obj is not None:
            sets.append((_("Review"), {"fields": ["diff", "status_word", "author", "editors"]}))
        return sets

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is not None and obj.is_published:
            return PUBLISHED_FIELDS
        if obj is not None:
            return ["rule", "diff", "status_word", "author", "editors"]
        return []

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        form.rule_obj = self._rule_for(request, obj)
        return form

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        version = self.get_object(request, object_id)
        if version is not None and version.is_published and request.method == "GET":
            self.message_user(request, PUBLISHED_IS_FINAL, messages.INFO)
        return super().change_view(request, object_id, form_url, extra_context)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.is_published:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.is_published:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: RuleVersion, form: Any, change: bool) -> None:
        data = form.cleaned_data
        rule = data.get("rule") or obj.rule
        if change:
            saved = services.rule_version_draft_update(
                version=obj,
                value=data["value"],
                valid_from=data["valid_from"],
                reason=data["reason"],
                acting_user=request_user(request),
            )
        else:
            saved = services.rule_version_draft(
                rule=rule,
                value=data["value"],
                valid_from=data["valid_from"],
                reason=data["reason"],
                acting_user=request_user(request),
            )
        obj.pk = saved.pk
        obj.refresh_from_db()

    def delete_model(self, request: HttpRequest, obj: RuleVersion) -> None:
        services.rule_version_draft_delete(version=obj, acting_user=request_user(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[RuleVersion]) -> None:
        for version in queryset:
            services.rule_version_draft_delete(version=version, acting_user=request_user(request))

    def get_actions(self, request: HttpRequest) -> Any:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # published versions cannot go; drafts one by one
        return actions

    @admin.action(description=_("Approve and publish the selected drafts"), permissions=["publish"])
    def publish(self, request: HttpRequest, queryset: QuerySet[RuleVersion]) -> None:
        for version in queryset.select_related("rule"):
            try:
                services.rule_version_publish(version=version, acting_user=request_user(request))
            except (ValidationError, PermissionDenied) as exc:
                text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
                self.message_user(request, f"{version}: {text}", messages.ERROR)
            else:
                self.message_user(request, _("Published: %(v)s") % {"v": version}, messages.SUCCESS)

    def has_publish_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("rules.publish_ruleversion")

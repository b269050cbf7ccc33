"""The secretariat's back office: create an assembly (its room is booked
through workspaces), add agenda items with their resolution and document,
convene, count and publish. Every change goes through governance.services;
ballots and "who voted" rows are not in the admin at all."""

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminDateWidget, AdminSplitDateTime
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from governance import services
from governance.forms import AgendaItemForm, AssemblyForm
from governance.models import AgendaItem, Assembly, AssemblyStatus, Proxy
from members.selectors import member_by_number
from smartcoop.lib.requests import request_user


def _errors(exc: ValidationError) -> str:
    return " ".join(exc.messages)


class AgendaItemInline(admin.TabularInline):
    model = AgendaItem
    extra = 0
    can_delete = False
    fields = ("position", "title", "resolution_kind", "outcome")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # The agenda is part of the assembly: whoever may see it sees its items.
        return request.user.has_perm("governance.view_assembly")

    def get_queryset(self, request: HttpRequest) -> QuerySet[AgendaItem]:
        return super().get_queryset(request).select_related("resolution")

    @admin.display(description=_("resolution"))
    def resolution_kind(self, obj: AgendaItem) -> str:
        resolution = getattr(obj, "resolution", None)
        return resolution.get_kind_display() if resolution else "—"

    @admin.display(description=_("outcome"))
    def outcome(self, obj: AgendaItem) -> str:
        resolution = getattr(obj, "resolution", None)
        if resolution is None or resolution.adopted is None:
            return "—"
        label = _("adopted") if resolution.adopted else _("not adopted")
        quorum = _("quorum reached") if resolution.quorum_reached else _("quorum not reached")
        return f"{label} · {quorum} · {resolution.ballots_count}/{resolution.eligible_count}"


@admin.register(Assembly)
class AssemblyAdmin(admin.ModelAdmin):
    list_display = ("title", "starts_at", "status", "voting_opens_at", "voting_closes_at")
    list_filter = ("status",)
    inlines = [AgendaItemInline]
    readonly_fields = (
        "title",
        "starts_at",
        "booking",
        "remote_allowed",
        "voting_opens_at",
        "voting_closes_at",
        "record_date",
        "status",
        "convened_at",
        "counted_at",
        "published_at",
        "created_by",
        "add_item_link",
    )
    fields = readonly_fields
    actions = ["convene", "count", "publish"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("agenda"))
    def add_item_link(self, obj: Assembly) -> str:
        if obj.status != AssemblyStatus.DRAFT:
            return "—"
        url = reverse("admin:governance_assembly_add_item", args=[obj.pk])
        return format_html('<a class="button" href="{}">{}</a>', url, _("Add an agenda item"))

    def get_urls(self) -> list[Any]:
        return [
            path(
                "<int:pk>/item/",
                self.admin_site.admin_view(self.add_item_view),
                name="governance_assembly_add_item",
            ),
            *super().get_urls(),
        ]

    def _render(self, request: HttpRequest, title: Any, form: Any) -> TemplateResponse:
        return TemplateResponse(
            request,
            "admin/action_form.html",
            {
                **self.admin_site.each_context(request),
                "title": title,
                "opts": self.model._meta,
                "form": form,
                "submit_label": _("Save"),
                "media": self.media + form.media,
            },
        )

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = AssemblyForm(request.POST or None)
        for name in ("starts_at", "ends_at", "voting_opens_at", "voting_closes_at"):
            form.fields[name].widget = AdminSplitDateTime()
        form.fields["record_date"].widget = AdminDateWidget()
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                assembly = services.assembly_create(
                    title=data["title"],
                    resource=data["resource"],
                    starts_at=data["starts_at"],
                    ends_at=data["ends_at"],
                    remote_allowed=data["remote_allowed"],
                    voting_opens_at=data["voting_opens_at"],
                    voting_closes_at=data["voting_closes_at"],
                    record_date=data["record_date"],
                    acting_user=request_user(request),
                )
            except ValidationError as exc:
                form.add_error(None, _errors(exc))
            else:
                self.message_user(request, _("Assembly created and its room booked."))
                return HttpResponseRedirect(
                    reverse("admin:governance_assembly_change", args=[assembly.pk])
                )
        return self._render(request, _("New general assembly"), form)

    def add_item_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        assembly = get_object_or_404(Assembly, pk=pk)
        form = AgendaItemForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                self._add_item(request, assembly, form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, _errors(exc))
            else:
                self.message_user(request, _("Agenda item added."))
                return HttpResponseRedirect(
                    reverse("admin:governance_assembly_change", args=[assembly.pk])
                )
        return self._render(request, _("Add an agenda item"), form)

    def _add_item(self, request: HttpRequest, assembly: Assembly, data: dict[str, Any]) -> None:
        user = request_user(request)
        candidates = []
        for number in data["candidates"]:
            candidate = member_by_number(number=number)
            if candidate is None:
                raise ValidationError(services.HOLDER_UNKNOWN, params={"number": number})
            candidates.append(candidate)
        # The item, its resolution and its document in one transaction: the
        # services' atomic blocks nest in this one, so a refused PDF adds nothing.
        with transaction.atomic():
            item = services.agenda_item_add(
                assembly=assembly,
                title=data["title"],
                description=data["description"],
                acting_user=user,
            )
            if data["kind"]:
                services.resolution_add(
                    item=item,
                    kind=data["kind"],
                    text=data["text"],
                    seats=data["seats"],
                    candidates=candidates,
                    acting_user=user,
                )
            if data["document"]:
                services.agenda_document_add(
                    item=item,
                    title=data["document_title"] or data["document"].name,
                    content=data["document"].read(),
                    acting_user=user,
                )

    def _each(self, request: HttpRequest, queryset: QuerySet[Assembly], fn: Any, done: Any) -> None:
        for assembly in queryset:
            try:
                fn(assembly=assembly, acting_user=request_user(request))
            except ValidationError as exc:
                self.message_user(request, f"{assembly}: {_errors(exc)}", messages.ERROR)
            else:
                self.message_user(request, f"{assembly}: {done}")

    @admin.action(description=_("Convene the selected assemblies"), permissions=["add"])
    def convene(self, request: HttpRequest, queryset: QuerySet[Assembly]) -> None:
        self._each(request, queryset, services.assembly_convene, _("convened."))

    @admin.action(description=_("Count the votes"), permissions=["add"])
    def count(self, request: HttpRequest, queryset: QuerySet[Assembly]) -> None:
        self._each(request, queryset, services.assembly_count, _("counted."))

    @admin.action(description=_("Publish the results"), permissions=["add"])
    def publish(self, request: HttpRequest, queryset: QuerySet[Assembly]) -> None:
        self._each(request, queryset, services.assembly_results_publish, _("results published."))


@admin.register(Proxy)
class ProxyAdmin(admin.ModelAdmin):
    list_display = ("assembly", "grantor", "holder", "status", "created_at")
    list_filter = ("status", "assembly")
    list_select_related = ("assembly", "grantor", "holder")
    search_fields = ("grantor__member_number", "holder__member_number")
    readonly_fields = ("assembly", "grantor", "holder", "status", "created_at", "decided_at")
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

"""The back office for shares: payments (one by one or a bank file), the
share register as of any date with CSV and PDF exports, exits and refunds."""

import csv
import datetime
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from members.models import Member
from members.selectors import member_by_number
from shares import documents, selectors, services
from shares.models import (
    BankImport,
    ExitRequest,
    ExitStatus,
    Payment,
    PaymentStatus,
    RegisterEntry,
    Subscription,
    SubscriptionStatus,
)
from smartcoop.admin_site import SAVE, ReadOnlyAdminMixin, action_page
from smartcoop.lib.ogm import ogm_format, ogm_parse
from smartcoop.lib.requests import request_user


def _errors(exc: ValidationError) -> str:
    return " ".join(exc.messages)


# Browsers' date inputs take ISO dates only, whatever the page's language.
def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _cell(value: object) -> object:
    """A CSV cell that a spreadsheet will not run as a formula."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


class PaymentForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount received"), max_digits=12, decimal_places=2)
    value_date = forms.DateField(label=_("Date received"), widget=_date_input())


class BankFileForm(forms.Form):
    file = forms.FileField(label=_("Bank statement (CSV export or CODA)"))

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        # The size from the upload and the first bytes only: a wrong file is
        # refused before it is read whole.
        head = upload.read(4096)
        upload.seek(0)
        try:
            services.statement_file_check(size=upload.size, head=head)
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["file"]) from exc
        return upload


class RefundForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount refunded"), max_digits=12, decimal_places=2)
    refunded_on = forms.DateField(label=_("Refunded on"), widget=_date_input())


class ReverseForm(forms.Form):
    note = forms.CharField(label=_("Why this entry is reversed"), max_length=300)


class AsOfForm(forms.Form):
    as_of = forms.DateField(label=_("As of"), widget=_date_input())


class _MemberNumberField(forms.IntegerField):
    def clean(self, value: Any) -> Member:
        number = super().clean(value)
        member = member_by_number(number=number)
        if member is None:
            raise ValidationError(_("No member has this number."))
        return member


class TransferForm(forms.Form):
    from_member = _MemberNumberField(label=_("From member number"))
    to_member = _MemberNumberField(label=_("To member number"))
    quantity = forms.IntegerField(label=_("Number of shares"), min_value=1)
    transferred_on = forms.DateField(label=_("Date of the transfer"), widget=_date_input())
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class ExclusionForm(forms.Form):
    member = _MemberNumberField(label=_("Member number"))
    excluded_on = forms.DateField(label=_("Date of the exclusion"), widget=_date_input())
    reason = forms.CharField(label=_("Decision (body and date)"), max_length=300)


class ResolveForm(forms.Form):
    reference = forms.CharField(
        label=_("Book against the subscription with structured reference"), required=False
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        reference = cleaned.get("reference")
        if reference:
            digits = ogm_parse(reference)
            if digits is None:
                self.add_error("reference", _("This is not a valid structured reference."))
            else:
                cleaned["subscription"] = Subscription.objects.filter(
                    structured_reference=digits
                ).first()
                if cleaned["subscription"] is None:
                    self.add_error("reference", services.UNKNOWN_REFERENCE)
        elif not cleaned.get("note"):
            self.add_error("note", _("Give a reference to book, or a note to close it."))
        return cleaned


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = (
        "reference",
        "member",
        "quantity",
        "amount",
        "status",
        "subscribed_on",
        "paid_on",
    )
    list_filter = ("status", "category")
    search_fields = ("structured_reference", "=member__member_number", "member__legal_name")
    list_select_related = ("member",)
    readonly_fields = [f.name for f in Subscription._meta.fields] + ["pay_link"]
    date_hierarchy = "subscribed_on"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str) -> Any:
        digits = ogm_parse(search_term)  # "+++100/0000/00195+++" finds its subscription
        return super().get_search_results(request, queryset, digits or search_term)

    @admin.display(description=_("structured reference"), ordering="structured_reference")
    def reference(self, obj: Subscription) -> str:
        return ogm_format(obj.structured_reference)

    @admin.display(description=_("payment"))
    def pay_link(self, obj: Subscription) -> str:
        if obj.status != SubscriptionStatus.AWAITING_PAYMENT:
            return "—"
        url = reverse("admin:shares_subscription_pay", args=[obj.pk])
        return format_html('<a class="button" href="{}">{}</a>', url, _("Register a payment"))

    def get_urls(self) -> list[Any]:
        return [
            path(
                "<int:pk>/pay/",
                self.admin_site.admin_view(self.pay_view),
                name="shares_subscription_pay",
            ),
            *super().get_urls(),
        ]

    def pay_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not request.user.has_perm("shares.add_payment"):
            raise PermissionDenied
        subscription = get_object_or_404(Subscription.objects.select_related("member"), pk=pk)
        form = PaymentForm(
            request.POST or None,
            initial={"amount": subscription.amount, "value_date": timezone.localdate()},
        )
        if request.method == "POST" and form.is_valid():
            try:
                services.share_payment_register(
                    subscription=subscription,
                    amount=form.cleaned_data["amount"],
                    value_date=form.cleaned_data["value_date"],
                    acting_user=request_user(request),
                )
            except ValidationError as exc:
                form.add_error(None, _errors(exc))
            else:
                self.message_user(request, _("Payment booked; the register is updated."))
                return HttpResponseRedirect(reverse("admin:shares_subscription_change", args=[pk]))
        return action_page(
            request,
            self,
            "admin/action_form.html",
            _("Register a payment"),
            form=form,
            submit_label=SAVE,
            subject=subscription,
        )


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "value_date",
        "amount",
        "reference",
        "counterparty_name",
        "status",
        "problem",
        "subscription",
    )
    list_filter = ("status", "bank_import")
    search_fields = ("structured_reference", "communication", "counterparty_name", "transaction_id")
    list_select_related = ("subscription",)
    readonly_fields = [f.name for f in Payment._meta.fields] + ["resolve_link"]

    @admin.display(description=_("structured reference"))
    def reference(self, obj: Payment) -> str:
        return ogm_format(obj.structured_reference) if obj.structured_reference else "—"

    @admin.display(description=_("resolve"))
    def resolve_link(self, obj: Payment) -> str:
        if obj.status != PaymentStatus.TO_RESOLVE:
            return "—"
        url = reverse("admin:shares_payment_resolve", args=[obj.pk])
        return format_html('<a class="button" href="{}">{}</a>', url, _("Resolve"))

    def get_urls(self) -> list[Any]:
        return [
            path(
                "upload/",
                self.admin_site.admin_view(self.upload_view),
                name="shares_payment_upload",
            ),
            path(
                "<int:pk>/resolve/",
                self.admin_site.admin_view(self.resolve_view),
                name="shares_payment_resolve",
            ),
            *super().get_urls(),
        ]

    def upload_view(self, request: HttpRequest) -> HttpResponse:
        """Upload a bank statement: exact matches are booked, the rest listed."""
        if not request.user.has_perm("shares.add_bankimport"):
            raise PermissionDenied
        form = BankFileForm(request.POST or None, request.FILES or None)
        bank_import = None
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                bank_import = services.share_bank_import(
                    data=upload.read(), file_name=upload.name, acting_user=request_user(request)
                )
            except ValidationError as exc:
                form.add_error("file", _errors(exc))
        return action_page(
            request,
            self,
            "admin/shares/upload.html",
            _("Book a bank statement"),
            form=form,
            submit_label=SAVE,
            bank_import=bank_import,
        )

    def resolve_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not request.user.has_perm("shares.add_payment"):
            raise PermissionDenied
        payment = get_object_or_404(Payment, pk=pk)
        form = ResolveForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.share_payment_resolve(
                    payment=payment,
                    acting_user=request_user(request),
                    subscription=form.cleaned_data.get("subscription"),
                    note=form.cleaned_data.get("note", ""),
                )
            except ValidationError as exc:
                form.add_error(None, _errors(exc))
            else:
                self.message_user(request, _("Payment resolved."))
                return HttpResponseRedirect(reverse("admin:shares_payment_changelist"))
        return action_page(
            request,
            self,
            "admin/action_form.html",
            _("Resolve a payment"),
            form=form,
            submit_label=SAVE,
            subject=payment,
        )


@admin.register(BankImport)
class BankImportAdmin(admin.ModelAdmin):
    list_display = ("file_name", "uploaded_at", "uploaded_by", "counts")
    readonly_fields = ("file_name", "sha256", "uploaded_by", "uploaded_at", "report_table")
    exclude = ("report",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("result"))
    def counts(self, obj: BankImport) -> str:
        return ", ".join(f"{k}: {v}" for k, v in sorted(obj.report.get("counts", {}).items()))

    @admin.display(description=_("lines"))
    def report_table(self, obj: BankImport) -> str:
        from django.template.loader import render_to_string

        return render_to_string("admin/shares/report_table.html", {"bank_import": obj})


@admin.register(ExitRequest)
class ExitRequestAdmin(admin.ModelAdmin):
    list_display = (
        "member",
        "quantity",
        "requested_on",
        "effective_on",
        "refund_due_by",
        "status",
        "refunded_amount",
    )
    list_filter = ("status",)
    search_fields = ("=member__member_number", "member__legal_name")
    list_select_related = ("member",)
    readonly_fields = [f.name for f in ExitRequest._meta.fields] + ["refund_link"]
    actions = ["approve", "reject"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("refund"))
    def refund_link(self, obj: ExitRequest) -> str:
        if obj.status != ExitStatus.APPROVED:
            return "—"
        url = reverse("admin:shares_exitrequest_refund", args=[obj.pk])
        return format_html('<a class="button" href="{}">{}</a>', url, _("Record the refund"))

    def _decide(self, request: HttpRequest, queryset: QuerySet, approve: bool) -> None:
        for exit_request in queryset:
            try:
                services.share_exit_decide(
                    exit_request=exit_request, approve=approve, acting_user=request_user(request)
                )
            except ValidationError as exc:
                self.message_user(request, f"{exit_request}: {_errors(exc)}", messages.ERROR)
            else:
                self.message_user(request, _("%(exit)s: done.") % {"exit": exit_request})

    @admin.action(
        description=_("Approve the exit (the register records it)"), permissions=["change"]
    )
    def approve(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._decide(request, queryset, True)

    @admin.action(description=_("Reject the exit request"), permissions=["change"])
    def reject(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._decide(request, queryset, False)

    def get_urls(self) -> list[Any]:
        return [
            path(
                "<int:pk>/refund/",
                self.admin_site.admin_view(self.refund_view),
                name="shares_exitrequest_refund",
            ),
            *super().get_urls(),
        ]

    def refund_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not request.user.has_perm("shares.change_exitrequest"):
            raise PermissionDenied
        exit_request = get_object_or_404(ExitRequest.objects.select_related("member"), pk=pk)
        maximum = services.refund_maximum(exit_request)
        initial = {"amount": maximum, "refunded_on": timezone.localdate()}
        form = RefundForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                services.share_refund_record(
                    exit_request=exit_request,
                    amount=form.cleaned_data["amount"],
                    refunded_on=form.cleaned_data["refunded_on"],
                    acting_user=request_user(request),
                )
            except ValidationError as exc:
                form.add_error(None, _errors(exc))
            else:
                self.message_user(request, _("Refund recorded in the register."))
                return HttpResponseRedirect(reverse("admin:shares_exitrequest_changelist"))
        return action_page(
            request,
            self,
            "admin/action_form.html",
            _("Record a refund"),
            form=form,
            submit_label=SAVE,
            subject=exit_request,
        )


PDF_MAX_HOLDERS = 2000
PDF_TOO_LARGE = _("A PDF holds at most %(n)s holders; choose a range of member numbers.")


class _Echo:
    def write(self, value: str) -> str:
        return value


@admin.register(RegisterEntry)
class RegisterEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "number",
        "effective_on",
        "member",
        "entry_type",
        "quantity",
        "amount",
        "category",
        "reverses",
    )
    list_filter = ("entry_type", "category")
    search_fields = ("=number", "=member__member_number", "member__legal_name")
    list_select_related = ("member", "reverses")
    readonly_fields = [f.name for f in RegisterEntry._meta.fields] + ["reverse_link"]
    date_hierarchy = "effective_on"
    change_list_template = "admin/shares/registerentry/change_list.html"

    @admin.display(description=_("correction"))
    def reverse_link(self, obj: RegisterEntry) -> str:
        url = reverse("admin:shares_registerentry_reverse", args=[obj.pk])
        return format_html('<a class="button" href="{}">{}</a>', url, _("Reverse this entry"))

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view
        return [
            path("register/", view(self.register_view), name="shares_register"),
            path("register.csv", view(self.register_csv), name="shares_register_csv"),
            path("register.pdf", view(self.register_pdf), name="shares_register_pdf"),
            path("holder/<int:member_pk>/", view(self.holder_view), name="shares_register_holder"),
            path("<int:pk>/reverse/", view(self.reverse_view), name="shares_registerentry_reverse"),
            path("transfer/", view(self.transfer_view), name="shares_registerentry_transfer"),
            path("exclusion/", view(self.exclusion_view), name="shares_registerentry_exclusion"),
            *super().get_urls(),
        ]

    def _as_of(self, request: HttpRequest) -> tuple[AsOfForm, datetime.date]:
        form = AsOfForm(request.GET or {"as_of": timezone.localdate()})
        as_of = form.cleaned_data["as_of"] if form.is_valid() else timezone.localdate()
        return form, as_of

    def _require_view(self, request: HttpRequest) -> None:
        if not self.has_view_permission(request):
            raise PermissionDenied

    def register_view(self, request: HttpRequest) -> HttpResponse:
        """The whole register as of a date, one line per holder (statutory fields)."""
        self._require_view(request)
        form, as_of = self._as_of(request)
        from django.core.paginator import Paginator

        # The page is sliced in the database; only its 100 holders become rows.
        page = Paginator(selectors.register_queryset(as_of=as_of), 100).get_page(
            request.GET.get("page")
        )
        page.object_list = [selectors.register_row(values) for values in page.object_list]
        numbers = selectors.register_member_numbers(as_of=as_of)
        pdf_ranges = [
            (chunk[0], chunk[-1])
            for chunk in (
                numbers[i : i + PDF_MAX_HOLDERS] for i in range(0, len(numbers), PDF_MAX_HOLDERS)
            )
        ]
        return action_page(
            request,
            self,
            "admin/shares/register.html",
            _("Share register"),
            form=form,
            as_of=as_of,
            page=page,
            pdf_ranges=pdf_ranges,
            totals=selectors.register_totals(as_of=as_of),
        )

    def register_csv(self, request: HttpRequest) -> StreamingHttpResponse:
        self._require_view(request)
        _form, as_of = self._as_of(request)
        writer = csv.writer(_Echo(), delimiter=";")
        header = [
            "member_number",
            "legal_name",
            "address",
            "enterprise_number",
            "category",
            "shares",
            "paid",
            "refunded",
            "entries",
            "first_entry",
        ]

        def rows() -> Any:
            yield "\ufeff" + writer.writerow(header)
            for r in selectors.register_rows(as_of=as_of):
                yield writer.writerow(
                    [
                        r.member_number,
                        _cell(r.legal_name),
                        _cell(r.address),
                        r.enterprise_number,
                        r.category,
                        r.shares,
                        r.paid,
                        r.refunded,
                        r.entries,
                        r.first_entry.isoformat() if r.first_entry else "",
                    ]
                )

        response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="share-register-{as_of}.csv"'
        return response

    def register_pdf(self, request: HttpRequest) -> HttpResponse:
        """The register as a PDF, by ranges of member numbers: the whole
        register of 30,000 holders takes WeasyPrint minutes (bench/README.md)."""
        self._require_view(request)
        _form, as_of = self._as_of(request)
        try:
            numbers = (int(request.GET["from"]), int(request.GET["to"]))
        except (KeyError, ValueError):
            numbers = None
        rows = list(selectors.register_rows(as_of=as_of, numbers=numbers))
        if len(rows) > PDF_MAX_HOLDERS:
            self.message_user(request, PDF_TOO_LARGE % {"n": PDF_MAX_HOLDERS}, messages.ERROR)
            return HttpResponseRedirect(reverse("admin:shares_register") + f"?as_of={as_of}")
        pdf = documents.register_pdf(rows, as_of, selectors.register_totals(as_of=as_of))
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="share-register-{as_of}.pdf"'
        return response

    def holder_view(self, request: HttpRequest, member_pk: int) -> HttpResponse:
        self._require_view(request)
        member = get_object_or_404(Member, pk=member_pk)
        form, as_of = self._as_of(request)
        return action_page(
            request,
            self,
            "admin/shares/holder.html",
            str(member),
            form=form,
            as_of=as_of,
            member=member,
            entries=selectors.register_entries(member=member, as_of=as_of),
            holding=selectors.member_holding(member=member, as_of=as_of),
        )

    def transfer_view(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm("shares.add_registerentry"):
            raise PermissionDenied
        form = TransferForm(request.POST or None, initial={"transferred_on": timezone.localdate()})
        if request.method == "POST" and form.is_valid():
            try:
                services.share_transfer(acting_user=request_user(request), **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, _errors(exc))
            else:
                self.message_user(request, _("Transfer recorded in the register."))
                return HttpResponseRedirect(reverse("admin:shares_registerentry_changelist"))
        return action_page(
            request,
            self,
            "admin/action_form.html",
            _("Record a transfer of shares"),
            form=form,
            submit_label=SAVE,
        )

    def exclusion_view(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm("shares.add_registerentry"):
            raise PermissionDenied
        form = ExclusionForm(request.POST or None, initial={"excluded_on": timezone.localdate()})
        if request.method == "POST" and form.is_valid():
            try:
                services.share_member_exclude(
                    acting_user=request_user(request), **form.cleaned_data
                )
            except ValidationError as exc:
                form.add_error(None, _errors(exc))
            else:
                self.message_user(request, _("Exclusion recorded; refund it from Exit requests."))
                return HttpResponseRedirect(reverse("admin:shares_registerentry_changelist"))
        return action_page(
            request,
            self,
            "admin/action_form.html",
            _("Record an exclusion"),
            form=form,
            submit_label=SAVE,
        )

    def reverse_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not request.user.has_perm("shares.add_registerentry"):
            raise PermissionDenied
        entry = get_object_or_404(RegisterEntry, pk=pk)
        form = ReverseForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.register_entry_reverse(
                    entry=entry, acting_user=request_user(request), note=form.cleaned_data["note"]
                )
            except ValidationError as exc:
                form.add_error(None, _errors(exc))
            else:
                self.message_user(request, _("Reversing entry recorded."))
                return HttpResponseRedirect(reverse("admin:shares_registerentry_changelist"))
        return action_page(
            request,
            self,
            "admin/action_form.html",
            _("Reverse a register entry"),
            form=form,
            submit_label=SAVE,
            subject=entry,
        )

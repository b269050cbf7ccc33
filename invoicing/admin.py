"""The invoicing back office: find invoices and credit notes, see each one
with its lines, VAT, payments, credit notes and history, register a payment
by hand and credit an invoice on the member's behalf.

Nothing here edits an invoice: an issued document is final (model guard,
database trigger, and this admin, where every field is read-only and
nothing can be added or deleted), and drafts are the member's to edit in
their own pages, so the admin shows them read-only too. Payments and credit
notes go through the same services as everywhere else. Activities, clients,
payments, unmatched bank lines and the number counters are shown read-only:
their writes belong to services with their own checks.
"""

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from invoicing import extensions, selectors, services
from invoicing.forms_admin import (
    CreditNoteForm,
    InvoicePaymentForm,
    NoteForm,
    ResolveBankLineForm,
)
from invoicing.models import (
    OPEN_STATUSES,
    OVERDUE,
    OVERDUE_LABEL,
    Activity,
    Client,
    DocumentKind,
    Invoice,
    InvoiceLine,
    InvoicePayment,
    InvoiceStatus,
    NumberCounter,
    UnmatchedBankLine,
)
from smartcoop.admin_site import (
    HistoryAdmin,
    ObjectActionsMixin,
    ReadOnlyAdminMixin,
    action_page,
)
from smartcoop.lib.forms import add_service_errors
from smartcoop.lib.ogm import ogm_format, ogm_parse
from smartcoop.lib.requests import request_user

# Who may do what beyond looking (the admin's own model permissions).
PAY_PERMISSION = "invoicing.add_invoicepayment"
CREDIT_PERMISSION = "invoicing.add_invoice"
RESOLVE_PERMISSION = "invoicing.change_unmatchedbankline"

# Colours go with a word, never alone (style.md).
STATUS_COLOURS = {
    InvoiceStatus.DRAFT: "#555",
    InvoiceStatus.ISSUED: "#205493",
    InvoiceStatus.SENT: "#205493",
    InvoiceStatus.PARTLY_PAID: "#8a5a00",
    InvoiceStatus.PAID: "#0b5d4b",
    InvoiceStatus.CREDITED: "#555",
    OVERDUE: "#a4262c",
}


def _reference(digits: str) -> str:
    try:
        return ogm_format(digits)
    except ValueError:
        return digits or "—"


def _lines(rows: list[tuple[Any, Any]]) -> SafeString | str:
    """Label: value lines, the empty ones left out."""
    shown = [(label, value) for label, value in rows if value not in (None, "")]
    if not shown:
        return "—"
    return format_html_join(
        mark_safe("<br>"), "<strong>{}</strong>: {}", ((str(k), v) for k, v in shown)
    )


class _ReadOnlyHistoryAdmin(ReadOnlyAdminMixin, HistoryAdmin):
    """Read-only, with its history (whose revert form never saves)."""


# --- Invoices and credit notes -------------------------------------------------------------


class StatusFilter(admin.SimpleListFilter):
    """The stored statuses, and "overdue" (open, past its due date, money due)."""

    title = _("status")
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [*InvoiceStatus.choices, (OVERDUE, OVERDUE_LABEL)]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Invoice]) -> QuerySet[Invoice]:
        value = self.value()
        if value == OVERDUE:
            return queryset.filter(selectors.overdue_q(timezone.localdate()))
        if value in InvoiceStatus.values:
            return queryset.filter(status=value)
        return queryset


class _InvoiceInline(ReadOnlyAdminMixin, admin.TabularInline):
    """Shown to whoever may see the invoice, without a permission of its own."""

    extra = 0
    can_delete = False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm("invoicing.view_invoice") or request.user.has_perm(
            "invoicing.change_invoice"
        )


class InvoiceLineInline(_InvoiceInline):
    model = InvoiceLine
    fields = (
        "position",
        "description",
        "quantity",
        "unit",
        "unit_price",
        "vat_category",
        "vat_rate",
        "net_amount",
        "credits",
    )
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[InvoiceLine]:
        return super().get_queryset(request).select_related("credits_line__invoice")

    @admin.display(description=_("credits"))
    def credits(self, obj: InvoiceLine) -> str:
        line = obj.credits_line
        if line is None:
            return "—"
        return str(
            _("line %(position)s of %(number)s")
            % {"position": line.position, "number": line.invoice.number}
        )


class InvoicePaymentInline(_InvoiceInline):
    model = InvoicePayment
    fields = (
        "value_date",
        "amount",
        "source",
        "transaction_id",
        "communication",
        "counterparty_name",
        "note",
        "recorded_by",
        "recorded_at",
    )
    readonly_fields = fields
    verbose_name_plural = _("payments (never changed or deleted)")

    def get_queryset(self, request: HttpRequest) -> QuerySet[InvoicePayment]:
        return super().get_queryset(request).select_related("recorded_by")


INVOICE_FIELDSETS = (
    (
        None,
        {
            "fields": (
                "document",
                "kind",
                "status_word",
                "member",
                "activity",
                "client",
                "credited_invoice",
                "credit_reason",
            )
        },
    ),
    (
        _("Dates and references"),
        {
            "fields": (
                "supply_date",
                "issue_date",
                "payment_term_days",
                "due_date",
                "reference",
                "buyer_reference",
            )
        },
    ),
    (
        _("Amounts"),
        {
            "fields": (
                "total_net",
                "vat_table",
                "total_vat",
                "total_gross",
                "contribution_shown",
                "member_share_shown",
                "amount_paid",
                "amount_credited",
                "amount_due_shown",
                "paid_on",
            )
        },
    ),
    (_("Credit notes"), {"fields": ("credit_notes_list",)}),
    (
        _("As printed"),
        {"fields": ("seller_block", "buyer_block", "mentions_list", "notes", "language")},
    ),
    (_("Checks and rules"), {"fields": ("warnings_list", "rules_used_links")}),
    (
        _("Created and issued"),
        {"fields": ("created_by", "created_at", "issued_by", "issued_at", "sent_at")},
    ),
)


@admin.register(Invoice)
class InvoiceAdmin(ObjectActionsMixin, _ReadOnlyHistoryAdmin):
    list_display = (
        "document",
        "kind",
        "member",
        "buyer_name",
        "issue_date",
        "due_date",
        "total_gross",
        "status_word",
    )
    list_filter = (StatusFilter, "kind", "issue_date")
    search_fields = (
        "number",
        "=member__member_number",
        "member__legal_name",
        "client__name",
        "buyer_reference",
        "=structured_reference",
    )
    search_help_text = _(
        "Number, member (number or name), client, the client's reference or the structured "
        "reference (+++…+++)."
    )
    list_select_related = ("member", "client")
    date_hierarchy = "issue_date"
    ordering = ("-issue_date", "-sequence", "-pk")
    fieldsets = INVOICE_FIELDSETS
    readonly_fields = [name for _title, options in INVOICE_FIELDSETS for name in options["fields"]]
    inlines = [InvoiceLineInline, InvoicePaymentInline]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        """The invoice's own fieldsets, then those of the apps above invoicing
        (documents, e-invoicing: invoicing.extensions)."""
        added = [
            (section.title, {"fields": tuple(section.fields)})
            for section in extensions.admin_sections()
        ]
        return [*super().get_fieldsets(request, obj), *added]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        added = [field for section in extensions.admin_sections() for field in section.fields]
        return [*super().get_readonly_fields(request, obj), *added]

    def _section_prefetch(self) -> list[str]:
        return [
            name for section in extensions.admin_sections() for name in section.prefetch_related
        ]

    def get_object(
        self, request: HttpRequest, object_id: str, from_field: str | None = None
    ) -> Invoice | None:
        """The one invoice of the change page, with what it shows."""
        queryset = (
            self.get_queryset(request)
            .select_related(
                "member", "activity", "client", "credited_invoice", "created_by", "issued_by"
            )
            .prefetch_related("credit_notes", *self._section_prefetch())
        )
        field = Invoice._meta.pk if from_field is None else Invoice._meta.get_field(from_field)
        assert isinstance(field, models.Field)
        try:
            return queryset.get(**{field.name: field.to_python(object_id)})
        except (Invoice.DoesNotExist, ValidationError, ValueError):
            return None

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Invoice], search_term: str
    ) -> tuple[QuerySet[Invoice], bool]:
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        digits = ogm_parse(search_term)  # "+++200/0000/01234+++" as printed or paid
        if digits:
            results = results | queryset.filter(structured_reference=digits)
        return results, may_have_duplicates

    # --- Columns and fields --------------------------------------------------------

    @admin.display(description=_("number"), ordering="sequence")
    def document(self, obj: Invoice) -> str:
        return obj.number or str(_("Draft"))

    @admin.display(description=_("client"), ordering="client__name")
    def buyer_name(self, obj: Invoice) -> str:
        """The name the document printed; a draft's from its client."""
        return str(obj.buyer.get("name") or obj.client.name)

    @admin.display(description=_("status"), ordering="status")
    def status_word(self, obj: Invoice) -> str:
        code, label = obj.display_status(timezone.localdate())
        colour = STATUS_COLOURS.get(code, "#555")
        return format_html('<span style="color:{};font-weight:600">{}</span>', colour, label)

    @admin.display(description=_("structured reference"))
    def reference(self, obj: Invoice) -> str:
        return _reference(obj.structured_reference)

    @admin.display(description=_("VAT per category"))
    def vat_table(self, obj: Invoice) -> SafeString | str:
        if not obj.vat_breakdown:
            return "—"
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{} %</td><td>{}</td><td>{}</td></tr>",
            (
                (g.get("category"), g.get("rate"), g.get("base"), g.get("vat"))
                for g in obj.vat_breakdown
            ),
        )
        return format_html(
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>"
            "<tbody>{}</tbody></table>",
            _("category"),
            _("rate"),
            _("base"),
            _("VAT"),
            rows,
        )

    @admin.display(description=_("cooperative contribution"))
    def contribution_shown(self, obj: Invoice) -> str:
        text = _("%(amount)s (%(rate)s %% of the total excl. VAT)") % {
            "amount": obj.contribution,
            "rate": obj.contribution_rate,
        }
        if obj.contribution_credited:
            text += " " + _("of which %(amount)s given back by credit notes") % {
                "amount": obj.contribution_credited
            }
        return text

    @admin.display(description=_("for the member's activity"))
    def member_share_shown(self, obj: Invoice) -> str:
        return str(obj.member_share)

    @admin.display(description=_("still due"))
    def amount_due_shown(self, obj: Invoice) -> str:
        return str(obj.amount_due) if obj.kind == DocumentKind.INVOICE else "—"

    @admin.display(description=_("credit notes"))
    def credit_notes_list(self, obj: Invoice) -> SafeString | str:
        notes = [note for note in obj.credit_notes.all() if not note.is_draft]
        if not notes:
            return "—"
        return format_html_join(
            mark_safe("<br>"),
            '<a href="{}">{}</a> {} — {} ({})',
            (
                (
                    reverse("admin:invoicing_invoice_change", args=[note.pk]),
                    note.number,
                    f"{note.issue_date:%d/%m/%Y}" if note.issue_date else "",
                    note.total_gross,
                    note.credit_reason,
                )
                for note in notes
            ),
        )

    @admin.display(description=_("seller"))
    def seller_block(self, obj: Invoice) -> SafeString | str:
        seller = obj.seller or {}
        return _lines(
            [
                (_("name"), seller.get("name")),
                (_("address"), seller.get("address")),
                (_("VAT number"), seller.get("vat_number")),
                (_("IBAN"), seller.get("iban")),
            ]
        )

    @admin.display(description=_("buyer"))
    def buyer_block(self, obj: Invoice) -> SafeString | str:
        buyer = obj.buyer or {}
        place = f"{buyer.get('postal_code', '')} {buyer.get('city', '')}".strip()
        return _lines(
            [
                (_("name"), buyer.get("name")),
                (_("street and number"), buyer.get("street")),
                (_("city"), place),
                (_("country"), buyer.get("country")),
                (_("VAT number"), buyer.get("vat_number")),
                (_("enterprise number"), buyer.get("enterprise_number")),
                (_("Peppol participant id"), buyer.get("peppol_id")),
                (_("email"), buyer.get("email")),
            ]
        )

    @admin.display(description=_("mentions"))
    def mentions_list(self, obj: Invoice) -> SafeString | str:
        if not obj.mentions:
            return "—"
        return format_html_join(mark_safe("<br>"), "{}", ((m,) for m in obj.mentions))

    @admin.display(description=_("warnings"))
    def warnings_list(self, obj: Invoice) -> SafeString | str:
        if not obj.warnings:
            return "—"
        return format_html_join(mark_safe("<br>"), "⚠ {}", ((w,) for w in obj.warnings))

    @admin.display(description=_("rule versions used"))
    def rules_used_links(self, obj: Invoice) -> SafeString | str:
        if not obj.rules_used:
            return "—"
        return format_html_join(
            mark_safe("<br>"),
            '<a href="{}">{}</a> (#{})',
            (
                (reverse("admin:rules_ruleversion_change", args=[version]), key, version)
                for key, version in sorted(obj.rules_used.items())
            ),
        )

    # --- The change page's buttons -------------------------------------------------

    def _can_pay(self, request: HttpRequest, obj: Invoice) -> bool:
        return (
            request.user.has_perm(PAY_PERMISSION)
            and obj.kind == DocumentKind.INVOICE
            and obj.status in OPEN_STATUSES
        )

    def _can_credit(self, request: HttpRequest, obj: Invoice) -> bool:
        return (
            request.user.has_perm(CREDIT_PERMISSION)
            and obj.kind == DocumentKind.INVOICE
            and not obj.is_draft
            and obj.status != InvoiceStatus.CREDITED
        )

    def object_actions(self, request: HttpRequest, obj: Invoice) -> list[tuple[str, Any]]:
        actions: list[tuple[str, Any]] = []
        if self._can_pay(request, obj):
            url = reverse("admin:invoicing_invoice_pay", args=[obj.pk])
            actions.append((url, _("Register a payment")))
        if self._can_credit(request, obj):
            url = reverse("admin:invoicing_invoice_credit", args=[obj.pk])
            actions.append((url, _("Credit note")))
        for section in extensions.admin_sections():
            if section.links is not None:
                actions.extend(section.links(request, obj))
        return actions

    # --- Custom views --------------------------------------------------------------

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/pay/", view(self.pay_view), name="invoicing_invoice_pay"),
            path("<int:pk>/credit/", view(self.credit_view), name="invoicing_invoice_credit"),
            *super().get_urls(),
        ]

    def _change_url(self, invoice: Invoice) -> str:
        return reverse("admin:invoicing_invoice_change", args=[invoice.pk])

    def _action_facts(self, invoice: Invoice) -> list[tuple[Any, Any]]:
        """What staff check before registering a payment or issuing a credit note."""
        return [
            (
                _("Invoice"),
                format_html(
                    '<a href="{}">{}</a> ({}, {})',
                    self._change_url(invoice),
                    invoice,
                    invoice.get_kind_display(),
                    invoice.get_status_display(),
                ),
            ),
            (_("Member"), invoice.member),
            (_("Total incl. VAT"), invoice.total_gross),
            (_("Paid"), invoice.amount_paid),
            (_("Credited"), invoice.amount_credited),
            (_("Still due"), invoice.amount_due),
        ]

    def pay_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Register one payment received for an invoice (the bank statement
        upload of the shares back office books the others)."""
        if not request.user.has_perm(PAY_PERMISSION):
            raise PermissionDenied
        invoice = get_object_or_404(Invoice.objects.select_related("member"), pk=pk)
        initial: dict[str, Any] = {"value_date": timezone.localdate()}
        if invoice.amount_due > 0:
            initial["amount"] = invoice.amount_due
        form = InvoicePaymentForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                payment = services.invoice_payment_register(
                    invoice=invoice,
                    amount=data["amount"],
                    value_date=data["value_date"],
                    acting_user=request_user(request),
                    transaction_id=data["transaction_id"],
                    note=data["note"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                self.message_user(
                    request,
                    _("Payment of %(amount)s registered on %(number)s.")
                    % {"amount": payment.amount, "number": invoice.number},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(self._change_url(invoice))
        return action_page(
            request,
            self,
            "admin/action_form.html",
            _("Register a payment"),
            form=form,
            subject=invoice,
            back_url=self._change_url(invoice),
            facts=self._action_facts(invoice),
        )

    def credit_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Credit an issued invoice fully or per line, on the member's behalf."""
        if not request.user.has_perm(CREDIT_PERMISSION):
            raise PermissionDenied
        invoice = get_object_or_404(
            Invoice.objects.select_related("member").prefetch_related("lines"), pk=pk
        )
        lines = list(invoice.lines.all())
        form = CreditNoteForm(
            request.POST or None, lines=lines, remaining=services.creditable_quantities(invoice)
        )
        if request.method == "POST" and form.is_valid():
            try:
                note = services.credit_note_issue(
                    invoice=invoice,
                    acting_user=request_user(request),
                    reason=form.cleaned_data["reason"],
                    quantities=form.quantities(),
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                self.message_user(
                    request,
                    _("Credit note %(note)s issued for %(number)s (%(amount)s incl. VAT).")
                    % {"note": note.number, "number": invoice.number, "amount": note.total_gross},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(self._change_url(invoice))
        return action_page(
            request,
            self,
            "admin/action_form.html",
            _("Issue a credit note"),
            form=form,
            subject=invoice,
            back_url=self._change_url(invoice),
            facts=self._action_facts(invoice),
        )


# --- Activities and clients --------------------------------------------------------------


@admin.register(Activity)
class ActivityAdmin(_ReadOnlyHistoryAdmin):
    list_display = ("name", "member", "kind", "budget", "archived", "created_at")
    list_filter = ("kind", "archived")
    search_fields = ("name", "=member__member_number", "member__legal_name")
    list_select_related = ("member",)


@admin.register(Client)
class ClientAdmin(_ReadOnlyHistoryAdmin):
    list_display = (
        "name",
        "member",
        "kind",
        "country",
        "vat_number",
        "enterprise_number",
        "city",
        "archived",
    )
    list_filter = ("country", "kind", "archived")
    search_fields = (
        "name",
        "vat_number",
        "enterprise_number",
        "=member__member_number",
        "member__legal_name",
    )
    search_help_text = _("Name, VAT number, enterprise number, or the member (number or name).")
    list_select_related = ("member",)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Client], search_term: str
    ) -> tuple[QuerySet[Client], bool]:
        # "BE 0403.019.261" finds the client stored as BE0403019261.
        compact = "".join(ch for ch in search_term if ch.isalnum())
        results, duplicates = super().get_search_results(request, queryset, search_term)
        if any(ch.isdigit() for ch in compact) and compact != search_term.strip():
            more, _more_duplicates = super().get_search_results(request, queryset, compact)
            results = results | more
        return results, duplicates


# --- Payments, bank lines waiting for a person, counters ------------------------------------


@admin.register(InvoicePayment)
class InvoicePaymentAdmin(ObjectActionsMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "value_date",
        "amount",
        "invoice",
        "source",
        "transaction_id",
        "counterparty_name",
        "communication",
        "recorded_by",
        "recorded_at",
    )
    list_filter = ("source", "value_date")
    search_fields = (
        "transaction_id",
        "communication",
        "counterparty_name",
        "invoice__number",
        "=invoice__structured_reference",
    )
    search_help_text = _(
        "Bank transaction id, communication, payer, or the invoice's number "
        "or structured reference."
    )
    list_select_related = ("invoice", "recorded_by")
    date_hierarchy = "value_date"

    def object_actions(self, request: HttpRequest, obj: InvoicePayment) -> list[tuple[str, Any]]:
        if (
            request.user.has_perm(PAY_PERMISSION)
            and obj.reverses_id is None
            and not hasattr(obj, "reversed_by")
        ):
            url = reverse("admin:invoicing_invoicepayment_reverse", args=[obj.pk])
            return [(url, _("Reverse this payment"))]
        return []

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/reverse/",
                view(self.reverse_view),
                name="invoicing_invoicepayment_reverse",
            ),
            *super().get_urls(),
        ]

    def reverse_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Undo a payment booked by mistake with a reversing payment."""
        if not request.user.has_perm(PAY_PERMISSION):
            raise PermissionDenied
        payment = get_object_or_404(InvoicePayment.objects.select_related("invoice"), pk=pk)
        back = reverse("admin:invoicing_invoicepayment_change", args=[payment.pk])
        form = NoteForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.invoice_payment_reverse(
                    payment=payment,
                    acting_user=request_user(request),
                    note=form.cleaned_data["note"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                self.message_user(request, _("The payment was reversed."), messages.SUCCESS)
                return HttpResponseRedirect(
                    reverse("admin:invoicing_invoice_change", args=[payment.invoice_id])
                )
        return action_page(
            request,
            self,
            "admin/action_form.html",
            _("Reverse this payment"),
            form=form,
            subject=payment,
            back_url=back,
            facts=[
                (_("Invoice"), payment.invoice),
                (_("Amount"), payment.amount),
                (_("Date"), payment.value_date),
                (_("From"), payment.counterparty_name),
            ],
        )

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[InvoicePayment], search_term: str
    ) -> tuple[QuerySet[InvoicePayment], bool]:
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        digits = ogm_parse(search_term)
        if digits:
            results = results | queryset.filter(invoice__structured_reference=digits)
        return results, may_have_duplicates


@admin.register(UnmatchedBankLine)
class UnmatchedBankLineAdmin(ObjectActionsMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Bank lines with an invoice's reference that the upload could not book,
    until staff book them on the right invoice or record how they were settled."""

    list_display = (
        "value_date",
        "amount",
        "currency",
        "reference",
        "counterparty_name",
        "problem",
        "file_name",
        "resolved",
        "recorded_at",
    )
    list_filter = ("resolved", "currency")
    search_fields = (
        "transaction_id",
        "=structured_reference",
        "communication",
        "counterparty_name",
        "counterparty_iban",
        "file_name",
    )
    list_select_related = ("recorded_by",)
    date_hierarchy = "value_date"
    readonly_fields = ("invoice_link",)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[UnmatchedBankLine], search_term: str
    ) -> tuple[QuerySet[UnmatchedBankLine], bool]:
        return super().get_search_results(request, queryset, ogm_parse(search_term) or search_term)

    def object_actions(self, request: HttpRequest, obj: UnmatchedBankLine) -> list[tuple[str, Any]]:
        if not obj.resolved and request.user.has_perm(RESOLVE_PERMISSION):
            url = reverse("admin:invoicing_unmatchedbankline_resolve", args=[obj.pk])
            return [(url, _("Resolve"))]
        return []

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/resolve/",
                view(self.resolve_view),
                name="invoicing_unmatchedbankline_resolve",
            ),
            *super().get_urls(),
        ]

    def resolve_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Book the line on the invoice it was meant for, or record how it was
        settled (refunded, booked elsewhere)."""
        if not request.user.has_perm(RESOLVE_PERMISSION):
            raise PermissionDenied
        line = get_object_or_404(UnmatchedBankLine, pk=pk)
        back = reverse("admin:invoicing_unmatchedbankline_change", args=[line.pk])
        form = ResolveBankLineForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.unmatched_bank_line_resolve(
                    line=line,
                    acting_user=request_user(request),
                    note=form.cleaned_data["note"],
                    invoice=form.cleaned_data["invoice"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                self.message_user(request, _("The bank line is resolved."), messages.SUCCESS)
                return HttpResponseRedirect(back)
        return action_page(
            request,
            self,
            "admin/action_form.html",
            _("Resolve a bank line"),
            form=form,
            subject=line,
            back_url=back,
            facts=[
                (_("Amount"), f"{line.amount} {line.currency}"),
                (_("Date"), line.value_date),
                (_("Structured reference"), _reference(line.structured_reference)),
                (_("From"), line.counterparty_name),
                (_("Problem"), line.problem),
            ],
        )

    @admin.display(description=_("structured reference"), ordering="structured_reference")
    def reference(self, obj: UnmatchedBankLine) -> str:
        return _reference(obj.structured_reference)

    @admin.display(description=_("invoice with this reference"))
    def invoice_link(self, obj: UnmatchedBankLine) -> SafeString | str:
        invoice = (
            Invoice.objects.filter(structured_reference=obj.structured_reference)
            .exclude(status=InvoiceStatus.DRAFT)
            .first()
        )
        if invoice is None:
            return "—"
        return format_html(
            '<a href="{}">{}</a> ({}, {} {})',
            reverse("admin:invoicing_invoice_change", args=[invoice.pk]),
            invoice.number,
            invoice.display_status(timezone.localdate())[1],
            _("still due"),
            invoice.amount_due,
        )


@admin.register(NumberCounter)
class NumberCounterAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The last number of each series and year (changed only by issuing)."""

    list_display = ("series", "year", "last_number", "last_issued_on")
    list_filter = ("series", "year")
    ordering = ("series", "-year")

"""Member pages of invoicing: short views that parse input, call a service or
selector, and render (style.md, item 11)."""

import csv
import datetime
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from invoicing import extensions, selectors, services, vat_bases
from invoicing.calculation import vat_options
from invoicing.forms import (
    UNIT_CHOICES,
    ActivityForm,
    ClientForm,
    CreditForm,
    ExportForm,
    FilterForm,
    InvoiceForm,
    lines_from_post,
    read_line_rows,
    read_quantities,
    vat_choices,
)
from invoicing.models import Invoice, Unit
from invoicing.validation import DESCRIPTION_MAX
from members.models import Member
from members.selectors import member_of_user
from smartcoop.lib.forms import add_service_errors
from smartcoop.lib.numbers import format_decimal
from smartcoop.lib.ogm import ogm_format
from smartcoop.lib.pages import page_of
from smartcoop.lib.requests import request_user


def _member(request: HttpRequest) -> Member:
    return member_of_user(user=request_user(request))


# --- Invoices ------------------------------------------------------------------------


@login_required
def invoice_list(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    today = timezone.localdate()
    clients = selectors.client_choices(member=member)
    activities = selectors.activity_choices(member=member)
    form = FilterForm(request.GET or None, clients=clients, activities=activities)
    invoices = selectors.invoice_list(member=member, filters=form.filters(), today=today)
    page = page_of(request, invoices)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "member": member,
        "form": form,
        "page": page,
        "today": today,
        "query": query.urlencode(),
        "filtered": bool(request.GET.keys() - {"page"}),
        "has_clients": bool(clients),
        "has_activities": bool(activities),
    }
    return render(request, "invoicing/invoice_list.html", context)


def _line_rows(
    lines: list[dict[str, str]], errors: dict[str, list[str]], blank: int = 1
) -> list[dict[str, Any]]:
    rows = [
        {
            "index": i,
            "number": i + 1,
            "values": line,
            "errors": {field: errors.get(f"lines-{i}-{field}", []) for field in line},
        }
        for i, line in enumerate(lines)
    ]
    for i in range(len(lines), len(lines) + blank):
        rows.append({"index": i, "number": i + 1, "values": BLANK_LINE, "errors": {}})
    return rows


BLANK_LINE = {"unit": Unit.UNIT, "vat": "S:21"}
# The row the page's script copies when a line is added; it renames __i__/__n__.
TEMPLATE_ROW = {"index": "__i__", "number": "__n__", "values": BLANK_LINE, "errors": {}}


def _invoice_form_page(
    request: HttpRequest, member: Member, invoice: Invoice | None
) -> HttpResponse:
    today = timezone.localdate()
    language = get_language() or "en"
    line_errors: dict[str, list[str]] = {}
    if request.method == "POST":
        form = InvoiceForm(request.POST, member=member)
        read = read_line_rows(lines_from_post(request.POST), language=language)
        rows = read.rows
        adding = "add_line" in request.POST  # the no-script way to get another row
        form_valid = form.is_valid()
        if not adding and form_valid and not read.errors:
            data = form.cleaned_data
            try:
                invoice = services.invoice_draft_save(
                    member=member,
                    acting_user=request_user(request),
                    client=data["client"],
                    activity=data["activity"],
                    supply_date=data["supply_date"],
                    payment_term_days=data["payment_term_days"],
                    lines=read.lines,
                    buyer_reference=data["buyer_reference"],
                    notes=data["notes"],
                    invoice=invoice,
                )
            except ValidationError as exc:
                line_errors = _shown(form, read.row_errors(exc))
            else:
                messages.success(request, _("Draft saved. Check it, then issue it."))
                return redirect("invoicing:invoice_detail", pk=invoice.pk)
        elif not adding:
            # Every problem at once: what could be read is checked too.
            line_errors = dict(read.errors)
            data = form.cleaned_data
            if {"client", "activity", "supply_date"} <= data.keys():
                try:
                    services.invoice_draft_check(
                        member=member,
                        client=data["client"],
                        activity=data["activity"],
                        supply_date=data["supply_date"],
                        payment_term_days=data.get("payment_term_days", 0),
                        lines=read.every_row(),
                    )
                except ValidationError as exc:
                    line_errors = _shown(form, read.row_errors(exc, every_row=True))
    else:
        if invoice is not None:
            initial: dict[str, Any] = {
                "client": invoice.client_id,
                "activity": invoice.activity_id,
                "supply_date": invoice.supply_date,
                "payment_term_days": invoice.payment_term_days,
                "buyer_reference": invoice.buyer_reference,
                "notes": invoice.notes,
            }
            rows = [
                {
                    "description": line.description,
                    "quantity": format_decimal(line.quantity, language=language),
                    "unit": line.unit,
                    "unit_price": format_decimal(line.unit_price, language=language),
                    "vat": line.vat_code,
                }
                for line in invoice.lines.all()
            ]
        else:
            initial = {
                "supply_date": today,
                "payment_term_days": services.default_payment_term(),
                "client": request.GET.get("client"),
                "activity": request.GET.get("activity"),
            }
            rows = []
        form = InvoiceForm(initial=initial, member=member)
    options, _provenance = vat_options(today)
    client, activity = _chosen(form, member)
    options = vat_bases.offered(
        options, client=client, activity=activity, keep=(row.get("vat", "") for row in rows)
    )
    context = {
        "member": member,
        "form": form,
        "invoice": invoice,
        "rows": _line_rows(
            rows,
            line_errors,
            blank=0 if rows and request.method == "GET" and invoice is not None else 1,
        ),
        "vat_choices": vat_choices(options, language),
        "unit_choices": UNIT_CHOICES,
        "totals": _totals_for(rows, today, language),
        "today": today,
        "blank_row": TEMPLATE_ROW,
        "description_max": DESCRIPTION_MAX,
    }
    return render(request, "invoicing/invoice_form.html", context)


def _chosen(form: InvoiceForm, member: Member) -> tuple[Any, Any]:
    """The member's client and activity the draft form holds (posted or
    initial), to offer only the VAT options whose conditions they meet."""
    return selectors.draft_parties(
        member=member,
        client_id=str(form["client"].value() or ""),
        activity_id=str(form["activity"].value() or ""),
    )


def _shown(form: InvoiceForm, errors: dict[str, list[str]]) -> dict[str, list[str]]:
    """Put the errors about the form's own fields (or none) on the form;
    return those about line rows, for the page to show beside each row."""
    rows = {key: found for key, found in errors.items() if key.startswith("lines-")}
    for key, found in errors.items():
        if key not in rows and key not in form.errors:  # a form's own error stands
            form.add_error(key if key in form.fields else None, found)
    return rows


@login_required
def invoice_create(request: HttpRequest) -> HttpResponse:
    return _invoice_form_page(request, _member(request), None)


@login_required
def invoice_edit(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member(request)
    invoice = selectors.invoice_get_owned(user=request_user(request), pk=pk)
    if not invoice.is_draft:
        messages.error(request, _("An issued invoice never changes; credit it instead."))
        return redirect("invoicing:invoice_detail", pk=invoice.pk)
    return _invoice_form_page(request, member, invoice)


def _totals_for(rows: list[dict[str, str]], today: datetime.date, language: str) -> dict[str, Any]:
    """Live totals of the lines that are complete and valid; the others are
    counted as "not included yet". The figures come from the same functions
    that issuing uses (services.draft_totals → calculation.compute_totals)."""
    read = read_line_rows(rows, language=language)
    valid = []
    for line in read.lines:
        try:
            parsed, _provenance = services.parse_lines([line], supply_date=today)
        except ValidationError:
            continue
        valid.extend(parsed)
    totals = services.draft_totals(valid, on=today)
    return {"totals": totals, "skipped": len(rows) - len(valid), "count": len(valid)}


@login_required
@require_POST
def invoice_totals(request: HttpRequest) -> HttpResponse:
    """The totals panel of the draft form, re-rendered as lines change (htmx)."""
    _member(request)
    today = timezone.localdate()
    context = _totals_for(lines_from_post(request.POST), today, get_language() or "en")
    return render(request, "invoicing/_totals.html", {"totals": context, "today": today})


@login_required
def invoice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = selectors.invoice_get_owned(user=request_user(request), pk=pk)
    today = timezone.localdate()
    status, status_label = invoice.display_status(today)
    context = {
        "invoice": invoice,
        "today": today,
        "status": status,
        "status_label": status_label,
        "lines": invoice.lines.all(),
        "payments": invoice.payments.all(),
        "credit_notes": [n for n in invoice.credit_notes.all() if not n.is_draft],
        "late": services.late_payment(invoice=invoice, today=today),
        "reference": ogm_format(invoice.structured_reference)
        if invoice.structured_reference
        else "",
        "sections": extensions.sections_rendered(extensions.INVOICE_PAGE, invoice),
        "check": services.invoice_issue_check(invoice=invoice, today=today)
        if invoice.is_draft
        else None,
    }
    return render(request, "invoicing/invoice_detail.html", context)


@login_required
def invoice_issue(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: what issuing will do (problems, warnings, that it is final).
    POST: issue. A second POST (double click, another tab) is told the
    invoice is already issued and changes nothing."""
    invoice = selectors.invoice_get_owned(user=request_user(request), pk=pk)
    if request.method == "POST":
        try:
            issued = services.invoice_issue(invoice=invoice, acting_user=request_user(request))
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return redirect("invoicing:invoice_detail", pk=invoice.pk)
        messages.success(request, _("Invoice %(number)s issued.") % {"number": issued.number})
        assert issued.issue_date is not None
        for warning in services.invoice_issue_check(
            invoice=issued, today=issued.issue_date
        ).warnings:
            messages.warning(request, warning)
        return redirect("invoicing:invoice_detail", pk=issued.pk)
    if not invoice.is_draft:
        return redirect("invoicing:invoice_detail", pk=invoice.pk)
    check = services.invoice_issue_check(invoice=invoice, today=timezone.localdate())
    return render(request, "invoicing/invoice_issue.html", {"invoice": invoice, "check": check})


@login_required
def invoice_delete(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = selectors.invoice_get_owned(user=request_user(request), pk=pk)
    if not invoice.is_draft:
        messages.error(request, _("An issued invoice is never deleted; credit it instead."))
        return redirect("invoicing:invoice_detail", pk=invoice.pk)
    if request.method == "POST":
        try:
            services.invoice_draft_delete(invoice=invoice, acting_user=request_user(request))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("invoicing:invoice_detail", pk=invoice.pk)
        messages.success(request, _("The draft was deleted."))
        return redirect("invoicing:invoice_list")
    return render(request, "invoicing/invoice_delete.html", {"invoice": invoice})


@login_required
def invoice_credit(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = selectors.invoice_get_owned(user=request_user(request), pk=pk)
    if invoice.is_draft or invoice.is_credit_note:
        messages.error(request, _("Only an issued invoice can be credited."))
        return redirect("invoicing:invoice_detail", pk=invoice.pk)
    remaining = services.creditable_quantities(invoice)
    form = CreditForm(request.POST or None)
    line_errors: dict[str, list[str]] = {}
    if request.method == "POST" and form.is_valid():
        quantities, line_errors = read_quantities(
            request.POST, invoice.lines.all(), language=get_language() or "en"
        )
        if not line_errors:
            try:
                note = services.credit_note_issue(
                    invoice=invoice,
                    acting_user=request_user(request),
                    reason=form.cleaned_data["reason"],
                    quantities=None if form.cleaned_data["full"] else quantities,
                )
            except ValidationError as exc:
                line_errors = add_service_errors(form, exc, rows=("quantity-",))
            else:
                messages.success(
                    request, _("Credit note %(number)s issued.") % {"number": note.number}
                )
                return redirect("invoicing:invoice_detail", pk=note.pk)
    rows = [
        {
            "line": line,
            "remaining": remaining.get(line.pk, Decimal(0)),
            "value": request.POST.get(f"quantity-{line.pk}", ""),
            "errors": line_errors.get(f"quantity-{line.pk}", []),
        }
        for line in invoice.lines.all()
    ]
    return render(
        request, "invoicing/invoice_credit.html", {"invoice": invoice, "form": form, "rows": rows}
    )


@login_required
@require_POST
def invoice_mark_sent(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = selectors.invoice_get_owned(user=request_user(request), pk=pk)
    try:
        services.invoice_mark_sent(invoice=invoice, acting_user=request_user(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Marked as sent."))
    return redirect("invoicing:invoice_detail", pk=invoice.pk)


class _Echo:
    def write(self, value: str) -> str:
        return value


EXPORT_COLUMNS = [
    "number",
    "kind",
    "status",
    "issue_date",
    "supply_date",
    "due_date",
    "client",
    "client_vat",
    "activity",
    "total_excl_vat",
    "vat",
    "total_incl_vat",
    "contribution",
    "member_share",
    "paid",
    "credited",
    "structured_reference",
    "credited_invoice",
]


@login_required
def invoice_export(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """CSV of the member's issued invoices and credit notes of a period.
    Credit notes carry negative amounts so the columns add up."""
    member = _member(request)
    form = ExportForm(request.GET or None)
    if not request.GET or not form.is_valid():
        today = timezone.localdate()
        if not request.GET:
            form = ExportForm(
                initial={"date_from": today.replace(month=1, day=1), "date_to": today}
            )
        return render(request, "invoicing/invoice_export.html", {"form": form})
    start, end = form.cleaned_data["date_from"], form.cleaned_data["date_to"]
    writer = csv.writer(_Echo(), delimiter=";")

    def rows() -> Any:
        yield "\ufeff"  # Excel opens UTF-8 with the BOM
        yield writer.writerow(EXPORT_COLUMNS)
        for doc in selectors.invoice_export_rows(member=member, date_from=start, date_to=end):
            sign = -1 if doc.is_credit_note else 1
            yield writer.writerow(
                [
                    doc.number,
                    doc.kind,
                    doc.status,
                    doc.issue_date,
                    doc.supply_date,
                    doc.due_date,
                    doc.buyer.get("name", ""),
                    doc.buyer.get("vat_number", ""),
                    doc.activity.name,
                    sign * doc.total_net,
                    sign * doc.total_vat,
                    sign * doc.total_gross,
                    sign * doc.contribution,
                    sign * doc.member_share,
                    doc.amount_paid,
                    doc.amount_credited,
                    doc.structured_reference,
                    doc.credited_invoice.number if doc.credited_invoice else "",
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="invoices-{start}-{end}.csv"'
    return response


# --- Clients -------------------------------------------------------------------------


@login_required
def client_list(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    search = request.GET.get("q", "")
    archived = request.GET.get("archived") == "1"
    clients = selectors.client_list(member=member, search=search, include_archived=archived)
    return render(
        request,
        "invoicing/client_list.html",
        {
            "page": page_of(request, clients),
            "search": search,
            "archived": archived,
        },
    )


def _client_form_page(request: HttpRequest, member: Member, client: Any) -> HttpResponse:
    initial = ClientForm.initial_from(client) if client else {"language": member.language}
    form = ClientForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.client_save(
                member=member,
                data=form.data_for_service(),
                acting_user=request_user(request),
                client=client,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Client saved."))
            next_url = request.POST.get("next", "")
            if next_url == "invoice":
                return redirect(f"{reverse('invoicing:invoice_create')}?client={saved.pk}")
            return redirect("invoicing:client_detail", pk=saved.pk)
    return render(
        request,
        "invoicing/client_form.html",
        {"form": form, "client": client, "next": request.GET.get("next", "")},
    )


@login_required
def client_create(request: HttpRequest) -> HttpResponse:
    return _client_form_page(request, _member(request), None)


@login_required
def client_edit(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member(request)
    return _client_form_page(
        request, member, selectors.client_get_owned(user=request_user(request), pk=pk)
    )


@login_required
def client_detail(request: HttpRequest, pk: int) -> HttpResponse:
    client = selectors.client_get_owned(user=request_user(request), pk=pk)
    today = timezone.localdate()
    invoices = client.invoices.select_related("activity").order_by("-issue_date", "-pk")[:50]
    return render(
        request,
        "invoicing/client_detail.html",
        {
            "client": client,
            "invoices": invoices,
            "today": today,
            "sections": extensions.sections_rendered(extensions.CLIENT_PAGE, client),
        },
    )


@login_required
@require_POST
def client_archive(request: HttpRequest, pk: int) -> HttpResponse:
    client = selectors.client_get_owned(user=request_user(request), pk=pk)
    services.client_archive(
        client=client, archived=not client.archived, acting_user=request_user(request)
    )
    messages.success(request, _("Client archived.") if client.archived else _("Client restored."))
    return redirect("invoicing:client_detail", pk=client.pk)


# --- Activities ----------------------------------------------------------------------


@login_required
def activity_list(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    archived = request.GET.get("archived") == "1"
    activities = selectors.activity_list(member=member, include_archived=archived)
    return render(
        request,
        "invoicing/activity_list.html",
        {"page": page_of(request, activities), "archived": archived},
    )


def _activity_form_page(request: HttpRequest, member: Member, activity: Any) -> HttpResponse:
    initial = (
        {
            "name": activity.name,
            "kind": activity.kind,
            "description": activity.description,
            "budget": activity.budget,
        }
        if activity
        else {}
    )
    form = ActivityForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.activity_save(
                member=member,
                acting_user=request_user(request),
                activity=activity,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Activity saved."))
            if request.POST.get("next") == "invoice":
                return redirect(f"{reverse('invoicing:invoice_create')}?activity={saved.pk}")
            return redirect("invoicing:activity_detail", pk=saved.pk)
    return render(
        request,
        "invoicing/activity_form.html",
        {"form": form, "activity": activity, "next": request.GET.get("next", "")},
    )


@login_required
def activity_create(request: HttpRequest) -> HttpResponse:
    return _activity_form_page(request, _member(request), None)


@login_required
def activity_edit(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member(request)
    activity = selectors.activity_get_owned(user=request_user(request), pk=pk)
    return _activity_form_page(request, member, activity)


@login_required
def activity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    activity = selectors.activity_get_owned(user=request_user(request), pk=pk)
    figures: Any = selectors.activity_list(member=activity.member, include_archived=True).get(
        pk=activity.pk
    )
    invoices = activity.invoices.select_related("client").order_by("-issue_date", "-pk")[:50]
    used = figures.invoiced - figures.credited
    return render(
        request,
        "invoicing/activity_detail.html",
        {
            "activity": activity,
            "figures": figures,
            "invoices": invoices,
            "used": used,
            "today": timezone.localdate(),
            "budget_left": activity.budget - used if activity.budget is not None else None,
        },
    )


@login_required
@require_POST
def activity_archive(request: HttpRequest, pk: int) -> HttpResponse:
    activity = selectors.activity_get_owned(user=request_user(request), pk=pk)
    services.activity_archive(
        activity=activity, archived=not activity.archived, acting_user=request_user(request)
    )
    messages.success(
        request, _("Activity archived.") if activity.archived else _("Activity restored.")
    )
    return redirect("invoicing:activity_detail", pk=activity.pk)

"""The benchmarks' bulk seeder (bench/seed_bulk.py) writes what the services
would: the same demo plan, carried out through the services
(invoicing.demo.carry_out) and written with COPY (bench.seed_bulk.write_plan),
gives the same activities, clients, numbers, totals, VAT, snapshots, rule
provenance, follow-up and payments, document by document."""

from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction

from bench.seed_bulk import write_plan
from invoicing.demo import carry_out, demo_plan
from invoicing.models import Activity, Client, Invoice, InvoicePayment, NumberCounter
from members.demo import seed_demo_logins, seed_members
from smartcoop.lib.ogm import ogm_format

pytestmark = pytest.mark.django_db

DOCUMENT_FIELDS = [
    "kind",
    "status",
    "member__member_number",
    "activity__name",
    "client__name",
    "credited_invoice__number",
    "series",
    "year",
    "sequence",
    "supply_date",
    "issue_date",
    "payment_term_days",
    "due_date",
    "buyer_reference",
    "credit_reason",
    "total_net",
    "total_vat",
    "total_gross",
    "contribution_rate",
    "contribution",
    "vat_breakdown",
    "amount_paid",
    "amount_credited",
    "contribution_credited",
    "sent_at",
    "paid_on",
    "language",
    "seller",
    "buyer",
    "mentions",
    "warnings",
    "rules_used",
    "issued_at",
    "created_at",
    "created_by",
    "issued_by",
]


def _quiet(*_args: object) -> None:
    pass


class _Undo(Exception):
    pass


def _written() -> dict[str, Any]:
    """What a seed wrote, without the ids (two runs draw different ones)."""
    documents = {}
    for row in Invoice.objects.exclude(number="").values("number", *DOCUMENT_FIELDS):
        documents[row.pop("number")] = row
    lines = sorted(
        Invoice.objects.exclude(number="").values_list(
            "number",
            "lines__position",
            "lines__description",
            "lines__quantity",
            "lines__unit",
            "lines__unit_price",
            "lines__vat_category",
            "lines__vat_rate",
            "lines__net_amount",
            "lines__credits_line__position",
        )
    )
    payments = sorted(
        (
            p.invoice.number,
            p.amount,
            p.value_date,
            p.source,
            p.transaction_id,
            p.communication
            == (ogm_format(p.invoice.structured_reference) if p.communication else ""),
            p.counterparty_name,
            p.counterparty_iban,
            p.note,
            p.recorded_at,
        )
        for p in InvoicePayment.objects.select_related("invoice")
    )
    drafts = sorted(
        Invoice.objects.filter(number="").values_list(
            "member__member_number",
            "client__name",
            "supply_date",
            "total_net",
            "total_vat",
            "total_gross",
            "contribution",
            "created_at",
            "lines__description",
            "lines__quantity",
        )
    )
    return {
        "activities": sorted(
            Activity.objects.values_list("member__member_number", "name", "kind", "budget")
        ),
        "clients": sorted(
            Client.objects.values_list(
                "member__member_number",
                "kind",
                "name",
                "street",
                "postal_code",
                "city",
                "country",
                "vat_number",
                "enterprise_number",
                "peppol_id",
                "email",
                "language",
            )
        ),
        "counters": sorted(
            NumberCounter.objects.values_list("series", "year", "last_number", "last_issued_on")
        ),
        "documents": documents,
        "lines": lines,
        "payments": payments,
        "drafts": drafts,
    }


def test_the_bulk_seeder_writes_what_the_services_write():
    seed_members(40, log=_quiet)
    seed_demo_logins()
    plan = demo_plan(400, seed=11)
    assert any(p.credit for p in plan.invoices()) and plan.drafts

    with pytest.raises(_Undo), transaction.atomic():
        by_services = carry_out(plan, log=_quiet)
        through_services = _written()
        raise _Undo  # the same database, empty again, for the bulk seeder
    assert not Invoice.objects.exists()
    in_bulk = write_plan(plan, log=_quiet)
    written_in_bulk = _written()

    assert by_services["invoices"] == in_bulk["invoices"] == 400
    assert by_services["credit_notes"] == in_bulk["credit_notes"] > 0
    assert by_services["payments"] == in_bulk["payments"] > 0
    for key in ("activities", "clients", "counters", "lines", "payments", "drafts"):
        assert written_in_bulk[key] == through_services[key], key
    assert written_in_bulk["documents"].keys() == through_services["documents"].keys()
    for number, row in through_services["documents"].items():
        assert written_in_bulk["documents"][number] == row, number
    statuses = {row["status"] for row in through_services["documents"].values()}
    assert {"paid", "credited", "issued"} <= statuses | {"issued"}
    assert sum(row["amount_paid"] for row in through_services["documents"].values()) > Decimal(0)

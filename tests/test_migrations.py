"""Moving the document and Peppol models out of invoicing (documents 0001,
einvoicing 0001, invoicing 0008) copies and renames nothing: run forward on a
database seeded under the old schema, every row is still there, every stored
file still matches its SHA-256, the database still refuses to change a stored
document, and the permissions, groups and beat entries follow the models."""

import hashlib
from collections.abc import Iterator
from importlib import import_module

import pytest
from django.core.files.base import ContentFile
from django.db import IntegrityError, InternalError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder

from smartcoop.lib.storage import documents_storage

BEFORE = [
    ("invoicing", "0007_peppol_transmission"),
    ("documents", None),
    ("einvoicing", None),
]
MOVED = {
    "documents": ["invoicedocument", "documentfailure", "invoicedelivery", "documentexport"],
    "einvoicing": ["peppoltransmission"],
}


def _migrate(targets: list[tuple[str, str | None]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


@pytest.fixture
def old_schema(seed_data: None) -> Iterator[MigrationExecutor]:
    # seed_data: a transactional test that ran before in this process emptied
    # every table, the sweep's beat entry included; start from what the
    # migrations seed, as on a production database.
    executor = _migrate(BEFORE)
    yield executor
    _migrate(list(executor.loader.graph.leaf_nodes()))  # whatever the test did


def _seed(apps) -> dict[str, str]:
    """One issued invoice with a PDF and a UBL stored, a failure, a sending,
    an export, a transmission and their history rows, written with the models
    as they were before the move; the stored files' names and hashes."""
    user = apps.get_model("auth", "User").objects.create(username="staff", email="s@x.example")
    counter = apps.get_model("members", "MemberNumberCounter").objects.get_or_create(pk=1)[0]
    member = apps.get_model("members", "Member").objects.create(
        user=user, member_number=counter.last_number + 1, legal_name="Sofie Peeters"
    )
    activity = apps.get_model("invoicing", "Activity").objects.create(member=member, name="NL>FR")
    client = apps.get_model("invoicing", "Client").objects.create(
        member=member, name="Agency BV", country="BE", vat_number="BE0403019261"
    )
    invoice = apps.get_model("invoicing", "Invoice").objects.create(
        kind="invoice",
        status="issued",
        member=member,
        activity=activity,
        client=client,
        series="invoice",
        year=2026,
        sequence=1,
        number="F2026-000001",
        supply_date="2026-11-02",
        issue_date="2026-11-03",
        created_by=user,
    )
    stored = {}
    for format, content in [("pdf", b"%PDF-1.7 a frozen invoice %%EOF"), ("ubl", b"<Invoice/>")]:
        digest = hashlib.sha256(content).hexdigest()
        name = documents_storage().save(
            f"migration-test/{digest[:16]}.{format}", ContentFile(content)
        )
        apps.get_model("invoicing", "InvoiceDocument").objects.create(
            invoice=invoice,
            format=format,
            file=name,
            filename=f"F2026-000001.{format}",
            mimetype="application/pdf",
            size=len(content),
            sha256=digest,
        )
        stored[name] = digest
    apps.get_model("invoicing", "DocumentFailure").objects.create(
        invoice=invoice, format="pdf", error="boom", last_failed_at="2026-11-03T10:00Z"
    )
    delivery = apps.get_model("invoicing", "InvoiceDelivery").objects.create(
        invoice=invoice, recipient="client@x.example", requested_by=user
    )
    apps.get_model("invoicing", "HistoricalInvoiceDelivery").objects.create(
        id=delivery.pk,
        invoice=invoice,
        recipient=delivery.recipient,
        requested_by=user,
        requested_at=delivery.requested_at,
        history_date=delivery.requested_at,
        history_type="+",
    )
    apps.get_model("invoicing", "DocumentExport").objects.create(
        requested_by=user, member=member, date_from="2026-01-01", date_to="2026-11-30"
    )
    transmission = apps.get_model("invoicing", "PeppolTransmission").objects.create(
        invoice=invoice, receiver="0208:0403019261"
    )
    apps.get_model("invoicing", "HistoricalPeppolTransmission").objects.create(
        id=transmission.pk,
        invoice=invoice,
        receiver=transmission.receiver,
        created_at=transmission.created_at,
        history_date=transmission.created_at,
        history_type="+",
    )
    return stored


TABLES = [
    "invoicing_invoicedocument",
    "invoicing_documentfailure",
    "invoicing_invoicedelivery",
    "invoicing_historicalinvoicedelivery",
    "invoicing_documentexport",
    "invoicing_peppoltransmission",
    "invoicing_historicalpeppoltransmission",
]


def _row_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        counts = {}
        for table in TABLES:
            cursor.execute(f"SELECT COUNT(*) FROM {table}")
            counts[table] = cursor.fetchone()[0]
    return counts


def test_the_move_keeps_every_row_file_and_guard(old_schema: MigrationExecutor) -> None:
    # The schema as the database now has it: every migration applied (apps
    # whose migrations build on the move, such as backoffice, were unapplied).
    applied = [
        key
        for key in MigrationRecorder(connection).applied_migrations()
        if key in old_schema.loader.graph.nodes
    ]
    old_apps = old_schema.loader.project_state(applied).apps
    # The permissions of the models to move exist before the move, as on a
    # production database, and a group holds one.
    content_type = old_apps.get_model("contenttypes", "ContentType")
    permission = old_apps.get_model("auth", "Permission")
    group = old_apps.get_model("auth", "Group").objects.create(name="Finance (test)")
    for model in MOVED["documents"] + MOVED["einvoicing"]:
        kind = content_type.objects.get_or_create(app_label="invoicing", model=model)[0]
        change = permission.objects.get_or_create(
            content_type=kind, codename=f"change_{model}", defaults={"name": f"Can change {model}"}
        )[0]
        group.permissions.add(change)
    stored = _seed(old_apps)
    # The documents sweep's beat entry, as invoicing 0006 scheduled it (and
    # nothing else: what other tests left behind goes).
    old_apps.get_model("django_celery_beat", "PeriodicTask").objects.all().delete()
    import_module("invoicing.migrations.0006_documents_are_final_and_swept").schedule_sweep(
        old_apps
    )
    before = _row_counts()
    assert all(count >= 1 for count in before.values())

    _migrate(list(old_schema.loader.graph.leaf_nodes()))

    from django.contrib.auth.models import Group
    from django.contrib.contenttypes.models import ContentType
    from django_celery_beat.models import PeriodicTask

    from documents.models import InvoiceDocument
    from documents.services import document_read
    from einvoicing.models import PeppolTransmission

    ContentType.objects.clear_cache()
    assert _row_counts() == before
    documents = list(InvoiceDocument.objects.all())
    assert {d.file.name: d.sha256 for d in documents} == stored
    for document in documents:
        assert hashlib.sha256(document_read(document)).hexdigest() == document.sha256
    assert PeppolTransmission.objects.get().invoice.number == "F2026-000001"
    # The trigger of invoicing 0006 still guards the table the model now maps to.
    with (
        pytest.raises((IntegrityError, InternalError)),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE invoicing_invoicedocument SET sha256 = 'x'")
    # Permissions follow their models, and so does the group that holds them.
    held = set(
        Group.objects.get(name="Finance (test)").permissions.values_list(
            "content_type__app_label", "codename"
        )
    )
    assert held == {(app, f"change_{model}") for app, models in MOVED.items() for model in models}
    assert not ContentType.objects.filter(
        app_label="invoicing", model__in=MOVED["documents"] + MOVED["einvoicing"]
    ).exists()
    tasks = set(PeriodicTask.objects.values_list("task", flat=True))
    assert {"documents.sweep", "einvoicing.sweep"} <= tasks
    assert "invoicing.documents_sweep" not in tasks

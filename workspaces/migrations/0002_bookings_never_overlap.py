"""No two active bookings (maintenance blocks included) of one resource ever
overlap, whatever the code path or the number of people clicking at once
(issue 8; docs/decisions.md).

PostgreSQL: an exclusion constraint over the resource (=, through btree_gist)
and the half-open range [starts_at, ends_at) (&&), for active rows only, so
back-to-back bookings are allowed and cancelled ones free their time. It is
written here in SQL, not as a django.contrib.postgres ExclusionConstraint in
the model's Meta, because the embedded SQLite database of `make run` must
migrate too and cannot create one. SQLite: triggers refuse the same rows;
SQLite runs one writer at a time (transaction_mode IMMEDIATE), so checking
inside the writing transaction is as strong there.

Both name the violation `workspaces_booking_no_overlap`, which the services
recognise to turn it into a friendly message.
"""

from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations

from smartcoop.lib.db import execute_for_vendor

POSTGRES_UP = """
ALTER TABLE workspaces_booking ADD CONSTRAINT workspaces_booking_no_overlap
    EXCLUDE USING gist (resource_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&)
    WHERE (status = 'active');
"""
POSTGRES_DOWN = """
ALTER TABLE workspaces_booking DROP CONSTRAINT IF EXISTS workspaces_booking_no_overlap;
"""
_CLASH = """
    SELECT 1 FROM workspaces_booking AS b
     WHERE b.resource_id = NEW.resource_id AND b.status = 'active'
       AND b.starts_at < NEW.ends_at AND NEW.starts_at < b.ends_at
"""
SQLITE_UP = [
    f"""CREATE TRIGGER workspaces_booking_no_overlap_insert BEFORE INSERT ON workspaces_booking
       WHEN NEW.status = 'active' AND EXISTS ({_CLASH})
       BEGIN SELECT RAISE(ABORT, 'workspaces_booking_no_overlap'); END;""",
    f"""CREATE TRIGGER workspaces_booking_no_overlap_update
       BEFORE UPDATE OF resource_id, starts_at, ends_at, status ON workspaces_booking
       WHEN NEW.status = 'active' AND EXISTS ({_CLASH} AND b.id <> NEW.id)
       BEGIN SELECT RAISE(ABORT, 'workspaces_booking_no_overlap'); END;""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS workspaces_booking_no_overlap_insert;",
    "DROP TRIGGER IF EXISTS workspaces_booking_no_overlap_update;",
]


def up(apps, schema_editor):
    execute_for_vendor(schema_editor, postgresql=POSTGRES_UP, sqlite=SQLITE_UP)


def down(apps, schema_editor):
    execute_for_vendor(schema_editor, postgresql=POSTGRES_DOWN, sqlite=SQLITE_DOWN)


class Migration(migrations.Migration):
    dependencies = [("workspaces", "0001_initial")]
    operations = [
        BtreeGistExtension(),  # does nothing on SQLite
        migrations.RunPython(up, down),
    ]

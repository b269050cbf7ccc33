"""Database helpers for migrations: SQL that differs per vendor."""

from collections.abc import Sequence
from typing import Any


def execute_for_vendor(schema_editor: Any, *, postgresql: str, sqlite: Sequence[str]) -> None:
    """Run PostgreSQL's script (one call, no parameters: plpgsql uses '%')
    or SQLite's statements (one at a time); other vendors are not supported."""
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(postgresql, params=None)
    elif vendor == "sqlite":
        for statement in sqlite:
            schema_editor.execute(statement)
    else:
        raise NotImplementedError(f"No SQL for the {vendor} database")

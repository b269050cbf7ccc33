"""Audit helpers: every write service names who acted and why.

The audit trail is django-simple-history: each audited model keeps a history
table with the acting user and a reason per change, shown in the admin's
"History" page. Services call `audited()` before saving so the record names
the service's acting user, not whoever happens to be in the request.
"""

from typing import Any, TypeVar

T = TypeVar("T")


def audited(instance: T, *, acting_user: Any, reason: str) -> T:
    """Mark the next save of `instance` with the acting user and a reason."""
    instance._history_user = acting_user  # type: ignore[attr-defined]
    instance._change_reason = reason  # type: ignore[attr-defined]
    return instance

"""Helpers for data migrations."""

from typing import Any


def content_types_move(apps: Any, *, models: list[str], source: str, target: str) -> None:
    """Give the content types of `models` (lower-case model names) the app
    label `target` instead of `source`, for models moved between apps with
    SeparateDatabaseAndState: their permissions, the groups holding them,
    admin log entries and compliance findings follow, with no row copied.
    A content type that already exists under `target` is left alone."""
    content_type = apps.get_model("contenttypes", "ContentType")
    taken = set(
        content_type.objects.filter(app_label=target, model__in=models).values_list(
            "model", flat=True
        )
    )
    content_type.objects.filter(app_label=source, model__in=set(models) - taken).update(
        app_label=target
    )

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkspacesConfig(AppConfig):
    name = "workspaces"
    verbose_name = _("Workspaces")

    def ready(self) -> None:
        from rules.reach import reach_register
        from workspaces import tasks  # noqa: F401  (registers the Celery tasks)
        from workspaces.selectors import bookings_from_count

        reach_register(
            prefix="workspaces.", label=_("bookings from that day"), count=bookings_from_count
        )

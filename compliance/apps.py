from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplianceConfig(AppConfig):
    name = "compliance"
    verbose_name = _("Compliance")

    def ready(self) -> None:
        # The checks register themselves on import; so do the Celery tasks.
        from compliance import checks, tasks  # noqa: F401

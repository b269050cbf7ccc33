from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SharesConfig(AppConfig):
    name = "shares"
    verbose_name = _("Shares")

    def ready(self) -> None:
        from shares import tasks  # noqa: F401  (registers the Celery tasks)

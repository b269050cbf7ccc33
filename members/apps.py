from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = _("Members")

    def ready(self) -> None:
        from members import tasks  # noqa: F401  (registers the Celery tasks)
        from members.selectors import members_count
        from rules.reach import reach_register

        reach_register(prefix="members.", label=_("members"), count=members_count)

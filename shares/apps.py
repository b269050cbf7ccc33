from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SharesConfig(AppConfig):
    name = "shares"
    verbose_name = _("Shares")

    def ready(self) -> None:
        from members.selectors import members_count
        from rules.reach import reach_register
        from shares import tasks  # noqa: F401  (registers the Celery tasks)
        from shares.selectors import subscriptions_awaiting_count

        reach_register(prefix="shares.", label=_("members"), count=members_count)
        reach_register(
            prefix="shares.",
            label=_("subscriptions awaiting payment"),
            count=subscriptions_awaiting_count,
        )

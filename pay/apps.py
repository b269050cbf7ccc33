from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PayConfig(AppConfig):
    name = "pay"
    verbose_name = _("Activity accounts and pay")

    def ready(self) -> None:
        # Wiring: every issued invoice or credit note posts its income or its
        # reversal on the activity's account inside the issuing transaction
        # (invoicing.extensions), since invoicing may not import us.
        from invoicing import extensions
        from pay import services

        extensions.on_issue("pay", services.invoice_entry_post)

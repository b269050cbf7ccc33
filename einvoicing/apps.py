from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EinvoicingConfig(AppConfig):
    name = "einvoicing"
    verbose_name = _("E-invoicing (Peppol)")

    def ready(self) -> None:
        # Wiring: the tasks register with Celery; the UBL renderer joins the
        # documents pipeline; every issued document whose client must get it
        # over Peppol is queued for transmission; and the member pages show
        # the route (invoicing.extensions), since invoicing may not import us.
        from documents.rendering import renderer_register
        from einvoicing import sections, services, tasks  # noqa: F401
        from einvoicing.ubl import UblRenderer
        from invoicing import extensions

        renderer_register(UblRenderer())
        extensions.on_issue("einvoicing", services.transmission_queue)
        extensions.section_add(sections.INVOICE_SECTION)
        extensions.section_add(sections.CLIENT_SECTION)

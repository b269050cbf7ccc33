from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "documents"
    verbose_name = _("Documents and sending")

    def ready(self) -> None:
        # Wiring: the tasks register with Celery, and documents plugs into
        # what invoicing issues and shows (invoicing.extensions), since
        # invoicing may not import documents.
        from documents import sections, services, tasks  # noqa: F401
        from invoicing import extensions

        extensions.on_issue("documents", services.documents_enqueue_for)
        extensions.section_add(sections.INVOICE_SECTION)

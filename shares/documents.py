"""PDF documents of the share register, rendered with WeasyPrint."""

import datetime
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from shares.models import Certificate, EntryType


def render_pdf(template: str, context: dict[str, Any]) -> bytes:
    from weasyprint import HTML  # heavy: loaded by the processes that render only

    html = render_to_string(template, {**context, "cooperative": _cooperative()})
    return bytes(HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf())


def _cooperative() -> dict[str, str]:
    return {
        "name": settings.COOPERATIVE_NAME,
        "enterprise_number": settings.COOPERATIVE_ENTERPRISE_NUMBER,
        "address": settings.COOPERATIVE_ADDRESS,
    }


def certificate_pdf(certificate: Certificate) -> bytes:
    """The certificate in the holder's language, from its frozen holding."""
    with translation.override(certificate.language):
        holding = [
            {
                **line,
                "date": datetime.date.fromisoformat(line["date"]),
                "label": str(EntryType(line["type"]).label),
            }
            for line in certificate.holding
        ]
        return render_pdf(
            "shares/certificate.html", {"certificate": certificate, "holding": holding}
        )


def register_pdf(rows: list[Any], as_of: datetime.date, totals: dict[str, Any]) -> bytes:
    return render_pdf("shares/register.html", {"rows": rows, "as_of": as_of, "totals": totals})

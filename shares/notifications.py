"""Emails about shares, sent by Celery tasks after commit."""

import segno
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from shares.models import Subscription
from shares.payment import payment_instructions


def subscription_confirmation_send(*, subscription_id: int) -> bool:
    """The confirmation with what to pay, where, and the QR code (PNG, since
    mail clients do not show SVG). Sent to the member in their language."""
    subscription = Subscription.objects.select_related("member__user").get(pk=subscription_id)
    member = subscription.member
    pay = payment_instructions(subscription)
    with translation.override(member.language):
        context = {"subscription": subscription, "member": member, "pay": pay}
        subject = _("Your share subscription: how to pay")
        text = render_to_string("shares/email/subscription_confirmation.txt", context)
        html = render_to_string("shares/email/subscription_confirmation.html", context)
    message = EmailMultiAlternatives(subject, text, None, [member.user.email])
    message.attach_alternative(html, "text/html")
    png = segno.make(pay.qr_payload, error="m", micro=False)
    from io import BytesIO

    buffer = BytesIO()
    png.save(buffer, kind="png", scale=6, border=4)
    message.attach("payment-qr.png", buffer.getvalue(), "image/png")
    message.send()
    return True

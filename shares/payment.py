"""How to pay a subscription: the cooperative's account, the structured
reference and the EPC QR code that Belgian banking apps scan."""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from schwifty import IBAN

from shares.models import Subscription
from smartcoop.lib.epc_qr import epc_payload, epc_qr_svg
from smartcoop.lib.ogm import ogm_format


@dataclass(frozen=True)
class PaymentInstructions:
    beneficiary: str
    iban: str  # formatted for people: BE62 6302 5308 2961
    bic: str
    amount: Decimal
    reference: str  # +++100/0000/00195+++
    qr_payload: str
    qr_svg: str


def payment_instructions(subscription: Subscription) -> PaymentInstructions:
    payload = epc_payload(
        name=settings.COOPERATIVE_NAME,
        iban=settings.COOPERATIVE_IBAN,
        bic=settings.COOPERATIVE_BIC,
        amount=subscription.amount,
        structured_reference=subscription.structured_reference,
    )
    return PaymentInstructions(
        beneficiary=settings.COOPERATIVE_NAME,
        iban=str(IBAN(settings.COOPERATIVE_IBAN).formatted),
        bic=settings.COOPERATIVE_BIC,
        amount=subscription.amount,
        reference=ogm_format(subscription.structured_reference),
        qr_payload=payload,
        qr_svg=epc_qr_svg(payload),
    )

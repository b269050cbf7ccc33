"""The EPC QR code that Belgian banking apps scan to pre-fill a transfer.

European Payments Council, "Quick Response Code: Guidelines to Enable Data
Capture for the Initiation of a SEPA Credit Transfer" (EPC069-12), version 002
of the data format: one data element a line, separated by a line feed, in
this order:

===  ======================================  =====================================
 1   Service tag                             ``BCD``
 2   Version                                 ``002`` (BIC optional within the EEA)
 3   Character set                           ``1`` (UTF-8)
 4   Identification                          ``SCT`` (SEPA credit transfer)
 5   BIC of the beneficiary's bank           8 or 11 characters, or empty
 6   Beneficiary name (AT-21)                1..70 characters
 7   Beneficiary account (AT-20)             IBAN, compact, upper case
 8   Amount (AT-04)                          ``EUR`` + 0.01..999999999.99, 2 decimals
 9   Purpose (AT-44)                         empty here
10   Remittance information, structured      up to 35 characters
11   Remittance information, unstructured    up to 140 characters
12   Beneficiary to originator information   up to 70 characters
===  ======================================  =====================================

Only one of 10 and 11 may be filled. The last filled element is not followed
by a separator (so trailing empty elements are left out), and the whole
payload is at most 331 bytes: what a version 13 QR code holds at error
correction level M, the level the guideline prescribes.

Where the Belgian structured reference (OGM/VCS) goes
-----------------------------------------------------
In element 10, as its bare 12 digits (``090933755493``: no ``+++``, no
slashes), never in element 11.

The guideline describes element 10 as a creditor reference for which "ISO 11649
RF Creditor Reference *may* be used": RF is allowed, not required. A Belgian
OGM is the national creditor reference, the one that Belgian transfers carry as
structured remittance information (pain.001 ``Strd/CdtrRefInf``, issuer
``BBA``), and the one the Belgian apps fill in as "gestructureerde mededeling" /
"communication structurée" when it comes in element 10. Sources:

* Odoo, addons/account_qr_code_sepa: a valid structured reference, Belgian
  ones included, goes to element 10 compacted to its characters, and free text
  goes to element 11 only when there is no structured reference
  (tests/test_sepa_qr.py, test_get_qr_vals_communication); its
  addons/account/tools/structured_reference.py compacts
  ``+++020/3430/57642+++`` to ``020343057642``.
* letspeppol/letspeppol issue #274, "Belgian structured payment communication
  is not encoded correctly in SEPA QR" (fixed by PR #286): with the OGM in the
  unstructured element, the reporter's Belgian banking app treated it as a free
  message, not as a structured communication; the fix moved it to the
  structured creditor reference. Dolibarr PR #38880 makes the same change for
  the same reason.
* jovandeginste/payme, whose README reports its codes scanned by the Belfius
  and KBC apps (BNP Paribas Fortis: trouble with some characters in the
  remittance), has a ``--structured`` switch that puts the reference in
  element 10 (payment/output.go).

No published statement of KBC, BNP Paribas Fortis, Belfius or ING themselves
was found; an OGM with +++ and slashes in element 11 is what the reports above
say gets treated as a plain message.

An ISO 11649 reference (``RF18539007547034``) is accepted in the same element.

Other choices, all refusals rather than silent repairs, since a QR code that
pre-fills a wrong transfer is worse than none: the amount must be a
``Decimal`` exact to the cent (a float or a third decimal is refused, not
rounded); a name over 70 characters is refused, not truncated (the payer's
bank compares it with the account holder's name: Verification of Payee); no
element may contain a line break.
"""

import re
from decimal import Decimal
from io import BytesIO

import segno
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException
from stdnum import iso11649

from smartcoop.lib.ogm import ogm_parse

__all__ = ["EPC_MAX_PAYLOAD_BYTES", "EPC_MAX_QR_VERSION", "epc_payload", "epc_qr", "epc_qr_svg"]

EPC_MAX_PAYLOAD_BYTES = 331
EPC_MAX_QR_VERSION = 13

_MIN_AMOUNT = Decimal("0.01")
_MAX_AMOUNT = Decimal("999999999.99")
_CENT = Decimal("0.01")

_MAX_NAME = 70
_MAX_STRUCTURED = 35
_MAX_TEXT = 140
_MAX_INFORMATION = 70

_BIC = re.compile(r"[A-Z]{6}[A-Z0-9]{2}(?:[A-Z0-9]{3})?", re.ASCII)
_OGM_PUNCTUATION = re.compile(r"[\s+*/]")

# Quiet zone of 4 modules, as ISO/IEC 18004 asks for a QR code.
_QUIET_ZONE = 4


def _amount(amount: Decimal) -> str:
    if not isinstance(amount, Decimal):
        raise ValueError(f"an EPC amount is a Decimal, not {type(amount).__name__}")
    if not amount.is_finite():
        raise ValueError(f"an EPC amount is a finite number, not {amount}")
    if amount != amount.quantize(_CENT):
        raise ValueError(f"an EPC amount is in whole cents, not {amount}")
    if not _MIN_AMOUNT <= amount <= _MAX_AMOUNT:
        raise ValueError(f"an EPC amount is between EUR{_MIN_AMOUNT} and EUR{_MAX_AMOUNT}")
    return f"EUR{amount:.2f}"


def _iban(iban: str) -> str:
    # schwifty, as members.validators.clean_iban: length, structure, checksum.
    try:
        return str(IBAN(iban).compact)
    except (SchwiftyException, ValueError) as exc:
        raise ValueError(f"{iban!r} is not a valid IBAN") from exc


def _bic(bic: str) -> str:
    bic = bic.replace(" ", "").upper()
    if bic and not _BIC.fullmatch(bic):
        raise ValueError(f"{bic!r} is not a BIC (8 or 11 letters and digits)")
    return bic


def _structured(reference: str) -> str:
    """A Belgian OGM in any printed form -> its 12 digits; an ISO 11649
    reference -> its compact form; anything else is refused."""
    digits = ogm_parse(reference)
    if digits is not None and _OGM_PUNCTUATION.sub("", reference) == digits:
        return digits
    compact: str = iso11649.compact(reference)
    if compact.startswith("RF") and len(compact) <= _MAX_STRUCTURED and iso11649.is_valid(compact):
        return compact
    raise ValueError(
        f"{reference!r} is neither a valid Belgian structured reference "
        "(+++123/4567/89012+++) nor an ISO 11649 creditor reference (RF...)"
    )


def _text(value: str | None, *, field: str, max_length: int, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValueError(f"the {field} is required")
    if "\n" in value or "\r" in value:
        raise ValueError(f"the {field} may not contain a line break")
    if len(value) > max_length:
        raise ValueError(f"the {field} is at most {max_length} characters, not {len(value)}")
    return value


def epc_payload(
    *,
    name: str,
    iban: str,
    amount: Decimal,
    structured_reference: str | None = None,
    text: str | None = None,
    bic: str = "",
    information: str | None = None,
) -> str:
    """The EPC069-12 version 002 payload of a SEPA credit transfer in euro.

    ``structured_reference``: a Belgian OGM in any printed form
    (``+++090/9337/55493+++``, ``090933755493``...) or an ISO 11649 ``RF``
    reference; ``text``: a free communication. At most one of the two.
    ``information``: beneficiary-to-originator information, shown to the payer.
    Raises ``ValueError`` for anything the guideline does not allow.
    """
    if structured_reference and text:
        raise ValueError("a structured reference and a free text may not both be given")
    elements = [
        "BCD",
        "002",
        "1",
        "SCT",
        _bic(bic),
        _text(name, field="beneficiary name", max_length=_MAX_NAME, required=True),
        _iban(iban),
        _amount(amount),
        "",
        _structured(structured_reference) if structured_reference else "",
        _text(text, field="remittance text", max_length=_MAX_TEXT),
        _text(
            information, field="beneficiary to originator information", max_length=_MAX_INFORMATION
        ),
    ]
    while elements[-1] == "":
        elements.pop()
    payload = "\n".join(elements)
    size = len(payload.encode("utf-8"))
    if size > EPC_MAX_PAYLOAD_BYTES:
        raise ValueError(f"the EPC payload is at most {EPC_MAX_PAYLOAD_BYTES} bytes, not {size}")
    return payload


def epc_qr(payload: str) -> segno.QRCode:
    """The QR code of an EPC payload: UTF-8 bytes (the payload's character set
    is ``1``), error correction level M exactly (segno would otherwise raise it
    when the version has room), a regular QR code of version 13 at most."""
    qr = segno.make(payload, error="m", boost_error=False, micro=False, encoding="utf-8")
    version = qr.version  # an int: micro=False (a Micro QR code's would be "M1".."M4")
    if not isinstance(version, int) or version > EPC_MAX_QR_VERSION:
        raise ValueError(f"an EPC QR code is version {EPC_MAX_QR_VERSION} at most, not {version}")
    return qr


def epc_qr_svg(payload: str) -> str:
    """An inline ``<svg>`` of the payload's QR code, for HTML and WeasyPrint.

    One module is one user unit and the viewBox includes the 4-module quiet
    zone on a white background, with no width or height: the SVG scales to
    whatever size the CSS gives it, e.g. ``.epc-qr { width: 3cm; height: 3cm }``
    (the viewBox is 4 * version + 25 modules wide: at most 77 for version 13,
    so about 0.4 mm a module at 3 cm). It carries the SVG namespace so that it
    is also well-formed XML on its own; HTML5 and WeasyPrint accept it inline.
    """
    out = BytesIO()
    epc_qr(payload).save(
        out,
        kind="svg",
        scale=1,
        border=_QUIET_ZONE,
        dark="#000",
        light="#fff",
        xmldecl=False,
        svgns=True,
        nl=False,
        omitsize=True,
        svgclass="epc-qr",
        lineclass=None,
    )
    return out.getvalue().decode("utf-8")

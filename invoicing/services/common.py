"""What every invoicing service shares: the rule keys, the messages (module
constants, so tests assert on them) and small helpers."""

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

CONTRIBUTION_RATE = "invoicing.contribution_rate"
PAYMENT_TERM_DEFAULT = "invoicing.payment_term_default"
PAYMENT_TERM_MAX = "invoicing.payment_term_max_b2b"
NUMBER_FORMAT = "invoicing.number_format"
ISSUE_DEADLINE_DAY = "invoicing.issue_deadline_day"
CREDIT_NOTE_MENTION = "invoicing.credit_note_mention"
LATE_INTEREST_RATE = "invoicing.late_interest_rate"
RECOVERY_COMPENSATION = "invoicing.recovery_compensation"

# Structured references of invoices: base 2_000_000_000 + the invoice's id.
# Share subscriptions use 1_000_000_000 + n (shares.services), so the two
# never collide and a bank line's reference says which ledger it is for.
REFERENCE_BASE = 2_000_000_000
MAX_LINES = 500
LOCK_TIMEOUT = "5s"

# --- Messages (module constants, so tests assert on them) ----------------------------

ACTIVITY_NAME_TAKEN = _("You already have an activity with this name.")
ACTIVITY_NAME_REQUIRED = _("Give the activity a name.")
BUDGET_NEGATIVE = _("A budget cannot be negative.")
CLIENT_NAME_REQUIRED = _("Give the client's name.")
COUNTRY_REQUIRED = _("Choose the client's country.")
VAT_NUMBER_COUNTRY = _("This VAT number is not from the client's country (%(country)s).")
ENTERPRISE_NUMBER_NOT_BELGIAN = _("Only Belgian clients have a Belgian enterprise number.")
ARCHIVED = _("This is archived; choose another one or restore it first.")
NOT_A_DRAFT = _("This invoice has already been issued; an issued invoice never changes.")
ALREADY_ISSUED = _("This invoice has already been issued (as %(number)s).")
NO_LINES = _("Add at least one line.")
ZERO_TOTAL = _(
    "This invoice comes to €0.00: it would use an invoice number for nothing. Give at least one "
    "line a price, or do not invoice it."
)
TOO_MANY_LINES = _("An invoice has at most %(maximum)s lines.")
DESCRIPTION_REQUIRED = _("Describe what you invoice.")
VAT_UNKNOWN = _("Choose a VAT rate from the list.")
VAT_NOT_VALID_ON_DATE = _(
    "This VAT rate or category does not apply on the date of supply (%(date)s); choose another."
)
UNIT_UNKNOWN = _("Choose a unit from the list.")
TERM_TOO_SHORT = _("The payment term is at least 0 days (payable on receipt).")
TERM_TOO_LONG = _("The payment term can be at most %(maximum)s days.")
SUPPLY_DATE_REQUIRED = _("Give the date of the supply.")
NO_VAT_RULES = _(
    "No VAT rates are known for %(date)s; the platform invoices supplies from 1 January 2020 on."
)
LINE_TOO_LARGE = _("This line's amount is too large; split it or contact the finance team.")
COUNTRY_UNKNOWN = _("Choose a country from the list (an ISO code such as BE or NL).")
SUPPLY_DATE_TOO_FAR = _("The date of supply can be at most one year from today.")
NOT_YOURS = _("This client or activity is not one of yours.")
NOT_A_MEMBER = _(
    "Only members with a paid share can issue invoices. Your membership starts when your first "
    "share is paid."
)
CLIENT_INCOMPLETE = _(
    "The client's data misses mentions an invoice must carry: %(missing)s. Complete the "
    "client first."
)
CLIENT_NEEDS_VAT_NUMBER = _(
    "The client's VAT number must be on this invoice (%(category)s); add it to the client first."
)
LATE_ISSUE_WARNING = _(
    "Issued after the legal deadline: a supply of %(supply)s must be invoiced by %(deadline)s "
    "at the latest."
)
DATE_ORDER = _(
    "The last number of this series was issued on %(last)s, after today; numbers must follow "
    "the date order. Contact the finance team."
)
BUSY = _("Another invoice is being numbered right now; try again in a moment.")
CREDIT_ONLY_ISSUED_INVOICE = _("Only an issued invoice can be credited.")
CREDIT_NOTHING = _("Choose at least one line and a quantity to credit.")
CREDIT_TOO_MUCH = _(
    "You can credit at most %(maximum)s of this line (the rest is already credited)."
)
CREDIT_QUANTITY_NEGATIVE = _("A credited quantity cannot be negative.")
CREDIT_OVER_TOTAL = _("A credit note cannot credit more than what remains of the invoice.")
CREDIT_UNKNOWN_LINE = _("This line is not on the invoice being credited.")
CREDIT_REASON_REQUIRED = _("Say why the invoice is credited.")
PAYMENT_NOT_POSITIVE = _("Enter an amount above zero.")
PAYMENT_TOO_MUCH = _("The amount is more than the %(due)s still due on this invoice.")
PAYMENT_NOT_OPEN = _("This invoice is not waiting for a payment.")
PAYMENT_ALREADY_RECORDED = _("This bank line was already recorded.")
PAYMENT_DATE_FUTURE = _("A payment cannot be dated in the future.")
UNKNOWN_INVOICE_REFERENCE = _("No issued invoice has this structured reference.")
NOT_EURO = _("The payment is not in euro.")
ALREADY_SENT = _("This invoice is already marked as sent.")
NOT_ISSUED_NOT_SENT = _("A draft cannot be sent; issue it first.")


def field_error(field: str | None, message: Any, **params: Any) -> ValidationError:
    error = ValidationError(message, params=params or None)
    return ValidationError({field: error}) if field else error

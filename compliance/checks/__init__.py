"""The nightly checks. Importing this package registers every check
(compliance.registry.CHECKS); one module per area of the platform."""

from compliance.checks import (  # noqa: F401
    documents_checks,
    invoicing_checks,
    membership_checks,
    pay_checks,
)

"""The rules catalogue's entries for pay (issue 17): contribution rates, the
holiday-pay provision, the withholding-tax key formula and the payment delay,
with their legal references and dated versions (docs/rules.md, Pay).

Pure data, seeded by pay/migrations/0003_seed_rules.py in the shape of
rules/catalogue.py; later changes go through the legal team like any rule.
Amounts of the key formula are annual, in EUR, as strings.
"""

from typing import Any

SOCIAL_SECURITY_LAW_URL = "https://www.ejustice.just.fgov.be/eli/loi/1981/06/29/1981062901/justel"
KB_WIB_URL = "https://www.ejustice.just.fgov.be/eli/arrete/1993/08/27/1993082750/justel"
WITHHOLDING_URL = (
    "https://financien.belgium.be/nl/ondernemingen/personeel_en_loon/bedrijfsvoorheffing/berekening"
)
HOLIDAYS_URL = "https://www.ejustice.just.fgov.be/eli/arrete/1967/03/30/1967033008/justel"

EMPLOYER_RATE = "pay.employer_contribution_rate"
EMPLOYEE_RATE = "pay.employee_contribution_rate"
HOLIDAY_RATE = "pay.holiday_pay_rate"
WITHHOLDING = "pay.withholding_key_formula"
WORKING_DAYS_TO_PAY = "pay.working_days_to_pay"
KEYS = (EMPLOYER_RATE, EMPLOYEE_RATE, HOLIDAY_RATE, WITHHOLDING, WORKING_DAYS_TO_PAY)

_AMOUNT: dict[str, Any] = {"type": "string", "pattern": r"^\d{1,9}(\.\d{1,2})?$"}
_RATE: dict[str, Any] = {"type": "string", "pattern": r"^\d{1,3}(\.\d{1,4})?$"}

WITHHOLDING_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "professional_expenses": {
            "type": "object",
            "properties": {"rate": _RATE, "cap": _AMOUNT},
            "required": ["rate", "cap"],
            "additionalProperties": False,
        },
        # Ascending; the last bracket has no upper bound (null).
        "brackets": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "properties": {"up_to": {"anyOf": [_AMOUNT, {"type": "null"}]}, "rate": _RATE},
                "required": ["up_to", "rate"],
                "additionalProperties": False,
            },
        },
        # The tax on the tax-free amount, taken off the annual tax.
        "tax_free_reduction": _AMOUNT,
        "marriage_quotient": {
            "type": "object",
            "properties": {"rate": _RATE, "cap": _AMOUNT},
            "required": ["rate", "cap"],
            "additionalProperties": False,
        },
        # Annual reduction by number of dependent children (index = count),
        # then so much more for each child beyond the list.
        "children_reductions": {"type": "array", "minItems": 1, "items": _AMOUNT},
        "child_reduction_beyond": _AMOUNT,
        "single_parent_reduction": _AMOUNT,
    },
    "required": [
        "professional_expenses",
        "brackets",
        "tax_free_reduction",
        "marriage_quotient",
        "children_reductions",
        "child_reduction_beyond",
        "single_parent_reduction",
    ],
    "additionalProperties": False,
}

KEY_FORMULA_2026 = {
    "professional_expenses": {"rate": "30", "cap": "6070.00"},
    "brackets": [
        {"up_to": "16710.00", "rate": "26.75"},
        {"up_to": "29500.00", "rate": "42.80"},
        {"up_to": "51050.00", "rate": "48.15"},
        {"up_to": None, "rate": "53.50"},
    ],
    "tax_free_reduction": "2987.98",
    "marriage_quotient": {"rate": "30", "cap": "13790.00"},
    "children_reductions": [
        "0.00",
        "624.00",
        "1656.00",
        "4404.00",
        "7620.00",
        "11100.00",
        "14592.00",
        "18120.00",
        "21996.00",
    ],
    "child_reduction_beyond": "3864.00",
    "single_parent_reduction": "624.00",
}

CATALOGUE: list[dict[str, Any]] = [
    {
        "key": EMPLOYER_RATE,
        "kind": "percentage",
        "description": (
            "Employer social security contributions on the gross salary (basic contribution "
            "and wage moderation, private sector), charged to the activity's budget."
        ),
        "legal_reference": (
            "Law of 29 June 1981 on the general principles of social security for employees, "
            "art. 38, § 3 and § 3bis"
        ),
        "legal_url": SOCIAL_SECURITY_LAW_URL,
        "schema": None,
        "versions": [
            {"valid_from": "2020-01-01", "value": "25.00", "reason": "Value at the start of pay."}
        ],
    },
    {
        "key": EMPLOYEE_RATE,
        "kind": "percentage",
        "description": "Employee social security contributions, withheld from the gross salary.",
        "legal_reference": (
            "Law of 29 June 1981 on the general principles of social security for employees, "
            "art. 38, § 2"
        ),
        "legal_url": SOCIAL_SECURITY_LAW_URL,
        "schema": None,
        "versions": [
            {"valid_from": "2020-01-01", "value": "13.07", "reason": "Value at the start of pay."}
        ],
    },
    {
        "key": HOLIDAY_RATE,
        "kind": "percentage",
        "description": (
            "Holiday pay provision on the gross salary, set aside from the activity's budget "
            "for the holiday pay the member will receive."
        ),
        "legal_reference": (
            "Royal Decree of 30 March 1967 implementing the laws on annual holidays of "
            "employees, art. 38 and 46"
        ),
        "legal_url": HOLIDAYS_URL,
        "schema": None,
        "versions": [
            {"valid_from": "2020-01-01", "value": "15.38", "reason": "Value at the start of pay."}
        ],
    },
    {
        "key": WITHHOLDING,
        "kind": "structured",
        "description": (
            "The withholding tax key formula for periodic remuneration (scale I, and scale II "
            "for a spouse without income): lump-sum professional expenses and their cap, the "
            "annual brackets (municipal surcharge of 7% included), the tax on the tax-free "
            "amount, the marriage quotient and the reductions for dependent children. Annual "
            "amounts in EUR."
        ),
        "legal_reference": (
            "Royal Decree implementing the Income Tax Code 1992, annex III (KB/WIB 92 / "
            "AR/CIR 92), as amended by the Royal Decree of 11 December 2025 (Belgian Official "
            "Gazette 29 December 2025), key formula from 1 January 2026"
        ),
        "legal_url": WITHHOLDING_URL,
        "schema": WITHHOLDING_SCHEMA,
        "versions": [
            {
                "valid_from": "2026-01-01",
                "value": KEY_FORMULA_2026,
                "reason": "Key formula for income paid from 1 January 2026 (docs/rules.md, Pay).",
            }
        ],
    },
    {
        "key": WORKING_DAYS_TO_PAY,
        "kind": "integer",
        "description": (
            "Belgian working days between the last day of work and the payment of the salary."
        ),
        "legal_reference": "General terms and internal rules of the cooperative (payment of work)",
        "legal_url": "",
        "schema": None,
        "versions": [
            {"valid_from": "2020-01-01", "value": 7, "reason": "Value at the start of pay."}
        ],
    },
]

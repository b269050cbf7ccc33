"""The seed catalogue: today's Belgian values and where they come from (docs/rules.md).

Pure data, loaded once by a migration. Each entry is one rule key with its
kind, its legal source and its dated versions (ascending, distinct dates).
Values are JSON as `rules.values.clean_value` stores them: decimals and
percentages are strings, money is {"amount": "0.00", "currency": "EUR"},
durations are ISO 8601 strings, texts carry nl, fr and en.

The seed is the only place where versions may start in the past; every later
change goes through the legal team (draft, second approver, published).
"""

from typing import Any

# --- Sources -----------------------------------------------------------------------

# Code de la TVA / Btw-Wetboek (law of 3 July 1969), consolidated text on Justel.
VAT_CODE_URL = "https://www.ejustice.just.fgov.be/eli/loi/1969/07/03/1969070305/justel"
# Law of 2 August 2002 on combating late payment in commercial transactions.
LATE_PAYMENT_LAW_URL = "https://www.ejustice.just.fgov.be/eli/loi/2002/08/02/2002009716/justel"
# Code des sociétés et des associations / Wetboek van vennootschappen en verenigingen.
CSA_URL = "https://www.ejustice.just.fgov.be/eli/loi/2019/03/23/2019A40586/justel"
# FPS Finance, Treasury: the late-payment interest rate, communicated each half-year.
LATE_INTEREST_URL = (
    "https://financien.belgium.be/nl/over_de_fod/structuur_en_diensten/algemene_administraties/"
    "thesaurie/rentevoet_betalingsachterstand_handelstransacties"
)
# FPS Finance: mandatory structured e-invoicing between Belgian VAT-registered businesses.
EINVOICE_URL = "https://efacture.belgium.be/fr"

PLATFORM_START = "2020-01-01"
START_REASON = "Value at the platform's start."

# --- Reusable schema parts -----------------------------------------------------------

_LOCALIZED_TEXT: dict[str, Any] = {
    "type": "object",
    "properties": {
        "nl": {"type": "string", "minLength": 1},
        "fr": {"type": "string", "minLength": 1},
        "en": {"type": "string", "minLength": 1},
    },
    "required": ["nl", "fr", "en"],
    "additionalProperties": False,
}

_RULE_KEY_PATTERN = r"^[a-z0-9_]+(\.[a-z0-9_]+)+$"

# A series format is a Python format string with {number} (zero-padded or not)
# and optionally {year}: "F{year}-{number:06d}" gives F2026-000001.
_SERIES_FORMAT: dict[str, Any] = {
    "type": "string",
    "pattern": r"^[^{}]*(\{year\}[^{}]*)?\{number(:0[1-9]d)?\}[^{}]*$",
    "maxLength": 40,
}

_VAT_CATEGORY: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": _LOCALIZED_TEXT,
        # Keys of the percentage rules that may be used with this category.
        "rate_keys": {"type": "array", "items": {"type": "string", "pattern": _RULE_KEY_PATTERN}},
        # A fixed rate (EN 16931 wants 0 for E, AE, K and G); null when the rate
        # comes from rate_keys or, for O, when no rate may be given at all.
        "rate": {"type": ["string", "null"], "pattern": r"^\d{1,3}(\.\d+)?$"},
        "exemption_reason_required": {"type": "boolean"},
        # VATEX code for BT-121 (cac:TaxExemptionReasonCode); null: none applies.
        "vatex_code": {"type": ["string", "null"], "pattern": r"^VATEX-[A-Z]{2}-[A-Z0-9-]+$"},
        # The legal mention printed on the invoice and sent as BT-120; null: none.
        "mention": {"anyOf": [_LOCALIZED_TEXT, {"type": "null"}]},
        "legal_reference": {"type": "string", "minLength": 1},
    },
    "required": [
        "name",
        "rate_keys",
        "rate",
        "exemption_reason_required",
        "vatex_code",
        "mention",
        "legal_reference",
    ],
    "additionalProperties": False,
}

_VAT_CATEGORY_CODES = ["S", "Z", "E", "AE", "K", "G", "O"]

# --- The catalogue -------------------------------------------------------------------

CATALOGUE: list[dict[str, Any]] = [
    # --- Shares ------------------------------------------------------------------------
    {
        "key": "shares.nominal_value",
        "kind": "money",
        "description": (
            "Nominal value of one share; a member pays it on subscribing and gets it back on "
            "leaving."
        ),
        "legal_reference": (
            "Articles of association of the cooperative (shares clause); CSA/WVV Book 6 "
            "(cooperative company)"
        ),
        "legal_url": CSA_URL,
        "schema": None,
        "versions": [
            {
                "valid_from": PLATFORM_START,
                "value": {"amount": "30.00", "currency": "EUR"},
                "reason": START_REASON,
            },
        ],
    },
    {
        "key": "shares.minimum_to_join",
        "kind": "integer",
        "description": "Number of shares a person must subscribe and pay to become a member.",
        "legal_reference": (
            "Articles of association of the cooperative (admission of shareholders); "
            "CSA/WVV Book 6 (cooperative company)"
        ),
        "legal_url": CSA_URL,
        "schema": None,
        "versions": [
            {"valid_from": PLATFORM_START, "value": 1, "reason": START_REASON},
        ],
    },
    {
        "key": "shares.per_year_of_use",
        "kind": "integer",
        "description": (
            "Shares a member is asked to hold per calendar year of use of the services; the "
            "nightly checks report members short of it, nothing is blocked."
        ),
        "legal_reference": "Internal rules of the cooperative (shareholding of users)",
        "legal_url": "",
        "schema": None,
        "versions": [
            {"valid_from": PLATFORM_START, "value": 1, "reason": START_REASON},
        ],
    },
    {
        "key": "shares.exit_window",
        "kind": "structured",
        "description": (
            "Months of the financial year (1 = its first month) in which a member may resign; "
            "a written request outside the window takes effect in the next window."
        ),
        "legal_reference": (
            "CSA/WVV art. 6:120 (resignation during the first six months of the financial "
            "year unless the articles provide otherwise); articles of association"
        ),
        "legal_url": CSA_URL,
        "schema": {
            "type": "object",
            "properties": {
                "from_month": {"type": "integer", "minimum": 1, "maximum": 12},
                "to_month": {"type": "integer", "minimum": 1, "maximum": 12},
            },
            "required": ["from_month", "to_month"],
            "additionalProperties": False,
        },
        "versions": [
            {
                "valid_from": PLATFORM_START,
                "value": {"from_month": 1, "to_month": 6},
                "reason": START_REASON,
            },
        ],
    },
    {
        "key": "shares.refund_term",
        "kind": "duration",
        "description": (
            "Longest time between a member's exit and the refund of their shares at nominal value."
        ),
        "legal_reference": (
            "Articles of association of the cooperative (exit and refund clause); "
            "CSA/WVV art. 6:120"
        ),
        "legal_url": CSA_URL,
        "schema": None,
        "versions": [
            {"valid_from": PLATFORM_START, "value": "P3Y", "reason": START_REASON},
        ],
    },
    # --- Invoicing ---------------------------------------------------------------------
    {
        "key": "invoicing.contribution_rate",
        "kind": "percentage",
        "description": (
            "Share of each invoice's amount excluding VAT that the cooperative keeps; the "
            "rest funds the member's activity budget."
        ),
        "legal_reference": "General terms and internal rules of the cooperative (contribution)",
        "legal_url": "",
        "schema": None,
        "versions": [
            {"valid_from": PLATFORM_START, "value": "6.5", "reason": START_REASON},
        ],
    },
    {
        "key": "invoicing.payment_term_default",
        "kind": "duration",
        "description": "Payment term printed on an invoice when none was agreed with the client.",
        "legal_reference": (
            "Law of 2 August 2002 on late payment in commercial transactions, art. 4 "
            "(30 calendar days when nothing is agreed)"
        ),
        "legal_url": LATE_PAYMENT_LAW_URL,
        "schema": None,
        "versions": [
            {"valid_from": PLATFORM_START, "value": "P30D", "reason": START_REASON},
        ],
    },
    {
        "key": "invoicing.payment_term_max_b2b",
        "kind": "duration",
        "description": (
            "Longest payment term that may be agreed with a business client; a longer term "
            "is refused."
        ),
        "legal_reference": (
            "Law of 2 August 2002 on late payment in commercial transactions, art. 4, as "
            "amended by the law of 14 August 2021 (in force 1 February 2022)"
        ),
        "legal_url": LATE_PAYMENT_LAW_URL,
        "schema": None,
        "versions": [
            {
                "valid_from": "2022-02-01",
                "value": "P60D",
                "reason": (
                    "Law of 14 August 2021: B2B payment terms may no longer exceed 60 calendar "
                    "days, from 1 February 2022."
                ),
            },
        ],
    },
    {
        "key": "invoicing.late_interest_rate",
        "kind": "percentage",
        "description": (
            "Yearly interest due by law on a late B2B payment when no other rate was agreed: "
            "the ECB main refinancing rate plus 8 points, rounded up to the next half point, "
            "fixed per half-year."
        ),
        "legal_reference": (
            "Law of 2 August 2002 on late payment in commercial transactions, art. 5; "
            "half-yearly communication of FPS Finance in the Belgian Official Gazette"
        ),
        "legal_url": LATE_INTEREST_URL,
        "schema": None,
        "versions": [
            {
                "valid_from": "2023-01-01",
                "value": "10.5",
                "reason": "2023 H1: FPS Finance communication, Moniteur belge of 17/03/2023.",
            },
            {
                "valid_from": "2023-07-01",
                "value": "12",
                "reason": "2023 H2: FPS Finance communication, Moniteur belge of 29/09/2023.",
            },
            {
                "valid_from": "2024-01-01",
                "value": "12.5",
                "reason": "2024 H1: FPS Finance communication in the Moniteur belge.",
            },
            {
                "valid_from": "2024-07-01",
                "value": "12.5",
                "reason": "2024 H2: FPS Finance communication, Moniteur belge of 30/07/2024.",
            },
            {
                "valid_from": "2025-01-01",
                "value": "11.5",
                "reason": "2025 H1: FPS Finance communication in the Moniteur belge.",
            },
            {
                "valid_from": "2025-07-01",
                "value": "10.5",
                "reason": (
                    "2025 H2: ECB main refinancing rate 2.15 % + 8, rounded up to 10.5 %; "
                    "confirmed by secondary sources, Gazette text not seen."
                ),
            },
            {
                "valid_from": "2026-01-01",
                "value": "10.5",
                "reason": (
                    "2026 H1: unchanged at 10.5 % (ECB rate unchanged); confirmed by a "
                    "secondary source, Gazette text not seen."
                ),
            },
            {
                "valid_from": "2026-07-01",
                "value": "10.5",
                "reason": (
                    "2026 H2: NOT CONFIRMED. Computed by the statutory formula (ECB rate on "
                    "1 July 2026 + 8, rounded up to the next half point); the legal team must "
                    "check the FPS Finance communication."
                ),
            },
        ],
    },
    {
        "key": "invoicing.recovery_compensation",
        "kind": "money",
        "description": (
            "Fixed compensation for recovery costs due by a late-paying business client, "
            "without notice, on top of the interest."
        ),
        "legal_reference": (
            "Law of 2 August 2002 on late payment in commercial transactions, art. 6"
        ),
        "legal_url": LATE_PAYMENT_LAW_URL,
        "schema": None,
        "versions": [
            {
                "valid_from": PLATFORM_START,
                "value": {"amount": "40.00", "currency": "EUR"},
                "reason": START_REASON,
            },
        ],
    },
    {
        "key": "invoicing.credit_note_mention",
        "kind": "text",
        "description": (
            "Statutory wording on every credit note that returns VAT: the client repays the "
            "VAT it had deducted."
        ),
        "legal_reference": (
            "VAT Code art. 77 and 79; Royal Decree no. 4 of 29 December 1969 on VAT refunds, "
            "art. 4, § 1"
        ),
        "legal_url": VAT_CODE_URL,
        "schema": None,
        "versions": [
            {
                "valid_from": PLATFORM_START,
                "value": {
                    "nl": (
                        "Btw terug te storten aan de Staat in de mate waarin ze oorspronkelijk "
                        "in aftrek werd gebracht."
                    ),
                    "fr": (
                        "TVA à reverser à l'État dans la mesure où elle a été initialement déduite."
                    ),
                    "en": "VAT to be repaid to the State insofar as it was initially deducted.",
                },
                "reason": START_REASON,
            },
        ],
    },
    {
        "key": "invoicing.number_format",
        "kind": "structured",
        "description": (
            "Format of the numbers of each series, one sequence without gaps per series and "
            "year; {year} is the issue year and {number} the sequence number."
        ),
        "legal_reference": (
            "VAT Code art. 53, § 2; Royal Decree no. 1 of 29 December 1992, art. 5, § 1 "
            "(sequential number, one or more series)"
        ),
        "legal_url": VAT_CODE_URL,
        "schema": {
            "type": "object",
            "properties": {"invoice": _SERIES_FORMAT, "credit_note": _SERIES_FORMAT},
            "required": ["invoice", "credit_note"],
            "additionalProperties": False,
        },
        "versions": [
            {
                "valid_from": PLATFORM_START,
                "value": {"invoice": "F{year}-{number:06d}", "credit_note": "C{year}-{number:06d}"},
                "reason": START_REASON,
            },
        ],
    },
    {
        "key": "invoicing.issue_deadline_day",
        "kind": "integer",
        "description": (
            "Day of the month after the supply by which its invoice must be issued at the latest."
        ),
        "legal_reference": (
            "Royal Decree no. 1 of 29 December 1992, art. 4, § 1 (at the latest the 15th day "
            "of the month after the one in which the VAT became due)"
        ),
        "legal_url": VAT_CODE_URL,
        "schema": None,
        "versions": [
            {"valid_from": PLATFORM_START, "value": 15, "reason": START_REASON},
        ],
    },
    {
        "key": "invoicing.retention_period",
        "kind": "duration",
        "description": "How long issued invoices, credit notes and their files are kept.",
        "legal_reference": (
            "VAT Code art. 60, § 3 (10 years since the law of 20 November 2022, previously 7 years)"
        ),
        "legal_url": VAT_CODE_URL,
        "schema": None,
        "versions": [
            {"valid_from": PLATFORM_START, "value": "P7Y", "reason": START_REASON},
            {
                "valid_from": "2023-01-01",
                "value": "P10Y",
                "reason": "Retention of VAT documents raised from 7 to 10 years from 2023.",
            },
        ],
    },
    {
        "key": "invoicing.einvoicing_b2b",
        "kind": "structured",
        "description": (
            "Whether an invoice to a Belgian VAT-registered client must be a structured "
            "e-invoice sent over Peppol, in which format and under which participant scheme."
        ),
        "legal_reference": (
            "VAT Code art. 53, § 2, as amended by the law of 6 February 2024 (structured "
            "e-invoices between Belgian VAT-registered businesses from 1 January 2026)"
        ),
        "legal_url": EINVOICE_URL,
        "schema": {
            "type": "object",
            "properties": {
                "required": {"type": "boolean"},
                "format": {"type": "string", "minLength": 1},
                "participant_scheme": {"type": "string", "pattern": r"^\d{4}$"},
            },
            "required": ["required", "format", "participant_scheme"],
            "additionalProperties": False,
        },
        "versions": [
            {
                "valid_from": PLATFORM_START,
                "value": {
                    "required": False,
                    "format": "Peppol BIS Billing 3.0 (UBL 2.1)",
                    "participant_scheme": "0208",
                },
                "reason": START_REASON,
            },
            {
                "valid_from": "2026-01-01",
                "value": {
                    "required": True,
                    "format": "Peppol BIS Billing 3.0 (UBL 2.1)",
                    "participant_scheme": "0208",
                },
                "reason": "Law of 6 February 2024: structured B2B e-invoices from 1 January 2026.",
            },
        ],
    },
    # --- VAT -----------------------------------------------------------------------------
    {
        "key": "vat.rates.standard",
        "kind": "percentage",
        "description": "Belgian standard VAT rate.",
        "legal_reference": "VAT Code art. 37, § 1; Royal Decree no. 20 of 20 July 1970, art. 1",
        "legal_url": VAT_CODE_URL,
        "schema": None,
        "versions": [
            {"valid_from": PLATFORM_START, "value": "21", "reason": START_REASON},
        ],
    },
    {
        "key": "vat.rates.intermediate",
        "kind": "percentage",
        "description": "Belgian intermediate reduced VAT rate (goods and services of table C).",
        "legal_reference": (
            "VAT Code art. 37, § 1; Royal Decree no. 20 of 20 July 1970, art. 1 and table C"
        ),
        "legal_url": VAT_CODE_URL,
        "schema": None,
        "versions": [
            {"valid_from": PLATFORM_START, "value": "12", "reason": START_REASON},
        ],
    },
    {
        "key": "vat.rates.reduced",
        "kind": "percentage",
        "description": "Belgian reduced VAT rate (goods and services of table A).",
        "legal_reference": (
            "VAT Code art. 37, § 1; Royal Decree no. 20 of 20 July 1970, art. 1 and table A"
        ),
        "legal_url": VAT_CODE_URL,
        "schema": None,
        "versions": [
            {"valid_from": PLATFORM_START, "value": "6", "reason": START_REASON},
        ],
    },
    {
        "key": "vat.rates.zero",
        "kind": "percentage",
        "description": "Belgian zero VAT rate (goods and services of table B, e.g. newspapers).",
        "legal_reference": (
            "VAT Code art. 37, § 1; Royal Decree no. 20 of 20 July 1970, art. 1 and table B"
        ),
        "legal_url": VAT_CODE_URL,
        "schema": None,
        "versions": [
            {"valid_from": PLATFORM_START, "value": "0", "reason": START_REASON},
        ],
    },
    {
        "key": "vat.categories",
        "kind": "structured",
        "description": (
            "The EN 16931 VAT category codes the platform invoices with: for each, the rates "
            "allowed, whether an exemption reason is required, the VATEX code and the legal "
            "mention."
        ),
        "legal_reference": (
            "EN 16931 / Peppol BIS Billing 3.0 (UNCL5305, VATEX; rules BR-S/Z/E/AE/IC/G/O); "
            "VAT Code art. 21, § 2, 39, 39bis, 44, 51, § 2; Royal Decree no. 1, art. 5, § 1"
        ),
        "legal_url": VAT_CODE_URL,
        "schema": {
            "type": "object",
            "properties": {code: _VAT_CATEGORY for code in _VAT_CATEGORY_CODES},
            "required": _VAT_CATEGORY_CODES,
            "additionalProperties": False,
        },
        "versions": [
            {
                "valid_from": PLATFORM_START,
                "value": {
                    "S": {
                        "name": {
                            "nl": "Belast tegen het normale of een verlaagd tarief",
                            "fr": "Taxé au taux normal ou à un taux réduit",
                            "en": "Taxed at the standard or a reduced rate",
                        },
                        "rate_keys": [
                            "vat.rates.standard",
                            "vat.rates.intermediate",
                            "vat.rates.reduced",
                        ],
                        "rate": None,
                        "exemption_reason_required": False,
                        "vatex_code": None,
                        "mention": None,
                        "legal_reference": "VAT Code art. 37; Royal Decree no. 20",
                    },
                    "Z": {
                        "name": {
                            "nl": "Nultarief",
                            "fr": "Taux zéro",
                            "en": "Zero rated",
                        },
                        "rate_keys": ["vat.rates.zero"],
                        "rate": None,
                        "exemption_reason_required": False,
                        "vatex_code": None,
                        "mention": None,
                        "legal_reference": "Royal Decree no. 20, table B",
                    },
                    "E": {
                        "name": {
                            "nl": "Vrijgesteld van btw",
                            "fr": "Exempté de TVA",
                            "en": "Exempt from VAT",
                        },
                        "rate_keys": [],
                        "rate": "0",
                        "exemption_reason_required": True,
                        "vatex_code": None,
                        "mention": {
                            "nl": "Vrijstelling van btw: artikel 44, § 2, 8°, van het Btw-Wetboek.",
                            "fr": "Exemption de TVA : article 44, § 2, 8°, du Code de la TVA.",
                            "en": "Exempt from VAT: Article 44, § 2, 8°, of the Belgian VAT Code.",
                        },
                        "legal_reference": (
                            "VAT Code art. 44, § 2, 8° (performing artists' services to "
                            "organisers of shows and concerts, record publishers and film "
                            "producers)"
                        ),
                    },
                    "AE": {
                        "name": {
                            "nl": "Verlegging van heffing",
                            "fr": "Autoliquidation",
                            "en": "Reverse charge",
                        },
                        "rate_keys": [],
                        "rate": "0",
                        "exemption_reason_required": True,
                        "vatex_code": "VATEX-EU-AE",
                        "mention": {
                            "nl": (
                                "Verlegging van heffing: btw verschuldigd door de afnemer "
                                "(artikel 196 van Richtlijn 2006/112/EG; plaats van de dienst: "
                                "artikel 21, § 2, van het Btw-Wetboek)."
                            ),
                            "fr": (
                                "Autoliquidation : TVA due par le preneur (article 196 de la "
                                "directive 2006/112/CE ; lieu de la prestation : article 21, "
                                "§ 2, du Code de la TVA)."
                            ),
                            "en": (
                                "Reverse charge: VAT due by the customer (Article 196 of "
                                "Directive 2006/112/EC; place of supply: Article 21, § 2, of "
                                "the Belgian VAT Code)."
                            ),
                        },
                        "legal_reference": (
                            "VAT Code art. 21, § 2 (services to a business in another EU "
                            "state); Directive 2006/112/EC art. 44, 196 and 226, 11a"
                        ),
                    },
                    "K": {
                        "name": {
                            "nl": "Vrijgestelde intracommunautaire levering",
                            "fr": "Livraison intracommunautaire exemptée",
                            "en": "Exempt intra-Community supply",
                        },
                        "rate_keys": [],
                        "rate": "0",
                        "exemption_reason_required": True,
                        "vatex_code": "VATEX-EU-IC",
                        "mention": {
                            "nl": (
                                "Vrijgestelde intracommunautaire levering: artikel 39bis, "
                                "eerste lid, 1°, van het Btw-Wetboek."
                            ),
                            "fr": (
                                "Livraison intracommunautaire exemptée : article 39bis, "
                                "alinéa 1er, 1°, du Code de la TVA."
                            ),
                            "en": (
                                "Exempt intra-Community supply: Article 39bis, first "
                                "paragraph, 1°, of the Belgian VAT Code."
                            ),
                        },
                        "legal_reference": ("VAT Code art. 39bis; Directive 2006/112/EC art. 138"),
                    },
                    "G": {
                        "name": {
                            "nl": "Vrijgestelde uitvoer buiten de EU",
                            "fr": "Exportation hors UE exemptée",
                            "en": "Exempt export outside the EU",
                        },
                        "rate_keys": [],
                        "rate": "0",
                        "exemption_reason_required": True,
                        "vatex_code": "VATEX-EU-G",
                        "mention": {
                            "nl": "Vrijgestelde uitvoer: artikel 39, § 1, van het Btw-Wetboek.",
                            "fr": "Exportation exemptée : article 39, § 1er, du Code de la TVA.",
                            "en": "Exempt export: Article 39, § 1, of the Belgian VAT Code.",
                        },
                        "legal_reference": "VAT Code art. 39, § 1; Directive 2006/112/EC art. 146",
                    },
                    "O": {
                        "name": {
                            "nl": "Niet onderworpen aan btw",
                            "fr": "Non soumis à la TVA",
                            "en": "Not subject to VAT",
                        },
                        "rate_keys": [],
                        "rate": None,
                        "exemption_reason_required": True,
                        "vatex_code": "VATEX-EU-O",
                        "mention": {
                            "nl": (
                                "Niet onderworpen aan btw: de plaats van de dienst ligt buiten "
                                "de Europese Unie (artikel 21, § 2, van het Btw-Wetboek)."
                            ),
                            "fr": (
                                "Non soumis à la TVA : le lieu de la prestation se situe hors "
                                "de l'Union européenne (article 21, § 2, du Code de la TVA)."
                            ),
                            "en": (
                                "Not subject to VAT: the place of supply is outside the "
                                "European Union (Article 21, § 2, of the Belgian VAT Code)."
                            ),
                        },
                        "legal_reference": (
                            "VAT Code art. 21, § 2 (place of supply outside the EU); "
                            "EN 16931 rules BR-O-01 to BR-O-14"
                        ),
                    },
                },
                "reason": START_REASON,
            },
        ],
    },
    {
        "key": "vat.mentions.reverse_charge_domestic",
        "kind": "text",
        "description": (
            "Mention for category AE when the Belgian customer owes the VAT (e.g. works on "
            "immovable property for a VAT-registered contractor)."
        ),
        "legal_reference": (
            "VAT Code art. 51, § 2; Royal Decree no. 1 of 29 December 1992, art. 5, § 1 "
            "(mention 'Autoliquidation' / 'Verlegging van heffing')"
        ),
        "legal_url": VAT_CODE_URL,
        "schema": None,
        "versions": [
            {
                "valid_from": PLATFORM_START,
                "value": {
                    "nl": (
                        "Verlegging van heffing: btw te voldoen door de medecontractant "
                        "(artikel 51, § 2, van het Btw-Wetboek)."
                    ),
                    "fr": (
                        "Autoliquidation : TVA à acquitter par le cocontractant (article 51, "
                        "§ 2, du Code de la TVA)."
                    ),
                    "en": (
                        "Reverse charge: VAT to be paid by the customer (Article 51, § 2, of "
                        "the Belgian VAT Code)."
                    ),
                },
                "reason": START_REASON,
            },
        ],
    },
    # --- Workspaces: the cooperative's own booking policy --------------------------------
    {
        "key": "workspaces.booking_horizon",
        "kind": "duration",
        "description": "How far ahead of its start a member may book a resource.",
        "legal_reference": "Workspace rules of the cooperative",
        "legal_url": "",
        "schema": None,
        "versions": [
            {"valid_from": PLATFORM_START, "value": "P90D", "reason": START_REASON},
        ],
    },
    {
        "key": "workspaces.booking_max_length",
        "kind": "duration",
        "description": "Longest single booking of one resource.",
        "legal_reference": "Workspace rules of the cooperative",
        "legal_url": "",
        "schema": None,
        "versions": [
            {"valid_from": PLATFORM_START, "value": "PT8H", "reason": START_REASON},
        ],
    },
    {
        "key": "workspaces.bookings_per_week",
        "kind": "integer",
        "description": (
            "Most active bookings one member may hold that start in the same calendar week "
            "(Monday to Sunday, Europe/Brussels)."
        ),
        "legal_reference": "Workspace rules of the cooperative",
        "legal_url": "",
        "schema": None,
        "versions": [
            {"valid_from": PLATFORM_START, "value": 5, "reason": START_REASON},
        ],
    },
    {
        "key": "workspaces.cancellation_deadline",
        "kind": "duration",
        "description": "Latest time before its start at which a member may cancel a booking.",
        "legal_reference": "Workspace rules of the cooperative",
        "legal_url": "",
        "schema": None,
        "versions": [
            {"valid_from": PLATFORM_START, "value": "PT24H", "reason": START_REASON},
        ],
    },
    {
        "key": "workspaces.booking_eligibility",
        "kind": "structured",
        "description": (
            "Who may book: whether a paid share is required and which member categories "
            "(A users, B staff, C partners) may book."
        ),
        "legal_reference": "Workspace rules of the cooperative",
        "legal_url": "",
        "schema": {
            "type": "object",
            "properties": {
                "paid_share_required": {"type": "boolean"},
                "member_categories": {
                    "type": "array",
                    "items": {"enum": ["A", "B", "C"]},
                    "uniqueItems": True,
                    "minItems": 1,
                },
            },
            "required": ["paid_share_required", "member_categories"],
            "additionalProperties": False,
        },
        "versions": [
            {
                "valid_from": PLATFORM_START,
                "value": {"paid_share_required": True, "member_categories": ["A", "B", "C"]},
                "reason": START_REASON,
            },
        ],
    },
    # --- Members -----------------------------------------------------------------------
    {
        "key": "members.consent_document_versions",
        "kind": "structured",
        "description": (
            "Version of each document a person accepts on joining (internal rules, data "
            "protection policy, financial-risk notice); the accepted version is recorded."
        ),
        "legal_reference": (
            "Internal rules and financial-risk notice of the cooperative; data protection "
            "policy (GDPR art. 13)"
        ),
        "legal_url": "",
        "schema": {
            "type": "object",
            "properties": {
                "internal_rules": {"type": "string", "minLength": 1, "maxLength": 20},
                "data_policy": {"type": "string", "minLength": 1, "maxLength": 20},
                "financial_risk": {"type": "string", "minLength": 1, "maxLength": 20},
            },
            "required": ["internal_rules", "data_policy", "financial_risk"],
            "additionalProperties": False,
        },
        "versions": [
            {
                "valid_from": "2026-01-01",
                "value": {
                    "internal_rules": "2026-01",
                    "data_policy": "2026-01",
                    "financial_risk": "2026-01",
                },
                "reason": (
                    "Versions in use at the seed (same as settings.CONSENT_DOCUMENT_VERSIONS)."
                ),
            },
        ],
    },
]

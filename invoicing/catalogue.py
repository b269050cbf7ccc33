"""Invoicing's own rule keys (issue 22), seeded by migration 0011 like the
rules app's seed (rules/migrations/0004_seed_catalogue.py).

`invoicing.vat_bases`: each legal basis on which a line is invoiced without
Belgian VAT (exempt, reverse charge, intra-Community, export, outside the
scope), with the conditions on the client and the activity under which the
law allows it, its mention in nl/fr/en (printed on the PDF and sent as the
exemption reason of the e-invoice) and its legal reference. The legal team
adds a basis, or changes one from a date, in the admin without code; the
conditions use the closed vocabulary below (docs/rules.md, "VAT bases").

Pure data: the migration imports it, so it imports nothing from the app.
"""

from typing import Any

VAT_CODE_URL = "https://www.ejustice.just.fgov.be/eli/loi/1969/07/03/1969070305/justel"
PLATFORM_START = "2020-01-01"
START_REASON = "Value at the platform's start."

VAT_BASES = "invoicing.vat_bases"

# The closed vocabulary of the conditions (kept equal to the models' choices:
# tests/invoicing/test_vat_bases.py checks it).
CLIENT_LOCATIONS = ["any", "belgium", "eu_other", "non_eu"]
CLIENT_SECTORS = ["other", "show_organiser", "record_publisher", "film_producer"]
ACTIVITY_KINDS = ["artistic", "other", "immovable"]
BASIS_CATEGORIES = ["E", "AE", "K", "G", "O"]

_TEXT: dict[str, Any] = {
    "type": "object",
    "properties": {
        "nl": {"type": "string", "minLength": 1},
        "fr": {"type": "string", "minLength": 1},
        "en": {"type": "string", "minLength": 1},
    },
    "required": ["nl", "fr", "en"],
    "additionalProperties": False,
}

_CONDITIONS: dict[str, Any] = {
    "type": "object",
    "properties": {
        # Where the client is: Belgium, another EU member state, outside the EU.
        "client_location": {"enum": CLIENT_LOCATIONS},
        # The client must have a VAT number valid in form for its own country.
        "client_vat_number": {"type": "boolean"},
        # The client's sector must be one of these (empty: any client).
        "client_sectors": {"type": "array", "items": {"enum": CLIENT_SECTORS}},
        # The activity's kind must be one of these (empty: any activity).
        "activity_kinds": {"type": "array", "items": {"enum": ACTIVITY_KINDS}},
    },
    "required": ["client_location", "client_vat_number", "client_sectors", "activity_kinds"],
    "additionalProperties": False,
}

_BASIS: dict[str, Any] = {
    "type": "object",
    "properties": {
        "category": {"enum": BASIS_CATEGORIES},
        "name": _TEXT,
        "mention": _TEXT,
        # BT-121 (cac:TaxExemptionReasonCode); null: the mention alone (BT-120).
        "vatex_code": {"type": ["string", "null"], "pattern": r"^VATEX-[A-Z]{2}-[A-Z0-9-]+$"},
        "legal_reference": {"type": "string", "minLength": 1},
        "conditions": _CONDITIONS,
    },
    "required": ["category", "name", "mention", "vatex_code", "legal_reference", "conditions"],
    "additionalProperties": False,
}

VAT_BASES_SCHEMA: dict[str, Any] = {
    "type": "object",
    "patternProperties": {r"^[a-z][a-z0-9_]{1,39}$": _BASIS},
    "additionalProperties": False,
    "minProperties": 1,
}

_COCONTRACTOR_NL = (
    "Verlegging van heffing: btw te voldoen door de medecontractant (artikel 51, § 2, eerste "
    "lid, 5°, van het Btw-Wetboek). Bij gebrek aan schriftelijke betwisting binnen een termijn "
    "van één maand na de ontvangst van de factuur, wordt de afnemer geacht te erkennen dat hij "
    "een belastingplichtige is gehouden tot de indiening van periodieke aangiften. Indien die "
    "verklaring niet overeenstemt met de werkelijkheid, is de afnemer met betrekking tot deze "
    "verklaring aansprakelijk voor de betaling van de verschuldigde belasting, interesten en "
    "geldboeten."
)
_COCONTRACTOR_FR = (
    "Autoliquidation : TVA à acquitter par le cocontractant (article 51, § 2, alinéa 1er, 5°, "
    "du Code de la TVA). En l'absence de contestation par écrit, dans un délai d'un mois à "
    "compter de la réception de la facture, le client est présumé reconnaître qu'il est un "
    "assujetti tenu au dépôt de déclarations périodiques. Si cette condition n'est pas "
    "remplie, le client endossera, par rapport à cette condition, la responsabilité quant au "
    "paiement de la taxe, des intérêts et des amendes dus."
)
_COCONTRACTOR_EN = (
    "Reverse charge: VAT to be paid by the co-contractor (Article 51, § 2, first paragraph, 5°, "
    "of the Belgian VAT Code). Unless the customer disputes it in writing within one month of "
    "receiving the invoice, the customer is deemed to acknowledge being a taxable person bound "
    "to file periodic VAT returns. If that statement is untrue, the customer is liable, as to "
    "that statement, for the tax, interest and fines due."
)

_BASES_2020: dict[str, Any] = {
    "eu_services": {
        "category": "AE",
        "name": {
            "nl": "Verlegging van heffing, dienst aan een btw-plichtige in een andere EU-lidstaat",
            "fr": "Autoliquidation, service à un assujetti d'un autre État membre de l'UE",
            "en": "Reverse charge, service to a VAT-registered business in another EU state",
        },
        "mention": {
            "nl": (
                "Verlegging van heffing: btw verschuldigd door de afnemer (artikel 196 van "
                "Richtlijn 2006/112/EG; plaats van de dienst: artikel 21, § 2, van het "
                "Btw-Wetboek)."
            ),
            "fr": (
                "Autoliquidation : TVA due par le preneur (article 196 de la directive "
                "2006/112/CE ; lieu de la prestation : article 21, § 2, du Code de la TVA)."
            ),
            "en": (
                "Reverse charge: VAT due by the customer (Article 196 of Directive "
                "2006/112/EC; place of supply: Article 21, § 2, of the Belgian VAT Code)."
            ),
        },
        "vatex_code": "VATEX-EU-AE",
        "legal_reference": (
            "Directive 2006/112/EC art. 44 and 196; VAT Code art. 21, § 2 (services to a "
            "taxable person established in another EU member state)"
        ),
        "conditions": {
            "client_location": "eu_other",
            "client_vat_number": True,
            "client_sectors": [],
            "activity_kinds": [],
        },
    },
    "be_cocontractor": {
        "category": "AE",
        "name": {
            "nl": "Verlegging van heffing, medecontractant (werk in onroerende staat)",
            "fr": "Autoliquidation, cocontractant (travaux immobiliers)",
            "en": "Reverse charge, Belgian co-contractor (works on immovable property)",
        },
        "mention": {"nl": _COCONTRACTOR_NL, "fr": _COCONTRACTOR_FR, "en": _COCONTRACTOR_EN},
        "vatex_code": "VATEX-EU-AE",
        "legal_reference": (
            "VAT Code art. 51, § 2, first paragraph, 5°; Royal Decree no. 1 of 29 December "
            "1992, art. 20 (works on immovable property for a VAT-registered client filing "
            "periodic returns, and the co-contractor wording)"
        ),
        "conditions": {
            "client_location": "belgium",
            "client_vat_number": True,
            "client_sectors": [],
            "activity_kinds": ["immovable"],
        },
    },
    "art44_2_8": {
        "category": "E",
        "name": {
            "nl": "Vrijgesteld, uitvoerend kunstenaar (art. 44, § 2, 8°)",
            "fr": "Exempté, artiste-interprète (art. 44, § 2, 8°)",
            "en": "Exempt, performing artist (art. 44, § 2, 8°)",
        },
        "mention": {
            "nl": "Vrijstelling van btw: artikel 44, § 2, 8°, van het Btw-Wetboek.",
            "fr": "Exemption de TVA : article 44, § 2, 8°, du Code de la TVA.",
            "en": "Exempt from VAT: Article 44, § 2, 8°, of the Belgian VAT Code.",
        },
        "vatex_code": None,
        "legal_reference": (
            "VAT Code art. 44, § 2, 8° (services of performing artists to organisers of shows "
            "and concerts, publishers of records and film producers)"
        ),
        "conditions": {
            "client_location": "any",
            "client_vat_number": False,
            "client_sectors": ["show_organiser", "record_publisher", "film_producer"],
            "activity_kinds": ["artistic"],
        },
    },
    "eu_goods": {
        "category": "K",
        "name": {
            "nl": "Vrijgestelde intracommunautaire levering",
            "fr": "Livraison intracommunautaire exemptée",
            "en": "Exempt intra-Community supply",
        },
        "mention": {
            "nl": (
                "Vrijgestelde intracommunautaire levering: artikel 39bis, eerste lid, 1°, van "
                "het Btw-Wetboek."
            ),
            "fr": (
                "Livraison intracommunautaire exemptée : article 39bis, alinéa 1er, 1°, du "
                "Code de la TVA."
            ),
            "en": (
                "Exempt intra-Community supply: Article 39bis, first paragraph, 1°, of the "
                "Belgian VAT Code."
            ),
        },
        "vatex_code": "VATEX-EU-IC",
        "legal_reference": "VAT Code art. 39bis; Directive 2006/112/EC art. 138",
        "conditions": {
            "client_location": "eu_other",
            "client_vat_number": True,
            "client_sectors": [],
            "activity_kinds": [],
        },
    },
    "export": {
        "category": "G",
        "name": {
            "nl": "Vrijgestelde uitvoer buiten de EU",
            "fr": "Exportation hors UE exemptée",
            "en": "Exempt export outside the EU",
        },
        "mention": {
            "nl": "Vrijgestelde uitvoer: artikel 39, § 1, van het Btw-Wetboek.",
            "fr": "Exportation exemptée : article 39, § 1er, du Code de la TVA.",
            "en": "Exempt export: Article 39, § 1, of the Belgian VAT Code.",
        },
        "vatex_code": "VATEX-EU-G",
        "legal_reference": "VAT Code art. 39, § 1; Directive 2006/112/EC art. 146",
        "conditions": {
            "client_location": "non_eu",
            "client_vat_number": False,
            "client_sectors": [],
            "activity_kinds": [],
        },
    },
    "outside_eu": {
        "category": "O",
        "name": {
            "nl": "Niet onderworpen aan btw, dienst buiten de EU",
            "fr": "Non soumis à la TVA, service hors UE",
            "en": "Not subject to VAT, service outside the EU",
        },
        "mention": {
            "nl": (
                "Niet onderworpen aan btw: de plaats van de dienst ligt buiten de Europese Unie "
                "(artikel 21, § 2, van het Btw-Wetboek)."
            ),
            "fr": (
                "Non soumis à la TVA : le lieu de la prestation se situe hors de l'Union "
                "européenne (article 21, § 2, du Code de la TVA)."
            ),
            "en": (
                "Not subject to VAT: the place of supply is outside the European Union "
                "(Article 21, § 2, of the Belgian VAT Code)."
            ),
        },
        "vatex_code": "VATEX-EU-O",
        "legal_reference": (
            "VAT Code art. 21, § 2 (place of supply of services to a taxable person "
            "established outside the EU)"
        ),
        "conditions": {
            "client_location": "non_eu",
            "client_vat_number": False,
            "client_sectors": [],
            "activity_kinds": [],
        },
    },
}

CATALOGUE: list[dict[str, Any]] = [
    {
        "key": VAT_BASES,
        "kind": "structured",
        "description": (
            "The legal bases on which a line is invoiced without Belgian VAT (exempt, reverse "
            "charge, intra-Community supply, export, outside the scope): for each, its VAT "
            "category, the conditions on the client and the activity, its nl/fr/en mention "
            "and its legal reference. The draft offers only the bases whose conditions hold."
        ),
        "legal_reference": (
            "VAT Code art. 21, § 2, 39, 39bis, 44, 51, § 2; Royal Decree no. 1, art. 5 and 20; "
            "Directive 2006/112/EC art. 44, 138, 146, 196 and 226"
        ),
        "legal_url": VAT_CODE_URL,
        "schema": VAT_BASES_SCHEMA,
        "versions": [
            {"valid_from": PLATFORM_START, "value": _BASES_2020, "reason": START_REASON},
        ],
    },
]

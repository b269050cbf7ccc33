"""Read the bank statement exports staff upload to book share payments.

Pure parsing: bytes in, typed lines out. No Django, no database, no booking;
the caller matches each line's structured reference to a share subscription
and uses `transaction_id` to refuse booking the same line twice.

Accepted files
--------------
A CSV export (the banks call it "CSV" even when the separator is ';') with a
header row. The header is looked for in the first 30 lines, so the preamble
some banks write above it (account number, period, "sep=;") is skipped. The
separator (';', tab or ',') is detected from the header row. Encodings: UTF-8
with or without BOM, UTF-16 with BOM, otherwise cp1252 (Latin-1).

Header cells are compared case-insensitively, trimmed, with accents and
punctuation ignored ("Référence", "REFERENCE" and "reference" are one name).
A bilingual cell such as "Datum/Date" matches if any of its '/' parts does.
Unknown columns are ignored. When several columns match one field, the
synonym listed first wins (so "Mededeling" beats "Details").

Our own documented format::

    date;amount;currency;communication;counterparty_name;counterparty_iban;transaction_id

(',' works as separator too; quote values that hold one.) The synonyms, in
order of preference:

============================  =================================================================
field                         header names
============================  =================================================================
date (required)               date, datum, booking date, boekingsdatum, date de comptabilisation,
                              date comptable, uitvoeringsdatum, date d'exécution,
                              execution date, transactiedatum, date de transaction,
                              transaction date
amount (required)             amount, bedrag, montant, transaction amount
communication                 communication, mededeling, mededelingen, vrije mededeling,
                              communication libre, free communication, bericht, message,
                              omschrijving, description, libellé, details, détails
structured communication      structured communication, structured reference,
                              gestructureerde mededeling, communication structurée, ogm, vcs
currency                      currency, munt, munteenheid, devies, devise, valuta rekening,
                              devise du compte, account currency
counterparty_name             counterparty_name, counterparty name, naam tegenpartij,
                              naam van de tegenpartij, naam tegenpartij bevat,
                              nom de la contrepartie, nom contrepartie,
                              nom de la contrepartie contient
counterparty_iban             counterparty_iban, counterparty iban, counterparty account,
                              rekening tegenpartij, rekeningnummer tegenpartij,
                              iban tegenpartij, tegenrekening, compte de la contrepartie,
                              compte contrepartie, numéro de compte de la contrepartie,
                              iban de la contrepartie, tegenpartij, contrepartie
transaction_id                transaction_id, transaction id, referentie, référence, reference,
                              bank reference, volgnummer, numéro de séquence
status                        status, statut
============================  =================================================================

A header row is recognised when it has a date, an amount and a communication
or structured communication column. "Valuta" alone is deliberately not a
currency synonym (KBC uses it for the value date), nor is "Naam"/"Nom" a
counterparty (it is the account holder), nor "Transactienummer" a
transaction id (it may restart with each statement; the fingerprint is safer).

Values
------
- Dates: dd/mm/yyyy, dd-mm-yyyy, dd.mm.yyyy or yyyy-mm-dd (a trailing time is
  ignored).
- Amounts: Decimal, never float. ',' or '.' as decimal separator, optional
  thousands separators ('.', ',', space or apostrophe): "1.234,56",
  "1,234.56", "1 234,56", "30", "30,00", "30.5". A sign may lead or trail,
  "€"/"EUR" around the number is ignored. At most two decimals. A single
  separator followed by exactly three digits ("1.234") is refused as
  ambiguous rather than guessed.
- Currency: a 3-letter code, upper-cased; "EUR" when the column is absent or
  empty.
- Structured reference (OGM/VCS): `smartcoop.lib.ogm.ogm_parse` finds the first
  valid one (+++123/4567/89012+++, ***...***, with slashes, spaces or bare
  digits; check digits = first ten digits modulo 97, 97 for 0), in the
  structured column first, then in the communication; None when there is none.
- IBAN: spaces removed, upper-cased, not validated (older exports hold
  non-IBAN account numbers).

What is returned
----------------
- One `StatementLine` per credit line (amount > 0).
- Debit lines and zero amounts are skipped silently: they are not payments to
  us. They are returned nowhere; `read_statement` counts them
  (`skipped_debits`). Their other fields are not checked, so a debit with an
  odd date is no error.
- Lines whose status column says refused/rejected/cancelled are skipped and
  counted (`skipped_rejected`).
- Blank lines are skipped.
- A line with a bad date, amount or currency, a missing required column, more
  non-empty fields than the header, or a bank id already used in the file for
  different data gives one `LineError` per problem and no `StatementLine`;
  the other lines still parse.
- An empty file, a file over 10 MB, unreadable CSV or no recognisable header
  raises `BankFileError` for the whole file.

Transaction identity
--------------------
`transaction_id` is the bank's own id when the file has one for the line.
Otherwise it is a fingerprint: the sha256 hex digest (64 characters) of the
normalised date, amount, currency, communication, counterparty name and
counterparty IBAN. Identical lines in one file (the same person paying the
same amount with the same reference twice on one day) are told apart by their
occurrence number, so the n-th such line gets the same id in every export
that contains the whole day. The fingerprint depends on the columns the
export holds: the same payment exported in two different bank formats may
get two ids.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Final, Literal

from smartcoop.lib.ogm import ogm_parse

MAX_FILE_BYTES: Final = 10 * 1024 * 1024
HEADER_SEARCH_LINES: Final = 30
DEFAULT_CURRENCY: Final = "EUR"
FINGERPRINT_VERSION: Final = "bankfile-v1"
DELIMITERS: Final = (";", "\t", ",")

CENT: Final = Decimal("0.01")

# Field -> header names, most preferred first. Keep the module docstring in step.
COLUMN_SYNONYMS: Final[dict[str, tuple[str, ...]]] = {
    "date": (
        "date",
        "datum",
        "booking date",
        "boekingsdatum",
        "date de comptabilisation",
        "date comptable",
        "uitvoeringsdatum",
        "date d'exécution",
        "execution date",
        "transactiedatum",
        "date de transaction",
        "transaction date",
    ),
    "amount": ("amount", "bedrag", "montant", "transaction amount"),
    "communication": (
        "communication",
        "mededeling",
        "mededelingen",
        "vrije mededeling",
        "communication libre",
        "free communication",
        "bericht",
        "message",
        "omschrijving",
        "description",
        "libellé",
        "details",
        "détails",
    ),
    "structured_communication": (
        "structured communication",
        "structured reference",
        "gestructureerde mededeling",
        "communication structurée",
        "ogm",
        "vcs",
    ),
    "currency": (
        "currency",
        "munt",
        "munteenheid",
        "devies",
        "devise",
        "valuta rekening",
        "devise du compte",
        "account currency",
    ),
    "counterparty_name": (
        "counterparty_name",
        "counterparty name",
        "naam tegenpartij",
        "naam van de tegenpartij",
        "naam tegenpartij bevat",
        "nom de la contrepartie",
        "nom contrepartie",
        "nom de la contrepartie contient",
    ),
    "counterparty_iban": (
        "counterparty_iban",
        "counterparty iban",
        "counterparty account",
        "rekening tegenpartij",
        "rekeningnummer tegenpartij",
        "iban tegenpartij",
        "tegenrekening",
        "compte de la contrepartie",
        "compte contrepartie",
        "numéro de compte de la contrepartie",
        "iban de la contrepartie",
        "tegenpartij",
        "contrepartie",
    ),
    "transaction_id": (
        "transaction_id",
        "transaction id",
        "referentie",
        "référence",
        "reference",
        "bank reference",
        "volgnummer",
        "numéro de séquence",
    ),
    "status": ("status", "statut"),
}

REJECTED_STATUSES: Final = frozenset(
    {"geweigerd", "refuse", "refusee", "refused", "rejected", "rejete", "rejetee"}
    | {"geannuleerd", "annule", "annulee", "cancelled", "canceled"}
)

_COMMUNICATION_FIELDS: Final = ("structured_communication", "communication")
_REQUIRED_FIELDS: Final = ("date", "amount", *_COMMUNICATION_FIELDS)


class BankFileError(ValueError):
    """The whole file is unusable; `message` says why, in English."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class StatementLine:
    """One credit line of the statement."""

    line_number: int  # 1-based line in the file, the header and preamble included
    booking_date: date
    amount: Decimal  # > 0, two decimals
    currency: str  # ISO 4217, upper case
    communication: str  # the raw free and/or structured text
    structured_reference: str | None  # the 12 digits of a valid OGM/VCS, else None
    counterparty_name: str
    counterparty_iban: str  # spaces removed, upper case; "" when unknown
    transaction_id: str  # the bank's id, else a sha256 fingerprint (see module doc)


@dataclass(frozen=True)
class LineError:
    """A line that could not be read; nothing of it was kept."""

    line_number: int
    message: str


@dataclass(frozen=True)
class ParsedStatement:
    """Everything `read_statement` found, for a summary to show staff."""

    lines: tuple[StatementLine, ...]
    errors: tuple[LineError, ...]
    skipped_debits: int  # debit and zero-amount lines, ignored
    skipped_rejected: int  # lines the bank marked refused/rejected/cancelled
    header_line: int
    delimiter: str
    encoding: str
    columns: dict[str, str]  # field -> header cell as written in the file


def parse_statement_csv(data: bytes) -> tuple[list[StatementLine], list[LineError]]:
    """The credit lines and the line errors of a statement export.

    Raises BankFileError when the file as a whole cannot be used.
    """
    parsed = read_statement(data)
    return list(parsed.lines), list(parsed.errors)


def read_statement(data: bytes) -> ParsedStatement:
    """Like `parse_statement_csv`, with the skipped counts and what was detected."""
    if len(data) > MAX_FILE_BYTES:
        raise BankFileError(
            f"the file is {len(data) / 1024 / 1024:.1f} MB; at most "
            f"{MAX_FILE_BYTES // 1024 // 1024} MB is accepted"
        )
    text, encoding = _decode(data)
    if not text.strip():
        raise BankFileError("the file is empty; expected a CSV export with a header row")
    header_line, delimiter, header, columns = _find_header(text)
    return _read_rows(text, encoding, header_line, delimiter, header, columns)


# --- values ------------------------------------------------------------------------------------

_DATE_DMY = re.compile(r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4})", re.ASCII)
_DATE_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})", re.ASCII)
_TIME_SUFFIX = re.compile(r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?", re.ASCII)
_DATE_FORMATS = "dd/mm/yyyy, dd-mm-yyyy, dd.mm.yyyy or yyyy-mm-dd"


def parse_date(text: str) -> date:
    """A booking date in one of the accepted forms; ValueError with a message otherwise."""
    value = text.strip()
    if not value:
        raise ValueError(f"date is empty; expected {_DATE_FORMATS}")
    for pattern, order in ((_DATE_DMY, (4, 3, 1)), (_DATE_ISO, (1, 2, 3))):
        match = pattern.match(value)
        if match and _TIME_SUFFIX.fullmatch(value, match.end()):
            year, month, day = (int(match.group(i)) for i in order)
            try:
                return date(year, month, day)
            except ValueError:
                raise ValueError(f"date '{value}' does not exist") from None
    raise ValueError(f"date '{value}' is not a date; expected {_DATE_FORMATS}")


_AMOUNT_BODY = re.compile(r"\d(?:[\d.,' ]*\d)?", re.ASCII)
_CURRENCY_AFFIX = re.compile(r"^(?:€|eur\b)\s*|\s*(?:€|\beur)$", re.IGNORECASE)
_GROUP_SPLIT = re.compile(r"[.,' ]")


def parse_amount(text: str) -> Decimal:
    """An amount as written in a Belgian or English export, exact, with two decimals.

    Raises ValueError with a message naming the value when it is not an amount,
    is ambiguous ("1.234") or has more than two decimals.
    """
    raw = text.strip()
    if not raw:
        raise ValueError("amount is empty; expected a number such as 30,00")
    value = raw.translate({0xA0: " ", 0x202F: " ", 0x2009: " ", 0x2212: "-"})
    value = _CURRENCY_AFFIX.sub("", value).strip()
    negative = False
    if value[:1] in ("+", "-"):
        negative, value = value[0] == "-", value[1:].strip()
    elif value[-1:] in ("+", "-"):
        negative, value = value[-1] == "-", value[:-1].strip()
    value = _CURRENCY_AFFIX.sub("", value).strip()
    if not _AMOUNT_BODY.fullmatch(value):
        raise ValueError(f"amount '{raw}' is not a number")

    has_dot, has_comma = "." in value, "," in value
    if has_dot and has_comma:
        decimal_sep = "." if value.rfind(".") > value.rfind(",") else ","
        whole, _, fraction = value.rpartition(decimal_sep)
        if decimal_sep in whole:
            raise ValueError(f"amount '{raw}' is not a number")
    elif has_dot or has_comma:
        separator = "." if has_dot else ","
        if value.count(separator) > 1:
            whole, fraction = value, ""  # "1.234.567": thousands only
        else:
            whole, _, fraction = value.partition(separator)
            if len(fraction) == 3 and len(whole) <= 3 and not whole.startswith("0"):
                raise ValueError(
                    f"amount '{raw}' is ambiguous (thousands or decimals?); "
                    "expected two decimals, e.g. '1.234,00' or '1,234.00'"
                )
    else:
        whole, fraction = value, ""

    if not fraction.isdigit() and fraction:
        raise ValueError(f"amount '{raw}' is not a number")
    groups = _GROUP_SPLIT.split(whole)
    if len(groups) > 1 and (
        len({c for c in whole if not c.isdigit()}) > 1
        or not 1 <= len(groups[0]) <= 3
        or any(len(group) != 3 for group in groups[1:])
    ):
        raise ValueError(f"amount '{raw}' has misplaced thousands separators")
    try:
        amount = Decimal(f"{''.join(groups)}.{fraction or '0'}")
    except InvalidOperation:
        raise ValueError(f"amount '{raw}' is not a number") from None
    if amount != amount.quantize(CENT):
        raise ValueError(f"amount '{raw}' has more than 2 decimals")
    amount = amount.quantize(CENT)
    return -amount if negative else amount


def parse_currency(text: str) -> str:
    value = text.strip().upper()
    if not value:
        return DEFAULT_CURRENCY
    if value == "€":
        return "EUR"
    if not re.fullmatch(r"[A-Z]{3}", value):
        raise ValueError(f"currency '{text.strip()}' is not a 3-letter code such as EUR")
    return value


# --- file structure ----------------------------------------------------------------------------


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise BankFileError("the file starts as UTF-16 but is not valid UTF-16") from None
    for encoding in ("utf-8", "cp1252"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1"), "latin-1"


def _normalise_header(cell: str) -> str:
    text = unicodedata.normalize("NFKD", cell)
    text = "".join(char for char in text if not unicodedata.combining(char))
    return re.sub(r"[^0-9a-z]+", " ", text.casefold()).strip()


_LOOKUP: Final[dict[str, tuple[str, ...]]] = {
    name: tuple(dict.fromkeys(_normalise_header(synonym) for synonym in synonyms))
    for name, synonyms in COLUMN_SYNONYMS.items()
}


def _header_keys(cell: str) -> set[str]:
    keys = {_normalise_header(cell)}
    if "/" in cell:
        keys.update(_normalise_header(part) for part in cell.split("/"))
    return keys


def map_header(cells: list[str]) -> dict[str, int] | None:
    """Field -> column index, or None when the row is not a header we know."""
    keys = [_header_keys(cell) for cell in cells]
    mapping: dict[str, int] = {}
    for name, synonyms in _LOOKUP.items():
        for synonym in synonyms:
            index = next(
                (i for i, k in enumerate(keys) if synonym in k and i not in mapping.values()),
                None,
            )
            if index is not None:
                mapping[name] = index
                break
    has_communication = any(name in mapping for name in _COMMUNICATION_FIELDS)
    if "date" in mapping and "amount" in mapping and has_communication:
        return mapping
    return None


def _find_header(text: str) -> tuple[int, str, list[str], dict[str, int]]:
    lines = io.StringIO(text, newline="")
    for line_number, line in enumerate(lines, start=1):
        if line_number > HEADER_SEARCH_LINES:
            break
        if not line.strip():
            continue
        best: tuple[str, list[str], dict[str, int]] | None = None
        for delimiter in DELIMITERS:
            try:
                cells = next(csv.reader([line], delimiter=delimiter), [])
            except csv.Error:
                continue
            mapping = map_header(cells)
            if mapping is not None and (best is None or len(mapping) > len(best[2])):
                best = (delimiter, cells, mapping)
        if best is not None:
            return (line_number, *best)
    raise BankFileError(
        "no header row found; expected columns such as "
        "'date;amount;currency;communication;counterparty_name;counterparty_iban;"
        "transaction_id' or a bank export with Datum/Date, Bedrag/Montant and "
        "Mededeling/Communication"
    )


def _read_rows(
    text: str,
    encoding: str,
    header_line: int,
    delimiter: str,
    header: list[str],
    columns: dict[str, int],
) -> ParsedStatement:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    lines: list[StatementLine] = []
    errors: list[LineError] = []
    skipped_debits = skipped_rejected = 0
    occurrences: Counter[tuple[str, ...]] = Counter()
    bank_ids: dict[str, tuple[int, tuple[str, ...]]] = {}
    end_of_previous = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise BankFileError(f"line {reader.line_num} is not readable CSV: {exc}") from None
        line_number, end_of_previous = end_of_previous + 1, reader.line_num
        if line_number <= header_line or not any(cell.strip() for cell in row):
            continue
        result = _read_row(row, line_number, delimiter, header, columns)
        if isinstance(result, str):
            if result == "debit":
                skipped_debits += 1
            else:
                skipped_rejected += 1
            continue
        if isinstance(result, list):
            errors.extend(result)
            continue
        line, key = result
        if line.transaction_id:
            previous = bank_ids.setdefault(line.transaction_id, (line_number, key))
            if previous[1] != key:
                errors.append(
                    LineError(
                        line_number,
                        f"transaction id '{line.transaction_id}' is already used on line "
                        f"{previous[0]} for a different transaction; expected unique ids",
                    )
                )
                continue
        else:
            occurrences[key] += 1
            line = _with_id(line, _fingerprint(key, occurrences[key]))
        lines.append(line)
    return ParsedStatement(
        lines=tuple(lines),
        errors=tuple(errors),
        skipped_debits=skipped_debits,
        skipped_rejected=skipped_rejected,
        header_line=header_line,
        delimiter=delimiter,
        encoding=encoding,
        columns={name: header[index].strip() for name, index in columns.items()},
    )


def _read_row(
    row: list[str],
    line_number: int,
    delimiter: str,
    header: list[str],
    columns: dict[str, int],
) -> tuple[StatementLine, tuple[str, ...]] | list[LineError] | Literal["debit", "rejected"]:
    """The line and its fingerprint key (id left empty when the bank gave none),
    the errors, or "debit"/"rejected" for a line to skip."""
    errors: list[LineError] = []
    if any(cell.strip() for cell in row[len(header) :]):
        shown = "tab" if delimiter == "\t" else f"'{delimiter}'"
        errors.append(
            LineError(
                line_number,
                f"the line has {len(row)} fields but the header {len(header)}; "
                f"a value may hold an unquoted {shown}",
            )
        )
    for name in _REQUIRED_FIELDS:
        index = columns.get(name)
        if index is not None and index >= len(row):
            errors.append(
                LineError(
                    line_number,
                    f"missing the {name.replace('_', ' ')} column ('{header[index].strip()}'); "
                    f"the line has {len(row)} fields, expected {len(header)}",
                )
            )
    if errors:
        return errors

    def cell(name: str) -> str:
        index = columns.get(name)
        if index is None or index >= len(row):
            return ""
        return unicodedata.normalize("NFC", row[index]).strip()

    if _normalise_header(cell("status")) in REJECTED_STATUSES:
        return "rejected"
    amount: Decimal | None = None
    try:
        amount = parse_amount(cell("amount"))
    except ValueError as exc:
        errors.append(LineError(line_number, str(exc)))
    if amount is not None and amount <= 0:
        return "debit"
    booking_date: date | None = None
    try:
        booking_date = parse_date(cell("date"))
    except ValueError as exc:
        errors.append(LineError(line_number, str(exc)))
    currency = DEFAULT_CURRENCY
    try:
        currency = parse_currency(cell("currency"))
    except ValueError as exc:
        errors.append(LineError(line_number, str(exc)))
    if errors or amount is None or booking_date is None:
        return errors

    structured, free = cell("structured_communication"), cell("communication")
    communication = " ".join(part for part in (structured, free) if part)
    reference = ogm_parse(structured) or ogm_parse(free)
    name = " ".join(cell("counterparty_name").split())
    iban = "".join(cell("counterparty_iban").split()).upper()
    key = (
        booking_date.isoformat(),
        f"{amount:.2f}",
        currency,
        _normalise_text(communication),
        _normalise_text(name),
        iban,
    )
    line = StatementLine(
        line_number=line_number,
        booking_date=booking_date,
        amount=amount,
        currency=currency,
        communication=communication,
        structured_reference=reference,
        counterparty_name=name,
        counterparty_iban=iban,
        transaction_id=cell("transaction_id"),
    )
    return line, key


def _normalise_text(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def _fingerprint(key: tuple[str, ...], occurrence: int) -> str:
    parts = [FINGERPRINT_VERSION, *key]
    if occurrence > 1:
        parts.append(str(occurrence))
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def _with_id(line: StatementLine, transaction_id: str) -> StatementLine:
    return replace(line, transaction_id=transaction_id)


# --- CODA ------------------------------------------------------------------------------------


def is_coda(data: bytes) -> bool:
    """CODA (Febelfin's bank statement standard) has 128-character records,
    the first of which is a header starting with '0000'."""
    first = data.lstrip(b"\xef\xbb\xbf").split(b"\n", 1)[0].rstrip(b"\r")
    return first.startswith(b"0000") and len(first) == 128


def parse_statement_coda(data: bytes) -> tuple[list[StatementLine], list[LineError]]:
    """The credit movements of a CODA file, read with febelfin-coda (the
    Tryton project's parser). A movement's identity is its account, statement
    date, sequence and bank reference, so the same file read again, or the
    next day's file repeating a movement, gives the same transaction ids."""
    from coda import CODA  # febelfin-coda

    if len(data) > MAX_FILE_BYTES:
        raise BankFileError("the CODA file is larger than 10 MB")
    try:
        statements = CODA(io.StringIO(data.decode("cp1252"))).statements
    except Exception as exc:  # the parser raises plain errors on malformed records
        raise BankFileError(f"this is not a readable CODA file: {exc}") from exc
    lines: list[StatementLine] = []
    errors: list[LineError] = []
    number = 0
    for statement in statements:
        currency = (statement.account_currency or "EUR").upper()
        for move in statement.moves:
            number += 1
            if move.amount is None or move.amount <= 0:
                continue  # debits are not payments to us
            communication = move.communication or ""
            booking_date = move.entry_date or move.value_date
            if booking_date is None:
                errors.append(LineError(number, "movement without a date"))
                continue
            identity = ":".join(
                [
                    "coda",
                    str(statement.account or ""),
                    f"{statement.new_balance_date or booking_date:%Y%m%d}",
                    str(move.sequence),
                    (move.bank_reference or "").strip(),
                ]
            )
            lines.append(
                StatementLine(
                    line_number=number,
                    booking_date=booking_date,
                    amount=move.amount.quantize(Decimal("0.01")),
                    currency=currency,
                    communication=communication,
                    structured_reference=ogm_parse(communication) if communication else None,
                    counterparty_name=(getattr(move, "counterparty_name", None) or "").strip(),
                    counterparty_iban=(getattr(move, "counterparty_account", None) or "")
                    .replace(" ", "")
                    .upper(),
                    transaction_id=identity,
                )
            )
    return lines, errors


# The openings of files people upload by mistake: a PDF or image of the
# statement, a spreadsheet (xlsx, ods and docx are zip files), an old Excel file.
_NOT_A_STATEMENT_OPENINGS: Final = (
    b"%PDF",
    b"PK\x03\x04",
    b"\xd0\xcf\x11\xe0",
    b"\x89PNG",
    b"\xff\xd8\xff",
    b"GIF8",
)


def looks_like_statement(data: bytes) -> bool:
    """Whether `data` can be a CSV export or a CODA file at all, from its first
    bytes (not its name): text, not a document, an image or a spreadsheet.
    UTF-16 text (some banks' exports) has NUL bytes and is let through."""
    head = data[:4096]
    if not head.strip() or head.startswith(_NOT_A_STATEMENT_OPENINGS):
        return False
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    return b"\x00" not in head


def parse_statement(data: bytes) -> tuple[list[StatementLine], list[LineError]]:
    """A bank statement export, CODA or CSV, recognised from its content."""
    if is_coda(data):
        return parse_statement_coda(data)
    return parse_statement_csv(data)

"""shares.bankfile: reading bank statement exports. Pure parsing, no database."""

import datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shares import bankfile
from shares.bankfile import (
    BankFileError,
    LineError,
    StatementLine,
    parse_amount,
    parse_date,
    parse_statement_csv,
    read_statement,
)

OWN_HEADER = "date;amount;currency;communication;counterparty_name;counterparty_iban;transaction_id"
OGM = "090933755493"  # 0909337554 % 97 == 93


def ogm(base: int) -> str:
    return f"{base:010d}{base % 97 or 97:02d}"


def csv_bytes(*rows: str, encoding: str = "utf-8", newline: str = "\r\n") -> bytes:
    return newline.join(rows).encode(encoding)


def only_line(data: bytes) -> StatementLine:
    lines, errors = parse_statement_csv(data)
    assert errors == []
    assert len(lines) == 1
    return lines[0]


# --- formats -----------------------------------------------------------------------------------


def test_own_format_semicolon() -> None:
    lines, errors = parse_statement_csv(
        csv_bytes(
            OWN_HEADER,
            "2024-03-15;150,00;EUR;+++090/9337/55493+++;Jan Peeters;BE68 5390 0754 7034;TX-1",
            "2024-03-16;30;eur;gift;An Janssens;;TX-2",
        )
    )
    assert errors == []
    assert lines == [
        StatementLine(
            line_number=2,
            booking_date=datetime.date(2024, 3, 15),
            amount=Decimal("150.00"),
            currency="EUR",
            communication="+++090/9337/55493+++",
            structured_reference=OGM,
            counterparty_name="Jan Peeters",
            counterparty_iban="BE68539007547034",
            transaction_id="TX-1",
        ),
        StatementLine(
            line_number=3,
            booking_date=datetime.date(2024, 3, 16),
            amount=Decimal("30.00"),
            currency="EUR",
            communication="gift",
            structured_reference=None,
            counterparty_name="An Janssens",
            counterparty_iban="",
            transaction_id="TX-2",
        ),
    ]


def test_own_format_comma_separator_with_quoted_amount() -> None:
    parsed = read_statement(
        csv_bytes(
            OWN_HEADER.replace(";", ","),
            '2024-03-15,"1.234,56",EUR,+++090/9337/55493+++,"Peeters, Jan",BE68539007547034,T1',
            "2024-03-16,1234.56,EUR,hello,An,BE68539007547034,T2",
        )
    )
    assert parsed.delimiter == ","
    assert parsed.errors == ()
    assert [line.amount for line in parsed.lines] == [Decimal("1234.56")] * 2
    assert parsed.lines[0].counterparty_name == "Peeters, Jan"


def test_own_format_header_is_case_insensitive_and_trimmed() -> None:
    header = (
        " DATE ; Amount;Currency ;Communication;Counterparty_Name;COUNTERPARTY_IBAN;Transaction_ID"
    )
    line = only_line(csv_bytes(header, "2024-03-15;10,00;EUR;x;A;B;T1"))
    assert line.amount == Decimal("10.00")
    assert line.transaction_id == "T1"


def test_dutch_bank_export_with_preamble() -> None:
    parsed = read_statement(
        csv_bytes(
            "Rekening;BE68 5390 0754 7034",
            "Boekingsdatum vanaf;01/03/2024",
            "",
            "Rekening;Boekingsdatum;Bedrag;Munt;Naam tegenpartij;Rekening tegenpartij;"
            "Mededeling;Referentie",
            "BE68539007547034;15/03/2024;1.234,56;EUR;Jan Peeters;BE71 0961 2345 6769;"
            "+++090/9337/55493+++;2024-0001",
        )
    )
    assert parsed.header_line == 4
    assert parsed.errors == ()
    (line,) = parsed.lines
    assert line.line_number == 5
    assert line.booking_date == datetime.date(2024, 3, 15)
    assert line.amount == Decimal("1234.56")
    assert line.counterparty_name == "Jan Peeters"
    assert line.counterparty_iban == "BE71096123456769"
    assert line.structured_reference == OGM
    assert line.transaction_id == "2024-0001"
    assert parsed.columns["amount"] == "Bedrag"
    assert parsed.columns["date"] == "Boekingsdatum"


def test_french_bank_export_tab_separated() -> None:
    parsed = read_statement(
        csv_bytes(
            "Date\tMontant\tDevise\tNom de la contrepartie\tCompte de la contrepartie"
            "\tCommunication\tRéférence",
            f"15.03.2024\t30,00\tEUR\tBénédicte Dupont\tBE71096123456769\t{OGM}\tREF-9",
        )
    )
    assert parsed.delimiter == "\t"
    (line,) = parsed.lines
    assert line.counterparty_name == "Bénédicte Dupont"
    assert line.structured_reference == OGM
    assert line.transaction_id == "REF-9"


def test_bilingual_header_cells() -> None:
    line = only_line(
        csv_bytes(
            "Datum/Date;Bedrag/Montant;Munt/Devise;Mededeling/Communication;"
            "Naam tegenpartij/Nom de la contrepartie;"
            "Rekening tegenpartij/Compte de la contrepartie;Referentie/Référence",
            "15-03-2024;30,00;EUR;+++090/9337/55493+++;Jan;BE71096123456769;R1",
        )
    )
    assert line.booking_date == datetime.date(2024, 3, 15)
    assert line.structured_reference == OGM
    assert line.counterparty_iban == "BE71096123456769"
    assert line.transaction_id == "R1"


def test_separate_structured_and_free_communication_columns() -> None:
    # KBC style: "Valuta" is the value date, not the currency; "Naam" is the holder.
    parsed = read_statement(
        csv_bytes(
            "Rekeningnummer;Naam;Munt;Datum;Omschrijving;Valuta;Bedrag;"
            "rekeningnummer tegenpartij;Naam tegenpartij;gestructureerde mededeling;"
            "Vrije mededeling",
            f"BE68539007547034;Coop;EUR;15/03/2024;OVERSCHRIJVING;16/03/2024;50,00;"
            f"BE71096123456769;Jan;{OGM};aandelen",
        )
    )
    (line,) = parsed.lines
    assert parsed.columns["currency"] == "Munt"
    assert parsed.columns["communication"] == "Vrije mededeling"
    assert line.communication == f"{OGM} aandelen"
    assert line.structured_reference == OGM
    assert line.counterparty_name == "Jan"
    assert line.booking_date == datetime.date(2024, 3, 15)


def test_currency_defaults_to_eur_when_absent() -> None:
    line = only_line(csv_bytes("Datum;Bedrag;Mededeling", "15/03/2024;30,00;x"))
    assert line.currency == "EUR"
    assert line.counterparty_name == ""
    assert line.counterparty_iban == ""


# --- encodings ---------------------------------------------------------------------------------


def test_utf8_with_bom() -> None:
    data = b"\xef\xbb\xbf" + csv_bytes(OWN_HEADER, "2024-03-15;30,00;EUR;x;Bénédicte;;T1")
    parsed = read_statement(data)
    assert parsed.encoding == "utf-8-sig"
    assert parsed.lines[0].counterparty_name == "Bénédicte"


def test_cp1252_fallback() -> None:
    data = csv_bytes(
        "Date;Montant;Communication;Nom de la contrepartie",
        "15/03/2024;30,00;Parts sociales € 30;Bénédicte Lefèvre",
        encoding="cp1252",
    )
    parsed = read_statement(data)
    assert parsed.encoding == "cp1252"
    assert parsed.lines[0].counterparty_name == "Bénédicte Lefèvre"
    assert parsed.lines[0].communication == "Parts sociales € 30"


def test_utf16_with_bom() -> None:
    data = "\ufeff" + "\r\n".join([OWN_HEADER, "2024-03-15;30,00;EUR;x;Bénédicte;;T1"])
    parsed = read_statement(data.encode("utf-16-le"))
    assert parsed.lines[0].counterparty_name == "Bénédicte"


def test_lf_and_cr_line_endings_count_lines_alike() -> None:
    for newline in ("\n", "\r\n", "\r"):
        lines, errors = parse_statement_csv(
            csv_bytes(OWN_HEADER, "", "2024-03-15;30;EUR;x;A;;T1", newline=newline)
        )
        assert errors == []
        assert lines[0].line_number == 3


# --- values ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["15/03/2024", "15-03-2024", "15.03.2024", "2024-03-15", "2024-03-15 00:00:00", " 15/3/2024 "],
)
def test_date_forms(text: str) -> None:
    assert parse_date(text) == datetime.date(2024, 3, 15)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "date is empty"),
        ("15/03/24", "date '15/03/24' is not a date"),
        ("03/15/2024", "date '03/15/2024' does not exist"),
        ("31-02-2024", "date '31-02-2024' does not exist"),
        ("15/03-2024", "is not a date"),
        ("tomorrow", "expected dd/mm/yyyy"),
    ],
)
def test_bad_dates(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_date(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30", "30.00"),
        ("30,00", "30.00"),
        ("30.00", "30.00"),
        ("30,5", "30.50"),
        ("1.234,56", "1234.56"),
        ("1,234.56", "1234.56"),
        ("1234,56", "1234.56"),
        ("1 234,56", "1234.56"),
        ("1\u00a0234,56", "1234.56"),
        ("1'234.56", "1234.56"),
        ("1.234.567,89", "1234567.89"),
        ("1,234,567", "1234567.00"),
        ("+30,00", "30.00"),
        ("-1.234,56", "-1234.56"),
        ("30,00-", "-30.00"),
        ("€ 1.234,56", "1234.56"),
        ("-€ 1.234,56", "-1234.56"),
        ("30,00 EUR", "30.00"),
        ("0,500", "0.50"),
    ],
)
def test_amount_forms(text: str, expected: str) -> None:
    amount = parse_amount(text)
    assert amount == Decimal(expected)
    assert isinstance(amount, Decimal)
    assert amount.as_tuple().exponent == -2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("abc", "amount 'abc' is not a number"),
        ("", "amount is empty"),
        ("1.234", "amount '1.234' is ambiguous"),
        ("1,234", "amount '1,234' is ambiguous"),
        ("30,123", "amount '30,123' is ambiguous"),
        ("1234,567", "more than 2 decimals"),
        ("12.34.56", "misplaced thousands separators"),
        ("1.2345,00", "misplaced thousands separators"),
        ("1,234,56", "misplaced thousands separators"),
        ("1.234,5.6", "is not a number"),
        ("30,", "is not a number"),
        ("1e3", "is not a number"),
        ("NaN", "is not a number"),
        ("--30", "is not a number"),
    ],
)
def test_bad_amounts(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_amount(text)


def _belgian(amount: Decimal) -> str:
    whole, cents = f"{amount:.2f}".split(".")
    groups: list[str] = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return ".".join([whole, *groups]) + "," + cents


cents_amounts = st.integers(min_value=1, max_value=10**12).map(lambda c: Decimal(c).scaleb(-2))


@given(cents_amounts)
def test_belgian_amounts_parse_back(amount: Decimal) -> None:
    text = _belgian(amount)
    assert parse_amount(text) == amount
    assert parse_amount("-" + text) == -amount
    assert parse_amount(text.replace(".", "")) == amount
    english = text.replace(".", "_").replace(",", ".").replace("_", ",")
    assert parse_amount(english) == amount


@given(cents_amounts)
def test_belgian_amounts_parse_back_through_a_file(amount: Decimal) -> None:
    data = csv_bytes("Datum;Bedrag;Mededeling", f"01/02/2024;{_belgian(amount)};x")
    assert only_line(data).amount == amount


def test_amounts_are_never_floats() -> None:
    # 0.1 + 0.2 style drift would show here.
    line = only_line(csv_bytes(OWN_HEADER, "2024-03-15;0,30;EUR;x;A;;T1"))
    assert line.amount == Decimal("0.30")
    assert str(line.amount) == "0.30"


# --- structured reference ----------------------------------------------------------------------


def reference_in(communication: str) -> str | None:
    data = csv_bytes("Datum;Bedrag;Mededeling", f'15/03/2024;30,00;"{communication}"')
    return only_line(data).structured_reference


@pytest.mark.parametrize(
    "communication",
    [
        "+++090/9337/55493+++",
        "***090/9337/55493***",
        "090933755493",
        "090/9337/55493",
        "090 9337 55493",
        "Aandelen +++090/9337/55493+++ Jan",
        "pay 123 and then 090933755493",
    ],
)
def test_structured_reference_found(communication: str) -> None:
    assert reference_in(communication) == OGM


@pytest.mark.parametrize(
    "communication",
    [
        "+++090/9337/55494+++",  # wrong check digits
        "090933755494",
        "0909337554930",  # 13 digits
        "BE68539007547034",
        "",
        "shares for Jan",
    ],
)
def test_structured_reference_absent(communication: str) -> None:
    assert reference_in(communication) is None


def test_check_digits_97_when_remainder_is_zero() -> None:
    assert ogm(97) == "000000009797"
    assert reference_in("+++000/0000/09797+++") == "000000009797"
    assert reference_in("+++000/0000/09700+++") is None


def test_wrong_check_digit_in_file_gives_none() -> None:
    line = only_line(csv_bytes(OWN_HEADER, "2024-03-15;30;EUR;+++090/9337/55494+++;A;;T1"))
    assert line.structured_reference is None
    assert line.communication == "+++090/9337/55494+++"


def test_first_valid_reference_wins() -> None:
    assert reference_in(f"090933755494 then {ogm(1234567890)}") == ogm(1234567890)


def test_structured_column_is_searched_before_the_free_text() -> None:
    line = only_line(
        csv_bytes(
            "Datum;Bedrag;Gestructureerde mededeling;Vrije mededeling",
            f"15/03/2024;30,00;{ogm(42)};not {OGM}",
        )
    )
    assert line.structured_reference == ogm(42)


# --- lines skipped or refused ------------------------------------------------------------------


def test_debits_zero_amounts_and_blank_lines_are_skipped_and_counted() -> None:
    parsed = read_statement(
        csv_bytes(
            OWN_HEADER,
            "2024-03-15;-30,00;EUR;rent;Landlord;;T1",
            "",
            ";;;;;;",
            "2024-03-15;0,00;EUR;fee;Bank;;T2",
            "not-a-date;12,00-;EUR;odd debit;Bank;;T3",
            "2024-03-16;30,00;EUR;shares;Jan;;T4",
        )
    )
    assert parsed.errors == ()
    assert [line.transaction_id for line in parsed.lines] == ["T4"]
    assert parsed.lines[0].line_number == 7
    assert parsed.skipped_debits == 3


def test_rejected_lines_are_skipped_and_counted() -> None:
    parsed = read_statement(
        csv_bytes(
            "Volgnummer;Uitvoeringsdatum;Bedrag;Valuta rekening;Tegenpartij;"
            "Naam van de tegenpartij;Mededeling;Status",
            "2024-0001;15/03/2024;30,00;EUR;BE71096123456769;Jan;x;Geaccepteerd",
            "2024-0002;15/03/2024;30,00;EUR;BE71096123456769;Jan;x;Geweigerd",
            "2024-0003;15/03/2024;30,00;EUR;BE71096123456769;Jan;x;Refusé",
        )
    )
    assert [line.transaction_id for line in parsed.lines] == ["2024-0001"]
    assert parsed.lines[0].counterparty_iban == "BE71096123456769"
    assert parsed.skipped_rejected == 2


def test_malformed_lines_are_reported_and_good_lines_still_parse() -> None:
    lines, errors = parse_statement_csv(
        csv_bytes(
            OWN_HEADER,
            "2024-03-15;30,00;EUR;a;A;;T1",
            "2024-03-15;abc;EUR;b;B;;T2",
            "2024-13-45;30,00;EUR;c;C;;T3",
            "2024-03-15;30,00;EURO;d;D;;T4",
            "2024-03-15;30,00",
            "yesterday;lots;EUR;e;E;;T5",
            "2024-03-15;30,00;EUR;f;F;;T6;surprise",
            "2024-03-16;40,00;EUR;g;G;;T7",
        )
    )
    assert [line.transaction_id for line in lines] == ["T1", "T7"]
    assert [line.line_number for line in lines] == [2, 9]
    assert errors[:3] == [
        LineError(3, "amount 'abc' is not a number"),
        LineError(4, "date '2024-13-45' does not exist"),
        LineError(5, "currency 'EURO' is not a 3-letter code such as EUR"),
    ]
    assert errors[3].line_number == 6
    assert errors[3].message.startswith("missing the currency column") is False
    assert "missing the communication column ('communication')" in errors[3].message
    assert [e.line_number for e in errors[4:]] == [7, 7, 8]
    assert "amount 'lots' is not a number" in errors[4].message
    assert "date 'yesterday' is not a date" in errors[5].message
    assert "8 fields but the header 7" in errors[6].message


def test_trailing_empty_fields_are_accepted() -> None:
    line = only_line(csv_bytes(OWN_HEADER, "2024-03-15;30,00;EUR;x;A;;T1;;"))
    assert line.transaction_id == "T1"


def test_missing_optional_columns_at_the_end_are_empty() -> None:
    line = only_line(csv_bytes(OWN_HEADER, "2024-03-15;30,00;EUR;x"))
    assert line.counterparty_name == ""
    assert len(line.transaction_id) == 64


def test_multiline_quoted_communication_keeps_line_numbers() -> None:
    lines, errors = parse_statement_csv(
        csv_bytes(
            OWN_HEADER,
            '2024-03-15;30,00;EUR;"two\nlines";A;;T1',
            "2024-03-15;oops;EUR;x;A;;T2",
        )
    )
    assert lines[0].line_number == 2
    assert lines[0].communication == "two\nlines"
    assert errors == [LineError(4, "amount 'oops' is not a number")]


def test_bank_id_reused_for_different_data_is_an_error() -> None:
    lines, errors = parse_statement_csv(
        csv_bytes(
            OWN_HEADER,
            "2024-03-15;30,00;EUR;x;A;;T1",
            "2024-03-15;30,00;EUR;x;A;;T1",
            "2024-03-16;50,00;EUR;y;B;;T1",
        )
    )
    assert [line.line_number for line in lines] == [2, 3]
    assert errors == [
        LineError(
            4,
            "transaction id 'T1' is already used on line 2 for a different transaction; "
            "expected unique ids",
        )
    ]


# --- transaction identity ----------------------------------------------------------------------

NO_ID_FILE = csv_bytes(
    "Datum;Bedrag;Munt;Mededeling;Naam tegenpartij;Rekening tegenpartij",
    "15/03/2024;30,00;EUR;+++090/9337/55493+++;Jan Peeters;BE71 0961 2345 6769",
    "15/03/2024;30,00;EUR;+++090/9337/55493+++;Jan Peeters;BE71 0961 2345 6769",
    "16/03/2024;60,00;EUR;+++090/9337/55493+++;Jan Peeters;BE71 0961 2345 6769",
)


def test_fingerprint_is_stable_across_uploads() -> None:
    first, _ = parse_statement_csv(NO_ID_FILE)
    second, _ = parse_statement_csv(NO_ID_FILE)
    ids = [line.transaction_id for line in first]
    assert ids == [line.transaction_id for line in second]
    assert all(len(i) == 64 and int(i, 16) >= 0 for i in ids)
    # The same payment twice on one day is two payments, not one.
    assert len(set(ids)) == 3


def test_fingerprint_survives_another_export_of_the_same_lines() -> None:
    first, _ = parse_statement_csv(NO_ID_FILE)
    later = csv_bytes(
        "Date,Montant,Devise,Communication,Nom de la contrepartie,Compte de la contrepartie",
        "14.03.2024,99.00,EUR,other,Someone,",
        '2024-03-15,"30,00",eur,+++090/9337/55493+++,Jan  Peeters,BE71096123456769',
        '2024-03-15,"30,00",eur,+++090/9337/55493+++,Jan  Peeters,BE71096123456769',
        "2024-03-16,60.00,EUR,+++090/9337/55493+++,Jan Peeters,be71 0961 2345 6769",
        "2024-03-17,70.00,EUR,+++090/9337/55493+++,Jan Peeters,BE71096123456769",
        encoding="cp1252",
    )
    second, errors = parse_statement_csv(later)
    assert errors == []
    assert [line.transaction_id for line in second[1:4]] == [line.transaction_id for line in first]
    assert second[0].transaction_id not in {line.transaction_id for line in first}
    assert second[4].transaction_id not in {line.transaction_id for line in first}


def test_fingerprint_changes_with_any_field() -> None:
    base = "15/03/2024;30,00;EUR;x;Jan;BE71096123456769"
    header = "Datum;Bedrag;Munt;Mededeling;Naam tegenpartij;Rekening tegenpartij"
    variants = [
        base,
        base.replace("15/03", "16/03"),
        base.replace("30,00", "30,01"),
        base.replace("EUR", "USD"),
        base.replace(";x;", ";y;"),
        base.replace("Jan", "Piet"),
        base.replace("BE71096123456769", "BE68539007547034"),
    ]
    ids = {only_line(csv_bytes(header, v)).transaction_id for v in variants}
    assert len(ids) == len(variants)


# --- whole-file errors -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the file is empty"),
        (b"\xef\xbb\xbf \r\n\r\n", "the file is empty"),
        (b"foo;bar;baz\r\n1;2;3\r\n", "no header row found"),
        (b"Datum;Mededeling\r\n15/03/2024;x\r\n", "no header row found"),
        (b"\x00\x01\x02 binary", "no header row found"),
    ],
)
def test_unusable_files(data: bytes, message: str) -> None:
    with pytest.raises(BankFileError, match=message):
        parse_statement_csv(data)


def test_bank_file_error_is_a_value_error_with_a_message() -> None:
    with pytest.raises(ValueError) as info:
        parse_statement_csv(b"hello\r\nworld")
    assert isinstance(info.value, BankFileError)
    assert info.value.message.startswith("no header row found")


def test_header_too_far_down_is_not_found() -> None:
    preamble = ["info;x"] * bankfile.HEADER_SEARCH_LINES
    with pytest.raises(BankFileError):
        parse_statement_csv(csv_bytes(*preamble, OWN_HEADER, "2024-03-15;30;EUR;x;A;;T1"))


def test_file_over_10_mb_is_refused() -> None:
    row = b"2024-03-15;30,00;EUR;x;A;;T1\r\n"
    data = OWN_HEADER.encode() + b"\r\n" + row * (bankfile.MAX_FILE_BYTES // len(row) + 1)
    assert len(data) > 10 * 1024 * 1024
    with pytest.raises(BankFileError, match="at most 10 MB"):
        parse_statement_csv(data)


def test_file_of_exactly_10_mb_is_read() -> None:
    head = OWN_HEADER.encode() + b"\r\n2024-03-15;30,00;EUR;x;A;;T1\r\n"
    data = head + b"\r\n" * ((bankfile.MAX_FILE_BYTES - len(head)) // 2)
    data += b" " * (bankfile.MAX_FILE_BYTES - len(data))
    assert len(data) == bankfile.MAX_FILE_BYTES
    lines, errors = parse_statement_csv(data)
    assert len(lines) == 1
    assert errors == []


def test_unreadable_csv_is_a_file_error() -> None:
    huge = "x" * 200_000  # over the csv module's field size limit
    with pytest.raises(BankFileError, match="line 2 is not readable CSV"):
        parse_statement_csv(csv_bytes(OWN_HEADER, f"2024-03-15;30;EUR;{huge};A;;T1"))


# --- documentation -----------------------------------------------------------------------------


def test_module_docstring_lists_every_synonym() -> None:
    doc = " ".join((bankfile.__doc__ or "").split())
    for synonyms in bankfile.COLUMN_SYNONYMS.values():
        for synonym in synonyms:
            assert synonym in doc, synonym

"""CODA statements (Febelfin), read with febelfin-coda: credits become
payment lines with stable identities; debits are left out."""

import datetime
from decimal import Decimal
from importlib.resources import files

import pytest

from invoicing.models import UnmatchedBankLine
from members.models import ConsentKind
from shares import services
from shares.bankfile import is_coda, parse_statement, parse_statement_coda
from shares.models import Payment
from smartcoop.lib import bankrouting
from tests.factories import MemberFactory, StaffFactory

SAMPLE = (files("coda") / "CODA.txt").read_bytes()  # the parser's own sample statement


def test_the_sample_statement_is_recognised_and_read():
    assert is_coda(SAMPLE)
    assert not is_coda(b"date;amount;communication\n01/01/2026;1;x\n")
    lines, errors = parse_statement_coda(SAMPLE)
    assert errors == []
    assert len(lines) == 29  # the credits among its 59 movements
    first = lines[0]
    assert (first.booking_date, first.amount, first.currency) == (
        datetime.date(2006, 12, 6),
        Decimal("11.21"),
        "EUR",
    )
    assert all(line.amount > 0 for line in lines)
    assert len({line.transaction_id for line in lines}) == len(lines)
    assert [line.transaction_id for line in parse_statement(SAMPLE)[0]] == [
        line.transaction_id for line in lines
    ]


def _with_structured_communication(ogm: str) -> bytes:
    """The sample statement, its first credit (11.21 EUR, sequence 0002)
    carrying a Belgian structured communication (type 101) instead."""
    records = SAMPLE.decode("cp1252").split("\n")
    for i, record in enumerate(records):
        if record.startswith("21") and record[2:6] == "0002" and record[6:10] == "0000":
            communication = ("1101" + ogm).ljust(54)
            records[i] = record[:61] + communication + record[115:]
            break
    else:
        raise AssertionError("sample movement 0002 not found")
    return "\n".join(records).encode("cp1252")


def test_a_structured_communication_in_coda_finds_the_subscription(db):
    staff = StaffFactory()
    member = MemberFactory()
    subscription = services.share_subscribe(
        member=member, quantity=1, accepted=ConsentKind.values, acting_user=member.user
    )
    data = _with_structured_communication(subscription.structured_reference)
    lines, _errors = parse_statement_coda(data)
    ours = subscription.structured_reference
    matched = [line for line in lines if line.structured_reference == ours]
    assert [(line.amount, line.structured_reference) for line in matched] == [
        (Decimal("11.21"), subscription.structured_reference)
    ]
    report = services.share_bank_import(data=data, file_name="x.cod", acting_user=staff).report
    assert report["counts"] == {"to_resolve": 29}  # 11.21 is not the 30.00 due; others unknown
    payment = Payment.objects.get(structured_reference=subscription.structured_reference)
    assert payment.problem == "wrong amount: 11.21 received, 30.00 due"
    again = services.share_bank_import(data=data, file_name="x.cod", acting_user=staff).report
    assert again["counts"] == {"already_recorded": 29}
    # A line whose reference is in the invoices' range waits in invoicing's
    # list (smartcoop.lib.bankrouting); the others in the shares' one.
    invoice_range = [line for line in lines if bankrouting.route_for(line.structured_reference)]
    assert len(invoice_range) == 1
    assert UnmatchedBankLine.objects.count() == len(invoice_range)
    assert Payment.objects.count() == 29 - len(invoice_range)


@pytest.mark.parametrize("garbage", [b"0000" + b"x" * 124 + b"\n21zzz"])
def test_a_broken_coda_file_is_refused_whole(garbage):
    from shares.bankfile import BankFileError

    with pytest.raises(BankFileError):
        parse_statement_coda(garbage)

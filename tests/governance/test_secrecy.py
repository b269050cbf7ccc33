"""Secrecy by the schema (issue 18): from the database alone, no query joins a
ballot to the member who cast it.

- The ballot tables hold no member, user, time or sequence: their columns and
  foreign keys are listed here exactly, so a column added later fails the test.
- No table refers to a ballot but its marks; no history table copies ballots.
- PostgreSQL's own traces are covered too: before the count a ballot and its
  "who voted" row share a transaction id (xmin) and sit in casting order on
  disk; the count rewrites the ballots, after which neither joins them.
"""

import pytest
from django.db import connection

from governance import services
from governance.models import Ballot, VoteCast
from tests.factories import PaidMemberFactory
from tests.governance.support import after_voting, convened, during_voting, vote

pytestmark = pytest.mark.django_db(transaction=True)

BALLOT_COLUMNS = {
    "governance_ballot": {
        "id": "uuid",
        "resolution_id": "bigint",
        "receipt_hash": "character varying",
    },
    "governance_ballotmark": {"id": "uuid", "ballot_id": "uuid", "option_id": "bigint"},
}
BALLOT_FOREIGN_KEYS = {
    ("governance_ballot", "resolution_id", "governance_resolution"),
    ("governance_ballotmark", "ballot_id", "governance_ballot"),
    ("governance_ballotmark", "option_id", "governance_option"),
}


def _rows(sql: str, params: list | None = None) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.fetchall()


def _foreign_keys() -> set[tuple[str, str, str]]:
    return set(
        _rows(
            """
            SELECT tc.table_name, kcu.column_name, ccu.table_name
            FROM information_schema.table_constraints tc
            JOIN information_schema.key_column_usage kcu
              ON kcu.constraint_name = tc.constraint_name AND kcu.table_schema = tc.table_schema
            JOIN information_schema.constraint_column_usage ccu
              ON ccu.constraint_name = tc.constraint_name AND ccu.table_schema = tc.table_schema
            WHERE tc.constraint_type = 'FOREIGN KEY' AND tc.table_schema = current_schema()
            """
        )
    )


def test_ballot_tables_hold_no_member_no_time_and_no_sequence(seed_data):
    for table, expected in BALLOT_COLUMNS.items():
        columns = dict(
            _rows(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND table_name = %s",
                [table],
            )
        )
        assert columns == expected, table
        defaults = _rows(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = "
            "current_schema() AND table_name = %s AND column_default IS NOT NULL",
            [table],
        )
        assert defaults == [], f"{table} has a database default (a sequence or a clock)"
    keys = _foreign_keys()
    from_ballots = {k for k in keys if k[0] in BALLOT_COLUMNS}
    assert from_ballots == BALLOT_FOREIGN_KEYS
    to_ballots = {k for k in keys if k[2] == "governance_ballot"}
    assert to_ballots == {("governance_ballotmark", "ballot_id", "governance_ballot")}
    # Nothing else in the database copies or points to a ballot.
    tables = {
        t for (t,) in _rows("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
    }
    assert {t for t in tables if "ballot" in t} == set(BALLOT_COLUMNS)
    # And the "who voted" table holds no choice and no time.
    who_voted = {
        c
        for (c,) in _rows(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = 'governance_votecast'"
        )
    }
    assert who_voted == {"id", "resolution_id", "member_id", "cast_by_id"}


def test_after_the_count_no_system_column_or_row_order_joins_a_ballot_to_its_voter(seed_data):
    staff = PaidMemberFactory().user
    setup = convened(staff)
    voters = [PaidMemberFactory() for _ in range(12)]
    codes = []
    with during_voting(setup.assembly):
        for n, member in enumerate(voters):
            codes.append(vote(setup.ordinary, member, ["yes", "no", "abstain"][n % 3]))
    cast_order = [services.receipt_hash(code) for code in codes]
    join_on_xmin = """
        SELECT count(*) FROM governance_votecast v
        JOIN governance_ballot b ON b.xmin::text = v.xmin::text
    """
    # Before the count the transaction id links each ballot to its voter: the
    # very leak the count must remove (this is what makes the test able to fail).
    assert _rows(join_on_xmin)[0][0] == len(voters)
    assert [h for (h,) in _rows("SELECT receipt_hash FROM governance_ballot ORDER BY ctid")] == (
        cast_order
    )
    ids_before = set(Ballot.objects.values_list("pk", flat=True))

    with after_voting(setup.assembly):
        services.assembly_count(assembly=setup.assembly, acting_user=staff)

    assert _rows(join_on_xmin)[0][0] == 0
    assert _rows("SELECT count(DISTINCT xmin::text) FROM governance_ballot")[0][0] == 1
    on_disk = [h for (h,) in _rows("SELECT receipt_hash FROM governance_ballot ORDER BY ctid")]
    assert sorted(on_disk) == sorted(cast_order)
    assert on_disk != cast_order  # shuffled (12! orders: a false alarm is 1 in 479 million)
    assert ids_before.isdisjoint(Ballot.objects.values_list("pk", flat=True))
    # The receipts still find their ballots, and the count still adds up.
    assert VoteCast.objects.count() == Ballot.objects.count() == len(voters)
    setup.ordinary.refresh_from_db()
    assert (setup.ordinary.result["yes"], setup.ordinary.result["no"]) == (4, 4)

"""The governance rules the general assembly applies (issue 18), seeded into the
rules catalogue by migration governance 0002 in the shape of rules/catalogue.py.

Sources: the Code des sociétés et des associations / Wetboek van vennootschappen
en verenigingen (CSA/WVV), Book 6 (cooperative company), and the cooperative's
articles of association. The article numbers marked "not confirmed" were not
checked against the official text (the search tools reached no copy of it);
the legal team must check them and publish a corrected version if needed.
"""

from typing import Any

CSA_URL = "https://www.ejustice.just.fgov.be/eli/loi/2019/03/23/2019A40586/justel"
PLATFORM_START = "2020-01-01"
START_REASON = "Value at the platform's start."

NOTICE = "governance.convocation_notice"
ELIGIBILITY = "governance.voter_eligibility"
VOTES_PER_PERSON = "governance.votes_per_person"
PROXIES = "governance.proxies"
DECISIONS = "governance.decision_rules"
QUESTIONS_DEADLINE = "governance.written_questions_deadline"

KEYS = (NOTICE, ELIGIBILITY, VOTES_PER_PERSON, PROXIES, DECISIONS, QUESTIONS_DEADLINE)

_FRACTION: dict[str, Any] = {"type": ["string", "null"], "pattern": r"^(0(\.\d+)?|1(\.0+)?)$"}

# How a kind of decision is taken: `quorum` is the share of the eligible
# members who must take part (null: none); `majority` the share of the votes
# cast for and against (abstentions not counted) that the proposal needs, and
# `strict` whether it must be more than that share (simple majority: more than
# half) or at least that share (three quarters). Elections fill their seats by
# most votes (majority null).
_DECISION: dict[str, Any] = {
    "type": "object",
    "properties": {
        "quorum": _FRACTION,
        "majority": _FRACTION,
        "strict": {"type": "boolean"},
        "legal_reference": {"type": "string", "minLength": 1},
    },
    "required": ["quorum", "majority", "strict", "legal_reference"],
    "additionalProperties": False,
}

CATALOGUE: list[dict[str, Any]] = [
    {
        "key": NOTICE,
        "kind": "duration",
        "description": (
            "Least time between sending the convocation of a general assembly and the meeting."
        ),
        "legal_reference": "CSA/WVV art. 6:70, § 1 (fifteen days) ⚠ not confirmed",
        "legal_url": CSA_URL,
        "schema": None,
        "versions": [{"valid_from": PLATFORM_START, "value": "P15D", "reason": START_REASON}],
    },
    {
        "key": ELIGIBILITY,
        "kind": "structured",
        "description": (
            "Who may vote at a general assembly: the membership statuses that give a vote, "
            "taken on the assembly's record date."
        ),
        "legal_reference": "Articles of association of the cooperative; CSA/WVV Book 6",
        "legal_url": CSA_URL,
        "schema": {
            "type": "object",
            "properties": {
                "statuses": {
                    "type": "array",
                    "items": {"enum": ["member"]},
                    "uniqueItems": True,
                    "minItems": 1,
                }
            },
            "required": ["statuses"],
            "additionalProperties": False,
        },
        "versions": [
            {
                "valid_from": PLATFORM_START,
                "value": {"statuses": ["member"]},
                "reason": START_REASON,
            }
        ],
    },
    {
        "key": VOTES_PER_PERSON,
        "kind": "integer",
        "description": (
            "Votes each member has, however many shares they hold (one person, one vote)."
        ),
        "legal_reference": (
            "Articles of association of the cooperative (CSA/WVV art. 6:42 lets the articles "
            "depart from one vote per share) ⚠ not confirmed"
        ),
        "legal_url": CSA_URL,
        "schema": None,
        "versions": [{"valid_from": PLATFORM_START, "value": 1, "reason": START_REASON}],
    },
    {
        "key": PROXIES,
        "kind": "structured",
        "description": (
            "Proxies at a general assembly: how many other members one member may represent, "
            "and whether the proxy holder must be a member."
        ),
        "legal_reference": "Articles of association of the cooperative",
        "legal_url": "",
        "schema": {
            "type": "object",
            "properties": {
                "max_held": {"type": "integer", "minimum": 0, "maximum": 10},
                "holder_must_be_member": {"type": "boolean"},
            },
            "required": ["max_held", "holder_must_be_member"],
            "additionalProperties": False,
        },
        "versions": [
            {
                "valid_from": PLATFORM_START,
                "value": {"max_held": 1, "holder_must_be_member": True},
                "reason": START_REASON,
            }
        ],
    },
    {
        "key": DECISIONS,
        "kind": "structured",
        "description": (
            "Quorum and majority for each kind of decision of the general assembly "
            "(ordinary, articles, exclusion, dissolution, election)."
        ),
        "legal_reference": (
            "CSA/WVV art. 6:85, § 1 (amending the articles: half present or represented, "
            "three quarters of the votes cast, abstentions not counted) ⚠ not confirmed; "
            "articles of association for the other kinds"
        ),
        "legal_url": CSA_URL,
        "schema": {
            "type": "object",
            "properties": {
                "ordinary": _DECISION,
                "articles": _DECISION,
                "exclusion": _DECISION,
                "dissolution": _DECISION,
                "election": _DECISION,
            },
            "required": ["ordinary", "articles", "exclusion", "dissolution", "election"],
            "additionalProperties": False,
        },
        "versions": [
            {
                "valid_from": PLATFORM_START,
                "value": {
                    "ordinary": {
                        "quorum": None,
                        "majority": "0.5",
                        "strict": True,
                        "legal_reference": "Articles of association (simple majority)",
                    },
                    "articles": {
                        "quorum": "0.5",
                        "majority": "0.75",
                        "strict": False,
                        "legal_reference": "CSA/WVV art. 6:85, § 1 ⚠ not confirmed",
                    },
                    "exclusion": {
                        "quorum": None,
                        "majority": "0.5",
                        "strict": True,
                        "legal_reference": "Articles of association ⚠ not confirmed",
                    },
                    "dissolution": {
                        "quorum": "0.5",
                        "majority": "0.75",
                        "strict": False,
                        "legal_reference": (
                            "Articles of association; as for amending the articles "
                            "(CSA/WVV art. 6:85) ⚠ not confirmed"
                        ),
                    },
                    "election": {
                        "quorum": None,
                        "majority": None,
                        "strict": False,
                        "legal_reference": "Articles of association (most votes) ⚠ not confirmed",
                    },
                },
                "reason": START_REASON,
            }
        ],
    },
    {
        "key": QUESTIONS_DEADLINE,
        "kind": "duration",
        "description": (
            "Latest time before the meeting at which a member may send a written question."
        ),
        "legal_reference": (
            "Articles of association; CSA/WVV Book 6 (written questions before the meeting) "
            "⚠ not confirmed"
        ),
        "legal_url": CSA_URL,
        "schema": None,
        "versions": [{"valid_from": PLATFORM_START, "value": "P6D", "reason": START_REASON}],
    },
]

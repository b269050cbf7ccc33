"""A check whose problems the test sets, to exercise the run, the findings'
life cycle, the dashboard and the digest apart from the real checks (which
have their own tests against real data)."""

from collections.abc import Iterable, Iterator
from typing import Any, ClassVar

import pytest
from django.utils.translation import gettext_lazy as _

from compliance.registry import CHECKS, Check, Context, Problem, Severity, Team


class ScriptedCheck(Check):
    key = "test.scripted"
    title = _("Scripted check")
    description = _("Finds what the test says.")
    severity = Severity.WARNING
    team = Team.FINANCE
    problems: ClassVar[list[Problem]] = []
    fail: ClassVar[bool] = False
    seen_contexts: ClassVar[list[Context]] = []

    def find(self, ctx: Context) -> Iterable[Problem]:
        self.seen_contexts.append(ctx)
        if self.fail:
            raise RuntimeError("the scripted check broke")
        return list(self.problems)

    def describe(self, details: dict[str, Any]) -> str:
        return f"{details.get('count', 0)} things wrong"


@pytest.fixture
def scripted(request: pytest.FixtureRequest) -> Iterator[type[ScriptedCheck]]:
    """The scripted check, registered for this test only."""
    ScriptedCheck.problems = []
    ScriptedCheck.fail = False
    ScriptedCheck.seen_contexts = []
    CHECKS[ScriptedCheck.key] = ScriptedCheck()
    try:
        yield ScriptedCheck
    finally:
        CHECKS.pop(ScriptedCheck.key, None)


def problem(pk: int, count: int = 1, label: str = "") -> Problem:
    return Problem(
        key=f"member:{pk}",
        subject=("members.member", pk),
        label=label or f"Member {pk}",
        details={"count": count},
    )

"""The rule forms of frameworks.md, parsed the same way for plugins and board overrides."""

from __future__ import annotations

import pytest

from tracker.model import RuleKind, Unit
from tracker.rules import RuleSyntaxError, parse_rule_text


@pytest.mark.parametrize(
    ("text", "kind", "amount", "unit", "anchor"),
    [
        ("within 5 working days after la_aware", RuleKind.WITHIN, 5, Unit.WORKING_DAYS, "la_aware"),
        ("within 1 month after notified", RuleKind.WITHIN, 1, Unit.MONTHS, "notified"),
        ("Within  20 Working Days of notified", RuleKind.WITHIN, 20, Unit.WORKING_DAYS, "notified"),
        ("at least 7 days before published", RuleKind.AT_LEAST_BEFORE, 7, Unit.DAYS, "published"),
        (
            "at least 7 working days before published",
            RuleKind.AT_LEAST_BEFORE,
            7,
            Unit.WORKING_DAYS,
            "published",
        ),
        ("not before 12 months after published", RuleKind.NOT_BEFORE, 12, Unit.MONTHS, "published"),
        ("after decision", RuleKind.NOT_BEFORE, 0, Unit.DAYS, "decision"),
        ("within 2 weeks after decision", RuleKind.WITHIN, 2, Unit.WEEKS, "decision"),
        (
            "must be yes (once completed has a date)",
            RuleKind.MUST_BE_YES,
            0,
            Unit.DAYS,
            "completed",
        ),
    ],
)
def test_every_rule_form(text: str, kind: RuleKind, amount: int, unit: Unit, anchor: str) -> None:
    parsed = parse_rule_text(text)
    assert (parsed.kind, parsed.amount, parsed.unit, parsed.anchor) == (kind, amount, unit, anchor)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("within 5 fortnights after notified", "unknown unit 'fortnights'"),
        ("within five working days after notified", "cannot read"),
        ("5 working days after notified", "cannot read"),
        ("", "cannot read"),
    ],
)
def test_malformed_rules_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(RuleSyntaxError, match=message):
        parse_rule_text(text)

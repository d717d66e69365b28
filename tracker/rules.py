"""Parse the rule forms of frameworks.md (``within 5 working days after la_aware``).

Nation plugins and board overrides in config use the same parser, so a form that a plugin can
declare is exactly a form a board can write in ``[boards.timescales]``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from tracker.model import Basis, Condition, Confidence, DateCondition, Rule, RuleKind, Unit


class RuleSyntaxError(ValueError):
    """The text is not one of the rule forms."""


_UNITS = {
    "day": Unit.DAYS,
    "days": Unit.DAYS,
    "calendar day": Unit.DAYS,
    "calendar days": Unit.DAYS,
    "working day": Unit.WORKING_DAYS,
    "working days": Unit.WORKING_DAYS,
    "week": Unit.WEEKS,
    "weeks": Unit.WEEKS,
    "month": Unit.MONTHS,
    "months": Unit.MONTHS,
    "calendar month": Unit.MONTHS,
    "calendar months": Unit.MONTHS,
}

_IDENT = r"(?P<anchor>[a-z][a-z0-9_]*)"
_AMOUNT = r"(?P<amount>\d+)\s+(?P<unit>[a-z ]+?)"
_FORMS: list[tuple[RuleKind, re.Pattern[str]]] = [
    (RuleKind.WITHIN, re.compile(rf"within\s+{_AMOUNT}\s+(?:after|of)\s+{_IDENT}")),
    (RuleKind.AT_LEAST_BEFORE, re.compile(rf"at\s+least\s+{_AMOUNT}\s+before\s+{_IDENT}")),
    (RuleKind.NOT_BEFORE, re.compile(rf"not\s+before\s+{_AMOUNT}\s+after\s+{_IDENT}")),
    (RuleKind.NOT_BEFORE, re.compile(rf"after\s+{_IDENT}")),
    # the deadline is a date field of the same row (an action's own due date)
    (RuleKind.ON_OR_BEFORE, re.compile(rf"on\s+or\s+before\s+{_IDENT}")),
    (
        RuleKind.MUST_BE_YES,
        re.compile(rf"must\s+be\s+yes\s*\(\s*once\s+{_IDENT}\s+has\s+a\s+date\s*\)"),
    ),
]


@dataclass(frozen=True)
class ParsedRule:
    kind: RuleKind
    anchor: str
    amount: int = 0
    unit: Unit = Unit.DAYS


def parse_rule_text(text: str) -> ParsedRule:
    """Parse one rule form; raise :class:`RuleSyntaxError` naming what was wrong."""
    clean = " ".join(text.strip().lower().split())
    for kind, pattern in _FORMS:
        match = pattern.fullmatch(clean)
        if not match:
            continue
        groups = match.groupdict()
        if "unit" not in groups or groups["unit"] is None:
            return ParsedRule(kind, groups["anchor"])
        unit = _UNITS.get(groups["unit"].strip())
        if unit is None:
            raise RuleSyntaxError(
                f"unknown unit {groups['unit'].strip()!r} in {text!r} "
                "(use days, working days, weeks or months)"
            )
        return ParsedRule(kind, groups["anchor"], int(groups["amount"]), unit)
    raise RuleSyntaxError(
        f"cannot read {text!r}: expected 'within N UNIT after STAGE', 'at least N UNIT before "
        "STAGE', 'not before N UNIT after STAGE', 'after STAGE', 'on or before FIELD' or 'must be yes (once STAGE has "
        "a date)'"
    )


def rule(
    stage: str,
    text: str,
    *,
    basis: Basis,
    must: bool,
    confidence: Confidence,
    citation: str,
    when: tuple[str, tuple[str, ...]] | None = None,
    when_yes: str | None = None,
    on_or_after: tuple[str, date] | None = None,
    must_text: str | None = None,
) -> Rule:
    """Build a :class:`Rule` from its frameworks.md form: how nation plugins declare rules.

    ``when`` is a choice condition (field, labels); ``when_yes`` names a yes/no field that must
    be yes; ``on_or_after`` (date field, day) limits the rule to reviews dated on or after it.
    """
    parsed = parse_rule_text(text)
    condition: Condition | None = None
    if when:
        condition = Condition(when[0], when[1])
    elif when_yes:
        condition = Condition(when_yes, ("yes",), yes_no=True)
    return Rule(
        stage=stage,
        kind=parsed.kind,
        anchor=parsed.anchor,
        amount=parsed.amount,
        unit=parsed.unit,
        basis=basis,
        must=must,
        confidence=confidence,
        citation=citation,
        when=condition,
        dated=DateCondition(on_or_after[0], on_or_after=on_or_after[1]) if on_or_after else None,
        must_text=must_text,
    )

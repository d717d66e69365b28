"""One meaning of "must", "should", basis and local counting, for every output.

A board manager acts on "overdue" and an inspector judges a board on deadlines met: the CLI, the
check JSON, the CSV/XLSX exports, the weekly e-mail and the web view must all mean the same thing by
the same word. Everything that names or counts a rule's force is defined here, once:

- a stage is a **must** (a legal duty, or guidance quoting one) or a **should** (an expectation,
  an aim), with the rule's own wording kept when frameworks.md splits it
  (``must (notify) / should (5 days)``);
- separately it has a **basis** (statute, statutory guidance, national guidance, local default,
  local override);
- headline counts split must from should, and count local defaults and local overrides apart
  from national ones (the ``local`` group), whatever their must/should;
- a count with nothing to count says "no such deadlines" (never "none yet", which reads as "none
  met").
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tracker.model import Counting, Rule, RuleKind, Unit

MUST, SHOULD, LOCAL = "must", "should", "local"
#: The headline groups, in the order every output lists them.
GROUPS: tuple[str, ...] = (MUST, SHOULD, LOCAL)
#: Short column headings.
GROUP_LABELS = {MUST: "Must", SHOULD: "Should", LOCAL: "Local"}
#: What each group counts, for the explanations beside the numbers.
GROUP_MEANINGS = {
    MUST: "a national rule that is a legal duty, or guidance quoting one",
    SHOULD: "a national expectation or aim",
    LOCAL: "a board's local default or local override, counted apart from national rules",
}
LOCAL_BASES = frozenset({"local default", "local override"})
NO_SUCH_DEADLINES = "no such deadlines"
#: Statuses of a stage with a deadline that has been decided one way or the other.
DEADLINE_STATUSES = frozenset({"on_time", "late", "early", "overdue"})
#: One sentence that says how the headline counts are split (e-mail and web alike).
EXPLANATION = (
    "Must: " + GROUP_MEANINGS[MUST] + ". Should: " + GROUP_MEANINGS[SHOULD] + ". Local: "
    "" + GROUP_MEANINGS[LOCAL] + ". Each rule also shows its basis (statute, statutory guidance, "
    "national guidance, local default or local override)."
)


def must_word(must: bool | None) -> str:
    return MUST if must else SHOULD


def must_label(rules: Iterable[Rule]) -> str | None:
    """The must/should wording of the rules that apply to a stage, as frameworks.md words it.

    One rule keeps its own wording (``must (notify) / should (5 days)``); several give their
    distinct wordings joined, so a split is never flattened into a plain ``should``.
    """
    labels = list(dict.fromkeys(r.must_label() for r in rules))
    if not labels:
        return None
    if len(labels) == 1:
        return labels[0]
    if any(len(label.split()) > 1 for label in labels):
        return " / ".join(labels)
    return MUST if MUST in labels else SHOULD


def is_local(basis: str | None) -> bool:
    return str(basis or "").lower() in LOCAL_BASES


def group_of(basis: str | None, must: bool | None) -> str:
    """``local`` for a local default or override, else ``must`` or ``should``."""
    if is_local(basis):
        return LOCAL
    return must_word(must)


def stage_group(stage: Mapping[str, Any]) -> str:
    """The group of one stage of the check JSON."""
    return group_of(stage.get("basis"), stage.get("must"))


def stage_must_label(stage: Mapping[str, Any]) -> str:
    """A stage's must/should wording from the check JSON (older snapshots have no ``must_label``)."""
    return str(stage.get("must_label") or must_word(stage.get("must")))


def basis_and_force(stage: Mapping[str, Any]) -> str:
    """``statutory guidance, must (notify) / should (5 days)``: how every list shows a stage's rule."""
    basis = stage.get("basis")
    if not basis:
        return ""
    return f"{basis}, {stage_must_label(stage)}"


def share(met: int, total: int) -> int | None:
    return round(100 * met / total) if total else None


def share_text(met: int, total: int) -> str:
    """``67% (2 of 3)``, or ``no such deadlines`` when there is nothing to count."""
    value = share(met, total)
    return NO_SUCH_DEADLINES if value is None else f"{value}% ({met} of {total})"


@dataclass
class GroupCounts:
    """Deadlines met and stages overdue per group: the headline numbers of every summary."""

    met: Counter[str] = field(default_factory=Counter)
    deadlines: Counter[str] = field(default_factory=Counter)
    overdue: Counter[str] = field(default_factory=Counter)

    def add_stage(self, stage: Mapping[str, Any]) -> None:
        status = stage.get("status")
        if status not in DEADLINE_STATUSES:
            return
        group = stage_group(stage)
        self.deadlines[group] += 1
        if status == "on_time":
            self.met[group] += 1
        elif status == "overdue":
            self.overdue[group] += 1

    def add(self, other: GroupCounts) -> None:
        self.met.update(other.met)
        self.deadlines.update(other.deadlines)
        self.overdue.update(other.overdue)

    def share(self, group: str) -> int | None:
        return share(self.met[group], self.deadlines[group])

    def share_text(self, group: str) -> str:
        return share_text(self.met[group], self.deadlines[group])

    def overdue_text(self) -> str:
        """``2 must, 1 should, 0 local``."""
        return ", ".join(f"{self.overdue[g]} {g}" for g in GROUPS)


# ---- counting ------------------------------------------------------------------------------------

_START_NOTE = (
    "counted by local procedure: a start on a non-working day moves to the next working day (day 0)"
)
_DEADLINE_NOTE = (
    "counted by local procedure: a deadline on a non-working day moves to the next working day"
)
_DEADLINE_BACK_NOTE = (
    "counted by local procedure: a deadline on a non-working day moves to the working day before"
)


def counting_note(rule: Rule, counting: Counting) -> str | None:
    """What a board's local counting changes about this rule, or None (national counting)."""
    if not rule.is_timescale or rule.amount == 0:  # "after X" orders stages: nothing to count
        return None
    if rule.unit is Unit.WORKING_DAYS:
        return _START_NOTE if counting.start_moves else None
    if counting.deadline_moves:
        return _DEADLINE_BACK_NOTE if rule.kind is RuleKind.AT_LEAST_BEFORE else _DEADLINE_NOTE
    return None


def counting_description(counting: Counting) -> str:
    """One line for a board: which counting its stages use."""
    if counting.is_default:
        return (
            "national counting: the N-th working day after the event, the event's day not "
            "counted whatever day it is; calendar-day and month deadlines stay on their date"
        )
    parts = []
    if counting.start_moves:
        parts.append("a start on a non-working day moves to the next working day (day 0)")
    if counting.deadline_moves:
        parts.append("a calendar deadline on a non-working day moves to the next working day")
    return "local counting: " + "; ".join(parts)

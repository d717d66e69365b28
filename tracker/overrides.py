"""Board timescale overrides: a board's own rule for a stage in place of the framework's.

The config reader (``config.py``) reads ``"scotland-scr.icr_completed" = "within 20 working days
after notified"``, parses the rule text with the same parser as the nation plugins and checks each
key; this module receives the parsed rules by stage and the board's name, and builds the framework
that board's sources use. The new rule has basis ``local override`` and keeps the rule it replaced
beside it (``Rule.replaces``), so every place that shows rules can show both.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from tracker.model import Basis, Condition, Confidence, Framework, Rule, Stage
from tracker.rules import ParsedRule


def _override_rule(fw: Framework, stage_id: str, parsed: ParsedRule, board: str) -> Stage:
    try:
        current = fw.stage(stage_id)
    except KeyError:
        current = Stage(stage_id, untimed=True)
    replaced = current.rules
    when: Condition | None = None
    whens = {r.when for r in replaced}
    if len(whens) == 1:
        when = next(iter(whens))
    elif replaced and all(r.when is not None for r in replaced):
        fields = {r.when.field for r in replaced if r.when}
        if len(fields) == 1:
            values = tuple(dict.fromkeys(v for r in replaced if r.when for v in r.when.values))
            when = Condition(fields.pop(), values)
    new = Rule(
        stage=stage_id,
        kind=parsed.kind,
        anchor=parsed.anchor,
        amount=parsed.amount,
        unit=parsed.unit,
        basis=Basis.LOCAL_OVERRIDE,
        must=any(r.must for r in replaced),
        confidence=Confidence.CONFIRMED,
        citation=f"local procedures of {board} (tracker.toml [boards.timescales])",
        when=when,
        replaces=replaced[0] if len(replaced) == 1 else None,
    )
    if len(replaced) > 1:
        # keep every replaced rule visible: one override rule per replaced rule, same new timing
        return Stage(
            stage_id,
            tuple(
                replace(new, when=r.when, must=r.must, replaces=r, citation=_cite(new, r))
                for r in replaced
            ),
        )
    return Stage(stage_id, (replace(new, citation=_cite(new, new.replaces)),))


def _cite(new: Rule, replaced: Rule | None) -> str:
    """The override's citation names the rule it replaced, so every output shows both."""
    if replaced is None:
        return new.citation
    return (
        f"{new.citation}; replaces: {replaced.text()} ({replaced.must_label()}, "
        f"{replaced.basis.value}: {replaced.citation})"
    )


def with_overrides(fw: Framework, rules: Mapping[str, ParsedRule], board: str) -> Framework:
    """``fw`` with ``rules`` (stage id -> parsed rule, checked by the config) for ``board``.

    Raises ``ValueError`` when the framework no longer holds together (stages out of order).
    """
    if not rules:
        return fw
    stages = {s.id: s for s in fw.stages}
    order = [s.id for s in fw.stages]
    for stage_id, parsed in rules.items():
        stages[stage_id] = _override_rule(fw, stage_id, parsed, board)
        if stage_id not in order:
            order.append(stage_id)
    return replace(fw, stages=tuple(stages[s] for s in order))

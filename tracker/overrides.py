"""Board timescale overrides from config: ``"scotland-scr.icr_completed" = "within 20 working days after notified"``.

Parsed with the same rule parser as the nation plugins, applied to that board's sources only. The
new rule has basis ``local override`` and keeps the rule it replaced beside it (``Rule.replaces``),
so every place that shows rules can show both.
"""

from __future__ import annotations

from dataclasses import replace

from tracker.config import BoardConfig, ConfigError
from tracker.model import Basis, Condition, Confidence, FieldType, Framework, Rule, Stage
from tracker.registry import all_frameworks
from tracker.rules import RuleSyntaxError, parse_rule_text
from tracker.vocabulary import counting_note


def _override_rule(
    fw: Framework, stage_id: str, text: str, board: str, key: str, where: str
) -> Stage:
    try:
        parsed = parse_rule_text(text)
    except RuleSyntaxError as exc:
        raise ConfigError(f"{where}: {key}: {exc}") from None
    if not fw.has_field(parsed.anchor):
        raise ConfigError(f"{where}: {key}: {fw.id} has no stage {parsed.anchor!r}")
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


def apply_overrides(fw: Framework, board: BoardConfig, where: str = "config") -> Framework:
    """``fw`` with the board's overrides for it; raises :class:`ConfigError` naming the key."""
    mine = {k: v for k, v in board.timescales.items() if k.partition(".")[0] == fw.id}
    if not mine:
        return fw
    stages = {s.id: s for s in fw.stages}
    order = [s.id for s in fw.stages]
    for key, text in mine.items():
        stage_id = key.partition(".")[2]
        if not fw.has_field(stage_id) or fw.field(stage_id).type is not FieldType.DATE:
            raise ConfigError(
                f"{where}: boards.timescales.{key}: {fw.id} has no dated stage {stage_id!r}"
            )
        stages[stage_id] = _override_rule(
            fw, stage_id, text, board.name, f"boards.timescales.{key}", where
        )
        if stage_id not in order:
            order.append(stage_id)
    try:
        return replace(fw, stages=tuple(stages[s] for s in order))
    except ValueError as exc:
        raise ConfigError(f"{where}: boards.timescales for {board.name}: {exc}") from None


def check_overrides(board: BoardConfig, where: str = "config") -> None:
    """Every key names a known framework of the board's nation and a dated stage; every rule parses."""
    known = {f.id: f for f in all_frameworks()}
    for key in board.timescales:
        fw_id, dot, stage = key.partition(".")
        if not dot or not stage:
            raise ConfigError(f'{where}: boards.timescales.{key}: expected "FRAMEWORK.STAGE"')
        if fw_id not in known:
            raise ConfigError(
                f"{where}: boards.timescales.{key}: unknown framework {fw_id!r} "
                f"(known: {', '.join(sorted(known))})"
            )
        if known[fw_id].nation != board.nation:
            raise ConfigError(
                f"{where}: boards.timescales.{key}: {fw_id} is not a framework of {board.nation}"
            )
        apply_overrides(known[fw_id], board, where)


def apply_counting(fw: Framework, board: BoardConfig) -> Framework:
    """``fw`` counted as the board's ``[boards.counting]`` says, each rule it changes saying so.

    The note joins the rule's citation, so every place that shows a rule (the check JSON's
    ``source``, ``tracker frameworks``, the web view, the e-mail) shows how it was counted.
    """
    counting = board.counting
    if counting.is_default:
        return fw
    stages = []
    for stage in fw.stages:
        rules = []
        for r in stage.rules:
            note = counting_note(r, counting)
            rules.append(replace(r, citation=f"{r.citation}; {note}") if note else r)
        stages.append(replace(stage, rules=tuple(rules)))
    return replace(fw, stages=tuple(stages), counting=counting)


def board_framework(fw: Framework, board: BoardConfig) -> Framework:
    """``fw`` as a board uses it: its local timescales and its local counting."""
    return apply_counting(apply_overrides(fw, board), board)

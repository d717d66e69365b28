"""Frameworks and their rules as plain data, for ``tracker frameworks``, the web view and e-mails.

Wherever a rule is shown to a person it carries its basis, must/should, confidence and citation,
and a local override shows the rule it replaced beside it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from tracker.config import Config, board_framework
from tracker.frameworks.registry import all_frameworks
from tracker.frameworks.vocabulary import counting_description
from tracker.model import Framework, Rule


def rule_json(rule: Rule, fw: Framework) -> dict[str, Any]:
    return {
        "stage": rule.stage,
        "text": rule.text(),
        "description": describe_rule(rule, fw),
        "kind": rule.kind.value,
        "amount": rule.amount if rule.is_timescale else None,
        "unit": rule.unit.value if rule.is_timescale else None,
        "anchor": rule.anchor,
        "applies_when": (
            {"field": rule.when.field, "values": list(rule.when.values)} if rule.when else None
        ),
        "applies_dated": (
            {
                "field": rule.dated.field,
                "on_or_after": _iso(rule.dated.on_or_after),
                "before": _iso(rule.dated.before),
            }
            if rule.dated
            else None
        ),
        "applies_text": rule.applies_text(),
        "basis": rule.basis.value,
        "must": rule.must,
        "must_label": rule.must_label(),
        "confidence": rule.confidence.value,
        "citation": rule.citation,
        "replaces": rule_json(rule.replaces, fw) if rule.replaces else None,
    }


def describe_rule(rule: Rule, fw: Framework) -> str:
    """The rule with header labels instead of ids: "within 1 month after Date notified to LSCB"."""
    text = rule.text()
    anchor_label = fw.label(rule.anchor) if fw.has_field(rule.anchor) else rule.anchor
    if rule.kind.value == "choice agrees":
        text = text.replace(f" {rule.anchor} ", f" {anchor_label} ")
    elif text.endswith(f" {rule.anchor}") or text.endswith(f"(once {rule.anchor} has a date)"):
        text = text.replace(rule.anchor, anchor_label)
    conditions = []
    if rule.when:
        conditions.append(f"{fw.label(rule.when.field)} is {rule.when.values[0]}")
        if not rule.when.yes_no:
            conditions[-1] = f"{fw.label(rule.when.field)} is {rule.when.describe()}"
    if rule.dated:
        conditions.append(
            rule.dated.describe().replace(rule.dated.field, fw.label(rule.dated.field), 1)
        )
    if conditions:
        text += f" (when {', and '.join(conditions)})"
    return text


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def framework_json(fw: Framework) -> dict[str, Any]:
    return {
        "id": fw.id,
        "title": fw.title,
        "nation": fw.nation,
        "calendar": fw.calendar,
        "sheet": fw.sheet,
        "board_kind": fw.board_kind,
        "sources": list(fw.sources),
        "notes": list(fw.notes),
        "in_force": _in_force_json(fw),
        "counting": counting_description(fw.counting),
        "fields": [
            {
                "id": f.id,
                "header": f.header,
                "type": f.type.value,
                "required": f.required,
                "choices": list(f.choices),
            }
            for f in fw.all_fields
        ],
        "stages": [
            {
                "id": s.id,
                "label": fw.label(s.id),
                "untimed": s.untimed,
                "rules": [rule_json(r, fw) for r in s.rules],
            }
            for s in fw.stages
        ],
    }


def _in_force_json(fw: Framework) -> dict[str, Any] | None:
    window = fw.in_force
    if window is None:
        return None
    return {
        "field": window.field,
        "from": _iso(window.start),
        "until": _iso(window.end),
        "predecessor": window.predecessor,
        "successor": window.successor,
    }


def frameworks_json(config: Config | None = None) -> list[dict[str, Any]]:
    """Every registered framework; with a config, each board's overrides under ``overrides``."""
    out = []
    for fw in all_frameworks():
        doc = framework_json(fw)
        doc["overrides"] = []
        doc["local_counting"] = []
        for board in config.boards if config else ():
            if board.nation != fw.nation:
                continue
            if not board.counting.is_default:
                doc["local_counting"].append(
                    {"board": board.name, "counting": counting_description(board.counting)}
                )
            local = board_framework(fw, board)
            if local is fw:
                continue
            national = {s.id: s.rules for s in fw.stages}
            for stage in local.stages:
                if stage.rules != national.get(stage.id):
                    doc["overrides"].append(
                        {
                            "board": board.name,
                            "stage": stage.id,
                            "label": fw.label(stage.id),
                            "rules": [rule_json(r, local) for r in stage.rules],
                        }
                    )
        out.append(doc)
    return out

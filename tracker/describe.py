"""Frameworks and their rules as plain data, for ``tracker frameworks``, the web view and e-mails.

Wherever a rule is shown to a person it carries its basis, must/should, confidence and citation,
and a local override shows the rule it replaced beside it.
"""

from __future__ import annotations

from typing import Any

from tracker.config import Config, apply_overrides
from tracker.model import Framework, Rule
from tracker.registry import all_frameworks


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
    elif text.endswith(f" {rule.anchor}") or text.endswith(f"({rule.anchor} has a date)"):
        text = text.replace(rule.anchor, anchor_label)
    if rule.when:
        text += f" (when {fw.label(rule.when.field)} is {rule.when.describe()})"
    return text


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


def frameworks_json(config: Config | None = None) -> list[dict[str, Any]]:
    """Every registered framework; with a config, each board's overrides under ``overrides``."""
    out = []
    for fw in all_frameworks():
        doc = framework_json(fw)
        doc["overrides"] = []
        for board in config.boards if config else ():
            if board.nation != fw.nation:
                continue
            local = apply_overrides(fw, board)
            if local is fw:
                continue
            for stage in local.stages:
                if any(
                    r.replaces is not None or r.basis.value == "local override" for r in stage.rules
                ):
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

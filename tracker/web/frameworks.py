"""The frameworks and their rules as the web view shows them, with boards' local overrides."""

from __future__ import annotations

import re
from typing import Any

from tracker.config import Config
from tracker.model import Framework
from tracker.registry import all_frameworks


def frameworks_data(config: Config | None = None) -> list[dict[str, Any]]:
    """Every framework with fields, stages and rules (text, basis, must/should, citation)."""
    return [_framework(f) for f in all_frameworks()]


def _framework(f: Framework) -> dict[str, Any]:
    return {
        "id": f.id,
        "title": f.title,
        "nation": f.nation,
        "calendar": f.calendar,
        "sheet": f.sheet,
        "board_kind": f.board_kind,
        "sources": list(f.sources),
        "fields": [
            {"id": fld.id, "header": fld.header, "type": fld.type.value, "required": fld.required}
            for fld in f.all_fields
        ],
        "stages": [
            {
                "id": stage.id,
                "label": f.label(stage.id),
                "rules": [
                    {
                        "text": rule.text(),
                        "readable": readable(f, rule.text(), rule.anchor),
                        "basis": rule.basis.value,
                        "must": rule.must,
                        "must_label": rule.must_label(),
                        "confidence": rule.confidence.value,
                        "citation": rule.citation,
                        "applies_when": rule.when.describe() if rule.when else None,
                    }
                    for rule in stage.rules
                ],
            }
            for stage in f.stages
        ],
    }


def readable(framework: Framework, text: str, anchor: str) -> str:
    """The rule with its anchor's column header in place of the field id, for people."""
    if not framework.has_field(anchor):
        return text
    return re.sub(rf"\b{re.escape(anchor)}\b", f"“{framework.label(anchor)}”", text)


def board_overrides(config: Config, board: str, framework: str) -> dict[str, str]:
    """``stage id -> rule text`` of the board's local timescales for one framework."""
    try:
        timescales = config.board(board).timescales
    except KeyError:
        return {}
    prefix = framework + "."
    return {k[len(prefix) :]: v for k, v in timescales.items() if k.startswith(prefix)}

"""The frameworks and their rules as the web view shows them, with boards' local overrides."""

from __future__ import annotations

from typing import Any

from tracker.config import Config
from tracker.describe import frameworks_json


def frameworks_data(config: Config | None = None) -> list[dict[str, Any]]:
    """Every framework with fields, stages and rules, and each board's overrides (describe.py)."""
    return frameworks_json(config)


def frameworks_for(snap: Any, config: Config | None) -> list[dict[str, Any]]:
    """:func:`frameworks_data`, worked out once per snapshot (pages and API share it)."""
    key = ("frameworks",)
    if key not in snap.memo:
        snap.memo[key] = frameworks_data(config)
    found: list[dict[str, Any]] = snap.memo[key]
    return found


def visible_frameworks(snap: Any, config: Config | None, user: Any) -> list[dict[str, Any]]:
    """:func:`frameworks_for` with only the local overrides of boards this user may see: a
    board's local procedures are its own business (pages and API alike)."""
    return [
        {**f, "overrides": [o for o in f.get("overrides", []) if user.may_see(o["board"])]}
        for f in frameworks_for(snap, config)
    ]


def stage_rules(
    frameworks: list[dict[str, Any]], framework: str, board: str
) -> dict[str, list[dict[str, Any]]]:
    """``stage id -> rules`` that apply to this board: its local overrides in place of the defaults.

    An override keeps the rule it replaced under ``replaces``, so the page can show both.
    """
    for f in frameworks:
        if f["id"] != framework:
            continue
        rules = {s["id"]: s["rules"] for s in f["stages"]}
        for override in f.get("overrides", []):
            if override["board"] == board:
                rules[override["stage"]] = override["rules"]
        return rules
    return {}

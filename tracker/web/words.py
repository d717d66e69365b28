"""The words people read for the ids the data keeps: framework titles, field labels, problem names.

Ids (``scotland-lr``, ``us-date-order``, ``reviewer_appointed``) are the contract of the JSON, the
API and the downloads and stay there; the pages say "Learning review", "US date order" and "Date
lead reviewer appointed", the words officers see in their own spreadsheets. Unknown ids are shown
as they are, so a typo in a sheet stays visible.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from tracker.frameworks.registry import all_frameworks
from tracker.problems import PROBLEM_TYPES

#: a snake_case field id (``partners_notified``): never an English word, so safe to replace in prose
_SNAKE_ID = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")

#: frameworks.md's confidence words, with "(seed)" (a rule from the original rule list) said plainly
CONFIDENCE_LABELS = {
    "confirmed": "Confirmed",
    "confirmed (seed)": "Confirmed (original rule list)",
    "secondary": "Secondary source",
    "to confirm": "To confirm",
}
CONFIDENCE_MEANINGS = {
    "Confirmed": "read in the official text or a faithful copy of it",
    "Confirmed (original rule list)": "confirmed, as given in the rule list the tracker began with",
    "Secondary source": "read in local procedures or other pages that reproduce the guidance",
    "To confirm": (
        "not found in any readable source: a sensible default that a board can override in config"
    ),
}

#: the working-day calendars by the nation whose bank holidays they leave out
CALENDAR_LABELS = {
    "ENG": "England",
    "WLS": "Wales",
    "SCT": "Scotland",
    "NIR": "Northern Ireland",
}


@cache
def _titles() -> dict[str, str]:
    return {f.id: f.title for f in all_frameworks()}


def framework_title(framework_id: Any, short: bool = False) -> str:
    """The name people read for a framework id (``scotland-lr``: "Scotland: Learning review ...").

    ``short`` drops the "Nation: " prefix where the nation is shown beside it.
    """
    title = _titles().get(str(framework_id or ""))
    if title is None:
        return str(framework_id or "")
    return title.split(": ", 1)[-1] if short else title


@cache
def _labels(framework_id: str) -> dict[str, str]:
    """Field id -> header of one framework, or of every framework when the id is unknown."""
    found: dict[str, str] = {}
    for fw in all_frameworks():
        if framework_id in ("", fw.id):
            for f in fw.all_fields:
                found.setdefault(f.id, f.header)
    return found if found or not framework_id else _labels("")


def field_label(field_id: Any, framework_id: Any = "") -> str:
    """``reviewer_appointed`` -> "Date lead reviewer appointed" (that framework's header)."""
    text = str(field_id or "")
    return _labels(str(framework_id or "")).get(text, text)


def human_text(text: Any, framework_id: Any = "") -> str:
    """Prose with every field id in it written as its header ("move the anchor to Date partners
    notified or Date LA became aware"), for citations and notes written with ids."""
    labels = _labels(str(framework_id or ""))
    return _SNAKE_ID.sub(lambda m: labels.get(m.group(0), m.group(0)), str(text or ""))


def problem_title(slug: Any) -> str:
    """``us-date-order`` -> "US date order"."""
    kind = PROBLEM_TYPES.get(str(slug or ""))
    return kind.title if kind else str(slug or "")


def confidence_label(confidence: Any) -> str:
    text = str(confidence or "")
    return CONFIDENCE_LABELS.get(text, text)


def calendar_label(calendar: Any) -> str:
    text = str(calendar or "")
    return CALENDAR_LABELS.get(text, text)

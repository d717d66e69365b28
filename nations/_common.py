"""Shorthands the built-in plugins share (a third-party plugin may use them too)."""

from __future__ import annotations

from tracker.model import Basis, Confidence, Field, FieldType, Rule
from tracker.rules import rule

STATUTE = Basis.STATUTE
STATUTORY = Basis.STATUTORY_GUIDANCE
NATIONAL = Basis.NATIONAL_GUIDANCE
LOCAL = Basis.LOCAL_DEFAULT

CONFIRMED = Confidence.CONFIRMED
SEED = Confidence.CONFIRMED_SEED
SECONDARY = Confidence.SECONDARY
TO_CONFIRM = Confidence.TO_CONFIRM


def date(field_id: str, header: str, *, required: bool = False) -> Field:
    return Field(field_id, header, FieldType.DATE, required=required)


def choice(field_id: str, header: str, *choices: str) -> Field:
    return Field(field_id, header, FieldType.CHOICE, choices=tuple(choices))


def yes_no(field_id: str, header: str) -> Field:
    return Field(field_id, header, FieldType.YES_NO)


def uncited(document: str) -> str:
    """frameworks.md gives no passage for this rule: cite the framework's document, and say so."""
    return f"{document} (no passage cited)"


__all__ = [
    "CONFIRMED",
    "LOCAL",
    "NATIONAL",
    "SECONDARY",
    "SEED",
    "STATUTE",
    "STATUTORY",
    "TO_CONFIRM",
    "Rule",
    "choice",
    "date",
    "rule",
    "uncited",
    "yes_no",
]

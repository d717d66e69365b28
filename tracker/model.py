"""The framework model: what a nation plugin declares.

A framework is data written in Python, so a typo in a stage id fails at import (``Framework`` checks
its own references) rather than as a wrong due date months later.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum


class FieldType(StrEnum):
    TEXT = "text"
    DATE = "date"
    CHOICE = "choice"
    YES_NO = "yes/no"


class Unit(StrEnum):
    DAYS = "days"
    WORKING_DAYS = "working days"
    WEEKS = "weeks"
    MONTHS = "months"


class RuleKind(StrEnum):
    WITHIN = "within"  # latest = anchor + N
    AT_LEAST_BEFORE = "at least before"  # latest = anchor - N
    NOT_BEFORE = "not before"  # earliest = anchor + N
    MUST_BE_YES = "must be yes"  # a yes/no field that must hold once a stage has a date
    CHOICE_AGREES = "choice agrees"  # a choice that must agree with a yes/no field


class Basis(StrEnum):
    STATUTE = "statute"
    STATUTORY_GUIDANCE = "statutory guidance"
    NATIONAL_GUIDANCE = "national guidance"
    LOCAL_DEFAULT = "local default"
    LOCAL_OVERRIDE = "local override"


#: Strongest first: used when several rules apply to one stage at once.
BASIS_RANK: dict[Basis, int] = {
    Basis.STATUTE: 0,
    Basis.STATUTORY_GUIDANCE: 1,
    Basis.NATIONAL_GUIDANCE: 2,
    Basis.LOCAL_OVERRIDE: 3,
    Basis.LOCAL_DEFAULT: 4,
}


class Confidence(StrEnum):
    CONFIRMED = "confirmed"
    CONFIRMED_SEED = "confirmed (seed)"
    SECONDARY = "secondary"
    TO_CONFIRM = "to confirm"


class Status(StrEnum):
    ON_TIME = "on_time"
    LATE = "late"
    EARLY = "early"
    OVERDUE = "overdue"
    PENDING = "pending"
    WAITING = "waiting"
    NOT_APPLICABLE = "not_applicable"
    MET = "met"
    NOT_MET = "not_met"
    PAUSED = "paused"  # not done, its clock stopped by an open pause (Pauses and extensions)


#: Worst first: the order statuses are listed and reviews ranked in, everywhere they are shown.
STATUS_ORDER: tuple[Status, ...] = (
    Status.OVERDUE,
    Status.NOT_MET,
    Status.LATE,
    Status.EARLY,
    Status.PAUSED,
    Status.PENDING,
    Status.WAITING,
    Status.ON_TIME,
    Status.MET,
    Status.NOT_APPLICABLE,
)

#: Statuses that mean something went wrong (used for exit codes, reports, the web view).
FAILING_STATUSES = frozenset({Status.LATE, Status.EARLY, Status.OVERDUE, Status.NOT_MET})


@dataclass(frozen=True)
class Field:
    """A column on the framework's sheet."""

    id: str
    header: str
    type: FieldType
    required: bool = False
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Condition:
    """``applies when``: the rule holds only when a choice field has one of these values."""

    field: str
    values: tuple[str, ...]

    def describe(self) -> str:
        return " or ".join(self.values)


@dataclass(frozen=True)
class Rule:
    """One timescale or condition on a stage.

    ``stage`` is the field the rule judges (a date for timescales, a yes/no or choice for checks).
    ``anchor`` is the date field the timescale counts from (timescales), or the stage whose date
    switches the check on (``must be yes``), or the yes/no field the choice must agree with.
    """

    stage: str
    kind: RuleKind
    anchor: str
    basis: Basis
    must: bool
    confidence: Confidence
    citation: str
    amount: int = 0
    unit: Unit = Unit.DAYS
    when: Condition | None = None
    #: for CHOICE_AGREES: the choice label required when the anchor is yes, and when it is no
    if_yes: str | None = None
    if_no: str | None = None
    #: the must/should wording when it is split ("must (notify) / should (5 days)")
    must_text: str | None = None
    #: for a local override: the rule it replaced, kept visible beside it
    replaces: Rule | None = None

    @property
    def is_timescale(self) -> bool:
        return self.kind in (RuleKind.WITHIN, RuleKind.AT_LEAST_BEFORE, RuleKind.NOT_BEFORE)

    def text(self) -> str:
        """The rule in the form frameworks.md writes it (and config overrides are parsed from)."""
        if self.kind is RuleKind.MUST_BE_YES:
            return f"must be yes (once {self.anchor} has a date)"
        if self.kind is RuleKind.CHOICE_AGREES:
            return f"{self.if_yes} when {self.anchor} is yes, {self.if_no} when no (once both are filled)"
        unit = self.unit.value
        if self.amount == 1 and unit.endswith("s"):
            unit = unit[:-1]
        if self.kind is RuleKind.WITHIN:
            return f"within {self.amount} {unit} after {self.anchor}"
        if self.kind is RuleKind.AT_LEAST_BEFORE:
            return f"at least {self.amount} {unit} before {self.anchor}"
        if self.amount == 0:
            return f"after {self.anchor}"
        return f"not before {self.amount} {unit} after {self.anchor}"

    def must_label(self) -> str:
        return self.must_text or ("must" if self.must else "should")

    def as_override(self, replaced: Rule) -> Rule:
        return replace(self, basis=Basis.LOCAL_OVERRIDE, replaces=replaced)


@dataclass(frozen=True)
class Stage:
    """A step in the review. ``untimed`` stages are recorded dates that no rule judges."""

    id: str
    rules: tuple[Rule, ...] = ()
    untimed: bool = False
    #: a duty to tell a national body when this stage is paused (its citation), e.g. England's
    #: LCSPR publication delayed by criminal proceedings (Working Together 2018, ch. 4)
    inform_when_paused: str | None = None


@dataclass(frozen=True)
class Framework:
    id: str
    title: str
    nation: str  # england, wales, scotland, northern-ireland
    calendar: str  # ENG, WLS, SCT, NIR
    sheet: str
    board_kind: str
    sources: tuple[str, ...]
    fields: tuple[Field, ...]
    stages: tuple[Stage, ...]
    notes: tuple[str, ...] = ()
    _by_id: dict[str, Field] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_id.update({f.id: f for f in self.all_fields})
        problems = self.check()
        if problems:
            raise ValueError(f"framework {self.id}: " + "; ".join(problems))

    @property
    def all_fields(self) -> tuple[Field, ...]:
        return COMMON_FIELDS + self.fields

    def field(self, field_id: str) -> Field:
        return self._by_id[field_id]

    def has_field(self, field_id: str) -> bool:
        return field_id in self._by_id

    def stage(self, stage_id: str) -> Stage:
        for stage in self.stages:
            if stage.id == stage_id:
                return stage
        raise KeyError(stage_id)

    @property
    def rules(self) -> tuple[Rule, ...]:
        return tuple(rule for stage in self.stages for rule in stage.rules)

    def label(self, field_id: str) -> str:
        return self._by_id[field_id].header

    def check(self) -> list[str]:
        """Every reference must point at a real field of the right type."""
        problems: list[str] = []
        ids = [f.id for f in self.all_fields]
        headers = [" ".join(f.header.lower().split()) for f in self.all_fields]
        for name, values in (("field id", ids), ("header", headers)):
            dupes = {v for v in values if values.count(v) > 1}
            if dupes:
                problems.append(f"duplicate {name}s {sorted(dupes)}")
        by_id = {f.id: f for f in self.all_fields}
        stage_ids = [s.id for s in self.stages]
        if len(set(stage_ids)) != len(stage_ids):
            problems.append("duplicate stages")
        for stage in self.stages:
            if stage.id not in by_id:
                problems.append(f"stage {stage.id} is not a field")
                continue
            if not stage.rules and not stage.untimed:
                problems.append(f"stage {stage.id} has no rule and is not marked untimed")
            for rule in stage.rules:
                problems.extend(self._check_rule(stage, rule, by_id))
        return problems

    def _check_rule(self, stage: Stage, rule: Rule, by_id: dict[str, Field]) -> list[str]:
        where = f"{stage.id}: {rule.text()}"
        problems: list[str] = []
        if rule.stage != stage.id:
            problems.append(f"{where}: rule names stage {rule.stage}")
        anchor = by_id.get(rule.anchor)
        target = by_id.get(stage.id)
        if anchor is None:
            return [*problems, f"{where}: unknown field {rule.anchor}"]
        if rule.is_timescale:
            if anchor.type is not FieldType.DATE or (target and target.type is not FieldType.DATE):
                problems.append(f"{where}: timescales join two date fields")
            if rule.amount < 0:
                problems.append(f"{where}: negative amount")
            if rule.anchor == stage.id:
                problems.append(f"{where}: a stage cannot anchor itself")
        elif rule.kind is RuleKind.MUST_BE_YES:
            if target and target.type is not FieldType.YES_NO:
                problems.append(f"{where}: must be yes needs a yes/no field")
            if anchor.type is not FieldType.DATE:
                problems.append(f"{where}: must be yes is switched on by a date")
        elif rule.kind is RuleKind.CHOICE_AGREES:
            if target is None or target.type is not FieldType.CHOICE:
                problems.append(f"{where}: choice agrees needs a choice field")
            elif rule.if_yes not in target.choices or rule.if_no not in target.choices:
                problems.append(f"{where}: unknown choice label")
            if anchor.type is not FieldType.YES_NO:
                problems.append(f"{where}: choice agrees needs a yes/no anchor")
        if not rule.citation.strip():
            problems.append(f"{where}: no citation")
        if rule.when is not None:
            cond = by_id.get(rule.when.field)
            if cond is None or cond.type is not FieldType.CHOICE:
                problems.append(f"{where}: applies-when names no choice field")
            elif not set(rule.when.values) <= set(cond.choices):
                problems.append(f"{where}: applies-when names an unknown choice")
        return problems


COMMON_FIELDS: tuple[Field, ...] = (
    Field("review_id", "Review ID", FieldType.TEXT, required=True),
    Field("board", "Board", FieldType.TEXT),
    Field("report_link", "Report link", FieldType.TEXT),
    Field("notes", "Notes", FieldType.TEXT),
)

#: Fields whose content is free text: never shown to inspectors, e-mailed, exported or logged.
PRIVATE_FIELDS = frozenset({"notes"})

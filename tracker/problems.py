"""Validation problems as small typed records with a stable slug (frictionless style).

Each type has a severity (an ``error`` stops that review being assessed; a ``warning`` does not; an ``info`` note says how
something unusual was read), a
message template and a fix template, so every output (CLI, JSON, e-mail, web) says the same thing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from dataclasses import fields as dataclass_fields
from datetime import date, datetime
from functools import cache
from string import Formatter
from typing import Any

ERROR = "error"
WARNING = "warning"
#: a note of how something was read (e.g. a merged block): nothing is wrong, nothing to fix first
INFO = "info"


@dataclass(frozen=True)
class ProblemType:
    slug: str
    severity: str
    title: str
    message: str  # str.format template: {value}, {column}, {detail}, {suggestion}
    fix: str


_TYPES = [
    ProblemType(
        "invalid-date",
        ERROR,
        "Not a date",
        "{value} is not a date",
        "Type the date as dd/mm/yyyy, for example 31/01/2024.",
    ),
    ProblemType(
        "us-date-order",
        ERROR,
        "US date order",
        "{value} looks like month/day order{detail}",
        "Dates are read day first: type it as {suggestion}.",
    ),
    ProblemType(
        "impossible-date",
        ERROR,
        "Impossible date",
        "{value} is not a real date{detail}",
        "Check the day and month and correct it.",
    ),
    ProblemType(
        "two-digit-year",
        ERROR,
        "Two-digit year",
        "{value} has a two-digit year",
        "Type the year in full: {suggestion}.",
    ),
    ProblemType(
        "implausible-date",
        ERROR,
        "Implausible date",
        "{value} is outside the years a review can have ({detail})",
        "Check the year and correct it.",
    ),
    ProblemType(
        "cell-error",
        ERROR,
        "Formula error",
        "the cell shows the error {value}, not a value",
        "Correct the formula, or type the value instead.",
    ),
    ProblemType(
        "missing-required",
        ERROR,
        "Missing required value",
        "{column} is required",
        "Fill in {column} for this review.",
    ),
    ProblemType(
        "unknown-choice",
        ERROR,
        "Not one of the choices",
        "{value} is not one of: {detail}",
        "Pick one of: {detail}.",
    ),
    ProblemType(
        "invalid-yes-no", ERROR, "Not Yes or No", "{value} is not Yes or No", "Type Yes or No."
    ),
    ProblemType(
        "invalid-id",
        ERROR,
        "Review ID with other characters",
        "{value} has characters a review ID cannot have",
        "Use only letters, digits, -, / and _ in review IDs.",
    ),
    ProblemType(
        "duplicate-id",
        ERROR,
        "Duplicated review ID",
        "review ID {value} is used more than once in this workbook{detail}",
        "Give each review its own ID, or delete the duplicate row.",
    ),
    ProblemType(
        "formula-without-value",
        ERROR,
        "Formula with no stored result",
        "a formula whose result was never stored (0 or empty): its value is unknown",
        "Open and save the file in Excel or LibreOffice so the result is stored, or type the value.",
    ),
    ProblemType(
        "placeholder",
        WARNING,
        "Placeholder read as blank",
        "{value} was read as blank (not yet known)",
        "Leave the cell empty until it is known, then type the {detail}.",
    ),
    ProblemType(
        "suspect-us-date-import",
        WARNING,
        "Dates may have been imported in US order",
        "{column} mixes date cells with text dates that only read day first ({detail}): "
        "a US-locale import swaps day and month where both are 12 or less",
        "Check the date cells in {column}; re-import the file with a UK (day/month) locale, "
        "or retype the dates as dd/mm/yyyy.",
    ),
    ProblemType(
        "merged-cells",
        INFO,
        "Merged cells",
        "the cells {detail} are merged: their value was read for every cell of the block",
        "Nothing to do; to be explicit, unmerge the cells and fill the value down.",
    ),
    ProblemType(
        "future-date",
        WARNING,
        "Date in the future",
        "{value} is after the as-of date {detail}",
        "Check the date: a stage cannot have happened yet.",
    ),
    ProblemType(
        "out-of-order",
        WARNING,
        "Stage before the stage it follows",
        "{column} ({value}) is before {detail}",
        "Check both dates.",
    ),
    ProblemType(
        "choice-case",
        WARNING,
        "Choice typed in odd case",
        "{value} was read as {suggestion}",
        "Pick the value from the drop-down list.",
    ),
    ProblemType(
        "invalid-link",
        WARNING,
        "Report link not https",
        "{value} is not an https:// link",
        "Paste the report's full https:// address.",
    ),
    ProblemType(
        "not-applicable-date",
        WARNING,
        "Date for a stage that does not apply",
        "{column} has a date but the stage does not apply ({detail})",
        "Check the decision and this date.",
    ),
    # the Pauses and extensions sheet (tracker.optional.pauses)
    ProblemType(
        "adjustment-unknown-review",
        ERROR,
        "Pause for an unknown review",
        "no review {value} on a framework sheet of this workbook",
        "Type the Review ID exactly as on the review's own sheet.",
    ),
    ProblemType(
        "adjustment-unknown-stage",
        ERROR,
        "Not a stage with a deadline",
        "{value} is not a stage with a deadline on {detail}",
        "Pick the stage from the drop-down: the header of a date column with a deadline.",
    ),
    ProblemType(
        "adjustment-ambiguous-action",
        ERROR,
        "Which action?",
        "{value} is an action of more than one recommendation of this review: {detail}",
        "Add the recommendation in brackets, as listed, e.g. Action 1 (R3).",
    ),
    ProblemType(
        "adjustment-missing-date",
        ERROR,
        "Date missing",
        "{column} is required for {detail}",
        "Fill in {column}.",
    ),
    ProblemType(
        "pause-ends-before-start",
        ERROR,
        "Pause ends before it starts",
        "To ({value}) is before From ({detail})",
        "Check both dates: To is the last day of the pause.",
    ),
    ProblemType(
        "pause-overlap",
        ERROR,
        "Overlapping pauses",
        "this pause from {value} overlaps the pause of the same stage on {detail}",
        "Make it one row, or correct the dates so the pauses do not overlap.",
    ),
    ProblemType(
        "extension-not-later",
        ERROR,
        "Extension gives no more time",
        "the new due date {value} is not later than the date it replaces ({detail})",
        "Check the date agreed: an extension must end after the date it replaces.",
    ),
    ProblemType(
        "pause-stage-done",
        WARNING,
        "Pause of a stage already done",
        "the pause starts {value}, after the stage was done ({detail}): it changes nothing",
        "Check the stage and the dates.",
    ),
    # the Actions sheet (tracker.optional.actions)
    ProblemType(
        "action-unknown-review",
        ERROR,
        "Action for an unknown review",
        "no review {value} on a framework sheet of this workbook",
        "Type the Review ID exactly as on the review's own sheet.",
    ),
    ProblemType(
        "action-duplicate",
        ERROR,
        "Action listed twice",
        "action {value} is already listed for recommendation {detail}",
        "Give each action of a recommendation its own reference (R3.1, R3.2, ...), or delete the copy.",
    ),
    ProblemType(
        "action-completed-not-closed",
        ERROR,
        "Completed date but not completed",
        "Date completed is filled but Status is {value}",
        "Set Status to Completed, or clear Date completed if the action is not done.",
    ),
    ProblemType(
        "action-closed-no-date",
        ERROR,
        "Completed without a date",
        "Status is Completed but {column} is blank",
        "Fill in {column}, or set Status back to Open.",
    ),
    ProblemType(
        "action-link-not-https",
        WARNING,
        "Evidence link is not an https address",
        "{value} is not an https:// address",
        "Paste the https:// address of the evidence (a shared document or page).",
    ),
    ProblemType(
        "action-assured-before-completed",
        WARNING,
        "Assurance before completion",
        "assurance is dated {value}, before the action was completed ({detail})",
        "Check both dates: assurance is given after the action is done.",
    ),
    ProblemType(
        "missing-column",
        ERROR,
        "Missing required column",
        "the sheet has no {column} column",
        "Add a column headed {column} (run tracker init on the workbook to add it).",
    ),
    ProblemType(
        "missing-optional-column",
        WARNING,
        "Missing column",
        "the sheet has no {column} column: its stage cannot be assessed",
        "Add a column headed {column} (run tracker init on the workbook to add it).",
    ),
    ProblemType(
        "duplicate-header",
        ERROR,
        "Column headed twice",
        "{column} heads more than one column ({detail})",
        "Rename or delete one of the columns.",
    ),
    ProblemType(
        "no-header",
        ERROR,
        "No header row",
        "no header row with the framework's column names was found",
        "Put the column names from the template in one row above the data.",
    ),
    ProblemType(
        "no-framework-sheet",
        ERROR,
        "No framework sheet",
        "none of the sheets is named after a framework ({detail})",
        "Name the sheet exactly as the template does: {suggestion}.",
    ),
    ProblemType(
        "wrong-nation-sheet",
        WARNING,
        "Sheet for another nation",
        "the sheet {value} belongs to another nation than the board's ({detail})",
        "Check the board's nation in the config, or move the sheet.",
    ),
    ProblemType(
        "board-mismatch",
        ERROR,
        "Another board's name",
        "the Board cell says {value}, but this workbook belongs to {detail}",
        "Type the board's name as the config has it ({detail}), or leave the cell blank.",
    ),
    ProblemType(
        "framework-not-in-force",
        WARNING,
        "Framework not in force",
        "{detail}",
        "{suggestion}",
    ),
    ProblemType(
        "hidden-sheet",
        WARNING,
        "Hidden sheet",
        "the sheet is hidden; it was read all the same",
        "Unhide it so officers can see it.",
    ),
    ProblemType(
        "unsupported-format",
        ERROR,
        "File format not read",
        "{detail}",
        "Save it as an Excel Workbook (.xlsx) or OpenDocument Spreadsheet (.ods) and use that file.",
    ),
    ProblemType(
        "unreadable-source",
        ERROR,
        "Source cannot be read",
        "{detail}",
        "Check the file or sheet and try again.",
    ),
    # Google Sheets sources (tracker.sources.gsheet): the detail is the one-line reason
    ProblemType(
        "gsheet-bad-key",
        ERROR,
        "Not a Google Sheet address",
        "{detail}",
        "Write the source as gsheet:KEY or paste the sheet's docs.google.com link.",
    ),
    ProblemType(
        "gsheet-credentials",
        ERROR,
        "Google credentials unusable",
        "{detail}",
        "Point [google] credentials or GOOGLE_APPLICATION_CREDENTIALS at a current "
        "service-account key file.",
    ),
    ProblemType(
        "gsheet-forbidden",
        ERROR,
        "Google Sheet not shared",
        "{detail}",
        "Share the spreadsheet with the service account's e-mail address (Viewer is enough).",
    ),
    ProblemType(
        "gsheet-not-found",
        ERROR,
        "No such Google Sheet",
        "{detail}",
        "Check the key: the part of the sheet's link between /d/ and /edit.",
    ),
    ProblemType(
        "gsheet-unavailable",
        ERROR,
        "Google Sheets unavailable",
        "{detail}",
        "Nothing to change in the sheet: the next refresh tries again.",
    ),
    ProblemType(
        "gsheet-config",
        ERROR,
        "Google Sheets endpoint misconfigured",
        "{detail}",
        "Set TRACKER_SHEETS_API to an https address, or unset it to use Google directly.",
    ),
    ProblemType(
        "gsheet-failed",
        ERROR,
        "Google Sheets failed",
        "{detail}",
        "Try again later; if it persists, report the message to the tracker's maintainers.",
    ),
]

PROBLEM_TYPES: dict[str, ProblemType] = {t.slug: t for t in _TYPES}


def display_value(value: Any) -> str:
    """A cell value as an officer would recognise it."""
    if value is None:
        return "(blank)"
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y") if value.time() == datetime.min.time() else str(value)
    if isinstance(value, date):
        if value.year >= 1000:  # strftime's text, at a fraction of its cost (a sheet can warn
            return f"{value.day:02d}/{value.month:02d}/{value.year}"  # at every row)
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def json_value(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


@dataclass(frozen=True, slots=True)  # slots: made by the thousand when a whole sheet warns
class Problem:
    type: str
    severity: str
    message: str
    source: str
    sheet: str | None = None
    cell: str | None = None
    row: int | None = None
    column: str | None = None
    review_id: str | None = None
    value: Any = None
    fix: str | None = None
    link: str | None = None

    @classmethod
    def make(
        cls,
        slug: str,
        *,
        source: str,
        value: Any = None,
        column: str | None = None,
        detail: str = "",
        suggestion: str = "",
        **where: Any,
    ) -> Problem:
        kind = PROBLEM_TYPES[slug]
        if isinstance(value, str) and value == "":
            value = None  # an empty cell: readers give "" (Excel) or nothing (Google Sheets)
        fields = {
            "value": display_value(value),
            "column": column or "",
            "detail": detail,
            "suggestion": suggestion,
        }
        return cls(
            type=slug,
            severity=kind.severity,
            message=kind.message.format(**fields),
            fix=kind.fix.format(**fields),
            source=source,
            column=column,
            value=value,
            **where,
        )

    @classmethod
    def make_many(
        cls,
        slug: str,
        *,
        source: str,
        sheet: str | None,
        column: str | None,
        cells: Sequence[str | None],
        rows: Sequence[int],
        review_ids: Sequence[str | None],
        values: Sequence[Any],
        details: Sequence[str],
        links: Sequence[str | None],
        suggestion: str = "",
    ) -> list[Problem]:
        """:meth:`make` for many cells of one column at once, with the same problems: a whole
        sheet may warn (reviews begun before a framework's start), so what is the same for every
        cell (the type's look-up, a message or fix that does not quote the cell) is done once and
        each problem is built directly (:func:`_assemble`)."""
        kind = PROBLEM_TYPES[slug]
        label = column or ""
        # a template quoting neither the value nor the detail reads the same for every cell
        constant = {"value": "", "column": label, "detail": "", "suggestion": suggestion}
        same_message = _PER_CELL.isdisjoint(_template_fields(kind.message))
        same_fix = _PER_CELL.isdisjoint(_template_fields(kind.fix))
        message = kind.message.format(**constant) if same_message else ""
        fix = kind.fix.format(**constant) if same_fix else ""
        quotes_value = "value" in _template_fields(kind.message) | _template_fields(kind.fix)
        made = []
        for cell, row, review_id, value, detail, link in zip(
            cells, rows, review_ids, values, details, links, strict=True
        ):
            if isinstance(value, str) and value == "":
                value = None  # as make: an empty cell
            if not (same_message and same_fix):
                fields = {
                    "value": display_value(value) if quotes_value else "",
                    "column": label,
                    "detail": detail,
                    "suggestion": suggestion,
                }
                if not same_message:
                    message = kind.message.format(**fields)
                if not same_fix:
                    fix = kind.fix.format(**fields)
            made.append(
                _assemble(
                    slug,
                    kind.severity,
                    message,
                    source,
                    sheet,
                    cell,
                    row,
                    column,
                    review_id,
                    value,
                    fix,
                    link,
                )
            )
        return made

    def with_location(self, **where: Any) -> Problem:
        return replace(self, **where)

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    @property
    def is_info(self) -> bool:
        return self.severity == INFO

    def location(self) -> str:
        if self.sheet and self.cell:
            return f"{self.sheet}!{self.cell}"
        return self.sheet or ""

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "sheet": self.sheet,
            "cell": self.cell,
            "row": self.row,
            "column": self.column,
            "review_id": self.review_id,
            "value": json_value(self.value),
            "type": self.type,
            "severity": self.severity,
            "message": self.message,
            "fix": self.fix,
            "link": self.link,
        }


#: the template fields that differ from cell to cell in :meth:`Problem.make_many`
_PER_CELL = frozenset({"value", "detail"})


@cache
def _template_fields(template: str) -> frozenset[str]:
    """The fields a message or fix template names."""
    return frozenset(name for _, name, _, _ in Formatter().parse(template) if name)


def _problem_assembler() -> Callable[..., Problem]:
    """A :class:`Problem` from its fields in order, without the frozen dataclass's ``__init__``
    (it sets each field through ``object.__setattr__``: twice the cost, which counts when a
    whole sheet warns). Each field goes through its slot's own setter, so the record is the
    same (tests/test_problems.py compares them)."""
    names = [f.name for f in dataclass_fields(Problem)]
    setters = [vars(Problem)[name].__set__ for name in names]
    assert names == [
        "type", "severity", "message", "source", "sheet", "cell", "row", "column",
        "review_id", "value", "fix", "link",
    ]  # fmt: skip
    (s_type, s_sev, s_msg, s_src, s_sheet, s_cell, s_row, s_col, s_id, s_val, s_fix, s_link) = (
        setters
    )
    new = object.__new__

    def assemble(
        type: str,  # noqa: A002 (the field's name)
        severity: str,
        message: str,
        source: str,
        sheet: str | None,
        cell: str | None,
        row: int | None,
        column: str | None,
        review_id: str | None,
        value: Any,
        fix: str | None,
        link: str | None,
    ) -> Problem:
        p: Problem = new(Problem)
        s_type(p, type)
        s_sev(p, severity)
        s_msg(p, message)
        s_src(p, source)
        s_sheet(p, sheet)
        s_cell(p, cell)
        s_row(p, row)
        s_col(p, column)
        s_id(p, review_id)
        s_val(p, value)
        s_fix(p, fix)
        s_link(p, link)
        return p

    return assemble


_assemble = _problem_assembler()

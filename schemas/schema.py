"""pandera schemas built from a framework: the one place types, required fields, choice labels
and review-id rules are declared for validation.

The frame validated here is already parsed (dates as datetime64, yes/no as boolean, choices as
canonical labels or the unknown text as typed). Parse failures are reported by the parser itself;
this schema reports what is left: required values missing, unknown choices, malformed and
duplicated review ids.
"""

from __future__ import annotations

from functools import cache

import pandera.pandas as pa

from tracker.model import Field, FieldType, Framework

REVIEW_ID_PATTERN = r"^[A-Za-z0-9/_\-]+$"
ROW = "_row"

#: pandera check names -> problem slugs
CHECK_SLUGS = {
    "not_nullable": "missing-required",
    "str_matches": "invalid-id",
    "isin": "unknown-choice",
    "field_uniqueness": "duplicate-id",
}


def _column(f: Field) -> pa.Column:
    nullable = not f.required
    if f.type is FieldType.DATE:
        return pa.Column("datetime64[s]", nullable=nullable)
    if f.type is FieldType.YES_NO:
        return pa.Column("boolean", nullable=nullable)
    if f.type is FieldType.CHOICE:
        return pa.Column(str, pa.Check.isin(list(f.choices)), nullable=nullable)
    if f.id == "review_id":
        return pa.Column(str, pa.Check.str_matches(REVIEW_ID_PATTERN), nullable=False)
    return pa.Column(str, nullable=nullable)


@cache
def framework_schema(framework: Framework) -> pa.DataFrameSchema:
    """Row-level schema for one framework's sheet (free-text notes are not validated)."""
    columns = {f.id: _column(f) for f in framework.all_fields if f.id != "notes"}
    columns[ROW] = pa.Column(int, pa.Check.ge(1))
    return pa.DataFrameSchema(columns, name=framework.sheet, strict=False)


#: Workbook-level: review ids are unique across every framework sheet of a workbook.
WORKBOOK_IDS = pa.DataFrameSchema(
    {"review_id": pa.Column(str, unique=True, nullable=True)},
    name="review ids",
    report_duplicates="all",
)

"""pandera schemas built from a framework: the one place types, required fields, choice labels
and review-id rules are declared for validation.

The frame validated here is already parsed (dates as datetime64, yes/no as boolean, choices as
canonical labels or the unknown text as typed). Parse failures are reported by the parser itself;
this schema reports what is left: required values missing, unknown choices, malformed and
duplicated review ids.
"""

from __future__ import annotations

import re
import string
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.engines import pandas_engine

from tracker.model import Field, FieldType, Framework

REVIEW_ID_PATTERN = r"^[A-Za-z0-9/_\-]+$"
#: a character no review id may hold (the line break separates ids in :func:`ids_match`)
_NOT_ID_CHARACTER = re.compile(r"[^A-Za-z0-9/_\-\n]")
#: the characters a review id may hold, and the separator, as bytes (see :func:`ids_match`)
_ID_BYTES = (string.ascii_letters + string.digits + "/_-\n").encode("ascii")
ROW = "_row"

#: pandera check names -> problem slugs
CHECK_SLUGS = {
    "not_nullable": "missing-required",
    "str_matches": "invalid-id",
    "isin": "unknown-choice",
    "field_uniqueness": "duplicate-id",
}


def ids_match(ids: pd.Series) -> pd.Series:
    """:data:`REVIEW_ID_PATTERN` on every id, as ``str_matches`` checks it, in one pass.

    pandas matches a regular expression id by id, in Python (a tenth of a second at 100,000
    reviews); here the ids are joined with line breaks and one search finds every character
    no id may hold, each mapped back to its id by position. An id holding a line break itself
    (never, once validation has cleaned it) is matched one by one as pandas would."""
    ok = np.ones(len(ids), dtype=bool)
    present = ~ids.isna().to_numpy()
    texts: list[str] = ids[present].tolist()
    joined = "\n".join(texts)
    if joined.count("\n") != max(len(texts) - 1, 0):
        pattern = re.compile(REVIEW_ID_PATTERN)
        ok[present] = [pattern.match(t) is not None for t in texts]
        return pd.Series(ok, index=ids.index)
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    good = lengths > 0
    # the usual answer (every character allowed) from one C pass deleting the allowed bytes;
    # the regular expression's scan, character by character, only to find where the others are
    clean = joined.isascii() and not joined.encode("ascii").translate(None, _ID_BYTES)
    bad_at = [] if clean else [m.start() for m in _NOT_ID_CHARACTER.finditer(joined)]
    if bad_at:
        ends = np.cumsum(lengths + 1)  # one past each id's separator
        good[np.searchsorted(ends, bad_at, side="right")] = False
    ok[present] = good
    return pd.Series(ok, index=ids.index)


class _Text(pandas_engine.STRING):
    """pandera's ``str`` dtype, its verdict for a text column given as one bool.

    pandera's own answers a matching column with one True per value, and for such an answer it
    formats the (empty) table of failure cases into a message even when nothing failed: about a
    millisecond per text column per call, most of a small sheet's schema step. The verdict is
    the same; a column that is not all text still gets pandera's own per-value answer."""

    def check(self, pandera_dtype: Any, data_container: Any = None) -> Any:
        verdict = super().check(pandera_dtype, data_container)
        if isinstance(verdict, np.ndarray) and verdict.all():
            return True
        return verdict


#: the text dtype every text column is checked against (``str``, as pandera reads it)
TEXT = _Text()  # type: ignore[call-arg]  # (pandera declares its dataclass fields, not its init)


#: The dtype of the frames' date columns (numpy turns datetime64[D] into seconds in a frame).
DATE_DTYPE = np.dtype("datetime64[s]")
# pandera finds its type for a numpy datetime dtype only after trying (and failing) to import
# geopandas, at every date column of every call (half a millisecond each, most of a date
# column's schema step). Registered as what pandera resolves it to anyway (np.datetime64's
# DateTime; tests/test_validate.py checks they agree), the look-up is a dict hit.
pandas_engine.Engine.register_dtype(pandas_engine.DateTime, equivalents=[DATE_DTYPE])


def _column(f: Field) -> pa.Column:
    nullable = not f.required
    if f.type is FieldType.DATE:
        return pa.Column("datetime64[s]", nullable=nullable)
    if f.type is FieldType.YES_NO:
        return pa.Column("boolean", nullable=nullable)
    if f.type is FieldType.CHOICE:
        return pa.Column(TEXT, pa.Check.isin(list(f.choices)), nullable=nullable)
    if f.id == "review_id":
        # the built-in str_matches, vectorised (same name: failures read the same)
        matches = pa.Check(
            ids_match, name="str_matches", error=f"str_matches('{REVIEW_ID_PATTERN}')"
        )
        return pa.Column(TEXT, matches, nullable=False)
    return pa.Column(TEXT, nullable=nullable)


@cache
def framework_schema(framework: Framework) -> pa.DataFrameSchema:
    """Row-level schema for one framework's sheet (free-text notes are not validated)."""
    columns = {f.id: _column(f) for f in framework.all_fields if f.id != "notes"}
    columns[ROW] = pa.Column(int, pa.Check.ge(1))
    return pa.DataFrameSchema(columns, name=framework.sheet, strict=False)


#: Workbook-level: review ids are unique across every framework sheet of a workbook. Checked
#: once for a whole run as (workbook, review id) pairs: the same id in two workbooks is two
#: boards' reviews, not a duplicate.
WORKBOOK_IDS = pa.DataFrameSchema(
    {"workbook": pa.Column(int), "review_id": pa.Column(TEXT, nullable=True)},
    name="review ids",
    unique=["workbook", "review_id"],
    report_duplicates="all",
)

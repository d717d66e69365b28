"""The check JSON written as a stream, a chunk of reviews at a time, straight from the columns.

``json.dumps(doc, indent=2)`` of a national run first needs every review as a dict (600 MB at
100,000 reviews), then runs the pure-Python encoder (indent forces it: 12 s) and holds the whole
text (2.4 GB). Here each chunk's values are encoded column by column, each distinct value once
(dates, statuses and citations repeat), and joined through per-stage templates; the text is exactly
what ``json.dumps(doc, indent=2, ensure_ascii=False)`` gives (tests/test_golden.py and
tests/test_json_stream.py hold it to that), in memory one chunk at a time.

``indent=None`` writes the same document without whitespace (the service's snapshot).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from tracker.records import (
    REVIEW_FIELDS,
    STAGE_FIELDS,
    Column,
    Same,
    chunks,
    review_columns,
    stage_columns,
)

if TYPE_CHECKING:
    from tracker.check import CheckResult
    from tracker.evaluate import TableResult


class TextSink(Protocol):
    def write(self, text: str, /) -> int: ...


class _Fragments(dict[tuple[type, Any], str]):
    """JSON text of scalar values, each distinct value encoded once (keyed by type: 1 != True)."""

    def __missing__(self, key: tuple[type, Any]) -> str:
        text = self[key] = json.dumps(key[1], ensure_ascii=False)
        return text


class _TextFragments(dict[str | None, str]):
    """JSON text of strings (and null), each distinct one encoded once."""

    def __missing__(self, key: str | None) -> str:
        text = self[key] = json.dumps(key, ensure_ascii=False)
        return text


_TEXT_KINDS = frozenset({str, type(None)})
_INT = {int}


class Layout:
    """Where the whitespace goes: ``indent=2`` as ``json.dumps(indent=2)``, ``None`` none at all."""

    def __init__(self, indent: int | None) -> None:
        self.indent = indent
        self.key_sep = ": " if indent is not None else ":"
        self._fragments = _Fragments()
        self._text = _TextFragments()

    def nl(self, depth: int) -> str:
        return "" if self.indent is None else "\n" + " " * (self.indent * depth)

    def dumps(self, value: Any, depth: int) -> str:
        """Any JSON value as it appears at ``depth`` (containers indented to match)."""
        if self.indent is None:
            return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        text = json.dumps(value, ensure_ascii=False, indent=self.indent)
        return text.replace("\n", self.nl(depth)) if depth else text

    def encode(self, column: list[Any], depth: int) -> list[str]:
        """One fragment per value of a column; scalars through the shared memo.

        A column of one kind (dates as text, statuses, counts: nearly all of them) skips the
        type in the memo's key; ``True == 1`` only matters when the two kinds meet."""
        kinds = set(map(type, column))
        if kinds <= _TEXT_KINDS:
            return [self._text[v] for v in column]
        if kinds == _INT:
            return list(map(str, column))
        fragments = self._fragments
        try:
            return [fragments[(v.__class__, v)] for v in column]
        except TypeError:  # an unhashable value (a list or object field): encode each one
            return [
                self.dumps(v, depth) if isinstance(v, list | dict) else fragments[(v.__class__, v)]
                for v in column
            ]

    def template(
        self, fields: Sequence[str], columns: dict[str, Column], depth: int
    ) -> tuple[str, list[list[str]]]:
        """An object's ``str.format`` template (fixed values baked in) and its variable columns,
        encoded. A field missing from ``columns`` is left as a ``{}`` for the caller to fill."""
        parts: list[str] = []
        variable: list[list[str]] = []
        inner = self.nl(depth + 1)
        for name in fields:
            key = json.dumps(name) + self.key_sep
            column = columns.get(name)
            if isinstance(column, Same):
                text = self.dumps(column.value, depth + 1)
                parts.append(key + text.replace("{", "{{").replace("}", "}}"))
            else:
                parts.append(key + "{}")
                if column is not None:
                    variable.append(self.encode(column, depth + 1))
        body = ("," + inner).join(parts)
        return "{{" + inner + body + self.nl(depth) + "}}", variable


def _review_texts(result: TableResult, rows: slice, layout: Layout) -> list[str]:
    """The review objects of one chunk of a table, each as its JSON text at depth 2."""
    head = review_columns(result, rows)
    template, variable = layout.template(REVIEW_FIELDS, head, 2)
    count = rows.stop - rows.start
    stage_texts: list[list[str]] = []
    for k in range(len(result.stages)):
        stage_template, stage_vars = layout.template(
            STAGE_FIELDS, stage_columns(result, k, rows), 4
        )
        if stage_vars:
            stage_texts.append([stage_template.format(*v) for v in zip(*stage_vars, strict=True)])
        else:
            stage_texts.append([stage_template.format()] * count)
    assessable = head["assessable"]
    assert isinstance(assessable, list)
    if stage_texts:
        open_, sep, close = "[" + layout.nl(4), "," + layout.nl(4), layout.nl(3) + "]"
        stages = [
            open_ + sep.join(texts) + close if ok else "[]"
            for ok, texts in zip(assessable, zip(*stage_texts, strict=True), strict=True)
        ]
    else:
        stages = ["[]"] * count
    return [template.format(*v) for v in zip(*variable, stages, strict=True)]


def _write_list(out: TextSink, items: Iterable[list[str]], layout: Layout) -> None:
    """A JSON array at depth 1 whose items (at depth 2) come in batches of ready text."""
    sep = "," + layout.nl(2)
    first = True
    for batch in items:
        if not batch:
            continue
        out.write((layout.nl(2) if first else sep) + sep.join(batch))
        first = False
    out.write("]" if first else layout.nl(1) + "]")


def write_check_json(
    result: CheckResult,
    out: TextSink,
    *,
    indent: int | None = 2,
    extra: dict[str, Any] | None = None,
) -> None:
    """``tracker check --format json`` into ``out``, chunk by chunk; ``extra`` adds top-level
    keys after ``problems`` (the snapshot's ``generated_at``)."""
    layout = Layout(indent)
    key = layout.key_sep
    out.write(
        "{"
        + layout.nl(1)
        + '"as_of"'
        + key
        + json.dumps(result.as_of.isoformat())
        + ","
        + layout.nl(1)
        + '"reviews"'
        + key
        + "["
    )
    _write_list(
        out,
        (_review_texts(t, rows, layout) for t in result.tables for rows in chunks(t)),
        layout,
    )
    out.write("," + layout.nl(1) + '"problems"' + key + "[")
    problems = result.problems
    _write_list(
        out,
        (
            [layout.dumps(p.to_json(), 2) for p in problems[i : i + 1024]]
            for i in range(0, len(problems), 1024)
        ),
        layout,
    )
    for name, value in (extra or {}).items():
        out.write("," + layout.nl(1) + json.dumps(name) + key + layout.dumps(value, 1))
    out.write(layout.nl(0) + "}" + ("\n" if indent is not None else ""))

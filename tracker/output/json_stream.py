"""The check JSON written as a stream, a chunk of reviews at a time, straight from the columns.

``json.dumps(doc, indent=2)`` of a national run first needs every review as a dict (600 MB at
100,000 reviews), then runs the pure-Python encoder (indent forces it: 12 s) and holds the whole
text (2.4 GB). Here each chunk's values are encoded column by column, each distinct value once
(dates, statuses and citations repeat), and joined through per-object templates; the text is
exactly what ``json.dumps(doc, indent=2, ensure_ascii=False)`` gives (tests/test_golden.py and
tests/test_json_stream.py hold it to that), in memory one chunk at a time.

``indent=None`` writes the same document without whitespace (the service's snapshot);
``compact=True`` also moves each stage's rule fields into a top-level ``rules`` map, the stage
naming its rule (``--compact``: README, "Check output").
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from json.encoder import encode_basestring
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from tracker.output.records import (
    CHUNK,
    COMPACT_STAGE_FIELDS,
    REVIEW_FIELDS,
    STAGE_FIELDS,
    Coded,
    Column,
    CompactRules,
    Days,
    Same,
    actions_by_review,
    chunks,
    review_columns,
    stage_columns,
)

if TYPE_CHECKING:
    from tracker.check import CheckResult
    from tracker.evaluate import TableResult
    from tracker.problems import Problem


class TextSink(Protocol):
    def write(self, text: str, /) -> int: ...


class _Fragments(dict[tuple[type, Any], str]):
    """JSON text of scalar values, each distinct value encoded once.

    Keyed by type and value: ``1 == True == 1.0`` must not share text. A float is encoded each
    time (``0.0 == -0.0`` hash alike; floats are rare in the document)."""

    def __missing__(self, key: tuple[type, Any]) -> str:
        text = json.dumps(key[1], ensure_ascii=False)
        if key[0] is not float:
            self[key] = text
        return text


class _TextFragments(dict[str | None, str]):
    """JSON text of strings (and null), each distinct one encoded once."""

    def __missing__(self, key: str | None) -> str:
        # what json.dumps(key, ensure_ascii=False) gives, without its per-call set-up
        text = self[key] = "null" if key is None else encode_basestring(key)
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
        #: ``"name": `` of each field, made once (every chunk's templates repeat them)
        self._keys: dict[str, str] = {}

    def nl(self, depth: int) -> str:
        return "" if self.indent is None else "\n" + " " * (self.indent * depth)

    def dumps(self, value: Any, depth: int) -> str:
        """Any JSON value as it appears at ``depth`` (containers indented to match)."""
        kind = value.__class__
        if kind is str or value is None:  # a chunk's Same texts: labels, citations, ids
            return self._text[value]
        if kind is bool or kind is int:
            return self._fragments[(kind, value)]
        if self.indent is None:
            return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        if isinstance(value, list | dict) and not value:
            return "[]" if isinstance(value, list) else "{}"
        text = json.dumps(value, ensure_ascii=False, indent=self.indent)
        return text.replace("\n", self.nl(depth)) if depth else text

    def encode(self, column: list[Any] | Days | Coded | Ready, depth: int) -> list[str]:
        """One fragment per value of a column; scalars through the shared memo.

        A column of one kind (dates as text, statuses, counts: nearly all of them) skips the
        type in the memo's key; ``True == 1`` only matters when the two kinds meet. Lists and
        objects (a stage's adjustments, a review's actions) are mostly empty: ``[]``."""
        if isinstance(column, Ready):
            return column.texts
        if isinstance(column, Days | Coded):
            return column.json()
        kinds = set(map(type, column))
        if kinds <= _TEXT_KINDS:
            text = self._text
            return [text[v] for v in column]
        if kinds == _INT:
            return list(map(str, column))
        if kinds & {list, dict}:
            return [self.dumps(v, depth) for v in column]
        fragments = self._fragments
        return [fragments[(v.__class__, v)] for v in column]

    def template(
        self, fields: Sequence[str], columns: Mapping[str, Column | Ready | Inline], depth: int
    ) -> tuple[str, list[list[str]]]:
        """An object's ``%`` template (values the same in every row baked in) and its other
        columns, encoded, in field order. An :class:`Inline` field is a template of its own,
        set in place with its columns."""
        parts: list[str] = []
        variable: list[list[str]] = []
        inner = self.nl(depth + 1)
        keys = self._keys
        for name in fields:
            key = keys.get(name)
            if key is None:
                key = keys[name] = json.dumps(name) + self.key_sep
            column = columns[name]
            if isinstance(column, Inline):
                parts.append(key + column.template)
                variable.extend(column.variable)
            elif isinstance(column, Same):
                parts.append(key + self.dumps(column.value, depth + 1).replace("%", "%%"))
            else:
                parts.append(key + "%s")
                variable.append(self.encode(column, depth + 1))
        body = ("," + inner).join(parts)
        return "{" + inner + body + self.nl(depth) + "}", variable


@dataclass(frozen=True)
class Ready:
    """A column already turned into its JSON fragments (:func:`_encode_dates_and_statuses`)."""

    texts: list[str]


@dataclass(frozen=True)
class Inline:
    """A field written through a ``%`` template of its own (a review's stages)."""

    template: str
    variable: list[list[str]]


def _fill(template: str, variable: list[list[str]], count: int) -> list[str]:
    if variable:
        return [template % v for v in zip(*variable, strict=True)]
    return [template % ()] * count


def _review_texts(
    result: TableResult,
    rows: slice,
    layout: Layout,
    actions: dict[tuple[str, Any], list[dict[str, Any]]],
    compact: list[tuple[dict[int, str], dict[int, str]]] | None,
) -> list[str]:
    """The review objects of one chunk of a table, each as its JSON text at depth 2.

    One template per review, its stages inside it: a stage that cannot be assessed has none
    (``[]``), written through the same template without them."""
    head: dict[str, Column | Inline] = dict(review_columns(result, rows, actions))
    count = rows.stop - rows.start
    fields = STAGE_FIELDS if compact is None else COMPACT_STAGE_FIELDS
    stages = _encode_dates_and_statuses(
        [
            stage_columns(result, k, rows, None if compact is None else compact[k])
            for k in range(len(result.stages))
        ]
    )
    templates, stage_vars = [], []
    for columns in stages:
        template, variable = layout.template(fields, columns, 4)
        templates.append(template)
        stage_vars.extend(variable)
    assessable = head["assessable"]
    assert isinstance(assessable, list)
    head["stages"] = Same([])
    if not templates or not any(assessable):
        return _fill(*layout.template(REVIEW_FIELDS, head, 2), count)
    open_, sep, close = "[" + layout.nl(4), "," + layout.nl(4), layout.nl(3) + "]"
    blocked, blocked_vars = layout.template(REVIEW_FIELDS, head, 2)
    head["stages"] = Inline(open_ + sep.join(templates) + close, stage_vars)
    template, variable = layout.template(REVIEW_FIELDS, head, 2)
    if not variable:
        return [template % ()] * count
    if all(assessable):
        return [template % v for v in zip(*variable, strict=True)]
    # the review's own columns around the stages' (the actions come after them)
    before = sum(1 for f in REVIEW_FIELDS[: REVIEW_FIELDS.index("stages")] if f in _varying(head))
    after = before + len(stage_vars)
    return [
        template % v if ok else blocked % (v[:before] + v[after:])
        for ok, v in zip(assessable, zip(*variable, strict=True), strict=True)
    ]


def _encode_dates_and_statuses(
    stages: list[dict[str, Column]],
) -> list[dict[str, Column | Ready]]:
    """A chunk's stage columns with every date and every status column made JSON text at once.

    Column by column, a national run's chunk (a sheet of 70 reviews, 8 stages) costs 32 calls
    for its dates and 8 for its statuses, each looking its values up one by one; end to end
    they are one lookup each (tracker.output.records makes the same text)."""
    out: list[dict[str, Column | Ready]] = [dict(columns) for columns in stages]
    dates: list[tuple[dict[str, Column | Ready], str, Days]] = []
    statuses: list[tuple[dict[str, Column | Ready], str, Coded]] = []
    for columns in out:
        for name, column in columns.items():
            if isinstance(column, Days):
                dates.append((columns, name, column))
            elif isinstance(column, Coded):
                statuses.append((columns, name, column))
    if dates:
        _spread(Days(np.concatenate([d.days for *_, d in dates])).json(), dates)
    if statuses and len({c.texts for *_, c in statuses}) == 1:
        codes = np.concatenate([c.codes for *_, c in statuses])
        _spread(Coded(codes, statuses[0][2].texts).json(), statuses)
    return out


def _spread(texts: list[str], places: Sequence[tuple[dict[str, Any], str, Any]]) -> None:
    """``texts`` (the columns at ``places`` end to end) put back column by column."""
    size = len(texts) // len(places)
    for j, (columns, name, _) in enumerate(places):
        columns[name] = Ready(texts[j * size : (j + 1) * size])


def _varying(columns: dict[str, Column | Inline]) -> set[str]:
    return {name for name, c in columns.items() if not isinstance(c, Same | Inline)}


def _problem_texts(problems: Sequence[Problem], layout: Layout) -> list[str]:
    """A batch of problems, each as its JSON text at depth 2: one template over their columns
    (a national run has tens of thousands; the standard encoder's indent is pure Python)."""
    docs = [p.to_json() for p in problems]
    fields = tuple(docs[0]) if docs else ()
    if any(tuple(d) != fields for d in docs):  # not one shape: each as it is
        return [layout.dumps(d, 2) for d in docs]
    columns: dict[str, Column | Inline] = {f: [d[f] for d in docs] for f in fields}
    return _fill(*layout.template(fields, columns, 2), len(docs))


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
    compact: bool = False,
    extra: dict[str, Any] | None = None,
) -> None:
    """``tracker check --format json`` into ``out``, chunk by chunk; ``extra`` adds top-level
    keys after ``problems`` (the snapshot's ``generated_at``). ``compact`` writes the
    ``--compact`` form: no whitespace, and the ``rules`` map."""
    if compact:
        indent = None
    layout = Layout(indent)
    key = layout.key_sep
    out.write("{" + layout.nl(1) + '"as_of"' + key + json.dumps(result.as_of.isoformat()))
    rules = CompactRules.of(result) if compact else None
    if rules is not None:
        out.write("," + layout.nl(1) + '"rules"' + key + layout.dumps(rules.rules, 1))
    out.write("," + layout.nl(1) + '"reviews"' + key + "[")
    actions = actions_by_review(result)
    _write_list(
        out,
        (
            _review_texts(
                t,
                rows,
                layout,
                actions,
                None if rules is None else [rules.stage(ti, k) for k in range(len(t.stages))],
            )
            for ti, t in enumerate(result.tables)
            for rows in chunks(t)
        ),
        layout,
    )
    out.write("," + layout.nl(1) + '"problems"' + key + "[")
    problems = result.problems
    _write_list(
        out,
        (_problem_texts(problems[i : i + CHUNK], layout) for i in range(0, len(problems), CHUNK)),
        layout,
    )
    for name, value in (extra or {}).items():
        out.write("," + layout.nl(1) + json.dumps(name) + key + layout.dumps(value, 1))
    out.write(layout.nl(0) + "}" + ("\n" if indent is not None or compact else ""))

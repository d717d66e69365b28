"""Google's Sheets API v4 discovery document as a checker of the requests a client sends.

A fake that answers whatever it is sent proves nothing about what Google accepts. This module reads
Google's published description of the API (``tests/data/google/sheets-v4-discovery.json``, revision
20240730) and checks one HTTP request against it, the way Google's front end does before anything
happens: the path and HTTP method name a method; every query parameter is one the method or the
API takes, with an allowed enum value and the right type; the ``fields`` parameter selects fields
the response schema has; the JSON body has only known keys, of the right types and enum values,
recursively through ``$ref``s; each ``Request`` of a ``batchUpdate`` sets exactly one kind; and
every field mask inside a request (``updateSheetProperties.fields``, ``repeatCell.fields``, ...)
names fields of the object it updates.

Nothing here lists today's request kinds: all of it comes from the document, so a new kind of
``batchUpdate`` request is checked the day it is sent. One deliberate strictness: Google's JSON
parser also takes proto field names (``sheet_id``); the checker wants the documented JSON names.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote

DISCOVERY_FILE = (
    Path(__file__).resolve().parent.parent / "data" / "google" / "sheets-v4-discovery.json"
)

#: proto ``oneof`` groups of Google's API, which the document does not mark: schema -> (its
#: fields in the group, or ``None`` for all of them; least and most of them set). ``Request`` is
#: the union of every batchUpdate kind, whatever kinds the document has.
UNIONS: dict[str, tuple[tuple[str, ...] | None, int, int]] = {
    "Request": (None, 1, 1),
    "ExtendedValue": (None, 0, 1),
    "ConditionValue": (None, 0, 1),
    "UpdateCellsRequest": (("start", "range"), 1, 1),
}
#: list fields Google refuses empty ("Must specify at least one request.")
NOT_EMPTY: dict[str, str] = {"BatchUpdateSpreadsheetRequest": "requests"}
_INT32 = (-(2**31), 2**31 - 1)
_ROOT = re.compile(r"The root (?:`([^`]+)`|'([^']+)'|is the (\w+))")
_INTEGER_TEXT = re.compile(r"^-?\d+$")
_MASK_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|\*")


@dataclass(frozen=True)
class Violation:
    """One way a request differs from what Google accepts: where, and Google's kind of words."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


@dataclass(frozen=True)
class Method:
    """One API method: ``sheets.spreadsheets.values.batchGet`` and what it takes and gives."""

    id: str
    http_method: str
    segments: tuple[str, ...]
    verb: str | None
    parameters: Mapping[str, Mapping[str, Any]]
    request: str | None
    response: str | None

    @property
    def name(self) -> str:
        """The id without the API's prefix: ``spreadsheets.values.batchGet``."""
        return self.id.split(".", 1)[1]


@dataclass
class Checked:
    """What one request was: its method (``None`` if no method has that path) and its faults."""

    method: Method | None
    path_params: dict[str, str] = field(default_factory=dict)
    violations: list[Violation] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.method is not None and not self.violations


@dataclass(frozen=True)
class MaskTarget:
    """Where an update request's field mask applies: the property holding the object, its spec."""

    mask: str  # the property holding the mask, ``fields``
    root: tuple[str, ...]  # the path to the updated object in the request, or () for a schema
    spec: Mapping[str, Any]
    required: bool


class Discovery:
    """The discovery document, indexed for checking requests."""

    def __init__(self, doc: Mapping[str, Any]) -> None:
        self.doc = doc
        self.revision = str(doc.get("revision", ""))
        self.schemas: Mapping[str, Mapping[str, Any]] = doc["schemas"]
        self.global_parameters: Mapping[str, Mapping[str, Any]] = doc.get("parameters", {})
        self.methods: list[Method] = list(self._methods(doc.get("resources", {})))
        self.verbs = {m.verb for m in self.methods if m.verb}
        self.mask_targets: dict[str, MaskTarget] = {
            name: target for name in self.schemas if (target := self._mask_target(name)) is not None
        }

    @classmethod
    def load(cls, path: Path = DISCOVERY_FILE) -> Discovery:
        return _load(str(path))

    # --- the index ----------------------------------------------------------------------------
    def _methods(self, resources: Mapping[str, Any]) -> Iterator[Method]:
        for resource in resources.values():
            for spec in resource.get("methods", {}).values():
                template = str(spec.get("flatPath") or spec["path"])
                segments = template.split("/")
                verb: str | None = None
                if ":" in segments[-1]:
                    last, verb = segments[-1].rsplit(":", 1)
                    segments[-1] = last
                yield Method(
                    id=str(spec["id"]),
                    http_method=str(spec["httpMethod"]).upper(),
                    segments=tuple(segments),
                    verb=verb,
                    parameters=spec.get("parameters", {}),
                    request=(spec.get("request") or {}).get("$ref"),
                    response=(spec.get("response") or {}).get("$ref"),
                )
            yield from self._methods(resource.get("resources", {}))

    def _mask_target(self, name: str) -> MaskTarget | None:
        """A request schema with a field mask: the object the mask's paths start from.

        Google says it in each mask's description ("The root `properties` is implied", "The root
        is the CellData"): a path in the request, or the name of a schema.
        """
        props = self.schemas[name].get("properties", {})
        for mask, spec in props.items():
            if spec.get("format") != "google-fieldmask":
                continue
            description = str(spec.get("description", ""))
            found = _ROOT.search(description)
            if found is None:
                continue
            root_text = next(g for g in found.groups() if g)
            required = "At least one field must be specified" in description and (
                "Used only if" not in description
            )
            path = tuple(root_text.split("."))
            target = self._follow(name, path)
            if target is not None:
                return MaskTarget(mask, path, target, required)
            if root_text in self.schemas:
                return MaskTarget(mask, (), {"$ref": root_text}, required)
        return None

    def _follow(self, schema: str, path: tuple[str, ...]) -> Mapping[str, Any] | None:
        spec: Mapping[str, Any] = {"$ref": schema}
        for part in path:
            props = self._properties(spec)
            if props is None or part not in props:
                return None
            spec = props[part]
        return spec

    def resolve(self, spec: Mapping[str, Any]) -> Mapping[str, Any]:
        """A property's spec with its ``$ref`` followed."""
        while "$ref" in spec:
            spec = self.schemas[spec["$ref"]]
        return spec

    def _properties(self, spec: Mapping[str, Any]) -> Mapping[str, Any] | None:
        resolved = self.resolve(spec)
        props = resolved.get("properties")
        return props if isinstance(props, Mapping) else None

    # --- requests -----------------------------------------------------------------------------
    def find(self, http_method: str, raw_path: str) -> tuple[Method | None, dict[str, str], bool]:
        """The method for a path (still percent-encoded), its path parameters, and whether the
        path exists under another HTTP method."""
        path = raw_path.split("?", 1)[0].lstrip("/")
        parts = path.split("/")
        verb: str | None = None
        if ":" in parts[-1]:
            head, tail = parts[-1].rsplit(":", 1)
            if tail in self.verbs:
                parts[-1], verb = head, tail
        other_method = False
        for method in self.methods:
            if method.verb != verb or len(method.segments) != len(parts):
                continue
            params: dict[str, str] = {}
            for want, got in zip(method.segments, parts, strict=True):
                if want.startswith("{") and want.endswith("}"):
                    if not got:
                        break
                    params[want[1:-1]] = unquote(got)
                elif want != got:
                    break
            else:
                if method.http_method == http_method.upper():
                    return method, params, False
                other_method = True
        return None, {}, other_method

    def check(
        self,
        http_method: str,
        raw_path: str,
        query: Mapping[str, list[str]],
        body: Any = None,
    ) -> Checked:
        """Every fault Google's front end would find in this request (``body`` parsed JSON)."""
        method, params, other_method = self.find(http_method, raw_path)
        if method is None:
            reason = (
                f"{http_method} is not allowed on {raw_path}"
                if other_method
                else f"no method of the Sheets API v4 has the path {raw_path}"
            )
            return Checked(None, {}, [Violation("", reason)])
        checked = Checked(method, params)
        out = checked.violations
        self._check_query(method, query, out)
        if method.request is None:
            if body not in (None, b"", ""):
                out.append(Violation("", f"{method.name} takes no request body"))
        elif body is not None:
            self.check_value(body, {"$ref": method.request}, "", out)
        return checked

    def _check_query(
        self, method: Method, query: Mapping[str, list[str]], out: list[Violation]
    ) -> None:
        for name, values in query.items():
            spec = method.parameters.get(name) or self.global_parameters.get(name)
            if spec is None or spec.get("location") == "path":
                out.append(
                    Violation(
                        name,
                        f'Invalid JSON payload received. Unknown name "{name}": Cannot bind query '
                        f"parameter. Field '{name}' could not be found in request message.",
                    )
                )
                continue
            if len(values) > 1 and not spec.get("repeated"):
                out.append(Violation(name, f"given {len(values)} times; it takes one value"))
            for value in values:
                self._check_parameter(name, value, spec, out)
            if name == "fields" and method.response and values:
                self.check_mask(values[0], {"$ref": method.response}, name, out, response=True)
        for name, spec in method.parameters.items():
            if spec.get("location") == "query" and spec.get("required") and name not in query:
                out.append(Violation(name, "a required parameter is missing"))

    def _check_parameter(
        self, name: str, value: str, spec: Mapping[str, Any], out: list[Violation]
    ) -> None:
        kind = spec.get("type")
        if "enum" in spec and value not in spec["enum"]:
            out.append(Violation(name, f"Invalid value at '{name}', \"{value}\""))
        elif kind == "boolean" and value not in ("true", "false"):
            out.append(Violation(name, f"Invalid value at '{name}' (TYPE_BOOL), \"{value}\""))
        elif kind == "integer" and not _INTEGER_TEXT.match(value):
            out.append(Violation(name, f"Invalid value at '{name}' (TYPE_INT32), \"{value}\""))

    # --- bodies -------------------------------------------------------------------------------
    def check_value(
        self, value: Any, spec: Mapping[str, Any], where: str, out: list[Violation]
    ) -> None:
        """``value`` against a property spec or ``{"$ref": schema}``, recursively."""
        if value is None:
            return  # JSON null is the field's default, as proto3 JSON reads it
        if "$ref" in spec:
            self._check_object(value, str(spec["$ref"]), where, out)
            return
        kind = spec.get("type")
        if kind == "array":
            if not isinstance(value, list):
                out.append(Violation(where, f"Invalid value: {_show(value)} is not a list"))
                return
            for i, item in enumerate(value):
                self.check_value(item, spec.get("items", {}), f"{where}[{i}]", out)
        elif kind == "object":
            if not isinstance(value, dict):
                out.append(Violation(where, f"Invalid value: {_show(value)} is not an object"))
                return
            if "additionalProperties" in spec:
                for key, item in value.items():
                    self.check_value(item, spec["additionalProperties"], f"{where}[{key}]", out)
        elif kind == "string":
            self._check_string(value, spec, where, out)
        elif kind == "integer":
            if not _integral(value):
                out.append(Violation(where, f"Invalid value (TYPE_INT32), {_show(value)}"))
            elif spec.get("format") == "int32" and not _INT32[0] <= int(value) <= _INT32[1]:
                out.append(Violation(where, f"Invalid value: {value} is out of range for int32"))
        elif kind == "number":
            if not _numeric(value):
                out.append(Violation(where, f"Invalid value (TYPE_DOUBLE), {_show(value)}"))
        elif kind == "boolean" and not isinstance(value, bool):
            out.append(Violation(where, f"Invalid value (TYPE_BOOL), {_show(value)}"))
        # "any" (protobuf Value) takes everything

    def _check_string(
        self, value: Any, spec: Mapping[str, Any], where: str, out: list[Violation]
    ) -> None:
        fmt = spec.get("format")
        if fmt in ("int64", "uint64"):
            if not _integral(value):
                out.append(Violation(where, f"Invalid value (TYPE_INT64), {_show(value)}"))
            return
        if not isinstance(value, str):
            out.append(Violation(where, f"Invalid value (TYPE_STRING), {_show(value)}"))
            return
        if "enum" in spec and value not in spec["enum"]:
            out.append(Violation(where, f"Invalid value (TYPE_ENUM), {_show(value)}"))

    def _check_object(self, value: Any, schema: str, where: str, out: list[Violation]) -> None:
        if not isinstance(value, dict):
            out.append(
                Violation(where, f"Invalid value: {_show(value)} is not an object ({schema})")
            )
            return
        resolved = self.schemas[schema]
        props: Mapping[str, Any] = resolved.get("properties", {})
        for key, item in value.items():
            here = f"{where}.{key}" if where else key
            if key not in props:
                out.append(
                    Violation(
                        here,
                        f'Invalid JSON payload received. Unknown name "{key}" at '
                        f"'{where or schema}': Cannot find field.",
                    )
                )
                continue
            self.check_value(item, props[key], here, out)
        if schema in UNIONS:
            group, least, most = UNIONS[schema]
            members = props if group is None else group
            set_ = [k for k, v in value.items() if v is not None and k in members]
            if len(set_) < least:
                what = "request kind" if schema == "Request" else " or ".join(members)
                out.append(Violation(where, f"No {what} set: set exactly one"))
            elif len(set_) > most:
                out.append(
                    Violation(
                        where,
                        f"Invalid JSON payload received. Oneof field 'kind' is already set. "
                        f"Cannot set {set_[1]!r} (also set: {set_[0]!r})",
                    )
                )
        if schema in NOT_EMPTY and not value.get(NOT_EMPTY[schema]):
            out.append(Violation(where, f"Must specify at least one {NOT_EMPTY[schema][:-1]}."))
        target = self.mask_targets.get(schema)
        if target is not None:
            mask = value.get(target.mask)
            here = f"{where}.{target.mask}" if where else target.mask
            if mask is None or mask == "":
                if target.required:
                    out.append(Violation(here, "At least one field must be specified."))
            elif isinstance(mask, str):
                self.check_mask(mask, target.spec, here, out, response=False)

    # --- field masks ------------------------------------------------------------------------------
    def check_mask(
        self,
        mask: str,
        spec: Mapping[str, Any],
        where: str,
        out: list[Violation],
        *,
        response: bool,
    ) -> None:
        """Each path of a mask names a field of ``spec``.

        In a response mask (``fields=``) lists are looked through; in an update mask a list may
        only be the last part of a path, as Google's FieldMask allows.
        """
        try:
            paths = parse_mask(mask)
        except ValueError as exc:
            out.append(Violation(where, f"Invalid field mask {mask!r}: {exc}"))
            return
        for path in paths:
            problem = self._mask_path(path, spec, response=response)
            if problem:
                out.append(Violation(where, f"Invalid field selection {'.'.join(path)}: {problem}"))

    def _mask_path(
        self, path: tuple[str, ...], spec: Mapping[str, Any], *, response: bool
    ) -> str | None:
        node: Mapping[str, Any] = spec
        for i, part in enumerate(path):
            node = self.resolve(node)
            while node.get("type") == "array":
                if not response and i > 0:
                    return f"{path[i - 1]} is a list: it can only end a path"
                node = self.resolve(node.get("items", {}))
            if part == "*":
                return None if i == len(path) - 1 else "* can only end a path"
            props = node.get("properties")
            if isinstance(props, Mapping) and part in props:
                node = props[part]
                continue
            if node.get("type") == "object" and "additionalProperties" in node:
                node = node["additionalProperties"]
                continue
            return f"no field {part!r}" + (f" in {'.'.join(path[:i])}" if i else "")
        return None


def parse_mask(text: str) -> list[tuple[str, ...]]:
    """A field mask as paths: ``a,b.c,d(e,f/g)`` -> [(a,), (b, c), (d, e), (d, f, g)].

    Google takes ``.`` and ``/`` between parts and ``( )`` around a group of sub-fields.
    """
    paths, rest = _parse_list(text.replace(" ", ""), 0, ())
    if rest != len(text.replace(" ", "")):
        raise ValueError(f"unexpected {text.replace(' ', '')[rest]!r} at {rest}")
    return paths


def _parse_list(text: str, at: int, prefix: tuple[str, ...]) -> tuple[list[tuple[str, ...]], int]:
    paths: list[tuple[str, ...]] = []
    while True:
        found, at = _parse_path(text, at, prefix)
        paths.extend(found)
        if at < len(text) and text[at] == ",":
            at += 1
            continue
        return paths, at


def _parse_path(text: str, at: int, prefix: tuple[str, ...]) -> tuple[list[tuple[str, ...]], int]:
    parts = list(prefix)
    while True:
        match = _MASK_NAME.match(text, at)
        if match is None:
            raise ValueError(f"a field name is missing at {at}")
        parts.append(match.group())
        at = match.end()
        if at < len(text) and text[at] in "./":
            at += 1
            continue
        if at < len(text) and text[at] == "(":
            inner, at = _parse_list(text, at + 1, tuple(parts))
            if at >= len(text) or text[at] != ")":
                raise ValueError("a '(' is not closed")
            return inner, at + 1
        return [tuple(parts)], at


def mask_tree(paths: list[tuple[str, ...]]) -> dict[str, Any]:
    """Paths as a tree, ``{"sheets": {"properties": None}}``: ``None`` is the whole field."""
    tree: dict[str, Any] = {}
    for path in paths:
        node = tree
        for part in path[:-1]:
            if part in node and node[part] is None:
                break  # the whole field is already selected
            node = node.setdefault(part, {})
        else:
            node[path[-1]] = None
    return tree


def _integral(value: Any) -> bool:
    """proto3 JSON takes an integer as a number or a decimal string, never as a bool."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    if isinstance(value, float):
        return value.is_integer()
    return isinstance(value, str) and bool(_INTEGER_TEXT.match(value))


def _numeric(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    if isinstance(value, str):
        if value in ("NaN", "Infinity", "-Infinity"):
            return True
        try:
            float(value)
        except ValueError:
            return False
        return True
    return False


def _show(value: Any) -> str:
    text = json.dumps(value)
    return text if len(text) <= 60 else text[:57] + "..."


@cache
def _load(path: str) -> Discovery:
    return Discovery(json.loads(Path(path).read_text(encoding="utf-8")))

"""A local fake of the Sheets v4 endpoints the tracker uses, plus Google's OAuth token endpoint.

A real threaded HTTP server on 127.0.0.1 (port 0), so the real gspread client and google-auth
speak real HTTP to it. It holds spreadsheets in memory (dates are stored as Python dates and served
as serial numbers, as Google does with ``dateTimeRenderOption=SERIAL_NUMBER``), checks the
service-account JWT signature and the token's scopes and sharing like Google, counts requests, and
injects faults: N x 429 then success, 500s, a permanent 429, slow answers, 403, 404.

Every request is first checked against Google's discovery document (``tests/fakes/discovery.py``):
one Google would refuse is refused here with Google's error shape and status, and remembered in
``violations`` so the ``sheets_api`` fixture fails the test that sent it. The fake's own answers are
checked against the response schemas too. What it does is what Google does, as far as it goes: the
``fields`` parameter selects the answer's fields, ``majorDimension`` and A1 ranges shape values,
field masks decide what an update request changes, sheets can be charts (``sheetType: OBJECT``),
and merged cells are kept in ``merges``. A valid request the fake cannot carry out gets
501 (``UNIMPLEMENTED``), never a silent success.
"""

from __future__ import annotations

import base64
import copy
import itertools
import json
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from tests.fakes.discovery import Checked, Discovery, Violation, mask_tree, parse_mask

EPOCH = date(1899, 12, 30)
WRITE_SCOPE = "https://www.googleapis.com/auth/spreadsheets"
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
_KEYS: dict[str, rsa.RSAPrivateKey] = {}  # RSA generation is slow: one key per e-mail per run
_KEY_LOCK = threading.Lock()


def private_key_for(email: str) -> rsa.RSAPrivateKey:
    with _KEY_LOCK:
        if email not in _KEYS:
            _KEYS[email] = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return _KEYS[email]


def serial(value: date | datetime) -> int | float:
    """Google's serial number: days since 1899-12-30, the time of day as a fraction."""
    if isinstance(value, datetime):
        delta = value - datetime(1899, 12, 30)
        return delta.days + delta.seconds / 86400
    return (value - EPOCH).days


def column_letter(index: int) -> str:
    letters = ""
    while index > 0:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


class Formula(str):
    """A cell's formula as sent in ``formulaValue`` (the fake keeps the text, it computes nothing)."""


@dataclass
class FakeSheet:
    sheet_id: int
    title: str
    #: (row, column), both 0-based -> value (str, int, float, bool, date, datetime, Formula)
    cells: dict[tuple[int, int], Any] = field(default_factory=dict)
    row_count: int = 1000
    column_count: int = 26
    frozen_rows: int = 0
    hidden: bool = False
    #: (row, column) -> data validation rule, as sent in setDataValidation
    validations: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    #: (row, column) -> userEnteredFormat
    formats: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    #: "GRID", or "OBJECT" for a sheet that holds one chart and no cells
    sheet_type: str = "GRID"
    #: merged blocks as GridRanges (only the top-left cell of a block holds a value)
    merges: list[dict[str, Any]] = field(default_factory=list)
    #: the sheet's charts (EmbeddedChart); a chart sheet has exactly one
    charts: list[dict[str, Any]] = field(default_factory=list)
    #: other SheetProperties set through the API (tabColor, gridProperties.frozenColumnCount, ...)
    extra_properties: dict[str, Any] = field(default_factory=dict)
    #: (row, column) -> other CellData fields set through the API (note, textFormatRuns, ...)
    cell_extras: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    #: conditional format rules (ConditionalFormatRule), in order
    conditional_formats: list[dict[str, Any]] = field(default_factory=list)
    #: protected ranges (ProtectedRange), each with its protectedRangeId
    protected_ranges: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def from_rows(cls, sheet_id: int, title: str, rows: list[list[Any]], **kw: Any) -> FakeSheet:
        cells = {
            (r, c): v
            for r, row in enumerate(rows)
            for c, v in enumerate(row)
            if v is not None and v != ""
        }
        return cls(sheet_id, title, cells, **kw)

    @property
    def is_grid(self) -> bool:
        return self.sheet_type == "GRID"

    def properties(self, index: int) -> dict[str, Any]:
        """SheetProperties as Google gives them: a chart sheet has no gridProperties."""
        props: dict[str, Any] = copy.deepcopy(self.extra_properties)
        props.update(
            {
                "sheetId": self.sheet_id,
                "title": self.title,
                "index": index,
                "sheetType": self.sheet_type,
            }
        )
        if self.is_grid:
            grid: dict[str, Any] = dict(props.get("gridProperties", {}))
            grid.update({"rowCount": self.row_count, "columnCount": self.column_count})
            if self.frozen_rows:
                grid["frozenRowCount"] = self.frozen_rows
            props["gridProperties"] = grid
        if self.hidden:
            props["hidden"] = True
        return props

    def set_properties(self, props: dict[str, Any]) -> None:
        """Take SheetProperties back after a masked update; what the fake has no column for is
        kept as it was given."""
        rest = copy.deepcopy(props)
        for key in ("sheetId", "index", "sheetType"):
            rest.pop(key, None)
        self.title = str(rest.pop("title", self.title))
        self.hidden = bool(rest.pop("hidden", False))
        grid = rest.pop("gridProperties", {})
        if self.is_grid:
            rows = int(grid.pop("rowCount", self.row_count))
            columns = int(grid.pop("columnCount", self.column_count))
            self.frozen_rows = int(grid.pop("frozenRowCount", 0))
            if rows < self.row_count or columns < self.column_count:
                self._cut(rows, columns)
            self.row_count, self.column_count = rows, columns
            if grid:
                rest["gridProperties"] = grid
        self.extra_properties = rest

    def _cut(self, rows: int, columns: int) -> None:
        """Fewer rows or columns: what lay beyond is gone, as in Google Sheets."""
        for store in (self.cells, self.validations, self.formats, self.cell_extras):
            for at in [at for at in store if at[0] >= rows or at[1] >= columns]:
                del store[at]

    def merge(self, a1: str) -> FakeSheet:
        """Merge a block given in A1 notation (``B2:B11``), as a test's set-up."""
        r0, c0, r1, c1 = _a1_box(a1, self)
        self.merges.append(_grid_range(self.sheet_id, r0, c0, r1, c1))
        return self

    def clone(self) -> FakeSheet:
        """A copy to apply a batch to. Stored values are never changed in place (an update
        replaces them), so the copy shares them: far cheaper than a deep copy."""
        return replace(
            self,
            cells=dict(self.cells),
            validations=dict(self.validations),
            formats=dict(self.formats),
            merges=list(self.merges),
            charts=list(self.charts),
            extra_properties=dict(self.extra_properties),
            cell_extras=dict(self.cell_extras),
            conditional_formats=list(self.conditional_formats),
            protected_ranges=list(self.protected_ranges),
        )

    def cell_data(self, at: tuple[int, int], keys: Iterable[str]) -> dict[str, Any]:
        """The CellData fields ``keys`` of one cell, in the API's JSON (shared: do not change)."""
        out: dict[str, Any] = {}
        extras = self.cell_extras.get(at, {})
        for key in keys:
            if key == "userEnteredValue":
                if at in self.cells:
                    out[key] = _extended_value(self.cells[at])
            elif key == "userEnteredFormat":
                if at in self.formats:
                    out[key] = self.formats[at]
            elif key == "dataValidation":
                if at in self.validations:
                    out[key] = self.validations[at]
            elif key in extras:
                out[key] = extras[key]
        return out

    def set_cell_data(self, at: tuple[int, int], keys: Iterable[str], data: dict[str, Any]) -> None:
        """Store the CellData fields ``keys`` of one cell (absent ones are cleared)."""
        for key in keys:
            value = data.get(key)
            if key == "userEnteredValue":
                _put(self.cells, at, None if value is None else _python_value(value))
            elif key == "userEnteredFormat":
                _put(self.formats, at, value or None)
            elif key == "dataValidation":
                _put(self.validations, at, value or None)
            else:
                extras = dict(self.cell_extras.get(at, {}))  # a clone may share the old one
                if value is None:
                    extras.pop(key, None)
                else:
                    extras[key] = value
                _put(self.cell_extras, at, extras or None)

    def json(self, index: int) -> dict[str, Any]:
        """The Sheet resource without grid data (what spreadsheets.get gives by default)."""
        out: dict[str, Any] = {"properties": self.properties(index)}
        if self.merges:  # Google names the sheet in each GridRange, whatever a test left out
            out["merges"] = [{**m, "sheetId": self.sheet_id} for m in self.merges]
        if self.charts:
            out["charts"] = copy.deepcopy(self.charts)
        if self.conditional_formats:
            out["conditionalFormats"] = copy.deepcopy(self.conditional_formats)
        if self.protected_ranges:
            out["protectedRanges"] = copy.deepcopy(self.protected_ranges)
        return out


@dataclass
class FakeSpreadsheet:
    key: str
    title: str
    sheets: list[FakeSheet]
    #: e-mail -> "reader" or "writer"
    shared_with: dict[str, str]
    locale: str = "en_US"
    time_zone: str = "Europe/London"

    def sheet(self, title: str) -> FakeSheet:
        return next(s for s in self.sheets if s.title == title)

    def add_chart_sheet(self, title: str, sheet_id: int, *, index: int | None = None) -> FakeSheet:
        """A sheet that is one chart (``sheetType: OBJECT``): no cells, no grid."""
        chart = {
            "chartId": sheet_id + 1,
            "spec": {"title": title, "basicChart": {"chartType": "COLUMN"}},
            "position": {"sheetId": sheet_id},
        }
        sheet = FakeSheet(sheet_id, title, sheet_type="OBJECT", charts=[chart])
        self.sheets.insert(len(self.sheets) if index is None else index, sheet)
        return sheet

    def json(self) -> dict[str, Any]:
        """The Spreadsheet resource without grid data."""
        return {
            "spreadsheetId": self.key,
            "properties": {
                "title": self.title,
                "locale": self.locale,
                "timeZone": self.time_zone,
                "autoRecalc": "ON_CHANGE",
            },
            "sheets": [s.json(i) for i, s in enumerate(self.sheets)],
            "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{self.key}/edit",
        }


@dataclass
class Fault:
    """Answer matching requests with ``status`` (after ``delay`` seconds) ``times`` times."""

    kind: str  # "metadata", "batchGet", "batchUpdate", "token" or "*"
    status: int | None = None  # None: answer normally (only slow)
    times: int | None = 1  # None: for ever
    delay: float = 0.0
    message: str = ""
    retry_after: int | None = None


@dataclass
class Seen:
    method: str
    path: str
    kind: str
    query: dict[str, list[str]]
    at: float
    body: Any = None


class FakeSheetsAPI:
    """``start()``, then ``url`` is the Sheets base and ``token_uri`` the token endpoint."""

    def __init__(self) -> None:
        self.spreadsheets: dict[str, FakeSpreadsheet] = {}
        self.requests: list[Seen] = []
        self.faults: list[Fault] = []
        self.tokens: dict[str, tuple[str, set[str]]] = {}
        self.revoked: set[str] = set()
        self.granted_scopes: list[set[str]] = []
        self.batch_updates: list[list[dict[str, Any]]] = []
        self.discovery = Discovery.load()
        #: every request Google would have refused, and every answer of the fake that Google's
        #: response schema does not allow: the ``sheets_api`` fixture fails a test that left any
        self.violations: list[str] = []
        #: what ``Seen.at`` is measured with (a test's fake clock, to check pacing)
        self.clock: Callable[[], float] = time.monotonic
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle -----------------------------------------------------------------------------
    def start(self) -> FakeSheetsAPI:
        handler = type("Handler", (_Handler,), {"api": self})
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True
        server.block_on_close = False
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()  # cut slow answers short
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def token_uri(self) -> str:
        return f"{self.url}/token"

    # --- content -------------------------------------------------------------------------------
    def add_spreadsheet(
        self,
        key: str,
        sheets: dict[str, list[list[Any]]],
        *,
        shared_with: dict[str, str] | None = None,
        title: str = "Tracker",
        hidden: set[str] = frozenset(),  # type: ignore[assignment]
    ) -> FakeSpreadsheet:
        ids = itertools.count(0)
        fake_sheets = []
        for name, rows in sheets.items():
            sheet_id = next(ids) * 7919 + (0 if not fake_sheets else 101)
            fake_sheets.append(
                FakeSheet.from_rows(
                    sheet_id,
                    name,
                    rows,
                    column_count=max(26, max((len(r) for r in rows), default=0)),
                    hidden=name in hidden,
                )
            )
        book = FakeSpreadsheet(key, title, fake_sheets, dict(shared_with or {}))
        self.spreadsheets[key] = book
        return book

    def credentials_info(self, email: str) -> dict[str, Any]:
        """A service-account key file's content, with ``token_uri`` pointing at this fake."""
        pem = (
            private_key_for(email)
            .private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            .decode()
        )
        return {
            "type": "service_account",
            "project_id": "tracker-tests",
            "private_key_id": "k" + str(abs(hash(email)) % 10**8),
            "private_key": pem,
            "client_email": email,
            "client_id": "1234567890",
            "token_uri": self.token_uri,
        }

    def write_credentials(self, path: Path, email: str) -> Path:
        path.write_text(json.dumps(self.credentials_info(email)), encoding="utf-8")
        return path

    # --- observation ---------------------------------------------------------------------------
    def count(self, kind: str | None = None) -> int:
        with self._lock:
            return sum(1 for r in self.requests if kind is None or r.kind == kind)

    def api_requests(self) -> list[Seen]:
        """Requests to the Sheets API (everything but the token endpoint)."""
        with self._lock:
            return [r for r in self.requests if r.kind != "token"]

    def take_violations(self) -> list[str]:
        """The violations so far, forgotten: for a test that sends a bad request on purpose."""
        with self._lock:
            taken, self.violations = self.violations, []
        return taken

    def reset_counts(self) -> None:
        with self._lock:
            self.requests.clear()

    def inject(self, fault: Fault) -> None:
        with self._lock:
            self.faults.append(fault)

    # --- internals -----------------------------------------------------------------------------
    def _take_fault(self, kind: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.kind in (kind, "*") and (fault.times is None or fault.times > 0):
                    if fault.times is not None:
                        fault.times -= 1
                    return fault
        return None

    def _record(
        self, method: str, path: str, kind: str, query: dict[str, list[str]], body: Any = None
    ) -> None:
        with self._lock:
            self.requests.append(Seen(method, path, kind, query, self.clock(), body))

    def _violation(self, text: str) -> None:
        with self._lock:
            self.violations.append(text)

    def wait(self, seconds: float) -> None:
        self._stop.wait(seconds)


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        message: str,
        reason: str = "",
        headers: dict[str, str] | None = None,
        violations: list[Violation] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.headers = headers or {}
        self.message = message
        self.violations = violations or []
        self.reason = reason or {
            400: "INVALID_ARGUMENT",
            401: "UNAUTHENTICATED",
            403: "PERMISSION_DENIED",
            404: "NOT_FOUND",
            429: "RESOURCE_EXHAUSTED",
            500: "INTERNAL",
            502: "UNAVAILABLE",
            503: "UNAVAILABLE",
            501: "UNIMPLEMENTED",
            504: "DEADLINE_EXCEEDED",
        }.get(status, "UNKNOWN")

    def payload(self) -> dict[str, Any]:
        """Google's error JSON; a refused argument carries ``google.rpc.BadRequest`` details."""
        error: dict[str, Any] = {
            "code": self.status,
            "message": self.message,
            "status": self.reason,
        }
        if self.violations:
            error["details"] = [
                {
                    "@type": "type.googleapis.com/google.rpc.BadRequest",
                    "fieldViolations": [
                        {"field": v.where, "description": v.message} for v in self.violations
                    ],
                }
            ]
        return {"error": error}


_PATH = re.compile(r"^/v4/spreadsheets/(?P<key>[^/:]+)(?P<rest>.*)$")


class _Handler(BaseHTTPRequestHandler):
    api: FakeSheetsAPI
    protocol_version = "HTTP/1.0"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def _dispatch(self, method: str) -> None:
        parts = urlsplit(self.path)
        query = parse_qs(parts.query, keep_blank_values=True)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if parts.path == "/token":
            self.api._record(method, parts.path, "token", query)
            self._token_request(raw)
            return
        try:
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                self.api._record(method, unquote(parts.path), "unknown", query)
                self.api._violation(f"{method} {parts.path}: the body is not JSON")
                raise ApiError(400, "Invalid JSON payload received. Unexpected token.") from None
            checked = self.api.discovery.check(method, parts.path, query, body)
            kind = (
                _KINDS.get(checked.method.name, checked.method.name)
                if checked.method
                else "unknown"
            )
            self.api._record(method, unquote(parts.path), kind, query, body)
            if not checked.ok:
                self._refuse(method, parts.path, checked)
            fault = self.api._take_fault(kind)
            if fault is not None:
                if fault.delay:
                    self.api.wait(fault.delay)
                if fault.status is not None:
                    headers = {}
                    if fault.retry_after is not None:
                        headers["Retry-After"] = str(fault.retry_after)
                    raise ApiError(
                        fault.status, fault.message or f"injected {fault.status}", headers=headers
                    )
            assert checked.method is not None
            answer = self._api(checked.method.name, checked.path_params, query, body)
            self._send_answer(checked, query, answer)
        except ApiError as exc:
            self._json(exc.status, exc.payload(), exc.headers)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test)
        except Exception as exc:  # a fault of the fake: answer, and make the test fail
            self.api._violation(f"the fake failed on {method} {self.path}: {exc!r}")
            self._json(500, ApiError(500, f"the fake failed: {exc!r}").payload())

    def _refuse(self, method: str, path: str, checked: Checked) -> None:
        """Google's answer to a request its front end refuses; remembered as a violation."""
        line = f"{method} {path}"
        for violation in checked.violations:
            self.api._violation(f"{line}: {violation}")
        if checked.method is None:
            raise ApiError(404, f"The requested URL {path} was not found on this server.")
        messages = [str(v) for v in checked.violations]
        raise ApiError(400, "; ".join(messages), violations=checked.violations)

    def _send_answer(self, checked: Checked, query: dict[str, list[str]], answer: Any) -> None:
        """The answer, checked against the method's response schema, then cut to ``fields``."""
        assert checked.method is not None
        if checked.method.response:
            found: list[Violation] = []
            self.api.discovery.check_value(answer, {"$ref": checked.method.response}, "", found)
            for violation in found:
                self.api._violation(f"the fake's answer to {checked.method.name}: {violation}")
        if "fields" in query:
            answer = select(answer, mask_tree(parse_mask(query["fields"][0])))
        self._json(200, answer)

    def _token_request(self, body: bytes) -> None:
        try:
            fault = self.api._take_fault("token")
            if fault is not None:
                if fault.delay:
                    self.api.wait(fault.delay)
                if fault.status is not None:
                    self._json(fault.status, {"error": fault.message or "server_error"})
                    return
            self._token(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass

    # --- OAuth ---------------------------------------------------------------------------------
    def _token(self, body: bytes) -> None:
        form = parse_qs(body.decode())
        if form.get("grant_type", [""])[0] != JWT_GRANT:
            self._json(400, {"error": "unsupported_grant_type"})
            return
        assertion = form.get("assertion", [""])[0]
        try:
            head_b64, claims_b64, sig_b64 = assertion.split(".")
            claims = json.loads(_b64(claims_b64))
            email = claims["iss"]
            if email in self.api.revoked or email not in _KEYS:
                raise InvalidSignature
            _KEYS[email].public_key().verify(
                _b64(sig_b64),
                f"{head_b64}.{claims_b64}".encode(),
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
        except (ValueError, KeyError, InvalidSignature):
            self._json(
                400, {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}
            )
            return
        scopes = set(str(claims.get("scope", "")).split())
        token = "fake-" + secrets.token_hex(12)
        with self.api._lock:
            self.api.tokens[token] = (email, scopes)
            self.api.granted_scopes.append(scopes)
        self._json(200, {"access_token": token, "expires_in": 3600, "token_type": "Bearer"})

    def _caller(self) -> tuple[str, set[str]]:
        auth = self.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ").strip()
        found = self.api.tokens.get(token)
        if not auth.startswith("Bearer ") or found is None:
            raise ApiError(401, "Request had invalid authentication credentials.")
        return found

    # --- Sheets API ----------------------------------------------------------------------------
    def _api(
        self, name: str, path_params: dict[str, str], query: dict[str, list[str]], body: Any
    ) -> Any:
        email, scopes = self._caller()
        key = path_params.get("spreadsheetId", "")
        book = self.api.spreadsheets.get(key)
        if book is None:
            raise ApiError(404, "Requested entity was not found.")
        role = book.shared_with.get(email)
        if role is None:
            raise ApiError(403, "The caller does not have permission")
        if name == "spreadsheets.get":
            if query.get("includeGridData") == ["true"] and "fields" not in query:
                raise ApiError(501, "the fake does not serve grid data")
            if "ranges" in query:
                raise ApiError(501, "the fake does not limit spreadsheets.get to ranges")
            return book.json()
        if name == "spreadsheets.values.batchGet":
            return {
                "spreadsheetId": book.key,
                "valueRanges": [
                    _value_range(book, text, query) for text in query.get("ranges", [])
                ],
            }
        if name == "spreadsheets.values.get":
            return _value_range(book, path_params["range"], query)
        if name != "spreadsheets.batchUpdate":
            raise ApiError(501, f"the fake does not implement {name}")
        if WRITE_SCOPE not in scopes:
            raise ApiError(403, "Request had insufficient authentication scopes.")
        if role != "writer":
            raise ApiError(403, "The caller does not have permission")
        requests_ = body.get("requests", [])
        with self.api._lock:
            trial = [sheet.clone() for sheet in book.sheets]
            replies = []
            for i, request in enumerate(requests_):  # raises before any change is kept
                try:
                    replies.append(_apply(trial, request))
                except ApiError as exc:
                    if exc.status != 400:
                        raise
                    raise ApiError(
                        400, f"Invalid requests[{i}].{next(iter(request))}: {exc.message}"
                    ) from None
            book.sheets = trial
            self.api.batch_updates.append(requests_)
        return {"spreadsheetId": key, "replies": replies}


_KINDS = {
    "spreadsheets.get": "metadata",
    "spreadsheets.values.batchGet": "batchGet",
    "spreadsheets.values.get": "valuesGet",
    "spreadsheets.batchUpdate": "batchUpdate",
}


def select(value: Any, tree: dict[str, Any] | None) -> Any:
    """A partial response: only the fields in ``tree`` (from ``mask_tree``), lists looked through."""
    if tree is None or "*" in tree:
        return value
    if isinstance(value, list):
        return [select(item, tree) for item in value]
    if not isinstance(value, dict):
        return value
    return {key: select(value[key], sub) for key, sub in tree.items() if key in value}


def _b64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


_CELL = re.compile(r"^\$?([A-Z]*)\$?(\d*)$")
_PLAIN_TITLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _a1_split(book: FakeSpreadsheet, text: str) -> tuple[FakeSheet, str]:
    """``'My sheet'!A1:B2`` -> (the sheet, "A1:B2"); a bare title is the whole sheet, a bare
    range is on the first sheet, as Google reads them."""
    title, cells = text, ""
    if text.startswith("'"):
        end = 1
        while True:
            end = text.find("'", end)
            if end < 0:
                raise ApiError(400, f"Unable to parse range: {text}")
            if text[end + 1 : end + 2] == "'":
                end += 2
                continue
            break
        title = text[1:end].replace("''", "'")
        rest = text[end + 1 :]
        if rest and not rest.startswith("!"):
            raise ApiError(400, f"Unable to parse range: {text}")
        cells = rest[1:]
    elif "!" in text:
        title, cells = text.rsplit("!", 1)
    grids = [s for s in book.sheets if s.is_grid]
    sheet = next((s for s in grids if s.title == title), None)
    if sheet is None and "!" not in text and not text.startswith("'") and grids:
        sheet, cells = grids[0], text  # "A1:B2" alone: the first sheet
        if not cells or _CELL.match(cells.split(":")[0]) is None:
            sheet = None
    if sheet is None:
        raise ApiError(400, f"Unable to parse range: {text}")
    return sheet, cells


def _a1_box(cells: str, sheet: FakeSheet) -> tuple[int, int, int, int]:
    """``B2:C`` -> 0-based (first row, first column, end row, end column), ends exclusive."""
    if not cells:
        return 0, 0, sheet.row_count, sheet.column_count
    ends = cells.split(":")
    parsed = [_CELL.match(e) for e in ends]
    if len(ends) > 2 or any(m is None or not (m[1] or m[2]) for m in parsed):
        raise ApiError(400, f"Unable to parse range: {cells}")
    (c0, r0), *rest = [(m[1], m[2]) for m in parsed if m]
    c1, r1 = rest[0] if rest else (c0, r0)
    if not rest and not (c0 and r0):
        raise ApiError(400, f"Unable to parse range: {cells}")
    box = (
        int(r0) - 1 if r0 else 0,
        _column_index(c0) if c0 else 0,
        int(r1) if r1 else sheet.row_count,
        _column_index(c1) + 1 if c1 else sheet.column_count,
    )
    if box[0] > box[2] - 1 or box[1] > box[3] - 1:
        box = (
            min(box[0], box[2] - 1),
            min(box[1], box[3] - 1),
            max(box[0] + 1, box[2]),
            max(box[1] + 1, box[3]),
        )
    if box[2] > sheet.row_count or box[3] > sheet.column_count:
        raise ApiError(
            400,
            f"Range ({_a1(sheet, box)}) exceeds grid limits. Max rows: {sheet.row_count}, "
            f"max columns: {sheet.column_count}",
        )
    return box


def _column_index(letters: str) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + (ord(ch) - 64)
    return number - 1


def _quoted(title: str) -> str:
    if _PLAIN_TITLE.match(title) and not re.match(r"^[A-Za-z]{1,3}\d+$", title):
        return title
    return "'" + title.replace("'", "''") + "'"


def _a1(sheet: FakeSheet, box: tuple[int, int, int, int]) -> str:
    """Google's own spelling of a range: ``'England SCR'!A1:Z1000``, ``Sheet1!B1``."""
    r0, c0, r1, c1 = box
    first = f"{column_letter(c0 + 1)}{r0 + 1}"
    last = f"{column_letter(c1)}{r1}"
    return f"{_quoted(sheet.title)}!{first}" + ("" if first == last else f":{last}")


def _value_range(book: FakeSpreadsheet, text: str, query: dict[str, list[str]]) -> dict[str, Any]:
    """One ValueRange as Google answers it: the range spelled out, values from its top-left,
    trailing empty cells and rows (or columns) left out, empty cells mid-way as ""."""
    sheet, cells = _a1_split(book, text)
    box = _a1_box(cells, sheet)
    render = query.get("valueRenderOption", ["FORMATTED_VALUE"])[0]
    dates = query.get("dateTimeRenderOption", ["SERIAL_NUMBER"])[0]
    major = query.get("majorDimension", ["ROWS"])[0]
    major = "COLUMNS" if major == "COLUMNS" else "ROWS"
    r0, c0, r1, c1 = box
    inside = [(r - r0, c - c0) for r, c in sheet.cells if r0 <= r < r1 and c0 <= c < c1]
    if major == "COLUMNS":
        inside = [(c, r) for r, c in inside]
    widths: dict[int, int] = {}
    for line, position in inside:
        widths[line] = max(widths.get(line, 0), position + 1)
    out: dict[str, Any] = {"range": _a1(sheet, box), "majorDimension": major}
    if widths:

        def cell(line: int, position: int) -> Any:
            at = (r0 + line, c0 + position) if major == "ROWS" else (r0 + position, c0 + line)
            return _render(sheet.cells.get(at), render, dates, book.locale)

        out["values"] = [
            [cell(line, p) for p in range(widths.get(line, 0))] for line in range(max(widths) + 1)
        ]
    return out


def _render(value: Any, render: str, dates: str, locale: str) -> Any:
    if value is None:
        return ""
    if isinstance(value, date):
        if render in ("UNFORMATTED_VALUE", "FORMULA") and dates == "SERIAL_NUMBER":
            return serial(value)
        # formatted dates follow the spreadsheet's locale: US order for en_US
        return f"{value.month}/{value.day}/{value.year}" if locale == "en_US" else value.isoformat()
    if isinstance(value, Formula) and render == "FORMULA":
        return str(value)
    if render in ("UNFORMATTED_VALUE", "FORMULA"):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    return str(value)


def _apply(sheets: list[FakeSheet], request: dict[str, Any]) -> dict[str, Any]:
    """One batchUpdate request, on a copy (Google applies a batch all or nothing).

    The request has passed the discovery check: one kind, known fields, valid masks.
    """
    ((name, body),) = ((k, v) for k, v in request.items() if v is not None)
    apply = _APPLY.get(name)
    if apply is None:
        raise ApiError(501, f"the fake does not implement the batchUpdate request {name}")
    return apply(sheets, body)


def _add_sheet(sheets: list[FakeSheet], body: dict[str, Any]) -> dict[str, Any]:
    props = copy.deepcopy(body.get("properties") or {})
    used = {s.sheet_id for s in sheets}
    title = props.get("title") or f"Sheet{len(sheets) + 1}"
    if any(s.title.casefold() == str(title).casefold() for s in sheets):
        raise ApiError(
            400, f'A sheet with the name "{title}" already exists. Please enter another name.'
        )
    sheet_id = int(props.get("sheetId", max(used, default=0) + 1))
    if sheet_id in used:
        raise ApiError(
            400, f"It is an error to specify the ID of a sheet that already exists: {sheet_id}"
        )
    if props.get("sheetType", "GRID") != "GRID":
        raise ApiError(400, "addSheet can only add a sheet of type GRID")
    sheet = FakeSheet(sheet_id, str(title))
    props.setdefault("gridProperties", {}).setdefault("rowCount", 1000)
    props["gridProperties"].setdefault("columnCount", 26)
    index = min(int(props.get("index", len(sheets))), len(sheets))
    sheet.set_properties(props)
    sheets.insert(index, sheet)
    return {"addSheet": {"properties": sheet.properties(index)}}


def _update_sheet_properties(sheets: list[FakeSheet], body: dict[str, Any]) -> dict[str, Any]:
    given = body.get("properties") or {}
    sheet = _sheet(sheets, given.get("sheetId"), grid=False)
    index = sheets.index(sheet)
    paths = parse_mask(body["fields"])
    updated = masked_update(sheet.properties(index), given, paths)
    title = updated.get("title") or sheet.title
    if any(s is not sheet and s.title.casefold() == str(title).casefold() for s in sheets):
        raise ApiError(
            400, f'A sheet with the name "{title}" already exists. Please enter another name.'
        )
    sheet.set_properties(updated)
    if updated.get("index", index) != index:
        sheets.remove(sheet)
        sheets.insert(min(int(updated["index"]), len(sheets)), sheet)
    return {}


def _update_cells(sheets: list[FakeSheet], body: dict[str, Any]) -> dict[str, Any]:
    """Rows from ``start``, or over ``range`` (where cells the rows do not cover are cleared)."""
    paths = parse_mask(body["fields"])
    rows = body.get("rows") or []
    if body.get("start") is not None:
        start = body["start"]
        sheet = _sheet(sheets, start.get("sheetId"))
        r0, c0 = int(start.get("rowIndex", 0)), int(start.get("columnIndex", 0))
        for i, row in enumerate(rows):
            for j, cell in enumerate((row or {}).get("values") or []):
                _update_cell(sheet, (r0 + i, c0 + j), cell or {}, paths)
        return {}
    sheet, (r0, c0, r1, c1) = _grid_box(sheets, body["range"])
    for r in range(r0, r1):
        row = rows[r - r0] if r - r0 < len(rows) else {}
        values = (row or {}).get("values") or []
        for c in range(c0, c1):
            cell = values[c - c0] if c - c0 < len(values) else {}
            _update_cell(sheet, (r, c), cell or {}, paths)
    return {}


def _repeat_cell(sheets: list[FakeSheet], body: dict[str, Any]) -> dict[str, Any]:
    paths = parse_mask(body["fields"])
    sheet, (r0, c0, r1, c1) = _grid_box(sheets, body["range"])
    cell = body.get("cell") or {}
    blank = masked_update({}, cell, paths)  # what every cell with nothing yet becomes
    for r in range(r0, r1):
        for c in range(c0, c1):
            _update_cell(sheet, (r, c), cell, paths, blank)
    return {}


def _set_data_validation(sheets: list[FakeSheet], body: dict[str, Any]) -> dict[str, Any]:
    sheet, (r0, c0, r1, c1) = _grid_box(sheets, body["range"])
    rule = body.get("rule")
    for r in range(r0, r1):
        for c in range(c0, c1):
            _put(sheet.validations, (r, c), rule or None)  # one rule object, never changed
    return {}


def _merge_cells(sheets: list[FakeSheet], body: dict[str, Any]) -> dict[str, Any]:
    """Merged blocks: only the top-left value stays, as Google keeps it."""
    sheet, (r0, c0, r1, c1) = _grid_box(sheets, body["range"])
    kind = body.get("mergeType") or "MERGE_ALL"
    if kind == "MERGE_ALL":
        blocks = [(r0, c0, r1, c1)]
    elif kind == "MERGE_COLUMNS":
        blocks = [(r0, c, r1, c + 1) for c in range(c0, c1)]
    else:
        blocks = [(r, c0, r + 1, c1) for r in range(r0, r1)]
    for block in blocks:
        if any(_overlap(block, _box_of(m)) for m in sheet.merges):
            raise ApiError(400, "You can't merge cells that overlap an existing merge.")
        sheet.merges.append(_grid_range(sheet.sheet_id, *block))
        for r in range(block[0], block[2]):
            for c in range(block[1], block[3]):
                if (r, c) != (block[0], block[1]):
                    sheet.cells.pop((r, c), None)
    return {}


def _unmerge_cells(sheets: list[FakeSheet], body: dict[str, Any]) -> dict[str, Any]:
    sheet, box = _grid_box(sheets, body["range"])
    sheet.merges = [m for m in sheet.merges if not _overlap(box, _box_of(m))]
    return {}


def _delete_sheet(sheets: list[FakeSheet], body: dict[str, Any]) -> dict[str, Any]:
    sheet = _sheet(sheets, body.get("sheetId"), grid=False)
    if len(sheets) == 1:
        raise ApiError(400, "You can't remove all the sheets in a document.")
    sheets.remove(sheet)
    return {}


def _add_conditional_format_rule(sheets: list[FakeSheet], body: dict[str, Any]) -> dict[str, Any]:
    """A rule goes to the sheet of its ranges, at ``index`` (0: first, as Google does)."""
    rule = body.get("rule") or {}
    ranges = rule.get("ranges") or []
    if not ranges:
        raise ApiError(400, "A conditional format rule needs at least one range.")
    boxes = [_grid_box(sheets, r) for r in ranges]
    sheet = boxes[0][0]
    if any(found is not sheet for found, _ in boxes):
        raise ApiError(400, "All ranges of a conditional format rule must be on one sheet.")
    index = int(body.get("index") or 0)
    if index > len(sheet.conditional_formats):
        raise ApiError(
            400, f"Invalid index {index}: the sheet has {len(sheet.conditional_formats)} rules"
        )
    sheet.conditional_formats.insert(index, _copied(rule))
    return {}


def _add_protected_range(sheets: list[FakeSheet], body: dict[str, Any]) -> dict[str, Any]:
    """A protected range gets a new id unless it names one; the reply gives it back."""
    protected = _copied(body.get("protectedRange") or {})
    sheet, _ = _grid_box(sheets, protected.get("range") or {})
    used = {int(p["protectedRangeId"]) for s in sheets for p in s.protected_ranges}
    given = protected.get("protectedRangeId")
    if given is not None and int(given) in used:
        raise ApiError(400, f"A protected range with ID {given} already exists.")
    protected["protectedRangeId"] = int(given) if given is not None else max(used, default=0) + 1
    sheet.protected_ranges.append(protected)
    return {"addProtectedRange": {"protectedRange": _copied(protected)}}


_APPLY: dict[str, Callable[[list[FakeSheet], dict[str, Any]], dict[str, Any]]] = {
    "addSheet": _add_sheet,
    "updateSheetProperties": _update_sheet_properties,
    "updateCells": _update_cells,
    "repeatCell": _repeat_cell,
    "setDataValidation": _set_data_validation,
    "mergeCells": _merge_cells,
    "unmergeCells": _unmerge_cells,
    "deleteSheet": _delete_sheet,
    "addConditionalFormatRule": _add_conditional_format_rule,
    "addProtectedRange": _add_protected_range,
}


def _update_cell(
    sheet: FakeSheet,
    at: tuple[int, int],
    given: dict[str, Any],
    paths: list[tuple[str, ...]],
    blank: dict[str, Any] | None = None,
) -> None:
    """One cell's CellData, changed only where the mask says (``*``: every field)."""
    _check_grid(sheet, at)
    if ("*",) in paths:
        keys = set(given) | {"userEnteredValue", "userEnteredFormat", "dataValidation"}
        keys |= set(sheet.cell_extras.get(at, {}))
    else:
        keys = _top_keys(paths)
    old = sheet.cell_data(at, keys)
    updated = blank if blank is not None and not old else masked_update(old, given, paths)
    sheet.set_cell_data(at, keys, updated)


@cache
def _top_keys_of(paths: tuple[tuple[str, ...], ...]) -> frozenset[str]:
    return frozenset(path[0] for path in paths)


def _top_keys(paths: list[tuple[str, ...]]) -> frozenset[str]:
    return _top_keys_of(tuple(paths))


_MISSING = object()


def masked_update(
    old: dict[str, Any], new: dict[str, Any], paths: list[tuple[str, ...]]
) -> dict[str, Any]:
    """Google's update with a field mask: each path takes the new value there, or is cleared
    when the new object lacks it; ``*`` takes the whole new object."""
    result = _copied(old)
    for path in paths:
        if path[-1] == "*":
            path = path[:-1]
        if not path:
            result = _copied(new)
            continue
        value: Any = new
        for part in path:
            value = value.get(part, _MISSING) if isinstance(value, dict) else _MISSING
        node = result
        for part in path[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ApiError(400, f"Invalid field mask path {'.'.join(path)}")
        if value is _MISSING or value is None:
            node.pop(path[-1], None)
        else:
            node[path[-1]] = _copied(value)
    return _pruned(result)


def _copied(value: Any) -> Any:
    """A copy of JSON data (much faster than ``copy.deepcopy``)."""
    if isinstance(value, dict):
        return {key: _copied(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copied(item) for item in value]
    return value


def _pruned(value: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, item in value.items():
        if isinstance(item, dict):
            item = _pruned(item)
            if not item:
                continue
        out[key] = item
    return out


def _extended_value(value: Any) -> dict[str, Any]:
    if isinstance(value, Formula):
        return {"formulaValue": str(value)}
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, date):
        return {"numberValue": serial(value)}
    if isinstance(value, int | float):
        return {"numberValue": value}
    return {"stringValue": str(value)}


def _python_value(extended: dict[str, Any]) -> Any:
    ((kind, value),) = ((k, v) for k, v in extended.items() if v is not None)
    if kind == "formulaValue":
        return Formula(value)
    if kind == "numberValue":
        number = float(value)
        return int(number) if number.is_integer() else number
    if kind == "errorValue":
        raise ApiError(501, "the fake does not store error values")
    return value


def _put(store: dict[tuple[int, int], Any], at: tuple[int, int], value: Any) -> None:
    if value is None:
        store.pop(at, None)
    else:
        store[at] = value


def _grid_range(sheet_id: int, r0: int, c0: int, r1: int, c1: int) -> dict[str, Any]:
    return {
        "sheetId": sheet_id,
        "startRowIndex": r0,
        "endRowIndex": r1,
        "startColumnIndex": c0,
        "endColumnIndex": c1,
    }


def _box_of(grid_range: dict[str, Any]) -> tuple[int, int, int, int]:
    return (
        int(grid_range.get("startRowIndex", 0)),
        int(grid_range.get("startColumnIndex", 0)),
        int(grid_range["endRowIndex"]),
        int(grid_range["endColumnIndex"]),
    )


def _overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _grid_box(
    sheets: list[FakeSheet], grid_range: dict[str, Any]
) -> tuple[FakeSheet, tuple[int, int, int, int]]:
    """A GridRange on a grid sheet; missing bounds run to the grid's edge, as Google reads them."""
    sheet = _sheet(sheets, grid_range.get("sheetId", 0))
    box = (
        int(grid_range.get("startRowIndex", 0)),
        int(grid_range.get("startColumnIndex", 0)),
        int(grid_range.get("endRowIndex", sheet.row_count)),
        int(grid_range.get("endColumnIndex", sheet.column_count)),
    )
    if box[0] > box[2] or box[1] > box[3]:
        raise ApiError(400, f"Invalid range: the start is after the end ({grid_range})")
    if box[2] > sheet.row_count or box[3] > sheet.column_count:
        _check_grid(sheet, (box[2] - 1, box[3] - 1))
    return sheet, box


def _sheet(sheets: list[FakeSheet], sheet_id: Any, *, grid: bool = True) -> FakeSheet:
    """A sheet by id; cells need a grid: a chart sheet has none."""
    sheet_id = int(sheet_id or 0)
    found = next((s for s in sheets if s.sheet_id == sheet_id), None)
    if found is None or (grid and not found.is_grid):
        raise ApiError(400, f"No grid with id: {sheet_id}")
    return found


def _check_grid(sheet: FakeSheet, at: tuple[int, int]) -> None:
    if at[0] >= sheet.row_count or at[1] >= sheet.column_count:
        raise ApiError(
            400, f"Range ({sheet.title}!{column_letter(at[1] + 1)}{at[0] + 1}) exceeds grid limits."
        )

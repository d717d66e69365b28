"""A local fake of the Sheets v4 endpoints the tracker uses, plus Google's OAuth token endpoint.

A real threaded HTTP server on 127.0.0.1 (port 0), so the real gspread client and google-auth
speak real HTTP to it. It holds spreadsheets in memory (dates are stored as Python dates and served
as serial numbers, as Google does with ``dateTimeRenderOption=SERIAL_NUMBER``), checks the
service-account JWT signature and the token's scopes and sharing like Google, counts requests, and
injects faults: N x 429 then success, 500s, a permanent 429, slow answers, 403, 404.
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
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

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


@dataclass
class FakeSheet:
    sheet_id: int
    title: str
    #: (row, column), both 0-based -> value (str, int, float, bool, date, datetime)
    cells: dict[tuple[int, int], Any] = field(default_factory=dict)
    row_count: int = 1000
    column_count: int = 26
    frozen_rows: int = 0
    hidden: bool = False
    #: (row, column) -> data validation rule, as sent in setDataValidation
    validations: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    #: (row, column) -> userEnteredFormat
    formats: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    #: merged ranges as GridRanges (0-based, end exclusive), as in the metadata's sheets.merges
    merges: list[dict[str, int]] = field(default_factory=list)

    @classmethod
    def from_rows(cls, sheet_id: int, title: str, rows: list[list[Any]], **kw: Any) -> FakeSheet:
        cells = {
            (r, c): v
            for r, row in enumerate(rows)
            for c, v in enumerate(row)
            if v is not None and v != ""
        }
        return cls(sheet_id, title, cells, **kw)

    def properties(self, index: int) -> dict[str, Any]:
        grid: dict[str, Any] = {"rowCount": self.row_count, "columnCount": self.column_count}
        if self.frozen_rows:
            grid["frozenRowCount"] = self.frozen_rows
        props: dict[str, Any] = {
            "sheetId": self.sheet_id,
            "title": self.title,
            "index": index,
            "sheetType": "GRID",
            "gridProperties": grid,
        }
        if self.hidden:
            props["hidden"] = True
        return props


@dataclass
class FakeSpreadsheet:
    key: str
    title: str
    sheets: list[FakeSheet]
    #: e-mail -> "reader" or "writer"
    shared_with: dict[str, str]
    locale: str = "en_US"


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

    def _record(self, method: str, path: str, kind: str, query: dict[str, list[str]]) -> None:
        with self._lock:
            self.requests.append(Seen(method, path, kind, query, self.clock()))

    def wait(self, seconds: float) -> None:
        self._stop.wait(seconds)


class ApiError(Exception):
    def __init__(
        self, status: int, message: str, reason: str = "", headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.headers = headers or {}
        self.message = message
        self.reason = reason or {
            400: "INVALID_ARGUMENT",
            401: "UNAUTHENTICATED",
            403: "PERMISSION_DENIED",
            404: "NOT_FOUND",
            429: "RESOURCE_EXHAUSTED",
            500: "INTERNAL",
            502: "UNAVAILABLE",
            503: "UNAVAILABLE",
            504: "DEADLINE_EXCEEDED",
        }.get(status, "UNKNOWN")


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
        path = unquote(parts.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        kind = self._kind(method, path)
        self.api._record(method, path, kind, query)
        try:
            fault = self.api._take_fault(kind)
            if fault is not None:
                if fault.delay:
                    self.api.wait(fault.delay)
                if fault.status is not None:
                    headers = {}
                    if fault.retry_after is not None:
                        headers["Retry-After"] = str(fault.retry_after)
                    if kind == "token":
                        self._json(fault.status, {"error": fault.message or "server_error"})
                        return
                    raise ApiError(
                        fault.status, fault.message or f"injected {fault.status}", headers=headers
                    )
            if kind == "token":
                self._token(body)
                return
            match = _PATH.match(path)
            if match is None or kind == "unknown":
                raise ApiError(404, f"no such endpoint {method} {path}")
            self._json(200, self._api(method, kind, match["key"], query, body))
        except ApiError as exc:
            self._json(
                exc.status,
                {"error": {"code": exc.status, "message": exc.message, "status": exc.reason}},
                exc.headers,
            )
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test)

    @staticmethod
    def _kind(method: str, path: str) -> str:
        if path == "/token":
            return "token"
        if not path.startswith("/v4/spreadsheets/"):
            return "unknown"
        if method == "GET" and path.endswith("/values:batchGet"):
            return "batchGet"
        if method == "POST" and path.endswith(":batchUpdate") and "/values" not in path:
            return "batchUpdate"
        if method == "GET" and "/values" not in path and ":" not in path.rsplit("/", 1)[-1]:
            return "metadata"
        return "unknown"

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
        self, method: str, kind: str, key: str, query: dict[str, list[str]], body: bytes
    ) -> Any:
        email, scopes = self._caller()
        book = self.api.spreadsheets.get(key)
        if book is None:
            raise ApiError(404, "Requested entity was not found.")
        role = book.shared_with.get(email)
        if role is None:
            raise ApiError(403, "The caller does not have permission")
        if kind == "metadata":
            # merges only when asked for, as Google answers a fields mask
            fields = query.get("fields", ["sheets.merges"])[0].split(",")
            merges = "sheets.merges" in fields or "sheets" in fields
            return {
                "spreadsheetId": key,
                "properties": {"title": book.title, "locale": book.locale},
                "sheets": [
                    {"properties": s.properties(i)}
                    | (
                        {"merges": [dict(m, sheetId=s.sheet_id) for m in s.merges]}
                        if merges and s.merges
                        else {}
                    )
                    for i, s in enumerate(book.sheets)
                ],
            }
        if kind == "batchGet":
            return self._batch_get(book, query)
        # batchUpdate: a change
        if WRITE_SCOPE not in scopes:
            raise ApiError(403, "Request had insufficient authentication scopes.")
        if role != "writer":
            raise ApiError(403, "The caller does not have permission")
        payload = json.loads(body or b"{}")
        requests_ = payload.get("requests", [])
        with self.api._lock:
            trial = copy.deepcopy(book.sheets)
            replies = [_apply(trial, r) for r in requests_]  # raises before any change is kept
            book.sheets = trial
            self.api.batch_updates.append(requests_)
        return {"spreadsheetId": key, "replies": replies}

    def _batch_get(self, book: FakeSpreadsheet, query: dict[str, list[str]]) -> Any:
        render = query.get("valueRenderOption", ["FORMATTED_VALUE"])[0]
        dates = query.get("dateTimeRenderOption", ["SERIAL_NUMBER"])[0]
        out = []
        for text in query.get("ranges", []):
            title = _range_title(text)
            sheet = next((s for s in book.sheets if s.title == title), None)
            if sheet is None:
                raise ApiError(400, f"Unable to parse range: {text}")
            name = "'" + sheet.title.replace("'", "''") + "'"
            last = f"{column_letter(sheet.column_count)}{sheet.row_count}"
            value_range: dict[str, Any] = {"range": f"{name}!A1:{last}", "majorDimension": "ROWS"}
            rows = _values(sheet, render, dates, book.locale)
            if rows:
                value_range["values"] = rows
            out.append(value_range)
        return {"spreadsheetId": book.key, "valueRanges": out}


def _b64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _range_title(text: str) -> str:
    sheet = text.rsplit("!", 1)[0] if "!" in text and not text.endswith("'") else text
    if sheet.startswith("'") and sheet.endswith("'"):
        return sheet[1:-1].replace("''", "'")
    return sheet


def _values(sheet: FakeSheet, render: str, dates: str, locale: str) -> list[list[Any]]:
    """As Google answers: trailing empty cells and rows left out, empty cells mid-row as ""."""
    if not sheet.cells:
        return []
    widths: dict[int, int] = {}
    for r, c in sheet.cells:
        widths[r] = max(widths.get(r, 0), c + 1)
    return [
        [_render(sheet.cells.get((r, c)), render, dates, locale) for c in range(widths.get(r, 0))]
        for r in range(max(widths) + 1)
    ]


def _render(value: Any, render: str, dates: str, locale: str) -> Any:
    if value is None:
        return ""
    if isinstance(value, date):
        if render == "UNFORMATTED_VALUE" and dates == "SERIAL_NUMBER":
            return serial(value)
        # formatted dates follow the spreadsheet's locale: US order for en_US
        return f"{value.month}/{value.day}/{value.year}" if locale == "en_US" else value.isoformat()
    if render == "UNFORMATTED_VALUE":
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    return str(value)


def _apply(sheets: list[FakeSheet], request: dict[str, Any]) -> dict[str, Any]:
    """One batchUpdate request, on a copy (Google applies a batch all or nothing)."""
    (name, body), *extra = request.items()
    if extra:
        raise ApiError(400, "one kind of request per entry")
    by_id = {s.sheet_id: s for s in sheets}
    if name == "addSheet":
        props = body.get("properties", {})
        title = props.get("title")
        if any(s.title.casefold() == str(title).casefold() for s in sheets):
            raise ApiError(400, f'A sheet with the name "{title}" already exists.')
        sheet_id = props.get("sheetId", max(by_id, default=0) + 1)
        if sheet_id in by_id:
            raise ApiError(400, f"duplicate sheet id {sheet_id}")
        grid = props.get("gridProperties", {})
        sheet = FakeSheet(
            sheet_id,
            title,
            row_count=grid.get("rowCount", 1000),
            column_count=grid.get("columnCount", 26),
            frozen_rows=grid.get("frozenRowCount", 0),
        )
        sheets.append(sheet)
        return {"addSheet": {"properties": sheet.properties(len(sheets) - 1)}}
    if name == "updateSheetProperties":
        props = body["properties"]
        sheet = _sheet(by_id, props.get("sheetId"))
        grid = props.get("gridProperties", {})
        for path in body["fields"].split(","):
            attr = {
                "gridProperties.frozenRowCount": "frozen_rows",
                "gridProperties.columnCount": "column_count",
                "gridProperties.rowCount": "row_count",
            }.get(path)
            if attr is None:
                raise ApiError(400, f"fake does not support field {path}")
            setattr(sheet, attr, grid[path.split(".")[1]])
        return {}
    if name == "updateCells":
        start = body["start"]
        sheet = _sheet(by_id, start.get("sheetId"))
        for i, row in enumerate(body.get("rows", [])):
            for j, cell in enumerate(row.get("values", [])):
                at = (start.get("rowIndex", 0) + i, start.get("columnIndex", 0) + j)
                _check_grid(sheet, at)
                entered = cell.get("userEnteredValue")
                if entered is not None:
                    (_, value), *_ = entered.items()
                    sheet.cells[at] = value
                if "userEnteredFormat" in cell:
                    sheet.formats[at] = {**sheet.formats.get(at, {}), **cell["userEnteredFormat"]}
        return {}
    if name in ("setDataValidation", "repeatCell"):
        rng = body["range"]
        sheet = _sheet(by_id, rng.get("sheetId"))
        for r in range(rng.get("startRowIndex", 0), rng.get("endRowIndex", sheet.row_count)):
            for c in range(rng["startColumnIndex"], rng["endColumnIndex"]):
                _check_grid(sheet, (r, c))
                if name == "setDataValidation":
                    sheet.validations[(r, c)] = body["rule"]
                else:
                    fmt = body["cell"].get("userEnteredFormat", {})
                    sheet.formats[(r, c)] = {**sheet.formats.get((r, c), {}), **fmt}
        return {}
    raise ApiError(400, f"the fake does not implement {name}")


def _sheet(by_id: dict[int, FakeSheet], sheet_id: Any) -> FakeSheet:
    if sheet_id not in by_id:
        raise ApiError(400, f"No grid with id: {sheet_id}")
    return by_id[sheet_id]


def _check_grid(sheet: FakeSheet, at: tuple[int, int]) -> None:
    if at[0] >= sheet.row_count or at[1] >= sheet.column_count:
        raise ApiError(
            400, f"Range ({sheet.title}!{column_letter(at[1] + 1)}{at[0] + 1}) exceeds grid limits."
        )

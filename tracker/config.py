"""``tracker.toml``: boards, their sources and recipients, e-mail, schedule and web access.

Every key the file may hold is declared here; any other key is reported by name, so a typo
(``recipent``) is an error rather than a board that silently gets no e-mail. Relative paths are
read relative to the config file's folder. Secrets never live in the file: it names environment
variables that hold them.

Boards' timescale overrides are parsed and checked here too (``apply_overrides``,
``check_overrides``), so a bad one is a config error naming its key; ``tracker.overrides`` turns
the parsed rules into the board's framework.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tracker.frameworks.registry import all_frameworks
from tracker.model import (
    DEFAULT_COUNTING,
    Counting,
    DeadlineCounting,
    FieldType,
    Framework,
    StartCounting,
)
from tracker.overrides import with_counting, with_overrides
from tracker.rules import ParsedRule, RuleSyntaxError, parse_rule_text

NATIONS = ("england", "wales", "scotland", "northern-ireland")
CONFIG_ENV = "TRACKER_CONFIG"
DEFAULT_NAME = "tracker.toml"


class ConfigError(ValueError):
    """The config file cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class BoardConfig:
    name: str
    nation: str
    sources: tuple[str, ...]
    recipients: tuple[str, ...] = ()
    #: "framework.stage" -> rule text, as written (parsed and checked by apply_overrides)
    timescales: dict[str, str] = field(default_factory=dict)
    #: ``[boards.counting]``: how the board's local procedures count (national by default)
    counting: Counting = DEFAULT_COUNTING
    #: write due dates and data problems back: a ``Tracker`` tab (Google Sheets) or a
    #: companion ``NAME.tracker.xlsx`` (Excel)
    publish: bool = True
    #: where companion workbooks go (default: beside each source workbook)
    publish_dir: str | None = None
    #: the officers who keep the data: told when the set of data problems changes
    data_recipients: tuple[str, ...] = ()


@dataclass(frozen=True)
class SmtpConfig:
    host: str = "localhost"
    port: int = 587
    security: str = "starttls"  # starttls, tls or none
    username: str | None = None
    password_env: str | None = None
    timeout_seconds: float = 30.0

    def password(self) -> str | None:
        return os.environ.get(self.password_env) if self.password_env else None


@dataclass(frozen=True)
class EmailConfig:
    backend: str = "outbox"  # outbox or smtp
    sender: str = "tracker@example.org"
    smtp: SmtpConfig = field(default_factory=SmtpConfig)


@dataclass(frozen=True)
class ScheduleConfig:
    timezone: str = "Europe/London"
    weekly_report: str = "mon 08:00"
    refresh_minutes: int = 15


@dataclass(frozen=True)
class WebConfig:
    host: str = "127.0.0.1"
    port: int = 8080
    secret_key_env: str = "TRACKER_SECRET_KEY"
    stale_after_minutes: int = 60
    #: a signed-in session ends after this long without a request, and after session_hours anyway
    session_idle_minutes: int = 30
    session_hours: int = 8
    #: reverse proxies in front of the view whose X-Forwarded-For/-Proto are believed (ProxyFix)
    trusted_proxies: int = 0
    #: the address people reach the view at (https://tracker.example.org/cases): the weekly
    #: e-mail links each review id to its page there; None: no links
    public_url: str | None = None


@dataclass(frozen=True)
class GoogleConfig:
    credentials: str | None = None  # service-account JSON; else GOOGLE_APPLICATION_CREDENTIALS
    #: how long one read of a sheet may keep retrying (429, 5xx, timeouts) before giving up
    retry_seconds: float = 60.0
    #: how long one request may wait for Google's answer
    timeout_seconds: float = 30.0
    #: pace per service account (Google's per-user quota is 60 a minute)
    requests_per_minute: int = 60


@dataclass(frozen=True)
class Config:
    path: Path | None
    state_dir: Path
    boards: tuple[BoardConfig, ...] = ()
    national_recipients: tuple[str, ...] = ()
    email: EmailConfig = field(default_factory=EmailConfig)
    schedule: ScheduleConfig = field(default_factory=ScheduleConfig)
    web: WebConfig = field(default_factory=WebConfig)
    google: GoogleConfig = field(default_factory=GoogleConfig)

    def board(self, name: str) -> BoardConfig:
        for board in self.boards:
            if board.name == name:
                return board
        raise KeyError(name)

    def source_boards(self) -> list[tuple[str, BoardConfig]]:
        """Every (source, board) pair the config names, in file order."""
        return [(source, board) for board in self.boards for source in board.sources]


# The documented shape: section -> key -> expected type(s).
_TOP = {
    "state_dir": str,
    "boards": list,
    "national": dict,
    "email": dict,
    "schedule": dict,
    "web": dict,
    "google": dict,
}
_BOARD = {
    "name": str,
    "nation": str,
    "sources": list,
    "recipients": list,
    "timescales": dict,
    "counting": dict,
    "publish": bool,
    "publish_dir": str,
    "data_recipients": list,
}
_COUNTING = {"start_on_non_working_day": str, "deadline_on_non_working_day": str}
_NATIONAL = {"recipients": list}
_EMAIL = {"backend": str, "from": str, "smtp": dict}
_SMTP = {
    "host": str,
    "port": int,
    "security": str,
    "username": str,
    "password_env": str,
    "timeout_seconds": (int, float),
}
_SCHEDULE = {"timezone": str, "weekly_report": str, "refresh_minutes": int}
_WEB = {
    "host": str,
    "port": int,
    "secret_key_env": str,
    "stale_after_minutes": int,
    "session_idle_minutes": int,
    "session_hours": int,
    "trusted_proxies": int,
    "public_url": str,
}
_GOOGLE = {
    "credentials": str,
    "retry_seconds": (int, float),
    "timeout_seconds": (int, float),
    "requests_per_minute": int,
}


class _Reader:
    def __init__(self, path: Path | None) -> None:
        self.where = str(path) if path else "config"

    def fail(self, key: str, message: str) -> ConfigError:
        return ConfigError(f"{self.where}: {key}: {message}")

    def section(self, data: dict[str, Any], shape: dict[str, Any], prefix: str) -> dict[str, Any]:
        for key, value in data.items():
            name = f"{prefix}{key}"
            if key not in shape:
                known = ", ".join(sorted(shape))
                raise self.fail(name, f"unknown key (expected one of: {known})")
            expected = shape[key]
            if (isinstance(value, bool) and expected is not bool) or not isinstance(
                value, expected
            ):
                kind = expected.__name__ if isinstance(expected, type) else "number"
                raise self.fail(name, f"must be a {_KIND.get(kind, kind)}, not {value!r}")
        return data

    def strings(self, values: list[Any], key: str) -> tuple[str, ...]:
        for value in values:
            if not isinstance(value, str) or not value.strip():
                raise self.fail(key, f"must be a list of text values, found {value!r}")
        return tuple(v.strip() for v in values)


_KIND = {
    "str": "text value",
    "list": "list",
    "dict": "table",
    "int": "whole number",
    "bool": "true or false",
}


def _counting(r: _Reader, raw: dict[str, Any], prefix: str) -> Counting:
    """``[boards.counting]``: each option one of its documented values, named when wrong."""
    r.section(raw, _COUNTING, prefix)
    values: dict[str, Any] = {}
    for key, kind in (
        ("start_on_non_working_day", StartCounting),
        ("deadline_on_non_working_day", DeadlineCounting),
    ):
        if key not in raw:
            continue
        text = " ".join(raw[key].split()).lower()
        try:
            values[key] = kind(text)
        except ValueError:
            allowed = " or ".join(f'"{v.value}"' for v in kind)
            raise r.fail(prefix + key, f"must be {allowed}, not {raw[key]!r}") from None
    return Counting(**values)


def parse_config(data: dict[str, Any], path: Path | None = None) -> Config:
    """Check ``data`` (a parsed TOML document) against the documented shape."""
    r = _Reader(path)
    base = path.parent if path else Path.cwd()
    _refuse_line_breaks(r, data, "")
    r.section(data, _TOP, "")

    def resolve(value: str) -> str:
        if value.startswith("gsheet:") or "://" in value:
            return value
        p = Path(value).expanduser()
        full = p if p.is_absolute() else (base / p)
        return _display(full)

    boards: list[BoardConfig] = []
    seen: set[str] = set()
    for i, raw in enumerate(data.get("boards", [])):
        prefix = f"boards[{i}]."
        if not isinstance(raw, dict):
            raise r.fail(f"boards[{i}]", "each board must be a [[boards]] table")
        r.section(raw, _BOARD, prefix)
        for key in ("name", "nation", "sources"):
            if key not in raw:
                raise r.fail(prefix + key, "is required")
        name = raw["name"].strip()
        if not name:
            raise r.fail(prefix + "name", "must not be empty")
        if name in seen:
            raise r.fail(prefix + "name", f"board {name!r} is named twice")
        seen.add(name)
        if raw["nation"] not in NATIONS:
            raise r.fail(
                prefix + "nation", f"must be one of {', '.join(NATIONS)}, not {raw['nation']!r}"
            )
        sources = r.strings(raw["sources"], prefix + "sources")
        recipients = r.strings(raw.get("recipients", []), prefix + "recipients")
        _check_addresses(r, recipients, prefix + "recipients")
        timescales: dict[str, str] = {}
        for key, value in raw.get("timescales", {}).items():
            if not isinstance(value, str):
                raise r.fail(f"{prefix}timescales.{key}", f"must be a rule in text, not {value!r}")
            timescales[key] = value
        data_recipients = r.strings(raw.get("data_recipients", []), prefix + "data_recipients")
        _check_addresses(r, data_recipients, prefix + "data_recipients")
        publish_dir = raw.get("publish_dir")
        if publish_dir is not None and not publish_dir.strip():
            raise r.fail(prefix + "publish_dir", "must not be empty")
        boards.append(
            BoardConfig(
                name,
                raw["nation"],
                tuple(resolve(s) for s in sources),
                recipients,
                timescales,
                counting=_counting(r, raw.get("counting", {}), prefix + "counting."),
                publish=raw.get("publish", True),
                publish_dir=resolve(publish_dir.strip()) if publish_dir else None,
                data_recipients=data_recipients,
            )
        )

    national = r.section(data.get("national", {}), _NATIONAL, "national.")
    national_recipients = r.strings(national.get("recipients", []), "national.recipients")
    _check_addresses(r, national_recipients, "national.recipients")

    email_raw = r.section(data.get("email", {}), _EMAIL, "email.")
    smtp_raw = r.section(email_raw.get("smtp", {}), _SMTP, "email.smtp.")
    backend = email_raw.get("backend", "outbox")
    if backend not in ("outbox", "smtp"):
        raise r.fail("email.backend", f'must be "outbox" or "smtp", not {backend!r}')
    security = smtp_raw.get("security", "starttls")
    if security not in ("starttls", "tls", "none"):
        raise r.fail("email.smtp.security", f"must be starttls, tls or none, not {security!r}")
    if "password" in smtp_raw:  # pragma: no cover - rejected as unknown key above
        raise r.fail("email.smtp.password", "secrets come from the environment: use password_env")
    sender = email_raw.get("from", EmailConfig.sender)
    _check_addresses(r, (sender,), "email.from")
    smtp = SmtpConfig(
        host=smtp_raw.get("host", SmtpConfig.host),
        port=smtp_raw.get("port", 465 if security == "tls" else 587),
        security=security,
        username=smtp_raw.get("username"),
        password_env=smtp_raw.get("password_env"),
        timeout_seconds=float(smtp_raw.get("timeout_seconds", SmtpConfig.timeout_seconds)),
    )
    if backend == "smtp" and "host" not in smtp_raw:
        raise r.fail("email.smtp.host", 'is required when email.backend is "smtp"')

    sched_raw = r.section(data.get("schedule", {}), _SCHEDULE, "schedule.")
    schedule = ScheduleConfig(
        timezone=sched_raw.get("timezone", ScheduleConfig.timezone),
        weekly_report=sched_raw.get("weekly_report", ScheduleConfig.weekly_report),
        refresh_minutes=sched_raw.get("refresh_minutes", ScheduleConfig.refresh_minutes),
    )
    _check_schedule(r, schedule)

    web_raw = r.section(data.get("web", {}), _WEB, "web.")
    web = WebConfig(
        host=web_raw.get("host", WebConfig.host),
        port=web_raw.get("port", WebConfig.port),
        secret_key_env=web_raw.get("secret_key_env", WebConfig.secret_key_env),
        stale_after_minutes=web_raw.get("stale_after_minutes", WebConfig.stale_after_minutes),
        session_idle_minutes=web_raw.get("session_idle_minutes", WebConfig.session_idle_minutes),
        session_hours=web_raw.get("session_hours", WebConfig.session_hours),
        trusted_proxies=web_raw.get("trusted_proxies", WebConfig.trusted_proxies),
        public_url=_public_url(r, web_raw.get("public_url")),
    )
    if not 0 < web.port < 65536:
        raise r.fail("web.port", f"must be between 1 and 65535, not {web.port}")
    for key, low, high in (
        ("session_idle_minutes", 1, 24 * 60),
        ("session_hours", 1, 24),
        ("trusted_proxies", 0, 5),
    ):
        if not low <= getattr(web, key) <= high:
            raise r.fail(f"web.{key}", f"must be from {low} to {high}, not {getattr(web, key)}")

    google_raw = r.section(data.get("google", {}), _GOOGLE, "google.")
    creds = google_raw.get("credentials")
    google = GoogleConfig(
        credentials=resolve(creds) if creds else None,
        retry_seconds=float(google_raw.get("retry_seconds", GoogleConfig.retry_seconds)),
        timeout_seconds=float(google_raw.get("timeout_seconds", GoogleConfig.timeout_seconds)),
        requests_per_minute=google_raw.get("requests_per_minute", GoogleConfig.requests_per_minute),
    )
    for key in ("retry_seconds", "timeout_seconds", "requests_per_minute"):
        if getattr(google, key) <= 0:
            raise r.fail(f"google.{key}", f"must be more than 0, not {getattr(google, key)}")

    state_dir = Path(resolve(data.get("state_dir", "var")))
    return Config(
        path=path,
        state_dir=state_dir,
        boards=tuple(boards),
        national_recipients=national_recipients,
        email=EmailConfig(backend=backend, sender=sender, smtp=smtp),
        schedule=schedule,
        web=web,
        google=google,
    )


def _refuse_line_breaks(r: _Reader, value: Any, key: str) -> None:
    """No value may hold a line break or other control character: a board name or an address
    goes into e-mail headers, where CR/LF would start a new header line."""
    if isinstance(value, dict):
        for k, v in value.items():
            name = f"{key}.{k}" if key else str(k)
            if isinstance(k, str) and _has_control(k):
                raise r.fail(name, "a key must not hold a line break or control character")
            _refuse_line_breaks(r, v, name)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _refuse_line_breaks(r, v, f"{key}[{i}]")
    elif isinstance(value, str) and _has_control(value):
        raise r.fail(key, f"must not hold a line break or control character: {value!r}")


def _has_control(text: str) -> bool:
    return any(ord(c) < 32 or ord(c) == 127 or c in "\u2028\u2029\x85" for c in text)


def _display(path: Path) -> str:
    """A path under the working folder is shown relative to it, as a person would type it."""
    full = path.resolve()
    try:
        return str(full.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(full)


def _public_url(r: _Reader, value: str | None) -> str | None:
    """``[web] public_url``: an http(s) address with a host and nothing after its path, kept
    without its last ``/``. E-mails put it in links, so anything else (``javascript:``, a space,
    a quote, a query) is refused here rather than written into a message."""
    if value is None:
        return None
    text = value.strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise r.fail(
            "web.public_url",
            f"must be the view's http:// or https:// address, e.g. https://tracker.example.org, "
            f"not {value!r}",
        )
    try:
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        raise r.fail("web.public_url", f"has a port that is not a number: {value!r}") from None
    if parts.username or parts.password or any(c in text for c in "?#"):
        raise r.fail("web.public_url", f"must have no query, fragment or password: {value!r}")
    if any(c in text for c in " \"'<>`\\") or not text.isascii():
        raise r.fail("web.public_url", f"must not hold spaces, quotes or <>: {value!r}")
    return text.rstrip("/")


def _check_addresses(r: _Reader, addresses: tuple[str, ...], key: str) -> None:
    for address in addresses:
        local, _, domain = address.partition("@")
        if not local or "." not in domain or " " in address:
            raise r.fail(key, f"{address!r} is not an e-mail address")


_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def parse_weekly(text: str) -> tuple[str, int, int]:
    """``"mon 08:00"`` -> ("mon", 8, 0); raises ValueError."""
    parts = text.strip().lower().split()
    if len(parts) != 2 or parts[0][:3] not in _DAYS:
        raise ValueError(f'expected a day and a time like "mon 08:00", not {text!r}')
    hour_text, _, minute_text = parts[1].partition(":")
    hour, minute = int(hour_text), int(minute_text or 0)
    if not (0 <= hour < 24 and 0 <= minute < 60):
        raise ValueError(f"{parts[1]!r} is not a time of day")
    return parts[0][:3], hour, minute


def _check_schedule(r: _Reader, schedule: ScheduleConfig) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(schedule.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise r.fail("schedule.timezone", f"unknown time zone {schedule.timezone!r}") from None
    try:
        parse_weekly(schedule.weekly_report)
    except ValueError as exc:
        raise r.fail("schedule.weekly_report", str(exc)) from None
    if schedule.refresh_minutes < 1:
        raise r.fail("schedule.refresh_minutes", "must be at least 1")


def load_config(path: str | Path) -> Config:
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{p}: config file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{p}: not valid TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{p}: cannot read: {exc}") from None
    return parse_config(data, p.resolve())


def find_config(explicit: str | Path | None) -> Path | None:
    """``--config``, else ``$TRACKER_CONFIG``, else ``./tracker.toml`` if present."""
    if explicit:
        return Path(explicit)
    env = os.environ.get(CONFIG_ENV)
    if env:
        return Path(env)
    local = Path.cwd() / DEFAULT_NAME
    return local if local.is_file() else None


def default_config() -> Config:
    """No file at all: no boards, an outbox under ./var."""
    return parse_config({}, None)


def apply_overrides(fw: Framework, board: BoardConfig, where: str = "config") -> Framework:
    """``fw`` with the board's overrides for it; raises :class:`ConfigError` naming the key."""
    mine = {k: v for k, v in board.timescales.items() if k.partition(".")[0] == fw.id}
    if not mine:
        return fw
    rules: dict[str, ParsedRule] = {}
    for key, text in mine.items():
        stage_id = key.partition(".")[2]
        if not fw.has_field(stage_id) or fw.field(stage_id).type is not FieldType.DATE:
            raise ConfigError(
                f"{where}: boards.timescales.{key}: {fw.id} has no dated stage {stage_id!r}"
            )
        try:
            parsed = parse_rule_text(text)
        except RuleSyntaxError as exc:
            raise ConfigError(f"{where}: boards.timescales.{key}: {exc}") from None
        if not fw.has_field(parsed.anchor):
            raise ConfigError(
                f"{where}: boards.timescales.{key}: {fw.id} has no stage {parsed.anchor!r}"
            )
        rules[stage_id] = parsed
    try:
        return with_overrides(fw, rules, board.name)
    except ValueError as exc:
        raise ConfigError(f"{where}: boards.timescales for {board.name}: {exc}") from None


def check_overrides(board: BoardConfig, where: str = "config") -> None:
    """Every key names a known framework of the board's nation and a dated stage; every rule parses."""
    from tracker.optional.actions import actions_framework  # the action rules: any nation's boards

    actions = actions_framework(nation=board.nation)
    known = {f.id: f for f in all_frameworks()} | {actions.id: actions}
    for key in board.timescales:
        fw_id, dot, stage = key.partition(".")
        if not dot or not stage:
            raise ConfigError(f'{where}: boards.timescales.{key}: expected "FRAMEWORK.STAGE"')
        if fw_id not in known:
            raise ConfigError(
                f"{where}: boards.timescales.{key}: unknown framework {fw_id!r} "
                f"(known: {', '.join(sorted(known))})"
            )
        if known[fw_id].nation != board.nation:
            raise ConfigError(
                f"{where}: boards.timescales.{key}: {fw_id} is not a framework of {board.nation}"
            )
        apply_overrides(known[fw_id], board, where)


def board_framework(fw: Framework, board: BoardConfig, where: str = "config") -> Framework:
    """``fw`` as a board uses it: its local timescales and its local counting."""
    return with_counting(apply_overrides(fw, board, where), board.counting)

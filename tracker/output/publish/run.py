"""Publishing: each source's ``Tracker`` sheet written where its officers work.

Called by ``tracker publish`` (always writes) and by the service after every refresh (writes only
what changed: a hash of each source's last written content is kept in the state directory, so a
refresh that changes nothing costs no request and no file write). One source failing to publish
never stops the others, and never stops the read: the results were already taken.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tracker.check import CheckResult, SourceSpec, frameworks_for
from tracker.config import BoardConfig, Config
from tracker.model import Framework
from tracker.output.publish.content import Content, build_content, rule_words
from tracker.sources.base import is_gsheet

log = logging.getLogger("tracker.output.publish")

STATE_DIRNAME = "publish-state"
WRITTEN, UNCHANGED, REFUSED, FAILED, SKIPPED = (
    "written",
    "unchanged",
    "refused",
    "failed",
    "skipped",
)


@dataclass(frozen=True)
class Published:
    """What happened to one source's Tracker sheet, in one line for the CLI and the log."""

    source: str
    outcome: str
    target: str
    message: str

    def line(self) -> str:
        if self.message.startswith(self.source):
            return self.message
        return f"{self.source}: {self.message}"


class PublishState:
    """The hash of what was last written for each source, one small JSON file per source."""

    def __init__(self, state_dir: Path) -> None:
        self.dir = state_dir / STATE_DIRNAME

    def _path(self, source: str) -> Path:
        return self.dir / (hashlib.sha256(source.encode("utf-8")).hexdigest()[:24] + ".json")

    def get(self, source: str) -> dict[str, Any]:
        try:
            data = json.loads(self._path(source).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def put(self, source: str, **entry: Any) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.dir, prefix=".writing-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump({"source": source, **entry}, fh)
            os.replace(tmp, self._path(source))
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def _summary(content: Content) -> str:
    return (
        f"{content.overdue} overdue, {content.due} due, {content.done} done in 12 months, "
        f"{content.problems} data problem{'s' if content.problems != 1 else ''}"
    )


def publish_results(
    result: CheckResult,
    specs: Sequence[SourceSpec],
    config: Config | None = None,
    *,
    state_dir: Path | None = None,
    force: bool = False,
    now: datetime | None = None,
    check: Mapping[str, Any] | None = None,
) -> list[Published]:
    """Publish each source whose board allows it; ``force`` writes even when nothing changed."""
    now = now or datetime.now(UTC)
    check = check if check is not None else result.to_json()
    state = PublishState(state_dir) if state_dir is not None else None
    out: list[Published] = []
    for spec in specs:
        if spec.board is not None and not spec.board.publish:
            message = f"not published: {spec.board.name} has publish = false in the config"
            out.append(Published(spec.source, SKIPPED, "", message))
            continue
        out.append(_publish_one(result, check, spec, config, state, force, now))
    return out


def _actions_rules(board: BoardConfig | None) -> Framework:
    """The action rules as the board has them (an ``actions.completed`` override), for their words."""
    from tracker.config import board_framework
    from tracker.optional.actions import actions_framework  # the rules of every board's actions

    if board is None:
        return actions_framework()
    return board_framework(actions_framework(nation=board.nation), board)


def _publish_one(
    result: CheckResult,
    check: Mapping[str, Any],
    spec: SourceSpec,
    config: Config | None,
    state: PublishState | None,
    force: bool,
    now: datetime,
) -> Published:
    source = spec.source
    if any(m.startswith(f"{source}:") for m in result.unusable):
        return Published(source, SKIPPED, "", "not published: the source could not be read")
    board = spec.board
    content = build_content(
        check,
        source,
        board=board.name if board else None,
        rules=rule_words((*frameworks_for(board), _actions_rules(board))),
    )
    if is_gsheet(source):
        from tracker.sources.gsheet import spreadsheet_key

        target = f"{source} (Tracker tab)"
        key = spreadsheet_key(source)
    else:
        from tracker.output.publish.workbook import companion_path

        target = str(companion_path(source, board.publish_dir if board else None))
        key = ""
    fingerprint = content.fingerprint()
    previous = state.get(source) if state else {}
    if not force and previous.get("hash") == fingerprint and previous.get("target") == target:
        if previous.get("outcome") == REFUSED:
            return Published(source, REFUSED, target, "not written (refused before; unchanged)")
        return Published(source, UNCHANGED, target, f"{target}: unchanged")
    try:
        if is_gsheet(source):
            _write_tab(result, source, key, content, config, now)
        else:
            from tracker.output.publish.workbook import write_companion

            write_companion(content, Path(target), now)
    except Exception as exc:
        from tracker.output.publish.gsheet import PublishError

        refused = isinstance(exc, PublishError) and exc.refused
        message = str(exc) if isinstance(exc, PublishError) else _os_message(target, exc)
        if not message.startswith(source):
            message = f"{source}: {message}"
        log.warning("%s", message)  # names files, sheets and reasons: never a cell's content
        if state and refused:
            state.put(source, hash=fingerprint, target=target, outcome=REFUSED, at=now.isoformat())
        return Published(source, REFUSED if refused else FAILED, target, message)
    if state:
        state.put(source, hash=fingerprint, target=target, outcome=WRITTEN, at=now.isoformat())
    log.info("published %s to %s (%s)", source, target, _summary(content))
    return Published(
        source, WRITTEN, target, f"Tracker sheet written to {target} ({_summary(content)})"
    )


def _os_message(target: str, exc: Exception) -> str:
    if isinstance(exc, OSError):
        return f"{target} was not written: {exc.strerror or exc}"
    return f"{target} was not written: {type(exc).__name__}: {exc}"


def _write_tab(
    result: CheckResult,
    source: str,
    key: str,
    content: Content,
    config: Config | None,
    now: datetime,
) -> None:
    from tracker.output.publish.gsheet import PublishError, publish_tab
    from tracker.sources.google_api import GSheetSettings

    sheet_ids = result.sheet_ids.get(source)
    if sheet_ids is None:
        raise PublishError(f"{source}: the Tracker tab was not written: the sheet was not read")
    google = config.google if config else None
    publish_tab(
        key,
        content,
        sheet_ids,
        now,
        credentials=google.credentials if google else None,
        settings=GSheetSettings.from_config(google) if google else None,
    )

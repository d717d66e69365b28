"""Width, colour and progress follow the real terminal (a pseudo-terminal here), never a pipe."""

from __future__ import annotations

import fcntl
import io
import os
import select
import struct
import termios
from collections.abc import Iterator
from typing import TextIO

import pytest

from tracker.cli.terminal import (
    PLAIN_WIDTH,
    Progress,
    colour_enabled,
    paint_status,
    plural,
    width,
)


@pytest.fixture
def tty() -> Iterator[tuple[TextIO, int]]:
    """A real pseudo-terminal 200 columns wide: (the terminal side as a stream, the reading fd)."""
    reader, writer = os.openpty()
    fcntl.ioctl(writer, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 200, 0, 0))
    stream = os.fdopen(writer, "w", encoding="utf-8")
    try:
        yield stream, reader
    finally:
        stream.close()
        os.close(reader)


def test_a_pipe_or_file_gets_the_plain_width_and_no_colour(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    buffer = io.StringIO()
    assert width(buffer) == PLAIN_WIDTH
    assert not colour_enabled(buffer)


def test_a_terminal_gets_its_own_width_and_colour(
    tty: tuple[TextIO, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    stream, _ = tty
    assert width(stream) == 200
    assert colour_enabled(stream)
    monkeypatch.setenv("COLUMNS", "132")
    assert width(stream) == 132


def test_no_color_is_honoured_on_a_terminal(
    tty: tuple[TextIO, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    assert not colour_enabled(tty[0])
    assert paint_status("OVERDUE", "overdue", enabled=False) == "OVERDUE"
    assert paint_status("OVERDUE", "overdue", enabled=True) == "\x1b[31;1mOVERDUE\x1b[0m"


def test_progress_shows_on_a_terminal_for_many_sources_and_clears_its_line(
    tty: tuple[TextIO, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    stream, reader = tty
    with Progress(6, stream=stream) as progress:
        for i in range(6):
            progress.step(f"board-{i}.xlsx")
    stream.flush()
    chunks = []
    while select.select([reader], [], [], 0.5)[0]:
        chunks.append(os.read(reader, 65536))
    seen = b"".join(chunks).decode()
    assert "[" in seen and "0/6 sources board-0.xlsx" in seen and "5/6 sources board-5.xlsx" in seen
    assert seen.endswith("\r\x1b[2K")  # the results start on a clean line


def test_progress_stays_silent_off_a_terminal_and_for_a_quick_few() -> None:
    buffer = io.StringIO()
    with Progress(50, stream=buffer) as progress:
        progress.step("a.xlsx")
    assert buffer.getvalue() == ""


def test_plurals() -> None:
    assert plural(1, "error") == "1 error"
    assert plural(2, "sheet") == "2 sheets"
    assert plural(0, "review") == "0 reviews"
    assert plural(1, "review cannot", "reviews cannot") == "1 review cannot"

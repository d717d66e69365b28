"""What the command line knows about the terminal it writes to: width, colour, progress, plurals.

Output written to a file or a pipe stays plain and 100 columns wide, so scripts and tests see the
same text on every machine; only a terminal gets its own width, colour (unless ``NO_COLOR`` is set:
https://no-color.org) and a progress bar. Progress goes to stderr, so it never mixes with results.
"""

from __future__ import annotations

import os
import sys
import time
from types import TracebackType
from typing import TextIO

#: width of output that is not going to a terminal (files, pipes, tests)
PLAIN_WIDTH = 100
#: narrower than this and tables stop being readable: wrap instead of squeezing further
MIN_WIDTH = 60
#: a progress bar appears for this many sources or more, or once a run has taken this long
MANY_SOURCES = 5
SLOW_SECONDS = 1.0

_COLOURS = {"red": 31, "green": 32, "yellow": 33, "blue": 34, "magenta": 35, "cyan": 36}
#: a status's colour in tables: what needs action stands out, what is fine is quiet
STATUS_COLOURS = {
    "overdue": ("red", True),
    "not_met": ("red", True),
    "late": ("yellow", False),
    "early": ("yellow", False),
    "pending": ("cyan", False),
    "paused": ("blue", False),
    "on_time": ("green", False),
    "met": ("green", False),
}


def is_terminal(stream: TextIO | None = None) -> bool:
    stream = stream or sys.stdout
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def width(stream: TextIO | None = None) -> int:
    """The terminal's columns (``$COLUMNS`` wins), or 100 when not writing to a terminal."""
    stream = stream or sys.stdout
    if not is_terminal(stream):
        return PLAIN_WIDTH
    env = os.environ.get("COLUMNS", "")
    if env.isdigit() and int(env) > 0:
        columns = int(env)
    else:
        try:
            columns = os.get_terminal_size(stream.fileno()).columns or PLAIN_WIDTH
        except (OSError, ValueError, AttributeError):
            columns = PLAIN_WIDTH
    return max(columns, MIN_WIDTH)


def colour_enabled(stream: TextIO | None = None) -> bool:
    """Colour only on a terminal, and never when ``NO_COLOR`` is set to anything non-empty."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("TERM") == "dumb":
        return False
    return is_terminal(stream)


def paint(text: str, colour: str | None, *, bold: bool = False, enabled: bool = True) -> str:
    """``text`` in an ANSI colour; unchanged when colour is off (so widths stay as typed)."""
    if not enabled or (colour is None and not bold):
        return text
    codes = ([str(_COLOURS[colour])] if colour else []) + (["1"] if bold else [])
    return f"\x1b[{';'.join(codes)}m{text}\x1b[0m"


def paint_status(text: str, status: str, *, enabled: bool) -> str:
    colour, bold = STATUS_COLOURS.get(status, (None, False))
    return paint(text, colour, bold=bold, enabled=enabled)


def plural(n: int, word: str, many: str | None = None) -> str:
    """``1 error``, ``2 errors``, ``1 review cannot``... (``many`` for irregular words)."""
    return f"{n} {word if n == 1 else (many or word + 's')}"


class Progress:
    """A one-line progress bar on stderr while sources are read, on a terminal only.

    It shows itself when there are many sources or once the run has taken more than a second,
    and clears its line when done so the results start on a clean line.
    """

    def __init__(self, total: int, what: str = "source", stream: TextIO | None = None) -> None:
        self.total = total
        self.what = what
        self.stream = stream or sys.stderr
        self.enabled = is_terminal(self.stream) and total > 1
        self.started = time.monotonic()
        self.shown = False
        self.done = 0

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.clear()

    def _visible(self) -> bool:
        if not self.enabled:
            return False
        return (
            self.shown
            or self.total >= MANY_SOURCES
            or time.monotonic() - self.started > SLOW_SECONDS
        )

    def step(self, name: str) -> None:
        """Say that ``name`` is being read now (``done`` of ``total`` finished before it)."""
        if self._visible():
            self._draw(name)
        self.done += 1

    def _draw(self, name: str) -> None:
        columns = width(self.stream)
        noun = self.what if self.total == 1 else self.what + "s"
        counter = f" {self.done}/{self.total} {noun} "
        bar_width = max(10, min(30, columns // 4))
        filled = bar_width * self.done // max(self.total, 1)
        bar = "[" + "#" * filled + "-" * (bar_width - filled) + "]"
        room = columns - len(bar) - len(counter) - 2
        label = name if len(name) <= room else "…" + name[-(room - 1) :] if room > 1 else ""
        self.stream.write("\r\x1b[2K" + bar + counter + label)
        self.stream.flush()
        self.shown = True

    def clear(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()
            self.shown = False


def uk_date(iso: str | None) -> str:
    """An ISO date as every output prints it (31/12/2024); kept here, light to import, so
    ``tracker frameworks`` need not load the check pipeline."""
    if not iso:
        return ""
    y, m, d = iso.split("-")
    return f"{d}/{m}/{y}"

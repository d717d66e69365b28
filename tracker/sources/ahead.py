"""Read the next workbooks while this one is validated: files in order, each read on a thread.

python-calamine parses a workbook and turns its cells into Python values without holding the GIL
(NOTES.md; ``bench/check.py`` measures a bare read of 20 workbooks in two threads at half the time of
one), so a reading thread runs on another core while the caller locates, parses and validates the
workbook before it. A national run of 100,000 reviews in 20 workbooks reads for about 1.8 s; read
ahead, that time is spent beside validation instead of before it.

What a reader raises (:class:`~tracker.sources.base.SourceError` for a file that cannot be used, or
anything else) is raised again where the caller asks for that source's result, so each source's
outcome is reported in its own place in the run, exactly as if it had been read then.

Only a few reads are ever ahead (``window``): a national run still holds a handful of workbooks'
raw cells at a time, not all of them. Google Sheets are not read ahead: their requests are paced to
the account's quota (tracker.sources.pacing), and keeping them in order keeps that pacing simple.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from typing import TypeVar

from tracker.sources.base import is_gsheet

T = TypeVar("T")
R = TypeVar("R")

#: Two reading threads keep both cores of a small server busy; more gain nothing on such a machine
#: and hold more workbooks in memory at once.
READERS = 2
#: Reads started ahead of the one the caller is using (each holds one workbook's raw cells). Four
#: rather than two: the readers wait for the GIL between calamine's calls while the caller
#: validates, so a deeper queue keeps the caller from waiting on them (a 10,000-review run in 20
#: workbooks 0.57 -> 0.54 s, 100,000 2.01 -> 1.91 s, peak memory the same; bench/check.py)
WINDOW = 4


def read_ahead(
    items: Sequence[T],
    source_of: Callable[[T], str],
    read: Callable[[T], R],
    *,
    readers: int = READERS,
    window: int = WINDOW,
) -> Iterator[tuple[T, Callable[[], R]]]:
    """Each item with a call that gives its read's result (or raises what the read raised), in the
    order given.

    Local files are read on ``readers`` threads, at most ``window`` beyond the item the caller
    holds; a Google Sheet is read only when the caller asks for its result. With one file, or
    ``readers`` of 0, everything is read in order in the caller's thread.
    """
    local = [i for i, item in enumerate(items) if not is_gsheet(source_of(item))]
    if readers < 1 or len(local) < 2:
        for item in items:
            yield item, partial(read, item)
        return
    with ThreadPoolExecutor(readers, thread_name_prefix="tracker-read") as pool:
        futures: dict[int, Future[R]] = {}
        queue = iter(local)

        def top_up(upto: int) -> None:
            """Start reads until ``window`` are ahead of position ``upto`` (the caller's)."""
            while sum(1 for k in futures if k > upto) < window:
                nxt = next(queue, None)
                if nxt is None:
                    return
                futures[nxt] = pool.submit(read, items[nxt])

        try:
            top_up(-1)
            for i, item in enumerate(items):
                future = futures.pop(i, None)
                top_up(i)
                # a Google Sheet is read in order, in the caller's thread, when it asks
                yield item, (partial(read, item) if future is None else future.result)
        finally:
            # the caller stopped early (an error, a closed generator): reads not begun are dropped
            for future in futures.values():
                future.cancel()

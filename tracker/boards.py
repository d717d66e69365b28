"""Which board a review belongs to: decided by the config, never by a cell.

The Board column is typed by hand. Taking it as typed would let one board's officer file a review
under another board (shown to that board's users, e-mailed to them) or, by a typo, hide it from
their own board. With a config, a review belongs to the board whose ``sources`` hold its source;
when several boards name the same source, the Board cell chooses among those boards only. A cell
naming any other board is a located error (``board-mismatch``) and the review stays with the
source's (first) board. Checking, the e-mail and the web view all ask :func:`resolve_board`.
"""

from __future__ import annotations

from collections.abc import Mapping

from tracker.config import Config


def source_owners(config: Config) -> dict[str, tuple[str, ...]]:
    """Every source the config names -> the boards that name it, in file order."""
    owners: dict[str, list[str]] = {}
    for source, board in config.source_boards():
        names = owners.setdefault(source, [])
        if board.name not in names:
            names.append(board.name)
    return {source: tuple(names) for source, names in owners.items()}


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


def resolve_board(typed: str | None, owners: tuple[str, ...]) -> tuple[str | None, bool]:
    """(the review's board, whether the cell named a board it may not name).

    ``owners`` are the boards whose sources hold the review's source; none means no config
    speaks for the source, and the cell is taken as typed. Case and spacing do not matter.
    """
    if not owners:
        return typed, False
    if typed is None or not typed.strip():
        return owners[0], False
    wanted = _key(typed)
    for name in owners:
        if _key(name) == wanted:
            return name, False
    return owners[0], True


def board_of(item: Mapping[str, object], owners: Mapping[str, tuple[str, ...]]) -> str | None:
    """The board of a review (or a problem) of the check JSON, by its source first."""
    typed = item.get("board")
    found, _ = resolve_board(
        typed if isinstance(typed, str) else None, owners.get(str(item.get("source")), ())
    )
    return found

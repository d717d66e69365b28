"""Find review frameworks through the ``tracker.frameworks`` entry-point group.

The built-in frameworks in ``nations/`` are found the same way as a third party's, so the
conformance tests that run over the registry cover both.
"""

from __future__ import annotations

import difflib
from functools import lru_cache
from importlib.metadata import entry_points

from tracker.model import Framework

GROUP = "tracker.frameworks"


class FrameworkLoadError(RuntimeError):
    pass


@lru_cache(maxsize=1)
def _load() -> tuple[Framework, ...]:
    found: dict[str, Framework] = {}
    for ep in entry_points(group=GROUP):
        try:
            framework = ep.load()
        except Exception as exc:  # a broken plugin must say which one it is
            raise FrameworkLoadError(
                f"framework plugin {ep.name!r} ({ep.value}) failed: {exc}"
            ) from exc
        if not isinstance(framework, Framework):
            raise FrameworkLoadError(f"framework plugin {ep.name!r} is not a Framework")
        if framework.id != ep.name:
            raise FrameworkLoadError(
                f"framework plugin {ep.name!r} declares id {framework.id!r}: they must agree"
            )
        if framework.id in found and found[framework.id] != framework:
            raise FrameworkLoadError(f"two plugins register framework {framework.id!r}")
        found[framework.id] = framework
    sheets = [f.sheet.casefold() for f in found.values()]
    dupes = {s for s in sheets if sheets.count(s) > 1}
    if dupes:
        raise FrameworkLoadError(f"two frameworks use the sheet title(s) {sorted(dupes)}")
    return tuple(sorted(found.values(), key=lambda f: f.id))


def all_frameworks() -> tuple[Framework, ...]:
    return _load()


def _normal(text: str) -> str:
    """``England SCR``, ``England-SCR`` and ``england_scr`` all name ``england-scr``."""
    return "-".join(text.replace("_", " ").replace("-", " ").casefold().split())


def get_framework(framework_id: str) -> Framework:
    """The framework with this id, in any case (a sheet title works too); a ``KeyError`` that
    suggests the closest id for a typo."""
    for framework in _load():
        if framework.id == framework_id:
            return framework
    wanted = _normal(framework_id)
    for framework in _load():
        if wanted in (framework.id, _normal(framework.sheet)):
            return framework
    ids = [f.id for f in _load()]
    close = difflib.get_close_matches(wanted, ids, n=1, cutoff=0.6)
    hint = f": did you mean {close[0]}?" if close else ""
    raise KeyError(f"unknown framework {framework_id!r}{hint} (known: {', '.join(ids)})")


def frameworks_for_nation(nation: str) -> tuple[Framework, ...]:
    return tuple(f for f in _load() if f.nation == nation)


def reload() -> None:
    """Forget what was found (tests that install a plugin at run time)."""
    _load.cache_clear()

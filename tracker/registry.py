"""Find review frameworks through the ``tracker.frameworks`` entry-point group.

The built-in frameworks in ``nations/`` are found the same way as a third party's, so the
conformance tests that run over the registry cover both.
"""

from __future__ import annotations

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


def get_framework(framework_id: str) -> Framework:
    for framework in _load():
        if framework.id == framework_id:
            return framework
    known = ", ".join(f.id for f in _load())
    raise KeyError(f"unknown framework {framework_id!r} (known: {known})")


def frameworks_for_nation(nation: str) -> tuple[Framework, ...]:
    return tuple(f for f in _load() if f.nation == nation)


def reload() -> None:
    """Forget what was found (tests that install a plugin at run time)."""
    _load.cache_clear()

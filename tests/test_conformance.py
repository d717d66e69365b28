"""Conformance: every registered framework is well formed, and the built-in ones say exactly what
frameworks.md says (a copy of the spec is kept in tests/data so this runs from any checkout)."""

from __future__ import annotations

import re
import sys
import textwrap
from datetime import date
from pathlib import Path

import pytest

from tracker.frameworks import registry
from tracker.frameworks.describe import frameworks_json
from tracker.frameworks.registry import all_frameworks, get_framework
from tracker.model import Framework, RuleKind

SPEC = Path(__file__).parent / "data" / "frameworks.md"
BUILT_IN = [
    "england-scr",
    "wales-cpr",
    "ni-cmr",
    "scotland-scr",
    "england-lcspr",
    "scotland-lr",
    "wales-susr",
]


@pytest.mark.parametrize("fw", all_frameworks(), ids=lambda f: f.id)
def test_every_registered_framework_conforms(fw: Framework) -> None:
    assert fw.check() == []
    headers = [" ".join(f.header.casefold().split()) for f in fw.all_fields]
    assert len(headers) == len(set(headers)), "headers must be unique"
    assert fw.calendar in ("ENG", "WLS", "SCT", "NIR")
    assert fw.sources, "a framework names its source documents"
    for stage in fw.stages:
        assert stage.rules or stage.untimed, f"{stage.id} has no rule and is not marked untimed"
        for rule in stage.rules:
            assert rule.citation.strip(), f"{stage.id}: citation missing"
            assert fw.has_field(rule.anchor)
    required = [f for f in fw.all_fields if f.required]
    assert [f.id for f in required][0] == "review_id" and len(required) == 2


def test_sheet_titles_are_unique_across_frameworks() -> None:
    titles = [f.sheet.casefold() for f in all_frameworks()]
    assert len(titles) == len(set(titles))


def test_the_built_in_frameworks_are_registered_through_the_entry_point_group() -> None:
    from importlib.metadata import entry_points

    names = {ep.name: ep.value for ep in entry_points(group="tracker.frameworks")}
    for fid in BUILT_IN:
        assert names[fid].startswith("nations.")
    assert [f.id for f in all_frameworks()] == sorted(BUILT_IN)


def test_a_third_party_framework_is_found_through_the_same_entry_point_group(
    tmp_path: Path,
) -> None:
    package = tmp_path / "acme_reviews"
    package.mkdir()
    (package / "__init__.py").write_text(
        textwrap.dedent("""
        from nations._common import LOCAL, TO_CONFIRM, date, rule
        from tracker.model import Framework, Stage
        FRAMEWORK = Framework(
            id="acme-test", title="Acme test review", nation="england", calendar="ENG",
            sheet="Acme Test", board_kind="Test board", sources=("Acme guidance",),
            fields=(date("opened", "Date opened", required=True), date("closed", "Date closed")),
            stages=(Stage("opened", untimed=True),
                    Stage("closed", (rule("closed", "within 10 working days after opened",
                                          basis=LOCAL, must=False, confidence=TO_CONFIRM,
                                          citation="Acme procedures 1.2"),))),
        )
    """)
    )
    dist = tmp_path / "acme_reviews-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-reviews\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "[tracker.frameworks]\nacme-test = acme_reviews:FRAMEWORK\n"
    )
    sys.path.insert(0, str(tmp_path))
    registry.reload()
    try:
        fw = get_framework("acme-test")
        assert fw.stage("closed").rules[0].amount == 10
        assert fw.check() == []
        assert "acme-test" in [d["id"] for d in frameworks_json()]
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("acme_reviews", None)
        registry.reload()
    assert "acme-test" not in [f.id for f in all_frameworks()]


def test_a_broken_plugin_is_named_in_the_error(tmp_path: Path) -> None:
    dist = tmp_path / "broken-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: broken\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "[tracker.frameworks]\nbroken = no_such_module:FRAMEWORK\n"
    )
    sys.path.insert(0, str(tmp_path))
    registry.reload()
    try:
        with pytest.raises(registry.FrameworkLoadError, match="'broken'"):
            all_frameworks()
    finally:
        sys.path.remove(str(tmp_path))
        registry.reload()


# ---- the built-in frameworks against the spec ----------------------------------------------------


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def _spec_sections() -> dict[str, tuple[list[list[str]], list[list[str]], str]]:
    """framework id -> (field rows, rule rows, the section's text)."""
    text = SPEC.read_text(encoding="utf-8")
    sections: dict[str, tuple[list[list[str]], list[list[str]], str]] = {}
    parts = re.split(r"^#{2,3} ([a-z]+-[a-z]+) — ", text, flags=re.M)
    for fid, body in zip(parts[1::2], parts[2::2], strict=True):
        body = re.split(r"^## ", body, flags=re.M)[0]
        tables: list[list[list[str]]] = []
        current: list[list[str]] = []
        for line in body.splitlines():
            if line.startswith("|"):
                if not set(line.replace("|", "").strip()) <= set("- "):
                    current.append(_cells(line))
            elif current:
                tables.append(current)
                current = []
        if current:
            tables.append(current)
        sections[fid] = (tables[0][1:], tables[1][1:], body)
    return sections


SPEC_SECTIONS = _spec_sections()


def test_the_spec_copy_covers_every_built_in_framework() -> None:
    assert sorted(SPEC_SECTIONS) == sorted(BUILT_IN)


def test_the_spec_copy_matches_the_shared_one_when_it_is_beside_the_checkout() -> None:
    shared = Path(__file__).resolve().parents[2] / "shared" / "frameworks.md"
    if shared.exists():  # in CI and in the workplace; a bare clone has only the copy
        assert shared.read_text(encoding="utf-8") == SPEC.read_text(encoding="utf-8")


@pytest.mark.parametrize("fid", BUILT_IN)
def test_fields_are_exactly_as_frameworks_md_gives_them(fid: str) -> None:
    fw = get_framework(fid)
    fields, _, body = SPEC_SECTIONS[fid]
    assert [r[0] for r in fields] == [f.id for f in fw.fields]
    for (_field_id, header, kind), f in zip(fields, fw.fields, strict=True):
        assert header == f.header
        assert kind.split(":")[0].replace(" (required)", "") == f.type.value
        assert ("(required)" in kind) == f.required
        if kind.startswith("choice:"):
            assert tuple(re.findall(r"`([^`]+)`", kind)) == f.choices
    sheet = re.search(r"Sheet `([^`]+)`; calendar `([A-Z]+)`", body)
    assert sheet is not None and sheet.groups() == (fw.sheet, fw.calendar)


@pytest.mark.parametrize("fid", BUILT_IN)
def test_rules_are_exactly_as_frameworks_md_gives_them(fid: str) -> None:
    fw = get_framework(fid)
    _, spec_rules, _ = SPEC_SECTIONS[fid]
    ours = list(fw.rules)
    assert len(ours) == len(spec_rules)
    for rule, (stage, text, when, basis, must, confidence, citation) in zip(
        ours, spec_rules, strict=True
    ):
        assert rule.stage == stage
        if rule.kind is RuleKind.CHOICE_AGREES:
            assert f"`{rule.if_yes}` when {rule.anchor} is yes" in text
            assert f"`{rule.if_no}` when no" in text
        else:
            assert rule.text() == text.replace("1 months", "1 month")
        spec_when = when.replace("Concise or Extended", "Concise CPR or Extended CPR")
        assert rule.applies_text() == spec_when
        assert rule.basis.value == basis
        assert rule.must_label() == must
        assert rule.confidence.value == confidence
        if citation:
            assert rule.citation == citation
        else:  # the spec gives none: the framework's document is cited and that is said
            assert rule.citation.endswith("(no passage cited)")


_MONTHS = {
    m: i
    for i, m in enumerate(
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], 1
    )
}


def _spec_day(text: str) -> date:
    day, month, year = text.split()
    return date(int(year), _MONTHS[month[:3]], int(day))


@pytest.mark.parametrize("fid", BUILT_IN)
def test_in_force_windows_are_exactly_as_frameworks_md_gives_them(fid: str) -> None:
    fw = get_framework(fid)
    _, _, body = SPEC_SECTIONS[fid]
    text = " ".join(body.split())
    found = re.search(r"In force: (from|until) (\d+ \w+ \d{4}) \((\w+)[;), ]", text)
    assert found is not None and fw.in_force is not None
    kind, day, key = found.groups()
    window = fw.in_force
    if kind == "from":
        assert (window.start, window.end) == (_spec_day(day), None)
    else:
        assert (window.start, window.end) == (None, _spec_day(day))
    if key != "SI":  # England SCR's window is keyed on its first stage, notified
        assert window.field == key
    else:
        assert window.field == "notified"
    successor = re.search(r"Successor: `([^`]+)`", text)
    predecessor = re.search(r"Predecessor: `([^`]+)`", text)
    assert window.successor == (successor.group(1) if successor else None)
    assert window.predecessor == (predecessor.group(1) if predecessor else None)
    for sheet in (window.successor, window.predecessor):
        assert sheet is None or sheet in {f.sheet for f in all_frameworks()}

"""Human names where people read (tracker.web.words); ids stay in the JSON and the API."""

from __future__ import annotations

import html as html_lib
import re
from pathlib import Path

import pytest

from tests.web_fixtures import WebEnv, fresh_env, signed_in
from tracker.frameworks.describe import describe_rule
from tracker.frameworks.registry import all_frameworks, get_framework
from tracker.web.words import (
    confidence_label,
    field_label,
    framework_title,
    human_text,
    problem_title,
)

#: every field id written in snake_case, the form that must not reach a page's text
FIELD_IDS = {f.id for fw in all_frameworks() for f in fw.all_fields if "_" in f.id}


@pytest.fixture
def web_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> WebEnv:
    return fresh_env(tmp_path, monkeypatch)


def test_framework_titles_problem_titles_and_confidence() -> None:
    assert framework_title("scotland-lr") == (
        "Scotland: Learning review (2021 national guidance, updated 2024)"
    )
    assert framework_title("scotland-lr", short=True).startswith("Learning review")
    assert framework_title("made-up") == "made-up"  # a typo in a sheet stays visible
    assert problem_title("us-date-order") == "US date order"
    assert problem_title("no-such-slug") == "no-such-slug"
    assert confidence_label("confirmed (seed)") == "Confirmed (original rule list)"
    assert confidence_label("to confirm") == "To confirm"


def test_citations_and_notes_name_fields_by_their_headers() -> None:
    lcspr = get_framework("england-lcspr")
    text = "a board may move the anchor to partners_notified or la_aware"
    assert human_text(text, "england-lcspr") == (
        f"a board may move the anchor to {lcspr.label('partners_notified')} or "
        f"{lcspr.label('la_aware')}"
    )
    # each framework's own header: reviewer_appointed is worded differently in England and Wales
    assert field_label("reviewer_appointed", "england-scr") == "Date lead reviewer appointed"
    assert field_label("reviewer_appointed", "wales-cpr") == "Date reviewer(s) appointed"
    # ordinary words are never taken for ids, even where a field is called that ("decision")
    assert human_text("the decision is made", "england-scr") == "the decision is made"


def test_must_be_yes_rules_are_written_with_the_stage_label() -> None:
    scr = get_framework("england-scr")
    rule = next(r for r in scr.stage("reviewer_independent").rules)
    assert rule.text() == "must be yes (once reviewer_appointed has a date)"  # the contract
    assert describe_rule(rule, scr) == (
        "must be yes (once Date lead reviewer appointed has a date) (when Decision is Initiate SCR)"
    )


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/overdue",
        "/due-soon",
        "/paused",
        "/problems",
        "/frameworks",
        "/boards/Northshire%20LSCB",
        "/boards/Highland%20Child%20Protection%20Committee",
        "/reviews/NS-2023-01",
        "/reviews/NS%2F2023%2F02",
        "/reviews/HC-2023-01",
        "/search?q=NS",
    ],
)
def test_no_field_id_slug_or_seed_reaches_a_page(web_env: WebEnv, path: str) -> None:
    html = signed_in(web_env, "inspector").get(path).get_data(as_text=True)
    main = html.split('id="main-content"', 1)[1]
    # what people read: the text between tags, not ids in links, names or attributes
    words = html_lib.unescape(re.sub(r"<[^>]+>", " ", main))
    leaked = {w for w in re.findall(r"[a-z][a-z0-9_]+", words) if w in FIELD_IDS}
    assert not leaked, leaked
    for slug in ("england-scr", "scotland-scr", "(seed)", "impossible-date"):
        assert slug not in words, slug


def test_the_api_keeps_the_ids(web_env: WebEnv) -> None:
    client = signed_in(web_env, "inspector")
    reviews = client.get("/api/reviews").get_json()["reviews"]
    assert {r["framework"] for r in reviews} == {"england-scr", "scotland-scr"}
    frameworks = client.get("/api/frameworks").get_json()
    scr = next(f for f in frameworks if f["id"] == "england-scr")
    rules = [r for s in scr["stages"] for r in s["rules"]]
    assert "must be yes (once reviewer_appointed has a date)" in {r["text"] for r in rules}
    assert "confirmed (seed)" in {r["confidence"] for r in rules}
    problems = client.get("/api/problems").get_json()["problems"]
    assert "impossible-date" in {p["type"] for p in problems}

"""ICS text: escaping and 75-octet folding (RFC 5545)."""

from __future__ import annotations

from tracker.web.feeds import fold, ics_text


def test_escaping() -> None:
    assert ics_text("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"


def test_folding_keeps_characters_whole() -> None:
    line = "SUMMARY:" + "é" * 80
    folded = fold(line)
    parts = folded.split("\r\n ")
    assert all(len(p.encode("utf-8")) <= 75 for p in parts)
    assert "".join(parts) == line
    assert fold("SHORT:x") == "SHORT:x"

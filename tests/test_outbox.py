"""The outbox: fixed names, atomic writes, sent messages moved aside."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import pytest

from tracker.mail.outbox import Outbox, OutboxError, filename_for, slug


def _message(subject: str) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = "tracker@example.org"
    msg["To"] = "a@example.org"
    msg.set_content("body")
    return msg


def test_names_are_fixed_by_week_and_scope() -> None:
    assert slug("Northshire LSCB") == "northshire-lscb"
    assert slug("Ynys Môn & Gwynedd") == "ynys-mon-gwynedd"
    assert slug("***") == "board"
    assert filename_for("2024-W09", "national") == "2024-W09--national.eml"


def test_writing_twice_replaces_rather_than_queueing_a_duplicate(tmp_path: Path) -> None:
    box = Outbox(tmp_path)
    box.put("2024-W09--a.eml", _message("first"))
    box.put("2024-W09--a.eml", _message("second"))
    assert [p.name for p in box.waiting()] == ["2024-W09--a.eml"]
    read = box.read("2024-W09--a.eml")
    assert read is not None and read["Subject"] == "second"
    assert not list((tmp_path / "outbox").glob(".writing-*"))


def test_sent_messages_move_out_of_the_queue(tmp_path: Path) -> None:
    box = Outbox(tmp_path)
    box.put("2024-W09--a.eml", _message("x"))
    target = box.move_to_sent("2024-W09--a.eml")
    assert target == tmp_path / "outbox" / "sent" / "2024-W09--a.eml"
    assert box.waiting() == []
    assert box.read("2024-W09--a.eml") is None


def test_an_unwritable_outbox_says_which_file_and_why(tmp_path: Path) -> None:
    (tmp_path / "outbox").write_text("a file where the folder should be")
    with pytest.raises(OutboxError) as info:
        Outbox(tmp_path).put("2024-W09--a.eml", _message("x"))
    assert str(tmp_path / "outbox") in info.value.strerror
    assert "cannot write the outbox" in info.value.strerror

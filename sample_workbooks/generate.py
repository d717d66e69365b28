"""Build the synthetic sample workbooks (run: ``python sample_workbooks/generate.py``).

Every board, id and date here is invented. Reviews are simulated from each framework's rules
(``tracker.frameworks.synthetic``) with a fixed seed, so the files are reproducible; a few cells are typed as
officers really type them (UK text dates) and two carry deliberate mistakes, so ``tracker validate``
has something to show.

The committed samples are built as of 30 June 2024 so tests can pin their results. The demo
(``make run``) builds a fresh copy around today instead (``--as-of today --out var/demo``): the same
reviews shifted in time, so stages fall due soon in the demo as they would in a real board's week.
"""

from __future__ import annotations

import argparse
import os
import random
import re
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from tracker.calendars import add_months, add_working_days
from tracker.cli.templates import create_template
from tracker.frameworks.registry import get_framework
from tracker.frameworks.synthetic import simulate_review, synthetic_rows
from tracker.model import Framework
from tracker.optional.actions import SPEC as ACTIONS
from tracker.optional.pauses import SPEC as PAUSES

HERE = Path(__file__).parent
AS_OF = date(2025, 3, 31)
#: how far back the first review may start: kept relative so a build as of any day looks alike
SPAN = AS_OF - date(2022, 1, 1)
CONFIG = "tracker.toml"

BOARDS = [
    # file, board, [(framework, id prefix, count)]
    (
        "northshire.xlsx",
        "Northshire LSCB",
        [("england-scr", "NS", 16), ("england-lcspr", "NSP", 14)],
    ),
    ("eastmarch.xlsx", "Eastmarch Safeguarding Partnership", [("england-lcspr", "EM", 14)]),
    (
        "westmere.xlsx",
        "Westmere Regional Safeguarding Board",
        [("wales-cpr", "WM", 15), ("wales-susr", "WMS", 12)],
    ),
    ("lowmoor.xlsx", "Lowmoor Safeguarding Panel", [("ni-cmr", "LM", 15)]),
    (
        "glenmoor.xlsx",
        "Glenmoor Child Protection Committee",
        [("scotland-scr", "GM", 15), ("scotland-lr", "GML", 13)],
    ),
]

#: (file, sheet, review number, field, value): the way officers really type, and two mistakes
TOUCHES = [
    ("northshire.xlsx", "England SCR", 3, "notified", "text-uk"),
    ("glenmoor.xlsx", "Scotland SCR", 2, "decision", "text-uk"),
    ("westmere.xlsx", "Wales CPR", 4, "decision", "31/02/2024"),
    ("lowmoor.xlsx", "NI CMR", 5, "panel_considered", "03/25/2024"),
]


Row = dict[str, Any]


def _overdue_publication(row: Row, as_of: date) -> bool:
    """A local review decided over six months ago: its publication is held up (the simulated
    publication and removal dates are cleared, as a trial would have kept them from happening)."""
    decision = row.get("decision")
    if (
        row.get("decision_outcome") != "Local review"
        or decision is None
        or add_months(decision, 7) >= as_of
    ):
        return False
    row["published"] = row["unpublished"] = None
    return True


def _paused_publication(informed: bool) -> Callable[[Row, date], Row | None]:
    """Publication held up by a criminal trial, the national body told (or not yet)."""

    def event(row: Row, as_of: date) -> Row | None:
        if not _overdue_publication(row, as_of):
            return None
        start = add_months(row["decision"], 3)
        return {
            "stage": "Date published",
            "kind": "Pause",
            "reason": "Criminal proceedings",
            "from": start,
            "informed": start + timedelta(days=7) if informed else None,
            "notes": "Trial date to be confirmed by the police (board only)",
        }

    return event


def _rapid_review_extension(row: Row, as_of: date) -> Row | None:
    """A rapid review still under way (its date cleared), the Panel agreeing 10 more working days."""
    sent = row.get("panel_notified")
    if sent is None or row.get("decision") is not None:
        return None
    original = add_working_days(sent, 15, "ENG")
    row["rapid_review_completed"] = None
    return {
        "stage": "Date rapid review completed",
        "kind": "Agreed extension",
        "reason": "Information from agencies outstanding",
        # agreed lately: 10 working days past the original date or past today, whichever is later
        "new_due": add_working_days(max(original, as_of), 10, "ENG"),
        "agreed_by": "National Panel",
    }


def _closed_pause(row: Row, as_of: date) -> Row | None:
    """An SCR finished up to 45 days after six months, paused for long enough meanwhile."""
    decision, done = row.get("decision"), row.get("completed")
    if row.get("decision_outcome") != "Initiate SCR" or decision is None or done is None:
        return None
    late = (done - add_months(decision, 6)).days
    if not 0 < late <= 45:
        return None
    start = add_months(decision, 2)
    return {
        "stage": "Date SCR completed",
        "kind": "Pause",
        "reason": "Family engagement",
        "from": start,
        "to": start + timedelta(days=late + 6),
        "agreed_by": "Board chair",
    }


#: (file, sheet): the event the first review it fits gets on the Pauses and extensions sheet
EVENTS: list[tuple[str, str, Callable[[Row, date], Row | None]]] = [
    ("eastmarch.xlsx", "England LCSPR", _paused_publication(informed=True)),
    ("eastmarch.xlsx", "England LCSPR", _rapid_review_extension),
    ("northshire.xlsx", "England LCSPR", _paused_publication(informed=False)),
    ("northshire.xlsx", "England SCR", _closed_pause),
]


#: agencies that own the samples' actions, by file
AGENCIES = {
    "northshire.xlsx": (
        "Northshire Police",
        "Northshire Council Children's Services",
        "NHS Northshire ICB",
    ),
    "eastmarch.xlsx": ("Eastmarch Police", "Eastmarch Council", "Eastmarch Health Board"),
    "glenmoor.xlsx": ("Police Scotland", "Glenmoor Council Social Work", "NHS Glenmoor"),
}
#: (months after publication due, done how many days after due or None for open, status)
PLAN = [
    (3, -5, "Completed"),  # done on time
    (4, 12, "Completed"),  # done late
    (5, None, "Open"),  # open: overdue or still due, depending on the date
    (6, None, "Not accepted"),
    (9, None, "Open"),
]


def _actions(rows: list[Row], file: str, as_of: date) -> list[Row]:
    """Actions for the first three published reviews of a sheet (their plans as boards keep them)."""
    agencies = AGENCIES.get(file)
    if agencies is None:
        return []
    out: list[Row] = []
    published = [r for r in rows if r.get("published") and r["published"] <= as_of][:3]
    for k, review in enumerate(published):
        for n, (months, done_after, status) in enumerate(PLAN, start=1):
            due = add_months(review["published"], months)
            done = due + timedelta(days=done_after) if done_after is not None else None
            if done is not None and done > as_of:
                done, status = None, "Open"
            rec = f"R{(n + 1) // 2}"
            out.append(
                {
                    "review_id": review["review_id"],
                    "recommendation": rec,
                    "action_ref": f"{rec}.{n}",
                    "agency": agencies[(k + n) % len(agencies)],
                    "due": due,
                    "completed": done,
                    "status": status,
                    "assured": done + timedelta(days=14)
                    if done is not None and done + timedelta(days=14) <= as_of
                    else None,
                    "notes": "Progress discussed at the board's learning subgroup"
                    if n == 2
                    else None,
                }
            )
    return out


def recent_rows(
    fw: Framework, n: int, as_of: date, prefix: str, after: int
) -> list[dict[str, Any]]:
    """``n`` reviews opened in the last few weeks, numbered after the others: their next stages
    fall due within days, which is what a board's week looks like (and what the demo must show)."""
    rng = random.Random(f"recent-{fw.id}")
    rows = []
    for i in range(n):
        start = as_of - timedelta(days=rng.randint(5, 25))
        row = simulate_review(fw, rng, as_of, start, lateness=0, stall=0)
        row["review_id"] = f"{prefix}-{start.year}-{after + i + 1:03d}"
        rows.append(row)
    return rows


def build(folder: Path = HERE, as_of: date = AS_OF, *, recent: int = 0) -> list[Path]:
    """The sample workbooks as of ``as_of``; ``recent`` more reviews per sheet opened lately."""
    written = []
    for filename, board, sheets in BOARDS:
        path = folder / filename
        frameworks = [get_framework(fid) for fid, _, _ in sheets]
        create_template(path, frameworks)
        wb = load_workbook(path)
        events: list[Row] = []
        actions: list[Row] = []
        for (_fid, prefix, count), fw in zip(sheets, frameworks, strict=True):
            ws = wb[fw.sheet]
            columns = {f.id: j for j, f in enumerate(fw.all_fields, start=1)}
            rows = synthetic_rows(
                fw, count, seed=2024, as_of=as_of, prefix=prefix, first=as_of - SPAN
            ) + recent_rows(fw, recent, as_of, prefix, count)
            for e_file, e_sheet, make in EVENTS:
                if e_file == filename and e_sheet == fw.sheet:
                    event = next((e for r in rows if (e := _event(make, r, as_of))), None)
                    if event is not None:
                        events.append(event)
            actions += _actions(
                rows, filename, as_of
            )  # after the events: a held publication has none
            for i, row in enumerate(rows, start=2):
                row["board"] = board
                for field_id, value in row.items():
                    if value is not None and field_id in columns:
                        ws.cell(i, columns[field_id], value)
            for t_file, t_sheet, number, field_id, value in TOUCHES:
                if t_file == filename and t_sheet == fw.sheet:
                    cell = ws.cell(number + 1, columns[field_id])
                    if value == "text-uk" and cell.value is not None:
                        cell.value = cell.value.strftime("%d/%m/%Y")
                    elif value != "text-uk":
                        cell.value = value
        ws = wb[PAUSES.title]
        for i, event in enumerate(events, start=2):
            for j, f in enumerate(PAUSES.fields, start=1):
                if event.get(f.id) is not None:
                    ws.cell(i, j, event[f.id])
        ws = wb[ACTIONS.title]
        for i, action in enumerate(actions, start=2):
            for j, f in enumerate(ACTIONS.fields, start=1):
                if action.get(f.id) is not None:
                    ws.cell(i, j, action[f.id])
        wb.save(path)
        written.append(path)
    return written


def _event(make: Callable[[Row, date], Row | None], row: Row, as_of: date) -> Row | None:
    event = make(row, as_of)
    return {"review_id": row["review_id"], **event} if event else None


def write_config(folder: Path, state_dir: Path) -> Path:
    """The samples' config beside a copy of the workbooks, keeping its state in ``state_dir``.

    Paths in a config are relative to the config file, so the copy names its own state folder.
    """
    text = (HERE / CONFIG).read_text(encoding="utf-8")
    state = Path(os.path.relpath(state_dir.resolve(), folder.resolve())).as_posix()
    text = re.sub(r'^state_dir = ".*"$', f'state_dir = "{state}"', text, count=1, flags=re.M)
    # the companion workbooks go to the copy's own state folder, not one beside the samples
    text = re.sub(r'^publish_dir = ".*"$', f'publish_dir = "{state}/published"', text, flags=re.M)
    text = text.replace(
        "# The embedded default:", f"# Written by sample_workbooks/generate.py from {CONFIG}:", 1
    )
    target = folder / CONFIG
    target.write_text(text, encoding="utf-8")
    return target


def parse_day(text: str) -> date:
    """``today`` (in Europe/London), ISO ``2024-06-30`` or UK ``30/06/2024``."""
    if text == "today":
        from tracker.calendars import today_in_london

        return today_in_london()
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    try:
        d, m, y = (int(part) for part in text.split("/"))
        return date(y, m, d)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date: use today, 2024-06-30 or 30/06/2024"
        ) from None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Build the synthetic sample workbooks.")
    parser.add_argument(
        "--as-of",
        type=parse_day,
        default=AS_OF,
        help="the day the reviews are simulated up to: today, ISO or dd/mm/yyyy "
        f"(default {AS_OF:%d/%m/%Y}, what the committed samples and the tests use)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=HERE,
        help="folder to write to (default: sample_workbooks/); elsewhere a tracker.toml "
        "for the copy is written too",
    )
    parser.add_argument(
        "--recent",
        type=int,
        default=0,
        help="this many more reviews per sheet opened in the last few weeks (the demo uses 2)",
    )
    parser.add_argument(
        "--state-dir",
        type=Path,
        default=None,
        help="with --out: the state folder the copy's tracker.toml names (default: --out's parent)",
    )
    args = parser.parse_args(argv)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    for p in build(out, args.as_of, recent=args.recent):
        print(p)
    if out.resolve() != HERE.resolve():
        print(write_config(out, args.state_dir or out.parent))
    print(f"reviews simulated up to {args.as_of:%d/%m/%Y}")


if __name__ == "__main__":
    main()

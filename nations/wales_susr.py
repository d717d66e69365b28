"""Wales: Single unified safeguarding review (from October 2024)."""

from __future__ import annotations

from datetime import date as day

from nations._common import (
    CONFIRMED,
    LOCAL,
    SECONDARY,
    STATUTORY,
    TO_CONFIRM,
    choice,
    date,
    rule,
    uncited,
)
from tracker.model import Framework, InForce, Stage

SUSR = ("decision_outcome", ("SUSR",))
GUIDANCE = "Single Unified Safeguarding Review statutory guidance (Welsh Government, 2024)"

FRAMEWORK = Framework(
    id="wales-susr",
    title="Wales: Single unified safeguarding review (from October 2024)",
    nation="wales",
    calendar="WLS",
    sheet="Wales SUSR",
    board_kind="Regional Safeguarding Board",
    sources=(GUIDANCE, "Wales Safeguarding Repository"),
    notes=("Reviews begun before October 2024 stay child practice reviews.",),
    in_force=InForce(
        field="referred",
        event="referred",
        start=day(2024, 10, 1),
        before_text="before SUSR replaced CPR on 01/10/2024",
        predecessor="Wales CPR",
    ),
    fields=(
        date("referred", "Date referral received", required=True),
        date("crg_meeting", "Date of case review group meeting"),
        date("decision", "Date of Chair's decision"),
        choice("decision_outcome", "Decision", "SUSR", "No SUSR"),
        date("wg_notified", "Date Welsh Government notified"),
        date("reviewer_appointed", "Date chair and reviewer(s) appointed"),
        date("learning_event", "Date of learning event"),
        date("completed", "Date report completed"),
        date("published", "Date published to the repository"),
    ),
    stages=(
        Stage("referred", untimed=True),
        Stage(
            "crg_meeting",
            (
                rule(
                    "crg_meeting",
                    "within 1 month after referred",
                    basis=LOCAL,
                    must=False,
                    confidence=TO_CONFIRM,
                    citation=uncited(GUIDANCE),
                ),
            ),
        ),
        Stage(
            "decision",
            (
                rule(
                    "decision",
                    "after crg_meeting",
                    basis=STATUTORY,
                    must=False,
                    confidence=CONFIRMED,
                    citation="the chair of the board decides whether a SUSR will occur",
                ),
            ),
        ),
        Stage(
            "wg_notified",
            (
                rule(
                    "wg_notified",
                    "after decision",
                    when=SUSR,
                    basis=STATUTORY,
                    must=False,
                    confidence=CONFIRMED,
                    citation="notifying Welsh Government whenever a SUSR takes place",
                ),
            ),
        ),
        Stage(
            "reviewer_appointed",
            (
                rule(
                    "reviewer_appointed",
                    "after decision",
                    when=SUSR,
                    basis=STATUTORY,
                    must=False,
                    confidence=CONFIRMED,
                    citation="chair and reviewer(s) from the approved list",
                ),
            ),
        ),
        Stage(
            "learning_event",
            (
                rule(
                    "learning_event",
                    "after reviewer_appointed",
                    when=SUSR,
                    basis=STATUTORY,
                    must=False,
                    confidence=SECONDARY,
                    citation=uncited(GUIDANCE),
                ),
            ),
        ),
        Stage(
            "completed",
            (
                rule(
                    "completed",
                    "within 12 months after decision",
                    when=SUSR,
                    basis=LOCAL,
                    must=False,
                    confidence=TO_CONFIRM,
                    citation=uncited(GUIDANCE),
                ),
            ),
        ),
        Stage(
            "published",
            (
                rule(
                    "published",
                    "after completed",
                    when=SUSR,
                    basis=STATUTORY,
                    must=False,
                    confidence=SECONDARY,
                    citation="reports stored in the Wales Safeguarding Repository",
                ),
            ),
        ),
    ),
)

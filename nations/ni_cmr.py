"""Northern Ireland: Case management review (Safeguarding Board for Northern Ireland)."""

from __future__ import annotations

from datetime import date as day

from nations._common import (
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

UNDERTAKE = ("decision_outcome", ("Undertake CMR",))
GUIDANCE = "SBNI case management review guidance"

FRAMEWORK = Framework(
    id="ni-cmr",
    title="Northern Ireland: Case management review (SBNI)",
    nation="northern-ireland",
    calendar="NIR",
    sheet="NI CMR",
    board_kind="Safeguarding Board for Northern Ireland (SBNI) and its CMR Panel",
    sources=(
        "Safeguarding Board for Northern Ireland (Membership, Procedure, Functions and Committee) "
        "Regulations (Northern Ireland) 2012, reg 17",
        GUIDANCE,
    ),
    in_force=InForce(
        field="notified",
        event="notified",
        start=day(2012, 9, 1),
        before_text="before the SBNI took over case management reviews on 01/09/2012",
    ),
    notes=(
        "Triggers (SBNI Regulations 2012, reg 17): a child died or was significantly harmed, with "
        "abuse or neglect known or suspected, or the child or a sibling on the register or looked "
        "after, and concerns about agencies' effectiveness; or (reg 17(3)) outstanding positive "
        "learning from effective work.",
    ),
    fields=(
        choice("trigger", "Trigger", "Death or significant harm", "Good practice"),
        date("notified", "Date notification received by SBNI", required=True),
        date("panel_considered", "Date CMR Panel considered"),
        date("decision", "Date of SBNI Chair's decision"),
        choice("decision_outcome", "Decision", "Undertake CMR", "Do not undertake"),
        date("reviewer_appointed", "Date reviewer appointed"),
        date("completed", "Date CMR report completed"),
        date("summary_published", "Date executive summary published"),
    ),
    stages=(
        Stage("notified", untimed=True),
        Stage(
            "panel_considered",
            (
                rule(
                    "panel_considered",
                    "within 1 month after notified",
                    basis=LOCAL,
                    must=False,
                    confidence=TO_CONFIRM,
                    citation="SBNI CMR practice guidance; timescale not confirmed",
                ),
            ),
        ),
        Stage(
            "decision",
            (
                rule(
                    "decision",
                    "after panel_considered",
                    basis=STATUTORY,
                    must=True,
                    confidence=SECONDARY,
                    citation="the SBNI Chair decides and notifies the decision",
                ),
            ),
        ),
        Stage(
            "reviewer_appointed",
            (
                rule(
                    "reviewer_appointed",
                    "after decision",
                    when=UNDERTAKE,
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
                    "within 6 months after decision",
                    when=UNDERTAKE,
                    basis=LOCAL,
                    must=False,
                    confidence=TO_CONFIRM,
                    citation="completion timescale not confirmed",
                ),
            ),
        ),
        Stage(
            "summary_published",
            (
                rule(
                    "summary_published",
                    "after completed",
                    when=UNDERTAKE,
                    basis=STATUTORY,
                    must=False,
                    confidence=SECONDARY,
                    citation="SBNI publishes CMR executive summaries",
                ),
            ),
        ),
    ),
)

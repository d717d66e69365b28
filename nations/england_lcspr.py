"""England: Local child safeguarding practice review (Working Together 2018 and 2023)."""

from __future__ import annotations

from nations._common import (
    CONFIRMED,
    LOCAL,
    NATIONAL,
    SECONDARY,
    STATUTE,
    STATUTORY,
    TO_CONFIRM,
    choice,
    date,
    rule,
)
from tracker.model import Framework, Stage

LOCAL_REVIEW = ("decision_outcome", ("Local review",))

FRAMEWORK = Framework(
    id="england-lcspr",
    title="England: Local child safeguarding practice review (Working Together 2018 and 2023)",
    nation="england",
    calendar="ENG",
    sheet="England LCSPR",
    board_kind="Safeguarding partners (local authority, ICB, police)",
    sources=(
        "Children Act 2004, ss. 16A-16F",
        "The Child Safeguarding Practice Review and Relevant Agency (England) Regulations 2018 "
        "(SI 2018/789), regs 11-16",
        "Working Together to Safeguard Children 2018 and 2023, chapter 4 (2018) / 5 (2023)",
        "Child Safeguarding Practice Review Panel guidance on rapid reviews",
    ),
    fields=(
        date("la_aware", "Date LA became aware", required=True),
        date("panel_notified", "Date serious incident notified to Panel"),
        date("partners_notified", "Date safeguarding partners notified"),
        date("rapid_review_completed", "Date rapid review completed"),
        date("rapid_review_sent", "Date rapid review sent to Panel"),
        choice("decision_outcome", "Decision", "Local review", "National review", "No review"),
        date("decision", "Date of decision"),
        date("reviewer_appointed", "Date reviewer appointed"),
        date("report_sent", "Date final report sent to Panel and Secretary of State"),
        date("published", "Date published"),
        date("unpublished", "Date removed from website"),
    ),
    stages=(
        Stage("la_aware", untimed=True),
        Stage(
            "panel_notified",
            (
                rule(
                    "panel_notified",
                    "within 5 working days after la_aware",
                    basis=STATUTORY,
                    must=False,
                    must_text="must (notify) / should (5 days)",
                    confidence=CONFIRMED,
                    citation="Children Act 2004 s.16C(1); WT 2018 ch. 4: within five working days of "
                    "becoming aware",
                ),
            ),
        ),
        Stage(
            "partners_notified",
            (
                rule(
                    "partners_notified",
                    "within 5 working days after la_aware",
                    basis=STATUTORY,
                    must=False,
                    confidence=SECONDARY,
                    citation="WT 2018 ch. 4",
                ),
            ),
        ),
        Stage(
            "rapid_review_completed",
            (
                rule(
                    "rapid_review_completed",
                    "within 15 working days after panel_notified",
                    basis=NATIONAL,
                    must=False,
                    confidence=SECONDARY,
                    citation="Panel guidance: complete a rapid review within 15 working days, a "
                    "non-statutory expectation. Local procedures count from the notification to the "
                    "Panel or from the partners becoming aware: a board may move the anchor to "
                    "partners_notified or la_aware",
                ),
            ),
        ),
        Stage(
            "rapid_review_sent",
            (
                rule(
                    "rapid_review_sent",
                    "after rapid_review_completed",
                    basis=NATIONAL,
                    must=False,
                    confidence=SECONDARY,
                    citation="send the rapid review to the Panel with the decision",
                ),
            ),
        ),
        Stage(
            "decision",
            (
                rule(
                    "decision",
                    "after rapid_review_completed",
                    basis=STATUTE,
                    must=True,
                    confidence=CONFIRMED,
                    citation="SI 2018/789 reg 11: partners decide, taking the criteria into account",
                ),
            ),
        ),
        Stage(
            "reviewer_appointed",
            (
                rule(
                    "reviewer_appointed",
                    "after decision",
                    when=LOCAL_REVIEW,
                    basis=STATUTE,
                    must=True,
                    confidence=SECONDARY,
                    citation="SI 2018/789 reg 12",
                ),
            ),
        ),
        Stage(
            "report_sent",
            (
                rule(
                    "report_sent",
                    "at least 7 working days before published",
                    when=LOCAL_REVIEW,
                    basis=STATUTORY,
                    must=False,
                    confidence=TO_CONFIRM,
                    citation="WT 2018: no later than seven working days before publication",
                ),
            ),
        ),
        Stage(
            "published",
            (
                rule(
                    "published",
                    "within 6 months after decision",
                    when=LOCAL_REVIEW,
                    basis=STATUTORY,
                    must=False,
                    confidence=SECONDARY,
                    citation="publish within six months of the decision to initiate",
                ),
            ),
            inform_when_paused="WT 2018 ch. 4: when other proceedings delay publication, tell the "
            "Panel and the Secretary of State the reasons",
        ),
        Stage(
            "unpublished",
            (
                rule(
                    "unpublished",
                    "not before 12 months after published",
                    when=LOCAL_REVIEW,
                    basis=LOCAL,
                    must=False,
                    confidence=SECONDARY,
                    citation="reports kept available for at least a year",
                ),
            ),
        ),
    ),
)

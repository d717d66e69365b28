"""Scotland: Learning review (National guidance for child protection committees, 2021, updated 2024)."""

from __future__ import annotations

from datetime import date as day

from nations._common import (
    CONFIRMED,
    LOCAL,
    NATIONAL,
    SECONDARY,
    TO_CONFIRM,
    choice,
    date,
    rule,
    uncited,
)
from tracker.model import Framework, InForce, Stage

REVIEW = ("decision_outcome", ("Learning review",))
GUIDANCE = "National Guidance for Child Protection Committees Undertaking Learning Reviews (2021, updated 2024)"

FRAMEWORK = Framework(
    id="scotland-lr",
    title="Scotland: Learning review (2021 national guidance, updated 2024)",
    nation="scotland",
    calendar="SCT",
    sheet="Scotland LR",
    board_kind="Child Protection Committee, for the Chief Officers Group",
    sources=(GUIDANCE,),
    notes=("The 2021 guidance (updated 2024) replaces the 2015 significant case review guidance.",),
    in_force=InForce(
        field="notified",
        event="notified",
        start=day(2021, 9, 1),
        before_text="before learning reviews replaced SCRs on 01/09/2021",
        predecessor="Scotland SCR",
    ),
    fields=(
        date("notified", "Date notified to CPC", required=True),
        date("decision", "Date of decision"),
        choice("decision_outcome", "Decision", "Learning review", "No learning review"),
        date("ci_decision_notified", "Date Care Inspectorate notified of decision"),
        date("reviewer_appointed", "Date reviewer appointed"),
        date("completed", "Date review completed"),
        date("cog_ratified", "Date ratified by Chief Officers Group"),
        date("ci_outcome_notified", "Date outcome notified to Care Inspectorate"),
        date("ci_report_sent", "Date report sent to Care Inspectorate"),
        date("published", "Date published"),
    ),
    stages=(
        Stage("notified", untimed=True),
        Stage(
            "decision",
            (
                rule(
                    "decision",
                    "within 28 days after notified",
                    basis=LOCAL,
                    must=False,
                    confidence=TO_CONFIRM,
                    citation="proportionality and timeliness; number not confirmed",
                ),
            ),
        ),
        Stage(
            "ci_decision_notified",
            (
                rule(
                    "ci_decision_notified",
                    "after decision",
                    basis=NATIONAL,
                    must=True,
                    confidence=CONFIRMED,
                    citation="CPCs are required to notify the Care Inspectorate of their decision to "
                    "proceed or not",
                ),
            ),
        ),
        Stage(
            "reviewer_appointed",
            (
                rule(
                    "reviewer_appointed",
                    "after decision",
                    when=REVIEW,
                    basis=NATIONAL,
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
                    when=REVIEW,
                    basis=LOCAL,
                    must=False,
                    confidence=TO_CONFIRM,
                    citation=uncited(GUIDANCE),
                ),
            ),
        ),
        Stage(
            "cog_ratified",
            (
                rule(
                    "cog_ratified",
                    "after completed",
                    when=REVIEW,
                    basis=NATIONAL,
                    must=False,
                    confidence=SECONDARY,
                    citation=uncited(GUIDANCE),
                ),
            ),
        ),
        Stage(
            "ci_outcome_notified",
            (
                rule(
                    "ci_outcome_notified",
                    "within 7 days after cog_ratified",
                    when=REVIEW,
                    basis=LOCAL,
                    must=False,
                    confidence=TO_CONFIRM,
                    citation="the 7-day outcome notification is stated for adult learning reviews; "
                    "no children's source found",
                ),
            ),
        ),
        Stage(
            "ci_report_sent",
            (
                rule(
                    "ci_report_sent",
                    "after completed",
                    when=REVIEW,
                    basis=NATIONAL,
                    must=False,
                    confidence=CONFIRMED,
                    citation="a copy of the full report should be sent on completion",
                ),
            ),
        ),
        Stage(
            "published",
            (
                rule(
                    "published",
                    "after cog_ratified",
                    when=REVIEW,
                    basis=NATIONAL,
                    must=False,
                    confidence=TO_CONFIRM,
                    citation=uncited(GUIDANCE),
                ),
            ),
        ),
    ),
)

"""Scotland: Significant case review (National guidance for child protection committees, 2015)."""

from __future__ import annotations

from nations._common import (
    CONFIRMED,
    LOCAL,
    NATIONAL,
    SECONDARY,
    TO_CONFIRM,
    choice,
    date,
    rule,
)
from tracker.model import Framework, Stage

PROCEED = ("decision_outcome", ("Proceed to SCR",))

FRAMEWORK = Framework(
    id="scotland-scr",
    title="Scotland: Significant case review (2015 national guidance)",
    nation="scotland",
    calendar="SCT",
    sheet="Scotland SCR",
    board_kind="Child Protection Committee (CPC), for the Chief Officers Group",
    sources=(
        "National Guidance for Child Protection Committees Undertaking Significant Case Reviews "
        "(Scottish Government, 2015)",
    ),
    fields=(
        date("notified", "Date notified to CPC", required=True),
        date("icr_completed", "Date initial case review completed"),
        date("decision", "Date of decision on SCR"),
        choice("decision_outcome", "Decision", "Proceed to SCR", "No SCR"),
        date("ci_notified", "Date Care Inspectorate notified"),
        date("reviewer_appointed", "Date lead reviewer appointed"),
        date("completed", "Date SCR report completed"),
        date("ci_report_sent", "Date report sent to Care Inspectorate"),
        date("published", "Date published"),
    ),
    stages=(
        Stage("notified", untimed=True),
        Stage(
            "icr_completed",
            (
                rule(
                    "icr_completed",
                    "within 1 month after notified",
                    basis=LOCAL,
                    must=False,
                    confidence=TO_CONFIRM,
                    citation="2015 guidance: an ICR should always be undertaken; timescale not "
                    "confirmed",
                ),
            ),
        ),
        Stage(
            "decision",
            (
                rule(
                    "decision",
                    "after icr_completed",
                    basis=NATIONAL,
                    must=False,
                    confidence=CONFIRMED,
                    citation="2015 guidance, step 2",
                ),
            ),
        ),
        Stage(
            "ci_notified",
            (
                rule(
                    "ci_notified",
                    "after decision",
                    basis=NATIONAL,
                    must=False,
                    confidence=SECONDARY,
                    citation="the Care Inspectorate collates ICRs and SCRs",
                ),
            ),
        ),
        Stage(
            "reviewer_appointed",
            (
                rule(
                    "reviewer_appointed",
                    "after decision",
                    when=PROCEED,
                    basis=NATIONAL,
                    must=False,
                    confidence=CONFIRMED,
                    citation="lead reviewer, Annex 3",
                ),
            ),
        ),
        Stage(
            "completed",
            (
                rule(
                    "completed",
                    "within 6 months after decision",
                    when=PROCEED,
                    basis=LOCAL,
                    must=False,
                    confidence=TO_CONFIRM,
                    citation="completion timescale not confirmed",
                ),
            ),
        ),
        Stage(
            "ci_report_sent",
            (
                rule(
                    "ci_report_sent",
                    "after completed",
                    when=PROCEED,
                    basis=NATIONAL,
                    must=False,
                    confidence=SECONDARY,
                    citation="report shared with the Care Inspectorate",
                ),
            ),
        ),
        Stage(
            "published",
            (
                rule(
                    "published",
                    "after completed",
                    when=PROCEED,
                    basis=NATIONAL,
                    must=False,
                    confidence=SECONDARY,
                    citation="Annex 7, dissemination and publication",
                ),
            ),
        ),
    ),
)

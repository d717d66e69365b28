"""Scotland: Significant case review (National guidance for child protection committees, 2015)."""

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
)
from tracker.model import Framework, InForce, Stage

PROCEED = ("decision_outcome", ("Proceed to SCR",))
NO_SCR = ("decision_outcome", ("No SCR",))
#: the Care Inspectorate collates initial case reviews from June 2017
ICRS_COLLATED_FROM = ("decision", day(2017, 6, 1))

FRAMEWORK = Framework(
    id="scotland-scr",
    title="Scotland: Significant case review (2015 national guidance)",
    nation="scotland",
    calendar="SCT",
    sheet="Scotland SCR",
    board_kind="Child Protection Committee (CPC), for the Chief Officers Group",
    sources=(
        "National Guidance for Child Protection Committees for Conducting a Significant Case Review "
        "(Scottish Government, 31 March 2015)",
    ),
    in_force=InForce(
        field="notified",
        event="notified",
        end=day(2021, 8, 31),
        after_text="after learning reviews replaced SCRs on 01/09/2021",
        successor="Scotland LR",
    ),
    fields=(
        date("notified", "Date notified to CPC", required=True),
        date("icr_notification_sent", "Date ICR notification sent to CPC lead"),
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
            "icr_notification_sent",
            (
                rule(
                    "icr_notification_sent",
                    "within 7 days after notified",
                    basis=NATIONAL,
                    must=False,
                    confidence=CONFIRMED,
                    citation="2015 guidance, annex 1: the ICR notification goes to the CPC lead "
                    "within 7 calendar days of first informing the agreed lead",
                ),
            ),
        ),
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
                    when=PROCEED,
                    basis=NATIONAL,
                    must=False,
                    confidence=SECONDARY,
                    citation="the Care Inspectorate collates SCRs (from April 2012)",
                ),
                rule(
                    "ci_notified",
                    "after decision",
                    when=NO_SCR,
                    on_or_after=ICRS_COLLATED_FROM,
                    basis=NATIONAL,
                    must=False,
                    confidence=SECONDARY,
                    citation="the Care Inspectorate collates initial case reviews from June 2017",
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

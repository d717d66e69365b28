"""England: Serious case review (Working Together to Safeguard Children 2015)."""

from __future__ import annotations

from datetime import date as day

from nations._common import (
    CONFIRMED,
    NATIONAL,
    SECONDARY,
    SEED,
    STATUTORY,
    choice,
    date,
    rule,
    yes_no,
)
from tracker.model import Framework, InForce, Stage

INITIATE = ("decision_outcome", ("Initiate SCR",))
NOT_INITIATE = ("decision_outcome", ("Do not initiate",))

FRAMEWORK = Framework(
    id="england-scr",
    title="England: Serious case review (Working Together 2015)",
    nation="england",
    calendar="ENG",
    sheet="England SCR",
    board_kind="Local Safeguarding Children Board (LSCB)",
    sources=(
        "Working Together to Safeguard Children 2015, chapter 4",
        "National SCR panel guidance (flowchart 1)",
        "Parliamentary answer, 27 March 2017",
    ),
    in_force=InForce(
        field="notified",
        event="notified",
        end=day(2019, 9, 29),
        after_text="after LCSPRs replaced SCRs (SI 2018/789 from 29/06/2018; transition "
        "complete by 29/09/2019)",
        successor="England LCSPR",
    ),
    notes=(
        "Triggers: abuse or neglect known or suspected, and the child died, or was seriously harmed "
        "with concerns about how agencies worked together; or the child died in custody; or by "
        "suspected suicide.",
    ),
    fields=(
        choice(
            "trigger", "Trigger", "Death", "Serious harm", "Death in custody", "Suspected suicide"
        ),
        date("la_aware", "Date LA became aware"),
        date("notified", "Date notified to LSCB", required=True),
        date("ofsted_notified", "Date Ofsted notified"),
        date("decision", "Decision date"),
        choice("decision_outcome", "Decision", "Initiate SCR", "Do not initiate"),
        date("panel_notified", "Date panel and Ofsted notified"),
        date("reviewer_appointed", "Date lead reviewer appointed"),
        yes_no("reviewer_independent", "Lead reviewer independent"),
        date("reviewer_names_sent", "Date reviewer names sent to panel"),
        date("completed", "Date SCR completed"),
        date("report_sent", "Date final report sent to panel"),
        yes_no("report_publishable", "Report suitable for publication without redaction"),
        date("published", "Date published"),
        yes_no("response_published", "LSCB response published with report"),
        date("unpublished", "Date removed from website"),
    ),
    stages=(
        Stage("la_aware", untimed=True),
        Stage(
            "notified",
            (
                rule(
                    "notified",
                    "within 5 working days after la_aware",
                    basis=STATUTORY,
                    must=False,
                    confidence=SECONDARY,
                    citation="WT 2015 ch. 4: the local authority should report the incident to Ofsted "
                    "and the LSCB within five working days of becoming aware",
                ),
            ),
        ),
        Stage(
            "ofsted_notified",
            (
                rule(
                    "ofsted_notified",
                    "within 5 working days after la_aware",
                    basis=STATUTORY,
                    must=False,
                    confidence=SECONDARY,
                    citation="WT 2015 ch. 4: the local authority should report the incident to Ofsted "
                    "and the LSCB within five working days of becoming aware",
                ),
            ),
        ),
        Stage(
            "decision",
            (
                rule(
                    "decision",
                    "within 1 month after notified",
                    basis=STATUTORY,
                    must=False,
                    confidence=CONFIRMED,
                    citation='WT 2015 ch. 4: the decision "should normally be made within one month of '
                    'notification of the incident" (seed; local procedures quoting WT 2015)',
                ),
            ),
        ),
        Stage(
            "panel_notified",
            (
                rule(
                    "panel_notified",
                    "after decision",
                    when=INITIATE,
                    basis=STATUTORY,
                    must=True,
                    confidence=SEED,
                    citation="the LSCB must notify the national panel and Ofsted of the decision",
                ),
                rule(
                    "panel_notified",
                    "within 14 days after decision",
                    when=NOT_INITIATE,
                    basis=NATIONAL,
                    must=False,
                    confidence=SECONDARY,
                    citation="National SCR panel guidance, flowchart 1: tell the panel of a decision "
                    "not to initiate within 14 days",
                ),
            ),
        ),
        Stage(
            "reviewer_appointed",
            (
                rule(
                    "reviewer_appointed",
                    "after decision",
                    when=INITIATE,
                    basis=STATUTORY,
                    must=False,
                    confidence=SEED,
                    citation="the LSCB should appoint one or more reviewers",
                ),
            ),
        ),
        Stage(
            "reviewer_independent",
            (
                rule(
                    "reviewer_independent",
                    "must be yes (once reviewer_appointed has a date)",
                    when=INITIATE,
                    basis=STATUTORY,
                    must=True,
                    confidence=SEED,
                    citation="the lead reviewer must be independent of the LSCB and the organisations "
                    "involved",
                ),
            ),
        ),
        Stage(
            "reviewer_names_sent",
            (
                rule(
                    "reviewer_names_sent",
                    "after reviewer_appointed",
                    when=INITIATE,
                    basis=STATUTORY,
                    must=False,
                    confidence=SEED,
                    citation="the LSCB should submit the reviewers' names to the national panel",
                ),
            ),
        ),
        Stage(
            "completed",
            (
                rule(
                    "completed",
                    "within 6 months after decision",
                    when=INITIATE,
                    basis=STATUTORY,
                    must=False,
                    confidence=CONFIRMED,
                    citation="WT 2015: aim to complete within six months of initiating it "
                    "(Parliamentary answer, 27 Mar 2017)",
                ),
            ),
        ),
        Stage(
            "report_sent",
            (
                rule(
                    "report_sent",
                    "at least 7 days before published",
                    when=INITIATE,
                    basis=STATUTORY,
                    must=False,
                    confidence=SEED,
                    citation="send the final report to the national panel at least one week before "
                    "publication",
                ),
            ),
        ),
        Stage(
            "report_publishable",
            (
                rule(
                    "report_publishable",
                    "must be yes (once completed has a date)",
                    when=INITIATE,
                    basis=STATUTORY,
                    must=False,
                    confidence=SEED,
                    citation="the final report should be suitable for publication without needing to "
                    "be amended or redacted, in plain English",
                ),
            ),
        ),
        Stage(
            "published",
            (
                rule(
                    "published",
                    "after completed",
                    when=INITIATE,
                    basis=STATUTORY,
                    must=True,
                    confidence=CONFIRMED,
                    citation="no timescale for publication is set (Parliamentary answer, 27 Mar 2017)",
                ),
            ),
        ),
        Stage(
            "response_published",
            (
                rule(
                    "response_published",
                    "must be yes (once published has a date)",
                    when=INITIATE,
                    basis=STATUTORY,
                    must=True,
                    confidence=SEED,
                    citation="the final report and the LSCB's response to the findings must be "
                    "published",
                ),
            ),
        ),
        Stage(
            "unpublished",
            (
                rule(
                    "unpublished",
                    "not before 12 months after published",
                    when=INITIATE,
                    basis=STATUTORY,
                    must=True,
                    confidence=SEED,
                    citation="published on the LSCB website for a minimum of 12 months",
                ),
            ),
        ),
    ),
)

"""Wales: Child practice review (Protecting Children in Wales, 2012 guidance)."""

from __future__ import annotations

from datetime import date as day

from nations._common import (
    CONFIRMED,
    LOCAL,
    SECONDARY,
    STATUTE,
    STATUTORY,
    TO_CONFIRM,
    choice,
    date,
    rule,
    yes_no,
)
from tracker.model import Condition, Framework, InForce, Rule, RuleKind, Stage

REVIEW = ("decision_outcome", ("Concise CPR", "Extended CPR"))

FRAMEWORK = Framework(
    id="wales-cpr",
    title="Wales: Child practice review (2012 guidance)",
    nation="wales",
    calendar="WLS",
    sheet="Wales CPR",
    board_kind="Regional Safeguarding Children Board",
    sources=(
        "Protecting Children in Wales: Guidance for Arrangements for Multi-Agency Child Practice "
        "Reviews (2012)",
        "The Local Safeguarding Children Boards (Wales) Regulations 2006 (SI 2006/1705), reg 4A, "
        "as inserted by SI 2012/1712 reg 3",
        "From 6 April 2016: the Safeguarding Boards (Functions and Procedures) (Wales) Regulations "
        "2015, with Working Together to Safeguard People, volume 2",
    ),
    notes=(
        "Concise review: the child was neither on the child protection register nor looked after "
        "in the 6 months before the event; extended review: the child was (SI 2006/1705 reg 4A, "
        "inserted by SI 2012/1712 reg 3; statute, confirmed).",
        "From 6 Apr 2016 the basis is the Safeguarding Boards (Functions and Procedures) (Wales) "
        "Regulations 2015 with Working Together to Safeguard People, volume 2.",
    ),
    in_force=InForce(
        field="referred",
        event="referred",
        end=day(2024, 9, 30),
        after_text="after SUSR replaced CPR on 01/10/2024",
        successor="Wales SUSR",
    ),
    fields=(
        date("referred", "Date referral received", required=True),
        yes_no("cp_or_lac_6m", "On CP register or looked after in previous 6 months"),
        date("decision", "Date of Chair's decision"),
        choice("decision_outcome", "Decision", "Concise CPR", "Extended CPR", "No review"),
        date("wg_notified", "Date Welsh Government notified"),
        date("reviewer_appointed", "Date reviewer(s) appointed"),
        date("learning_event", "Date of learning event"),
        date("completed", "Date report completed"),
        date("published", "Date published"),
    ),
    stages=(
        Stage("referred", untimed=True),
        Stage(
            "decision",
            (
                rule(
                    "decision",
                    "within 1 month after referred",
                    basis=LOCAL,
                    must=False,
                    confidence=TO_CONFIRM,
                    citation="Protecting Children in Wales (2012) timescale not confirmed",
                ),
            ),
        ),
        Stage(
            "decision_outcome",
            (
                Rule(
                    stage="decision_outcome",
                    kind=RuleKind.CHOICE_AGREES,
                    anchor="cp_or_lac_6m",
                    if_yes="Extended CPR",
                    if_no="Concise CPR",
                    when=Condition(*REVIEW),
                    basis=STATUTE,
                    must=True,
                    confidence=CONFIRMED,
                    citation="SI 2006/1705 reg 4A (inserted by SI 2012/1712 reg 3); from 6 Apr "
                    "2016 the Safeguarding Boards (Functions and Procedures) (Wales) Regulations 2015",
                ),
            ),
        ),
        Stage(
            "wg_notified",
            (
                rule(
                    "wg_notified",
                    "after decision",
                    when=REVIEW,
                    basis=STATUTORY,
                    must=False,
                    confidence=SECONDARY,
                    citation="the Board notifies the Welsh Government when a review takes place",
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
                    basis=STATUTORY,
                    must=False,
                    confidence=SECONDARY,
                    citation="reviewer(s) appointed by the review panel (extended: two reviewers)",
                ),
            ),
        ),
        Stage(
            "learning_event",
            (
                rule(
                    "learning_event",
                    "after reviewer_appointed",
                    when=REVIEW,
                    basis=STATUTORY,
                    must=False,
                    confidence=SECONDARY,
                    citation="learning event with practitioners",
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
                    citation="not confirmed; the 2012 ministerial announcement spoke of concise "
                    "reviews in three months and extended ones in six, while regional boards say "
                    "extended reviews follow the concise timescale",
                ),
            ),
        ),
        Stage(
            "published",
            (
                rule(
                    "published",
                    "after completed",
                    when=REVIEW,
                    basis=STATUTORY,
                    must=False,
                    confidence=SECONDARY,
                    citation="anonymised report published by the Board",
                ),
            ),
        ),
    ),
)

"""Stage statuses worked out from real workbooks: every status, conditional rules and checks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tracker.check import SourceSpec, run_check

D = date
AS_OF = D(2024, 6, 30)


def stages_of(path: Path, as_of: date = AS_OF) -> list[dict[str, dict[str, Any]]]:
    result = run_check([SourceSpec(str(path))], as_of)
    return [{s["id"]: s for s in r["stages"]} for r in result.reviews]


@pytest.fixture
def scr(make_workbook: Callable[..., Path]) -> Callable[..., dict[str, dict[str, Any]]]:
    def one(as_of: date = AS_OF, **review: Any) -> dict[str, dict[str, Any]]:
        review.setdefault("review_id", "T-1")
        review.setdefault("notified", D(2024, 1, 10))
        return stages_of(make_workbook("england-scr", [review]), as_of)[0]

    return one


def test_a_report_sent_six_days_before_publication_is_late_by_one(scr: Callable[..., Any]) -> None:
    s = scr(
        decision=D(2023, 6, 1),
        decision_outcome="Initiate SCR",
        completed=D(2023, 11, 1),
        report_sent=D(2024, 2, 9),
        published=D(2024, 2, 15),
    )
    assert s["report_sent"]["latest"] == "2024-02-08"
    assert s["report_sent"]["status"] == "late"
    assert s["report_sent"]["days_late"] == 1


def test_a_report_sent_seven_days_before_publication_is_on_time(scr: Callable[..., Any]) -> None:
    s = scr(
        decision=D(2023, 6, 1),
        decision_outcome="Initiate SCR",
        report_sent=D(2024, 2, 8),
        published=D(2024, 2, 15),
    )
    assert s["report_sent"]["status"] == "on_time"
    assert s["report_sent"]["days_late"] == 0


def test_a_report_taken_down_eleven_months_after_publication_is_early(
    scr: Callable[..., Any],
) -> None:
    s = scr(
        decision=D(2023, 1, 5),
        decision_outcome="Initiate SCR",
        completed=D(2023, 5, 1),
        published=D(2023, 6, 15),
        unpublished=D(2024, 5, 15),
    )
    assert s["unpublished"]["earliest"] == "2024-06-15"
    assert s["unpublished"]["status"] == "early"
    assert s["unpublished"]["days_late"] == 31  # days before the earliest date
    assert s["unpublished"]["must"] is True


def test_a_report_still_up_has_no_deadline_to_miss(scr: Callable[..., Any]) -> None:
    s = scr(decision=D(2023, 1, 5), decision_outcome="Initiate SCR", published=D(2023, 6, 15))
    assert s["unpublished"]["status"] == "pending"
    assert s["unpublished"]["latest"] is None


def test_do_not_initiate_makes_the_later_stages_not_applicable(scr: Callable[..., Any]) -> None:
    s = scr(
        decision=D(2024, 2, 1), decision_outcome="Do not initiate", panel_notified=D(2024, 2, 10)
    )
    later = [
        "reviewer_appointed",
        "reviewer_independent",
        "reviewer_names_sent",
        "completed",
        "report_sent",
        "report_publishable",
        "published",
        "response_published",
        "unpublished",
    ]
    assert {k: s[k]["status"] for k in later} == dict.fromkeys(later, "not_applicable")
    # the panel must still be told, within 14 days, under the national guidance rule
    assert s["panel_notified"]["latest"] == "2024-02-15"
    assert s["panel_notified"]["status"] == "on_time"
    assert s["panel_notified"]["basis"] == "national guidance"


def test_a_blank_decision_makes_outcome_dependent_stages_waiting(scr: Callable[..., Any]) -> None:
    s = scr(decision=None, decision_outcome=None)
    for stage in (
        "panel_notified",
        "reviewer_appointed",
        "completed",
        "published",
        "unpublished",
        "reviewer_independent",
        "response_published",
    ):
        assert s[stage]["status"] == "waiting", stage
    # the decision itself is due a month after notification, and overdue by the as-of date
    assert s["decision"]["latest"] == "2024-02-10"
    assert s["decision"]["status"] == "overdue"
    assert s["decision"]["days_late"] == (AS_OF - D(2024, 2, 10)).days


def test_pending_until_the_latest_date_then_overdue(scr: Callable[..., Any]) -> None:
    assert scr(as_of=D(2024, 2, 10))["decision"]["status"] == "pending"
    assert scr(as_of=D(2024, 2, 11))["decision"]["status"] == "overdue"
    assert scr(as_of=D(2024, 2, 11))["decision"]["days_late"] == 1


def test_done_on_the_last_day_is_on_time_and_a_day_later_is_late(scr: Callable[..., Any]) -> None:
    assert scr(decision=D(2024, 2, 10))["decision"]["status"] == "on_time"
    late = scr(decision=D(2024, 2, 11))["decision"]
    assert (late["status"], late["days_late"]) == ("late", 1)


def test_notification_within_five_working_days_of_the_la_becoming_aware(
    scr: Callable[..., Any],
) -> None:
    s = scr(la_aware=D(2023, 12, 22), notified=D(2024, 1, 4))
    assert s["notified"]["latest"] == "2024-01-03"
    assert (s["notified"]["status"], s["notified"]["days_late"]) == ("late", 1)
    assert s["notified"]["basis"] == "statutory guidance"
    assert s["notified"]["source"].startswith("WT 2015 ch. 4")


def test_without_its_anchor_a_stage_is_waiting(scr: Callable[..., Any]) -> None:
    s = scr(la_aware=None)
    assert s["notified"]["status"] == "waiting"


def test_must_be_yes_checks(scr: Callable[..., Any]) -> None:
    base = {"decision": D(2024, 1, 20), "decision_outcome": "Initiate SCR"}
    assert (
        scr(**base, reviewer_appointed=D(2024, 2, 1), reviewer_independent="Yes")[
            "reviewer_independent"
        ]["status"]
        == "met"
    )
    assert (
        scr(**base, reviewer_appointed=D(2024, 2, 1), reviewer_independent="no")[
            "reviewer_independent"
        ]["status"]
        == "not_met"
    )
    assert (
        scr(**base, reviewer_appointed=D(2024, 2, 1))["reviewer_independent"]["status"] == "pending"
    )
    # before a reviewer is appointed the check has nothing to judge yet
    assert scr(**base, reviewer_independent="No")["reviewer_independent"]["status"] == "waiting"


def test_completion_within_six_months_of_the_decision(scr: Callable[..., Any]) -> None:
    s = scr(decision=D(2023, 8, 31), decision_outcome="Initiate SCR", completed=D(2024, 3, 1))
    assert s["completed"]["latest"] == "2024-02-29"
    assert s["completed"]["status"] == "late"


def test_ordering_only_rules_flag_a_stage_done_before_its_anchor(scr: Callable[..., Any]) -> None:
    s = scr(
        decision=D(2024, 2, 1),
        decision_outcome="Initiate SCR",
        completed=D(2024, 5, 1),
        published=D(2024, 4, 1),
    )
    assert s["published"]["status"] == "early"
    assert s["published"]["earliest"] == "2024-05-01"
    assert s["published"]["latest"] is None


def wales(make_workbook: Callable[..., Path], **review: Any) -> dict[str, dict[str, Any]]:
    review.setdefault("review_id", "W-1")
    review.setdefault("referred", D(2024, 1, 10))
    return stages_of(make_workbook("wales-cpr", [review]))[0]


def test_a_concise_cpr_for_a_child_on_the_register_is_not_met(
    make_workbook: Callable[..., Path],
) -> None:
    s = wales(
        make_workbook, cp_or_lac_6m="Yes", decision=D(2024, 2, 1), decision_outcome="Concise CPR"
    )
    assert s["decision_outcome"]["status"] == "not_met"
    assert s["decision_outcome"]["basis"] == "statute"
    assert s["decision_outcome"]["source"].startswith(
        "SI 2006/1705 reg 4A (inserted by SI 2012/1712"
    )


def test_the_review_type_agreeing_with_the_register_is_met(
    make_workbook: Callable[..., Path],
) -> None:
    assert (
        wales(make_workbook, cp_or_lac_6m="Yes", decision_outcome="Extended CPR")[
            "decision_outcome"
        ]["status"]
        == "met"
    )
    assert (
        wales(make_workbook, cp_or_lac_6m="No", decision_outcome="Concise CPR")["decision_outcome"][
            "status"
        ]
        == "met"
    )
    assert (
        wales(make_workbook, decision_outcome="Concise CPR")["decision_outcome"]["status"]
        == "waiting"
    )
    assert (
        wales(make_workbook, cp_or_lac_6m="Yes", decision_outcome="No review")["decision_outcome"][
            "status"
        ]
        == "not_applicable"
    )


def test_unassessable_reviews_have_no_stages(make_workbook: Callable[..., Path]) -> None:
    path = make_workbook(
        "england-scr",
        [
            {"review_id": "T-1", "notified": "31/02/2024"},
            {"review_id": "T-2", "notified": D(2024, 1, 2)},
        ],
    )
    result = run_check([SourceSpec(str(path))], AS_OF)
    bad, good = result.reviews
    assert (bad["assessable"], bad["stages"]) == (False, [])
    assert good["assessable"] is True and good["stages"]


def test_the_stage_list_follows_the_framework_order_and_skips_untimed_starts(
    scr: Callable[..., Any],
) -> None:
    s = scr()
    assert list(s) == [
        "notified",
        "ofsted_notified",
        "decision",
        "panel_notified",
        "reviewer_appointed",
        "reviewer_independent",
        "reviewer_names_sent",
        "completed",
        "report_sent",
        "report_publishable",
        "published",
        "response_published",
        "unpublished",
    ]


def test_lcspr_report_sent_at_least_seven_working_days_before_publication(
    make_workbook: Callable[..., Path],
) -> None:
    review = {
        "review_id": "L-1",
        "la_aware": D(2023, 9, 1),
        "decision": D(2023, 10, 1),
        "decision_outcome": "Local review",
        "report_sent": D(2024, 3, 21),
        "published": D(2024, 4, 3),
    }
    s = stages_of(make_workbook("england-lcspr", [review]))[0]
    # 7 working days before Wed 3 Apr 2024: Tue 2, Thu 28, Wed 27, Tue 26, Mon 25, Fri 22, Thu 21
    assert s["report_sent"]["latest"] == "2024-03-21"
    assert s["report_sent"]["status"] == "on_time"


def test_lcspr_rapid_review_within_fifteen_working_days(make_workbook: Callable[..., Path]) -> None:
    review = {
        "review_id": "L-2",
        "la_aware": D(2024, 3, 25),
        "panel_notified": D(2024, 3, 27),
        "rapid_review_completed": D(2024, 4, 22),
    }
    s = stages_of(make_workbook("england-lcspr", [review]))[0]
    assert s["rapid_review_completed"]["latest"] == "2024-04-19"
    assert (s["rapid_review_completed"]["status"], s["rapid_review_completed"]["days_late"]) == (
        "late",
        3,
    )


def test_scottish_outcome_notification_within_seven_days_of_ratification(
    make_workbook: Callable[..., Path],
) -> None:
    review = {
        "review_id": "S-1",
        "notified": D(2024, 1, 5),
        "decision": D(2024, 1, 20),
        "decision_outcome": "Learning review",
        "completed": D(2024, 5, 1),
        "cog_ratified": D(2024, 5, 10),
        "ci_outcome_notified": D(2024, 5, 18),
    }
    s = stages_of(make_workbook("scotland-lr", [review]))[0]
    assert s["ci_outcome_notified"]["latest"] == "2024-05-17"
    assert (s["ci_outcome_notified"]["status"], s["ci_outcome_notified"]["days_late"]) == (
        "late",
        1,
    )
    assert s["decision"]["latest"] == "2024-02-02"  # 28 days after notification


def test_tables_evaluated_together_give_each_table_its_own_results(
    make_workbook: Callable[..., Path],
) -> None:
    """Sheets of one framework are evaluated as one joined table (tracker.evaluate.evaluate_tables):
    each sheet's results must be exactly what evaluating it alone gives, whatever the sizes."""
    import numpy as np

    from schemas.table import locate_table
    from schemas.validate import apply_schemas, prepare_table
    from tracker.evaluate import evaluate_table, evaluate_tables
    from tracker.frameworks.registry import get_framework
    from tracker.frameworks.synthetic import synthetic_rows
    from tracker.sources.xlsx import read_xlsx

    plan = [("england-scr", 40), ("wales-cpr", 25), ("england-scr", 1), ("england-scr", 17)]
    tables = []
    for n, (fid, count) in enumerate(plan):
        fw = get_framework(fid)
        rows = list(synthetic_rows(fw, count, seed=n, as_of=AS_OF, prefix=f"J{n}"))
        path = make_workbook(fid, rows, name=f"board-{n}.xlsx")
        book = read_xlsx(str(path), {fw.sheet.casefold()})
        tables += [prepare_table(locate_table(s, fw, book.source), AS_OF) for s in book.sheets]
    assert [len(t) for t in tables] == [count for _, count in plan]
    apply_schemas(tables)
    together = evaluate_tables([(t, t.framework) for t in tables], AS_OF)
    assert [r.table for r in together] == tables
    for table, joint in zip(tables, together, strict=True):
        alone = evaluate_table(table, AS_OF, table.framework)
        assert [s.stage.id for s in joint.stages] == [s.stage.id for s in alone.stages]
        for a, b in zip(joint.stages, alone.stages, strict=True):
            assert len(a.status) == len(table)
            for name in ("done", "earliest", "latest", "original_latest"):
                x, y = getattr(a, name), getattr(b, name)
                assert np.array_equal(x.view("i8"), y.view("i8")), (table.source, a.stage.id, name)
            for name in ("status", "days_late", "rule_mask"):
                assert np.array_equal(getattr(a, name), getattr(b, name)), (a.stage.id, name)
    statuses = {int(c) for r in together for s in r.stages for c in s.status}
    assert len(statuses) >= 4  # the sheets reach several outcomes, not one

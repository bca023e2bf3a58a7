"""How facts become state (PROTOCOL.md §6): milestones, server commands, assignee checks,
unit status and position, outcomes — and order independence."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from sync.rules import (
    AssignmentView,
    Decision,
    Fact,
    MilestoneFact,
    OutcomeDecision,
    OutcomeRevision,
    OutcomeView,
    PositionView,
    UnitDecision,
    UnitStatusView,
    apply_decision,
    apply_outcome,
    apply_unit_decision,
    decide,
    decide_location,
    decide_outcome,
    decide_unit_status,
    status_rank,
)

DISPATCHED = 1_000_000
MILESTONES = ("delivered", "ack", "en_route", "on_scene", "transporting", "cleared")


def assignment(**overrides: object) -> AssignmentView:
    values: dict[str, object] = {
        "id": "7",
        "unit_id": "u1",
        "status": "dispatched",
        "dispatched_ms": DISPATCHED,
    }
    values.update(overrides)
    return AssignmentView(**values)  # type: ignore[arg-type]


def fact(
    event_id: str, kind: str, at_ms: int, *, unit_id: str | None = "u1", **extra: object
) -> Fact:
    values: dict[str, object] = {
        "event_id": event_id,
        "kind": kind,
        "at_ms": at_ms,
        "received_ms": at_ms + 1000,
        "unit_id": unit_id,
    }
    values.update(extra)
    return Fact(**values)  # type: ignore[arg-type]


def test_first_milestone_is_applied_and_moves_the_status():
    # when
    decision = decide(assignment(), fact("e1", "ack", DISPATCHED + 5_000))

    # then
    assert decision == Decision(
        "applied", None, MilestoneFact("e1", DISPATCHED + 5_000), None, "acknowledged"
    )


def test_later_milestone_of_the_same_kind_is_superseded():
    # given
    view = assignment(
        status="on_scene", milestones={"on_scene": MilestoneFact("e1", DISPATCHED + 60_000)}
    )

    # when
    decision = decide(view, fact("e2", "on_scene", DISPATCHED + 90_000))

    # then
    assert decision == Decision("superseded", None, None, None, "on_scene")


def test_earlier_milestone_arriving_late_takes_over_and_supersedes_the_winner():
    # given
    view = assignment(
        status="on_scene", milestones={"on_scene": MilestoneFact("e2", DISPATCHED + 90_000)}
    )

    # when
    decision = decide(view, fact("e1", "on_scene", DISPATCHED + 60_000))

    # then
    assert decision == Decision(
        "applied", None, MilestoneFact("e1", DISPATCHED + 60_000), "e2", "on_scene"
    )


def test_tie_on_time_is_broken_by_event_id():
    # given
    view = assignment(
        status="on_scene", milestones={"on_scene": MilestoneFact("bbbb", DISPATCHED + 60_000)}
    )

    # when
    lower = decide(view, fact("aaaa", "on_scene", DISPATCHED + 60_000))
    higher = decide(view, fact("cccc", "on_scene", DISPATCHED + 60_000))

    # then
    assert (lower.disposition, lower.superseded_event_id) == ("applied", "bbbb")
    assert (higher.disposition, higher.milestone_update) == ("superseded", None)


def test_deciding_the_winner_again_changes_nothing():
    # given
    view = assignment(
        status="acknowledged", milestones={"ack": MilestoneFact("e1", DISPATCHED + 5_000)}
    )

    # when
    decision = decide(view, fact("e1", "ack", DISPATCHED + 5_000))

    # then
    assert decision == Decision("applied", None, None, None, "acknowledged")


def test_status_never_moves_backwards():
    # given
    view = assignment(
        status="on_scene", milestones={"on_scene": MilestoneFact("e2", DISPATCHED + 90_000)}
    )

    # when
    decision = decide(view, fact("e1", "ack", DISPATCHED + 5_000))

    # then
    assert decision == Decision(
        "applied", None, MilestoneFact("e1", DISPATCHED + 5_000), None, "on_scene"
    )


def test_arrival_before_cancellation_counts_and_status_stays_cancelled():
    # given
    cancelled = DISPATCHED + 600_000
    view = assignment(status="cancelled", cancelled_ms=cancelled)

    # when
    decision = decide(view, fact("e1", "on_scene", cancelled - 60_000))

    # then
    assert decision == Decision(
        "applied", None, MilestoneFact("e1", cancelled - 60_000), None, "cancelled"
    )


def test_arrival_after_cancellation_is_kept_with_a_conflict():
    # given
    cancelled = DISPATCHED + 600_000
    view = assignment(status="cancelled", cancelled_ms=cancelled)

    # when
    decision = decide(view, fact("e1", "on_scene", cancelled + 60_000))

    # then
    assert decision == Decision("after_cancel", "after_cancel", None, None, "cancelled")


def test_delivery_receipt_after_cancellation_opens_no_conflict():
    # given
    cancelled = DISPATCHED + 600_000
    view = assignment(status="cancelled", cancelled_ms=cancelled)

    # when
    decision = decide(view, fact("e1", "delivered", cancelled + 60_000))

    # then
    assert decision == Decision("after_cancel", None, None, None, "cancelled")


def test_arrival_after_reassignment_is_kept_with_a_conflict():
    # given
    reassigned = DISPATCHED + 600_000
    view = assignment(status="superseded", superseded_ms=reassigned)

    # when
    decision = decide(view, fact("e1", "on_scene", reassigned + 1))

    # then
    assert decision == Decision("after_reassign", "after_reassign", None, None, "superseded")


def test_clearing_after_the_incident_closed_is_kept_with_a_conflict():
    # given
    closed = DISPATCHED + 3_600_000
    view = assignment(status="on_scene", closed_ms=closed)

    # when
    decision = decide(view, fact("e1", "cleared", closed + 5_000))

    # then
    assert decision == Decision("after_close", "after_close", None, None, "on_scene")


def test_the_earliest_command_names_the_disposition():
    # given: cancelled, then the incident closed; the arrival is after both
    view = assignment(status="cancelled", cancelled_ms=DISPATCHED + 10, closed_ms=DISPATCHED + 20)

    # when
    decision = decide(view, fact("e1", "on_scene", DISPATCHED + 30))

    # then
    assert decision.disposition == "after_cancel"


def test_event_of_another_unit_is_not_assignee_with_a_conflict():
    # when
    decision = decide(assignment(), fact("e1", "ack", DISPATCHED + 5_000, unit_id="u2"))

    # then
    assert decision == Decision("not_assignee", "not_assignee", None, None, "dispatched")


def test_office_facts_are_not_checked_against_the_assignee():
    # when
    decision = decide(
        assignment(), fact("e1", "ack", DISPATCHED + 5_000, unit_id=None, source="on_behalf")
    )

    # then
    assert decision.disposition == "applied"


def test_notes_and_outcomes_are_recorded():
    # when
    note = decide(assignment(), fact("e1", "note", DISPATCHED + 1, payload={"text": "x"}))
    outcome = decide(assignment(cancelled_ms=DISPATCHED), fact("e2", "outcome", DISPATCHED + 1))

    # then
    assert note == Decision("recorded", None, None, None, "dispatched")
    assert outcome == Decision("recorded", None, None, None, "dispatched")


def project(view: AssignmentView, facts: list[Fact]) -> tuple[AssignmentView, dict[str, str]]:
    """Fold facts into the view as the gateway does, keeping each event's final disposition."""
    dispositions: dict[str, str] = {}
    for item in facts:
        before = status_rank(view.status)
        decision = decide(view, item)
        view = apply_decision(view, item, decision)
        assert status_rank(view.status) >= before or view.status in ("cancelled", "superseded")
        if item.event_id not in dispositions or decision.milestone_update is not None:
            dispositions[item.event_id] = decision.disposition
        if decision.superseded_event_id is not None:
            dispositions[decision.superseded_event_id] = "superseded"
    return view, dispositions


facts_strategy = st.lists(
    st.builds(
        lambda n, kind, offset, unit: fact(f"e{n:03d}", kind, DISPATCHED + offset, unit_id=unit),
        st.integers(0, 40),
        st.sampled_from((*MILESTONES, "note")),
        st.integers(0, 600_000),
        st.sampled_from(["u1", "u1", "u1", "u2", None]),
    ),
    max_size=25,
    unique_by=lambda f: f.event_id,
)


@given(
    facts=facts_strategy,
    commands=st.fixed_dictionaries(
        {
            "cancelled_ms": st.none() | st.integers(DISPATCHED, DISPATCHED + 600_000),
            "closed_ms": st.none() | st.integers(DISPATCHED, DISPATCHED + 600_000),
        }
    ),
    data=st.data(),
)
def test_any_order_with_duplicates_ends_in_the_same_projection(facts, commands, data):
    # given
    status = "cancelled" if commands["cancelled_ms"] is not None else "dispatched"
    view = assignment(status=status, **commands)
    shuffled = data.draw(st.permutations(facts))
    duplicated = (
        shuffled + data.draw(st.lists(st.sampled_from(facts), max_size=10)) if facts else shuffled
    )

    # when
    in_order, in_order_dispositions = project(view, facts)
    reordered, reordered_dispositions = project(view, duplicated)

    # then
    assert reordered == in_order
    assert reordered_dispositions == in_order_dispositions


def status_view(**overrides: object) -> UnitStatusView:
    values: dict[str, object] = {"unit_id": "u1", "status": "available"}
    values.update(overrides)
    return UnitStatusView(**values)  # type: ignore[arg-type]


def test_latest_unit_status_by_estimated_time_wins():
    # given
    current = status_view(status="busy", status_at_ms=2_000, status_event_id="e1")

    # when
    later = decide_unit_status(
        current, fact("e2", "unit_status", 3_000, payload={"status": "available"})
    )
    earlier = decide_unit_status(
        current, fact("e0", "unit_status", 1_000, payload={"status": "en_route"})
    )

    # then
    assert later == UnitDecision("applied", True, "available", 3_000, "e1")
    assert earlier == UnitDecision("superseded", False, "busy", 1_000)


def test_sos_sets_the_sos_status():
    # when
    decision = decide_unit_status(status_view(), fact("e1", "sos", 3_000))

    # then
    assert decision == UnitDecision("applied", True, "sos", 3_000, None)


def test_chief_out_of_service_wins_over_a_device_status_recorded_before_it():
    # given: a chief set out_of_service at 10 000; the device recorded "available" at 9 000
    current = status_view(
        status="out_of_service",
        status_at_ms=10_000,
        status_event_id="chief",
        chief_out_of_service_ms=10_000,
    )

    # when
    decision = decide_unit_status(
        current,
        fact("e1", "unit_status", 9_000, received_ms=20_000, payload={"status": "available"}),
    )

    # then
    assert decision == UnitDecision("superseded", False, "out_of_service", 9_000)


def test_chief_out_of_service_wins_over_a_device_status_that_may_be_before_it():
    # given: the device's status is estimated after the command, but not beyond doubt
    current = status_view(
        status="out_of_service",
        status_at_ms=10_000,
        status_event_id="chief",
        chief_out_of_service_ms=10_000,
    )
    doubtful = fact(
        "e1",
        "unit_status",
        12_000,
        uncertainty_ms=5_000,
        received_ms=20_000,
        payload={"status": "busy"},
    )

    # when
    decision = decide_unit_status(current, doubtful)

    # then
    assert decision == UnitDecision("superseded", False, "out_of_service", 9_999)


def test_device_status_clearly_after_the_chief_command_applies():
    # given
    current = status_view(
        status="out_of_service",
        status_at_ms=10_000,
        status_event_id="chief",
        chief_out_of_service_ms=10_000,
    )
    clear = fact(
        "e1",
        "unit_status",
        20_000,
        uncertainty_ms=5_000,
        received_ms=21_000,
        payload={"status": "busy"},
    )

    # when
    decision = decide_unit_status(current, clear)

    # then
    assert decision == UnitDecision("applied", True, "busy", 20_000, "chief")


@given(
    device_facts=st.lists(
        st.builds(
            lambda n, at, u, lag, status: fact(
                f"d{n:03d}",
                "unit_status",
                at,
                uncertainty_ms=u,
                received_ms=at + lag,
                payload={"status": status},
            ),
            st.integers(0, 99),
            st.integers(0, 100_000),
            st.integers(0, 20_000),
            st.integers(0, 50_000),
            st.sampled_from(["available", "busy", "en_route", "sos"]),
        ),
        max_size=12,
        unique_by=lambda f: f.event_id,
    ),
    chief_at=st.integers(0, 100_000),
    data=st.data(),
)
def test_unit_status_is_order_independent(device_facts, chief_at, data):
    # given: the chief's out_of_service, and device statuses decided in any order after it
    chief = fact(
        "chief",
        "unit_status",
        chief_at,
        unit_id=None,
        source="backfill",
        payload={"status": "out_of_service"},
    )
    start = status_view(chief_out_of_service_ms=chief_at)
    after_command = [f for f in device_facts if f.received_ms >= chief_at]
    # those received before the command are estimated before it (estimates never exceed receipt)
    before_command = [f for f in device_facts if f.received_ms < chief_at and f.at_ms < chief_at]
    facts = [chief, *after_command, *before_command]

    def fold(order: list[Fact]) -> UnitStatusView:
        view = start
        for item in order:
            view = apply_unit_decision(view, item, decide_unit_status(view, item))
        return view

    # when
    first = fold(facts)
    second = fold(
        data.draw(st.permutations(facts)) + data.draw(st.lists(st.sampled_from(facts), max_size=5))
    )

    # then
    assert second == first


def test_latest_position_wins_and_older_ones_are_history():
    # given
    current = PositionView("u1", position_at_ms=5_000, position_event_id="e5")

    # when
    newer = decide_location(current, fact("e6", "location", 6_000))
    older = decide_location(current, fact("e4", "location", 4_000))

    # then
    assert newer == UnitDecision("applied", True, "", 6_000, "e5", "recorded")
    assert older == UnitDecision("recorded", False, "", 4_000)


def outcome_fact(event_id: str, code: str, received_ms: int, source: str = "app") -> Fact:
    return Fact(
        event_id=event_id,
        kind="outcome",
        at_ms=received_ms - 1,
        received_ms=received_ms,
        unit_id="u1" if source == "app" else None,
        source=source,  # type: ignore[arg-type]
        payload={"code": code},
    )


def test_latest_outcome_by_receipt_is_shown():
    # given
    shown = OutcomeRevision("e1", "warning", 5_000, "app")
    current = OutcomeView(shown=shown, latest_field=shown)

    # when
    later = decide_outcome(current, outcome_fact("e2", "arrest", 6_000))
    earlier = decide_outcome(current, outcome_fact("e0", "arrest", 4_000))

    # then: same side, so no conflict
    assert later == OutcomeDecision("recorded", True, None)
    assert earlier == OutcomeDecision("recorded", False, None)


def test_chief_outcome_differing_from_the_device_opens_a_conflict():
    # given
    shown = OutcomeRevision("e1", "warning", 5_000, "app")
    current = OutcomeView(shown=shown, latest_field=shown)

    # when
    differing = decide_outcome(current, outcome_fact("c1", "arrest", 6_000, source="backfill"))
    agreeing = decide_outcome(current, outcome_fact("c2", "warning", 6_000, source="backfill"))

    # then
    assert differing == OutcomeDecision("recorded", True, "outcome_mismatch")
    assert agreeing == OutcomeDecision("recorded", True, None)


def test_device_outcome_differing_from_the_chief_opens_a_conflict():
    # given
    shown = OutcomeRevision("c1", "arrest", 5_000, "backfill")
    current = OutcomeView(shown=shown, latest_office=shown)

    # when
    decision = decide_outcome(current, outcome_fact("e1", "warning", 4_000))

    # then
    assert decision == OutcomeDecision("recorded", False, "outcome_mismatch")


@given(
    revisions=st.lists(
        st.builds(
            lambda n, code, received, source: outcome_fact(f"o{n:02d}", code, received, source),
            st.integers(0, 50),
            st.sampled_from(["warning", "arrest", "referred"]),
            st.integers(1, 10_000),
            st.sampled_from(["app", "sms", "backfill"]),
        ),
        min_size=1,
        max_size=10,
        unique_by=lambda f: f.event_id,
    ),
    data=st.data(),
)
def test_shown_outcome_is_order_independent(revisions, data):
    # given
    def fold(order: list[Fact]) -> OutcomeView:
        view = OutcomeView()
        for item in order:
            view = apply_outcome(view, item, decide_outcome(view, item))
        return view

    # when
    first = fold(revisions)
    second = fold(
        data.draw(st.permutations(revisions))
        + data.draw(st.lists(st.sampled_from(revisions), max_size=4))
    )

    # then
    assert second == first
    assert first.shown == max(
        (
            OutcomeRevision(f.event_id, f.payload["code"], f.received_ms, f.source)
            for f in revisions
        ),
        key=lambda r: (r.received_ms, r.event_id),
    )

"""Cursors, pull modes, snapshot continuation and audience names (PROTOCOL.md §4)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync.protocol import ProtocolError
from sync.scope import (
    EVERYONE,
    MAX_PAGE,
    MAX_SEQ,
    MAX_SESSION_ID,
    NOTHING_SERVED,
    SNAPSHOT_TAG,
    PullMode,
    PullPlan,
    SnapshotCursor,
    decode_cursor,
    device_audiences,
    district_audience,
    parse_last_pulled_at,
    plan_pull,
    response_timestamp,
    unit_audience,
)


@pytest.mark.parametrize("text", [None, "", "null", "undefined", " null "])
def test_null_cursor_means_snapshot(text):
    # when
    cursor = parse_last_pulled_at(text)

    # then
    assert cursor is None
    assert plan_pull(cursor=cursor, head=10, retained_after=0) == PullPlan(
        PullMode.SNAPSHOT, reason="null"
    )


@pytest.mark.parametrize("text", ["abc", "-1", "1.5", "1e3", "0x10", "9007199254740992", "١٢"])
def test_non_integer_cursor_is_malformed(text):
    # when
    with pytest.raises(ProtocolError) as caught:
        parse_last_pulled_at(text)

    # then
    assert caught.value.code == "malformed"


def test_integer_cursor_is_a_sequence_number():
    # when
    cursor = parse_last_pulled_at("48213")

    # then
    assert cursor == 48213


def test_cursor_within_the_log_is_served_incrementally():
    # when
    plan = plan_pull(cursor=40, head=50, retained_after=40, scope_epoch=30)

    # then
    assert plan == PullPlan(PullMode.INCREMENTAL, since=40)


@pytest.mark.parametrize(
    ("cursor", "epoch", "reason"),
    [(51, None, "unknown"), (39, None, "too_old"), (45, 46, "scope_changed")],
)
def test_unknown_too_old_or_pre_scope_change_cursor_gets_a_snapshot(cursor, epoch, reason):
    # when
    plan = plan_pull(cursor=cursor, head=50, retained_after=40, scope_epoch=epoch)

    # then
    assert plan == PullPlan(PullMode.SNAPSHOT, reason=reason)


def test_cursor_at_the_scope_epoch_is_incremental():
    # when
    plan = plan_pull(cursor=46, head=50, retained_after=0, scope_epoch=46)

    # then
    assert plan.mode == PullMode.INCREMENTAL


def test_continuation_cursor_continues_its_snapshot():
    # given
    text = str(SnapshotCursor(session_id=7, page=3).encode())

    # when
    plan = plan_pull(cursor=parse_last_pulled_at(text), head=50, retained_after=0)

    # then
    assert plan == PullPlan(PullMode.SNAPSHOT_CONTINUE, session=SnapshotCursor(7, 3))


def test_continuation_cursor_layout():
    # then
    assert SnapshotCursor(0, 0).encode() == 2**52
    assert SnapshotCursor(1, 2).encode() == 2**52 + 2**20 + 2
    assert SnapshotCursor(MAX_SESSION_ID, MAX_PAGE).encode() == 2**53 - 1
    assert SnapshotCursor(7, 3).next() == SnapshotCursor(7, 4)


@given(
    session_id=st.integers(0, MAX_SESSION_ID),
    page=st.integers(0, MAX_PAGE),
    seq=st.integers(0, MAX_SEQ),
)
def test_continuation_cursors_round_trip_and_never_collide_with_sequence_numbers(
    session_id, page, seq
):
    # given
    encoded = SnapshotCursor(session_id, page).encode()

    # then
    assert SNAPSHOT_TAG <= encoded < 2**53
    assert decode_cursor(encoded) == SnapshotCursor(session_id, page)
    assert decode_cursor(seq) == seq
    assert encoded != seq


@pytest.mark.parametrize(
    ("session_id", "page"), [(-1, 0), (MAX_SESSION_ID + 1, 0), (0, MAX_PAGE + 1)]
)
def test_out_of_range_continuation_is_refused(session_id, page):
    # when
    with pytest.raises(ValueError, match="must be within"):
        SnapshotCursor(session_id, page)


def test_response_timestamp_is_the_last_served_seq_when_more_follow():
    # then
    assert response_timestamp(head=90, last_served=60, has_more=True) == 60
    assert response_timestamp(head=90, last_served=60, has_more=False) == 90
    assert response_timestamp(head=0, last_served=None, has_more=False) == NOTHING_SERVED


def test_the_empty_log_cursor_gets_a_snapshot_so_the_first_change_is_not_skipped():
    # given: an empty change log answered NOTHING_SERVED; then the first change committed
    timestamp = response_timestamp(head=0, last_served=None, has_more=False)

    # when
    plan = plan_pull(cursor=parse_last_pulled_at(str(timestamp)), head=1, retained_after=0)

    # then
    assert plan == PullPlan(PullMode.SNAPSHOT, reason="null")


def test_audience_names():
    # then
    assert unit_audience(12) == "u:12"
    assert district_audience("3") == "d:3"
    assert EVERYONE == "*"
    assert device_audiences(unit_id=12, district_id=3) == ["*", "d:3", "u:12"]
    assert device_audiences(unit_id=None, district_id=3) == ["*", "d:3"]

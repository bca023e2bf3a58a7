"""The property tests check rules, not speed: no example fails for being slow (Hypothesis's
default 200 ms deadline failed rule checks on a loaded CI box; speed is measured in bench/)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st


def test_the_suite_sets_no_deadline_on_examples():
    assert settings.default.deadline is None


@given(st.integers())
def test_a_property_test_runs_under_the_suites_profile(n):
    assert settings().deadline is None
    assert isinstance(n, int)

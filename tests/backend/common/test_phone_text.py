"""A phone number on a screen is grouped as Kazakhstan writes and reads it aloud,
"+7 777 123 45 67": as one run of eleven digits a duty officer lost his place reading it back
to a caller or keying it into the desk phone. What is stored (E.164) is not touched, and
anything not a Kazakhstan number stays as it was typed."""

from __future__ import annotations

import pytest

from backend.common.formatting import phone_html, phone_text


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("+77771234567", "+7 777 123 45 67"),
        ("+77012345678", "+7 701 234 56 78"),
        ("+77222123456", "+7 722 212 34 56"),  # a Semey landline
        (" +77771234567 ", "+7 777 123 45 67"),
    ],
)
def test_a_kazakhstan_number_is_grouped(stored, shown):
    assert phone_text(stored) == shown


@pytest.mark.parametrize(
    "stored",
    [
        "…1234",  # past retention: the last digits only
        "…",
        "",
        "+79161234567",  # Russia shares +7; not ours to regroup
        "+7777123456",  # a digit short
        "+777712345678",  # a digit over
        "87771234567",  # as typed, not E.164
        "+7 777 123 45 67",  # grouped already
        "+4915112345678",
        "+7777123456x",
    ],
)
def test_anything_else_stays_as_typed(stored):
    assert phone_text(stored) == stored


def test_the_link_dials_the_stored_number_and_shows_it_grouped():
    assert phone_html("+77771234567") == '<a href="tel:+77771234567">+7 777 123 45 67</a>'


def test_what_is_not_a_number_to_call_is_escaped_without_a_link():
    assert phone_html("…1234") == "…1234"
    assert phone_html("<b>+7</b>") == "&lt;b&gt;+7&lt;/b&gt;"

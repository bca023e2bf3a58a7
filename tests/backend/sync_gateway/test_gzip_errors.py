"""A gzip body that is wrong says how: bytes that begin no gzip member are corrupt, a member
cut short is truncated. One stray byte — a newline after the member, or a body of one byte
— read "the gzip body is truncated", zlib waiting for a header it never checked."""

import gzip

import orjson
import pytest

from backend.dispatch.models import Event

from .conftest import event

CORRUPT = "the gzip body is corrupt"
TRUNCATED = "the gzip body is truncated"


def whole(assignment) -> bytes:
    return gzip.compress(
        orjson.dumps(
            {
                "changes": {
                    "events": {"created": [event("ack", assignment)], "updated": [], "deleted": []}
                },
                "lastPulledAt": None,
            }
        )
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("damage", "detail"),
    [
        pytest.param(lambda body: body + b"\n", CORRUPT, id="newline-after-member"),
        pytest.param(lambda body: body + b"x", CORRUPT, id="stray-byte-after-member"),
        pytest.param(lambda body: b"{", CORRUPT, id="one-byte-no-gzip"),
        pytest.param(lambda body: b"\x1f\x8c" + body[2:], CORRUPT, id="wrong-magic"),
        pytest.param(lambda body: body[:2] + b"\x07" + body[3:], CORRUPT, id="not-deflate"),
        pytest.param(lambda body: body[:-5], TRUNCATED, id="trailer-cut"),
        pytest.param(lambda body: body[:5], TRUNCATED, id="header-cut"),
        pytest.param(lambda body: body + body[:1], TRUNCATED, id="next-member-first-byte-only"),
        pytest.param(lambda body: b"", "the gzip body is empty", id="empty"),
    ],
)
def test_a_damaged_gzip_body_says_whether_it_is_corrupt_or_truncated(
    assignment_a, device_a1, damage, detail
):
    # given: a push in gzip, damaged
    body = damage(whole(assignment_a))

    # when
    response = device_a1.push_raw(body, HTTP_CONTENT_ENCODING="gzip")

    # then: 400 in the documented shape, saying what is wrong, and nothing stored
    answer = response.json()
    assert response.status_code == 400
    assert (answer["error"], answer["detail"]) == ("malformed", detail)
    assert isinstance(answer["server_time"], int)
    assert not Event.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("sent", [b"", b" \r\n"], ids=["nothing", "whitespace"])
def test_an_empty_body_says_it_is_empty(device_a1, sent):
    # when: a push whose body was never written (it read "the body is not JSON")
    response = device_a1.push_raw(sent)

    # then
    assert response.status_code == 400
    assert (response.json()["error"], response.json()["detail"]) == (
        "malformed",
        "the body is empty",
    )


@pytest.mark.django_db
def test_a_gzip_body_sent_without_its_header_says_so(assignment_a, device_a1):
    # when: compressed, and the Content-Encoding header lost on the way (it read "not JSON")
    response = device_a1.push_raw(whole(assignment_a))

    # then
    assert response.status_code == 400
    assert response.json()["detail"] == "the body is gzip, sent without Content-Encoding: gzip"
    assert not Event.objects.exists()

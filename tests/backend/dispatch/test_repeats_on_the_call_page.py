"""A call's page lists the reports linked to it as its repeats — the caller ringing back
with more ("the fight goes on") — with their number, time, caller and words; a DV repeat by
its number and time only (its words are read on its own page, where the read is audited)."""

from __future__ import annotations

import datetime as dt

import pytest

from backend.common import clock
from backend.common.formatting import when_text
from tests import factories


@pytest.mark.django_db
def test_the_calls_page_lists_its_repeat_reports(personas, client):
    # given: a fight at Aktogay, then its caller ringing back ten minutes later
    now = clock.now()
    first = factories.incident(
        district=personas.a.district, settlement=personas.a.village, category="violence",
        priority="P0", received_at=now - dt.timedelta(minutes=15), summary="драка у магазина",
    )  # fmt: skip
    again = factories.incident(
        district=personas.a.district, settlement=personas.a.village, category="violence",
        priority="P0", received_at=now - dt.timedelta(minutes=5), status="duplicate",
        duplicate_of=first, caller_name="Айгерим", caller_phone="+77012345678",
        summary="снова звонит, драка продолжается",
    )  # fmt: skip
    dv = factories.incident(
        district=personas.a.district, settlement=personas.a.village,
        category="domestic_violence", priority="P1", received_at=now - dt.timedelta(minutes=4),
        status="duplicate", duplicate_of=first, caller_phone="+77015550202",
        summary="муж с ножом",
    )  # fmt: skip
    client.force_login(personas.duty)

    # when: the first call's page
    html = client.get(f"/admin/dispatch/incident/{first.pk}/change/").content.decode()

    # then: both repeats, linked, oldest first; the DV one without its caller or words
    listed = html.split('class="kuzet-repeats">', 1)[1].split("</dd>", 1)[0]
    ring_back = when_text(again.received_at)
    assert (
        f'<a href="/admin/dispatch/incident/{again.pk}/change/">{again.number}</a> · '
        f"{ring_back} · Айгерим +7 701 234 56 78 — снова звонит, драка продолжается"
    ) in listed
    assert f'<a href="/admin/dispatch/incident/{dv.pk}/change/">{dv.number}</a>' in listed
    assert listed.index(again.number) < listed.index(dv.number)
    assert "муж с ножом" not in html
    assert "+77015550202" not in html
    assert "+7 701 555 02 02" not in html


@pytest.mark.django_db
def test_the_callers_number_reads_grouped_and_dials_as_stored(personas, client):
    # given: a call whose caller's number is stored as E.164
    call = factories.incident(
        district=personas.a.district, settlement=personas.a.village, category="violence",
        priority="P1", caller_name="Айгерим", caller_phone="+77012345678", summary="драка",
    )  # fmt: skip
    client.force_login(personas.duty)

    # when: the call's page
    html = client.get(f"/admin/dispatch/incident/{call.pk}/change/").content.decode()

    # then: the panel and the record show it as read aloud, "+7 701 234 56 78"; the record's
    # is a tel: link to the number as stored (the panel's is not: no Tab stop in the keyboard
    # path of a dispatch, tests/e2e/duty/test_keyboard.py); nowhere eleven digits in one run
    link = '<a href="tel:+77012345678">+7 701 234 56 78</a>'
    assert "Айгерим +7 701 234 56 78</dd>" in html
    assert html.count(link) == 1  # the record's "caller phone"
    assert ">+77012345678<" not in html
    call.refresh_from_db()
    assert call.caller_phone == "+77012345678"

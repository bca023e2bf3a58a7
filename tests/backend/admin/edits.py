"""What the tests of console edits share: post a record's form as its page filled it, a
superuser of district A's oblast, the latest audit entry of an action."""

from __future__ import annotations

from backend.ledger.models import AuditEntry
from backend.people.models import Officer, Role


def post_change(client, url: str, **changes: str):
    """The record's form as the page filled it, with ``changes``, posted."""
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    response = client.post(url, {**data, **changes})
    assert response.status_code == 302, response.context and response.context["adminform"].errors
    return response


def superuser(personas) -> Officer:
    oblast = personas.a.district.oblast
    return Officer.objects.create_superuser(
        username="root", password="pw-root", role=Role.OBLAST_ADMIN, oblast=oblast
    )


def latest_entry(action: str) -> AuditEntry:
    return AuditEntry.objects.filter(action=action).latest("id")

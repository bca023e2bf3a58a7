"""Each partner keeps the callback that was in effect: the one set last on any of its keys
(``services.partner_callback`` before callbacks were per partner); the others, never used
since a later one was set, are deleted. Every delivery takes its key's partner, so the old
ones stay readable in the console. Its own migration: PostgreSQL refuses to alter a table
in the transaction that updated its rows (pending foreign-key trigger events)."""

from django.db import migrations
from django.db.models import F, OuterRef, Subquery


def per_partner(apps, schema_editor):
    callback = apps.get_model("webhooks", "IntakeCallback")
    delivery = apps.get_model("webhooks", "CallbackDelivery")
    key = apps.get_model("dispatch", "IntakeKey")
    seen: set[int] = set()
    for row in callback.objects.select_related("key").order_by("-created_at", "-pk"):
        if row.key.partner_id in seen:
            row.delete()  # set earlier than the partner's callback in effect
            continue
        seen.add(row.key.partner_id)
        row.partner_id = row.key.partner_id
        row.save(update_fields=["partner"])
    delivery.objects.filter(partner__isnull=True).update(
        partner_id=Subquery(key.objects.filter(pk=OuterRef("key_id")).values("partner_id")[:1])
    )


def per_key(apps, schema_editor):
    """Back: a callback and its deliveries on the partner's newest live key (else its newest)."""
    callback = apps.get_model("webhooks", "IntakeCallback")
    delivery = apps.get_model("webhooks", "CallbackDelivery")
    key = apps.get_model("dispatch", "IntakeKey")
    newest = (
        key.objects.filter(partner_id=OuterRef("partner_id"))
        .order_by(F("revoked_at").asc(nulls_first=True), "-created_at", "-pk")
        .values("pk")[:1]
    )
    for model in (callback, delivery):
        model.objects.filter(key__isnull=True).update(key_id=Subquery(newest))


class Migration(migrations.Migration):
    dependencies = [
        ("webhooks", "0003_callback_partner_fields"),
    ]

    operations = [
        migrations.RunPython(per_partner, per_key),
    ]

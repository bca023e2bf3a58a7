"""When a delivery finished (delivered, superseded, given up): old finished rows are pruned
``KUZET_CALLBACK_RETENTION_DAYS`` after it. Rows finished before this migration take their
delivery, giving-up or last attempt's time (a superseded one: its creation's)."""

from django.db import migrations, models
from django.db.models.functions import Coalesce


def finished_since(apps, schema_editor):
    delivery = apps.get_model("webhooks", "CallbackDelivery")
    delivery.objects.filter(state__in=("delivered", "superseded", "failed")).update(
        finished_at=Coalesce("delivered_at", "gave_up_at", "last_attempt_at", "created_at")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("webhooks", "0001_partner_callbacks"),
    ]

    operations = [
        migrations.AddField(
            model_name="callbackdelivery",
            name="finished_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="finished at"),
        ),
        migrations.AddIndex(
            model_name="callbackdelivery",
            index=models.Index(fields=["finished_at"], name="webhooks_delivery_finished"),
        ),
        migrations.RunPython(finished_since, migrations.RunPython.noop, elidable=True),
    ]

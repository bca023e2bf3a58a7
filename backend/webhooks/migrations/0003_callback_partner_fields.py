"""Callbacks and deliveries get their partner (nullable until 0004 fills it, 0005 requires it),
and their key may be empty while it is being replaced."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("dispatch", "0026_external_ref_unique_per_partner"),
        ("webhooks", "0002_delivery_finished_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="intakecallback",
            name="partner",
            # Not yet one per partner: a partner may have a callback on each of its keys.
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="dispatch.intakepartner",
                verbose_name="intake partner",
            ),
        ),
        migrations.AlterField(
            model_name="intakecallback",
            name="key",
            field=models.OneToOneField(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="callback",
                to="dispatch.intakekey",
                verbose_name="intake key",
            ),
        ),
        migrations.AddField(
            model_name="callbackdelivery",
            name="partner",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="dispatch.intakepartner",
                verbose_name="intake partner",
            ),
        ),
        migrations.AlterField(
            model_name="callbackdelivery",
            name="key",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="dispatch.intakekey",
                verbose_name="intake key",
            ),
        ),
    ]

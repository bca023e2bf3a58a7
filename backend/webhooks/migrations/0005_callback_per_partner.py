"""One callback per partner, and every delivery its partner's; the key is no more theirs."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("webhooks", "0004_callback_partner_latest"),
    ]

    operations = [
        migrations.RemoveField(model_name="intakecallback", name="key"),
        migrations.RemoveField(model_name="callbackdelivery", name="key"),
        migrations.AlterField(
            model_name="intakecallback",
            name="partner",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="callback",
                to="dispatch.intakepartner",
                verbose_name="intake partner",
            ),
        ),
        migrations.AlterField(
            model_name="callbackdelivery",
            name="partner",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="dispatch.intakepartner",
                verbose_name="intake partner",
            ),
        ),
    ]

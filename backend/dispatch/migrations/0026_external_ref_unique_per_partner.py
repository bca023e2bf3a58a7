"""A partner's external_ref is unique per partner (the partner of the key it came with, filled
in 0025), no longer per key: a key's replacement replays, refuses and reads the reports sent
with the key it replaced. Every existing row satisfies the new constraint (each key was a
partner of its own); the per-partner one is added before the per-key one is dropped."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("dispatch", "0025_intake_partner"),
    ]

    operations = [
        migrations.AlterField(
            model_name="intakekey",
            name="partner",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="keys",
                to="dispatch.intakepartner",
                verbose_name="partner",
            ),
        ),
        migrations.AddConstraint(
            model_name="incident",
            constraint=models.UniqueConstraint(
                condition=models.Q(
                    ("external_ref__isnull", False), ("intake_partner__isnull", False)
                ),
                fields=("intake_partner", "external_ref"),
                name="incident_external_ref_unique_per_partner",
            ),
        ),
        migrations.AddConstraint(
            model_name="incident",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("intake_key__isnull", True), ("intake_partner__isnull", True)),
                    models.Q(("intake_key__isnull", False), ("intake_partner__isnull", False)),
                    _connector="OR",
                ),
                name="incident_intake_partner_with_key",
            ),
        ),
        migrations.RemoveConstraint(
            model_name="incident",
            name="incident_external_ref_unique_per_key",
        ),
    ]

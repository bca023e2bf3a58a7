"""Intake partners: a key issued to replace another (after a leak, or on schedule) is the same
partner's, and a report belongs to the partner, not to the key it came with — so a retry with
the replacement is a replay, not a second emergency call, and the report is read and called
back through it. Every existing key is a partner of its own (named and dated as the key), and
every partner's report is its key's partner's: nothing a partner sees changes. The columns are
filled here and made required, with the unique reference per partner, in 0026 (PostgreSQL
does not alter a table with the rows' foreign-key checks still pending in the transaction)."""

import django.db.models.deletion
from django.db import migrations, models


def partners_for_keys(apps, schema_editor):
    IntakeKey = apps.get_model("dispatch", "IntakeKey")
    IntakePartner = apps.get_model("dispatch", "IntakePartner")
    Incident = apps.get_model("dispatch", "Incident")
    for key in IntakeKey.objects.order_by("pk"):
        partner = IntakePartner.objects.create(
            name=key.name, channel=key.channel, created_at=key.created_at
        )
        IntakeKey.objects.filter(pk=key.pk).update(partner=partner)
        Incident.objects.filter(intake_key=key).update(intake_partner=partner)


class Migration(migrations.Migration):
    dependencies = [
        ("dispatch", "0024_external_ref_unique_per_key"),
    ]

    operations = [
        migrations.CreateModel(
            name="IntakePartner",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=80, verbose_name="name")),
                (
                    "channel",
                    models.CharField(
                        choices=[
                            ("phone_102", "102 line"),
                            ("app_102", "Police-102 app"),
                            ("egov", "eGov Mobile"),
                            ("kaspi", "Kaspi.kz"),
                            ("halyk", "Halyk"),
                            ("video", "ЦОУ camera inspector"),
                            ("walk_in", "Walk-in"),
                            ("patrol", "Self-initiated by patrol"),
                            ("agency_112", "112 agency"),
                        ],
                        max_length=16,
                        verbose_name="channel",
                    ),
                ),
                ("created_at", models.DateTimeField(verbose_name="created at")),
            ],
            options={
                "verbose_name": "intake partner",
                "verbose_name_plural": "intake partners",
            },
        ),
        migrations.AddField(
            model_name="intakekey",
            name="replaces",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="replaced_by",
                to="dispatch.intakekey",
                verbose_name="replaces",
            ),
        ),
        migrations.AddField(
            model_name="intakekey",
            name="partner",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="keys",
                to="dispatch.intakepartner",
                verbose_name="partner",
            ),
        ),
        migrations.AddField(
            model_name="incident",
            name="intake_partner",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="incidents",
                to="dispatch.intakepartner",
                verbose_name="intake partner",
            ),
        ),
        migrations.RunPython(partners_for_keys, migrations.RunPython.noop),
    ]

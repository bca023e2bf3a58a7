"""The ladder's rung for a call nobody was sent to (``waiting_overdue``): a step row per call
and rung, unique, and a partial index of the calls waiting for a unit for the sweep's claim.
Nothing to backfill: the sweep alerts the calls waiting now (received within a day) once."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("dispatch", "0015_event_kind_follow_up_visit"),
    ]

    operations = [
        migrations.CreateModel(
            name="IncidentEscalationStep",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "step",
                    models.CharField(
                        choices=[
                            ("waiting_overdue", "Still waiting for a unit: alert board and chief")
                        ],
                        max_length=24,
                        verbose_name="step",
                    ),
                ),
                ("due_at", models.DateTimeField(verbose_name="due at")),
                ("fired_at", models.DateTimeField(verbose_name="fired at")),
                ("details", models.JSONField(blank=True, default=dict, verbose_name="details")),
            ],
            options={
                "verbose_name": "call escalation step",
                "verbose_name_plural": "call escalation steps",
            },
        ),
        migrations.AddIndex(
            model_name="incident",
            index=models.Index(
                condition=models.Q(("status__in", ["queued", "received"])),
                fields=["received_at"],
                name="incident_waiting_idx",
            ),
        ),
        migrations.AddField(
            model_name="incidentescalationstep",
            name="incident",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="escalations",
                to="dispatch.incident",
                verbose_name="incident",
            ),
        ),
        migrations.AddConstraint(
            model_name="incidentescalationstep",
            constraint=models.UniqueConstraint(
                fields=("incident", "step"), name="incident_escalation_step_once"
            ),
        ),
    ]

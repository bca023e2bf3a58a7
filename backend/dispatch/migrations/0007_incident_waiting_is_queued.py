"""One status for "waiting for a unit": reports from intake start ``queued`` like calls
typed at the ЦОУ (lifecycle.INCIDENT_NEW), and the ones still ``received`` join them, so that
a filter on the status finds every waiting call.

A ``received`` incident has never been dispatched, so no device holds it: nothing to sync.
"""

from django.db import migrations, models


def received_to_queued(apps, schema_editor):
    Incident = apps.get_model("dispatch", "Incident")
    Incident.objects.filter(status="received").update(status="queued")


class Migration(migrations.Migration):
    dependencies = [
        ("dispatch", "0006_event_kind_reopened_replaces_unused_escalated"),
    ]

    operations = [
        migrations.AlterField(
            model_name="incident",
            name="status",
            field=models.CharField(
                choices=[
                    ("received", "Received"),
                    ("duplicate", "Duplicate"),
                    ("queued", "Queued"),
                    ("assigned", "Assigned"),
                    ("active", "Active"),
                    ("cleared", "Cleared"),
                    ("closed", "Closed"),
                    ("cancelled", "Cancelled"),
                ],
                default="queued",
                max_length=16,
            ),
        ),
        # Not reversed: which rows were "received" is not kept, and both mean "waiting".
        migrations.RunPython(received_to_queued, migrations.RunPython.noop),
    ]

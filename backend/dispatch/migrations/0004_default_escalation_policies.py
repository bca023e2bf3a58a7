"""Load the default escalation deadlines of DOMAIN.md (rows without a district).

The table is copied here rather than imported: a migration must keep meaning what it meant
when it was written, whatever later happens to ``backend.dispatch.policies``.
"""

from django.db import migrations

DELIVER_WITHIN_S = 30
TARGETS = {
    "P0": (60, {"urban": 600, "suburban": 900, "rural": 1800, "remote": 3600}),
    "P1": (120, {"urban": 900, "suburban": 1200, "rural": 2700, "remote": 5400}),
    "P2": (300, {"urban": 1800, "suburban": 2700, "rural": 7200, "remote": 14400}),
    "P3": (1800, {"urban": None, "suburban": None, "rural": None, "remote": None}),
}


def load(apps, schema_editor):
    EscalationPolicy = apps.get_model("dispatch", "EscalationPolicy")
    for priority, (ack, arrive) in TARGETS.items():
        for zone, arrive_s in arrive.items():
            EscalationPolicy.objects.get_or_create(
                district=None,
                priority=priority,
                zone=zone,
                defaults={
                    "deliver_within_s": DELIVER_WITHIN_S,
                    "ack_within_s": ack,
                    "arrive_within_s": arrive_s,
                },
            )


def unload(apps, schema_editor):
    EscalationPolicy = apps.get_model("dispatch", "EscalationPolicy")
    EscalationPolicy.objects.filter(district__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("dispatch", "0003_escalation_deliver_due_and_sms_outbox")]

    operations = [migrations.RunPython(load, unload)]

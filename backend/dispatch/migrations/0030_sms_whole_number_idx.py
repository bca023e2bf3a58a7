"""An index of the SMS rows whose phone number is still whole, by age.

The hourly retention (``outbox.sms_prune``) masks the number of every message older than
``KUZET_SMS_RETENTION_DAYS`` to its last four digits and deletes strangers' replies. Read
through ``sms_whole_number_idx`` it finds them among the last retention period's messages;
without it, it would read every message ever sent, every hour, to skip the masked ones.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("dispatch", "0029_conflict_open_others_work_idx"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="smsmessage",
            index=models.Index(
                condition=models.Q(("phone__startswith", "…"), _negated=True),
                fields=["created_at"],
                name="sms_whole_number_idx",
            ),
        ),
    ]

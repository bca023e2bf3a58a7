"""An index of the open questions about a phone's facts on a colleague's call.

Every push of a fact on another unit's call asks whether its phone already has an open
``not_assignee`` question about that call. With 0028's statistics PostgreSQL knows there are
few, but with no index to find them it read every conflict ever opened on a call and kept the
open ones; read through ``conflict_open_others_work_idx``, the cost follows how many are open.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("dispatch", "0028_conflict_open_clock_idx"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="conflict",
            index=models.Index(
                condition=models.Q(("kind", "not_assignee"), ("state", "open")),
                fields=["event"],
                name="conflict_open_others_work_idx",
            ),
        ),
    ]

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DispatchConfig(AppConfig):
    name = "backend.dispatch"
    label = "dispatch"
    verbose_name = _("Dispatch")

    def ready(self) -> None:
        from django.db.models import Min

        from backend.common import clock
        from backend.ops.metrics import scrape_gauge
        from backend.people.signals import access_changed

        # Register the Celery tasks in every process, not only in the worker: commands send
        # them by name (services/outbox.py), and a registered task honours eager mode.
        from . import tasks  # noqa: F401
        from .authentication import staff_tokens_end
        from .models import Assignment, IntakeKey, IntakePartner, SmsMessage
        from .selectors import name_records_by_str

        # The audit log named an issued or revoked key by its id ("24"): by its partner's
        # name, channel and prefix, as the keys' list tells them apart.
        name_records_by_str("intake_key", IntakeKey)
        # A partner's callback set is audited on the partner (backend/webhooks).
        name_records_by_str("intake_partner", IntakePartner)
        # A new password or a deactivation ends the officer's staff API tokens.
        access_changed.connect(staff_tokens_end, dispatch_uid="kuzet.staff_tokens_end")

        def outbox_backlog() -> float:
            return SmsMessage.objects.filter(
                direction=SmsMessage.Direction.OUT,
                state__in=[SmsMessage.State.QUEUED, SmsMessage.State.SENDING],
            ).count()

        def oldest_overdue_rung() -> float:
            now = clock.now()
            due = Assignment.objects.filter(next_escalation_at__lte=now).aggregate(
                at=Min("next_escalation_at")
            )["at"]
            return 0.0 if due is None else (now - due).total_seconds()

        scrape_gauge(
            "kuzet_sms_outbox_backlog",
            "Outgoing SMS queued or being sent (the gateway's backlog).",
            outbox_backlog,
        )
        scrape_gauge(
            "kuzet_escalation_overdue_seconds",
            "How long the oldest due escalation rung has waited for a sweep (0: none due).",
            oldest_overdue_rung,
        )

from django.urls import path

from . import actions
from .board import board_alarms_state, board_page, board_state

app_name = "realtime"

urlpatterns = [
    path("", board_page, name="board"),
    path("state/", board_state, name="board-state"),
    path("alarms/", board_alarms_state, name="board-alarms"),
    path("alerts/read/", actions.alerts_read, name="alerts-read"),
    path("alerts/<int:alert_id>/acknowledge/", actions.alert_acknowledge, name="alert-ack"),
    path("alerts/<int:alert_id>/backup/", actions.alert_backup, name="alert-backup"),
    path("alerts/<int:alert_id>/safety-ok/", actions.alert_safety_ok, name="alert-safety-ok"),
    path("units/<int:unit_id>/sos-clear/", actions.unit_sos_clear, name="unit-sos-clear"),
    path(
        "incidents/<int:incident_id>/recommend/",
        actions.incident_recommend,
        name="incident-recommend",
    ),
    path(
        "incidents/<int:incident_id>/dispatch/", actions.incident_dispatch, name="incident-dispatch"
    ),
    path("incidents/<int:incident_id>/cancel/", actions.incident_cancel, name="incident-cancel"),
    path(
        "assignments/<int:assignment_id>/acknowledge/",
        actions.assignment_acknowledge,
        name="assignment-ack",
    ),
    path(
        "assignments/<int:assignment_id>/message/",
        actions.assignment_message,
        name="assignment-message",
    ),
]

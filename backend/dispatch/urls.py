from django.urls import path

from . import apis

urlpatterns = [
    path("intake/<str:channel>/", apis.IntakeApi.as_view(), name="intake"),
    # An external_ref is the partner's: it may hold a slash.
    path(
        "intake/<str:channel>/<path:external_ref>/",
        apis.IntakeStatusApi.as_view(),
        name="intake-status",
    ),
    path("incidents/", apis.IncidentCreateApi.as_view(), name="incident-create"),
    path("incidents/<int:incident_id>/", apis.IncidentDetailApi.as_view(), name="incident-detail"),
    path(
        "incidents/<int:incident_id>/recommendations/",
        apis.RecommendationsApi.as_view(),
        name="incident-recommendations",
    ),
    path(
        "incidents/<int:incident_id>/assignments/",
        apis.IncidentDispatchApi.as_view(),
        name="incident-dispatch",
    ),
    path(
        "incidents/<int:incident_id>/close/", apis.IncidentCloseApi.as_view(), name="incident-close"
    ),
    path(
        "incidents/<int:incident_id>/cancel/",
        apis.IncidentCancelApi.as_view(),
        name="incident-cancel",
    ),
    path(
        "incidents/<int:incident_id>/classify/",
        apis.IncidentReclassifyApi.as_view(),
        name="incident-classify",
    ),
    path(
        "incidents/<int:incident_id>/reopen/",
        apis.IncidentReopenApi.as_view(),
        name="incident-reopen",
    ),
    path(
        "incidents/<int:incident_id>/safety-checks/",
        apis.IncidentSafetyChecksApi.as_view(),
        name="incident-safety-checks",
    ),
    path(
        "incidents/<int:incident_id>/separate/",
        apis.IncidentSeparateApi.as_view(),
        name="incident-separate",
    ),
    path(
        "incidents/<int:incident_id>/link/",
        apis.IncidentLinkApi.as_view(),
        name="incident-link",
    ),
    path(
        "assignments/<int:assignment_id>/cancel/",
        apis.AssignmentCancelApi.as_view(),
        name="assignment-cancel",
    ),
    path(
        "assignments/<int:assignment_id>/message/",
        apis.AssignmentMessageApi.as_view(),
        name="assignment-message",
    ),
    path(
        "assignments/<int:assignment_id>/reassign/",
        apis.AssignmentReassignApi.as_view(),
        name="assignment-reassign",
    ),
    path(
        "assignments/<int:assignment_id>/acknowledge/",
        apis.AssignmentAcknowledgeApi.as_view(),
        name="assignment-acknowledge",
    ),
    path(
        "follow-ups/<int:follow_up_id>/done/",
        apis.FollowUpDoneApi.as_view(),
        name="follow-up-done",
    ),
    path("safety-checks/", apis.SafetyCheckListApi.as_view(), name="safety-check-list"),
    path(
        "safety-checks/<int:check_id>/ok/",
        apis.SafetyCheckOkApi.as_view(),
        name="safety-check-ok",
    ),
    path("conflicts/", apis.ConflictListApi.as_view(), name="conflict-list"),
    path(
        "conflicts/<int:conflict_id>/resolve/",
        apis.ConflictResolveApi.as_view(),
        name="conflict-resolve",
    ),
    path("sms/inbound/", apis.SmsInboundApi.as_view(), name="sms-inbound"),
]

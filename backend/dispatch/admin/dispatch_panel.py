"""Dispatch in the admin: the recommendation panel and the commands on the incident page.

Pieces that call the same services as the API:

* :class:`IncidentDispatchAdminMixin` — put it FIRST in ``IncidentAdmin``'s bases. It adds
  POST-only URLs under the incident's change page (dispatch a unit, close; cancel, reassign,
  acknowledge on behalf for each open assignment) and the panel's context
  (``kuzet_dispatch``) to ``change_view``.
* the template ``admin/dispatch/incident/dispatch_panel.html`` — include it in the
  ``kuzet_incident_panels`` block of the incident change form (or use
  ``admin/dispatch/incident/change_form_with_dispatch.html``, which does exactly that).
* :class:`AssignmentDispatchAdminMixin` — changelist actions for ``AssignmentAdmin``: cancel
  the selected assignments, acknowledge them on behalf (phone).

Scoping: every view starts from ``self.get_object()`` — the admin's scoped queryset — so an
incident of another district is a 404; units come from the acting user's scope; the services
check scope again. Only duty officers, chiefs and superusers act (``access.can_dispatch``).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from backend.common.errors import DomainError

from .. import access, selectors, services
from ..lifecycle import ASSIGNMENT_OPEN, INCIDENT_COMMANDED_OVER
from ..models import Assignment, Incident, OutcomeCode
from ..services.assignments import ACK_CHANNELS


class IncidentDispatchAdminMixin:
    """Dispatch commands and the recommendation panel on the incident change page."""

    kuzet_recommendation_limit = 10

    # -- urls ----------------------------------------------------------------------------
    def get_urls(self) -> list[Any]:
        admin_: Any = self
        wrap = admin_.admin_site.admin_view
        prefix = f"{admin_.opts.app_label}_{admin_.opts.model_name}"
        ours = [
            path("<path:object_id>/dispatch/", wrap(require_POST(self.kuzet_dispatch_view)),
                 name=f"{prefix}_kuzet_dispatch"),
            path("<path:object_id>/close/", wrap(require_POST(self.kuzet_close_view)),
                 name=f"{prefix}_kuzet_close"),
            path("<path:object_id>/assignments/<int:assignment_id>/<str:command>/",
                 wrap(require_POST(self.kuzet_assignment_view)),
                 name=f"{prefix}_kuzet_assignment"),
        ]  # fmt: skip
        theirs: list[Any] = super().get_urls()  # type: ignore[misc]
        return ours + theirs

    # -- context -------------------------------------------------------------------------
    def kuzet_dispatch_context(self, request: HttpRequest, incident: Incident) -> dict[str, Any]:
        """What the panel shows: ranked units with travel estimates and position ages, the
        open assignments, and whether this user may act."""
        admin_: Any = self
        info = admin_.opts.app_label, admin_.opts.model_name
        can_act = access.can_dispatch(request.user) and incident.is_open
        open_assignments = list(
            incident.assignments.filter(status__in=ASSIGNMENT_OPEN)
            .select_related("unit")
            .order_by("dispatched_at", "pk")
        )
        recommendations = (
            selectors.units_recommended(incident=incident, limit=self.kuzet_recommendation_limit)
            if incident.is_open
            else []
        )
        site = admin_.admin_site.name

        def url(name: str, *args: Any) -> str:
            return reverse(f"admin:{info[0]}_{info[1]}_{name}", args=args, current_app=site)

        return {
            "incident": incident,
            "can_act": can_act,
            "can_close": access.can_dispatch(request.user)
            and incident.status not in INCIDENT_COMMANDED_OVER,
            "zone": selectors.incident_zone(incident),
            "recommendations": [r.as_dict() for r in recommendations],
            "open_assignments": [
                {
                    "assignment": a,
                    "urls": {
                        command: url("kuzet_assignment", incident.pk, a.pk, command)
                        for command in ("acknowledge", "reassign", "cancel")
                    },
                }
                for a in open_assignments
            ],
            "ack_channels": ACK_CHANNELS,
            "outcome_codes": OutcomeCode.choices,
            "dispatch_url": url("kuzet_dispatch", incident.pk),
            "close_url": url("kuzet_close", incident.pk),
        }

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        extra_context = dict(extra_context or {})
        incident = self._kuzet_incident(request, object_id, required=False)
        if incident is not None:
            extra_context["kuzet_dispatch"] = self.kuzet_dispatch_context(request, incident)
        return super().change_view(request, object_id, form_url, extra_context)  # type: ignore[misc,no-any-return]

    # -- views ----------------------------------------------------------------------------
    def _kuzet_incident(
        self, request: HttpRequest, object_id: str, *, required: bool = True
    ) -> Incident | None:
        admin_: Any = self
        incident = admin_.get_object(request, object_id)
        if incident is None and required:
            raise Http404("No such incident.")
        return incident  # type: ignore[no-any-return]

    def _kuzet_back(self, incident: Incident) -> HttpResponseRedirect:
        admin_: Any = self
        info = admin_.opts.app_label, admin_.opts.model_name
        return HttpResponseRedirect(
            reverse(
                f"admin:{info[0]}_{info[1]}_change",
                args=[incident.pk],
                current_app=admin_.admin_site.name,
            )
        )

    def _kuzet_run(
        self, request: HttpRequest, incident: Incident, action: Any, success: str
    ) -> HttpResponseRedirect:
        if not access.can_dispatch(request.user):
            raise PermissionDenied
        admin_: Any = self
        try:
            result = action()
        except DomainError as exc:
            admin_.message_user(request, f"{exc.detail} ({exc.code})", messages.ERROR)
        else:
            admin_.message_user(request, success.format(result=result), messages.SUCCESS)
        return self._kuzet_back(incident)

    def kuzet_dispatch_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        incident = self._kuzet_incident(request, object_id)
        assert incident is not None

        def run() -> Assignment:
            unit = access.access_unit(request.user, _int(request.POST.get("unit_id")))
            return services.incident_dispatch(
                incident=incident,
                unit=unit,
                by=request.user,
                note=request.POST.get("note", "")[:200],
            )

        return self._kuzet_run(request, incident, run, "Dispatched: {result}.")

    def kuzet_close_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        incident = self._kuzet_incident(request, object_id)
        assert incident is not None
        return self._kuzet_run(
            request,
            incident,
            lambda: services.incident_close(
                incident=incident,
                by=request.user,
                disposition=request.POST.get("disposition", ""),
                outcome_code=request.POST.get("outcome_code", ""),
            ),
            "Closed: {result}.",
        )

    def kuzet_assignment_view(
        self, request: HttpRequest, object_id: str, assignment_id: int, command: str
    ) -> HttpResponse:
        incident = self._kuzet_incident(request, object_id)
        assert incident is not None
        assignment = incident.assignments.filter(pk=assignment_id).first()
        if assignment is None:
            raise Http404("No such assignment on this incident.")
        user = request.user
        post = request.POST
        commands = {
            "cancel": (lambda: services.assignment_cancel(
                assignment=assignment, by=user, reason=post.get("reason", "")),
                "Cancelled: {result}."),
            "reassign": (lambda: services.assignment_reassign(
                assignment=assignment, unit=access.access_unit(user, _int(post.get("unit_id"))),
                by=user), "Reassigned: {result}."),
            "acknowledge": (lambda: services.assignment_acknowledge_on_behalf(
                assignment=assignment, by=user, channel=post.get("channel", ""),
                note=post.get("note", "")), "Acknowledgment recorded ({result.via})."),
        }  # fmt: skip
        if command not in commands:
            raise Http404("Unknown command.")
        action, success = commands[command]
        return self._kuzet_run(request, incident, action, success)


class AssignmentDispatchAdminMixin:
    """Changelist actions for assignments, calling the dispatch services row by row."""

    actions = ["kuzet_cancel_selected", "kuzet_acknowledge_by_phone"]

    def _kuzet_each(
        self, request: HttpRequest, queryset: QuerySet[Assignment], call: Any, verb: str
    ) -> None:
        admin_: Any = self
        if not access.can_dispatch(request.user):
            raise PermissionDenied
        done, refused = 0, []
        for assignment in queryset.select_related("incident", "unit").order_by("pk"):
            try:
                call(assignment)
            except DomainError as exc:
                refused.append(f"{assignment}: {exc.detail}")
            else:
                done += 1
        if done:
            admin_.message_user(request, f"{verb}: {done}.", messages.SUCCESS)
        for line in refused:
            admin_.message_user(request, line, messages.WARNING)

    @admin.action(description="Cancel the selected assignments")
    def kuzet_cancel_selected(self, request: HttpRequest, queryset: QuerySet[Assignment]) -> None:
        self._kuzet_each(
            request,
            queryset,
            lambda a: services.assignment_cancel(
                assignment=a, by=request.user, reason="cancelled in admin"
            ),
            "Cancelled",
        )

    @admin.action(description="Record acknowledgment on the officer's behalf (phone)")
    def kuzet_acknowledge_by_phone(
        self, request: HttpRequest, queryset: QuerySet[Assignment]
    ) -> None:
        self._kuzet_each(
            request,
            queryset,
            lambda a: services.assignment_acknowledge_on_behalf(
                assignment=a, by=request.user, channel="phone"
            ),
            "Acknowledged",
        )


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise DomainError("Choose a unit.", code="invalid") from None

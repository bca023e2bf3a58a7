"""The district chief's conflict queue: both sides, then a resolution with a note."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from backend.common.errors import DomainError
from backend.people.admin_scoping import RESOLVE, ScopedAdminMixin

from ..models import Conflict
from ..services.conflicts import conflict_resolve, conflict_resolve_check
from .formatting import (
    duration_text,
    ms_text,
    payload_rows,
    uncertainty_text,
    when_text,
    yes_no,
)


class ConflictResolveForm(forms.ModelForm):  # type: ignore[type-arg]
    """A chief's resolution, checked by the service's own rules before anything is saved
    (a refusal is a form error on the page, never a half-saved resolution)."""

    resolution = forms.ChoiceField(
        label=gettext_lazy("Resolution"), choices=Conflict.Resolution.choices
    )
    resolution_note = forms.CharField(
        label=gettext_lazy("Resolution note"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Why: this goes into the audit log."),
    )
    by: Any = None  # the acting user, set by the admin

    class Meta:
        model = Conflict
        fields = ("resolution", "resolution_note")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        try:
            conflict_resolve_check(
                conflict=self.instance,
                by=self.by,
                resolution=cleaned.get("resolution", ""),
                note=cleaned.get("resolution_note", ""),
            )
        except DomainError as exc:
            raise forms.ValidationError(exc.detail, code=exc.code) from None
        return cleaned


@admin.register(Conflict)
class ConflictAdmin(ScopedAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """The district chief's conflict queue: both sides, then a resolution with a note."""

    form = ConflictResolveForm
    list_display = (
        "opened_at",
        "kind",
        "state",
        "district",
        "incident",
        "unit",
        "resolution",
        "resolved_by",
    )
    list_select_related = ("district", "incident", "unit", "resolved_by")
    list_filter = ("state", "kind", "district")
    search_fields = ("incident__number", "event__id", "unit__callsign")
    ordering = ("state", "-opened_at")
    show_full_result_count = False
    shown = (
        "kind",
        "state",
        "district",
        "incident",
        "assignment",
        "unit",
        "event",
        "opened_at",
        "both_sides",
    )
    resolved = ("resolution", "resolution_note", "resolved_at", "resolved_by")

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False  # conflicts are opened by the sync rules

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # "Changing" a conflict means resolving it, once.
        if obj is not None and obj.state != Conflict.State.OPEN:
            return False
        return self.can(request, RESOLVE, obj)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is not None and obj.state == Conflict.State.OPEN:
            if self.has_change_permission(request, obj):
                return (*self.shown, "resolution", "resolution_note")
            return self.shown
        return (*self.shown, *self.resolved)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if (
            obj is not None
            and obj.state == Conflict.State.OPEN
            and self.has_change_permission(request, obj)
        ):
            return self.shown
        return (*self.shown, *self.resolved)

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change, **kwargs)
        return type(form.__name__, (form,), {"by": request.user})

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        # Checked in the form; the service checks again under the row lock. Losing a race
        # to another chief's resolution in between is the rare case that surfaces as 403.
        try:
            conflict_resolve(
                conflict=obj,
                by=request.user,
                resolution=form.cleaned_data["resolution"],
                note=form.cleaned_data["resolution_note"],
            )
        except DomainError as exc:
            raise PermissionDenied(_("Not resolved: %(why)s") % {"why": exc.detail}) from exc

    @admin.display(description=gettext_lazy("both sides"))
    def both_sides(self, obj: Conflict) -> str:
        e = obj.event
        device_rows = [
            (_("Event"), f"{e.get_kind_display()} {e.pk} ({e.get_source_display()})"),
            (_("Device clock"), ms_text(e.device_time)),
            (
                _("Boot / since boot"),
                f"{e.boot_id or '—'} / "
                + (duration_text(e.elapsed_ms // 1000) if e.elapsed_ms is not None else "—"),
            ),
            (_("GPS time"), ms_text(e.gps_time)),
            (
                _("Estimated time"),
                f"{when_text(e.estimated_at)} {uncertainty_text(e.estimate_uncertainty_ms)}",
            ),
            (_("Method"), e.get_estimate_method_display()),
            (_("Received by the server"), when_text(e.server_received_at)),
            (_("Device clock suspect"), yes_no(e.clock_suspect)),
            (_("Disposition"), e.get_disposition_display()),
        ]
        device_rows += payload_rows(obj.device_side)
        server_rows = payload_rows(obj.server_side)
        a = obj.assignment
        if a is not None:
            for label, value in (
                (_("Cancelled at"), a.cancelled_at),
                (_("Superseded at"), a.superseded_at),
                (_("Assignment closed at"), a.closed_at),
            ):
                if value:
                    server_rows.append((label, when_text(value)))
        if obj.incident is not None and obj.incident.closed_at:
            server_rows.append((_("Incident closed at"), when_text(obj.incident.closed_at)))

        def table(rows: list[tuple[str, str]]) -> str:
            return format_html(
                "<table>{}</table>", format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", rows)
            )

        return format_html(
            '<div style="display:flex;gap:2em"><div><h3>{}</h3>{}</div>'
            "<div><h3>{}</h3>{}</div></div>",
            _("Device"),
            table(device_rows),
            _("Server"),
            table(server_rows or [(_("Command"), "—")]),
        )

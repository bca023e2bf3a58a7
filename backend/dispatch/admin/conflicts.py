"""The district chief's conflict queue: both sides, then a resolution with a note."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import quote
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from backend.common.errors import DomainError
from backend.people.admin_scoping import RESOLVE, ScopedAdminMixin
from backend.people.models import Officer, Unit
from sync import timing

from ..lifecycle import AssignmentStatus, EventKind
from ..models import Assignment, Conflict
from ..services.conflicts import (
    conflict_resolve_check,
    conflicts_of_the_same_assignment,
    conflicts_resolve,
)
from .formatting import (
    call_html,
    dated_text,
    ms_text,
    payload_rows,
    span_exact_text,
    uncertainty_text,
    when_text,
    yes_no,
)
from .timeline import choice_label, closing_words, worded


class ConflictResolveForm(forms.ModelForm):  # type: ignore[type-arg]
    """A chief's resolution, checked by the service's own rules before anything is saved
    (a refusal is a form error on the page, never a half-saved resolution).

    Where the same assignment has other open conflicts — a crew back in coverage after it was
    stood down sends its acknowledgment, its way there and its arrival at once — the form
    offers to resolve them with this one (``together``, naming each).

    Nothing is decided for the chief: no resolution is chosen and the box is unticked until
    they choose. The first choice used to show as chosen and the box came ticked, so one Save
    on a page opened to read accepted the device's version for 53 conflicts at once."""

    resolution = forms.ChoiceField(
        label=gettext_lazy("Resolution"),
        choices=[("", "—"), *Conflict.Resolution.choices],
    )
    resolution_note = forms.CharField(
        label=gettext_lazy("Resolution note"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Why: this goes into the audit log."),
    )
    # Only where the assignment has other open conflicts (``others``, set by the admin).
    together = forms.BooleanField(
        label=gettext_lazy("Resolve the same crew's other open conflicts too"),
        required=False,
        initial=False,
    )
    by: Any = None  # the acting user, set by the admin
    others: tuple[Conflict, ...] = ()

    class Meta:
        model = Conflict
        fields = ("resolution", "resolution_note")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.others:
            del self.fields["together"]
            return
        self.fields["together"].help_text = _(
            "Same assignment, same resolution and note: %(list)s"
        ) % {"list": "; ".join(_sibling_text(c) for c in self.others)}

    def resolved_together(self) -> list[Conflict]:
        """This conflict and, when the chief kept the box ticked, the others of its crew."""
        together = self.cleaned_data.get("together") and self.others
        return [self.instance, *(self.others if together else [])]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        try:
            for conflict in self.resolved_together():
                conflict_resolve_check(
                    conflict=conflict,
                    by=self.by,
                    resolution=cleaned.get("resolution", ""),
                    note=cleaned.get("resolution_note", ""),
                )
        except DomainError as exc:
            raise forms.ValidationError(exc.detail, code=exc.code) from None
        return cleaned


# What the server had commanded (``server_side["command"]["name"]``), in the timeline's words.
COMMANDS = {
    "cancel": EventKind.CANCELLED.label,
    "reassign": EventKind.REASSIGNED.label,
    "close": EventKind.CLOSED.label,
}
# Why an event's time is doubted (``sync.timing`` flags, a ``clock_suspect`` conflict).
CLOCK_FLAGS = {
    timing.SKEW: gettext_lazy("the device clock is far from the estimated time"),
    timing.AFTER_RECEIPT: gettext_lazy("the device clock is after the server received the event"),
    timing.BEFORE_NOT_BEFORE: gettext_lazy("the device clock is before the dispatch"),
    timing.ANCHOR_CONTRADICTION: gettext_lazy("the same boot's anchors contradict each other"),
    timing.GPS_REJECTED: gettext_lazy("the GPS time is outside the possible window"),
    timing.UNBOUNDED: gettext_lazy("no earlier bound: the uncertainty is unknown"),
    timing.TOO_OLD: gettext_lazy("older than the window of trusted times"),
}


def server_side_rows(side: Any) -> list[tuple[str, str]]:
    """The server's side of a conflict (``facts._server_side``, ``facts._clock_side``) as a
    person reads it: statuses and commands in words, units by callsign, officers by name,
    times in local time — never a code, an id or an epoch number."""
    if not isinstance(side, dict):
        return payload_rows(side)
    rest = dict(side)
    rows: list[tuple[str, str]] = []
    rest.pop("assignment_id", None)  # the conflict's own assignment, linked above
    if status := rest.pop("assignment_status", None):
        rows.append((_("Assignment status then"), str(choice_label(AssignmentStatus, status))))
    if unit_id := rest.pop("assignee_unit_id", None):
        rows.append((_("Assigned unit"), _callsign(unit_id)))
    if "dispatched_at" in rest:
        rows.append((_("Dispatched"), ms_text(rest.pop("dispatched_at"))))
    command = rest.pop("command", None)
    if isinstance(command, dict):
        command = dict(command)
        name = command.pop("name", "")
        rows.append((_("Command"), str(COMMANDS.get(name, name))))
        if "at" in command:
            rows.append((_("Command time"), ms_text(command.pop("at"))))
        actor_id = command.pop("actor_id", None)
        actor = command.pop("actor", None)
        if actor_id or actor:
            rows.append((_("By"), _officer(actor_id, actor)))
        if handed_to := command.pop("superseded_by", None):
            rows.append((_("Handed to"), _callsign_of_assignment(handed_to)))
        if "recorded_at" in command:
            rows.append((_("Recorded by the server"), ms_text(command.pop("recorded_at"))))
        command.pop("event_id", None)  # the command's event, on the incident's timeline
        # a cancellation's reason, a close's disposition (the call's words, labelled as such)
        if name == "close":
            command = closing_words(command)
        rows += payload_rows(worded(command, {}))
    elif command:
        rows.append((_("Command"), str(choice_label(EventKind, str(command)))))
    if "flags" in rest:
        flags = rest.pop("flags") or []
        rows.append(
            (_("Why the time is doubted"), "; ".join(str(CLOCK_FLAGS.get(f, f)) for f in flags))
        )
    if (skew := rest.pop("skew_ms", None)) is not None:
        # in words, as the fact's page says it: "1:02:05" beside the times read as one
        rows.append((_("Device clock off by"), span_exact_text(round(abs(skew) / 1000))))
    rest.pop("server_received_at", None)  # the device's side shows it
    return rows + payload_rows(rest)


def _callsign(unit_id: Any) -> str:
    unit = Unit.objects.filter(pk=unit_id).only("callsign").first()
    return unit.callsign if unit is not None else "—"


def _callsign_of_assignment(assignment_id: Any) -> str:
    callsign = (
        Assignment.objects.filter(pk=assignment_id).values_list("unit__callsign", flat=True).first()
    )
    return callsign or "—"


def _officer(officer_id: Any, username: str | None) -> str:
    officer = Officer.objects.filter(pk=officer_id).first() if officer_id else None
    return str(officer) if officer is not None else (username or "—")


def conflict_text(number: str | None, callsign: str | None, kind: str | None) -> str:
    """A conflict as a chief names it: its call, its unit and the milestone in words
    ("1036-2026-000131 · AYG-DV1 · On scene") — not its kind and state, which many share,
    nor its row id."""
    milestone = choice_label(EventKind, kind) if kind else None
    return " · ".join(str(part) for part in (number, callsign, milestone) if part) or "—"


def conflict_name(conflict: Conflict) -> str:
    return conflict_text(
        conflict.incident.number if conflict.incident is not None else None,
        conflict.unit.callsign if conflict.unit is not None else None,
        conflict.event.kind,
    )


def _sibling_text(conflict: Conflict) -> str:
    """The conflict, its milestone and when it happened: "#12 Acknowledged, 14.03.2026 10:05"."""
    e = conflict.event
    return f"#{conflict.pk} {e.get_kind_display()}, {when_text(e.estimated_at)}"


@admin.register(Conflict)
class ConflictAdmin(ScopedAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """The district chief's conflict queue: both sides, then a resolution with a note."""

    form = ConflictResolveForm
    list_display = (
        "opened",
        "kind",
        "milestone",
        "state",
        "district",
        "call",
        "unit",
        "decision",
    )
    list_select_related = ("district", "incident", "unit", "resolved_by", "event")
    # When the conflict opened, on Kazakhstan's clock: a day, a month, a year.
    date_hierarchy = "opened_at"
    list_filter = ("state", "kind", "opened_at", "district")
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
        "fact",
        "opened_at",
        "both_sides",
        "same_assignment",
    )
    resolved = ("resolution", "resolution_note", "resolved_at", "resolved_by")

    @admin.display(description=gettext_lazy("incident"), ordering="incident__number")
    def call(self, obj: Conflict) -> SafeString | str:
        return call_html(obj.incident)

    @admin.display(description=gettext_lazy("opened at"), ordering="opened_at")
    def opened(self, obj: Conflict) -> str:
        # With the date, today's too: the queue is read days later, and "08:35:53" alone
        # became a wrong day once the list was printed or read the next morning.
        return dated_text(obj.opened_at)

    def get_list_display(self, request: HttpRequest) -> Any:
        # Columns that would say the same on every row only widen the queue (at 1440 px the
        # last ones fell off the screen): the open queue has no state or decision (and a
        # chief of one district no district: ScopedAdminMixin).
        shown = super().get_list_display(request)
        if request.GET.get("state__exact") == Conflict.State.OPEN:
            shown = tuple(c for c in shown if c not in {"state", "decision"})
        return shown

    @admin.display(description=gettext_lazy("resolution"), ordering="resolution")
    def decision(self, obj: Conflict) -> SafeString | str:
        """The resolution, and under it who decided and when (a column of its own for the
        chief's name pushed the list past a 1366 px laptop's screen)."""
        if not obj.resolution:
            return "—"
        return format_html(
            '{}<br><span class="quiet">{}, {}</span>',
            obj.get_resolution_display(),
            obj.resolved_by or "—",
            dated_text(obj.resolved_at),
        )

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
                together = ("together",) if self.others(request, obj) else ()
                return (*self.shown, "resolution", "resolution_note", *together)
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
        others = self.others(request, obj) if obj is not None else ()
        return type(form.__name__, (form,), {"by": request.user, "others": others})

    def others(self, request: HttpRequest, obj: Conflict) -> tuple[Conflict, ...]:
        """The open conflicts of ``obj``'s assignment besides it, read once per request: the
        fields shown and the form must agree on whether there are any."""
        memo: dict[int, tuple[Conflict, ...]] = request.__dict__.setdefault("_open_siblings", {})
        if obj.pk not in memo:
            memo[obj.pk] = (
                tuple(conflicts_of_the_same_assignment(obj))
                if obj.state == Conflict.State.OPEN
                else ()
            )
        return memo[obj.pk]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        # Checked in the form; the service checks again under the row lock. Losing a race
        # to another chief's resolution in between is the rare case that surfaces as 403.
        together = form.resolved_together()
        try:
            conflicts_resolve(
                conflicts=together,
                by=request.user,
                resolution=form.cleaned_data["resolution"],
                note=form.cleaned_data["resolution_note"],
            )
        except DomainError as exc:
            raise PermissionDenied(_("Not resolved: %(why)s") % {"why": exc.detail}) from exc
        if len(together) > 1:
            others = "; ".join(_sibling_text(c) for c in together[1:])
            self.message_user(
                request, _("Resolved with it, the same way: %(list)s") % {"list": others}
            )

    def response_change(self, request: HttpRequest, obj: Conflict) -> HttpResponse:
        # Django's own message named the conflict by its kind and state and offered to "edit
        # it again below" — a resolved conflict is not edited again: it says what was decided.
        self.message_user(
            request,
            _("Resolved (%(resolution)s): %(conflict)s.")
            % {"resolution": obj.get_resolution_display(), "conflict": conflict_name(obj)},
            messages.SUCCESS,
        )
        if "_continue" in request.POST:
            return HttpResponseRedirect(request.path)
        return self.response_post_save_change(request, obj)

    @admin.display(description=gettext_lazy("milestone"), ordering="event__kind")
    def milestone(self, obj: Conflict) -> str:
        return str(obj.event.get_kind_display())

    @admin.display(description=gettext_lazy("same assignment"))
    def same_assignment(self, obj: Conflict) -> str:
        """The assignment's other conflicts, each linked, with its state: one crew's story."""
        others = conflicts_of_the_same_assignment(obj, open_only=False)
        rows = [
            (
                reverse("admin:dispatch_conflict_change", args=[c.pk]),
                _sibling_text(c),
                c.get_state_display(),
            )
            for c in others
        ]
        if not rows:
            return "—"
        return format_html(
            "<ul>{}</ul>", format_html_join("", '<li><a href="{}">{}</a> — {}</li>', rows)
        )

    @admin.display(description=gettext_lazy("event"))
    def fact(self, obj: Conflict) -> str:
        """The fact by its milestone and time, linked (its id is under "Technical details")."""
        e = obj.event
        return format_html(
            '<a href="{}">{}, {}</a>',
            reverse("admin:dispatch_event_change", args=[quote(e.pk)]),
            e.get_kind_display(),
            when_text(e.estimated_at),
        )

    @admin.display(description=gettext_lazy("both sides"))
    def both_sides(self, obj: Conflict) -> str:
        e = obj.event
        device_rows = [
            (_("Event"), f"{e.get_kind_display()} ({e.get_source_display()})"),
            (_("Device clock"), ms_text(e.device_time)),
            (
                _("Since the device booted"),
                # in words: "21:21:37" under the device's clock read as a time of day
                span_exact_text(e.elapsed_ms // 1000) if e.elapsed_ms is not None else "—",
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
        if e.officer is not None:
            device_rows.append((_("Officer"), str(e.officer)))
        # The milestone's own data (a note, an outcome). The rest of ``device_side`` is the
        # same event as above, as it stood when the conflict opened (a fact never changes).
        device_rows += payload_rows(e.payload)
        server_rows = server_side_rows(obj.server_side)
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

        # The ids a technician asks for (the fact's, the phone's boot, the phone's), folded:
        # on the page they read as the chief's words ("On scene YVlywM2ISQDVzqnk").
        technical = [
            (_("Event record"), e.pk),
            (_("Boot"), e.boot_id or "—"),
            (_("Device"), e.device_id or "—"),
        ]
        return format_html(
            '<div style="display:flex;gap:2em"><div><h3>{}</h3>{}</div>'
            "<div><h3>{}</h3>{}</div></div>"
            '<details class="kuzet-technical"><summary>{}</summary>{}</details>',
            _("Device"),
            table(device_rows),
            _("Server"),
            table(server_rows or [(_("Command"), "—")]),
            _("Technical details"),
            table(technical),
        )

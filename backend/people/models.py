"""Officers (the custom user model), their roles, and units.

Roles decide scope: an officer and a district chief belong to one district; a duty officer
serves an oblast ЦОУ (or a district ЦОУ); an oblast administrator sees the whole oblast.
A unit's current status lives on the unit; the history lives in its assignments and events.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from backend.common import clock
from backend.geo.models import Oblast, coordinates_constraints


class Role(models.TextChoices):
    OFFICER = "officer", _("Patrol officer / inspector")
    DUTY_OFFICER = "duty_officer", _("Duty officer (ЦОУ)")
    CHIEF = "chief", _("District chief")
    OBLAST_ADMIN = "oblast_admin", _("Oblast administrator")


class Language(models.TextChoices):
    """The languages Kuzet speaks (settings.LANGUAGES); the labels are each language's own name."""

    KK = "kk", "Қазақша"
    RU = "ru", "Русский"
    EN = "en", "English"


class OfficerManager(UserManager["Officer"]):
    def create_superuser(
        self, username: str, email: str | None = None, password: str | None = None, **extra: Any
    ) -> Officer:
        """The first administrator (``manage.py createsuperuser``) administers the oblast:
        every person in Kuzet has a role, and a patrol officer's (the default) needs a
        district — the command failed on that rule with an IntegrityError."""
        extra.setdefault("role", Role.OBLAST_ADMIN)
        if extra["role"] == Role.OBLAST_ADMIN and not (
            extra.get("oblast") or extra.get("oblast_id")
        ):
            oblasts = list(Oblast.objects.order_by("pk")[:2])
            if len(oblasts) != 1:  # createsuperuser says a ValidationError in one line
                raise ValidationError(
                    "An oblast administrator belongs to an oblast: load the territory first "
                    "(manage.py seed)."
                    if not oblasts
                    else "Several oblasts are loaded: create the administrator in one of them."
                )
            extra["oblast"] = oblasts[0]
        return super().create_superuser(username, email, password, **extra)


class Officer(AbstractUser):
    objects = OfficerManager()  # type: ignore[misc]

    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.OFFICER)
    district = models.ForeignKey(
        "geo.District",
        verbose_name=_("district"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="officers",
    )
    oblast = models.ForeignKey(
        "geo.Oblast",
        verbose_name=_("oblast"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="officers",
    )
    unit = models.ForeignKey(
        "people.Unit",
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    badge_number = models.CharField(
        _("badge number"), max_length=16, unique=True, null=True, blank=True
    )
    phone = models.CharField(
        _("phone"),
        max_length=20,
        blank=True,
        help_text=_(
            "In international form, such as +77011234567: assignments reach this number by "
            "SMS when the phone has no data."
        ),
    )
    patronymic = models.CharField(_("patronymic"), max_length=150, blank=True)
    # The language of every screen and SMS this person gets (Django's code: kk, ru, en).
    language = models.CharField(
        _("language"), max_length=8, choices=Language.choices, default=Language.RU
    )

    class Meta:
        verbose_name = _("officer")
        verbose_name_plural = _("officers")
        # Each rule says itself in the console's language when a form breaks it.
        constraints = [
            models.CheckConstraint(
                condition=~Q(role__in=["officer", "chief"]) | Q(district__isnull=False),
                name="officer_and_chief_have_district",
                violation_error_message=_("Officers and chiefs belong to a district."),
            ),
            models.CheckConstraint(
                condition=~Q(role="duty_officer")
                | Q(district__isnull=False)
                | Q(oblast__isnull=False),
                name="duty_officer_serves_district_or_oblast",
                violation_error_message=_("A duty officer serves a district or an oblast."),
            ),
            models.CheckConstraint(
                condition=~Q(role="oblast_admin") | Q(oblast__isnull=False),
                name="oblast_admin_has_oblast",
                violation_error_message=_("An oblast administrator needs an oblast."),
            ),
            models.CheckConstraint(
                condition=Q(role="officer") | Q(unit__isnull=True),
                name="only_officers_belong_to_units",
                violation_error_message=_("Only officers belong to units."),
            ),
        ]

    def __str__(self) -> str:
        full = self.get_full_name()
        return f"{full} ({self.username})" if full else self.username

    @property
    def display_name(self) -> str:
        """The person as a screen names them: their name, else their login."""
        return self.get_full_name() or self.username

    @property
    def audit_district_id(self) -> int | None:
        return self.district_id


class UnitType(models.TextChoices):
    PATROL_CAR = "patrol_car", _("Patrol car")
    DISTRICT_INSPECTOR = "district_inspector", _("District inspector (участковый)")
    DV_INSPECTOR = "dv_inspector", _("Domestic-violence inspector")
    TRAFFIC = "traffic", _("Traffic police")
    INVESTIGATIVE = "investigative", _("Investigative group (СОГ)")


class UnitStatus(models.TextChoices):
    AVAILABLE = "available", _("Available")
    DISPATCHED = "dispatched", _("Dispatched")
    EN_ROUTE = "en_route", _("En route")
    ON_SCENE = "on_scene", _("On scene")
    TRANSPORTING = "transporting", _("Transporting")
    BUSY = "busy", _("Busy (self-initiated)")
    OUT_OF_SERVICE = "out_of_service", _("Out of service")
    SOS = "sos", _("SOS")


# `unreachable` is derived from last contact and never stored (DOMAIN.md). The rule, in one
# place: a unit with no contact since ``unreachable_cutoff(at)`` is unreachable at ``at``
# (KUZET_UNREACHABLE_MINUTES). The model, the presence sweep's filter and the boards' rows
# (in Python and in SQL) all compare against this cutoff.
UNREACHABLE = "unreachable"
# Its name beside the other statuses (capitalised as they are: "Свободен", "Недоступен").
UNREACHABLE_LABEL = pgettext_lazy("a unit's status", "Unreachable")


def unreachable_cutoff(at: dt.datetime) -> dt.datetime:
    """Units whose last contact is before this moment are ``unreachable`` at ``at``."""
    return at - dt.timedelta(minutes=settings.KUZET_UNREACHABLE_MINUTES)


def presence_of(status: str, last_contact_at: dt.datetime | None, *, cutoff: dt.datetime) -> str:
    """The status to show for a unit: its own, or ``unreachable``."""
    return UNREACHABLE if last_contact_at is None or last_contact_at < cutoff else status


class Mobility(models.TextChoices):
    CAR = "car", _("Car")
    HORSE = "horse", _("Horse")
    FOOT = "foot", _("Foot")


# How a unit was last heard from (``Unit.last_contact_via``), as words.
CONTACT_VIA = {
    "socket": _("live connection"),
    "pull": _("sync"),
    "push": _("sync"),
    "sms": _("SMS"),
    # heard by a duty desk: a milestone recorded on the crew's behalf (ACK_CHANNELS)
    "radio": _("radio"),
    "phone": _("phone"),
    "in_person": _("in person"),
}


# Letters of any alphabet (Latin, Cyrillic with Kazakh's own) and digits, in groups joined by
# one hyphen or space: SEM-PC1, Аягөз ПП-2. Nothing a spreadsheet runs as a formula (a chief
# named a unit =HYPERLINK(…) and the oblast's CSV export ran it), no markup, no blank ends.
callsign_validator = RegexValidator(
    r"\A[^\W_]+(?:[ -][^\W_]+)*\Z",
    _("A callsign is letters and digits, in groups joined by a hyphen or a space, e.g. SEM-PC1."),
    code="invalid_callsign",
)


class Unit(models.Model):
    callsign = models.CharField(
        _("callsign"), max_length=32, unique=True, validators=[callsign_validator]
    )
    type = models.CharField(_("type"), max_length=24, choices=UnitType.choices)
    mobility = models.CharField(
        _("mobility"), max_length=8, choices=Mobility.choices, default=Mobility.CAR
    )
    district = models.ForeignKey(
        "geo.District", verbose_name=_("district"), on_delete=models.PROTECT, related_name="units"
    )
    okrug = models.ForeignKey(
        "geo.Okrug",
        verbose_name=_("okrug"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="units",
    )
    active = models.BooleanField(_("active"), default=True)

    status = models.CharField(
        _("status"), max_length=16, choices=UnitStatus.choices, default=UnitStatus.AVAILABLE
    )
    # Estimated time of the fact that set the status (latest wins, PROTOCOL.md §6.6).
    status_at = models.DateTimeField(_("status at"), null=True, blank=True)
    # When a chief set out_of_service: device statuses recorded before it do not override it.
    status_locked_at = models.DateTimeField(_("status locked at"), null=True, blank=True)

    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    position_at = models.DateTimeField(_("position at"), null=True, blank=True)
    position_accuracy_m = models.FloatField(_("position accuracy, m"), null=True, blank=True)

    last_contact_at = models.DateTimeField(_("last contact at"), null=True, blank=True)
    last_contact_via = models.CharField(
        _("last contact via"), max_length=16, blank=True
    )  # socket | pull | push | sms | radio | phone | in_person (CONTACT_VIA)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["callsign"]
        constraints = [
            *coordinates_constraints("unit"),
            models.CheckConstraint(
                condition=Q(lat__isnull=True) | Q(position_at__isnull=False),
                name="unit_position_has_time",
            ),
        ]
        indexes = [models.Index(fields=["district", "status"], name="unit_district_status_idx")]

    def __str__(self) -> str:
        return self.callsign

    def clean(self) -> None:
        """A unit, its okrug and its crew are of one district. The console took a unit of
        Kokpekty with an okrug of Urzhar (whose inspector owes that okrug's follow-up
        visits?), and moved a unit to another district with its crew still serving in the
        first — officers then crewed a unit their district's desk does not see."""
        super().clean()
        okrug = self.okrug if self.okrug_id is not None and self.district_id is not None else None
        if okrug is not None and okrug.district_id != self.district_id:
            raise ValidationError({"okrug": _("The okrug is in another district.")})
        if self.pk is not None and self.district_id is not None:
            strangers = [
                str(o) for o in self.members.exclude(district_id=self.district_id).order_by("pk")
            ]
            if strangers:
                raise ValidationError(
                    _(
                        "The unit's officers serve in another district: %(officers)s. Give "
                        "them another unit first."
                    )
                    % {"officers": ", ".join(strangers)}
                )

    @property
    def last_contact_via_text(self) -> str:
        return str(CONTACT_VIA.get(self.last_contact_via, self.last_contact_via))

    @property
    def audit_district_id(self) -> int:
        return self.district_id

    def presence(self, at: dt.datetime | None = None) -> str:
        """The status to show: ``unreachable`` when there was no contact for too long."""
        cutoff = unreachable_cutoff(at or clock.now())
        return presence_of(self.status, self.last_contact_at, cutoff=cutoff)

    def position_age(self, at: dt.datetime | None = None) -> dt.timedelta | None:
        if self.position_at is None:
            return None
        return (at or clock.now()) - self.position_at

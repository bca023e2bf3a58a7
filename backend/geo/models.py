"""Oblast → district → rural okrug → settlement, keyed by KATO codes.

KATO codes are 9 digits, ``OO DD RR SSS``. Settlements carry what dispatch needs: a demand
zone (drives arrival targets and travel speed), mobile coverage (drives whether Kuzet
falls back to SMS), coordinates (``coords_estimated`` when no public source had them) and
the road distance to the district seat.
"""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .names import LocalName

kato_validator = RegexValidator(r"^\d{9}$", "A KATO code has exactly 9 digits.")

# Abai oblast lies well inside these; the constraint catches swapped lat/lon and typos.
LAT_RANGE = (40.0, 56.0)
LON_RANGE = (46.0, 88.0)


def coordinates_constraints(
    prefix: str, lat: str = "lat", lon: str = "lon"
) -> list[models.CheckConstraint]:
    return [
        models.CheckConstraint(
            condition=Q(**{f"{lat}__isnull": True}, **{f"{lon}__isnull": True})
            | Q(**{f"{lat}__isnull": False}, **{f"{lon}__isnull": False}),
            name=f"{prefix}_lat_lon_together",
        ),
        models.CheckConstraint(
            condition=Q(**{f"{lat}__isnull": True})
            | Q(
                **{
                    f"{lat}__gte": LAT_RANGE[0],
                    f"{lat}__lte": LAT_RANGE[1],
                    f"{lon}__gte": LON_RANGE[0],
                    f"{lon}__lte": LON_RANGE[1],
                }
            ),
            name=f"{prefix}_coords_in_kazakhstan",
        ),
    ]


def in_reader_language(name: str, name_kk: str) -> str:
    """A place's name as the reader's language writes it: the Kazakh name for a Kazakh reader
    where one is known ("Аягөз ауданы", "Үржар"), else the KATO's Russian ("Аягозский
    район", "Урджар"), which Russian and English readers keep."""
    return name_kk if name_kk and (get_language() or "").startswith("kk") else name


class Zone(models.TextChoices):
    URBAN = "urban", _("Urban")
    SUBURBAN = "suburban", _("Suburban")
    RURAL = "rural", _("Rural")
    REMOTE = "remote", _("Remote")


class Coverage(models.TextChoices):
    LTE = "lte", _("LTE")
    G3 = "3g", _("3G")
    SMS_ONLY = "2g_sms", _("2G / SMS only")
    NONE = "none", _("No coverage")


class Oblast(models.Model):
    kato = models.CharField(_("KATO code"), max_length=9, unique=True, validators=[kato_validator])
    name = models.CharField(_("name"), max_length=120)  # Russian, as the districts' are
    # The Kazakh name ("Абай облысы" beside "Абайская область"); empty where none is known. When
    # it was the only name, a Russian reader of the demo logins read it in Kazakh.
    name_kk = models.CharField(_("name in Kazakh"), max_length=120, blank=True)
    centre = models.CharField(_("centre"), max_length=120, help_text=_("Seat of the oblast ЦОУ"))

    class Meta:
        verbose_name = _("oblast")
        verbose_name_plural = _("oblasts")

    def __str__(self) -> str:
        return self.local_name

    @property
    def local_name(self) -> str:
        return in_reader_language(self.name, self.name_kk)


class District(models.Model):
    class Kind(models.TextChoices):
        DISTRICT = "district", _("District")
        CITY = "city", _("City administration")

    oblast = models.ForeignKey(
        Oblast, verbose_name=_("oblast"), on_delete=models.PROTECT, related_name="districts"
    )
    kato = models.CharField(_("KATO code"), max_length=9, unique=True, validators=[kato_validator])
    name = models.CharField(_("name"), max_length=120)
    # The Kazakh name (fixtures/abai_oblast_kk.csv); empty where none is known.
    name_kk = models.CharField(_("name in Kazakh"), max_length=120, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.DISTRICT)
    seat_name = models.CharField(_("seat name"), max_length=120)
    seat = models.ForeignKey(
        "Settlement",
        verbose_name=_("seat"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Where the district allows it, escalation dispatches the next-nearest unit by itself
    # instead of only recommending it (DOMAIN.md, escalation step 4).
    auto_redispatch = models.BooleanField(_("redispatch automatically"), default=False)

    class Meta:
        verbose_name = _("district")
        verbose_name_plural = _("districts")
        # By the name the reader reads: a Kazakh reader's lists in Kazakh order (names.py).
        ordering = [LocalName(), "pk"]

    def __str__(self) -> str:
        return self.local_name

    @property
    def local_name(self) -> str:
        return in_reader_language(self.name, self.name_kk)

    @property
    def audit_district_id(self) -> int:
        return self.pk


class Okrug(models.Model):
    """A rural okrug (ауылдық округ) or a town administration."""

    district = models.ForeignKey(
        District, verbose_name=_("district"), on_delete=models.PROTECT, related_name="okrugs"
    )
    kato = models.CharField(_("KATO code"), max_length=9, unique=True, validators=[kato_validator])
    name = models.CharField(_("name"), max_length=120)  # Russian, as in KATO ("Абралинский с.о.")
    # The Kazakh name (fixtures/abai_oblast_kk.csv, "Абыралы ауылдық округі"); empty where
    # none is known.
    name_kk = models.CharField(_("name in Kazakh"), max_length=120, blank=True)
    # Pasture points, stations, winter camps… the classifier counts but does not name.
    sub_settlements = models.PositiveIntegerField(_("settlements within"), default=0)

    class Meta:
        verbose_name = _("rural okrug")
        verbose_name_plural = _("rural okrugs")
        # By the name the reader reads: a Kazakh reader's lists in Kazakh order (names.py).
        ordering = [LocalName(), "pk"]

    def __str__(self) -> str:
        return self.local_name

    @property
    def local_name(self) -> str:
        return in_reader_language(self.name, self.name_kk)


class Settlement(models.Model):
    class Kind(models.TextChoices):
        CITY = "city", _("City")
        TOWN = "town", _("Town (посёлок)")
        VILLAGE = "village", _("Village (ауыл/село)")
        POINT = "point", _("Pasture point (точка)")
        STATION = "station", _("Livestock station (уч.)")
        WINTER_CAMP = "winter_camp", _("Winter camp (зимовка)")
        SIDING = "siding", _("Rail siding (рзд.)")

    okrug = models.ForeignKey(
        Okrug, verbose_name=_("okrug"), on_delete=models.PROTECT, related_name="settlements"
    )
    # Denormalised from the okrug so that scoping by district is one indexed filter.
    district = models.ForeignKey(
        District, verbose_name=_("district"), on_delete=models.PROTECT, related_name="settlements"
    )
    kato = models.CharField(_("KATO code"), max_length=9, unique=True, validators=[kato_validator])
    name = models.CharField(_("name"), max_length=120, db_index=True)  # Russian, as in KATO
    # The Kazakh name (fixtures/abai_oblast_kk.csv); empty where none is known. Call entry
    # searches both (backend/geo/search.py).
    name_kk = models.CharField(_("name in Kazakh"), max_length=120, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.VILLAGE)
    zone = models.CharField(_("zone"), max_length=16, choices=Zone.choices, default=Zone.RURAL)
    coverage = models.CharField(
        _("coverage"), max_length=8, choices=Coverage.choices, default=Coverage.G3
    )
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    coords_estimated = models.BooleanField(
        _("coordinates estimated"),
        default=False,
        help_text=_("Approximate position: no public source gave coordinates."),
    )
    road_km_to_seat = models.FloatField(_("road to the seat, km"), null=True, blank=True)

    class Meta:
        verbose_name = _("settlement")
        verbose_name_plural = _("settlements")
        # By the name the reader reads: a Kazakh reader's lists in Kazakh order (names.py).
        ordering = [LocalName(), "pk"]
        constraints = [
            *coordinates_constraints("settlement"),
            models.CheckConstraint(
                condition=Q(road_km_to_seat__isnull=True) | Q(road_km_to_seat__gte=0),
                name="settlement_road_km_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.local_name

    @property
    def local_name(self) -> str:
        return in_reader_language(self.name, self.name_kk)

    @property
    def audit_district_id(self) -> int:
        return self.district_id

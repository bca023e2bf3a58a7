"""Who may see what: every read that crosses a district boundary goes through here.

A district chief and an officer see their own district; a duty officer sees the district
they serve or, when they serve an oblast ЦОУ, every district of that oblast; an oblast
administrator sees the oblast; a superuser sees everything. Everything else sees nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from django.db.models import Model, Q, QuerySet

from backend.geo.models import District

from .models import Role

if TYPE_CHECKING:
    from .models import Officer

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class DistrictScope:
    """The districts a user may see. ``everything`` overrides ``district_ids``."""

    everything: bool
    district_ids: frozenset[int]

    def allows(self, district_id: int | None) -> bool:
        if self.everything:
            return True
        return district_id is not None and district_id in self.district_ids

    def q(self, path: str = "district") -> Q:
        """A filter on ``<path>_id``; matches nothing when the scope is empty."""
        if self.everything:
            return Q()
        return (
            Q(**{f"{path}__in": sorted(self.district_ids)}) if self.district_ids else Q(pk__in=[])
        )


NOTHING = DistrictScope(everything=False, district_ids=frozenset())
EVERYTHING = DistrictScope(everything=True, district_ids=frozenset())


def district_scope(user: Any) -> DistrictScope:
    """The districts ``user`` may see. Cached on the user object for the request."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return NOTHING
    cached: DistrictScope | None = getattr(user, "_kuzet_district_scope", None)
    if cached is not None:
        return cached
    scope = _compute_scope(user)
    user._kuzet_district_scope = scope
    return scope


def _oblast_districts(user: Officer) -> frozenset[int]:
    # A set: unordered (the districts' own order is by name in the reader's collation, a sort
    # for nothing on every request of an oblast's duty officer).
    if user.oblast_id is None:
        return frozenset()
    ids = District.objects.filter(oblast_id=user.oblast_id).order_by().values_list("id", flat=True)
    return frozenset(ids)


def _compute_scope(user: Officer) -> DistrictScope:
    if user.is_superuser:
        return EVERYTHING
    if user.role in (Role.CHIEF, Role.OFFICER):
        return DistrictScope(False, frozenset([user.district_id] if user.district_id else []))
    if user.role == Role.DUTY_OFFICER:
        if user.district_id:
            return DistrictScope(False, frozenset([user.district_id]))
        return DistrictScope(False, _oblast_districts(user))
    if user.role == Role.OBLAST_ADMIN and user.oblast_id:
        return DistrictScope(False, _oblast_districts(user))
    return NOTHING


def scoped(qs: QuerySet[M], user: Any, path: str = "district") -> QuerySet[M]:
    """Restrict ``qs`` to the user's districts through the ``path`` foreign key."""
    return qs.filter(district_scope(user).q(path))


def is_staff_role(user: Any) -> bool:
    return bool(
        user.is_superuser or user.role in (Role.CHIEF, Role.DUTY_OFFICER, Role.OBLAST_ADMIN)
    )

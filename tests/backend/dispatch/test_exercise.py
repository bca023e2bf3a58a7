"""Exercise calls: a training call (a drill, the simulator's live demo at ×30) is dispatched
like any call and kept out of the figures; how a call becomes one."""

from __future__ import annotations

from typing import Any

from backend.dispatch.models import Incident
from tests import factories


def test_a_call_is_real_unless_taken_as_an_exercise(personas: Any):
    # when
    real = factories.incident(district=personas.a.district, settlement=personas.a.town)
    drill = factories.incident(
        district=personas.a.district, settlement=personas.a.town, exercise=True
    )

    # then
    assert Incident.objects.get(pk=real.pk).exercise is False
    assert Incident.objects.get(pk=drill.pk).exercise is True
    assert str(Incident._meta.get_field("exercise").verbose_name) == "exercise"

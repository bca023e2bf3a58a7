"""``{% result_count cl %}``: a console list's count in words (``backend.people.counts``)."""

from __future__ import annotations

from typing import Any

from django import template

from ..counts import counted

register = template.Library()


@register.simple_tag
def result_count(cl: Any) -> str:
    n = cl.result_count
    phrase = counted(cl.opts.label_lower, n)
    if phrase is not None:
        return phrase
    return f"{n} {cl.opts.verbose_name if n == 1 else cl.opts.verbose_name_plural}"

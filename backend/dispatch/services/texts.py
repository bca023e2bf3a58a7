"""What a desk types into a command (a message to the crew, a reason, a note) must be text a
database can keep.

The staff API's serializers and the admin's forms refuse U+0000 and lone surrogates; the
board's actions hand the services what their JSON body held, and PostgreSQL cannot store
either (``unsupported Unicode escape sequence``): the command answered a 500 page, the board
its "server error" instead of the refusal. The services check it themselves, for every caller.
"""

from __future__ import annotations

from backend.common.errors import ValidationFailed
from sync.protocol import has_unstorable

# How the refusal's detail ends, whichever field it names (``refusals`` words it for a desk).
UNSTORABLE = "holds a character that cannot be stored (U+0000 or a lone surrogate)."


def text_storable_check(field: str, *texts: str) -> None:
    """Raise ``invalid`` (naming ``field``) when a text holds U+0000 or a lone surrogate."""
    if any(has_unstorable(text) for text in texts):
        raise ValidationFailed(
            f"The {field} {UNSTORABLE}",
            fields={field: ["U+0000 and lone surrogates are not allowed."]},
        )

"""The JSON parser of every DRF view (REST_FRAMEWORK's ``DEFAULT_PARSER_CLASSES``): the staff
API and the intake API. Here, not in ``backend.common``, because it reads with the sync
engine's check for a key named twice (``sync.protocol.said_once``), which the apps below
dispatch may not import."""

from __future__ import annotations

import codecs
import json
from typing import Any

from rest_framework import exceptions

# get_encoding: DRF's charset check (a text codec only: bz2_codec would inflate a small body
# past the size limit); newer than the stubs.
from rest_framework.parsers import JSONParser, get_encoding  # type: ignore[attr-defined]
from rest_framework.utils.json import strict_constant

from sync.protocol import ProtocolError, json_object, said_once


class JsonParser(JSONParser):
    """DRF's JSON parser, refusing as ``400 malformed`` what it read wrongly:

    - a key named twice, at any depth, named by its path from the body's root ("The body
      has the key 'external_ref' more than once.", "… 'caller.phone' …"): DRF kept the
      last value and dropped the others without a word — a partner's ``{"category":
      "noise", …, "category": "domestic_violence"}`` filed as whichever came last, a staff
      command's ``unit_id`` twice sent the last unit. The sync endpoints, the board's
      buttons and the SMS callback refuse it with the same check;
    - a body nested too deeply for Python's parser: sixty thousand ``[`` in a 120 KB body
      raised RecursionError, answered ``500 server_error`` ("retry with backoff": a
      partner's retry loop) with a traceback in the log, for every such request.

    Otherwise DRF's own ``parse``: the charset of the Content-Type, NaN and Infinity refused
    (``STRICT_JSON``), "JSON parse error - <the parser's message>"."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        encoding = get_encoding(parser_context or {})
        try:
            data = json.load(
                codecs.getreader(encoding)(stream),
                parse_constant=strict_constant if self.strict else None,
                object_pairs_hook=json_object,
            )
        except RecursionError:
            raise exceptions.ParseError(
                "JSON parse error - the body nests too deeply to be parsed."
            ) from None
        except ValueError as exc:
            raise exceptions.ParseError(f"JSON parse error - {exc}") from None
        try:
            return said_once(data, "the body")
        except ProtocolError as exc:
            raise exceptions.ParseError(exc.sentence) from None

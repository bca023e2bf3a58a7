"""Kuzet's sync engine: a typed, pure-Python library with no Django in it.

- :mod:`sync.protocol` — the wire types of PROTOCOL.md and their validation (no I/O).
- :mod:`sync.timing` — event-time estimation from time anchors (PROTOCOL.md §6.7).
- :mod:`sync.rules` — how facts become state, and what counts as a conflict (§6).
- :mod:`sync.scope` — cursors, pull modes, snapshot continuation, audience names (§4).
- :mod:`sync.client` — the reference device client (local SQLite store, outbox, retries).

``backend/sync_gateway`` plugs Django into these modules; nothing here imports the backend.
"""

"""A TCP proxy that behaves like a rural 2G link: the fallback where the kernel cannot shape.

The preferred shaping is the kernel's own (``tc qdisc … netem`` on a veth pair into a network
namespace); ``bench/rural_link.py`` tries it first. Where ``netem`` is missing (the kernel of
the reference machine has no ``sch_netem``: "Specified qdisc kind is unknown") this proxy
stands between the device and the server on loopback and models, per direction:

* **bandwidth** — bytes leave one at a time at ``rate_bps`` (64 kbit/s): each segment
  occupies the link for ``len × 8 / rate`` seconds, queued behind the previous one;
* **latency** — each segment arrives ``rtt / 2`` after it left (600 ms round trip);
* **loss** — each segment is lost with probability ``loss`` (3 %) and retransmitted after a
  retransmission timeout (``rto_s``, 1 s: Linux's RTO for a 600 ms path); TCP delivers in
  order, so everything behind a lost segment waits for it (head-of-line blocking);
* **connection set-up** — a new connection costs one round trip before its first byte (the
  SYN / SYN-ACK the loopback connect does not pay);
* **cuts** — :meth:`ShapingProxy.cut` closes every open connection at once, as a cell
  handover or a dropped PDP context does.

It counts payload bytes each way and estimates the bytes on the wire: payload plus 40 bytes
of TCP/IP headers per segment (MSS 1,460), retransmitted segments counted twice, and
three 40-byte packets per connection set-up.
"""

from __future__ import annotations

import asyncio
import random
import threading
from dataclasses import dataclass, field

MSS = 1460
HEADER_BYTES = 40


@dataclass
class Link:
    rate_bps: float = 64_000.0
    rtt_s: float = 0.6
    loss: float = 0.03
    rto_s: float = 1.0
    seed: int = 2


@dataclass
class Counters:
    up_payload: int = 0  # device → server
    down_payload: int = 0
    up_wire: int = 0
    down_wire: int = 0
    retransmits: int = 0
    connections: int = 0
    cuts: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


@dataclass
class _Direction:
    """One direction of the link: when it is next free, when the last segment arrived."""

    free_at: float = 0.0
    last_arrival: float = 0.0
    writers: set[asyncio.StreamWriter] = field(default_factory=set)


class ShapingProxy:
    """Listen on 127.0.0.1:<port> and forward to ``upstream`` through a shaped link; runs its
    own event loop in a thread."""

    def __init__(self, upstream: tuple[str, int], link: Link | None = None) -> None:
        self.upstream = upstream
        self.link = link or Link()
        self.counters = Counters()
        self.rng = random.Random(self.link.seed)
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._server: asyncio.base_events.Server | None = None
        self._up = _Direction()
        self._down = _Direction()
        self._open: set[asyncio.StreamWriter] = set()
        self._thread = threading.Thread(target=self._run, daemon=True, name="shaping-proxy")
        self._thread.start()
        self._ready.wait(10)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(
            asyncio.start_server(self._accept, "127.0.0.1", 0)
        )
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()

    def reset_counters(self) -> None:
        self.counters = Counters()

    def cut(self) -> None:
        """Drop every open connection now."""

        def drop() -> None:
            self.counters.cuts += 1
            for writer in list(self._open):
                writer.transport.abort()
            self._open.clear()

        self._loop.call_soon_threadsafe(drop)

    def close(self) -> None:
        def stop() -> None:
            if self._server is not None:
                self._server.close()
            for writer in list(self._open):
                writer.transport.abort()
            for task in asyncio.all_tasks(self._loop):
                task.cancel()
            self._loop.call_soon(self._loop.stop)

        self._loop.call_soon_threadsafe(stop)
        self._thread.join(5)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.counters.connections += 1
        self.counters.up_wire += 3 * HEADER_BYTES  # SYN, SYN-ACK, ACK
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            writer.transport.abort()
            return
        self._open.update({writer, up_writer})
        setup_done = self._loop.time() + self.link.rtt_s
        await asyncio.gather(
            self._pipe(reader, up_writer, self._up, upstream=True, not_before=setup_done),
            self._pipe(up_reader, writer, self._down, upstream=False, not_before=setup_done),
            return_exceptions=True,
        )
        for w in (writer, up_writer):
            self._open.discard(w)
            w.transport.abort()

    async def _pipe(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        direction: _Direction,
        *,
        upstream: bool,
        not_before: float,
    ) -> None:
        link = self.link
        deliveries: asyncio.Queue[tuple[float, bytes] | None] = asyncio.Queue()

        async def deliver() -> None:
            while (item := await deliveries.get()) is not None:
                at, data = item
                delay = at - self._loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                writer.write(data)
                await writer.drain()

        sender = asyncio.ensure_future(deliver())
        try:
            while data := await reader.read(MSS):
                now = max(self._loop.time(), not_before)
                start = max(now, direction.free_at)
                direction.free_at = start + len(data) * 8 / link.rate_bps
                arrival = direction.free_at + link.rtt_s / 2
                wire = len(data) + HEADER_BYTES
                if self.rng.random() < link.loss:
                    self.counters.retransmits += 1
                    arrival += link.rto_s
                    wire *= 2
                # In order: nothing overtakes a segment still waiting for its retransmission.
                arrival = max(arrival, direction.last_arrival)
                direction.last_arrival = arrival
                if upstream:
                    self.counters.up_payload += len(data)
                    self.counters.up_wire += wire
                else:
                    self.counters.down_payload += len(data)
                    self.counters.down_wire += wire
                await deliveries.put((arrival, data))
            await deliveries.put(None)
            await sender
        finally:
            sender.cancel()
            writer.transport.abort()

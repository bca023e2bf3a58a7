"""A TCP proxy a test puts between a server process and what it talks to (Redis, the browser),
to lose that link without stopping the shared service: ``drop`` closes every connection and
refuses new ones (Redis restarting, the server gone), ``hang`` keeps them open and passes
nothing (a laptop asleep, a dead Wi-Fi: the socket looks open on both ends), ``restore`` heals."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress

from tests.e2e.processes import free_port


class Proxy:
    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = free_port()
        self.mode = "pass"
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._server = socket.create_server(("127.0.0.1", self.port))
        self._server.settimeout(0.2)
        self._stopped = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def drop(self) -> None:
        self.mode = "drop"
        with self._lock:
            for s in list(self._open):
                with suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                s.close()
            self._open.clear()

    def hang(self) -> None:
        self.mode = "hang"

    def restore(self) -> None:
        self.mode = "pass"

    def close(self) -> None:
        self._stopped.set()
        self.drop()
        self._server.close()

    def _accept(self) -> None:
        while not self._stopped.is_set():
            try:
                client, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if self.mode == "drop":
                client.close()
                continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._open.update((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                while self.mode == "hang" and not self._stopped.is_set():
                    self._stopped.wait(0.1)
                if self.mode == "drop":
                    break
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                with self._lock:
                    self._open.discard(s)
                _shut(s)


def _shut(s: socket.socket) -> None:
    """Close for good: a bare close() while the other pipe's thread is in recv() on the same
    socket left the connection open (a database session the test database could not drop)."""
    with suppress(OSError):
        s.shutdown(socket.SHUT_RDWR)
    with suppress(OSError):
        s.close()


@contextmanager
def proxy(target_port: int) -> Iterator[Proxy]:
    p = Proxy(target_port)
    try:
        yield p
    finally:
        p.close()

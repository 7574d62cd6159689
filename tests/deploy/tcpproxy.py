"""A TCP proxy that a test can cut: ``python -m tests.deploy.tcpproxy PORT HOST:PORT``.

It forwards 127.0.0.1:PORT to HOST:PORT. SIGUSR1 cuts: every open connection is closed and new
ones are closed as soon as they are accepted, as when the network to the database fails. SIGUSR2
restores. It runs in its own process, with two blocking threads per connection (the cheapest
forwarding in Python: about 0.1 ms a round trip), so that the test's client threads never slow
the app nodes' database traffic down. Prints "ready" when it listens; SIGTERM stops it.
"""
from __future__ import annotations

import signal
import socket
import sys
import threading


class Proxy:
    def __init__(self, port: int, target: tuple[str, int]):
        self.target = target
        self.cut_off = False
        self.lock = threading.Lock()
        self.open: set[socket.socket] = set()
        self.server = socket.create_server(("127.0.0.1", port), backlog=512)

    def serve(self) -> None:
        while True:
            try:
                client, _addr = self.server.accept()
            except OSError:
                return
            if self.cut_off:
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            for sock in (client, upstream):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self.lock:
                self.open.update((client, upstream))
            threading.Thread(target=self.pipe, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self.pipe, args=(upstream, client), daemon=True).start()

    def pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                sink.sendall(data)
        except OSError:
            pass
        finally:
            self.close(source)
            self.close(sink)

    def close(self, sock: socket.socket) -> None:
        with self.lock:
            self.open.discard(sock)
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        sock.close()

    def cut(self, *_args) -> None:
        self.cut_off = True
        with self.lock:
            sockets = list(self.open)
        for sock in sockets:
            self.close(sock)

    def restore(self, *_args) -> None:
        self.cut_off = False


def main() -> None:
    host, port = sys.argv[2].rsplit(":", 1)
    proxy = Proxy(int(sys.argv[1]), (host, int(port)))
    signal.signal(signal.SIGUSR1, proxy.cut)
    signal.signal(signal.SIGUSR2, proxy.restore)
    signal.signal(signal.SIGTERM, lambda *_a: sys.exit(0))
    print("ready", flush=True)
    proxy.serve()


if __name__ == "__main__":
    main()

"""A TCP proxy that a test can cut: ``python -m tests.deploy.tcpproxy PORT HOST:PORT``.

It forwards 127.0.0.1:PORT to HOST:PORT. SIGUSR1 cuts: every open connection is closed and new
ones are closed as soon as they are accepted, as when the network to the database fails. SIGUSR2
restores. It runs in its own process (asyncio) so that the test's client threads never slow the
database traffic of the app nodes down. Prints "ready" when it listens.
"""
from __future__ import annotations

import asyncio
import signal
import sys


class Proxy:
    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, target_port)
        self.cut_off = False
        self.writers: set[asyncio.StreamWriter] = set()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.cut_off:
            writer.close()
            return
        try:
            up_reader, up_writer = await asyncio.wait_for(asyncio.open_connection(*self.target), 5)
        except (OSError, asyncio.TimeoutError):
            writer.close()
            return
        self.writers.update((writer, up_writer))
        await asyncio.gather(self.pipe(reader, up_writer), self.pipe(up_reader, writer))
        self.writers.difference_update((writer, up_writer))

    async def pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while not self.cut_off:
                data = await reader.read(65536)
                if not data:
                    break
                writer.write(data)
                await writer.drain()
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    def cut(self) -> None:
        self.cut_off = True
        for writer in list(self.writers):
            transport = writer.transport
            transport.abort()
        self.writers.clear()

    def restore(self) -> None:
        self.cut_off = False


async def main(port: int, target: str) -> None:
    host, target_port = target.rsplit(":", 1)
    proxy = Proxy(host, int(target_port))
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGUSR1, proxy.cut)
    loop.add_signal_handler(signal.SIGUSR2, proxy.restore)
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    server = await asyncio.start_server(proxy.handle, "127.0.0.1", port, backlog=512)
    print("ready", flush=True)
    async with server:
        await stop.wait()
        proxy.cut()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), sys.argv[2]))

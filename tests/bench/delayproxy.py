"""A TCP proxy on 127.0.0.1 that makes a loopback server behave like one
across a real link: every chunk is delayed by a fixed time in each
direction and, when rate_mbit is given, also queued behind the chunks
before it at that many Mbit/s per direction (a serialisation delay, so a
big download takes as long as on the real link).

It counts the client's round trips (how often the client sent data after
having received something since its previous send) and the bytes in each
direction (bytes_down: server to client, including TLS records)."""

import asyncio
import threading


class DelayProxy:
    def __init__(self, target_port, delay_ms, target_host="127.0.0.1",
                 rate_mbit=None):
        self.target = (target_host, target_port)
        self.delay = delay_ms / 1000.0
        # Seconds per byte on the shaped link; 0 for an unlimited one.
        self.byte_time = 8.0 / (rate_mbit * 1e6) if rate_mbit else 0.0
        self.port = None
        self.round_trips = 0
        self.bytes_down = 0
        self.bytes_up = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(
            asyncio.start_server(self._client, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()

    async def _client(self, creader, cwriter):
        sreader, swriter = await asyncio.open_connection(*self.target)
        state = {"heard": True}

        async def deliver(queue, writer):
            """Writes each chunk at its time, in order; None closes."""
            loop = asyncio.get_running_loop()
            while True:
                when, data = await queue.get()
                pause = when - loop.time()
                if pause > 0:
                    await asyncio.sleep(pause)
                if data is None:
                    writer.close()
                    return
                writer.write(data)

        async def pump(reader, writer, upstream):
            loop = asyncio.get_running_loop()
            queue = asyncio.Queue()
            sender = asyncio.ensure_future(deliver(queue, writer))
            link_free = 0.0     # when the shaped link has sent all queued
            while True:
                # Small reads: a chunk is forwarded whole once "sent".
                data = await reader.read(16384)
                now = loop.time()
                if not data:
                    queue.put_nowait((max(now, link_free) + self.delay, None))
                    await sender
                    return
                if upstream:
                    self.bytes_up += len(data)
                    if state["heard"]:
                        self.round_trips += 1
                        state["heard"] = False
                else:
                    self.bytes_down += len(data)
                    state["heard"] = True
                link_free = max(now, link_free) + len(data) * self.byte_time
                queue.put_nowait((link_free + self.delay, data))

        await asyncio.gather(pump(creader, swriter, True),
                             pump(sreader, cwriter, False),
                             return_exceptions=True)

    def start(self):
        self._thread.start()
        self._ready.wait()
        return self

    async def _shutdown(self):
        # Cancelling a pump can leave its delivery task behind: repeat.
        while True:
            tasks = [t for t in asyncio.all_tasks()
                     if t is not asyncio.current_task() and not t.done()]
            if not tasks:
                break
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        self._loop.stop()

    def stop(self):
        asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop)
        self._thread.join(5)

"""A TCP proxy on 127.0.0.1 that delays every chunk by a fixed time in each
direction, so a loopback server behaves like one across a real link.
It also counts the client's round trips: how often the client sent data
after having received something since its previous send."""

import asyncio
import threading


class DelayProxy:
    def __init__(self, target_port, delay_ms, target_host="127.0.0.1"):
        self.target = (target_host, target_port)
        self.delay = delay_ms / 1000.0
        self.port = None
        self.round_trips = 0
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

        async def pump(reader, writer, upstream):
            loop = asyncio.get_running_loop()
            while True:
                data = await reader.read(65536)
                if not data:
                    loop.call_later(self.delay, writer.close)
                    return
                if upstream:
                    if state["heard"]:
                        self.round_trips += 1
                        state["heard"] = False
                else:
                    state["heard"] = True
                loop.call_later(self.delay, writer.write, data)

        await asyncio.gather(pump(creader, swriter, True),
                             pump(sreader, cwriter, False),
                             return_exceptions=True)

    def start(self):
        self._thread.start()
        self._ready.wait()
        return self

    def stop(self):
        def shutdown():
            for task in asyncio.all_tasks(self._loop):
                task.cancel()
            self._loop.call_soon(self._loop.stop)
        self._loop.call_soon_threadsafe(shutdown)
        self._thread.join(5)

"""A TCP proxy on 127.0.0.1 whose link a test can break on command.

    proxy = LinkProxy("127.0.0.1", dovecot_port)   # listening at once
    rc = {"imap_url": "imap://alice@127.0.0.1:%d/" % proxy.port}
    proxy.cut()      # reset every connection; new ones are reset too
    proxy.stall()    # stop forwarding (bytes wait); connections stay open
    proxy.resume()   # forward and accept normally again
    proxy.stop()

cut() sends a TCP reset to both sides (SO_LINGER 0), like a NAT box that
forgot the connection; until resume() a new connection is accepted and
reset at once, like a network that is down. stall() is a link that went
silent: nothing is read or written in either direction (connections made
meanwhile are accepted and wait too), so only a timeout notices it;
resume() delivers what waited. delay_ms delays every chunk by that much
in each direction. bytes_up (client to server), bytes_down and
connections (accepted so far) are counters for assertions."""

import collections
import select
import socket
import struct
import threading
import time


class _Pair:
    def __init__(self, client, server):
        self.client = client
        self.server = server
        # Chunks on their way, as (due time, bytes), per destination.
        self.queues = {client: collections.deque(), server: collections.deque()}

    def other(self, sock):
        return self.server if sock is self.client else self.client


class LinkProxy:
    def __init__(self, target_host, target_port, delay_ms=0):
        self.target = (target_host, target_port)
        self.delay = delay_ms / 1000.0
        self.bytes_up = 0
        self.bytes_down = 0
        self.connections = 0
        self._state = "up"
        self._pairs = []
        self._lock = threading.Lock()
        self._orders = []
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(16)
        self.port = self._listener.getsockname()[1]
        self._wake_r, self._wake_w = socket.socketpair()
        self._running = True
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    # -- commands from the test ---------------------------------------------

    def cut(self):
        """Resets every connection; refuses (resets) new ones until resume()."""
        self._order("cut")

    def stall(self):
        """Stops forwarding in both directions until resume()."""
        self._order("stall")

    def resume(self):
        """Forwards and accepts normally again."""
        self._order("resume")

    def stop(self):
        if not self._running:
            return
        self._order("stop")
        self._thread.join(5)

    def _order(self, what):
        done = threading.Event()
        with self._lock:
            self._orders.append((what, done))
        self._wake_w.send(b"x")
        done.wait(5)

    # -- the proxy thread ---------------------------------------------------

    @staticmethod
    def _reset(sock):
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                            struct.pack("ii", 1, 0))
        except OSError:
            pass
        sock.close()

    def _drop(self, pair, reset):
        if pair not in self._pairs:
            return
        self._pairs.remove(pair)
        for sock in (pair.client, pair.server):
            if reset:
                self._reset(sock)
            else:
                sock.close()

    def _accept(self):
        try:
            client, _ = self._listener.accept()
        except OSError:
            return
        self.connections += 1
        if self._state == "cut":
            self._reset(client)
            return
        try:
            server = socket.create_connection(self.target, timeout=5)
        except OSError:
            self._reset(client)
            return
        for sock in (client, server):
            sock.setblocking(False)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._pairs.append(_Pair(client, server))

    def _obey(self):
        try:
            self._wake_r.recv(64)
        except OSError:
            pass
        with self._lock:
            orders, self._orders = self._orders, []
        for what, done in orders:
            if what == "cut":
                self._state = "cut"
                for pair in list(self._pairs):
                    self._drop(pair, True)
            elif what == "stall":
                self._state = "stall"
            elif what == "resume":
                self._state = "up"
            elif what == "stop":
                self._running = False
                for pair in list(self._pairs):
                    self._drop(pair, False)
            done.set()

    def _read(self, pair, sock):
        try:
            data = sock.recv(65536)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            # One side closed: close the other once what waits is sent.
            self._flush(pair, force=True)
            self._drop(pair, False)
            return
        if sock is pair.client:
            self.bytes_up += len(data)
        else:
            self.bytes_down += len(data)
        pair.queues[pair.other(sock)].append((time.monotonic() + self.delay, data))

    def _flush(self, pair, force=False):
        now = time.monotonic()
        for dest, queue in pair.queues.items():
            while queue and (force or queue[0][0] <= now):
                data = queue[0][1]
                try:
                    dest.setblocking(True)
                    dest.sendall(data)
                    dest.setblocking(False)
                except OSError:
                    queue.clear()
                    break
                queue.popleft()

    def _run(self):
        while self._running:
            readers = [self._listener, self._wake_r]
            timeout = None
            if self._state == "up":
                for pair in self._pairs:
                    readers += [pair.client, pair.server]
                    for queue in pair.queues.values():
                        if queue:
                            wait = max(0.0, queue[0][0] - time.monotonic())
                            timeout = wait if timeout is None else min(timeout, wait)
            try:
                ready, _, _ = select.select(readers, [], [], timeout)
            except (OSError, ValueError):
                ready = []
            for sock in ready:
                if sock is self._wake_r:
                    self._obey()
                elif sock is self._listener:
                    self._accept()
                else:
                    for pair in list(self._pairs):
                        if sock is pair.client or sock is pair.server:
                            self._read(pair, sock)
                            break
            if self._state == "up":
                for pair in list(self._pairs):
                    self._flush(pair)
        self._listener.close()
        self._wake_r.close()
        self._wake_w.close()

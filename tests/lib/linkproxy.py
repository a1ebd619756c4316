"""A TCP proxy on 127.0.0.1 whose link a test can break on command.

    proxy = LinkProxy("127.0.0.1", dovecot_port)   # listening at once
    rc = {"imap_url": "imap://alice@127.0.0.1:%d/" % proxy.port}
    proxy.cut()      # reset every connection; new ones are reset too
    proxy.stall()    # stop forwarding (bytes wait); connections stay open
    proxy.resume()   # forward and accept normally again
    proxy.cut_on(r"UID STORE")             # reset when the client sends it
    proxy.cut_on(r"UID MOVE", "answered")  # let the server do it, then reset
    proxy.fired.wait(10)                   # the cut_on cut happened
    proxy.stop()

cut() sends a TCP reset to both sides (SO_LINGER 0), like a NAT box that
forgot the connection; until resume() a new connection is accepted and
reset at once, like a network that is down. stall() is a link that went
silent: nothing is read or written in either direction (connections made
meanwhile are accepted and wait too), so only a timeout notices it;
resume() delivers what waited. cut_on(regex) is a cut aimed at
one command: the first line the client sends that matches regex (a
re.search on the line without CRLF) resets that one connection, "before"
the server sees the line, or once it "answered" (the server did the
command and its tagged answer is swallowed: the client never hears of
it); "started" resets when the first byte of any answer to it comes
(an untagged line, a continuation, or the tagged one). New connections
go through normally afterwards, so the client can reconnect at once.
delay_ms delays every chunk by that much
in each direction. bytes_up (client to server), bytes_down and
connections (accepted so far) are counters for assertions."""

import collections
import re
import select
import socket
import struct
import threading
import time


class _Pair:
    def __init__(self, client, server):
        self.client = client
        self.server = server
        self.up_line = b""      # the client's incomplete line, for cut_on
        self.down_line = b""    # the server's, while waiting for the tag
        self.tag = None         # cut_on "answered": the command's tag
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
        self._trigger = None    # (compiled regex, when) armed by cut_on
        self.fired = threading.Event()
        self.fired_line = None
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

    def cut_on(self, regex, when="before"):
        """Resets the connection on which the client next sends a line
        matching regex: "before" the server gets it, once the server
        "answered" it (tagged answer swallowed), or when its answer
        "started". One-shot; fired is set when it happened."""
        assert when in ("before", "answered", "started")
        with self._lock:
            self.fired.clear()
            self.fired_line = None
            self._trigger = (re.compile(regex.encode()
                                        if isinstance(regex, str) else regex),
                             when)

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
            if self._trigger is not None and pair.tag is None:
                data = self._watch_up(pair, data)
        else:
            self.bytes_down += len(data)
            if pair.tag is not None:
                data = self._watch_down(pair, data)
        if data is None:
            return
        pair.queues[pair.other(sock)].append((time.monotonic() + self.delay, data))

    def _cut_pair(self, pair, dest, rest):
        """Delivers rest to dest, then resets the pair."""
        if rest:
            pair.queues[dest].append((0, rest))
        self._flush(pair, force=True)
        self._drop(pair, True)
        self.fired.set()

    def _watch_up(self, pair, data):
        """The client's bytes, looking for the cut_on line. Returns what
        to forward, or None when the pair is gone."""
        regex, when = self._trigger
        buf = pair.up_line + data
        start = 0
        while True:
            end = buf.find(b"\n", start)
            if end < 0:
                break
            line = buf[start:end].rstrip(b"\r")
            if regex.search(line):
                self._trigger = None
                self.fired_line = line.decode("latin-1")
                if when == "before":
                    self._cut_pair(pair, pair.server, buf[len(pair.up_line):start]
                                   if start >= len(pair.up_line) else b"")
                    return None
                pair.tag = (line.split(b" ", 1)[0], when)
                pair.up_line = b""
                return data
            start = end + 1
        pair.up_line = buf[start:][-4096:]
        return data

    def _watch_down(self, pair, data):
        """The server's bytes after the aimed command: cut at its answer."""
        tag, when = pair.tag
        if when == "started":
            self._cut_pair(pair, pair.client, b"")
            return None
        # Only whole lines go on, so a tagged line is never half through.
        buf = pair.down_line + data
        start = 0
        while True:
            end = buf.find(b"\n", start)
            if end < 0:
                break
            if buf[start:].startswith(tag + b" "):
                # Everything before the tagged answer goes through.
                self._cut_pair(pair, pair.client, buf[:start])
                return None
            start = end + 1
        pair.down_line = buf[start:]
        return buf[:start] or None

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

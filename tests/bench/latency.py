#!/usr/bin/env python3
"""Keystroke-to-screen latency while a big folder loads over a slow link,
for crispin's interface, mutt and neomutt in the same run.

    tests/bench/latency.py [--messages 50000] [--delay-ms 20] [--rate-mbit 20]
                           [--keys 50] [--interval 0.15] [--clients crispin,mutt,neomutt]

A local Dovecot (tests/lib/dovecot.py) gets a user whose INBOX is the
generated Maildir of tests/bench/sync.py; every client reaches it through
tests/bench/delayproxy.py (--delay-ms one way, --rate-mbit per direction)
with an empty cache, so the whole folder loads. The load is over when the
bytes reaching the client (counted by a relay in front of the proxy) stop
for a second.

Each client runs on a pseudo-terminal of 120x40 (TERM=xterm-256color)
driven from here: a reader thread timestamps every byte the client writes.
As soon as the client has drawn something, keys go in pairs, --interval
apart: '?' (the help screen; latency = until the output contains "Help
for") and 'q' (back; until it contains a sender's name, which only the
index draws). A key counts as "during the load" when the proxy was still
carrying the folder's bytes when it was sent; --keys more are sent after
the load. mutt and neomutt read no key until their load is done, so their
one sample during the load is a '?' sent right after the first byte of
output, and its latency is the rest of their load.
"""

import argparse
import fcntl
import os
import pty
import shutil
import signal
import socket
import statistics
import struct
import sys
import tempfile
import termios
import threading
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, HERE)
from dovecot import Dovecot  # noqa: E402
from delayproxy import DelayProxy  # noqa: E402
from sync import NAMES, PASSWORD, fill_maildir, find_crispin, prime  # noqa: E402

ROWS, COLS = 40, 120
HELP_MARK = b"Help for"
INDEX_MARKS = tuple(n.split()[-1].encode() for n in NAMES if n.isascii())


class PtyClient:
    """A program on a pseudo-terminal; every chunk it writes is kept with
    the time it was read."""

    def __init__(self, argv, env):
        self.out = bytearray()
        self.cond = threading.Condition()
        self.done = False
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
            os.execvpe(argv[0], argv, env)
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
        self.started = time.monotonic()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        while True:
            try:
                data = os.read(self.fd, 65536)
            except OSError:
                data = b""
            with self.cond:
                if not data:
                    self.done = True
                    self.cond.notify_all()
                    return
                self.out += data
                self.cond.notify_all()

    def mark(self):
        with self.cond:
            return len(self.out)

    def wait_for(self, marks, since, timeout):
        """Seconds (monotonic) when one of marks appeared after offset
        since, or None at the timeout."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                # A mark may straddle two chunks: look a little before.
                if any(m in self.out[max(0, since - 16):] for m in marks):
                    return time.monotonic()
                left = deadline - time.monotonic()
                if left <= 0 or self.done:
                    return None
                self.cond.wait(left)

    def send(self, data):
        os.write(self.fd, data)

    def stop(self, quit_keys):
        for k in quit_keys:
            try:
                self.send(k)
            except OSError:
                break
            time.sleep(0.3)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            pid, _ = os.waitpid(self.pid, os.WNOHANG)
            if pid != 0:
                break
            time.sleep(0.05)
        else:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        os.close(self.fd)


class Relay:
    """A pass-through on loopback between the client and the shaping
    proxy, counting the bytes that reach the client: the proxy counts
    what the server sent, which runs ahead of the shaped link."""

    def __init__(self, target_port):
        self.target = ("127.0.0.1", target_port)
        self.bytes_down = 0
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(8)
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.target)
            threading.Thread(target=self._pump, args=(client, server, False),
                             daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, True),
                             daemon=True).start()

    def _pump(self, src, dst, down):
        while True:
            try:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
            except OSError:
                break
            if down:
                self.bytes_down += len(data)
        for sock in (src, dst):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def stop(self):
        self.listener.close()


class Traffic:
    """Watches the download counter of what reached the client: the load
    is over when no more than a trickle has come for quiet seconds."""

    def __init__(self, proxy, quiet=1.0):
        self.proxy = proxy
        self.quiet = quiet
        self.last_busy = time.monotonic()
        self.stopped = False
        self.thread = threading.Thread(target=self._watch, daemon=True)
        self.thread.start()

    def _watch(self):
        before = self.proxy.bytes_down
        while not self.stopped:
            time.sleep(0.05)
            now = self.proxy.bytes_down
            if now - before > 4096:
                self.last_busy = time.monotonic()
            before = now

    def loading(self):
        return time.monotonic() - self.last_busy < self.quiet


def measure(client, key, marks, timeout):
    since = client.mark()
    t0 = time.monotonic()
    client.send(key)
    t1 = client.wait_for(marks, since, timeout)
    if t1 is None:
        raise RuntimeError("no reaction to %r within %d s; output ends with %r" % (
            key, timeout, bytes(client.out[-300:])))
    return (t1 - t0) * 1000


def run_client(name, argv, env, proxy, args, quit_keys):
    """(first output s, load s, latencies during the load, after it)."""
    traffic = Traffic(proxy)
    client = PtyClient(argv, env)
    samples = []    # (time sent, key, ms)
    try:
        if client.wait_for([b"\x1b["], 0, 120) is None:
            raise RuntimeError("%s drew nothing: %r" % (name, bytes(client.out)))
        first = time.monotonic() - client.started
        # Wait for the folder's bytes to start flowing before the keys.
        t_end = time.monotonic() + 60
        while proxy.bytes_down < 200000 and time.monotonic() < t_end:
            time.sleep(0.01)
        traffic.last_busy = time.monotonic()
        settled = 0
        while settled < args.keys:
            t = time.monotonic()
            samples.append((t, "?", measure(client, b"?", [HELP_MARK], 900)))
            time.sleep(args.interval)
            t = time.monotonic()
            samples.append((t, "q", measure(client, b"q", INDEX_MARKS, 900)))
            time.sleep(args.interval)
            if not traffic.loading():
                settled += 2
        # Classified once the end of the load is known.
        load = traffic.last_busy - client.started
        during = [(k, ms) for t, k, ms in samples if t < traffic.last_busy]
        after = [(k, ms) for t, k, ms in samples if t >= traffic.last_busy]
    finally:
        traffic.stopped = True
        client.stop(quit_keys)
    return first, load, during, after


def summary(samples):
    if not samples:
        return "-", "-", "-", 0
    s = sorted(samples)
    p95 = s[min(len(s) - 1, int(round(0.95 * (len(s) - 1))))]
    return ("%.1f" % statistics.median(s), "%.1f" % p95, "%.1f" % s[-1], len(s))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=50000)
    ap.add_argument("--delay-ms", type=float, default=20)
    ap.add_argument("--rate-mbit", type=float, default=20)
    ap.add_argument("--keys", type=int, default=50,
                    help="keystrokes measured after the load")
    ap.add_argument("--interval", type=float, default=0.15,
                    help="seconds between keystrokes")
    ap.add_argument("--clients", default="crispin,mutt,neomutt")
    args = ap.parse_args()
    crispin = find_crispin()
    tmp = tempfile.mkdtemp(prefix="crispin-latency-")
    user = "lat"
    env = dict(os.environ, HOME=tmp, LC_ALL="C.UTF-8", TERM="xterm-256color")
    env.pop("TMUX", None)
    rows = []
    try:
        with Dovecot(users={user: PASSWORD}) as dc:
            t0 = time.monotonic()
            fill_maildir(dc, user, args.messages, seed=args.messages)
            prime(dc, user)
            print("generated and indexed %d messages in %.1f s"
                  % (args.messages, time.monotonic() - t0), file=sys.stderr)
            for name in args.clients.split(","):
                if name != "crispin" and not shutil.which(name):
                    print("%s not installed: skipped" % name, file=sys.stderr)
                    continue
                shaper = DelayProxy(dc.imaps_port, args.delay_ms,
                                    rate_mbit=args.rate_mbit).start()
                proxy = Relay(shaper.port)
                url = "imaps://%s@127.0.0.1:%d/" % (user, proxy.port)
                if name == "crispin":
                    cache = os.path.join(tmp, "crispin-cache")
                    shutil.rmtree(cache, ignore_errors=True)
                    rc = os.path.join(tmp, "crispinrc")
                    with open(rc, "w") as f:
                        f.write('set imap_url = "%s"\nset imap_pass = "%s"\n'
                                'set tls_ca_file = "%s"\nset cache_dir = "%s"\n'
                                % (url, PASSWORD, dc.ca_file, cache))
                    argv = [crispin, "-F", rc]
                    quit_keys = [b"q", b"q", b"y"]
                else:
                    muttrc = os.path.join(tmp, "muttrc-" + name)
                    with open(muttrc, "w") as f:
                        f.write('set imap_pass = "%s"\nset ssl_ca_certificates_file = "%s"\n'
                                'set certificate_file = "%s"\nset folder = "%s"\n'
                                'set spoolfile = "%sINBOX"\nset imap_check_subscribed = no\n'
                                'set header_cache = ""\nset quit = yes\nset move = no\n'
                                'set mark_old = no\nset postponed = "%s"\nset record = ""\n'
                                'set sort = date\nset sleep_time = 0\n'
                                % (PASSWORD, dc.ca_file, dc.ca_file, url, url,
                                   os.path.join(tmp, "postponed")))
                    argv = [name, "-n", "-F", muttrc]
                    quit_keys = [b"q", b"q"]
                first, load, during, after = run_client(name, argv, env, proxy,
                                                        args, quit_keys)
                proxy.stop()
                shaper.stop()
                rows.append((name, first, load, during, after))
                print("done %s" % name, file=sys.stderr)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    print("| client | first output s | load s | keys during load | median ms | "
          "p95 ms | max ms | keys after | median ms | p95 ms | max ms |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for name, first, load, during, after in rows:
        d = summary([ms for _, ms in during])
        a = summary([ms for _, ms in after])
        print("| %s | %.2f | %.1f | %d | %s | %s | %s | %d | %s | %s | %s |" % (
            name, first, load, d[3], d[0], d[1], d[2], a[3], a[0], a[1], a[2]))
    print()
    # The two keys apart: '?' draws the help screen, 'q' the index again
    # (which, while the folder grows, may first re-sort it).
    print("| client | key | during: n | median ms | p95 ms | max ms | after: n | "
          "median ms | p95 ms | max ms |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name, first, load, during, after in rows:
        for key in ("?", "q"):
            d = summary([ms for k, ms in during if k == key])
            a = summary([ms for k, ms in after if k == key])
            print("| %s | %s | %d | %s | %s | %s | %d | %s | %s | %s |" % (
                name, key, d[3], d[0], d[1], d[2], a[3], a[0], a[1], a[2]))
    print()
    print("%d messages, %.0f ms one way, %s Mbit/s per direction, keys %.2f s apart"
          % (args.messages, args.delay_ms, args.rate_mbit or "unlimited", args.interval))


if __name__ == "__main__":
    main()

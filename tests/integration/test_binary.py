#!/usr/bin/env python3
"""BINARY (RFC 3516) against Dovecot, and crispin save's progress and
SIGINT: a good base64 attachment is saved through BINARY.PEEK byte for
byte; a broken base64 part (Dovecot 2.3 drops the connection when asked
for it by BINARY alone) still shows and saves through the encoded
fallback, and the next run asks for it encoded at once; without BINARY
in the capabilities BODY.PEEK is used; a connection dropped during a
BINARY fetch is survived on a new connection and remembered; save shows
progress on a terminal only, and SIGINT leaves no partial file; sync
--bodies uses BINARY the same way, survives a drop, and its cache serves
show --offline."""

import base64
import os
import pty
import random
import re
import select
import signal
import socket
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from crispintest import Suite, account_rc  # noqa: E402
from dovecot import Dovecot  # noqa: E402

T = Suite(__file__)
SRCDIR = os.environ.get("CRISPIN_SRCDIR") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..")
BROKEN = os.path.join(SRCDIR, "tests", "data", "mime", "broken-encodings.eml")
USER = "alice"
# Dovecot's own list without BINARY.
NO_BINARY_CAPS = ("IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT "
                  "LITERAL+ NAMESPACE UIDPLUS LIST-EXTENDED CONDSTORE QRESYNC "
                  "ESEARCH LIST-STATUS MOVE SPECIAL-USE")
TEXT = "Hello through BINARY: the text part is base64.\r\n"
dc = None
dc_nobin = None
GOOD = None
BIG = None


def attachment_message(subject, data, name):
    att = base64.encodebytes(data).replace(b"\n", b"\r\n")
    text = base64.encodebytes(TEXT.encode()).replace(b"\n", b"\r\n")
    return (b"From: a@example.org\r\nTo: alice@example.org\r\n"
            b"Subject: " + subject.encode() + b"\r\nMIME-Version: 1.0\r\n"
            b"Content-Type: multipart/mixed; boundary=\"B\"\r\n\r\n"
            b"--B\r\nContent-Type: text/plain; charset=utf-8\r\n"
            b"Content-Transfer-Encoding: base64\r\n\r\n" + text +
            b"--B\r\nContent-Type: application/octet-stream\r\n"
            b"Content-Disposition: attachment; filename=\"" + name.encode() +
            b"\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" + att +
            b"--B--\r\n")


class CutProxy:
    """A TCP proxy to Dovecot's plain port that closes a connection as soon
    as the client sends cut_on (once per proxy, like a server that drops
    the link over a command), and that sends the server's bytes at no more
    than rate bytes per second when rate is set."""

    def __init__(self, port, cut_on=None, rate=None):
        self.port_to = port
        self.cut_on = cut_on
        self.rate = rate
        self.connections = 0
        self.cuts = 0
        self.lsock = socket.socket()
        self.lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(8)
        self.port = self.lsock.getsockname()[1]
        self.stopped = False
        threading.Thread(target=self._accept, daemon=True).start()

    def stop(self):
        self.stopped = True
        self.lsock.close()

    def _accept(self):
        while not self.stopped:
            try:
                c, _ = self.lsock.accept()
            except OSError:
                return
            self.connections += 1
            s = socket.create_connection(("127.0.0.1", self.port_to))
            threading.Thread(target=self._pipe, args=(c, s, True),
                             daemon=True).start()
            threading.Thread(target=self._pipe, args=(s, c, False),
                             daemon=True).start()

    def _pipe(self, src, dst, from_client):
        seen = b""
        try:
            while True:
                data = src.recv(16384)
                if not data:
                    break
                if from_client and self.cut_on and self.cuts == 0:
                    seen = (seen + data)[-4096:]
                    if self.cut_on in seen:
                        self.cuts += 1
                        break
                if not from_client and self.rate:
                    time.sleep(len(data) / self.rate)
                dst.sendall(data)
        except OSError:
            pass
        for sock in (src, dst):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()


def setup():
    global dc, dc_nobin, GOOD, BIG
    rnd = random.Random(3516)
    GOOD = bytes(rnd.getrandbits(8) for _ in range(300 * 1024))
    BIG = bytes(rnd.getrandbits(8) for _ in range(6 * 1024 * 1024))
    dc = Dovecot().start()
    dc.create_folder(USER, "bin")
    dc.deliver(USER, "bin", attachment_message("good", GOOD, "good.bin"))
    with open(BROKEN, "rb") as f:
        dc.deliver(USER, "bin", f.read().replace(b"\n", b"\r\n"))
    dc.deliver(USER, "bin", attachment_message("big", BIG, "big.bin"))
    dc_nobin = Dovecot(imap_capability=NO_BINARY_CAPS).start()
    dc_nobin.create_folder(USER, "bin")
    dc_nobin.deliver(USER, "bin", attachment_message("good", GOOD, "good.bin"))


def teardown():
    for d in (dc, dc_nobin):
        if d:
            d.stop()


def rc(server=None, cache="cache", **more):
    opts = {"cache_dir": os.path.join(T.workdir, cache),
            "mailcap_path": os.path.join(T.workdir, "no-mailcap"),
            "body_cache_size": "0"}
    opts.update(more)
    return account_rc(server or dc, **opts)


def proxied_rc(proxy, cache):
    return rc(cache=cache, imap_url="imap://%s@127.0.0.1:%d/" % (USER,
              proxy.port), tls="no", allow_plaintext="yes", tls_ca_file=None)


def fetches(trace):
    return [l for l in trace.splitlines() if re.match(r"C: \S+ UID FETCH", l)]


def broken_part1():
    with open(BROKEN, "rb") as f:
        raw = f.read()
    m = re.search(rb"base64\n\n(.*?)\n--XyZ", raw, re.S)
    data = re.sub(rb"[^A-Za-z0-9+/]", b"", m.group(1))
    return base64.b64decode(data + b"=" * (-len(data) % 4))


# -- cases ---------------------------------------------------------------------

@T.case("save of a good base64 attachment goes through BINARY, byte-identical")
def _():
    out = T.path("good.bin")
    r = T.crispin("save", "-f", "bin", "1", "2", "-o", out, rc=rc())
    T.expect_code(r, 0)
    with open(out, "rb") as f:
        T.expect(f.read() == GOOD, "saved file differs")
    T.expect(re.search(r"^C: \S+ UID FETCH 1 \(UID BINARY\.SIZE\[2\] "
                       r"BINARY\.PEEK\[2\]<0\.\d+>\)", r.trace, re.M),
             "no BINARY.PEEK: %s" % fetches(r.trace))
    T.expect("BODY.PEEK[2]" not in r.trace, "fetched encoded as well")
    T.expect_eq(r.err, "", "stderr")


@T.case("show of a base64 text part takes it through BINARY")
def _():
    r = T.crispin("show", "-f", "bin", "1", rc=rc())
    T.expect_code(r, 0)
    T.expect("Hello through BINARY" in r.out, r.out)
    T.expect(re.search(r"^C: .*BINARY\.PEEK\[1\]", r.trace, re.M),
             "no BINARY.PEEK[1]: %s" % fetches(r.trace))


@T.case("broken base64 shows and saves through the encoded fallback; the "
        "next run asks for it encoded at once")
def _():
    opts = rc(cache="cache-broken")
    r = T.crispin("show", "-f", "bin", "2", rc=opts)
    T.expect_code(r, 0)
    T.expect("Hello, broken base64!" in r.out, r.out)
    T.expect(re.search(r"^C: .*BINARY\.PEEK\[1\]", r.trace, re.M),
             "BINARY was not tried: %s" % fetches(r.trace))
    T.expect(re.search(r"^S: \S+ NO ", r.trace, re.M),
             "the server did not refuse")
    T.expect(re.search(r"^C: .*BODY\.PEEK\[1\]", r.trace, re.M),
             "no encoded fetch after the refusal")
    out = T.path("broken.txt")
    s = T.crispin("save", "-f", "bin", "2", "1", "-o", out, rc=opts)
    T.expect_code(s, 0)
    with open(out, "rb") as f:
        T.expect_eq(f.read(), broken_part1(), "saved part")
    T.expect(not re.search(r"^C: .*BINARY", s.trace, re.M),
             "BINARY asked again for a part the server refused: %s"
             % fetches(s.trace))
    # Still one connection: the server refused, it did not drop us.
    T.expect("BYE" not in s.trace.split("LOGOUT")[0], "dropped")


@T.case("without BINARY in the capabilities BODY.PEEK is used")
def _():
    out = T.path("nobin.bin")
    r = T.crispin("save", "-f", "bin", "1", "2", "-o", out, rc=rc(dc_nobin))
    T.expect_code(r, 0)
    with open(out, "rb") as f:
        T.expect(f.read() == GOOD, "saved file differs")
    T.expect(re.search(r"^C: \S+ UID FETCH 1 \(UID BODY\.PEEK\[2\]<0\.",
                       r.trace, re.M), "no BODY.PEEK: %s" % fetches(r.trace))
    s = T.crispin("show", "-f", "bin", "1", rc=rc(dc_nobin))
    T.expect_code(s, 0)
    T.expect("Hello through BINARY" in s.out, s.out)
    for t in (r.trace, s.trace):
        T.expect(not re.search(r"^C: .*BINARY", t, re.M), "BINARY used")


@T.case("a connection dropped during a BINARY fetch: save and show succeed "
        "on a new connection, and the next run does not try BINARY again")
def _():
    proxy = CutProxy(dc.imap_port, cut_on=b"BINARY.PEEK[2]")
    try:
        out = T.path("cut.bin")
        r = T.crispin("save", "-f", "bin", "1", "2", "-o", out,
                      rc=proxied_rc(proxy, "cache-cut"))
        T.expect_code(r, 0)
        with open(out, "rb") as f:
            T.expect(f.read() == GOOD, "saved file differs")
        T.expect_eq(proxy.cuts, 1, "cuts")
        T.expect_eq(proxy.connections, 2, "connections")
        T.expect("new connection" in r.err, r.err)
        T.expect(re.search(r"^C: .*BODY\.PEEK\[2\]<0\.", r.trace, re.M),
                 "no encoded fetch: %s" % fetches(r.trace))
        os.unlink(out)
        again = T.crispin("save", "-f", "bin", "1", "2", "-o", out,
                          rc=proxied_rc(proxy, "cache-cut"))
        T.expect_code(again, 0)
        T.expect_eq(proxy.connections, 3, "connections")
        T.expect(not re.search(r"^C: .*BINARY", again.trace, re.M),
                 "BINARY tried again: %s" % fetches(again.trace))
        T.expect_eq(again.err, "", "stderr")
    finally:
        proxy.stop()
    proxy = CutProxy(dc.imap_port, cut_on=b"BINARY.PEEK[1]")
    try:
        r = T.crispin("show", "-f", "bin", "1",
                      rc=proxied_rc(proxy, "cache-cut2"))
        T.expect_code(r, 0)
        T.expect("Hello through BINARY" in r.out, r.out)
        T.expect_eq((proxy.cuts, proxy.connections), (1, 2),
                    "cuts and connections")
    finally:
        proxy.stop()


@T.case("sync --bodies takes the text through BINARY, falls back on a "
        "refusal, and the cache serves show --offline")
def _():
    opts = rc(cache="cache-sync", body_cache_size="16")
    r = T.crispin("sync", "-f", "bin", "--bodies", rc=opts)
    T.expect_code(r, 0)
    T.expect("text of 3 cached" in r.out, r.out)
    T.expect(re.search(r"^C: \S+ UID FETCH 1 \(UID BINARY\.SIZE\[1\] "
                       r"BINARY\.PEEK\[1\]\)", r.trace, re.M),
             "no BINARY for the good text: %s" % fetches(r.trace))
    # The broken part: refused with NO, then fetched encoded.
    T.expect(re.search(r"^C: \S+ UID FETCH 2 \(UID BODY\.PEEK\[1\]",
                       r.trace, re.M), "no encoded fallback: %s"
             % fetches(r.trace))
    T.expect_eq(r.err, "", "stderr")
    # Both forms come back offline (a decoded one and an encoded one).
    for uid, text in (("1", "Hello through BINARY"),
                      ("2", "Hello, broken base64!")):
        s = T.crispin("--offline", "show", "-f", "bin", uid, rc=opts)
        T.expect_code(s, 0)
        T.expect(text in s.out, s.out)
    # A second sync fetches no body again.
    r = T.crispin("sync", "-f", "bin", "--bodies", rc=opts)
    T.expect_code(r, 0)
    T.expect(not re.search(r"^C: .*(BINARY|BODY)\.PEEK\[1\]", r.trace,
                           re.M), "fetched again: %s" % fetches(r.trace))


@T.case("sync --bodies goes on when the connection drops during a BINARY "
        "fetch, and does not try BINARY for that part again")
def _():
    proxy = CutProxy(dc.imap_port, cut_on=b"BINARY.PEEK[1]")
    try:
        opts = proxied_rc(proxy, "cache-sync-cut")
        opts["body_cache_size"] = "16"
        r = T.crispin("sync", "-f", "bin", "--bodies", rc=opts)
        T.expect_code(r, 0)
        T.expect("text of 3 cached" in r.out, r.out)
        T.expect_eq((proxy.cuts, proxy.connections), (1, 2),
                    "cuts and connections")
        T.expect("new connection" in r.err, r.err)
        T.expect(re.search(r"^C: \S+ UID FETCH 1 \(UID BODY\.PEEK\[1\]\)",
                           r.trace, re.M), "no encoded fetch after the drop: %s"
                 % fetches(r.trace))
        s = T.crispin("--offline", "show", "-f", "bin", "1", rc=opts)
        T.expect_code(s, 0)
        T.expect("Hello through BINARY" in s.out, s.out)
    finally:
        proxy.stop()


def run_on_pty(args, opts, interrupt_after=None):
    """crispin with stderr on a terminal: (exit status, stderr bytes).
    With interrupt_after, SIGINT once that much progress text was seen."""
    master, slave = pty.openpty()
    cmd = [T.crispin_path, "-F", T.write_rc(opts)] + list(args)
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=slave,
                         env=T.env(), cwd=T.workdir)
    os.close(slave)
    err = b""
    deadline = time.monotonic() + 120
    sent = False
    while time.monotonic() < deadline:
        r, _, _ = select.select([master], [], [], 0.2)
        if r:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                chunk = b""
            if not chunk and p.poll() is not None:
                break
            err += chunk
        elif p.poll() is not None:
            break
        if interrupt_after and not sent and re.search(interrupt_after, err):
            p.send_signal(signal.SIGINT)
            sent = True
    p.stdout.read()
    code = p.wait(timeout=30)
    os.close(master)
    return code, err


@T.case("save shows progress on a terminal, and nothing when stderr is not one")
def _():
    proxy = CutProxy(dc.imap_port, rate=3 * 1024 * 1024)
    try:
        out = T.path("progress.bin")
        code, err = run_on_pty(["save", "-f", "bin", "3", "2", "-o", out],
                               proxied_rc(proxy, "cache-progress"))
        T.expect_eq(code, 0, "exit status (stderr %r)" % err[-300:])
        with open(out, "rb") as f:
            T.expect(f.read() == BIG, "saved file differs")
        T.expect(re.search(rb"\rcrispin: save: part 2: \d+% \(\S+ [KM]?B of "
                           rb"\S+ MB, \S+ [KM]?B/s\)", err),
                 "no progress line: %r" % err[-300:])
        os.unlink(out)
        r = T.crispin("save", "-f", "bin", "3", "2", "-o", out,
                      rc=rc(), trace=False)
        T.expect_code(r, 0)
        T.expect_eq(r.err, "", "stderr when not a terminal")
    finally:
        proxy.stop()


@T.case("SIGINT stops a save and leaves no partial file")
def _():
    proxy = CutProxy(dc.imap_port, rate=1024 * 1024)
    try:
        out = T.path("interrupted.bin")
        code, err = run_on_pty(["save", "-f", "bin", "3", "2", "-o", out],
                               proxied_rc(proxy, "cache-int"),
                               interrupt_after=rb"part 2: [1-9]\d*%")
        T.expect_eq(code, 130, "exit status (stderr %r)" % err[-300:])
        T.expect(b"interrupted" in err, err[-300:])
        T.expect(not os.path.exists(out), "the partial file was left")
    finally:
        proxy.stop()


if __name__ == "__main__":
    T.main(setup, teardown)

#!/usr/bin/env python3
"""--stats: the cost of a command, printed on stderr at exit. The byte
counts are the IMAP conversation inside TLS, so they equal the bytes of the
--trace (each line with its CRLF); round trips are the client's flights
(sends after having heard from the server); a warm `list` from the cache
receives far less than a cold one."""

import base64
import os
import re
import socket
import sys
import threading

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from crispintest import Suite, Failure, account_rc  # noqa: E402
from dovecot import Dovecot  # noqa: E402

T = Suite(__file__)
servers = {}
NMSG = 150
STATS_RX = re.compile(r"^crispin: stats: (\d+) round trips?, ([\d.]+) (B|KB|MB) sent, "
                      r"([\d.]+) (B|KB|MB) received, ([\d.]+) s \(([\d.]+) s local\)$",
                      re.M)
LOG_RX = re.compile(r"stats: imap commands=(\d+) round_trips=(\d+) bytes_out=(\d+) "
                    r"bytes_in=(\d+) elapsed_ms=(\d+) wait_ms=(\d+)")
UNIT = {"B": 1, "KB": 1e3, "MB": 1e6}


def setup():
    dc = servers["dc"] = Dovecot().start()
    dc.create_folder("alice", "Big")
    for n in range(1, NMSG + 1):
        dc.deliver("alice", "Big",
                   "From: Sender %d <s%d@example.net>\nTo: alice@example.org\n"
                   "Subject: message number %d with a longer subject line\n"
                   "Date: Tue, 05 Mar 2024 10:%02d:00 +0000\n"
                   "Message-ID: <stats-%d@crispin.example>\n\nbody %d\n"
                   % (n, n, n, n % 60, n, n), date=1709632800 + n)


def teardown():
    for dc in servers.values():
        dc.stop()


def run(*args, **rc):
    dc = servers["dc"]
    log = T.path("log")
    r = T.crispin("--stats", "--log", log, *args,
                  rc=account_rc(dc, imap_authenticators="PLAIN", **rc))
    T.expect_code(r, 0)
    m = STATS_RX.search(r.err)
    if m is None:
        raise Failure("no stats line on stderr: %r" % r.err)
    with open(log, encoding="utf-8") as f:
        exact = LOG_RX.search(f.read())
    if exact is None:
        raise Failure("no exact stats in the log %s" % log)
    stats = dict(zip(("commands", "round_trips", "bytes_out", "bytes_in",
                      "elapsed_ms", "wait_ms"), map(int, exact.groups())))
    # The printed line says the same as the exact numbers.
    T.expect_eq(int(m.group(1)), stats["round_trips"], "printed round trips")
    for val, unit, key in ((m.group(2), m.group(3), "bytes_out"),
                           (m.group(4), m.group(5), "bytes_in")):
        T.expect(abs(float(val) * UNIT[unit] - stats[key]) <= 0.05 * UNIT[unit],
                 "printed %s %s %s, exact %d" % (key, val, unit, stats[key]))
    T.expect(float(m.group(7)) <= float(m.group(6)), "local time above total")
    return r, stats


def trace_lines(r):
    with open(r.trace_path, "rb") as f:
        return f.read().split(b"\n")


@T.case("--stats folders: bytes equal the trace, round trips its flights")
def _():
    dc = servers["dc"]
    r, st = run("folders")
    secret = base64.b64encode(b"\0alice\0" + dc.users["alice"].encode())
    bytes_in = bytes_out = flights = commands = 0
    last = b"S"
    for line in trace_lines(r):
        if line.startswith(b"S: "):
            bytes_in += len(line) - 3 + 1       # the CRLF is in the line
            last = b"S"
        elif line.startswith(b"C: "):
            text = line[3:].replace(b"***", secret)
            bytes_out += len(text) + 2          # traced without its CRLF
            if last == b"S":
                flights += 1
            if re.match(rb"[A-Za-z0-9]+ [A-Z]", text):
                commands += 1
            last = b"C"
    T.expect(bytes_in > 500, "the trace has a real conversation")
    T.expect_eq(st["bytes_in"], bytes_in, "bytes received vs trace")
    T.expect_eq(st["bytes_out"], bytes_out, "bytes sent vs trace")
    T.expect_eq(st["round_trips"], flights, "round trips vs flights in the trace")
    T.expect_eq(st["commands"], commands, "commands vs tagged lines in the trace")
    T.expect(2 <= st["round_trips"] <= 8, "round trips: %d" % st["round_trips"])
    T.expect(st["wait_ms"] <= st["elapsed_ms"], "wait above elapsed: %r" % st)


@T.case("warm list receives less than a cold one")
def _():
    cache = T.path("cache")
    r, cold = run("list", "-f", "Big", cache_dir=cache)
    T.expect_eq(len(r.out.splitlines()), NMSG, "messages listed cold")
    r, warm = run("list", "-f", "Big", cache_dir=cache)
    T.expect_eq(len(r.out.splitlines()), NMSG, "messages listed warm")
    T.expect(cold["bytes_in"] > NMSG * 100, "cold list got headers: %r" % cold)
    T.expect(warm["bytes_in"] * 3 < cold["bytes_in"],
             "warm %d bytes vs cold %d" % (warm["bytes_in"], cold["bytes_in"]))


class TinySmtp:
    """A plain SMTP server that counts the bytes of each direction."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1)
        self.port = self.sock.getsockname()[1]
        self.got = self.sent = 0
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        conn, _ = self.sock.accept()
        f = conn.makefile("rb")

        def say(text):
            conn.sendall(text)
            self.sent += len(text)
        say(b"220 tiny ESMTP\r\n")
        data = False
        for line in f:
            self.got += len(line)
            if data:
                if line == b".\r\n":
                    data = False
                    say(b"250 2.0.0 queued\r\n")
                continue
            verb = line[:4].upper()
            if verb == b"EHLO":
                say(b"250-tiny\r\n250 8BITMIME\r\n")
            elif verb == b"DATA":
                data = True
                say(b"354 go ahead\r\n")
            elif verb == b"QUIT":
                say(b"221 bye\r\n")
                break
            else:
                say(b"250 ok\r\n")
        conn.close()


@T.case("send --stats: the SMTP bytes equal what the server saw")
def _():
    srv = TinySmtp()
    log = T.path("log")
    r = T.crispin("--stats", "--log", log, "send", "bob@example.org",
                  rc={"smtp_url": "smtp://127.0.0.1:%d/" % srv.port,
                      "tls": "no", "from": "alice@example.org",
                      "connect_timeout": "5"},
                  input="From: alice@example.org\nTo: bob@example.org\n"
                        "Subject: stats\n\nhello\n")
    T.expect_code(r, 0)
    srv.thread.join(5)
    T.expect(re.search(r"^crispin: stats smtp: \d+ round trips?, ", r.err, re.M),
             "no smtp stats line: %r" % r.err)
    with open(log, encoding="utf-8") as f:
        m = re.search(r"stats: smtp commands=(\d+) round_trips=(\d+) "
                      r"bytes_out=(\d+) bytes_in=(\d+)", f.read())
    T.expect(m is not None, "no exact smtp stats in the log")
    T.expect_eq(int(m.group(3)), srv.got, "bytes sent vs server's count")
    T.expect_eq(int(m.group(4)), srv.sent, "bytes received vs server's count")
    T.expect(int(m.group(1)) >= 4, "commands: %s" % m.group(1))


@T.case("without --stats no stats line")
def _():
    r = T.crispin("folders", rc=account_rc(servers["dc"]))
    T.expect_code(r, 0)
    T.expect("stats" not in r.err, "stats printed unasked: %r" % r.err)


T.main(setup=setup, teardown=teardown)

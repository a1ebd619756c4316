#!/usr/bin/env python3
"""`crispin watch` keeps its connection through a broken link: a reset
(tests/lib/linkproxy.py cuts it) gives `reconnect` then `reconnected`, and
mail delivered and flags changed meanwhile are reported after the resync;
a stalled link (no reset, just silence) is noticed within keepalive plus
timeout; a Dovecot stopped and started again is reconnected and events
flow again; a rejected password is not retried (exit 6)."""

import imaplib
import json
import os
import ssl
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from crispintest import Suite, account_rc  # noqa: E402
from dovecot import Dovecot, port_open  # noqa: E402
from linkproxy import LinkProxy  # noqa: E402
from watchproc import Watch  # noqa: E402

T = Suite(__file__)
dc = None
proxy = None


def message(n):
    return ("From: Sender <sender@example.net>\r\n"
            "Subject: reconnect %d\r\n"
            "Message-ID: <rc-%d-%f@crispin.example>\r\n"
            "\r\n"
            "body\r\n" % (n, n, time.time())).encode()


def imap(server):
    ctx = ssl.create_default_context(cafile=server.ca_file)
    m = imaplib.IMAP4_SSL(server.host, server.imaps_port, ssl_context=ctx)
    m.login("alice", server.users["alice"])
    return m


def append(server, folder, n):
    m = imap(server)
    typ, data = m.append(folder, None, None, message(n))
    m.logout()
    T.expect(typ == "OK", "APPEND failed: %r" % data)
    return int(data[0].decode().split("APPENDUID ")[1].split()[1].rstrip("]"))


def rc(server, port=None, **more):
    opts = account_rc(server, watch_folders="INBOX", timeout="2",
                      keepalive="1", connect_timeout="3",
                      cache_dir=T.path("cache"))
    if port is not None:
        opts["imap_url"] = "imaps://alice@127.0.0.1:%d/" % port
    opts.update(more)
    return opts


def setup():
    global dc, proxy
    dc = Dovecot().start()
    dc.create_folder("alice", "Lists")
    append(dc, "INBOX", 1)
    proxy = LinkProxy("127.0.0.1", dc.imaps_port)


@T.case("a reset link is reconnected; what changed meanwhile is reported")
def _():
    w = Watch(T, rc(dc, proxy.port, watch_folders="INBOX Lists"))
    w.wait_line(lambda l: l == "ready")
    uid = append(dc, "INBOX", 2)
    w.wait_line(lambda l: l == "new\tINBOX\t%d" % uid)
    before = proxy.connections
    proxy.cut()
    w.wait_line(lambda l: l.startswith("reconnect\tINBOX\t"), 10)
    # While the link is down: new mail and a flag change by another client.
    uid2 = append(dc, "INBOX", 3)
    m = imap(dc)
    m.select("INBOX")
    m.uid("STORE", str(uid), "+FLAGS", "(\\Seen)")
    m.logout()
    mark = w.mark()
    proxy.resume()
    w.wait_line(lambda l: l == "reconnected\tINBOX", 15, since=mark)
    w.wait_line(lambda l: l == "reconnected\tLists", 15, since=mark)
    w.wait_line(lambda l: l == "new\tINBOX\t%d" % uid2, 10, since=mark)
    w.wait_line(lambda l: l == "flags\tINBOX\t%d\t\\Seen" % uid, 10, since=mark)
    T.expect(proxy.connections > before, "no new connection through the proxy")
    # Events still flow on the new connections.
    uid3 = append(dc, "Lists", 4)
    w.wait_line(lambda l: l == "new\tLists\t%d" % uid3, 10, since=mark)
    T.expect_eq(w.stop(), 0, "exit status")
    T.expect(not any(l.startswith("offline") for l in w.texts()),
             "a reset must not be the end: %r" % w.texts())


@T.case("a stalled link is noticed within keepalive plus timeout")
def _():
    w = Watch(T, rc(dc, proxy.port))
    w.wait_line(lambda l: l == "ready")
    t0 = time.monotonic()
    proxy.stall()
    when, line = w.wait_line(lambda l: l.startswith("reconnect\tINBOX\t"), 15)
    took = when - t0
    T.expect(took <= 1 + 2 + 1.5, "the stall took %.1fs to notice" % took)
    T.expect("did not answer" in line, "reason: %r" % line)
    mark = w.mark()
    proxy.resume()
    w.wait_line(lambda l: l == "reconnected\tINBOX", 20, since=mark)
    uid = append(dc, "INBOX", 5)
    w.wait_line(lambda l: l == "new\tINBOX\t%d" % uid, 10)
    T.expect_eq(w.stop(), 0, "exit status")


@T.case("Dovecot stopped and started again is reconnected")
def _():
    own = Dovecot().start()
    try:
        append(own, "INBOX", 1)
        w = Watch(T, rc(own))
        w.wait_line(lambda l: l == "ready")
        # Stop the server, keeping its directory and ports for the restart.
        own._kill_master()
        w.wait_line(lambda l: l.startswith("reconnect\tINBOX\t"), 10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and port_open(own.imaps_port):
            time.sleep(0.05)
        mark = w.mark()
        own._launch()
        w.wait_line(lambda l: l == "reconnected\tINBOX", 20, since=mark)
        uid = append(own, "INBOX", 2)
        w.wait_line(lambda l: l == "new\tINBOX\t%d" % uid, 10)
        T.expect_eq(w.stop(), 0, "exit status")
    finally:
        own.stop()


@T.case("--json: reconnect, reconnected and offline are events too")
def _():
    w = Watch(T, rc(dc, proxy.port), "--json")
    w.wait_line(lambda l: json.loads(l).get("event") == "ready")
    proxy.cut()
    line = w.wait_line(lambda l: json.loads(l).get("event") == "reconnect",
                       10)[1]
    ev = json.loads(line)
    T.expect_eq(ev.get("folder"), "INBOX", "folder of the reconnect event")
    T.expect(isinstance(ev.get("delay"), int) and ev["delay"] >= 1,
             "delay in seconds: %r" % ev)
    T.expect(ev.get("reason"), "a reason: %r" % ev)
    mark = w.mark()
    proxy.resume()
    w.wait_line(lambda l: json.loads(l) == {"event": "reconnected",
                                            "folder": "INBOX"}, 15, since=mark)
    T.expect_eq(w.stop(), 0, "exit status")
    w = Watch(T, rc(dc, imap_pass="wrong"), "--json")
    line = w.wait_line(lambda l: json.loads(l).get("event") == "offline", 20)[1]
    T.expect("reason" in json.loads(line), "offline has a reason: %r" % line)
    w.proc.wait(20)
    T.expect_eq(w.stop(), 6, "exit status of an authentication failure")


@T.case("a rejected password is not retried")
def _():
    w = Watch(T, rc(dc, imap_pass="wrong"))
    w.wait_line(lambda l: l.startswith("offline\tINBOX\t"), 20)
    w.proc.wait(20)
    T.expect_eq(w.stop(), 6, "exit status of an authentication failure")
    T.expect(not any(l.startswith("reconnect") for l in w.texts()),
             "retried a wrong password: %r" % w.texts())


def teardown():
    if proxy:
        proxy.stop()
    if dc:
        dc.stop()


T.main(setup=setup, teardown=teardown)

#!/usr/bin/env python3
"""The interface when the link goes: the index stays on screen from the
cache with "reconnecting in N s", a flag set meanwhile is journaled and
reaches the server once the link is back, mail delivered meanwhile shows
up, the cursor stays on its message; --offline opens from the cache
without connecting."""

import imaplib
import os
import re
import ssl
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from crispintest import Suite, account_rc, rc_text  # noqa: E402
from dovecot import Dovecot  # noqa: E402
from linkproxy import LinkProxy  # noqa: E402
from tuitest import Tui, last_line, line_with  # noqa: E402
import samplemail  # noqa: E402

T = Suite(__file__)
dc = None
tui = None
proxy = None
CACHE = None
REVERSE = re.compile(r"\x1b\[[0-9;]*7[0-9;]*m")


def setup():
    global dc, tui, proxy, CACHE
    CACHE = T.path("cache")
    tui = Tui(T)
    dc = Dovecot().start()
    samplemail.populate(dc, "alice")
    proxy = LinkProxy("127.0.0.1", dc.imaps_port)


def teardown():
    if tui:
        tui.close()
    if proxy:
        proxy.stop()
    if dc:
        dc.stop()


def rc(**more):
    opts = account_rc(dc, cache_dir=CACHE, keepalive="1",
                      timeout="2", connect_timeout="3",
                      reconnect_max_delay="2")
    opts["imap_url"] = "imaps://alice@127.0.0.1:%d/" % proxy.port
    opts.update(more)
    return T.write("crispinrc", rc_text(opts))


def imap():
    ctx = ssl.create_default_context(cafile=dc.ca_file)
    m = imaplib.IMAP4_SSL(dc.host, dc.imaps_port, ssl_context=ctx)
    m.login("alice", dc.users["alice"])
    m.select("INBOX")
    return m


def cursor_line():
    """The index line drawn in reverse video (the cursor), as text."""
    for line in tui.screen(escapes=True).splitlines():
        if REVERSE.search(line) and "-- crispin:" not in line:
            return re.sub(r"\x1b\[[0-9;]*m", "", line)
    return None


@T.case("a cut link: cached index with 'reconnecting', a flag set meanwhile "
        "reaches the server, new mail shows, the cursor keeps its message")
def _():
    tui.start(rc())
    tui.wait(lambda s: "(live)" in last_line(s) and "Welcome to crispin" in s,
             "the index, live")
    tui.keys("j")
    tui.wait(lambda s: cursor_line() is not None and
             "Welcome to crispin" not in cursor_line(), "the cursor moved")
    before = cursor_line()
    subject = re.split(r"\)\s+", before, maxsplit=1)[-1].strip()
    proxy.cut()
    text = tui.wait(lambda s: "reconnecting in" in last_line(s),
                    "the reconnecting state", timeout=15)
    T.expect("Welcome to crispin" in text, "the index left the screen:\n" + text)
    # While the link is down: a flag here, a delivery elsewhere.
    T.expect("F" not in (line_with(text, subject) or "F")[:12],
             "%r is flagged already" % subject)
    tui.keys("F")
    tui.wait(lambda s: "F" in (line_with(s, subject) or "")[:12] and
             subject not in (cursor_line() or subject),
             "the flag shown at once, offline, and the cursor on the next")
    # F moves on to the next message (resolve, as in mutt): that is the
    # place to keep.
    here = cursor_line()
    here_subject = re.split(r"\)\s+", here, maxsplit=1)[-1].strip()
    m = imap()
    m.append("INBOX", "()", None,
             b"From: Bob <bob@example.com>\r\nTo: alice@example.org\r\n"
             b"Subject: Delivered while the link was down\r\n"
             b"Date: Mon, 4 Mar 2024 12:00:00 +0000\r\n\r\nHi.\r\n")
    proxy.resume()
    tui.wait(lambda s: "(live)" in last_line(s) and
             "Delivered while the link was down" in s,
             "back live with the new message", timeout=20)
    T.expect_eq(bool(cursor_line()) and here_subject in cursor_line(), True,
                "the cursor is on %r again, not %r" % (here_subject,
                                                        cursor_line()))
    typ, data = m.uid("SEARCH", None, "FLAGGED")
    flagged = set(data[0].split())
    m.select("INBOX")
    typ, data = m.search(None, "SUBJECT", '"%s"' % subject.split("(")[0]
                         .strip()[:20].replace('"', ""))
    T.expect(data[0] != b"", "cannot find %r on the server" % subject)
    seq = data[0].split()[0]
    typ, fl = m.fetch(seq, "(FLAGS)")
    T.expect(b"\\Flagged" in fl[0], "the flag set while the link was down "
             "is not on the server: %r (flagged: %r)" % (fl, flagged))
    m.logout()
    T.expect_eq(tui.quit(), "EXIT=0", "exit status")


@T.case("--offline opens the folder from the cache without connecting")
def _():
    before = proxy.connections
    tui.start(rc(), "--offline")
    text = tui.wait(lambda s: "(offline)" in last_line(s) and
                    "Welcome to crispin" in s, "the cached index, offline")
    T.expect("Delivered while the link was down" in text,
             "the cache is not what the last session saw:\n" + text)
    # A limit offline comes from the cache and says it may be partial.
    tui.keys("l")
    tui.text("~s Welcome")
    tui.keys("Enter")
    text = tui.wait(lambda s: "Partial, offline: 1 match in" in last_line(s),
                    "the offline limit's answer")
    T.expect("Welcome to crispin" in text and
             "Delivered while the link was down" not in text,
             "the limit applied from the cache:\n" + text)
    T.expect_eq(tui.quit(), "EXIT=0", "exit status")
    T.expect_eq(proxy.connections, before, "connections made while offline")


T.main(setup=setup, teardown=teardown)

#!/usr/bin/env python3
"""The first screen comes from the cache: with the folder cached, the
interface draws its index while the server has not answered a byte (the
link stalled), then connects and resyncs in the background, the index
updated in place with the cursor on its message; without a cache it
waits for the server. Changing folders while connected draws the cached
index of the new folder before its SELECT has been answered."""

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
from tuitest import Tui, last_line  # noqa: E402
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
    dc.create_folder("alice", "Other")
    dc.deliver("alice", "Other",
               "From: Carol <carol@example.com>\nTo: alice@example.org\n"
               "Subject: Only in the other folder\n"
               "Date: Mon, 4 Mar 2019 12:00:00 +0000\n\nHi.\n")
    # Newer mail under newer UIDs: more than the first screen's batch, so
    # the message above (the first row, by date) comes with the rest of
    # the cache, a turn later.
    for n in range(150):
        dc.deliver("alice", "Other",
                   "From: Dan <dan@example.com>\nTo: alice@example.org\n"
                   "Subject: Filler %d\nDate: Mon, 6 Jan 2020 10:%02d:00 +0000"
                   "\n\nOld.\n" % (n, n % 60), date=1578304800 + n)
    proxy = LinkProxy("127.0.0.1", dc.imaps_port)


def teardown():
    if tui:
        tui.close()
    if proxy:
        proxy.stop()
    if dc:
        dc.stop()


def rc(cache=None, **more):
    opts = account_rc(dc, cache_dir=cache or CACHE, connect_timeout="30")
    opts["imap_url"] = "imaps://alice@127.0.0.1:%d/" % proxy.port
    opts.update(more)
    return T.write("crispinrc", rc_text(opts))


def cursor_line():
    for line in tui.screen(escapes=True).splitlines():
        if REVERSE.search(line) and "-- crispin:" not in line:
            return re.sub(r"\x1b\[[0-9;]*m", "", line)
    return None


def deliver(subject):
    ctx = ssl.create_default_context(cafile=dc.ca_file)
    m = imaplib.IMAP4_SSL(dc.host, dc.imaps_port, ssl_context=ctx)
    m.login("alice", dc.users["alice"])
    m.append("INBOX", "()", None,
             ("From: Bob <bob@example.com>\r\nTo: alice@example.org\r\n"
              "Subject: %s\r\nDate: Mon, 4 Mar 2024 13:00:00 +0000\r\n\r\n"
              "Hi.\r\n" % subject).encode())
    m.logout()


@T.case("a cached folder is drawn before the server answers, then resynced "
        "in place")
def _():
    # Warm the cache of both folders.
    tui.start(rc())
    tui.wait(lambda s: "(live)" in last_line(s) and "Welcome to crispin" in s,
             "the index, live")
    T.expect_eq(tui.quit(), "EXIT=0", "exit status")
    tui.start(rc(), "-f Other")
    tui.wait(lambda s: "(live)" in last_line(s) and
             "Only in the other folder" in s, "the other folder, live")
    T.expect_eq(tui.quit(), "EXIT=0", "exit status")

    # The link is silent: not even the TLS handshake completes.
    proxy.stall()
    deliver("Arrived after the cache was written")
    tui.start(rc())
    text = tui.wait(lambda s: "Welcome to crispin" in s,
                    "the cached index while the link is stalled", timeout=10)
    T.expect("(live)" not in last_line(text),
             "live although the server never answered:\n" + text)
    T.expect("Arrived after the cache was written" not in text,
             "the first screen is the cache's")
    tui.keys("j")
    tui.wait(lambda s: cursor_line() is not None and
             "Welcome to crispin" not in cursor_line(), "the cursor moved")
    here = cursor_line()
    subject = re.split(r"\)\s+", here, maxsplit=1)[-1].strip()[:20]
    proxy.resume()
    tui.wait(lambda s: "(live)" in last_line(s) and
             "Arrived after the cache was written" in s,
             "live, with the new message", timeout=20)
    T.expect(subject in (cursor_line() or ""),
             "the cursor left %r: %r" % (subject, cursor_line()))

    # Changing folders while connected: the cache draws it at once.
    proxy.stall()
    tui.keys("c")
    tui.wait(lambda s: "Open folder:" in last_line(s), "the folder prompt")
    tui.text("Other")
    tui.keys("Enter")
    text = tui.wait(lambda s: "Only in the other folder" in s,
                    "the other folder from the cache, the link stalled",
                    timeout=10)
    proxy.resume()
    tui.wait(lambda s: "(live)" in last_line(s) and
             "Only in the other folder" in s, "the other folder, live",
             timeout=20)
    T.expect_eq(tui.quit(), "EXIT=0", "exit status")


@T.case("without a cache the interface waits for the server")
def _():
    proxy.stall()
    tui.start(rc(cache=T.path("empty-cache")))
    try:
        text = tui.wait(lambda s: "Welcome to crispin" in s, "anything",
                        timeout=2)
        T.expect(False, "an index without cache or server:\n" + text)
    except Exception as e:
        if "an index without" in str(e):
            raise
    proxy.resume()
    tui.wait(lambda s: "(live)" in last_line(s) and "Welcome to crispin" in s,
             "the index once the server answered", timeout=20)
    T.expect_eq(tui.quit(), "EXIT=0", "exit status")


T.main(setup=setup, teardown=teardown)

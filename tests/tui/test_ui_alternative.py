#!/usr/bin/env python3
"""The pager follows alternative_order: with text/html first, a
multipart/alternative shows its HTML part (through the built-in
converter) and only that part is fetched; by default the plain one."""

import os
import re
import sys

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from crispintest import Suite, account_rc, rc_text  # noqa: E402
from dovecot import Dovecot  # noqa: E402
from tuitest import Tui  # noqa: E402

T = Suite(__file__)
dc = None
tui = None
ALTERNATIVE = (b"From: a@example.org\r\nTo: alice@example.org\r\n"
               b"Subject: Two versions\r\nMIME-Version: 1.0\r\n"
               b"Content-Type: multipart/alternative; boundary=\"A\"\r\n\r\n"
               b"--A\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
               b"The PLAIN version.\r\n"
               b"--A\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
               b"<p>The <b>HTML</b> version.</p>\r\n"
               b"--A--\r\n")


def setup():
    global dc, tui
    tui = Tui(T)
    dc = Dovecot().start()
    dc.deliver("alice", "INBOX", ALTERNATIVE)


def teardown():
    if tui:
        tui.close()
    if dc:
        dc.stop()


def read(path):
    try:
        with open(path, "r", errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def body_fetches(trace):
    return re.findall(r"^C: \S+ UID FETCH 1 \(UID (?:BODY|BINARY)\S*\[(\d)\]",
                      trace, re.M)


def show(name, want, unwanted, part, **more):
    trace = T.path("trace-" + name)
    opts = account_rc(dc, cache_dir=T.path("cache-" + name),
                      mailcap_path=T.path("no-mailcap"), **more)
    tui.start(T.write("crispinrc-" + name, rc_text(opts)), "--trace " + trace)
    tui.wait(lambda s: "Two versions" in s, "the index")
    tui.keys("Enter")
    text = tui.wait(lambda s: want in s, "the %s part" % name)
    T.expect(unwanted not in text, text)
    T.expect_eq(body_fetches(read(trace)), [part], "parts fetched")
    T.expect_eq(tui.quit(), "EXIT=0", "exit status")


@T.case("by default the pager shows text/plain, fetching only it")
def _():
    show("plain", "The PLAIN version.", "HTML", "1")


@T.case("alternative_order text/html first: the pager shows the HTML")
def _():
    show("html", "The HTML version.", "PLAIN", "2",
         alternative_order="text/html text/plain")


T.main(setup=setup, teardown=teardown)

#!/usr/bin/env python3
"""alternative_order against Dovecot: crispin show picks the part of a
multipart/alternative that the option puts first (text/plain by default),
and fetches only that one."""

import os
import re
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from crispintest import Suite, account_rc  # noqa: E402
from dovecot import Dovecot  # noqa: E402

T = Suite(__file__)
dc = None
ALTERNATIVE = (b"From: a@example.org\r\nTo: alice@example.org\r\n"
               b"Subject: Two versions\r\nMIME-Version: 1.0\r\n"
               b"Content-Type: multipart/alternative; boundary=\"A\"\r\n\r\n"
               b"--A\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
               b"The PLAIN version.\r\n"
               b"--A\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
               b"<p>The <b>HTML</b> version.</p>\r\n"
               b"--A--\r\n")


def setup():
    global dc
    dc = Dovecot().start()
    dc.deliver("alice", "INBOX", ALTERNATIVE)


def teardown():
    if dc:
        dc.stop()


def rc(**more):
    return account_rc(dc, cache_dir=T.path("cache"), body_cache_size="0",
                      mailcap_path=T.path("no-mailcap"), **more)


def body_fetches(trace):
    return re.findall(r"^C: \S+ UID FETCH 1 \(UID (?:BODY|BINARY)\S*\[(\d)\]",
                      trace, re.M)


@T.case("by default text/plain is shown, and only it is fetched")
def _():
    r = T.crispin("show", "1", rc=rc())
    T.expect_code(r, 0)
    T.expect("The PLAIN version." in r.out and "HTML" not in r.out, r.out)
    T.expect_eq(body_fetches(r.trace), ["1"], "parts fetched")


@T.case("alternative_order text/html first shows the HTML, and only it is "
        "fetched")
def _():
    r = T.crispin("show", "1", rc=rc(alternative_order="text/html text/plain"))
    T.expect_code(r, 0)
    T.expect("The HTML version." in r.out and "PLAIN" not in r.out, r.out)
    T.expect_eq(body_fetches(r.trace), ["2"], "parts fetched")


T.main(setup, teardown)

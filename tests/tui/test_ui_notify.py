#!/usr/bin/env python3
"""The sidebar's counts follow another client's delivery into a folder
that is not open at once through NOTIFY (RFC 5465), with status_interval
an hour away; without NOTIFY only the next status_interval round could
have told."""

import imaplib
import os
import ssl
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from crispintest import Suite, account_rc, rc_text  # noqa: E402
from dovecot import Dovecot  # noqa: E402
from tuitest import Tui, last_line  # noqa: E402
import samplemail  # noqa: E402

T = Suite(__file__)
dc = None
tui = None


def setup():
    global dc, tui
    tui = Tui(T)
    dc = Dovecot().start()
    samplemail.populate(dc, "alice")


def teardown():
    if tui:
        tui.close()
    if dc:
        dc.stop()


def sidebar_count(text, label):
    """The unread/total or total at the end of the sidebar entry."""
    for line in text.splitlines():
        side = line.split("|")[0]
        if side.strip().startswith(label):
            return side.split()[-1]
    return None


@T.case("a delivery into another folder shows in the sidebar within seconds")
def _():
    rc = account_rc(dc, sidebar_visible="yes", status_interval="3600",
                    cache_dir=T.path("cache"))
    tui.start(T.write("crispinrc", rc_text(rc)))
    tui.wait(lambda s: "(live)" in last_line(s), "the index, idling")
    tui.wait(lambda s: sidebar_count(s, "crispin") == "2/3",
             "the sidebar with Projects/crispin at 2/3")
    ctx = ssl.create_default_context(cafile=dc.ca_file)
    m = imaplib.IMAP4_SSL(dc.host, dc.imaps_port, ssl_context=ctx)
    m.login("alice", dc.users["alice"])
    m.append("Projects/crispin", "()", None,
             b"From: Bob <bob@example.com>\r\nTo: alice@example.org\r\n"
             b"Subject: Pushed\r\n\r\nHello.\r\n")
    m.logout()
    tui.wait(lambda s: sidebar_count(s, "crispin") == "3/4",
             "Projects/crispin at 3/4 through NOTIFY", timeout=8)
    T.expect_eq(tui.quit(), "EXIT=0", "exit status")


T.main(setup=setup, teardown=teardown)

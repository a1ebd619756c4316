#!/usr/bin/env python3
"""The interface while Dovecot is stopped and started again: the index
stays on screen with "reconnecting in N s", and once the server is back
the folder is live again without a key pressed, with the mail delivered
meanwhile; a flag set while the server was down reaches it."""

import imaplib
import os
import ssl
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from crispintest import Suite, account_rc, rc_text  # noqa: E402
from dovecot import Dovecot, port_open  # noqa: E402
from tuitest import Tui, last_line  # noqa: E402

T = Suite(__file__)
dc = None
tui = None


def message(subject):
    return ("From: Bob <bob@example.com>\r\nTo: alice@example.org\r\n"
            "Subject: %s\r\nDate: Mon, 4 Mar 2024 12:00:00 +0000\r\n"
            "Message-ID: <%s@crispin.test>\r\n\r\nHi.\r\n"
            % (subject, subject.replace(" ", "-"))).encode()


def imap():
    ctx = ssl.create_default_context(cafile=dc.ca_file)
    m = imaplib.IMAP4_SSL(dc.host, dc.imaps_port, ssl_context=ctx)
    m.login("alice", dc.users["alice"])
    return m


def setup():
    global dc, tui
    tui = Tui(T)
    dc = Dovecot().start()
    m = imap()
    m.append("INBOX", "()", None, message("First of all"))
    m.logout()


def teardown():
    if tui:
        tui.close()
    if dc:
        dc.stop()


@T.case("Dovecot stopped and started again: reconnected by itself, "
        "mail delivered meanwhile shown, a flag set meanwhile on the server")
def _():
    rc = account_rc(dc, cache_dir=T.path("cache"), keepalive="1", timeout="2",
                    connect_timeout="3", reconnect_max_delay="2")
    tui.start(T.write("crispinrc", rc_text(rc)))
    tui.wait(lambda s: "(live)" in last_line(s) and "First of all" in s,
             "the index, live")
    dc._kill_master()
    text = tui.wait(lambda s: "reconnecting in" in last_line(s),
                    "the reconnecting state", timeout=15)
    T.expect("First of all" in text, "the index left the screen:\n" + text)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and port_open(dc.imaps_port):
        time.sleep(0.05)
    tui.keys("F")
    dc._launch()
    m = imap()
    m.append("INBOX", "()", None, message("Delivered during the restart"))
    tui.wait(lambda s: "(live)" in last_line(s) and
             "Delivered during the restart" in s,
             "back live with the new message", timeout=20)
    m.select("INBOX")
    typ, data = m.search(None, "FLAGGED")
    T.expect(data[0].split() == [b"1"],
             "the flag set while the server was down: %r" % data)
    m.logout()
    T.expect_eq(tui.quit(), "EXIT=0", "exit status")


T.main(setup=setup, teardown=teardown)

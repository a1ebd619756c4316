#!/usr/bin/env python3
"""The interface when the link dies under a flag change it sent (the proxy
resets the connection as the STORE goes out, or after the server did it
and before its answer comes back): the flag stays on screen, the session
reconnects by itself, and the server ends with the flag set once, the
other flags untouched; a move or a copy the server did before the cut is
not done twice after reconnecting."""

import imaplib
import os
import re
import ssl
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from crispintest import Suite, account_rc, rc_text  # noqa: E402
from dovecot import Dovecot  # noqa: E402
from linkproxy import LinkProxy  # noqa: E402
from tuitest import Tui, last_line, line_with  # noqa: E402

T = Suite(__file__)
dc = None
tui = None
proxy = None


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
    global dc, tui, proxy
    tui = Tui(T)
    dc = Dovecot().start()
    # Plain IMAP, so that the proxy can see the STORE go out.
    proxy = LinkProxy("127.0.0.1", dc.imap_port)


def teardown():
    if tui:
        tui.close()
    if proxy:
        proxy.stop()
    if dc:
        dc.stop()


def flags_of(folder):
    m = imap()
    typ, count = m.select(folder, readonly=True)
    if int(count[0]) == 0:
        m.logout()
        return []
    typ, data = m.fetch("1:*", "(FLAGS)")
    m.logout()
    return [set(re.search(rb"FLAGS \(([^)]*)\)", d).group(1).decode().split())
            - {"\\Recent"} for d in data if d is not None]


def case(folder, when):
    dc.create_folder("alice", folder)
    m = imap()
    m.append(folder, "(\\Seen)", None, message("Only one in " + folder))
    m.logout()
    rc = account_rc(dc, cache_dir=T.path("cache-" + folder), keepalive="1",
                    timeout="2", connect_timeout="3", reconnect_max_delay="2",
                    tls="no", tls_ca_file=None, allow_plaintext="yes",
                    imap_url="imap://alice@127.0.0.1:%d/" % proxy.port)
    tui.start(T.write("crispinrc", rc_text(rc)), "-f " + folder)
    tui.wait(lambda s: "(live" in last_line(s) and "Only one in" in s,
             "the index, live")
    proxy.cut_on(r"UID STORE", when)
    tui.keys("F")
    T.expect(proxy.fired.wait(10), "the proxy never cut")
    # Journaled, the change stays shown while the link is down (it is
    # sent again on the next connection), not rolled back.
    tui.wait(lambda s: "reconnecting in" in last_line(s) and
             (line_with(s, "Only one in") or "").split()[1:2] == ["F"],
             "the reconnecting state, the message still flagged", timeout=10)
    tui.wait(lambda s: "(live" in last_line(s), "live again", timeout=20)
    want = [{"\\Seen", "\\Flagged"}]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and flags_of(folder) != want:
        time.sleep(0.1)
    T.expect_eq(flags_of(folder), want, "flags on the server")
    T.expect_eq(tui.quit(), "EXIT=0", "exit status")


@T.case("the link dies as the STORE goes out: the flag reaches the server")
def _():
    case("Before", "before")


@T.case("the link dies after the server did it: set once, nothing lost")
def _():
    case("After", "answered")


def op_case(folder, key, prompt, command, moved):
    """s (move) or C (copy) of the only message, the link cut after the
    server did it: after reconnecting it is in the destination once."""
    dest = folder + "-Dest"
    dc.create_folder("alice", folder)
    dc.create_folder("alice", dest)
    m = imap()
    m.append(folder, "()", None, message("Carried from " + folder))
    m.logout()
    rc = account_rc(dc, cache_dir=T.path("cache-" + folder), keepalive="1",
                    timeout="2", connect_timeout="3", reconnect_max_delay="2",
                    tls="no", tls_ca_file=None, allow_plaintext="yes",
                    imap_url="imap://alice@127.0.0.1:%d/" % proxy.port)
    tui.start(T.write("crispinrc", rc_text(rc)), "-f " + folder)
    tui.wait(lambda s: "(live" in last_line(s) and "Carried from" in s,
             "the index, live")
    proxy.cut_on(command, "answered")
    tui.keys(key)
    tui.wait(lambda s: prompt in last_line(s), "the prompt")
    tui.text(dest)
    tui.keys("Enter")
    T.expect(proxy.fired.wait(10), "the proxy never cut")
    tui.wait(lambda s: "reconnecting in" in last_line(s),
             "the reconnecting state", timeout=10)
    tui.wait(lambda s: "(live" in last_line(s), "live again", timeout=20)
    want = ([], [set()]) if moved else ([set()], [set()])
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and (flags_of(folder),
                                           flags_of(dest)) != want:
        time.sleep(0.1)
    T.expect_eq((flags_of(folder), flags_of(dest)), want,
                "(source, destination) on the server")
    T.expect_eq(tui.quit(), "EXIT=0", "exit status")


@T.case("the link dies after the server moved it: not moved twice")
def _():
    op_case("MoveUi", "s", "Move to folder:", r"UID MOVE", True)


@T.case("the link dies after the server copied it: not copied twice")
def _():
    op_case("CopyUi", "C", "Copy to folder:", r"UID COPY", False)


T.main(setup=setup, teardown=teardown)

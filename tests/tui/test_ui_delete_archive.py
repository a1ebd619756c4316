#!/usr/bin/env python3
"""Delete, undelete, archive and expunge in the interface, in tmux against
Dovecot, each checked on the server: d marks \\Deleted and u clears it
again; archive-message (bound in the rc file) moves one message, and the
ones tag-pattern tagged with the search language as one command with a
compact UID set, to the folder with the \\Archive role; with
confirm_expunge = no, $ leaves the deleted messages where they are and
says so."""

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
from tuitest import Tui, last_line  # noqa: E402

T = Suite(__file__)
dc = None
tui = None


def message(n, subject):
    return ("From: Bob <bob@example.com>\r\nTo: alice@example.org\r\n"
            "Subject: %s\r\nMessage-ID: <d%d@example.com>\r\n"
            "Date: Mon, 4 Mar 2024 1%d:00:00 +0000\r\n\r\nHello.\r\n"
            % (subject, n, n)).encode()


def setup():
    global dc, tui
    tui = Tui(T)
    dc = Dovecot().start()
    for i, s in enumerate(("Alpha note", "Beta note", "Gamma note", "Delta note")):
        dc.deliver("alice", "Work", message(i, s), date=1709550000 + i * 60)
    for i, s in enumerate(("Beta note", "Delta note")):
        dc.deliver("alice", "Keep", message(i, s), date=1709550000 + i * 60)


def teardown():
    if tui:
        tui.close()
    if dc:
        dc.stop()


def imap():
    ctx = ssl.create_default_context(cafile=dc.ca_file)
    m = imaplib.IMAP4_SSL(dc.host, dc.imaps_port, ssl_context=ctx)
    m.login("alice", dc.users["alice"])
    return m


def state(folder):
    """{subject: set of flags} of a folder, as the server has it."""
    m = imap()
    try:
        typ, count = m.select('"%s"' % folder, readonly=True)
        if count[0] == b"0":
            return {}
        typ, data = m.fetch("1:*", "(FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
        out = {}
        for d in data:
            if isinstance(d, tuple):
                fl = re.search(rb"FLAGS \(([^)]*)\)", d[0]).group(1).decode()
                subject = d[1].decode().strip()[len("Subject: "):]
                out[subject] = set(fl.split()) - {"\\Recent"}
        return out
    finally:
        m.logout()


def poll(pred, what, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.1)
    raise AssertionError("timed out waiting for " + what)


def start(extra="", folder="Work", args="", **more):
    rc = T.write("crispinrc", rc_text(account_rc(dc, sort="date", **more)) + extra)
    tui.start(rc, args + " -f " + folder)
    tui.wait(lambda s: "(live)" in last_line(s) and "Delta note" in s,
             "the index of %s, idling" % folder)


def cursor_to(subject):
    """Moves the cursor to the row with subject (sorted by date)."""
    tui.keys("=")
    rows = [l for l in tui.screen().splitlines() if " note" in l]
    for row in rows:
        if subject in row:
            break
        tui.keys("j")


@T.case("d marks \\Deleted on the server and u clears it again")
def _():
    start()
    try:
        cursor_to("Beta note")
        tui.keys("d")
        poll(lambda: "\\Deleted" in state("Work").get("Beta note", ()),
             "\\Deleted on the server")
        cursor_to("Beta note")
        tui.keys("u")
        poll(lambda: "\\Deleted" not in state("Work").get("Beta note", {"x"}),
             "\\Deleted cleared on the server")
        T.expect(all("\\Deleted" not in f for f in state("Work").values()),
                 "no other message touched: %r" % state("Work"))
        T.expect_eq(tui.quit(), "EXIT=0", "exit status")
    finally:
        tui.stop()


@T.case("archive-message moves one message, then the tagged ones, to the "
        "\\Archive folder")
def _():
    trace = T.path("trace-archive")
    start(extra="bind index A archive-message\n", args="--trace " + trace)
    try:
        cursor_to("Alpha note")
        tui.keys("A")
        poll(lambda: "Alpha note" in state("Archive"), "Alpha in Archive")
        tui.wait(lambda s: "Alpha note" not in s, "gone from the index")
        # Tagged by the search language, as limit and search read it.
        tui.keys("T")
        tui.wait(lambda s: "Tag messages matching:" in last_line(s), "tag-pattern")
        tui.text("subject:gamma or (from:bob subject:delta)")
        tui.keys("Enter")
        tui.wait(lambda s: "2 messages tagged" in last_line(s), "two tagged")
        tui.text(";A")   # send-keys would take ; as its separator
        poll(lambda: {"Gamma note", "Delta note"} <= set(state("Archive")),
             "the tagged two in Archive")
        T.expect_eq(set(state("Work")), {"Beta note"}, "what stays in Work")
        T.expect_eq(tui.quit(), "EXIT=0", "exit status")
        with open(trace, encoding="utf-8", errors="replace") as f:
            moves = re.findall(r"^C: \S+ (UID MOVE .*?)\r?$", f.read(), re.M)
        # The tagged ones go as one command with a compact UID set.
        T.expect_eq(moves, ["UID MOVE 1 Archive", "UID MOVE 3:4 Archive"],
                    "the MOVE commands")
    finally:
        tui.stop()


@T.case("confirm_expunge = no: $ keeps the deleted messages and says so")
def _():
    start(folder="Keep", confirm_expunge="no")
    try:
        cursor_to("Beta note")
        tui.keys("d")
        poll(lambda: "\\Deleted" in state("Keep").get("Beta note", ()),
             "\\Deleted on the server")
        tui.keys("$")
        tui.wait(lambda s: "Deleted messages stay (confirm_expunge is no)"
                 in last_line(s), "the reason on the status line")
        T.expect_eq(tui.quit(), "EXIT=0", "exit status")
        T.expect_eq(state("Keep"), {"Beta note": {"\\Deleted"},
                                    "Delta note": set()}, "nothing expunged")
        T.expect("Beta note" not in state("Trash"), "nothing moved to the trash")
    finally:
        tui.stop()


if __name__ == "__main__":
    T.main(setup, teardown)

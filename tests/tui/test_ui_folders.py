#!/usr/bin/env python3
"""Folders in the interface, in tmux against Dovecot: the browser lists
the folders with their counts (special-use first) and opens one; change
folder with Tab completion; the sidebar and its counts following another
client; new mail announced on the status line and to new_mail_command;
a server ALERT on the status line."""

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
from fakeimap import ScriptedServer  # noqa: E402
from tuitest import Tui, last_line, line_with  # noqa: E402
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


def other_client():
    ctx = ssl.create_default_context(cafile=dc.ca_file)
    m = imaplib.IMAP4_SSL(dc.host, dc.imaps_port, ssl_context=ctx)
    m.login("alice", dc.users["alice"])
    return m


def message(subject):
    return ("From: Bob <bob@example.com>\r\nTo: alice@example.org\r\n"
            "Subject: %s\r\nDate: Mon, 4 Mar 2024 11:00:00 +0000\r\n\r\n"
            "Hello.\r\n" % subject).encode()


def start(args="", extra="", **opts):
    rc = T.write("crispinrc", rc_text(account_rc(dc, **opts)) + extra)
    tui.start(rc, args)
    tui.wait(lambda s: "(live)" in last_line(s), "the index, idling")


def row_index(text, needle):
    for i, line in enumerate(text.splitlines()):
        if needle in line:
            return i
    return -1


@T.case("the browser lists folders with counts, special-use first; Enter opens one")
def _():
    start()
    try:
        tui.keys("y")
        text = tui.wait(lambda s: "Unread" in s and "crispin" in s and
                        "Archive" in s, "the folder browser")
        order = [row_index(text, n) for n in
                 ("INBOX", "Drafts", "Sent", "Trash", "Junk", "Archive",
                  "Projects", "crispin")]
        T.expect(all(i >= 0 for i in order) and order == sorted(order),
                 "special-use folders first, then the tree:\n" + text)
        crispin = line_with(text, " crispin")
        T.expect(crispin is not None and crispin.split()[-2:] == ["2", "3"],
                 "Projects/crispin shows 2 unread of 3: %r" % crispin)
        T.expect(line_with(text, "  crispin").find("    crispin") >= 0,
                 "the child is indented under its parent: %r" % crispin)
        # The cursor starts on the open folder (INBOX): down to crispin.
        for _ in range(order[-1] - order[0]):
            tui.keys("j")
        tui.keys("Enter")
        tui.wait(lambda s: "Projects/crispin [Msgs:3" in last_line(s) and
                 "Roadmap" in s, "Projects/crispin opened from the browser")
        T.expect_eq(tui.quit(), "EXIT=0", "exit status")
    finally:
        tui.stop()


@T.case("c opens a folder with Tab completion of its name")
def _():
    start()
    try:
        tui.keys("c")
        tui.wait(lambda s: "Open folder:" in last_line(s), "the prompt")
        tui.text("Proj")
        tui.keys("Tab")
        # The list may still be loading: Tab again until it completes.
        deadline = time.monotonic() + 10
        while "Open folder: Projects" not in tui.status():
            T.expect(time.monotonic() < deadline,
                     "no completion: " + tui.status())
            time.sleep(0.3)
            if "Open folder: Projects" not in tui.status():
                tui.keys("Tab")
        tui.text("/c")
        tui.keys("Tab")
        tui.wait(lambda s: "Open folder: Projects/crispin" in last_line(s),
                 "the full name completed")
        tui.keys("Enter")
        tui.wait(lambda s: "Projects/crispin [Msgs:3" in last_line(s) and
                 "Bug: resize glitch" in s, "the completed folder opened")
        T.expect_eq(tui.quit(), "EXIT=0", "exit status")
    finally:
        tui.stop()


def sidebar_count(text, label):
    """The unread/total or total at the end of the sidebar entry."""
    for line in text.splitlines():
        side = line.split("|")[0]
        if side.strip().startswith(label):
            return side.split()[-1]
    return None


@T.case("the sidebar shows folders and follows another client's changes")
def _():
    start(sidebar_visible="yes", status_interval="5")
    m = other_client()
    try:
        text = tui.wait(lambda s: sidebar_count(s, "crispin") == "2/3",
                        "the sidebar with Projects/crispin at 2/3")
        T.expect(row_index(text, "INBOX") < row_index(text, "Projects"),
                 "INBOX above the tree:\n" + text)
        inbox = sidebar_count(text, "INBOX")
        T.expect(inbox is not None and "/" in inbox, "INBOX has unread: %r" % inbox)
        unseen, total = (int(x) for x in inbox.split("/"))
        # Another folder: seen at the next status_interval round.
        m.append("Projects/crispin", "()", None, message("Another bug"))
        tui.wait(lambda s: sidebar_count(s, "crispin") == "3/4",
                 "Projects/crispin at 3/4 after a delivery elsewhere", timeout=30)
        # The open folder: live from IDLE.
        m.select("INBOX")
        typ, data = m.search(None, "UNSEEN")
        first = data[0].split()[0]
        m.store(first, "+FLAGS", "(\\Seen)")
        want = "%d/%d" % (unseen - 1, total) if unseen > 1 else str(total)
        tui.wait(lambda s: sidebar_count(s, "INBOX") == want,
                 "INBOX at %s after another client read one" % want)
        # B hides it.
        tui.keys("B")
        tui.wait(lambda s: sidebar_count(s, "crispin") is None,
                 "the sidebar hidden")
        T.expect_eq(tui.quit(), "EXIT=0", "exit status")
    finally:
        try:
            m.logout()
        except Exception:
            pass
        tui.stop()


@T.case("new mail is announced on the status line and to new_mail_command")
def _():
    out = T.path("new-mail-out")
    # Single quotes: $1 and $2 are the shell's, not the rc file's.
    start(beep_new="yes",
          extra="set new_mail_command = 'echo \"$1 $2\" >> %s'\n" % out)
    m = other_client()
    try:
        m.append("INBOX", "()", None, message("Announced arrival"))
        tui.wait(lambda s: "Announced arrival" in s and
                 "New mail in INBOX (1 new message)" in last_line(s),
                 "the announcement")
        deadline = time.monotonic() + 10
        while not (os.path.exists(out) and open(out).read()):
            T.expect(time.monotonic() < deadline, "new_mail_command did not run")
            time.sleep(0.1)
        T.expect_eq(open(out).read(), "INBOX 1\n", "new_mail_command's arguments")
        T.expect_eq(tui.quit(), "EXIT=0", "exit status")
    finally:
        try:
            m.logout()
        except Exception:
            pass
        tui.stop()


def alert_server(c):
    """Answers what the interface asks; an [ALERT] while it idles."""
    c.send("* OK [CAPABILITY IMAP4rev1 IDLE] scripted")
    alerted = False
    while True:
        m = re.match(r"(\S+) (\S+)", c.read_line())
        if not m:
            continue
        tag, verb = m.group(1), m.group(2).upper()
        if verb == "CAPABILITY":
            c.send("* CAPABILITY IMAP4rev1 IDLE")
        elif verb in ("SELECT", "EXAMINE"):
            c.send("* 0 EXISTS")
            c.send("* OK [UIDVALIDITY 7] ok")
            c.send("* OK [UIDNEXT 1] ok")
            c.send(tag + " OK [READ-WRITE] selected")
            continue
        elif verb == "LIST":
            c.send('* LIST () "/" INBOX')
        elif verb == "IDLE":
            c.send("+ idling")
            if not alerted:
                c.send("* OK [ALERT] Maintenance at noon \x1b[31mtoday")
                alerted = True
            while c.read_line().upper() != "DONE":
                pass
        elif verb == "LOGOUT":
            c.send("* BYE bye")
            c.send(tag + " OK bye")
            return
        c.send(tag + " OK done")


@T.case("a server ALERT shows on the status line, sanitized; no TLS is said")
def _():
    srv = ScriptedServer(alert_server, timeout=60).start()
    rc = T.write("alert-rc", rc_text({
        "imap_url": "imap://alice@127.0.0.1:%d/" % srv.port,
        "imap_pass": "secret", "tls": "no", "allow_plaintext": "yes",
        "header_cache": "no"}))
    tui.start(rc)
    try:
        tui.wait(lambda s: "Server alert: Maintenance at noon" in last_line(s),
                 "the alert on the status line")
        T.expect("no TLS" in tui.status(), tui.status())
        T.expect("\x1b[31m" not in tui.screen(escapes=True),
                 "the alert's escape reached the terminal")
        T.expect_eq(tui.quit(), "EXIT=0", "exit status")
        srv.wait()
    finally:
        tui.stop()


T.main(setup=setup, teardown=teardown)

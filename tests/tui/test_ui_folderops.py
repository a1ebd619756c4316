#!/usr/bin/env python3
"""Flags, keywords and folders in the interface, in tmux against Dovecot:
set-flag and clear-flag with a keyword and a system flag, on one message
and on the tagged ones (T~A then ;w marks the whole folder read); a move
to a folder that does not exist asks to create it ([TRYCREATE]) and then
moves; the browser creates, renames (with the children), deletes (naming
how many messages die), goes to the parent and filters by a mask."""

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
from tuitest import Tui, last_line  # noqa: E402

T = Suite(__file__)
dc = None
tui = None


def message(n, subject):
    return ("From: Bob <bob@example.com>\r\nTo: alice@example.org\r\n"
            "Subject: %s\r\nMessage-ID: <m%d@example.com>\r\n"
            "Date: Mon, 4 Mar 2024 1%d:00:00 +0000\r\n\r\nHello.\r\n"
            % (subject, n, n)).encode()


def setup():
    global dc, tui
    tui = Tui(T)
    dc = Dovecot().start()
    for i, s in enumerate(("First note", "Second note", "Third note")):
        dc.deliver("alice", "INBOX", message(i, s), date=1709550000 + i * 60)
    dc.create_folder("alice", "Box")
    dc.create_folder("alice", "Box/Child")
    dc.create_folder("alice", "Doomed")
    dc.deliver("alice", "Doomed", message(7, "Goes away"))
    dc.deliver("alice", "Doomed", message(8, "Goes too"))
    dc.create_folder("alice", "Talk")
    dc.deliver("alice", "Talk", message(1, "Lunch plan"), date=1709550000)
    dc.deliver("alice", "Talk", message(2, "Unrelated"), date=1709550060)
    dc.deliver("alice", "Talk",
               message(3, "Re: Lunch plan").replace(
                   b"\r\n\r\n", b"\r\nIn-Reply-To: <m1@example.com>\r\n\r\n", 1),
               date=1709550120)


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


def flags_of(folder="INBOX"):
    """UID -> set of flags, as the server has them."""
    m = imap()
    try:
        m.select('"%s"' % folder, readonly=True)
        typ, data = m.uid("FETCH", "1:*", "(FLAGS)")
        out = {}
        for d in data:
            if not d:
                continue
            text = d.decode() if isinstance(d, bytes) else d[0].decode()
            uid = re.search(r"UID (\d+)", text)
            fl = re.search(r"FLAGS \(([^)]*)\)", text)
            if uid and fl:
                out[int(uid.group(1))] = set(fl.group(1).split())
        return out
    finally:
        m.logout()


def folders():
    m = imap()
    try:
        typ, data = m.list()
        return [d.decode().rsplit(' "/" ', 1)[-1].strip('"') for d in data if d]
    finally:
        m.logout()


def start():
    rc = T.write("crispinrc", rc_text(account_rc(dc)))
    tui.start(rc, "")
    tui.wait(lambda s: "(live)" in last_line(s), "the index, idling")


def poll(pred, what, timeout=10):
    import time
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.2)
    raise AssertionError("timed out waiting for " + what)


@T.case("set-flag and clear-flag: a keyword with Tab completion, then T~A ;w marks all read")
def _():
    start()
    try:
        first = min(flags_of())
        tui.keys("w")
        tui.wait(lambda s: "Set flag:" in last_line(s), "the set-flag prompt")
        tui.text("$Label1")
        tui.keys("Enter")
        tui.wait(lambda s: "set on 1 message" in last_line(s), "the note")
        poll(lambda: any("$Label1" in f for f in flags_of().values()),
             "$Label1 on the server")
        T.expect_eq(sum("$Label1" in f for f in flags_of().values()), 1,
                    "one message has the keyword")
        # Tab completes the keyword now in use.
        tui.keys("W")
        tui.wait(lambda s: "Clear flag:" in last_line(s), "the clear-flag prompt")
        tui.text("$La")
        tui.keys("Tab")
        tui.wait(lambda s: "Clear flag: $Label1" in last_line(s), "completed")
        tui.keys("Enter")
        tui.wait(lambda s: "cleared from 1 message" in last_line(s), "cleared")
        poll(lambda: not any("$Label1" in f for f in flags_of().values()),
             "$Label1 gone from the server")
        T.expect(not any("\\Seen" in f for f in flags_of().values()),
                 "nothing is read yet")
        # The whole folder read: tag all, then ;w \Seen.
        tui.keys("T")
        tui.wait(lambda s: "Tag messages matching:" in last_line(s), "tag-pattern")
        tui.text("~A")
        tui.keys("Enter")
        tui.wait(lambda s: "3 messages tagged" in last_line(s), "all tagged")
        tui.text(";w")
        tui.wait(lambda s: "Set flag:" in last_line(s), "set-flag for the tagged")
        tui.text("\\Seen")
        tui.keys("Enter")
        tui.wait(lambda s: "set on 3 messages" in last_line(s), "all read")
        poll(lambda: all("\\Seen" in f for f in flags_of().values()),
             "every message \\Seen on the server")
        T.expect(first in flags_of(), "the first message is still there")
        T.expect_eq(tui.quit(), "EXIT=0", "exit status")
    finally:
        tui.stop()


@T.case("read-thread marks the thread read, and only the thread")
def _():
    rc = T.write("crispinrc-talk", rc_text(account_rc(dc, sort="threads")))
    tui.start(rc, "-f Talk")
    try:
        tui.wait(lambda s: "(live)" in last_line(s) and "Unrelated" in s,
                 "the threaded index")
        T.expect(not any("\\Seen" in f for f in flags_of("Talk").values()),
                 "nothing read yet")
        text = tui.screen()
        lines = text.splitlines()
        cursor = [i for i, l in enumerate(lines) if "Lunch plan" in l
                  and "Re:" not in l and "->" not in l]
        T.expect(cursor, "the thread's root is shown:\n" + text)
        # Go to the root, whatever the order, then ^R.
        tui.keys("=")
        for _ in range(cursor[0]):
            tui.keys("j")
        tui.keys("C-r")

        def seen():
            f = flags_of("Talk")
            return sum("\\Seen" in v for v in f.values()) == 2 and f
        flags = poll(seen, "two messages read")
        by_subject = {}
        m = imap()
        try:
            m.select("Talk", readonly=True)
            typ, data = m.uid("FETCH", "1:*", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
            for d in data:
                if isinstance(d, tuple):
                    uid = int(re.search(rb"UID (\d+)", d[0]).group(1))
                    by_subject[d[1].decode().strip()] = uid
        finally:
            m.logout()
        T.expect("\\Seen" not in flags[by_subject["Subject: Unrelated"]],
                 "the other message stays unread: %r" % flags)
        T.expect_eq(tui.quit(), "EXIT=0", "exit status")
    finally:
        tui.stop()


@T.case("a move to a folder that does not exist asks to create it, then moves")
def _():
    start()
    try:
        T.expect("Made-Here" not in folders(), "no such folder yet")
        before = len(flags_of())
        tui.keys("s")
        tui.wait(lambda s: "Move to folder:" in last_line(s), "the move prompt")
        tui.text("Made-Here")
        tui.keys("Enter")
        tui.wait(lambda s: "Create folder Made-Here? ([yes]/no)" in last_line(s),
                 "the TRYCREATE question")
        tui.keys("y")
        tui.wait(lambda s: "1 message moved to Made-Here" in last_line(s),
                 "moved after the folder was made")
        T.expect("Made-Here" in folders(), "the folder exists: %r" % folders())
        T.expect_eq(len(flags_of("Made-Here")), 1, "the message is there")
        T.expect_eq(len(flags_of()), before - 1, "and left INBOX")
        # Saying no leaves everything as it was.
        tui.keys("C")
        tui.wait(lambda s: "Copy to folder:" in last_line(s), "the copy prompt")
        tui.text("Not-Made")
        tui.keys("Enter")
        tui.wait(lambda s: "Create folder Not-Made?" in last_line(s), "asked")
        tui.keys("n")
        tui.wait(lambda s: "Create folder" not in last_line(s), "answered")
        T.expect("Not-Made" not in folders(), "no folder made on no")
        T.expect_eq(tui.quit(), "EXIT=0", "exit status")
    finally:
        tui.stop()


@T.case("the browser creates, renames with children, deletes naming the count, p and m")
def _():
    start()
    try:
        tui.keys("y")
        tui.wait(lambda s: "Doomed" in s and "Child" in s, "the folder browser")
        # create-mailbox
        tui.keys("C")
        tui.wait(lambda s: "Create folder:" in last_line(s), "the create prompt")
        tui.text("Fresh")
        tui.keys("Enter")
        tui.wait(lambda s: "Created Fresh." in last_line(s), "created")
        T.expect("Fresh" in folders(), "Fresh exists on the server")
        tui.wait(lambda s: re.search(r"^\s*\S?\s*Fresh\b", s, re.M), "listed")
        # enter-mask: only the Box tree.
        tui.keys("m")
        tui.wait(lambda s: "Show folders matching" in last_line(s), "mask prompt")
        tui.text("^Box")
        tui.keys("Enter")
        text = tui.wait(lambda s: "(mask ^Box)" in s and "Doomed" not in s,
                        "masked list")
        T.expect("Fresh" not in text and "Child" in text, "only Box:\n" + text)
        # goto-parent from Box/Child: the rename prompt names the entry
        # the cursor is on, so each move is seen before the next key.
        tui.keys("*")
        tui.keys("r")
        tui.wait(lambda s: "Rename Box/Child to:" in last_line(s),
                 "the cursor on the last entry, Box/Child")
        tui.keys("C-g")
        tui.wait(lambda s: "Rename" not in last_line(s), "the prompt gone")
        # goto-parent, then rename-mailbox in the same burst of input:
        # the rename acts on the parent even before a redraw. Its child
        # follows it.
        tui.text("pr")
        tui.wait(lambda s: "Rename Box to: Box" in last_line(s),
                 "rename asked about the parent (goto-parent moved there)")
        for _ in range(3):
            tui.keys("BSpace")
        tui.text("Crate")
        tui.keys("Enter")
        tui.wait(lambda s: "Renamed Box to Crate with 1 subfolder." in last_line(s),
                 "renamed with the child")
        names = folders()
        T.expect("Crate" in names and "Crate/Child" in names and
                 "Box" not in names, "renamed on the server: %r" % names)
        # Clear the mask, then delete Doomed.
        tui.keys("m")
        tui.wait(lambda s: "Show folders matching" in last_line(s), "mask prompt")
        tui.keys("C-u")
        tui.keys("Enter")
        tui.wait(lambda s: "Doomed" in s and "(mask" not in s, "all folders again")
        tui.keys("=")
        text = tui.screen()
        lines = text.splitlines()
        at = [i for i, l in enumerate(lines) if "Doomed" in l][0]
        top = [i for i, l in enumerate(lines) if "INBOX" in l][0]
        for _ in range(at - top):
            tui.keys("j")
        tui.keys("d")
        tui.wait(lambda s: "Delete folder Doomed and its 2 messages? (yes/[no])"
                 in last_line(s), "the count of what dies")
        tui.keys("y")
        tui.wait(lambda s: "Deleted Doomed and its 2 messages." in last_line(s),
                 "deleted")
        T.expect("Doomed" not in folders(), "gone from the server")
        T.expect_eq(tui.quit(), "EXIT=0", "exit status")
    finally:
        tui.stop()


@T.case("the browser lists other users' and public folders, marked, and opens them")
def _():
    other = Dovecot(shared_namespace=True, public_namespace=True).start()
    try:
        bob = "bob@example.org"
        other.create_folder(bob, "Team")
        other.deliver(bob, "Team", message(5, "Team plan"))
        other.share_folder(bob, "Team", "alice")
        rc = T.write("crispinrc-ns", rc_text(account_rc(other)))
        tui.start(rc, "")
        tui.wait(lambda s: "(live)" in last_line(s), "the index, idling")
        tui.keys("y")
        text = tui.wait(lambda s: "Team" in s and "[other users]" in s,
                        "bob's folder under the other users' root")
        lines = text.splitlines()
        at = [i for i, l in enumerate(lines) if "Team" in l][0]
        top = [i for i, l in enumerate(lines) if "INBOX" in l][0]
        for _ in range(at - top):
            tui.keys("j")
        tui.keys("Enter")
        tui.wait(lambda s: "shared/%s/Team" % bob in last_line(s) and
                 "Team plan" in s, "the shared folder opened")
        T.expect_eq(tui.quit(), "EXIT=0", "exit status")
    finally:
        tui.stop()
        other.stop()


T.main(setup=setup, teardown=teardown)

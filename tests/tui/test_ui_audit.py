#!/usr/bin/env python3
"""What a mutt user does all day, checked against the sample INBOX on
Dovecot at 80x24: Tab to the next new message; a long question (o's sort letters) is shown whole; Tab
in a prompt lists its choices above the prompt, which stays open, and
the list is gone once the prompt closes; the status line counts the
tagged messages; d goes on to the next undeleted message, skipping one
already deleted, as mutt's resolve does, in the index and in the
pager."""

import os
import re
import sys
import time
import unicodedata

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from crispintest import Suite, account_rc  # noqa: E402
from dovecot import Dovecot  # noqa: E402
from tuitest import Tui, last_line  # noqa: E402
import samplemail  # noqa: E402

T = Suite(__file__)
dc = None
tui = None
SGR = re.compile(r"\x1b\[([0-9;]*)m")


def setup():
    global dc, tui
    dc = Dovecot().start()
    samplemail.populate(dc, "alice")
    dc.create_folder("alice", "Unlisted", subscribe=False)
    tui = Tui(T, width=80, height=24)


def teardown():
    if tui:
        tui.close()
    if dc:
        dc.stop()


def start(**more):
    tui.start(T.write_rc(account_rc(dc, **more)))
    return tui.wait(lambda s: "Welcome to" in s and
                    "(live)" in last_line(s), "the index of INBOX")


def reverse_rows():
    """The rows (text without escapes) with reverse video in them; the
    attribute carries over line ends, as capture-pane -e writes it."""
    rows, reverse = [], False
    for line in tui.screen(escapes=True).rstrip("\n").split("\n"):
        shown, pos = False, 0
        for m in SGR.finditer(line):
            if reverse and line[pos:m.start()].strip():
                shown = True
            for code in (m.group(1) or "0").split(";"):
                if code in ("0", "27"):
                    reverse = False
                elif code == "7":
                    reverse = True
            pos = m.end()
        if reverse and line[pos:].strip():
            shown = True
        if shown:
            rows.append(SGR.sub("", line))
    return rows


def cursor_row():
    rows = [r for r in reverse_rows() if "-- crispin:" not in r]
    return rows[0] if rows else ""


def cells(text):
    """Terminal cells of text: East Asian wide characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1
               for c in text)


def right_of_sidebar(text):
    return "\n".join(l.split("|", 1)[1] for l in text.splitlines() if "|" in l)


def above_prompt(text):
    lines = text.rstrip("\n").split("\n")
    return lines[-2] if len(lines) >= 2 else ""


def wait_cursor(subject, what):
    tui.wait(lambda s: subject in cursor_row(), what)


@T.case("Tab goes to the next new message in the index and in the pager; "
        "o shows its whole question at 80 columns, and s sorts by subject")
def _():
    start()
    wait_cursor("Welcome to crispin", "the cursor on the first message")
    tui.keys("Tab")
    wait_cursor("Meeting notes", "Tab to the first new message")
    tui.keys("Enter")
    tui.wait(lambda s: "Subject: Meeting notes" in s, "the pager")
    tui.keys("Tab")
    tui.wait(lambda s: "Subject: A picture for you" in s,
             "the pager on the next new message")
    tui.keys("q")
    wait_cursor("A picture for you", "the index cursor on it")
    tui.keys("o")
    s = tui.wait(lambda s: last_line(s).startswith("Sort "), "the sort question")
    T.expect("s(c)ore?:" in last_line(s),
             "the question is cut: %r" % last_line(s))
    tui.keys("s")
    tui.wait(lambda s: "(subject)" in last_line(s), "the index sorted by subject")
    T.expect(tui.quit() == "EXIT=0", "crispin did not exit cleanly")


@T.case("c: Tab lists the folders above the open prompt; the list goes "
        "with the prompt")
def _():
    start()
    tui.keys("c")
    tui.wait(lambda s: last_line(s).startswith("Open folder:"), "the prompt")
    tui.keys("Tab")
    # The first Tab starts loading the folder list and says so above the
    # prompt; Tab again once it is there.
    s = tui.wait(lambda s: "Projects/crispin" in above_prompt(s) or
                 "Tab again" in above_prompt(s), "a note above the prompt")
    deadline = time.monotonic() + 10
    while "Projects/crispin" not in above_prompt(s):
        T.expect(time.monotonic() < deadline, "no list:\n" + s)
        time.sleep(0.3)
        tui.keys("Tab")
        s = tui.wait(lambda s: last_line(s).startswith("Open folder:"),
                     "the prompt still open")
    T.expect(last_line(s).startswith("Open folder:"),
             "the prompt closed: %r" % last_line(s))
    tui.text("Pro")
    tui.keys("Tab")
    s = tui.wait(lambda s: last_line(s).rstrip() == "Open folder: Projects",
                 "the common part completed")
    T.expect("INBOX" not in above_prompt(s),
             "the list is not the one of the last Tab:\n" + s)
    tui.keys("C-g")
    s = tui.wait(lambda s: "-- crispin: INBOX" in last_line(s),
                 "the status line back")
    T.expect("Projects/crispin" not in s,
             "the list stayed on the screen:\n" + s)
    T.expect(tui.quit() == "EXIT=0", "crispin did not exit cleanly")


@T.case("t counts tags on the status line; d skips a deleted message "
        "as mutt's resolve does")
def _():
    start()
    wait_cursor("Welcome to crispin", "the cursor on the first message")
    tui.keys("t")
    wait_cursor("Meeting notes", "t moving on")
    tui.keys("t")
    tui.wait(lambda s: "Tag:2]" in last_line(s), "Tag:2 on the status line")
    tui.keys("t")  # Quarterly report: now three
    tui.wait(lambda s: "Tag:3]" in last_line(s), "Tag:3 on the status line")
    # Untag it again from where the cursor stands: k, t.
    tui.keys("k")
    wait_cursor("Quarterly report", "k back")
    tui.keys("t")
    tui.wait(lambda s: "Tag:2]" in last_line(s), "Tag:2 after untagging")
    # Delete the fourth message; then d on the third lands on the fifth,
    # past the deleted fourth.
    wait_cursor("A picture for you", "the cursor on the fourth message")
    tui.keys("d")
    wait_cursor("Grüße aus Köln", "d moving on")
    tui.keys("k", "k")
    wait_cursor("Quarterly report", "back on the third message")
    tui.keys("d")
    wait_cursor("Grüße aus Köln", "d skipping the deleted picture")
    s = tui.screen()
    T.expect("Del:2" in last_line(s), "two deleted: %r" % last_line(s))
    # Leave without expunging: x quits without saving changes.
    tui.keys("x")
    T.expect(tui.exited() == "EXIT=0", "crispin did not exit cleanly")


@T.case("d in the pager shows the next undeleted message, u the next one; "
        "the index keeps every row whole")
def _():
    # The case before left the third and fourth messages deleted.
    start()
    tui.keys("j")
    wait_cursor("Meeting notes", "the cursor on the second message")
    tui.keys("Enter")
    tui.wait(lambda s: s.startswith("From: Grace Hopper"), "the pager")
    tui.keys("d")
    tui.wait(lambda s: "Subject: Grüße aus Köln" in s,
             "the pager on the next undeleted message")
    tui.keys("u")
    tui.wait(lambda s: "Subject: Flowed text test" in s,
             "the pager on the next message")
    tui.keys("q")
    # The index, not the pager still on screen (its header rows can be
    # in reverse video too).
    s = tui.wait(lambda s: "Meeting notes" in s and
                 "Flowed text test" in cursor_row(),
                 "the index cursor on the message shown")
    T.expect(re.search(r" D .*Meeting notes", s),
             "Meeting notes not marked deleted:\n" + s)
    T.expect(re.search(r"Jürgen Müller .*Grüße aus Köln", s),
             "a row lost its sender or subject:\n" + s)
    tui.keys("x")
    T.expect(tui.exited() == "EXIT=0", "crispin did not exit cleanly")


@T.case("the pager's status line says which message of the index it shows "
        "and how far down")
def _():
    start()
    tui.keys("j")
    wait_cursor("Meeting notes", "the cursor on the second message")
    tui.keys("Enter")
    s = tui.wait(lambda s: s.startswith("From: Grace Hopper") and
                 re.search(r" -- 2/\d+ \(\d+%\)", last_line(s)),
                 "the pager with its place on the status line")
    T.expect(re.search(r" -- 2/\d+ \(100%\)", last_line(s)),
             "a short message is all on screen: %r" % last_line(s))
    tui.keys("q")
    s = tui.wait(lambda s: "Meeting notes" in cursor_row() and
                 not s.startswith("From:"), "the index again")
    T.expect(not re.search(r" -- \d+/\d+ \(\d+%\)", last_line(s)),
             "the index has no pager place: %r" % last_line(s))
    T.expect(tui.quit() == "EXIT=0", "crispin did not exit cleanly")


@T.case("c suggests the next folder with unread mail; typing replaces it")
def _():
    start()
    unread = {f for f, (total, unseen) in samplemail.expected_counts().items()
              if unseen > 0 and f != "INBOX"}
    # The first c loads the folder list; once it is here c suggests.
    deadline = time.monotonic() + 15
    while True:
        tui.keys("c")
        s = tui.wait(lambda s: last_line(s).startswith("Open folder:"),
                     "the prompt")
        suggested = last_line(s)[len("Open folder:"):].strip()
        if suggested or time.monotonic() > deadline:
            break
        tui.keys("C-g")
        tui.wait(lambda s: "-- crispin: INBOX" in last_line(s), "no prompt")
        time.sleep(0.3)
    T.expect(suggested in unread,
             "suggested %r, not a folder with unread mail %r" % (suggested, unread))
    tui.text("Projects")
    tui.wait(lambda s: last_line(s).rstrip() == "Open folder: Projects",
             "the first character typed replaced the suggestion")
    tui.keys("Enter")
    tui.wait(lambda s: "-- crispin: Projects [" in last_line(s) and
             "Project list" in s, "Projects open")
    T.expect(tui.quit() == "EXIT=0", "crispin did not exit cleanly")


@T.case("sidebar_width sets the sidebar's columns; T in the browser shows "
        "the subscribed folders only, and all again")
def _():
    start(sidebar_visible="yes", sidebar_width="24")
    s = tui.wait(lambda s: "Projects" in s and "|" in s, "the sidebar")
    rows = [l for l in s.splitlines() if "|" in l]
    T.expect(rows and all(cells(l[:l.index("|")]) == 23 for l in rows),
             "the sidebar is not 24 columns wide:\n" + s)
    tui.keys("y")
    tui.wait(lambda s: "Unlisted" in right_of_sidebar(s) and
             "Folders" in right_of_sidebar(s), "the browser with every folder")
    tui.keys("T")
    s = tui.wait(lambda s: "(subscribed)" in s and
                 "Unlisted" not in right_of_sidebar(s), "subscribed folders only")
    T.expect("Projects" in right_of_sidebar(s),
             "a subscribed folder is missing:\n" + s)
    tui.keys("T")
    tui.wait(lambda s: "Unlisted" in right_of_sidebar(s) and
             "(subscribed)" not in s, "every folder again")
    T.expect(tui.quit() == "EXIT=0", "crispin did not exit cleanly")


T.main(setup=setup, teardown=teardown)

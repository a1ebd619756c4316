#!/usr/bin/env python3
"""The index's further functions in tmux against Dovecot: field colours,
scores (sort = score, %N), subthreads (Esc n, Esc p, Esc r, Esc d),
mutt's patterns in limit (with ~T), display-address, what-key,
shell-escape, pipe-message and toggle-write."""

import os
import re
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from crispintest import Suite, account_rc, rc_text  # noqa: E402
from dovecot import Dovecot  # noqa: E402
from tuitest import Tui, last_line, line_with  # noqa: E402

T = Suite(__file__)
dc = None
tui = None

# A thread (Alice, Bob under her, Carol under Bob, Dave under Alice) and
# two singles. Bob, Carol and Dave are unread.
MESSAGES = [
    ("Alice <alice@example.org>", "Plan for Monday", "<p1@x>", None, 1, True),
    ("Bob <bob@example.org>", "Re: Plan for Monday", "<p2@x>", "<p1@x>", 2,
     False),
    ("Carol <carol@example.org>", "Re: Plan for Monday", "<p3@x>",
     "<p1@x> <p2@x>", 3, False),
    ("Dave <dave@example.org>", "Re: Plan for Monday", "<p4@x>", "<p1@x>", 4,
     False),
    ("Erin <erin@example.org>", "Lunch on Friday", "<l1@x>", None, 5, True),
    ("News <news@lists.example>", "Weekly newsletter", "<n1@x>", None, 6, True),
]

FMT = "%4C [%Z] %3N %-8.8n | %s"

MULTIPART = """From: Frank <frank@example.org>
To: me@example.org
Subject: Plan attachments
Date: Thu, 7 Mar 2024 10:00:00 +0000
Message-ID: <m1@x>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b1"

--b1
Content-Type: text/plain

The figures are attached.
--b1
Content-Type: text/csv; name="data.csv"
Content-Disposition: attachment; filename="data.csv"

a,b
1,2
--b1--
"""


def setup():
    global dc, tui
    tui = Tui(T, width=100, height=20)
    dc = Dovecot().start()
    for frm, subject, mid, refs, day, seen in MESSAGES:
        raw = ("From: %s\nTo: me@example.org\nSubject: %s\n"
               "Date: Mon, %d Mar 2024 10:00:00 +0000\nMessage-ID: %s\n"
               % (frm, subject, day, mid))
        if refs:
            raw += "References: %s\nIn-Reply-To: %s\n" % (refs,
                                                          refs.split()[-1])
        raw += "\nBody of %s.\n" % subject
        dc.deliver("alice", "INBOX", raw.encode(),
                   flags="\\Seen" if seen else "")
    dc.deliver("alice", "INBOX", MULTIPART.encode(), flags="\\Seen")


def teardown():
    if tui:
        tui.close()
    if dc:
        dc.stop()


def start(extra="", **opts):
    opts.setdefault("index_format", FMT)
    rc = T.write("rc-%d" % (tui.n + 1),
                 rc_text(account_rc(dc, **opts)) + extra)
    tui.start(rc)
    return tui.wait(lambda s: "Weekly newsletter" in s and "(live)" in s,
                    "the index, idling")


def index_rows(text):
    return [l for l in text.splitlines() if re.match(r"^ +[0-9]+ \[", l)]


def prompt(key, answer):
    tui.keys(key)
    tui.wait(lambda s: not last_line(s).startswith("-- crispin"),
             "the prompt of %s" % key)
    tui.text(answer)
    tui.keys("Enter")


def fg_at(sgr, needle):
    """The foreground colour where needle starts in a capture-pane -e
    screen (tmux writes a sequence only where attributes change: the
    state is followed from the top), and whether reverse video is on."""
    at = sgr.find(needle)
    if at < 0:
        return None, False
    fg, rev = None, False
    for m in re.finditer(r"\x1b\[([0-9;]*)m", sgr[:at]):
        codes = m.group(1).split(";") if m.group(1) else ["0"]
        i = 0
        while i < len(codes):
            c = codes[i]
            if c in ("", "0"):
                fg, rev = None, False
            elif c == "38" and i + 2 < len(codes) and codes[i + 1] == "5":
                fg = "38;5;" + codes[i + 2]
                i += 2
            elif c == "48" and i + 2 < len(codes):
                i += 2
            elif re.match(r"^(3[0-7]|9[0-7])$", c):
                fg = c
            elif c == "39":
                fg = None
            elif c == "7":
                rev = True
            elif c == "27":
                rev = False
            i += 1
    return fg, rev


def cursor_line(text=None):
    """The line drawn in reverse video, as plain text."""
    for line in tui.screen(escapes=True).splitlines():
        if "\x1b[7m" in line:
            return re.sub(r"\x1b\[[0-9;]*m", "", line)
    return ""


def wait_cursor(needle, what):
    deadline = time.monotonic() + 10
    while needle not in cursor_line() and time.monotonic() < deadline:
        time.sleep(0.05)
    T.expect(needle in cursor_line(), "%s: cursor on %r" % (what,
                                                            cursor_line()))


RED, GREEN = ("31", "38;5;1", "91"), ("32", "38;5;2", "92")


@T.case("sort = score with %N; the subject and author in colours of their "
        "own; the cursor's line keeps the indicator")
def _():
    text = start(sort="score", extra=(
        "score '~f erin' 40\n"
        "score '~s newsletter' 10\n"
        "score '~s newsletter' 15\n"
        "score 'subject:monday ~U' =2\n"
        "set score_threshold_flag = 30\n"
        "color index_subject red default\n"
        "color index_author green default\n"
        "color index_flags blue default '~f news'\n"))
    rows = index_rows(text)
    T.expect("Lunch on Friday" in rows[0] and " 40 " in rows[0],
             "the highest score first, %%N shows it:\n" + text)
    T.expect("Weekly newsletter" in rows[1] and " 15 " in rows[1],
             "the same pattern again replaced its value:\n" + text)
    T.expect(" 2 " in line_with(text, "Bob"),
             "=2 set Bob's score: %r" % line_with(text, "Bob"))
    T.expect(" 0 " in line_with(text, "Alice"),
             "Alice matched no rule: %r" % line_with(text, "Alice"))
    # score_threshold_flag flags what scores 30 or more, on the server.
    text = tui.wait(lambda s: line_with(s, "Lunch")[7] == "F",
                    "Lunch flagged by its score")
    T.expect(line_with(text, "Weekly")[7] != "F", "15 is under 30")
    sgr = tui.screen(escapes=True)
    fg, rev = fg_at(sgr, "Weekly newsletter")
    T.expect(fg in RED and not rev, "the subject is red: %r" % fg)
    fg, rev = fg_at(sgr, "News")
    T.expect(fg in GREEN, "the author is green: %r in %r"
             % (fg, line_with(sgr, "Weekly")))
    fg, rev = fg_at(sgr, "] ")
    T.expect(fg not in RED + GREEN, "other fields keep the line's colour")
    # A field colour with a pattern: the newsletter's flags only.
    BLUE = ("\x1b[34m", "\x1b[38;5;4m", "\x1b[94m")
    T.expect(any(b + "   " in line_with(sgr, "Weekly") for b in BLUE),
             "the newsletter's flags are blue: %r" % line_with(sgr, "Weekly"))
    T.expect(not any(b in line_with(sgr, "Alice") for b in BLUE),
             "Alice's are not: %r" % line_with(sgr, "Alice"))
    fg, rev = fg_at(sgr, "Lunch on Friday")
    T.expect(rev and fg not in RED, "the cursor's line is the indicator: "
             "%r %r" % (fg, rev))
    # Reversed, the lowest score comes first.
    tui.keys("O")
    tui.wait(lambda s: last_line(s).startswith("Rev-Sort"), "the sort question")
    tui.text("c")   # one key answers it
    text = tui.wait(lambda s: "reverse-score" in last_line(s), "reverse")
    rows = index_rows(text)
    T.expect("Lunch on Friday" in rows[-1], "highest last:\n" + text)
    T.expect_eq(tui.quit(), "EXIT=0", "exit status")


@T.case("subthreads: Esc n and Esc p between siblings, P to the parent, "
        "Esc r reads and Esc d deletes a reply and the replies under it")
def _():
    start(sort="threads", sort_aux="date",
          extra="color tree yellow default\n")
    tui.keys("Home", "j")
    wait_cursor("Bob", "j")
    # The tree in its own colour (Carol's line: not the cursor's).
    sgr = tui.screen(escapes=True)
    carol = sgr[sgr.find("Carol"):]
    fg, rev = fg_at(carol, "└─>")
    T.expect(fg in ("33", "38;5;3", "93"), "the tree is yellow: %r in %r"
             % (fg, line_with(sgr, "Carol")))
    tui.keys("Escape", "n")
    wait_cursor("Dave", "next-subthread skips Carol under Bob")
    tui.keys("Escape", "p")
    wait_cursor("Bob", "previous-subthread")
    tui.keys("j")
    wait_cursor("Carol", "j")
    tui.keys("P")
    wait_cursor("Bob", "parent-message")
    tui.keys("Escape", "r")
    text = tui.wait(lambda s: line_with(s, "Bob")[6] == " " and
                    line_with(s, "Carol")[6] == " ", "Bob and Carol read")
    T.expect(line_with(text, "Dave")[6] in "NO",
             "Dave is not in Bob's subthread: %r" % line_with(text, "Dave"))
    tui.keys("Escape", "d")
    text = tui.wait(lambda s: line_with(s, "Bob")[6] == "D" and
                    line_with(s, "Carol")[6] == "D", "Bob and Carol deleted")
    T.expect(line_with(text, "Dave")[6] != "D" and
             line_with(text, "Alice")[6] != "D", "the rest stays:\n" + text)
    # Back as they were for the next cases.
    tui.keys("u", "u")
    tui.wait(lambda s: line_with(s, "Bob")[6] != "D" and
             line_with(s, "Carol")[6] != "D", "undeleted")
    T.expect_eq(tui.quit(), "EXIT=0", "exit status")


@T.case("mutt's patterns in limit: ~f, ~s, | and !, and ~T for the tagged")
def _():
    start()
    prompt("l", "~f carol | ~s lunch")
    text = tui.wait(lambda s: "Weekly newsletter" not in s and
                    "Lunch on Friday" in s, "the limit")
    rows = index_rows(text)
    T.expect(len(rows) == 2 and "Carol" in text, "two messages:\n" + text)
    prompt("l", "!~s plan ~A")
    text = tui.wait(lambda s: "Weekly newsletter" in s and "Plan" not in s,
                    "the negated limit")
    rows = index_rows(text)
    T.expect(len(rows) == 2, "Lunch and the newsletter:\n" + text)
    # Tag the newsletter, then limit to the tagged.
    tui.keys("Home")
    for _ in range(3):
        if "Weekly" in cursor_line():
            break
        tui.keys("j")
        time.sleep(0.1)
    wait_cursor("Weekly", "on the newsletter")
    tui.keys("t")
    tui.wait(lambda s: line_with(s, "Weekly")[8] == "*", "the tag")
    prompt("l", "~T")
    text = tui.wait(lambda s: "Lunch on Friday" not in s and
                    "Weekly newsletter" in s, "the tagged only")
    prompt("l", "~f")
    tui.wait(lambda s: "needs a pattern" in last_line(s), "the error")
    T.expect_eq(tui.quit(), "EXIT=0", "exit status")


@T.case("/ searches with a pattern, n repeats and wraps, Esc / goes back")
def _():
    start(sort="date")
    tui.keys("Home")
    wait_cursor("Alice", "the first message")
    prompt("/", "~f erin | ~s newsletter")
    wait_cursor("Erin", "the first match")
    tui.keys("n")
    wait_cursor("News", "n: the next match")
    tui.keys("n")
    wait_cursor("Erin", "n wraps to the top")
    tui.wait(lambda s: "wrapped to top" in last_line(s), "the wrap is said")
    tui.keys("Escape", "/")
    tui.wait(lambda s: "Reverse search" in last_line(s), "the reverse prompt")
    tui.text("!~s plan ~R")
    tui.keys("Enter")
    wait_cursor("News", "backwards, wrapping to the bottom")
    prompt("/", "~s nothing-like-this")
    tui.wait(lambda s: "Not found" in last_line(s), "no match")
    T.expect_eq(tui.quit(), "EXIT=0", "exit status")


@T.case("@ shows the sender's address; what-key names a key's function")
def _():
    start(sort="date", extra="bind index , what-key\n")
    tui.keys("Home")
    wait_cursor("Alice", "the first message")
    tui.keys("@")
    tui.wait(lambda s: "Alice <alice@example.org>" in last_line(s),
             "the address on the status line")
    tui.keys("G")
    tui.wait(lambda s: "Checking for new mail" in last_line(s), "G")
    tui.keys(",")
    tui.wait(lambda s: "Press a key" in last_line(s), "what-key asks")
    tui.keys("d")
    text = tui.wait(lambda s: "bound to delete-message" in last_line(s),
                    "what-key's answer")
    T.expect(line_with(text, "Alice")[6] != "D", "d was not run:\n" + text)
    T.expect_eq(tui.quit(), "EXIT=0", "exit status")


@T.case("! runs a command with the terminal; | pipes the message, raw or "
        "decoded with pipe_decode")
def _():
    start(sort="date")
    mark = T.path("shell-ran")
    prompt("!", "echo ran > %s; echo visible-output" % mark)
    tui.wait(lambda s: "visible-output" in s and "Press any key" in s,
             "the command's output and the pause")
    tui.keys("x")
    tui.wait(lambda s: "Weekly newsletter" in s, "the index again")
    T.expect(os.path.exists(mark), "the command ran")
    tui.keys("Home")
    wait_cursor("Alice", "the first message")
    out = T.path("piped")
    prompt("|", "cat > %s" % out)
    tui.wait(lambda s: "Press any key" in s, "the pause after the pipe")
    tui.keys("x")
    tui.wait(lambda s: "Weekly newsletter" in s, "the index again")
    with open(out, "rb") as f:
        data = f.read()
    T.expect(b"Message-ID: <p1@x>" in data and b"Body of Plan for Monday"
             in data, "the raw message: %r" % data[:300])
    prompt(":", "set pipe_decode")
    prompt("|", "cat > %s" % out)
    tui.wait(lambda s: "Press any key" in s, "the pause after the pipe")
    tui.keys("x")
    tui.wait(lambda s: "Weekly newsletter" in s, "the index again")
    with open(out, "rb") as f:
        data = f.read()
    T.expect(b"Message-ID" not in data and b"Body of Plan for Monday" in data,
             "decoded, headers weeded: %r" % data[:300])
    # ';' then '|': the tagged messages, one after the other, raw again.
    prompt(":", "unset pipe_decode")
    tui.keys("Home", "t", "t")
    tui.wait(lambda s: line_with(s, "Alice")[8] == "*" and
             line_with(s, "Bob")[8] == "*", "two tagged")
    tui.keys("\\;")  # tmux reads a bare ; as its command separator
    prompt("|", "cat > %s" % out)
    tui.wait(lambda s: "Press any key" in s, "the pause after the pipe")
    tui.keys("x")
    tui.wait(lambda s: "Weekly newsletter" in s, "the index again")
    with open(out, "rb") as f:
        data = f.read()
    T.expect(b"Message-ID: <p1@x>" in data and b"Message-ID: <p2@x>" in data
             and b"<p3@x>\nIn-Reply-To" not in data,
             "both tagged messages: %r" % data)
    T.expect_eq(tui.quit(), "EXIT=0", "exit status")


@T.case("% makes the folder read-only and back")
def _():
    start(sort="date")
    tui.keys("%")
    tui.wait(lambda s: "read-only now" in last_line(s) and
             "Weekly newsletter" in s, "read-only")
    tui.keys("Home", "d")
    tui.wait(lambda s: "read-only" in last_line(s) and
             line_with(s, "Alice")[6] != "D", "d refused")
    tui.keys("%")
    tui.wait(lambda s: "will be written" in last_line(s), "writable")
    tui.wait(lambda s: "(live)" in s and "Weekly newsletter" in s,
             "open again")
    tui.keys("Home")
    wait_cursor("Alice", "the first message")
    tui.keys("d")
    tui.wait(lambda s: line_with(s, "Alice")[6] == "D", "d works again")
    tui.keys("Home", "u")
    tui.wait(lambda s: line_with(s, "Alice")[6] != "D", "undeleted")
    T.expect_eq(tui.quit(), "EXIT=0", "exit status")


@T.case("Space in the attachments view collapses the parts under a "
        "multipart and shows them again")
def _():
    start(sort="date")
    prompt("l", "~s attachments")
    tui.wait(lambda s: "Weekly newsletter" not in s and
             "Plan attachments" in s, "the multipart message alone")
    tui.keys("v")
    tui.wait(lambda s: "[multipart/mixed" in s and "data.csv" in s,
             "the attachments view")
    tui.keys("Home", "Space")
    text = tui.wait(lambda s: "parts below" in s, "collapsed")
    T.expect("data.csv" not in text and "[text/plain" not in text,
             "the parts are hidden:\n" + text)
    tui.keys("Space")
    tui.wait(lambda s: "data.csv" in s and "[text/plain" in s and
             "parts below" not in s, "expanded again")
    T.expect_eq(tui.quit(), "EXIT=0", "exit status")


T.main(setup=setup, teardown=teardown)

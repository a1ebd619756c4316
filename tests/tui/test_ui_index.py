#!/usr/bin/env python3
"""The index in tmux against Dovecot: index_format from the rc file with
its markers, sorting and reverse sorting, threads with their tree and
collapsing, limit (local and a body search on the server), tags with ';'
and '$' expunging on the server, F on the server, and wide characters
lining up."""

import imaplib
import os
import ssl
import sys
import time
import unicodedata

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from crispintest import Suite, account_rc, rc_text  # noqa: E402
from dovecot import Dovecot  # noqa: E402
from tuitest import Tui, last_line, line_with  # noqa: E402
import samplemail  # noqa: E402

T = Suite(__file__)
dc = None
tui = None

# A subject in Cyrillic and CJK, and two messages to throw away.
WIDE = ("From: =?UTF-8?B?0JjQstCw0L0g0J/QtdGC0YDQvtCy?= <ivan@example.ru>\n"
        "To: alice@example.org\n"
        "Subject: =?UTF-8?B?0J/RgNC40LLQtdGCINC80LjRgCDkuJbnlYzkvaDlpb0g?="
        "=?UTF-8?B?5LiW55WM5L2g5aW9IGVuZA==?=\n"
        "Date: Mon, 4 Mar 2024 12:30:00 +0000\n"
        "Message-ID: <wide@crispin.example>\n\nWide.\n")


def disposable(n):
    return ("From: Junk Sender <junk@example.com>\n"
            "To: alice@example.org\n"
            "Subject: Disposable %s\n"
            "Date: Mon, 4 Mar 2024 13:0%d:00 +0000\n"
            "Message-ID: <disposable-%d@crispin.example>\n\nBye.\n"
            % (["one", "two"][n], n, n))


def setup():
    global dc, tui
    tui = Tui(T, width=120, height=30)
    dc = Dovecot().start()
    samplemail.populate(dc, "alice")
    dc.deliver("alice", "INBOX", WIDE.encode(), flags="\\Seen")
    for n in range(2):
        dc.deliver("alice", "INBOX", disposable(n).encode(), flags="\\Seen")


def teardown():
    if tui:
        tui.close()
    if dc:
        dc.stop()


def start(extra="", **opts):
    rc = T.write("rc-%d" % (tui.n + 1), rc_text(account_rc(dc, **opts)) + extra)
    tui.start(rc)
    return tui.wait(lambda s: "Welcome to crispin" in s and "(live)" in s,
                    "the index, idling")


def other_client():
    ctx = ssl.create_default_context(cafile=dc.ca_file)
    m = imaplib.IMAP4_SSL(dc.host, dc.imaps_port, ssl_context=ctx)
    m.login("alice", dc.users["alice"])
    return m


def row_of(text, needle):
    for i, line in enumerate(text.splitlines()):
        if needle in line:
            return i
    return -1


def cells(s):
    """Terminal cells of s (wide characters take two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def prompt(key, answer):
    tui.keys(key)
    tui.wait(lambda s: not last_line(s).startswith("-- crispin"),
             "the prompt of %s" % key)
    tui.text(answer)
    tui.keys("Enter")


def choose(key, answer):
    """A one-key question (o's sort letters): the letter answers it."""
    tui.keys(key)
    tui.wait(lambda s: not last_line(s).startswith("-- crispin"),
             "the question of %s" % key)
    tui.text(answer)


FMT = "%4C [%Z] %-16.16n | %s"


@T.case("index_format from the rc file: numbers, author column, markers, "
        "colour by pattern")
def _():
    text = start(index_format=FMT,
                 extra='color index red default "is:flagged"\n')
    line = line_with(text, "Welcome to crispin")
    T.expect(line.startswith("   1 [") and "| Welcome to crispin" in line,
             "the rc's format is used: %r" % line)
    T.expect("Ada Lovelace" in line, "the author by %%n: %r" % line)
    q = line_with(text, "Quarterly report")
    T.expect(q[7] == "F", "flagged shows F: %r" % q)
    sgr = tui.screen(escapes=True)
    T.expect("\x1b[31m" in line_with(sgr, "Quarterly report"),
             "a flagged line takes the pattern's colour: %r"
             % line_with(sgr, "Quarterly report"))
    T.expect("\x1b[31m" not in line_with(sgr, "Meeting notes"),
             "others do not: %r" % line_with(sgr, "Meeting notes"))
    g = line_with(text, "Grüße aus Köln")
    T.expect(g[6] == "r", "answered shows r: %r" % g)
    t = line_with(text, "会議の件について")
    T.expect(t[6] in "NO", "unread shows N or O: %r" % t)
    # Mail arriving while crispin has the folder is \Recent: N.
    m = other_client()
    try:
        m.append("INBOX", None, None,
                 b"From: Bob <bob@example.com>\r\nTo: alice@example.org\r\n"
                 b"Subject: Fresh arrival\r\n"
                 b"Date: Mon, 4 Mar 2024 14:00:00 +0000\r\n\r\nHi.\r\n")
    finally:
        m.logout()
    text = tui.wait(lambda s: "Fresh arrival" in s, "the new message")
    T.expect(line_with(text, "Fresh arrival")[6] == "N",
             "new mail shows N: %r" % line_with(text, "Fresh arrival"))
    # t tags with * (and moves on); d marks D, u takes it back.
    tui.keys("t")
    text = tui.wait(lambda s: line_with(s, "Welcome to crispin")[8] == "*",
                    "the tag marker")
    tui.keys("k", "d")
    text = tui.wait(lambda s: line_with(s, "Welcome to crispin")[6] == "D",
                    "the deleted marker")
    tui.keys("k", "u")
    tui.wait(lambda s: line_with(s, "Welcome to crispin")[6] != "D",
             "undeleted")
    T.expect_eq(tui.quit(), "EXIT=0", "exit status")


@T.case("o sorts by subject, O reverses; the cursor stays on its message")
def _():
    start(index_format=FMT)
    choose("o", "s")
    text = tui.wait(lambda s: "Sorted by subject" in last_line(s), "sorted")
    order = [row_of(text, s) for s in ("A picture for you", "Flowed text test",
                                       "Meeting notes", "Welcome to crispin")]
    T.expect(order == sorted(order) and order[0] >= 0,
             "subjects ascend: %r\n%s" % (order, text))
    # Re: is ignored: the list thread sorts under I, before Meeting.
    T.expect(row_of(text, "IDLE and reconnects") < row_of(text, "Meeting notes"),
             "Re: prefixes are ignored:\n" + text)
    choose("O", "s")
    text = tui.wait(lambda s: "reverse-subject" in last_line(s), "reverse")
    order = [row_of(text, s) for s in ("A picture for you", "Flowed text test",
                                       "Meeting notes", "Welcome to crispin")]
    T.expect(order == sorted(order, reverse=True),
             "subjects descend: %r\n%s" % (order, text))
    T.expect(text.splitlines()[0].startswith("   1 ["),
             "numbers follow the display order:\n" + text)
    # The cursor was on the first message before sorting: still there.
    tui.keys("Enter")
    tui.wait(lambda s: "sample mail for trying crispin" in s,
             "the same message in the pager")
    tui.keys("q")
    tui.wait(lambda s: "Welcome to crispin" in s and "Sorted" not in s,
             "the index again")
    T.expect_eq(tui.quit(), "EXIT=0", "exit status")


@T.case("threads: the tree is drawn, a thread collapses and expands")
def _():
    start(index_format=FMT)
    choose("o", "t")
    text = tui.wait(lambda s: "Sorted by threads" in last_line(s), "threads")
    lines = [l for l in text.splitlines() if "IDLE and reconnects" in l]
    T.expect(len(lines) == 3, "three messages of the thread:\n" + text)
    r0 = row_of(text, "| [crispin-dev] IDLE")
    T.expect(r0 >= 0, "the root has no tree:\n" + text)
    rows = text.splitlines()
    T.expect("└─>Re: [crispin-dev]" in rows[r0 + 1],
             "the reply hangs under the root: %r" % rows[r0 + 1])
    T.expect("  └─>Re: [crispin-dev]" in rows[r0 + 2],
             "the reply to the reply one deeper: %r" % rows[r0 + 2])
    # Down to the thread's root from the top, then collapse and expand.
    tui.keys("Home")
    for _ in range(r0):
        tui.keys("j")
    tui.keys("Escape", "v")
    text = tui.wait(lambda s: "(+2) [crispin-dev] IDLE" in s and
                    "Re: [crispin-dev]" not in s, "the collapsed thread")
    tui.keys("Escape", "v")
    tui.wait(lambda s: len([l for l in s.splitlines()
                            if "IDLE and reconnects" in l]) == 3,
             "the thread expanded again")
    T.expect_eq(tui.quit(), "EXIT=0", "exit status")


@T.case("limit: a pattern shows only its messages; a body search on the "
        "server; all restores")
def _():
    start(index_format=FMT)
    prompt("l", "from:linus")
    text = tui.wait(lambda s: "Welcome to crispin" not in s and
                    "IDLE and reconnects" in s and "[Msgs:2/" in last_line(s),
                    "the limited index, shown/total on the status line")
    T.expect(len([l for l in text.splitlines() if "| " in l]) == 2,
             "only Linus's two messages:\n" + text)
    prompt("l", "body:parser")
    text = tui.wait(lambda s: "Meeting notes" in s and
                    "IDLE and reconnects" not in s, "the server's answer")
    T.expect(len([l for l in text.splitlines() if "| " in l]) == 1,
             "only the message whose body says parser:\n" + text)
    prompt("l", "all")
    tui.wait(lambda s: "Welcome to crispin" in s and "IDLE and reconnects" in s
             and "Meeting notes" in s, "everything again")
    T.expect_eq(tui.quit(), "EXIT=0", "exit status")


def size_of(text):
    """%c's short size (512, 1.2K, 34K, 5.6M) in bytes, roughly."""
    text = text.strip()
    scale = {"K": 1024, "M": 1024 * 1024}.get(text[-1:], 1)
    return float(text.rstrip("KM")) * scale


@T.case("o z sorts by size, O z the other way")
def _():
    start(index_format="%4C|%c|%s")
    choose("o", "z")
    text = tui.wait(lambda s: "(size)" in last_line(s), "sorted by size")
    sizes = [size_of(l.split("|")[1]) for l in text.splitlines()
             if l.count("|") >= 2 and l.split("|")[0].strip().isdigit()]
    T.expect(len(sizes) >= 10 and sizes == sorted(sizes),
             "smallest first: %r\n%s" % (sizes, text))
    T.expect(sizes[0] < sizes[-1], "sizes differ: %r" % sizes)
    choose("O", "z")
    text = tui.wait(lambda s: "(reverse-size)" in last_line(s),
                    "sorted by size, largest first")
    sizes = [size_of(l.split("|")[1]) for l in text.splitlines()
             if l.count("|") >= 2 and l.split("|")[0].strip().isdigit()]
    T.expect(sizes == sorted(sizes, reverse=True),
             "largest first: %r\n%s" % (sizes, text))
    T.expect_eq(tui.quit(), "EXIT=0", "exit status")


@T.case("Cyrillic and CJK subjects line up with the other columns")
def _():
    text = start(index_format="%4C %-21.21s|%-10.10n|%c")
    bars = []
    for line in text.splitlines():
        if "|" in line and line[:4].strip().isdigit():
            bars.append(cells(line[:line.index("|")]))
    T.expect(len(bars) >= 14, "index lines:\n" + text)
    T.expect(len(set(bars)) == 1,
             "the column after the subject starts at one cell: %r\n%s"
             % (bars, text))
    wide = line_with(text, "Привет")
    T.expect(wide is not None and "世界" in wide, "the wide subject:\n" + text)
    T.expect("田中 太郎" in text, "a CJK author")
    T.expect_eq(tui.quit(), "EXIT=0", "exit status")


@T.case("F flags on the server; t t ;d marks two deleted; $ expunges them")
def _():
    start(index_format=FMT, confirm_expunge="ask-yes")
    prompt("l", "subject:flowed")
    tui.wait(lambda s: "Welcome to crispin" not in s and "Flowed" in s,
             "the limited index")
    tui.keys("F")
    tui.wait(lambda s: line_with(s, "Flowed text test")[7] == "F", "F shown")
    m = other_client()
    try:
        m.select("INBOX")
        deadline = 50
        flagged = False
        while deadline > 0 and not flagged:
            m.noop()
            typ, data = m.uid("SEARCH", None, "FLAGGED SUBJECT", '"Flowed"')
            flagged = bool(data[0].split())
            deadline -= 1
            if not flagged:
                time.sleep(0.1)
        T.expect(flagged, "\\Flagged is set on the server")
        prompt("l", "subject:disposable")
        text = tui.wait(lambda s: "Disposable one" in s and
                        "Disposable two" in s and "Flowed" not in s,
                        "the two disposable messages")
        tui.keys("t")
        tui.keys("t")
        text = tui.wait(lambda s: line_with(s, "Disposable one")[8] == "*" and
                        line_with(s, "Disposable two")[8] == "*", "two tags")
        tui.text(";d")   # send-keys would take ; as its separator
        tui.wait(lambda s: line_with(s, "Disposable one")[6] == "D" and
                 line_with(s, "Disposable two")[6] == "D", "both deleted")
        tui.keys("$")
        tui.wait(lambda s: "2 deleted messages" in last_line(s),
                 "the confirmation")
        tui.keys("y")
        tui.wait(lambda s: "Disposable" not in s, "gone from the index")
        gone = False
        for _ in range(50):
            m.noop()
            typ, data = m.uid("SEARCH", None, "SUBJECT", '"Disposable"')
            if not data[0].split():
                gone = True
                break
            time.sleep(0.1)
        T.expect(gone, "expunged from INBOX on the server")
        m.select("Trash")
        typ, data = m.uid("SEARCH", None, "SUBJECT", '"Disposable"')
        T.expect(len(data[0].split()) == 2, "delete_mode=trash: in the Trash")
        typ, data = m.uid("SEARCH", None, "DELETED SUBJECT", '"Disposable"')
        T.expect(not data[0].split(), "not marked deleted there")
    finally:
        try:
            m.logout()
        except Exception:
            pass
    T.expect_eq(tui.quit(), "EXIT=0", "exit status")


T.main(setup=setup, teardown=teardown)

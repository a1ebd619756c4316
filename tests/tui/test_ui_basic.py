#!/usr/bin/env python3
"""The interactive interface in tmux against Dovecot: the index of the
sample INBOX, the pager, quitting, and changes made by another client
arriving live through IDLE; mail text never reaches the terminal as an
escape sequence."""

import imaplib
import os
import re
import shutil
import ssl
import subprocess
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from crispintest import Suite, account_rc  # noqa: E402
from dovecot import Dovecot  # noqa: E402
import samplemail  # noqa: E402

T = Suite(__file__)
dc = None
SOCKET = "crispin-ui-%d" % os.getpid()

# A subject that would turn the terminal red if it got through raw.
EVIL = ("From: Mallory <mallory@example.com>\n"
        "To: alice@example.org\n"
        "Subject: =?UTF-8?Q?Evil_=1B[31mred=1B[0m_subject?=\n"
        "Date: Mon, 4 Mar 2024 10:00:00 +0000\n"
        "Message-ID: <evil@crispin.example>\n\n"
        "Nothing to see.\n")


def tmux(*args, check=True):
    return subprocess.run(["tmux", "-L", SOCKET] + list(args), check=check,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True)


def screen(escapes=False):
    args = ["capture-pane", "-p", "-t", "t"] + (["-e"] if escapes else [])
    return tmux(*args, check=False).stdout


def wait_screen(pred, what, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = screen()
        if pred(text):
            return text
        time.sleep(0.1)
    raise AssertionError("timed out waiting for %s; screen:\n%s" % (what, screen()))


def wait_exit(done, timeout=10):
    deadline = time.monotonic() + timeout
    while not os.path.exists(done) and time.monotonic() < deadline:
        time.sleep(0.1)
    T.expect(os.path.exists(done), "crispin did not exit; screen:\n" + screen())
    with open(done) as f:
        return f.read().strip()


def keys(*k):
    tmux("send-keys", "-t", "t", *k)


def setup():
    global dc
    if not shutil.which("tmux"):
        raise RuntimeError("tmux is not installed")
    # A session that outlives the cases: killing the last one makes the
    # server exit, racing the next case's new-session.
    tmux("new-session", "-d", "-s", "keep", "sleep", "3600")
    dc = Dovecot().start()
    samplemail.populate(dc, "alice")
    dc.deliver("alice", "INBOX", EVIL.encode())


def teardown():
    tmux("kill-server", check=False)
    if dc:
        dc.stop()


def start(done, args=""):
    rc = T.write_rc(account_rc(dc))
    cmd = "%s -F %s %s; echo EXIT=$? > %s; sleep 30" % (
        T.crispin_path, rc, args, done)
    env = T.env()
    tmux("new-session", "-d", "-s", "t", "-x", "120", "-y", "30",
         "env", "HOME=%s" % env["HOME"], "LC_ALL=C.UTF-8", "TERM=screen",
         "sh", "-c", cmd)


def other_client():
    ctx = ssl.create_default_context(cafile=dc.ca_file)
    m = imaplib.IMAP4_SSL(dc.host, dc.imaps_port, ssl_context=ctx)
    m.login("alice", dc.users["alice"])
    m.select("INBOX")
    return m


def index_line(text, subject):
    for line in text.splitlines():
        if subject in line:
            return line
    return None


@T.case("the index, a message in the pager, back, and quit with status 0")
def _():
    done = T.path("done1")
    start(done)
    try:
        wait_screen(lambda s: "Welcome to crispin" in s and
                    "会議の件について" in s and "Grüße aus Köln" in s and
                    "Bug" not in s, "the index of INBOX")
        keys("j")
        keys("Enter")
        wait_screen(lambda s: "ship the parser" in s, "the message body")
        keys("q")
        wait_screen(lambda s: "Welcome to crispin" in s and
                    "ship the parser" not in s, "the index again")
        keys("q")
        T.expect_eq(wait_exit(done), "EXIT=0", "exit status")
    finally:
        tmux("kill-session", "-t", "t", check=False)


@T.case("flags and new mail from another client appear live; no raw escapes")
def _():
    done = T.path("done2")
    start(done)
    m = None
    try:
        wait_screen(lambda s: "Welcome to crispin" in s and "(live)" in s,
                    "the index, idling")
        plain = screen()
        T.expect("^[[31m" in plain, "the escape is not shown in caret form:\n"
                 + plain)
        sgr = screen(escapes=True)
        T.expect("\x1b[31m" not in sgr, "a raw escape from the subject "
                 "reached the terminal:\n" + repr(sgr))
        # The flags are index_format's %Z, after the number (%4C).
        T.expect(index_line(plain, "Welcome to crispin")[5:8].find("F") < 0,
                 "already flagged?")
        m = other_client()
        typ, data = m.uid("SEARCH", None, "SUBJECT", '"Welcome to crispin"')
        uid = data[0].split()[0].decode()
        m.uid("STORE", uid, "+FLAGS", "(\\Flagged)")
        wait_screen(lambda s: "F" in (index_line(s, "Welcome to crispin")
                                      or "")[5:8], "the flag set elsewhere")
        raw = ("From: Bob <bob@example.com>\r\nTo: alice@example.org\r\n"
               "Subject: Delivered while watching\r\n"
               "Date: Mon, 4 Mar 2024 11:00:00 +0000\r\n\r\nHello.\r\n")
        m.append("INBOX", "()", None, raw.encode())
        wait_screen(lambda s: "Delivered while watching" in s,
                    "the new message")
        keys("q")
        T.expect_eq(wait_exit(done), "EXIT=0", "exit status")
    finally:
        if m is not None:
            try:
                m.logout()
            except Exception:
                pass
        tmux("kill-session", "-t", "t", check=False)


@T.case("-f opens another folder; a resize redraws the screen")
def _():
    done = T.path("done3")
    start(done, "-f Projects/crispin")
    try:
        wait_screen(lambda s: "Roadmap" in s and "Bug: resize glitch" in s and
                    "Projects/crispin [Msgs:3" in s, "the index of Projects/crispin")
        tmux("resize-window", "-t", "t", "-x", "50", "-y", "10")
        text = wait_screen(lambda s: len(s.splitlines()) <= 10 and
                           "-- crispin: Projects" in s.splitlines()[-1]
                           if s.splitlines() else False,
                           "the status line on the last row of 10")
        for line in text.splitlines():
            T.expect(len(line) <= 50, "a line is wider than the window: %r" % line)
        keys("q")
        T.expect_eq(wait_exit(done), "EXIT=0", "exit status")
    finally:
        tmux("kill-session", "-t", "t", check=False)


T.main(setup=setup, teardown=teardown)

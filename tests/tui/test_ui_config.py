#!/usr/bin/env python3
"""The configuration in the interface, in tmux against Dovecot: a bind
and a macro from the rc file; the `:` command line changing the index and
the sidebar at once, with completion; an rc file with a typo still starts
and says so; -e, -A, -R, -z and -Z; folder-hook; the first-run setup
writing a 0600 rc file that works."""

import imaplib
import os
import ssl
import stat
import sys
import time

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


def setup():
    global dc, tui
    tui = Tui(T)
    dc = Dovecot().start()
    samplemail.populate(dc, "alice")
    dc.create_folder("alice", "Empty")


def teardown():
    if tui:
        tui.close()
    if dc:
        dc.stop()


def write_rc(extra="", **opts):
    return T.write("crispinrc", rc_text(account_rc(dc, **opts)) + extra)


def start(args="", extra="", **opts):
    tui.start(write_rc(extra, **opts), args)
    return tui.wait(lambda s: "(live)" in last_line(s), "the index, idling")


def row_index(text, needle):
    for i, line in enumerate(text.splitlines()):
        if needle in line:
            return i
    return -1


def other_client():
    ctx = ssl.create_default_context(cafile=dc.ca_file)
    m = imaplib.IMAP4_SSL(dc.host, dc.imaps_port, ssl_context=ctx)
    m.login("alice", dc.users["alice"])
    return m


@T.case("a bind and a macro from the rc file work")
def _():
    start(extra='bind index b browse-mailboxes\n'
                'macro index Y "<change-folder>Projects/crispin<Enter>" "to the project"\n')
    try:
        tui.keys("b")
        tui.wait(lambda s: "Unread" in s and "Archive" in s,
                 "the browser through the bound key")
        tui.keys("q")
        tui.wait(lambda s: "Unread" not in s, "back in the index")
        tui.keys("Y")
        tui.wait(lambda s: "Projects/crispin [Msgs:3" in last_line(s),
                 "the folder the macro opened")
        T.expect_eq(tui.quit(), "EXIT=0", "exit status")
    finally:
        tui.stop()


@T.case(":stats shows what the session and the folder's open cost")
def _():
    import re
    start()
    try:
        tui.keys(":")
        tui.text("sta")
        tui.keys("Tab")
        tui.wait(lambda s: last_line(s).rstrip() == ":stats", "completed")
        tui.keys("Enter")
        text = tui.wait(lambda s: "Session (" in s and "Opening INBOX:" in s,
                        "the stats")
        flat = " ".join(text.split())
        m = re.search(r"start\): (\d+) round trips, [\d.]+ [KM]?B sent, "
                      r"([\d.]+) (K?B) received", flat)
        T.expect(m is not None, "session stats:\n" + text)
        # At least SCRAM's two exchanges, even for a server seen before
        # (server-hint: the rest rides along with them).
        T.expect(int(m.group(1)) >= 2, "login and open take round trips: " + flat)
        T.expect(re.search(r"Opening INBOX: \d+ round trips?, [\d.]+ [KM]?B sent, "
                           r"[\d.]+ [KM]?B received, [\d.]+ s \([\d.]+ s local\)",
                           flat) is not None, "the open's cost: " + flat)
        T.expect_eq(tui.quit(), "EXIT=0", "exit status")
    finally:
        tui.stop()


@T.case(":set changes the index and the sidebar at once; Tab completes")
def _():
    text = start()
    try:
        T.expect(row_index(text, "Welcome to crispin") <
                 row_index(text, "Flowed text test"), "date order:\n" + text)
        tui.keys(":")
        tui.text("set sidebar_vis")
        tui.keys("Tab")
        tui.wait(lambda s: last_line(s).startswith(":set sidebar_visible"),
                 "the option name completed")
        tui.text("=yes")
        tui.keys("Enter")
        tui.wait(lambda s: "|" in (line_with(s, "INBOX ") or "") and
                 "Archive" in s, "the sidebar shown at once")
        tui.keys(":")
        tui.text("set sort=reverse-date")
        tui.keys("Enter")
        tui.wait(lambda s: row_index(s, "Welcome to crispin") >
                 row_index(s, "Flowed text test") and
                 "(reverse-date)" in last_line(s), "the index in reverse order")
        tui.keys(":")
        tui.text("set sort?")
        tui.keys("Enter")
        tui.wait(lambda s: "sort=reverse-date" in last_line(s), "the query's answer")
        tui.keys(":")
        tui.text("set nosuchoption = 1")
        tui.keys("Enter")
        tui.wait(lambda s: "unknown option 'nosuchoption'" in last_line(s),
                 "the error on the status line")
        T.expect_eq(tui.quit(), "EXIT=0", "exit status")
    finally:
        tui.stop()


@T.case("an rc file with a typo still starts and shows the error")
def _():
    start(extra="set sidebar_visble = yes\nset sidebar_visible = yes\n")
    try:
        text = tui.wait(lambda s: "crispinrc:" in last_line(s) and
                        "sidebar_visble" in last_line(s), "the rc error")
        T.expect("|" in (line_with(text, "INBOX ") or ""),
                 "the rest of the file applies (sidebar):\n" + text)
        T.expect_eq(tui.quit(), "EXIT=0", "exit status")
    finally:
        tui.stop()


@T.case("-e runs after the rc file; -A picks the account")
def _():
    base = account_rc(dc)
    body = "".join('  set %s = "%s"\n' % kv for kv in base.items())
    rc = T.write("accounts-rc", "account one\n" + body + "end\n" +
                 "account two\n" + body + "end\n")
    tui.start(rc, "-e 'set sidebar_visible=yes'")
    try:
        tui.wait(lambda s: "(live) one" in last_line(s) and
                 "|" in (line_with(s, "INBOX ") or ""),
                 "the first account, and the sidebar from -e")
        T.expect_eq(tui.quit(), "EXIT=0", "exit status")
        tui.start(rc, "-A two")
        tui.wait(lambda s: "(live) two" in last_line(s), "the account -A named")
        T.expect_eq(tui.quit(), "EXIT=0", "exit status")
    finally:
        tui.stop()


@T.case("next-account switches to the next account block: its session and INBOX")
def _():
    dc.deliver("bob@example.org", "INBOX",
               b"From: Carol <carol@example.net>\r\nTo: bob@example.org\r\n"
               b"Subject: Only in Bob's INBOX\r\n"
               b"Date: Mon, 4 Mar 2024 10:00:00 +0000\r\n\r\nHi Bob.\r\n")
    one = account_rc(dc)
    two = account_rc(dc, user="bob@example.org")
    body = lambda opts: "".join('  set %s = "%s"\n' % kv for kv in opts.items())
    rc = T.write("switch-rc", "bind index A next-account\n" +
                 "account one\n" + body(one) + "end\n" +
                 "account two\n" + body(two) + "end\n")
    tui.start(rc)
    try:
        tui.wait(lambda s: "(live) one" in last_line(s) and
                 "Welcome to crispin" in s, "the first account")
        tui.keys("A")
        text = tui.wait(lambda s: "(live) two" in last_line(s) and
                        "Only in Bob's INBOX" in s, "the second account's INBOX")
        T.expect("Welcome to crispin" not in text,
                 "alice's messages are still shown:\n" + text)
        tui.keys("A")
        tui.wait(lambda s: "(live) one" in last_line(s) and
                 "Welcome to crispin" in s, "back to the first account")
        T.expect_eq(tui.quit(), "EXIT=0", "exit status")
    finally:
        tui.stop()


@T.case("-R opens the folder read-only: a flag is refused and not stored")
def _():
    start("-R")
    m = other_client()
    try:
        T.expect("(read-only)" in tui.status(), tui.status())
        m.select("INBOX", readonly=True)
        before = m.search(None, "FLAGGED")[1][0].split()
        tui.keys("F")
        tui.wait(lambda s: "read-only" in last_line(s).split("--")[-1],
                 "the refusal on the status line")
        m.noop()
        T.expect_eq(m.search(None, "FLAGGED")[1][0].split(), before,
                    "flagged messages on the server")
        T.expect_eq(tui.quit(), "EXIT=0", "exit status")
    finally:
        try:
            m.logout()
        except Exception:
            pass
        tui.stop()


@T.case("-z exits at once on an empty folder; -Z opens the first with new mail")
def _():
    tui.start(write_rc(), "-f Empty -z")
    T.expect_eq(tui.exited(timeout=20), "EXIT=1", "exit status of -z")
    T.expect("Empty has no messages" in tui.screen(), tui.screen())
    rc = write_rc(extra="mailboxes Sent Projects/crispin\n")
    tui.start(rc, "-Z")
    try:
        tui.wait(lambda s: "Projects/crispin [Msgs:3" in last_line(s),
                 "the first of the mailboxes with new mail")
        T.expect_eq(tui.quit(), "EXIT=0", "exit status")
    finally:
        tui.stop()
    tui.start(write_rc(extra="mailboxes Sent Drafts\n"), "-Z")
    T.expect_eq(tui.exited(timeout=20), "EXIT=1", "exit status of -Z")
    T.expect("no folder has new mail" in tui.screen(), tui.screen())


@T.case("folder-hook runs its command when a matching folder opens")
def _():
    start(extra="folder-hook . 'set sort=date'\n"
                "folder-hook '^Projects/' 'set sort=reverse-date'\n")
    try:
        T.expect("(date)" in tui.status(), tui.status())
        tui.keys("c")
        tui.text("Projects/crispin")
        tui.keys("Enter")
        tui.wait(lambda s: "Projects/crispin [Msgs:3" in last_line(s) and
                 "(reverse-date)" in last_line(s), "the hook's sort")
        tui.keys("c")
        tui.text("INBOX")
        tui.keys("Enter")
        tui.wait(lambda s: "INBOX [Msgs" in last_line(s) and
                 "(date)" in last_line(s), "the catch-all hook's sort back")
        T.expect_eq(tui.quit(), "EXIT=0", "exit status")
    finally:
        tui.stop()


def start_raw(home, args):
    """crispin without -F, in a home with no rc file."""
    tui.stop()
    tui.n += 1
    tui.done = T.path("tui-done-%d" % tui.n)
    cmd = "%s %s; echo EXIT=$? > %s; sleep 30" % (T.crispin_path, args, tui.done)
    env = T.env({"HOME": home, "XDG_CONFIG_HOME": os.path.join(home, ".config")})
    pairs = ["%s=%s" % (k, v) for k, v in sorted(env.items())
             if k in ("HOME", "XDG_CONFIG_HOME", "PATH", "TMPDIR")
             or k.endswith("SAN_OPTIONS")]
    tui.tmux("new-session", "-d", "-s", "t", "-x", "120", "-y", "30",
             "env", *pairs, "LC_ALL=C.UTF-8", "TERM=screen-256color",
             "sh", "-c", cmd)


def answer(prompt, text):
    # A question after a long path wraps at the pane's width: join rows.
    tui.wait(lambda s: prompt in s.replace("\n", ""), "the question %r" % prompt)
    before = tui.screen().count(prompt)
    tui.text(text)
    tui.keys("Enter")
    return before


@T.case("the first run asks, checks the login and writes a 0600 rc file that works")
def _():
    home = T.path("first-run-home")
    os.makedirs(home)
    rc = os.path.join(home, ".config", "crispin", "crispinrc")
    start_raw(home, "")
    try:
        answer("Your name:", "Alice Example")
        answer("Your e-mail address:", "alice@example.org")
        tui.wait(lambda s: "IMAP server [imap.example.org]:" in s,
                 "the suggested server")
        answer("IMAP server", dc.host)
        tui.wait(lambda s: "Port (993: TLS; 143: STARTTLS) [993]:" in s,
                 "the suggested port")
        answer("Port", str(dc.imaps_port))
        answer("TLS from the first byte", "y")
        answer("User name [alice@example.org]:", "alice")
        answer("Password (to check the login):", dc.users["alice"])
        answer("A CA certificate file", dc.ca_file)
        tui.wait(lambda s: "Logged in." in s, "the login checked")
        answer("Keep the password in the file", "y")
        tui.wait(lambda s: "(live)" in last_line(s), "the interface started")
        T.expect_eq(tui.quit(), "EXIT=0", "exit status")
        T.expect_eq(stat.S_IMODE(os.stat(rc).st_mode), 0o600, "rc file mode")
        text = open(rc).read()
        T.expect('set from = "alice@example.org"' in text or
                 "set from = alice@example.org" in text, text)
        T.expect("imaps://alice@%s:%d/" % (dc.host, dc.imaps_port) in text, text)
        T.expect("# set imap_pass_cmd" in text, "the file is commented:\n" + text)
        # --setup again: nothing is replaced without a yes.
        start_raw(home, "--setup")
        answer("exists. Replace it", "n")
        T.expect_eq(tui.exited(), "EXIT=1", "exit status of a refused --setup")
        T.expect_eq(open(rc).read(), text, "the rc file untouched")
        T.expect(not os.path.exists(rc + ".bak"), "no backup without a change")
    finally:
        tui.stop()


T.main(setup=setup, teardown=teardown)

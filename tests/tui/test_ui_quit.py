#!/usr/bin/env python3
"""Leaving the interface as mutt does: q with messages marked deleted
asks "Purge N deleted messages?" (the `delete` quad) and purges them on
the server before it ends; answered no, they stay marked; x leaves
without asking; `quit = ask-yes` asks "Quit crispin?" first, and no
keeps the interface open."""

import imaplib
import os
import ssl
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from crispintest import Suite, account_rc  # noqa: E402
from dovecot import Dovecot  # noqa: E402
from tuitest import Tui, last_line, line_with  # noqa: E402

T = Suite(__file__)
dc = None
tui = None


def setup():
    global dc, tui
    dc = Dovecot().start()
    tui = Tui(T, width=100, height=24)


def teardown():
    if tui:
        tui.close()
    if dc:
        dc.stop()


def fill(folder, subjects):
    dc.create_folder("alice", folder)
    for i, subject in enumerate(subjects):
        dc.deliver("alice", folder, ("From: Ann <ann@example.net>\r\n"
                   "Subject: %s\r\nMessage-ID: <q%d.%s@example.net>\r\n"
                   "\r\nbody\r\n" % (subject, i, folder)).encode(),
                   flags="\\Seen")


def server(folder):
    """(subject, deleted?) of every message on the server."""
    ctx = ssl.create_default_context(cafile=dc.ca_file)
    m = imaplib.IMAP4_SSL("127.0.0.1", dc.imaps_port, ssl_context=ctx)
    m.login("alice", dc.users["alice"])
    m.select(folder, readonly=True)
    typ, data = m.fetch("1:*", "(FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    out = []
    for item in data:
        if isinstance(item, tuple):
            subject = item[1].decode().split(":", 1)[1].strip()
            out.append((subject, b"\\Deleted" in item[0]))
    m.logout()
    return sorted(out)


def start(folder, **more):
    tui.start(T.write_rc(account_rc(dc, delete_mode="mark", **more)),
              "-f " + folder)
    return tui.wait(lambda s: "(live" in last_line(s) and "Keep me" in s,
                    "the index of " + folder)


def delete_first(subject):
    tui.keys("=")
    tui.keys("d")
    tui.wait(lambda s: (line_with(s, subject) or "").split()[1:2] == ["D"],
             "the message marked deleted")


@T.case("q asks to purge the deleted message, yes expunges it and ends")
def _():
    fill("PurgeYes", ["Gone soon", "Keep me"])
    start("PurgeYes")
    delete_first("Gone soon")
    tui.keys("q")
    tui.wait(lambda s: "Purge 1 deleted message?" in last_line(s),
             "the delete question")
    tui.keys("y")
    T.expect_eq(tui.exited(), "EXIT=0", "exit status")
    T.expect_eq(server("PurgeYes"), [("Keep me", False)],
                "the deleted message is gone from the server")


@T.case("q answered no keeps the message marked; x never asks")
def _():
    fill("PurgeNo", ["Marked only", "Keep me"])
    start("PurgeNo")
    delete_first("Marked only")
    tui.keys("q")
    tui.wait(lambda s: "Purge 1 deleted message?" in last_line(s),
             "the delete question")
    tui.keys("n")
    T.expect_eq(tui.exited(), "EXIT=0", "exit status")
    T.expect_eq(server("PurgeNo"), [("Keep me", False), ("Marked only", True)],
                "still there, still marked")
    start("PurgeNo")
    tui.keys("x")
    T.expect_eq(tui.exited(), "EXIT=0", "x leaves at once")
    T.expect_eq(server("PurgeNo"), [("Keep me", False), ("Marked only", True)],
                "x purged nothing")


@T.case("quit = ask-yes asks first; no keeps the interface open")
def _():
    fill("AskQuit", ["Keep me"])
    start("AskQuit", quit="ask-yes")
    tui.keys("q")
    tui.wait(lambda s: "Quit crispin?" in last_line(s), "the quit question")
    tui.keys("n")
    tui.wait(lambda s: "Quit crispin?" not in last_line(s) and "Keep me" in s,
             "still the index")
    tui.keys("q")
    tui.wait(lambda s: "Quit crispin?" in last_line(s), "asked again")
    tui.keys("y")
    T.expect_eq(tui.exited(), "EXIT=0", "exit status")


def running(pid):
    """Whether pid is alive (a zombie has ended)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@T.case("a terminal that goes away ends crispin instead of a busy loop")
def _():
    import time
    fill("Hangup", ["Keep me"])
    rc = T.write_rc(account_rc(dc))
    env = T.env(None)
    pairs = ["%s=%s" % (k, v) for k, v in sorted(env.items())
             if k in ("HOME", "XDG_CACHE_HOME", "PATH") or k.endswith("SAN_OPTIONS")]
    # SIGHUP ignored, as under nohup: only the end of the terminal's
    # input tells crispin that nobody is there any more.
    tui.tmux("new-session", "-d", "-s", "h", "-x", "100", "-y", "24", "env",
             *pairs, "LC_ALL=C.UTF-8", "TERM=screen-256color", "sh", "-c",
             "trap '' HUP; exec %s -F %s -f Hangup" % (T.crispin_path, rc))
    pid = int(tui.tmux("list-panes", "-t", "h", "-F", "#{pane_pid}").stdout.split()[0])
    deadline = time.monotonic() + 20
    while "Keep me" not in tui.tmux("capture-pane", "-p", "-t", "h", check=False).stdout:
        T.expect(time.monotonic() < deadline, "the index never showed")
        time.sleep(0.1)
    tui.tmux("kill-session", "-t", "h")
    deadline = time.monotonic() + 10
    while running(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    alive = running(pid)
    if alive:
        os.kill(pid, 9)
    T.expect(not alive, "crispin still runs after its terminal went away")


if __name__ == "__main__":
    T.main(setup, teardown)

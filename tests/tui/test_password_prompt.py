#!/usr/bin/env python3
"""The password prompt on the terminal: crispin asks when the rc file has
no password, the typed password is not echoed, and the login works. Runs
the real binary in tmux."""

import os
import shutil
import subprocess
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from crispintest import Suite, account_rc  # noqa: E402
from dovecot import Dovecot  # noqa: E402

T = Suite(__file__)
dc = None
SOCKET = "crispin-tui-%d" % os.getpid()


def tmux(*args, check=True):
    return subprocess.run(["tmux", "-L", SOCKET] + list(args), check=check,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True)


def screen():
    return tmux("capture-pane", "-p", "-t", "t", check=False).stdout


def wait_screen(pred, what, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = screen()
        if pred(text):
            return text
        time.sleep(0.1)
    raise AssertionError("timed out waiting for %s; screen:\n%s" % (what, screen()))


def setup():
    global dc
    if not shutil.which("tmux"):
        raise RuntimeError("tmux is not installed")
    dc = Dovecot().start()
    # A spare session keeps the tmux server alive between cases; without
    # it killing the last session races with starting the next one.
    tmux("new-session", "-d", "-s", "spare", "sleep", "3600")


def teardown():
    tmux("kill-server", check=False)
    if dc:
        dc.stop()


def run_in_tmux(rcfile, done_file):
    cmd = "%s -F %s folders; echo EXIT=$? > %s; sleep 30" % (
        T.crispin_path, rcfile, done_file)
    env = T.env()
    tmux("new-session", "-d", "-s", "t", "-x", "100", "-y", "20",
         "env", "HOME=%s" % env["HOME"], "LC_ALL=C.UTF-8", "sh", "-c", cmd)


@T.case("prompts for the password without echo and logs in")
def _():
    password = dc.users["alice"]
    rc = T.write_rc(account_rc(dc, password=False))
    done = T.path("done")
    run_in_tmux(rc, done)
    try:
        wait_screen(lambda s: "Password for alice@127.0.0.1:" in s, "the prompt")
        tmux("send-keys", "-t", "t", "-l", password)
        tmux("send-keys", "-t", "t", "Enter")
        text = wait_screen(lambda s: "INBOX" in s, "the folder list")
        T.expect(password not in text, "the password was echoed:\n" + text)
        deadline = time.monotonic() + 10
        while not os.path.exists(done) and time.monotonic() < deadline:
            time.sleep(0.1)
        with open(done) as f:
            T.expect_eq(f.read().strip(), "EXIT=0", "exit status")
    finally:
        tmux("kill-session", "-t", "t", check=False)


@T.case("a wrong password typed at the prompt: exit 6")
def _():
    rc = T.write_rc(account_rc(dc, password=False))
    done = T.path("done")
    run_in_tmux(rc, done)
    try:
        wait_screen(lambda s: "Password for" in s, "the prompt")
        tmux("send-keys", "-t", "t", "-l", "not-the-password")
        tmux("send-keys", "-t", "t", "Enter")
        wait_screen(lambda s: "authentication" in s, "the error")
        deadline = time.monotonic() + 10
        while not os.path.exists(done) and time.monotonic() < deadline:
            time.sleep(0.1)
        with open(done) as f:
            T.expect_eq(f.read().strip(), "EXIT=6", "exit status")
        T.expect("not-the-password" not in screen(), "the password was echoed")
    finally:
        tmux("kill-session", "-t", "t", check=False)


T.main(setup=setup, teardown=teardown)

#!/usr/bin/env python3
"""Colours from the rc file on terminals with 8, 256 and direct (true)
colours: a 256-colour index (color196) and an RGB value (#00c000) are
drawn as RGB on a direct-colour terminal, as palette entries on a
256-colour one, and brought down to the nearest of the 8 basic colours
(red, green) on an 8-colour one, never to white."""

import os
import subprocess
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


def setup():
    global dc, tui
    dc = Dovecot().start()
    for i, subject in enumerate(["Red alert", "Green light", "Plain note"]):
        dc.deliver("alice", "INBOX", ("From: Ann <ann@example.net>\r\n"
                   "Subject: %s\r\nMessage-ID: <c%d@example.net>\r\n"
                   "\r\nbody\r\n" % (subject, i)).encode(), flags="\\Seen")
    tui = Tui(T, width=100, height=24)


def teardown():
    if tui:
        tui.close()
    if dc:
        dc.stop()


def colours(term):
    rc = T.write("crispinrc-" + term, rc_text(account_rc(dc)) +
                 'color index color196 default "subject:red"\n'
                 'color index "#00c000" default "subject:green"\n')
    tui.start(rc, term=term)
    tui.wait(lambda s: "(live" in last_line(s) and "Plain note" in s,
             "the index on " + term)
    # The cursor's row is in the indicator colour: leave it on the plain one.
    tui.keys("*")
    deadline = time.monotonic() + 10
    while True:
        sgr = tui.screen(escapes=True)
        if "\x1b[7m" in (line_with(sgr, "Plain note") or ""):
            break
        T.expect(time.monotonic() < deadline, "the cursor never reached the "
                 "last row:\n" + sgr)
        if time.monotonic() >= deadline:
            break
        time.sleep(0.1)
    T.expect_eq(tui.quit(), "EXIT=0", "exit status")
    return line_with(sgr, "Red alert"), line_with(sgr, "Green light")


@T.case("a 256-colour terminal gets the colours as set")
def _():
    red, green = colours("screen-256color")
    T.expect("\x1b[38;5;196m" in red, "color196: %r" % red)
    # #00c000 in the 6x6x6 cube: green at level 4 of 0-5.
    T.expect("\x1b[38;5;40m" in green, "#00c000: %r" % green)


@T.case("a direct-colour terminal gets the RGB value itself")
def _():
    T.expect(subprocess.run(["infocmp", "xterm-direct"],
                            capture_output=True).returncode == 0,
             "no xterm-direct terminfo: contrib/deps.sh installs ncurses-term")
    red, green = colours("xterm-direct")
    T.expect("\x1b[38;2;255;0;0m" in red, "color196 as RGB: %r" % red)
    T.expect("\x1b[38;2;0;192;0m" in green, "#00c000 as it is: %r" % green)


@T.case("an 8-colour terminal gets the nearest basic colour")
def _():
    red, green = colours("screen")
    T.expect("\x1b[31m" in red, "color196 as red: %r" % red)
    T.expect("\x1b[32m" in green, "#00c000 as green: %r" % green)


if __name__ == "__main__":
    T.main(setup, teardown)

#!/usr/bin/env python3
"""The pager keeps its place when the link drops and comes back: the
message being read stays on screen at the same line while the index
behind it is rebuilt from the cache and then from the server, and q then
goes back to an index whose cursor is on the same message."""

import os
import re
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from crispintest import Suite, account_rc, rc_text  # noqa: E402
from dovecot import Dovecot  # noqa: E402
from linkproxy import LinkProxy  # noqa: E402
from tuitest import Tui, last_line  # noqa: E402

T = Suite(__file__)
dc = None
tui = None
proxy = None
REVERSE = re.compile(r"\x1b\[[0-9;]*7[0-9;]*m")


def message(n, subject, lines):
    body = "".join("Line %03d of %s.\r\n" % (i, subject.lower())
                   for i in range(1, lines + 1))
    return ("From: Ann Example <ann@example.net>\r\n"
            "To: Alice <alice@example.org>\r\n"
            "Subject: %s\r\n"
            "Date: Tue, 0%d Nov 2026 14:05:00 +0000\r\n"
            "Message-ID: <long.%d@example.net>\r\n"
            "\r\n%s" % (subject, n, n, body)).encode()


def setup():
    global dc, tui, proxy
    tui = Tui(T)
    dc = Dovecot().start()
    dc.deliver("alice", "INBOX", message(1, "First story", 10), flags="\\Seen")
    dc.deliver("alice", "INBOX", message(2, "Long story", 150), flags="\\Seen")
    dc.deliver("alice", "INBOX", message(3, "Third story", 10), flags="\\Seen")
    proxy = LinkProxy("127.0.0.1", dc.imaps_port)


def teardown():
    if tui:
        tui.close()
    if proxy:
        proxy.stop()
    if dc:
        dc.stop()


def rc():
    opts = account_rc(dc, cache_dir=T.path("cache"), keepalive="1",
                      timeout="2", connect_timeout="3", reconnect_max_delay="2")
    opts["imap_url"] = "imaps://alice@127.0.0.1:%d/" % proxy.port
    return T.write("crispinrc", rc_text(opts))


def top_line(s):
    return s.splitlines()[0] if s else ""


def cursor_line():
    for line in tui.screen(escapes=True).splitlines():
        if REVERSE.search(line) and "-- crispin:" not in line:
            return re.sub(r"\x1b\[[0-9;]*m", "", line)
    return None


@T.case("a cut link and its return leave the pager on the same message at "
        "the same line, and the index cursor on it")
def _():
    tui.start(rc())
    tui.wait(lambda s: "(live)" in last_line(s) and "Long story" in s and
             "Third story" in s, "the index, live")
    tui.keys("j", "Enter")
    tui.wait(lambda s: "Line 001 of long story." in s, "the pager")
    # Two pages down and three lines: somewhere in the middle.
    tui.keys("Space", "Space", "Enter", "Enter", "Enter")
    text = tui.wait(lambda s: top_line(s).startswith("Line ") and
                    "Line 001 " not in s, "scrolled")
    tui.keys("Enter")
    text = tui.wait(lambda s: top_line(s) != top_line(text), "one more line")
    place = top_line(text)
    T.expect(re.fullmatch(r"Line \d{3} of long story\.", place.strip()),
             "top line: %r" % place)
    proxy.cut()
    text = tui.wait(lambda s: "reconnecting in" in last_line(s),
                    "the reconnecting state", timeout=15)
    T.expect_eq(top_line(text), place, "top line while the link is down")
    proxy.resume()
    text = tui.wait(lambda s: "(live)" in last_line(s), "live again", timeout=20)
    T.expect_eq(top_line(text), place, "top line once reconnected")
    # Still the pager: a line down goes on from there.
    n = int(place.split()[1])
    tui.keys("Enter")
    tui.wait(lambda s: top_line(s).startswith("Line %03d " % (n + 1)),
             "the next line from the same place")
    tui.keys("q")
    tui.wait(lambda s: "Third story" in s and "First story" in s, "the index")
    T.expect("Long story" in (cursor_line() or ""),
             "the cursor is on %r" % cursor_line())
    T.expect_eq(tui.quit(), "EXIT=0", "exit status")


T.main(setup=setup, teardown=teardown)

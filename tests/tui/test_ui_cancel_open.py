#!/usr/bin/env python3
"""Ctrl-G while a big folder loads over a slow link: no more headers are
asked for, the batches already asked for still arrive, the link goes
quiet, the index keeps what arrived and the cache holds it (part of the
folder); the next open fetches the rest."""

import os
import re
import sys
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, os.path.join(HERE, "..", "bench"))
from crispintest import Suite, account_rc, rc_text  # noqa: E402
from dovecot import Dovecot  # noqa: E402
from delayproxy import DelayProxy  # noqa: E402
from sync import fill_maildir  # noqa: E402
from tuitest import Tui, last_line  # noqa: E402

T = Suite(__file__)
COUNT = 8000
LOADING = re.compile(r" loading \d+/\d+")
dc = None
tui = None
proxy = None
CACHE = None


def setup():
    global dc, tui, proxy, CACHE
    tui = Tui(T)
    dc = Dovecot().start()
    fill_maildir(dc, "alice", COUNT, seed=5)
    # 4 Mbit/s: the whole index (about 4 MB) would take 8 s.
    proxy = DelayProxy(dc.imaps_port, 5, rate_mbit=4).start()
    CACHE = T.path("cache")


def teardown():
    if tui:
        tui.close()
    if proxy:
        proxy.stop()
    if dc:
        dc.stop()


def rc():
    opts = account_rc(dc, cache_dir=CACHE)
    opts["imap_url"] = "imaps://alice@127.0.0.1:%d/" % proxy.port
    return T.write("crispinrc", rc_text(opts))


def quiet(seconds):
    """Waits until the proxy has carried nothing for seconds; returns the
    bytes it carried so far."""
    deadline = time.monotonic() + 60
    last, since = proxy.bytes_down, time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.1)
        if proxy.bytes_down != last:
            last, since = proxy.bytes_down, time.monotonic()
        elif time.monotonic() - since >= seconds:
            return last
    raise AssertionError("the link never went quiet")


def cached_count(rcfile):
    r = T.crispin("--offline", "list", rcfile=rcfile)
    T.expect_code(r, 0)
    return len([l for l in r.out.splitlines() if l.strip()])


@T.case("Ctrl-G stops the header fetch: the link goes quiet, the index and "
        "the cache keep what arrived, the next open fetches the rest")
def _():
    rcfile = rc()
    start = proxy.bytes_down
    tui.start(rcfile)
    tui.wait(lambda s: LOADING.search(last_line(s)), "the folder loading",
             timeout=30)
    tui.keys("C-g")
    tui.wait(lambda s: "Stopped loading INBOX" in last_line(s), "the note")
    tui.wait(lambda s: not LOADING.search(last_line(s)) and
             "[Msgs:%d" % COUNT in last_line(s) and "(live)" in last_line(s),
             "the open finished, idling", timeout=60)
    got = quiet(1.5) - start
    T.expect_eq(tui.quit(), "EXIT=0", "exit status")
    n = cached_count(rcfile)
    T.expect(0 < n < COUNT * 3 // 4, "%d of %d messages cached after Ctrl-G "
             "(%d bytes came)" % (n, COUNT, got))
    # Opened again: the rest comes, and only the rest.
    before = proxy.bytes_down
    tui.start(rcfile)
    tui.wait(lambda s: "(live)" in last_line(s) and not LOADING.search(
             last_line(s)) and "opening" not in last_line(s), "the complete open",
             timeout=60)
    T.expect_eq(tui.quit(), "EXIT=0", "exit status")
    T.expect_eq(cached_count(rcfile), COUNT, "messages cached after the second open")
    rest = proxy.bytes_down - before
    T.expect(rest < (COUNT - n) * 700 + 200000, "the second open took %d bytes "
             "for %d messages" % (rest, COUNT - n))


T.main(setup=setup, teardown=teardown)

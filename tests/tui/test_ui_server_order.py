#!/usr/bin/env python3
"""A cold open with sort = threads over a slow link: the interface asks
Dovecot for UID THREAD REFERENCES, fetches the first screen of that tree
before the newest-first batches (which wait for its answer), and draws it
threaded (tree lines, in
the server's order) while the rest is still loading; once everything is
here the local threading takes over."""

import os
import re
import sys

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
COUNT = 3000
LOADING = re.compile(r" loading \d+/\d+")
ROW = re.compile(r"^R <([^>]+)> ", re.M)
dc = None
tui = None
proxy = None


def add_thread(dc):
    """A thread of three older than the rest: the top of the tree."""
    cur = os.path.join(dc.maildir("alice"), "cur")
    parent = None
    for n, when in enumerate((1500000000, 1500000600, 1500001200)):
        msg = ("From: Old <old@example.net>\nTo: alice@example.org\n"
               "Subject: %sthe oldest thread\n"
               "Date: Fri, 14 Jul 2017 02:%02d:00 +0000\n"
               "Message-ID: <old-%d@example.net>\n%s\nbody\n" % (
                   "Re: " if parent else "", 40 + n * 10, n,
                   "In-Reply-To: %s\n" % parent if parent else ""))
        parent = "<old-%d@example.net>" % n
        path = os.path.join(cur, "%d.M%dP2.old:2,S" % (when, n))
        with open(path, "w") as f:
            f.write(msg)
        os.utime(path, (when, when))
        if os.geteuid() == 0:
            os.chown(path, dc.mail_uid, dc.mail_gid)


def setup():
    global dc, tui, proxy
    tui = Tui(T)
    dc = Dovecot().start()
    fill_maildir(dc, "alice", COUNT, seed=9)
    add_thread(dc)
    # 3 Mbit/s: the whole index (about 2 MB) takes seconds, the first
    # screen a fraction of one.
    proxy = DelayProxy(dc.imaps_port, 5, rate_mbit=3).start()


def teardown():
    if tui:
        tui.close()
    if proxy:
        proxy.stop()
    if dc:
        dc.stop()


def message_ids(trace):
    """UID -> Message-ID from the header fields in the trace."""
    ids, uid = {}, None
    for line in trace.splitlines():
        m = re.match(r"S: \* \d+ FETCH \(UID (\d+) ", line)
        if m:
            uid = int(m.group(1))
            continue
        m = re.match(r"S: Message-ID: <([^>]+)>", line, re.I)
        if m and uid is not None:
            ids[uid] = m.group(1)
            uid = None
    return ids


@T.case("sort = threads, cold: the server's tree on the first screen while "
        "the folder loads")
def _():
    opts = account_rc(dc, cache_dir=T.path("cache"), sort="threads",
                      index_format="R %i %s")
    opts["imap_url"] = "imaps://alice@127.0.0.1:%d/" % proxy.port
    rcfile = T.write("crispinrc", rc_text(opts))
    trace = T.path("trace")
    tui.start(rcfile, "--trace %s" % trace)
    first = tui.wait(lambda s: LOADING.search(last_line(s)) and
                     len(ROW.findall(s)) >= 10, "threaded rows while loading",
                     timeout=30)
    T.expect(re.search(r"[└├]─[>?]", first), "tree lines on the first screen:\n"
             + first)
    shown = ROW.findall(first)
    tui.wait(lambda s: "(live)" in last_line(s) and
             not LOADING.search(last_line(s)), "the complete open", timeout=90)
    T.expect_eq(tui.quit(), "EXIT=0", "exit status")
    with open(trace, encoding="utf-8", errors="replace") as f:
        text = f.read()
    sent = re.findall(r"^C: \S+ (UID THREAD|UID FETCH|FETCH) ", text, re.M)
    T.expect(sent[:2] == ["UID THREAD", "UID FETCH"],
             "THREAD, then the first screen's FETCH first: %s" % sent[:4])
    # Its answer comes alone: the batches go after its tagged OK.
    lines = text.splitlines()
    fetch = [i for i, line in enumerate(lines)
             if re.match(r"^C: \S+ (UID )?FETCH ", line)]
    tag = lines[fetch[0]].split()[1]
    ok = next((i for i in range(fetch[0], len(lines))
               if re.match(r"^S: %s OK" % re.escape(tag), lines[i])), None)
    T.expect(ok is not None and len(fetch) > 1 and fetch[1] > ok,
             "the next FETCH (line %s) after the first screen's OK (line %s)"
             % (fetch[1:2], ok))
    m = re.search(r"^S: \* THREAD (.*?)\r?$", text, re.M)
    T.expect(m, "Dovecot's THREAD answer in the trace")
    order = [int(u) for u in re.findall(r"\d+", m.group(1))]
    ids = message_ids(text)
    T.expect_eq(shown, [ids[u] for u in order[:len(shown)]],
                "the first screen is the top of the server's tree")


T.main(setup=setup, teardown=teardown)

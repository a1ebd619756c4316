#!/usr/bin/env python3
"""A partial cache (the newest 1000 of a big folder, from `crispin list
--limit 1000`) opened with sort = subject over a slow link: the interface
sends UID SORT right behind the SELECT instead of listing the UIDs, fetches
the messages of the sort's first page that the cache lacks, alone, then
the rest of the missing ones, and shows the server's order until the
folder is complete."""

import os
import re
import sys

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, os.path.join(HERE, "..", "bench"))
from crispintest import (Suite, account_rc, cache_record, cache_rows,  # noqa: E402
                         rc_text)
from dovecot import Dovecot  # noqa: E402
from delayproxy import DelayProxy  # noqa: E402
from sync import fill_maildir  # noqa: E402
from tuitest import Tui, last_line  # noqa: E402

T = Suite(__file__)
COUNT = 3000
CACHED = 1000
# The interface's first page is a screen: as many messages as the
# terminal has rows.
PAGE = 30
LOADING = re.compile(r" loading \d+/\d+")
ROW = re.compile(r"^R <([^>]+)> ", re.M)
dc = None
tui = None
proxy = None


def setup():
    global dc, tui, proxy
    tui = Tui(T)
    dc = Dovecot().start()
    fill_maildir(dc, "alice", COUNT, seed=11)
    # 3 Mbit/s: the missing headers (about 2 MB) take seconds.
    proxy = DelayProxy(dc.imaps_port, 5, rate_mbit=3).start()


def teardown():
    if tui:
        tui.close()
    if proxy:
        proxy.stop()
    if dc:
        dc.stop()


def cached(cache):
    """UID -> Message-ID (without <>) of INBOX's cached records."""
    return {uid: (cache_record(rec)["message_id"] or "").strip("<>")
            for uid, rec in cache_rows(cache, "INBOX", "m.uid, m.record")}


def header_fetches(lines):
    """(line, line of the tagged answer, UIDs) of each header UID FETCH."""
    out = []
    for i, line in enumerate(lines):
        m = re.match(r"^C: (\S+) UID FETCH (\S+) \(.*HEADER\.FIELDS", line)
        if not m:
            continue
        done = next((j for j in range(i + 1, len(lines))
                     if lines[j].startswith("S: %s " % m.group(1))), None)
        uids = set()
        for part in m.group(2).split(","):
            lo, _, hi = part.partition(":")
            uids.update(range(int(lo), int(hi or lo) + 1))
        out.append((i, done, uids))
    return out


@T.case("sort = subject on a partial cache: UID SORT, the missing of its "
        "first page alone, then the rest; the server's order while loading")
def _():
    cache = T.path("cache")
    opts = account_rc(dc, cache_dir=cache, index_format="R %i %s")
    opts["imap_url"] = "imaps://alice@127.0.0.1:%d/" % proxy.port
    r = T.crispin("list", "--limit", str(CACHED), rc=opts)
    T.expect_code(r, 0)
    have = set(cached(cache))
    T.expect_eq(have, set(range(COUNT - CACHED + 1, COUNT + 1)),
                "a partial cache of the newest %d" % CACHED)
    opts["sort"] = "subject"
    rcfile = T.write("crispinrc", rc_text(opts))
    trace = T.path("trace")
    tui.start(rcfile, "--trace %s" % trace, height=PAGE)
    loading = []

    def complete(s):
        if LOADING.search(last_line(s)):
            loading.append(ROW.findall(s))
        return "(live)" in last_line(s) and not LOADING.search(last_line(s))
    tui.wait(complete, "the complete open", timeout=90)
    T.expect_eq(tui.quit(), "EXIT=0", "exit status")
    with open(trace, encoding="utf-8", errors="replace") as f:
        lines = f.read().splitlines()
    sort = next((i for i, line in enumerate(lines)
                 if re.match(r"^C: \S+ UID SORT \(", line)), None)
    T.expect(sort is not None, "UID SORT sent for the partial cache")
    T.expect(not any(re.match(r"^C: \S+ UID SEARCH", line) for line in lines),
             "no UID SEARCH: the SORT answer lists the UIDs")
    order = next(([int(u) for u in line.split()[3:]] for line in lines
                  if line.startswith("S: * SORT ")), [])
    T.expect_eq(sorted(order), list(range(1, COUNT + 1)), "every UID sorted")
    missing = set(order[:PAGE]) - have
    T.expect(missing and missing != set(order[:PAGE]),
             "the first page mixes cached and missing (%d missing)" % len(missing))
    f = header_fetches(lines)
    T.expect(len(f) >= 2 and f[0][0] > sort, "header FETCHes after the SORT")
    T.expect_eq(f[0][2], missing, "the first asks for the first page's missing")
    T.expect(f[0][1] is not None and all(x[0] > f[0][1] for x in f[1:]),
             "the others go after its answer")
    T.expect_eq(sorted(u for x in f for u in x[2]),
                sorted(set(range(1, COUNT + 1)) - have),
                "every missing UID fetched, once")
    ids = cached(cache)
    T.expect_eq(len(ids), COUNT, "complete in the cache")
    want = [ids[u] for u in order]
    pos = {mid: i for i, mid in enumerate(want)}
    T.expect(loading, "screens seen while loading")
    T.expect(all([pos[m] for m in rows] == sorted(pos[m] for m in rows)
                 for rows in loading), "rows in the server's order while loading")
    T.expect(any(len(rows) >= 10 and rows == want[:len(rows)]
                 for rows in loading),
             "a loading screen whose rows are the server's first page")


T.main(setup=setup, teardown=teardown)

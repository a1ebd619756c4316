#!/usr/bin/env python3
"""Opening a big folder against Dovecot: `crispin list --limit N` fetches
the index fields of the newest N messages only, and a later full list
fetches just the rest; a cold open cut short (the process killed halfway
through the header batches, on a slow link) keeps the batches that
arrived, and the next open fetches only the UIDs the cache lacks (checked
in the protocol trace)."""

import os
import re
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, os.path.join(HERE, "..", "bench"))
from crispintest import Suite, account_rc, cache_rows  # noqa: E402
from delayproxy import DelayProxy  # noqa: E402
from dovecot import Dovecot  # noqa: E402

T = Suite(__file__)
FOLDER = "Big"
NMSG = 1500
dc = None


def message(n):
    return ("From: Sender %d <sender%d@example.net>\n"
            "To: alice@example.org\n"
            "Subject: big folder message %d with a longer subject line %s\n"
            "Date: Tue, 05 Mar 2024 10:%02d:00 +0000\n"
            "Message-ID: <big-%d@crispin.example>\n"
            "References: <big-%d@crispin.example> <thread-%d@crispin.example>\n"
            "\n"
            "body %d\n" % (n, n % 7, n, "x" * 40, n % 60, n, n - 1, n % 13, n))


def setup():
    global dc
    dc = Dovecot().start()
    dc.create_folder("alice", FOLDER)
    for n in range(1, NMSG + 1):
        dc.deliver("alice", FOLDER, message(n),
                   flags="\\Seen" if n % 3 == 0 else "",
                   date=1709632800 + n)


def teardown():
    if dc:
        dc.stop()


def header_uids(trace):
    """UIDs whose header fields came over the wire, in order."""
    return [int(u) for u in re.findall(
        r"^S: \* \d+ FETCH \(.*?UID (\d+).*HEADER\.FIELDS", trace, re.M)]


def cached_uids(cache):
    return {r[0] for r in cache_rows(cache, FOLDER)}


def listed_uids(out):
    return [int(line.split("\t")[0]) for line in out.splitlines() if line]


@T.case("list --limit fetches only the newest N; the next list only the rest")
def _():
    cache = T.path("limit-cache")
    rc = account_rc(dc, cache_dir=cache)
    r = T.crispin("list", "-f", FOLDER, "--limit", "7", rc=rc)
    T.expect_code(r, 0)
    T.expect_eq(listed_uids(r.out), list(range(NMSG - 6, NMSG + 1)),
                "the newest 7, oldest first")
    T.expect_eq(sorted(header_uids(r.trace)), list(range(NMSG - 6, NMSG + 1)),
                "header fields fetched for the 7 only")
    T.expect_eq(cached_uids(cache), set(range(NMSG - 6, NMSG + 1)), "cached")
    # A smaller limit on the same cache: nothing to fetch.
    r = T.crispin("list", "-f", FOLDER, "--limit", "3", rc=rc)
    T.expect_code(r, 0)
    T.expect_eq(listed_uids(r.out), list(range(NMSG - 2, NMSG + 1)), "newest 3")
    T.expect_eq(header_uids(r.trace), [], "nothing fetched for --limit 3")
    r = T.crispin("list", "-f", FOLDER, rc=rc)
    T.expect_code(r, 0)
    T.expect_eq(listed_uids(r.out), list(range(1, NMSG + 1)), "the whole folder")
    fetched = header_uids(r.trace)
    T.expect_eq(sorted(fetched), list(range(1, NMSG - 6)),
                "only the messages the cache lacked")
    r = T.crispin("list", "-f", FOLDER, rc=rc)
    T.expect_code(r, 0)
    T.expect_eq(len(listed_uids(r.out)), NMSG, "warm count")
    T.expect_eq(header_uids(r.trace), [], "a complete cache: nothing fetched")
    T.expect(re.search(r"^C: \S+ EXAMINE .*\(QRESYNC \(", r.trace, re.M),
             "complete again: a QRESYNC open")


@T.case("a cold open killed halfway keeps its batches; the next fetches the rest")
def _():
    cache = T.path("resume-cache")
    # 1 Mbit/s: the folder's index takes seconds to arrive, long after the
    # first batch (the kill comes then, however busy the machine).
    proxy = DelayProxy(dc.imaps_port, 5, rate_mbit=1)
    proxy.start()
    try:
        # The cache is per account, host and port: the proxy's, both times.
        rc = account_rc(dc, cache_dir=cache)
        rc["imap_url"] = "imaps://alice@127.0.0.1:%d/" % proxy.port
        rc["imap_compress"] = "no"
        rcfile = T.write_rc(rc)
        cmd = [T.crispin_path, "-F", rcfile, "list", "-f", FOLDER]
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, env=T.env(),
                             cwd=T.workdir)
        have = set()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and p.poll() is None:
            have = cached_uids(cache)
            if len(have) >= 100:
                break
            time.sleep(0.02)
        p.send_signal(signal.SIGKILL)
        p.wait()
        have = cached_uids(cache)
        T.expect(100 <= len(have) < NMSG,
                 "killed halfway: %d of %d cached" % (len(have), NMSG))
        T.expect(max(have) == NMSG, "the newest came first: %d" % max(have))
        proxy.byte_time = 0.0       # full speed for the reopen
        r = T.crispin("list", "-f", FOLDER, rcfile=rcfile)
    finally:
        proxy.stop()
    T.expect_code(r, 0)
    T.expect_eq(listed_uids(r.out), list(range(1, NMSG + 1)), "the whole folder")
    fetched = header_uids(r.trace)
    T.expect_eq(set(fetched) & have, set(),
                "UIDs cached before the kill fetched again")
    T.expect_eq(sorted(fetched), sorted(set(range(1, NMSG + 1)) - have),
                "the missing UIDs fetched, once each")
    T.expect(re.search(r"^C: \S+ UID SEARCH", r.trace, re.M),
             "a partial cache asks the server for its UIDs")


T.main(setup=setup, teardown=teardown)

#!/usr/bin/env python3
"""A cold open in the index's order: with sort = subject (or threads),
`crispin list --limit N` on an empty cache asks Dovecot for UID SORT (UID
THREAD), fetches the header fields of the first N UIDs of its answer only,
and prints them in that order; a server without SORT gets today's newest
first (checked in the protocol trace). A partial cache (an open killed
halfway) resumes in the server's order too: UID SORT, then the missing
messages of its first page, then the rest. Whatever the order, the first
page's FETCH is answered alone: nothing more is asked until its tagged
OK."""

import os
import re
import shutil
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
FOLDER = "Sorted"
NMSG = 40
# Big enough for a first page and a batch behind it, and for a cold
# open to be killed between the two on a slow link.
BIG = "Resume"
NBIG = 600
NOSORT_CAPS = "IMAP4rev1 SASL-IR LITERAL+ ID ENABLE IDLE UIDPLUS NAMESPACE " \
    "ESEARCH CONDSTORE QRESYNC"
WORDS = ["kiwi", "apple", "mango", "banana", "cherry", "date", "fig", "grape",
         "lemon", "olive", "peach", "quince", "zucchini"]
servers = {}


def message(n):
    # Subjects out of UID order, some with reply prefixes; every third a
    # reply to the message two before it, so THREAD has branches.
    subject = "%s%s %02d" % ("Re: " if n % 4 == 0 else "",
                             WORDS[(n * 7) % len(WORDS)], n)
    refs = ("In-Reply-To: <ord-%d@crispin.example>\n" % (n - 2)
            if n % 3 == 0 and n > 2 else "")
    return ("From: Sender %d <sender%d@example.net>\n"
            "To: alice@example.org\n"
            "Subject: %s\n"
            "Date: Tue, 05 Mar 2024 10:%02d:00 +0000\n"
            "Message-ID: <ord-%d@crispin.example>\n%s"
            "\n"
            "body %d\n" % (n, n, subject, n % 60, n, refs, n))


def big_subject(n):
    # The first page by subject mixes the newest UIDs with older ones.
    return "%s%s %03d" % ("Re: " if n % 4 == 0 else "",
                          WORDS[(n * 7) % len(WORDS)], n)


def big_message(n):
    return ("From: Sender %d <sender%d@example.net>\n"
            "To: alice@example.org\n"
            "Subject: %s\n"
            "Date: Tue, 05 Mar 2024 10:%02d:00 +0000\n"
            "Message-ID: <big-%d@crispin.example>\n"
            "\n"
            "body %d\n" % (n, n, big_subject(n), n % 60, n, n))


def big_order():
    """The folder by base subject (RFC 5256), computed here."""
    return sorted(range(1, NBIG + 1), key=lambda n: re.sub(
        r"^(re: )+", "", big_subject(n).lower()))


def setup():
    servers["sort"] = Dovecot().start()
    servers["nosort"] = Dovecot(imap_capability=NOSORT_CAPS).start()
    for dc in servers.values():
        dc.create_folder("alice", FOLDER)
        for n in range(1, NMSG + 1):
            dc.deliver("alice", FOLDER, message(n), date=1709632800 + n)
    servers["sort"].create_folder("alice", BIG)
    for n in range(1, NBIG + 1):
        servers["sort"].deliver("alice", BIG, big_message(n),
                                date=1709632800 + n)


def teardown():
    for dc in servers.values():
        dc.stop()


def header_uids(trace):
    """UIDs whose header fields came over the wire, in order."""
    return [int(u) for u in re.findall(
        r"^S: \* \d+ FETCH \(.*?UID (\d+).*HEADER\.FIELDS", trace, re.M)]


def listed_uids(out):
    return [int(line.split("\t")[0]) for line in out.splitlines() if line]


def cached_in(cache, folder):
    """The UIDs of folder in the cache."""
    return {r[0] for r in cache_rows(cache, folder)}


def fetches(trace):
    """(tag, the set's numbers (UIDs or sequence numbers), line, line of
    the tagged answer) of each header FETCH sent, in order."""
    lines = trace.splitlines()
    out = []
    for i, line in enumerate(lines):
        m = re.match(r"^C: (\S+) (UID )?FETCH (\S+) \(.*HEADER\.FIELDS", line)
        if not m:
            continue
        done = next((j for j in range(i + 1, len(lines))
                     if lines[j].startswith("S: %s " % m.group(1))), None)
        uids = set()
        if m.group(3) == "$":
            # The first page saved by an ESORT (SEARCHRES): its UIDs are
            # those the answer carries.
            for l in lines[i + 1:done]:
                a = re.match(r"^S: \* \d+ FETCH \(UID (\d+)", l)
                if a:
                    uids.add(int(a.group(1)))
        else:
            for part in m.group(3).split(","):
                lo, _, hi = part.partition(":")
                uids.update(range(int(lo), int(hi or lo) + 1))
        out.append((m.group(1), uids, i, done))
    return out


def expect_first_alone(trace, what):
    """The first header FETCH is answered before any other FETCH goes
    (a flags refresh sent before it may be answered first)."""
    f = fetches(trace)
    T.expect(len(f) >= 2, "%s: a first page and more (%d FETCH)" % (what, len(f)))
    if len(f) < 2:
        return
    T.expect(f[0][3] is not None and re.match(
        r"^S: \S+ OK", trace.splitlines()[f[0][3]]), "%s: the first page "
        "answered OK" % what)
    if f[0][3] is None:
        return
    T.expect(f[1][2] > f[0][3], "%s: the second FETCH (line %d) waited for "
             "the first page's OK (line %d)" % (what, f[1][2], f[0][3]))
    sent = [i for i, line in enumerate(trace.splitlines())
            if re.match(r"^C: \S+ (UID )?FETCH ", line)]
    T.expect(not any(f[0][2] < i < f[0][3] for i in sent),
             "%s: no FETCH of any kind sent while the first page is on "
             "the wire" % what)


def cold_list(name, dc, limit, **opts):
    rc = account_rc(dc, cache_dir=T.path(name), **opts)
    r = T.crispin("list", "-f", FOLDER, "--limit", str(limit), rc=rc)
    T.expect_code(r, 0)
    return r


@T.case("sort = subject: UID SORT, the first 5 of its answer fetched and printed")
def _():
    r = cold_list("subject", servers["sort"], 5, sort="subject")
    T.expect(re.search(r"^C: \S+ UID SORT \((DISPLAY)?SUBJECT DATE\) UTF-8 ALL\r?$",
                       r.trace, re.M), "UID SORT sent")
    m = re.search(r"^S: \* SORT ([\d ]+)\r?$", r.trace, re.M)
    T.expect(m, "Dovecot's SORT answer in the trace")
    order = [int(u) for u in m.group(1).split()]
    T.expect_eq(sorted(order), list(range(1, NMSG + 1)), "every message sorted")
    T.expect(order[:5] != list(range(NMSG - 4, NMSG + 1)),
             "the subject order is not the newest UIDs (a real test)")
    T.expect_eq(sorted(header_uids(r.trace)), sorted(order[:5]),
                "header fields of exactly the first 5")
    T.expect_eq(listed_uids(r.out), order[:5], "printed in the server's order")
    # The first 5 by base subject, as RFC 5256 reads it.
    def base(n):
        return re.sub(r"^(re: )+", "", re.search(
            r"Subject: (.*)\n", message(n)).group(1).lower())
    T.expect_eq(listed_uids(r.out), sorted(range(1, NMSG + 1), key=base)[:5],
                "the same as a Python sort by base subject")


@T.case("sort = reverse-subject: REVERSE in the criteria and the order")
def _():
    r = cold_list("rsubject", servers["sort"], 3, sort="reverse-subject")
    T.expect(re.search(r"^C: \S+ UID SORT \(REVERSE (DISPLAY)?SUBJECT REVERSE DATE\)",
                       r.trace, re.M), "reverse criteria")
    order = [int(u) for u in re.search(r"^S: \* SORT ([\d ]+)\r?$", r.trace,
                                       re.M).group(1).split()]
    T.expect_eq(listed_uids(r.out), order[:3], "the server's first 3")


@T.case("sort = threads: UID THREAD REFERENCES, its first 6 fetched and printed")
def _():
    r = cold_list("threads", servers["sort"], 6, sort="threads")
    T.expect(re.search(r"^C: \S+ UID THREAD REFERENCES UTF-8 ALL\r?$", r.trace,
                       re.M), "UID THREAD sent")
    m = re.search(r"^S: \* THREAD (.*?)\r?$", r.trace, re.M)
    T.expect(m, "Dovecot's THREAD answer in the trace")
    order = [int(u) for u in re.findall(r"\d+", m.group(1))]
    T.expect_eq(sorted(header_uids(r.trace)), sorted(order[:6]),
                "header fields of exactly the first 6 of the tree")
    T.expect_eq(listed_uids(r.out), order[:6], "printed in the tree's order")


def top_level_threads(text):
    """The top-level groups of a THREAD answer, each as its numbers."""
    groups, depth, cur = [], 0, ""
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        cur += ch
        if depth == 0 and cur.strip():
            groups.append([int(u) for u in re.findall(r"\d+", cur)])
            cur = ""
    return groups


@T.case("sort = reverse-threads: the last thread first, each kept whole")
def _():
    r = cold_list("rthreads", servers["sort"], 8, sort="reverse-threads")
    m = re.search(r"^S: \* THREAD (.*?)\r?$", r.trace, re.M)
    T.expect(m, "Dovecot's THREAD answer in the trace")
    groups = top_level_threads(m.group(1))
    T.expect(any(len(g) > 1 for g in groups), "the folder has threads")
    order = [u for g in reversed(groups) for u in g]
    T.expect_eq(listed_uids(r.out), order[:8], "threads from the last")


@T.case("sort = date: no server order, the newest first as before")
def _():
    r = cold_list("date", servers["sort"], 4, sort="date")
    sorts = re.findall(r"^C: \S+ UID (?:SORT|THREAD).*$", r.trace, re.M)
    # Only the first page's ESORT, which lists nothing but those 4.
    T.expect(all("RETURN (SAVE PARTIAL 1:4) (REVERSE ARRIVAL)" in x for x in sorts),
             "no full SORT or THREAD for a date order: %r" % sorts)
    T.expect_eq(listed_uids(r.out), list(range(NMSG - 3, NMSG + 1)), "newest 4")


@T.case("no SORT capability: sort = subject falls back to the newest first")
def _():
    r = cold_list("nosort", servers["nosort"], 5, sort="subject")
    T.expect(not re.search(r"^C: \S+ UID (SORT|THREAD)", r.trace, re.M),
             "nothing the server does not offer")
    T.expect_eq(sorted(header_uids(r.trace)), list(range(NMSG - 4, NMSG + 1)),
                "the newest 5 fetched")
    T.expect_eq(listed_uids(r.out), list(range(NMSG - 4, NMSG + 1)),
                "printed oldest first, as before")


@T.case("cold: the first page's FETCH is answered before the batches go")
def _():
    rc = account_rc(servers["sort"], cache_dir=T.path("alone"))
    r = T.crispin("list", "-f", BIG, rc=rc)
    T.expect_code(r, 0)
    T.expect_eq(len(listed_uids(r.out)), NBIG, "the whole folder")
    expect_first_alone(r.trace, "cold")
    f = fetches(r.trace)
    # By sequence number: the same as the UIDs here.
    T.expect_eq(f[0][1], set(range(NBIG - 99, NBIG + 1)), "the newest 100 first")
    T.expect(NBIG - 100 in f[1][1], "then the newest of the rest")
    T.expect_eq(set().union(*(x[1] for x in f[1:])), set(range(1, NBIG - 99)),
                "then the rest")


def kill_halfway(proxy, rc):
    """A cold open (newest first) through the slow proxy, killed once
    its first page is cached; the UIDs it cached."""
    cache = rc["cache_dir"]
    rcfile = T.write_rc(rc)
    p = subprocess.Popen([T.crispin_path, "-F", rcfile, "list", "-f", BIG],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         env=T.env(), cwd=T.workdir)
    have = set()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and p.poll() is None:
        have = cached_in(cache, BIG)
        if len(have) >= 100:
            break
        time.sleep(0.02)
    p.send_signal(signal.SIGKILL)
    p.wait()
    return cached_in(cache, BIG)


@T.case("a partial cache resumes in the server's order: UID SORT, its first "
        "page's missing UIDs, then the rest")
def _():
    dc = servers["sort"]
    # 1 Mbit/s: the batch behind the first page takes seconds (the kill
    # comes before it is in, however busy the machine).
    proxy = DelayProxy(dc.imaps_port, 5, rate_mbit=1)
    proxy.start()
    try:
        # The cache is per account, host and port: the proxy's, each time.
        def rc_for(cache, sort):
            rc = account_rc(dc, cache_dir=cache, sort=sort)
            rc["imap_url"] = "imaps://alice@127.0.0.1:%d/" % proxy.port
            rc["imap_compress"] = "no"
            return rc
        partial, partial_limit = T.path("partial"), T.path("partial-limit")
        have = kill_halfway(proxy, rc_for(partial, "date"))
        T.expect(100 <= len(have) < NBIG,
                 "killed halfway: %d of %d cached" % (len(have), NBIG))
        # The same partial cache twice: one for a whole list, one for
        # --limit.
        shutil.copytree(partial, partial_limit)
        proxy.byte_time = 0.0       # full speed for the reopens
        order = big_order()
        missing = set(order[:100]) - have
        T.expect(missing and missing != set(order[:100]),
                 "the first page mixes cached and missing UIDs (%d missing)"
                 % len(missing))
        r = T.crispin("list", "-f", BIG, "--limit", "100",
                      rc=rc_for(partial, "subject"))
        T.expect_code(r, 0)
        lines = r.trace.splitlines()
        sort = next((i for i, line in enumerate(lines) if re.match(
            r"^C: \S+ UID SORT \((DISPLAY)?SUBJECT DATE\) UTF-8 ALL", line)), None)
        T.expect(sort is not None, "UID SORT sent for the partial cache")
        select = next((i for i, line in enumerate(lines)
                       if re.match(r"^C: \S+ (SELECT|EXAMINE) ", line)), None)
        T.expect(select is not None and sort is not None and all(
            not lines[i].startswith("S: ") for i in range(select, sort)),
            "right behind the SELECT, before its answer")
        T.expect(not re.search(r"^C: \S+ UID SEARCH", r.trace, re.M),
                 "no UID SEARCH: the SORT answer lists the UIDs")
        m = re.search(r"^S: \* SORT ([\d ]+)\r?$", r.trace, re.M)
        T.expect(m and [int(u) for u in m.group(1).split()] == order,
                 "Dovecot's order is the one computed here")
        after = [f for f in fetches(r.trace) if sort is not None and f[2] > sort]
        T.expect(after and after[0][1] == missing,
                 "the first FETCH after UID SORT asks for the %d missing UIDs "
                 "of the first page: %s" % (len(missing),
                                            after and sorted(after[0][1])))
        anyfetch = next((i for i, line in enumerate(lines) if sort is not None
                         and i > sort and " UID FETCH " in line
                         and line.startswith("C: ")), None)
        T.expect(after and anyfetch == after[0][2],
                 "no other UID FETCH (flags) before it: %s" % (
                     anyfetch is not None and lines[anyfetch][:80]))
        T.expect_eq(sorted(header_uids(r.trace)), sorted(missing),
                    "only those fetched")
        T.expect_eq(listed_uids(r.out), order[:100],
                    "list --limit 100 prints the server's first 100")
        # The rest on a whole list (newest first: list sorts nothing),
        # its first page answered alone as on a cold open.
        r = T.crispin("list", "-f", BIG, rc=rc_for(partial, "subject"))
        T.expect_code(r, 0)
        fetched = header_uids(r.trace)
        T.expect_eq(sorted(fetched), sorted(set(range(1, NBIG + 1)) - have -
                                            missing),
                    "the missing UIDs fetched, once each")
        expect_first_alone(r.trace, "partial")
        T.expect_eq(sorted(listed_uids(r.out)), list(range(1, NBIG + 1)),
                    "the whole folder")
        # A smaller --limit on the other copy of the killed cache.
        r = T.crispin("list", "-f", BIG, "--limit", "30",
                      rc=rc_for(partial_limit, "subject"))
        T.expect_code(r, 0)
        T.expect_eq(listed_uids(r.out), order[:30],
                    "list --limit 30 prints the server's first 30")
        T.expect_eq(sorted(header_uids(r.trace)), sorted(set(order[:30]) - have),
                    "and fetches only the missing ones among them")
        # Complete now: the local sort, no server order.
        r = T.crispin("list", "-f", BIG, "--limit", "30",
                      rc=rc_for(partial, "subject"))
        T.expect_code(r, 0)
        T.expect(not re.search(r"^C: \S+ UID (SORT|THREAD)", r.trace, re.M),
                 "a complete cache sends no SORT")
        T.expect_eq(header_uids(r.trace), [], "nothing fetched")
    finally:
        proxy.stop()


T.main(setup=setup, teardown=teardown)

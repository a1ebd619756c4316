#!/usr/bin/env python3
"""A cold open in the index's order: with sort = subject (or threads),
`crispin list --limit N` on an empty cache asks Dovecot for UID SORT (UID
THREAD), fetches the header fields of the first N UIDs of its answer only,
and prints them in that order; a server without SORT gets today's newest
first (checked in the protocol trace)."""

import os
import re
import sys

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from crispintest import Suite, account_rc  # noqa: E402
from dovecot import Dovecot  # noqa: E402

T = Suite(__file__)
FOLDER = "Sorted"
NMSG = 40
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


def setup():
    servers["sort"] = Dovecot().start()
    servers["nosort"] = Dovecot(imap_capability=NOSORT_CAPS).start()
    for dc in servers.values():
        dc.create_folder("alice", FOLDER)
        for n in range(1, NMSG + 1):
            dc.deliver("alice", FOLDER, message(n), date=1709632800 + n)


def teardown():
    for dc in servers.values():
        dc.stop()


def header_uids(trace):
    """UIDs whose header fields came over the wire, in order."""
    return [int(u) for u in re.findall(
        r"^S: \* \d+ FETCH \(.*?UID (\d+).*HEADER\.FIELDS", trace, re.M)]


def listed_uids(out):
    return [int(line.split("\t")[0]) for line in out.splitlines() if line]


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
    T.expect(not re.search(r"^C: \S+ UID (SORT|THREAD)", r.trace, re.M),
             "no SORT or THREAD for a date order")
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


T.main(setup=setup, teardown=teardown)

#!/usr/bin/env python3
"""The folder model and its cache against Dovecot: `crispin list` and
`crispin flag` stay equal to what the server says (UID SEARCH ALL and UID
FETCH FLAGS through imaplib) while a second client sets and clears flags,
delivers and expunges; a warm reopen under QRESYNC fetches no headers for
unchanged messages; a recreated folder (new UIDVALIDITY) and a truncated
cache file are rebuilt; and the CONDSTORE-only and plain fallbacks keep the
same promises on servers that offer less."""

import imaplib
import json
import os
import re
import ssl
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from crispintest import Suite, account_rc  # noqa: E402
from dovecot import Dovecot  # noqa: E402
from linkproxy import LinkProxy  # noqa: E402
import samplemail  # noqa: E402

T = Suite(__file__)
FOLDER = "Sync"
NMSG = 230          # more than one batch of 100, so the pipeline shows
BASE_CAPS = "IMAP4rev1 SASL-IR LITERAL+ ID ENABLE IDLE UIDPLUS NAMESPACE"
servers = {}
cache_dirs = {}


def message(n, subject=None):
    return ("From: Sender %d <sender%d@example.net>\n"
            "To: alice@example.org\n"
            "Subject: %s\n"
            "Date: Tue, 05 Mar 2024 10:%02d:00 +0000\n"
            "Message-ID: <sync-%d@crispin.example>\n"
            "\n"
            "body %d\n" % (n, n % 7, subject or "message %d" % n, n % 60, n, n))


def fill(dc, folder=FOLDER, count=NMSG):
    dc.create_folder("alice", folder)
    for n in range(1, count + 1):
        dc.deliver("alice", folder, message(n),
                   flags="\\Seen" if n % 3 == 0 else "",
                   date=1709632800 + n)


def setup():
    servers["full"] = Dovecot().start()
    fill(servers["full"])
    samplemail.populate(servers["full"], "alice")
    servers["condstore"] = Dovecot(
        imap_capability=BASE_CAPS + " CONDSTORE ESEARCH").start()
    fill(servers["condstore"])
    servers["plain"] = Dovecot(imap_capability=BASE_CAPS).start()
    fill(servers["plain"])


def teardown():
    for dc in servers.values():
        dc.stop()


def cache_dir(name):
    """One directory per name for the whole run (T.path numbers each call)."""
    if name not in cache_dirs:
        cache_dirs[name] = T.path(name)
    return cache_dirs[name]


def rc(dc, cache="cache", **more):
    return account_rc(dc, cache_dir=cache_dir(cache), **more)


class Server:
    """A second client on the same mailbox (imaplib)."""

    def __init__(self, dc):
        ctx = ssl.create_default_context(cafile=dc.ca_file)
        self.m = imaplib.IMAP4_SSL(dc.host, dc.imaps_port, ssl_context=ctx)
        self.m.login("alice", dc.users["alice"])

    def close(self):
        try:
            self.m.logout()
        except Exception:
            pass

    def select(self, folder=FOLDER, readonly=False):
        typ, data = self.m.select('"%s"' % folder, readonly=readonly)
        T.expect(typ == "OK", "imaplib select %s: %r" % (folder, data))

    def state(self, folder=FOLDER):
        """{uid: set of flags without \\Recent} as the server sees it."""
        self.select(folder, readonly=True)
        typ, data = self.m.uid("SEARCH", None, "ALL")
        uids = [int(x) for x in data[0].split()] if data[0] else []
        flags = {}
        if uids:
            typ, data = self.m.uid("FETCH", "1:*", "(FLAGS)")
            for line in data:
                if not isinstance(line, bytes):
                    continue
                mu = re.search(rb"UID (\d+)", line)
                mf = re.search(rb"FLAGS \(([^)]*)\)", line)
                if mu and mf:
                    flags[int(mu.group(1))] = set(
                        f for f in mf.group(1).decode().split()
                        if f != "\\Recent")
        T.expect_eq(sorted(flags), uids, "imaplib UID SEARCH vs FETCH")
        return flags

    def store(self, uids, op, flags):
        self.select()
        typ, data = self.m.uid("STORE", uids, op, flags)
        T.expect(typ == "OK", "imaplib STORE: %r" % (data,))

    def expunge(self, uids):
        self.store(uids, "+FLAGS.SILENT", "(\\Deleted)")
        typ, data = self.m.uid("EXPUNGE", uids)
        T.expect(typ == "OK", "imaplib UID EXPUNGE: %r" % (data,))

    def append(self, raw, flags="()"):
        typ, data = self.m.append('"%s"' % FOLDER, flags, None,
                                  raw.replace("\n", "\r\n").encode())
        T.expect(typ == "OK", "imaplib APPEND: %r" % (data,))


def crispin_list(dc, *extra, cache="cache", folder=FOLDER, **more):
    r = T.crispin("list", "-f", folder, "--json", *extra,
                  rc=rc(dc, cache, **more))
    T.expect_code(r, 0)
    msgs = []
    for n, line in enumerate(r.out.splitlines(), 1):
        try:
            msgs.append(json.loads(line))
        except ValueError as e:
            T.expect(False, "line %d is not JSON (%s): %r" % (n, e, line))
    return r, msgs


def as_state(msgs):
    return {m["uid"]: set(m["flags"]) for m in msgs}


def expect_in_step(dc, srv, what, cache="cache"):
    r, msgs = crispin_list(dc, cache=cache)
    uids = [m["uid"] for m in msgs]
    T.expect_eq(uids, sorted(uids), "oldest first (%s)" % what)
    T.expect_eq(as_state(msgs), srv.state(), "crispin list vs server (%s)" % what)
    return r, msgs


def header_fetches(trace):
    """Messages whose header fields came over the wire."""
    return len(re.findall(r"^S: \* \d+ FETCH .*HEADER\.FIELDS", trace, re.M))


def selects(trace):
    return re.findall(r"^C: \S+ (?:SELECT|EXAMINE) .*$", trace, re.M)


@T.case("cold list: every message with its fields, newest fetched first")
def _():
    dc = servers["full"]
    # A link slower than a LAN (20 ms round trip): there the first page
    # goes in the SELECT's flight (over loopback a round trip costs less
    # than the server's sort that it takes).
    proxy = LinkProxy("127.0.0.1", dc.imaps_port, delay_ms=10)
    try:
        r, msgs = crispin_list(dc, cache="cold", imap_url="imaps://alice@127.0.0.1:%d/"
                               % proxy.port)
    finally:
        proxy.stop()
    T.expect_eq(len(msgs), NMSG, "message count")
    first = msgs[0]
    T.expect_eq(first["subject"], "message 1", "subject")
    T.expect_eq(first["from"], "Sender 1 <sender1@example.net>", "from")
    T.expect_eq(first["date"], "2024-03-05T10:01:00Z", "date (RFC 3339)")
    T.expect(isinstance(first["size"], int) and first["size"] > 100, "size")
    T.expect_eq(msgs[2]["flags"], ["\\Seen"], "flags of message 3")
    fetches = re.findall(r"^C: \S+ (UID )?FETCH (\S+)", r.trace, re.M)
    T.expect(len(fetches) >= 2, "batches: %r" % fetches)
    # The first page goes in the EXAMINE's flight: an ESORT saves the
    # newest 100 as $ and a FETCH of $ follows, before any answer.
    lines = r.trace.splitlines()
    sent_before_answer = []
    for line in lines:
        if re.match(r"S: \S+ OK .*(Examine|Select) completed", line):
            break
        if line.startswith("C: "):
            sent_before_answer.append(line[3:])
    T.expect(any(re.match(r"\S+ UID SORT RETURN \(SAVE PARTIAL 1:100\) "
                          r"\(REVERSE ARRIVAL\) UTF-8 ALL$", c)
                 for c in sent_before_answer),
             "ESORT of the first page before the EXAMINE's answer: %r"
             % sent_before_answer)
    T.expect_eq(fetches[0], ("UID ", "$"), "the first page is a FETCH of $")
    T.expect(any(re.match(r"\S+ UID FETCH \$ ", c) for c in sent_before_answer),
             "FETCH $ before the EXAMINE's answer: %r" % sent_before_answer)
    # What came first is the newest 100.
    tag = re.search(r"^C: (\S+) UID FETCH \$ ", r.trace, re.M).group(1)
    page = r.trace.split("C: %s UID FETCH $" % tag, 1)[1].split("S: %s OK" % tag, 1)[0]
    got = sorted(int(u) for u in re.findall(r"^S: \* \d+ FETCH \(UID (\d+)", page, re.M))
    T.expect_eq(got, list(range(NMSG - 99, NMSG + 1)), "the first page is the newest 100")
    T.expect(header_fetches(r.trace) == NMSG, "each header fetched once")
    # Without ESORT and SEARCHRES, or over loopback: the newest 100 by
    # number once the message count is known.
    for name, cache in (("plain", "cold-plain"), ("full", "cold-loopback")):
        rp, _ = crispin_list(servers[name], cache=cache)
        pf = re.findall(r"^C: \S+ (UID )?FETCH (\S+)", rp.trace, re.M)
        T.expect_eq(pf[0][1], "%d:%d" % (NMSG - 99, NMSG),
                    "%s: the first batch is the newest 100 by number" % name)
        T.expect("RETURN (SAVE" not in rp.trace, "%s: no early page" % name)
        T.expect(header_fetches(rp.trace) == NMSG, "each header fetched once (%s)" % name)
    srv = Server(dc)
    try:
        T.expect_eq(as_state(msgs), srv.state(), "crispin vs server")
    finally:
        srv.close()


@T.case("list matches the sample mail: decoded names and subjects, keywords")
def _():
    dc = servers["full"]
    r, msgs = crispin_list(dc, folder="INBOX", cache="inbox")
    want = [m for m in samplemail.messages() if m.folder == "INBOX"]
    T.expect_eq(len(msgs), len(want), "INBOX count")
    subjects = [m["subject"] for m in msgs]
    T.expect("Grüße aus Köln" in subjects, "RFC 2047 subject decoded: %r" % subjects)
    T.expect(any("Jürgen Müller" in (m["from"] or "") for m in msgs),
             "RFC 2047 name decoded")
    plain = T.crispin("list", "--limit", "2", rc=rc(dc, "inbox"))
    T.expect_code(plain, 0)
    lines = plain.out.splitlines()
    T.expect_eq(len(lines), 2, "--limit 2 lines")
    T.expect_eq([int(l.split("\t")[0]) for l in lines],
                [m["uid"] for m in msgs[-2:]], "--limit shows the newest, oldest first")
    T.expect_eq(len(lines[0].split("\t")), 5, "UID, date, from, subject, flags")
    # doveadm reads the Maildir itself: same UIDs and flags.
    out = dc.doveadm("fetch", "uid flags", "mailbox", "INBOX", "all",
                     user="alice", fmt="tab")
    rows = [l.split("\t") for l in out.splitlines()[1:] if l.strip()]
    want = {int(r[0]): set(f for f in r[1].split() if f != "\\Recent") for r in rows}
    T.expect_eq(as_state(msgs), want, "crispin list vs doveadm fetch")
    T.expect_eq(len(rows), len(msgs), "doveadm rows")


@T.case("warm QRESYNC reopen: one QRESYNC SELECT, no headers refetched")
def _():
    dc = servers["full"]
    crispin_list(dc, cache="warm")
    r, msgs = crispin_list(dc, cache="warm")
    T.expect_eq(len(msgs), NMSG, "count from the cache")
    sel = selects(r.trace)
    T.expect(len(sel) == 1 and "(QRESYNC (" in sel[0], "select: %r" % sel)
    T.expect_eq(header_fetches(r.trace), 0, "headers fetched on a warm open")
    T.expect("UID SEARCH" not in r.trace, "no UID SEARCH needed")
    # Nothing but the login, ENABLE and the SELECT is asked: no NAMESPACE
    # (only listings need it), no ID (imap_send_id is off).
    verbs = re.findall(r"^C: \S+ (\S+)", r.trace, re.M)
    T.expect_eq([v for v in verbs if v not in ("AUTHENTICATE", "LOGOUT")],
                ["ENABLE", sel[0].split()[2]], "commands of a warm list")
    T.expect(re.search(r"^C: \S+ ENABLE QRESYNC$", r.trace, re.M),
             "QRESYNC alone enabled (it implies CONDSTORE)")


def changes_keep_step(kind):
    dc = servers[kind]
    cache = "steps-" + kind
    srv = Server(dc)
    try:
        expect_in_step(dc, srv, "start", cache)
        srv.store("1:5", "+FLAGS", "(\\Flagged $Work)")
        r, _ = expect_in_step(dc, srv, "flags set", cache)
        T.expect_eq(header_fetches(r.trace), 0, "headers fetched for flag changes")
        srv.store("2,4", "-FLAGS", "(\\Flagged \\Seen)")
        expect_in_step(dc, srv, "flags cleared", cache)
        srv.expunge("3,7:9")
        expect_in_step(dc, srv, "expunged", cache)
        srv.append(message(900, "new arrival"), "(\\Seen)")
        srv.append(message(901, "second arrival"))
        r, msgs = expect_in_step(dc, srv, "delivered", cache)
        T.expect_eq(header_fetches(r.trace), 2, "headers fetched for 2 new messages")
        T.expect_eq(msgs[-1]["subject"], "second arrival", "newest last")
        srv.expunge(str(msgs[-2]["uid"]))
        srv.store("10:20", "+FLAGS", "(\\Answered)")
        r, msgs = expect_in_step(dc, srv, "expunged new and flagged", cache)
        T.expect_eq(header_fetches(r.trace), 0, "no headers refetched")
        return r
    finally:
        srv.close()


@T.case("QRESYNC: lists follow another client's flags, deliveries, expunges")
def _():
    r = changes_keep_step("full")
    T.expect("(QRESYNC (" in " ".join(selects(r.trace)), "QRESYNC used")


@T.case("CONDSTORE only: CHANGEDSINCE and UID SEARCH keep it in step")
def _():
    r = changes_keep_step("condstore")
    T.expect("QRESYNC" not in r.trace, "no QRESYNC on a server without it")
    T.expect(re.search(r"CHANGEDSINCE \d+", r.trace), "CHANGEDSINCE used")
    T.expect("UID SEARCH RETURN (ALL) ALL" in r.trace, "ESEARCH used")


@T.case("neither: flags refresh and UID SEARCH ALL keep it in step")
def _():
    r = changes_keep_step("plain")
    T.expect("CONDSTORE" not in r.trace and "CHANGEDSINCE" not in r.trace,
             "no CONDSTORE on a server without it")
    T.expect(re.search(r"^C: \S+ UID SEARCH ALL", r.trace, re.M), "UID SEARCH ALL")
    T.expect(re.search(r"^C: \S+ UID FETCH 1:\d+ \(UID FLAGS\)$", r.trace, re.M),
             "flags refresh")


@T.case("UIDVALIDITY change (folder recreated) rebuilds the cache")
def _():
    dc = servers["full"]
    fill(dc, "Recreated", 5)
    r, before = crispin_list(dc, cache="uv", folder="Recreated")
    T.expect_eq(len(before), 5, "first listing")
    dc.doveadm("mailbox", "delete", "Recreated", user="alice")
    dc.create_folder("alice", "Recreated")
    for n in range(1, 4):
        dc.deliver("alice", "Recreated", message(n, "reborn %d" % n))
    r, after = crispin_list(dc, cache="uv", folder="Recreated")
    T.expect_eq([m["subject"] for m in after], ["reborn 1", "reborn 2", "reborn 3"],
                "new contents, nothing from the old cache")
    T.expect_eq(header_fetches(r.trace), 3, "all headers fetched again")
    srv = Server(dc)
    try:
        T.expect_eq(as_state(after), srv.state("Recreated"), "crispin vs server")
    finally:
        srv.close()


@T.case("crispin flag: changes are visible to another client")
def _():
    dc = servers["full"]
    srv = Server(dc)
    try:
        r = T.crispin("flag", "-f", FOLDER, "11:12", "40", "+\\Flagged", "+todo",
                      "-\\Seen", rc=rc(dc, "flag"))
        T.expect_code(r, 0)
        st = srv.state()
        for uid in (11, 12, 40):
            T.expect("\\Flagged" in st[uid] and "todo" in st[uid],
                     "flags of %d: %r" % (uid, st[uid]))
            T.expect("\\Seen" not in st[uid], "\\Seen removed from %d" % uid)
        T.expect(re.search(r"UID STORE 11:12,40 \(UNCHANGEDSINCE \d+\) "
                           r"\+FLAGS.SILENT \(\\Flagged todo\)", r.trace),
                 "STORE with UNCHANGEDSINCE")
        r = T.crispin("flag", "-f", FOLDER, "11", "-todo", "-\\Flagged",
                      rc=rc(dc, "flag"))
        T.expect_code(r, 0)
        st = srv.state()
        T.expect_eq(st[11] & {"todo", "\\Flagged"}, set(), "removed again")
        # The cache followed: a list shows the same without refetching.
        r, msgs = crispin_list(dc, cache="flag")
        T.expect_eq(as_state(msgs), st, "list after flag")
    finally:
        srv.close()


@T.case("crispin flag: bad input and unknown UIDs fail with clear messages")
def _():
    dc = servers["full"]
    r = T.crispin("flag", "-f", FOLDER, "+\\Seen", rc=rc(dc))
    T.expect_code(r, 2)
    T.expect("UID" in r.err, "says UIDs are missing: %r" % r.err)
    r = T.crispin("flag", "-f", FOLDER, "1", "+\\Recent", rc=rc(dc))
    T.expect_code(r, 2)
    r = T.crispin("flag", "-f", FOLDER, "1", "+a(b", rc=rc(dc))
    T.expect_code(r, 2)
    r = T.crispin("flag", "-f", FOLDER, "99999", "+\\Seen", rc=rc(dc))
    T.expect_code(r, 1)
    T.expect("no message" in r.err, "says why: %r" % r.err)
    r = T.crispin("list", "-f", "NoSuchFolder", rc=rc(dc))
    T.expect_code(r, 1)
    T.expect("NoSuchFolder" in r.err, "names the folder: %r" % r.err)


@T.case("a truncated cache file is detected and rebuilt")
def _():
    dc = servers["full"]
    crispin_list(dc, cache="trunc")
    files = []
    for root, _, names in os.walk(cache_dir("trunc")):
        files += [os.path.join(root, n) for n in names if n.endswith(".sqlite")]
    T.expect(files, "a cache file was written")
    for path in files:
        size = os.path.getsize(path)
        with open(path, "r+b") as f:
            f.truncate(size // 2)
    r, msgs = crispin_list(dc, cache="trunc")
    srv = Server(dc)
    try:
        T.expect_eq(as_state(msgs), srv.state(), "list after truncation")
    finally:
        srv.close()
    r, msgs = crispin_list(dc, cache="trunc")
    T.expect_eq(header_fetches(r.trace), 0, "the rebuilt cache serves a warm open")


@T.case("header_cache = no: no cache directory, still correct")
def _():
    dc = servers["full"]
    r, msgs = crispin_list(dc, cache="nocache", header_cache="no")
    T.expect_eq(len(msgs) > 0, True, "listed")
    T.expect(not os.path.exists(cache_dir("nocache")), "no cache written")


T.main(setup=setup, teardown=teardown)

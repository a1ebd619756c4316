#!/usr/bin/env python3
"""The folder drawn from the cache before the login goes online in place:
the cache is read once (the --log counts its reads), the SELECT carries
QRESYNC with the UIDs shown, and the index (and the cache) end equal to
the server after another client flagged, expunged and delivered while
the interface showed the cache (also on a server without QRESYNC,
read-only); a folder whose UIDVALIDITY changed meanwhile is fetched anew;
a flag or a delete made offline is replayed first, and the resync keeps
the MODSEQ and the UIDs of the index, not those the replay wrote since."""

import imaplib
import os
import re
import sqlite3
import ssl
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from crispintest import Suite, account_rc, cache_rows, rc_text  # noqa: E402
from dovecot import Dovecot  # noqa: E402
from linkproxy import LinkProxy  # noqa: E402
from tuitest import Tui, last_line, line_with  # noqa: E402

T = Suite(__file__)
dc = None
tui = None
proxy = None
CACHE = None
# CONDSTORE without QRESYNC: the resync is UID SEARCH plus CHANGEDSINCE.
CONDSTORE_CAPS = ("IMAP4rev1 SASL-IR LITERAL+ ID ENABLE IDLE UIDPLUS NAMESPACE "
                  "CONDSTORE ESEARCH")
servers = {}
REVERSE = re.compile(r"\x1b\[[0-9;]*7[0-9;]*m")
FLAG_BITS = {b"\\Seen": 0x01, b"\\Answered": 0x02, b"\\Flagged": 0x04,
             b"\\Deleted": 0x08, b"\\Draft": 0x10}


def message(subject, day):
    return ("From: Bob <bob@example.com>\nTo: alice@example.org\n"
            "Subject: %s\nDate: Mon, %d Jan 2024 10:00:00 +0000\n\nHi.\n"
            % (subject, day))


def fill(server):
    for n in range(1, 7):
        server.deliver("alice", "INBOX", message("Inbox message %d" % n, n),
                       date=1704103200 + n * 86400)


def setup():
    global dc, tui, proxy, CACHE
    CACHE = T.path("cache")
    tui = Tui(T)
    dc = Dovecot().start()
    fill(dc)
    dc.create_folder("alice", "Other")
    for n in range(1, 4):
        dc.deliver("alice", "Other", message("Other old %d" % n, n),
                   date=1704103200 + n * 86400)
    proxy = LinkProxy("127.0.0.1", dc.imaps_port)
    servers["qresync"] = (dc, proxy, CACHE)
    other = Dovecot(imap_capability=CONDSTORE_CAPS).start()
    # Registered at once: teardown stops it whatever happens next.
    servers["condstore"] = (other, None, T.path("cache-condstore"))
    fill(other)
    servers["condstore"] = (other, LinkProxy("127.0.0.1", other.imaps_port),
                            T.path("cache-condstore"))


def teardown():
    if tui:
        tui.close()
    for server, link, _ in servers.values():
        if link:
            link.stop()
        server.stop()


def use(name):
    """The server, proxy and cache the next steps use."""
    global dc, proxy, CACHE
    dc, proxy, CACHE = servers[name]


def rc(**more):
    opts = account_rc(dc, cache_dir=CACHE, connect_timeout="30")
    opts["imap_url"] = "imaps://alice@127.0.0.1:%d/" % proxy.port
    opts.update(more)
    return T.write("crispinrc", rc_text(opts))


def imap():
    ctx = ssl.create_default_context(cafile=dc.ca_file)
    m = imaplib.IMAP4_SSL(dc.host, dc.imaps_port, ssl_context=ctx)
    m.login("alice", dc.users["alice"])
    return m


def uid_of(m, subject):
    typ, data = m.uid("SEARCH", None, "SUBJECT", '"%s"' % subject)
    T.expect(typ == "OK" and data[0], "no %r on the server" % subject)
    return data[0].split()[0]


def server_state(folder):
    """{uid: flag bits} of folder on the server."""
    m = imap()
    m.select(folder)
    typ, data = m.uid("FETCH", "1:*", "(FLAGS)")
    m.logout()
    state = {}
    for item in data:
        if not item:
            continue
        text = item if isinstance(item, bytes) else item[0]
        uid = int(re.search(rb"UID (\d+)", text).group(1))
        flags = re.search(rb"FLAGS \(([^)]*)\)", text).group(1).split()
        state[uid] = sum(FLAG_BITS.get(f, 0) for f in flags)
    return state


def cache_state(folder):
    return {uid: flags & 0x1f for uid, flags in
            cache_rows(CACHE, folder, "m.uid, m.flags")}


def cache_uidvalidity(folder):
    for root, _, names in os.walk(CACHE):
        for n in names:
            if n.endswith(".sqlite"):
                db = sqlite3.connect("file:%s?mode=ro" % os.path.join(root, n),
                                     uri=True)
                row = db.execute("SELECT uidvalidity FROM folders WHERE name = ?",
                                 (folder,)).fetchone()
                db.close()
                if row:
                    return row[0]
    return None


def uid_set(text):
    uids = set()
    for part in text.split(","):
        lo, _, hi = part.partition(":")
        uids.update(range(int(lo), int(hi or lo) + 1))
    return uids


def cache_reads(log, folder):
    return len(re.findall(r"folder %s: cache read" % re.escape(folder), log))


def cursor_line():
    for line in tui.screen(escapes=True).splitlines():
        if REVERSE.search(line) and "-- crispin:" not in line:
            return re.sub(r"\x1b\[[0-9;]*m", "", line)
    return None


def warm(args=""):
    tui.start(rc(), args)
    tui.wait(lambda s: "(live)" in last_line(s) and " old " not in last_line(s)
             and ("Inbox message 1" in s or "Other old 1" in s),
             "the index, live")
    T.expect_eq(tui.quit(), "EXIT=0", "exit status")


def read(path):
    with open(path, errors="replace") as fp:
        return fp.read()


def changed_meanwhile(qresync, args=""):
    warm(args)
    proxy.stall()
    m = imap()
    m.select("INBOX")
    m.uid("STORE", uid_of(m, "Inbox message 2"), "+FLAGS", "(\\Flagged)")
    m.uid("STORE", uid_of(m, "Inbox message 3"), "+FLAGS", "(\\Deleted)")
    m.expunge()
    m.append("INBOX", "()", None,
             message("Delivered while stalled", 20).replace("\n", "\r\n")
             .encode())
    m.logout()
    log, trace = T.path("inplace.log"), T.path("inplace.trace")
    tui.start(rc(), "--log %s --trace %s %s" % (log, trace, args))
    text = tui.wait(lambda s: "Inbox message 3" in s,
                    "the cached index while the link is stalled", timeout=10)
    T.expect("(live)" not in last_line(text), "live while stalled:\n" + text)
    proxy.resume()
    text = tui.wait(lambda s: "(live)" in last_line(s) and
                    "Delivered while stalled" in s and
                    "Inbox message 3" not in s and
                    "F" in (line_with(s, "Inbox message 2") or "")[:12],
                    "live: the flag, the expunge and the new message shown",
                    timeout=20)
    T.expect_eq(tui.quit(), "EXIT=0", "exit status")
    text = read(log)
    T.expect("folder INBOX: online, resynced in place (6 messages)" in text,
             "no resync in place in the log:\n" + text)
    T.expect_eq(cache_reads(text, "INBOX"), 1, "reads of the INBOX cache")
    sent = read(trace)
    verb = "EXAMINE" if "-R" in args else "SELECT"
    selects = [l for l in sent.splitlines()
               if re.search(r"\b(SELECT|EXAMINE) \"?INBOX", l)]
    T.expect(len(selects) == 1 and verb in selects[0] and
             ("QRESYNC (" if qresync else "(CONDSTORE)") in selects[0],
             "one %s, with %s: %r" % (verb, "QRESYNC" if qresync else
                                      "CONDSTORE", selects))
    if not qresync:
        T.expect(re.search(r"UID FETCH 1:6 \(UID FLAGS\) \(CHANGEDSINCE \d+\)",
                           sent), "no flags resync since the cached MODSEQ")
    T.expect_eq(cache_state("INBOX"), server_state("INBOX"),
                "the cache against the server")


@T.case("online in place: the cache read once, QRESYNC with the UIDs shown, "
        "the index and cache equal to the server after another client's "
        "flag, expunge and delivery")
def _():
    use("qresync")
    changed_meanwhile(True)


@T.case("the same on a server without QRESYNC, read-only: EXAMINE, "
        "CHANGEDSINCE and UID SEARCH")
def _():
    use("condstore")
    try:
        changed_meanwhile(False, "-R")
    finally:
        use("qresync")


@T.case("a UIDVALIDITY changed while the cache was shown: the index is "
        "fetched anew")
def _():
    warm("-f Other")
    old = cache_uidvalidity("Other")
    proxy.stall()
    m = imap()
    for attempt in range(5):
        m.delete("Other")
        m.create("Other")
        typ, data = m.status("Other", "(UIDVALIDITY)")
        now = int(re.search(rb"UIDVALIDITY (\d+)", data[0]).group(1))
        if now != old:
            break
        time.sleep(1)
    T.expect(now != old, "the server kept UIDVALIDITY %d" % now)
    m.append("Other", "()", None,
             message("Other new 1", 21).replace("\n", "\r\n").encode())
    m.logout()
    log = T.path("uidvalidity.log")
    tui.start(rc(), "-f Other --log %s" % log)
    tui.wait(lambda s: "Other old 2" in s, "the cached index, stalled",
             timeout=10)
    proxy.resume()
    tui.wait(lambda s: "(live)" in last_line(s) and "Other new 1" in s and
             "Other old" not in s, "live: only the new message", timeout=20)
    T.expect_eq(tui.quit(), "EXIT=0", "exit status")
    text = read(log)
    T.expect("folder Other: online, resynced in place" in text and
             "cache cleared" in text, "the log:\n" + text)
    T.expect_eq(cache_reads(text, "Other"), 1, "reads of the Other cache")
    T.expect_eq(cache_state("Other"), server_state("Other"),
                "the cache against the server")


@T.case("a flag set on the cached index before the login is replayed, then "
        "the folder resynced in place, with another client's flag made "
        "meanwhile (which the replay's own open wrote to the cache first)")
def _():
    proxy.stall()
    log = T.path("journal.log")
    tui.start(rc(), "--log %s" % log)
    tui.wait(lambda s: cursor_line() is not None and "Inbox message" in s,
             "the cached index, stalled", timeout=10)
    here = cursor_line()
    subject = re.search(r"(Inbox message \d|Delivered while stalled)",
                        here).group(1)
    T.expect("F" not in (line_with(tui.screen(), subject) or "F")[:12],
             "%r is flagged already" % subject)
    tui.keys("F")
    tui.wait(lambda s: "F" in (line_with(s, subject) or "")[:12],
             "the flag shown at once, offline")
    other = "Inbox message 5" if subject != "Inbox message 5" else \
        "Inbox message 4"
    T.expect("F" not in (line_with(tui.screen(), other) or "F")[:12],
             "%r is flagged already" % other)
    m = imap()
    m.select("INBOX")
    m.uid("STORE", uid_of(m, other), "+FLAGS", "(\\Flagged)")
    m.logout()
    proxy.resume()
    tui.wait(lambda s: "(live)" in last_line(s) and
             "F" in (line_with(s, subject) or "")[:12] and
             "F" in (line_with(s, other) or "")[:12],
             "live, still flagged, and the other client's flag", timeout=20)
    T.expect_eq(tui.quit(), "EXIT=0", "exit status")
    T.expect("folder INBOX: online, resynced in place" in read(log),
             "no resync in place in the log")
    m = imap()
    m.select("INBOX")
    typ, fl = m.uid("FETCH", uid_of(m, subject), "(FLAGS)")
    m.logout()
    T.expect(b"\\Flagged" in fl[0], "the flag is not on the server: %r" % fl)
    T.expect_eq(cache_state("INBOX"), server_state("INBOX"),
                "the cache against the server")



@T.case("a delete (to Trash) made on the cached index before the login: "
        "replayed, then resynced in place with the UIDs the index has, "
        "another client's flag shown")
def _():
    proxy.stall()
    log, trace = T.path("expunge.log"), T.path("expunge.trace")
    tui.start(rc(confirm_expunge="yes"), "--log %s --trace %s" % (log, trace))
    tui.wait(lambda s: cursor_line() is not None and "Inbox message" in s,
             "the cached index, stalled", timeout=10)
    subject = re.search(r"(Inbox message \d|Delivered while stalled)",
                        cursor_line()).group(1)
    tui.keys("d")
    tui.wait(lambda s: "D" in (line_with(s, subject) or "")[:12],
             "marked deleted, offline")
    tui.keys("$")
    tui.wait(lambda s: subject not in s, "expunged from the index, offline")
    other = "Inbox message 6" if subject != "Inbox message 6" else \
        "Inbox message 4"
    T.expect("F" not in (line_with(tui.screen(), other) or "F")[:12],
             "%r is flagged already" % other)
    m = imap()
    m.select("INBOX")
    gone = int(uid_of(m, subject))
    m.uid("STORE", uid_of(m, other), "+FLAGS", "(\\Flagged)")
    m.logout()
    proxy.resume()
    tui.wait(lambda s: "(live)" in last_line(s) and subject not in s and
             "F" in (line_with(s, other) or "")[:12],
             "live, the expunge kept and the other client's flag", timeout=20)
    T.expect_eq(tui.quit(), "EXIT=0", "exit status")
    T.expect("folder INBOX: online, resynced in place" in read(log),
             "no resync in place in the log")
    selects = [l for l in read(trace).splitlines()
               if re.search(r"^C: \S+ SELECT \"?INBOX", l)]
    known = re.search(r"QRESYNC \(\d+ \d+ ([\d:,]+)\)", selects[-1])
    T.expect(len(selects) == 2 and known is not None,
             "the replay's SELECT, then the one in place: %r" % selects)
    T.expect(gone not in uid_set(known.group(1)),
             "UID %d, deleted offline, in %r" % (gone, selects[-1]))
    m = imap()
    m.select("INBOX")
    typ, data = m.uid("SEARCH", None, "SUBJECT", '"%s"' % subject)
    m.logout()
    T.expect_eq(data[0], b"", "the expunged message on the server")
    T.expect_eq(cache_state("INBOX"), server_state("INBOX"),
                "the cache against the server")


T.main(setup=setup, teardown=teardown)

#!/usr/bin/env python3
"""A partial cache opened in a server order against a scripted server
whose SORT lets it down: refused (NO), or answered with garbage. The
SORT answer was to list the folder's UIDs; without it crispin lists them
with UID SEARCH and loads newest first, as without the capability, and
fetches nothing the cache has (checked in the bytes it sent). And a cold
open's early first page: by ESORT, or by a UID FETCH of the last N where
the server offers PARTIAL (RFC 9394), and what happens when it fails."""

import os
import re
import ssl
import subprocess
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from crispintest import Suite  # noqa: E402
from fakeimap import Conn, ScriptedServer  # noqa: E402
from linkproxy import LinkProxy  # noqa: E402

T = Suite(__file__)
CERT = KEY = None
PASSWORD = "s3cret pass"
COUNT = 250
CACHED = 100
HEADER_ITEM = ("BODY[HEADER.FIELDS (DATE FROM TO CC SUBJECT MESSAGE-ID "
               "IN-REPLY-TO REFERENCES)]")
CAPS = "IMAP4rev1 SASL-IR AUTH=PLAIN ENABLE ID NAMESPACE LITERAL+ UIDPLUS"


def setup():
    global CERT, KEY
    CERT = os.path.join(T.workdir, "cert.pem")
    KEY = os.path.join(T.workdir, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
                    "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", KEY, "-out", CERT],
                   check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)


def parse_set(text):
    out = set()
    for part in text.split(","):
        lo, _, hi = part.partition(":")
        lo = COUNT if lo == "*" else int(lo)
        hi = lo if not hi else (COUNT if hi == "*" else int(hi))
        out.update(range(min(lo, hi), max(lo, hi) + 1))
    return out


def fetch_line(uid, headers):
    items = "UID %d FLAGS ()" % uid
    if not headers:
        return "* %d FETCH (%s)" % (uid, items)
    hdr = ("From: Sender %d <s%d@example.net>\r\nSubject: message %d\r\n"
           "Date: Tue, 05 Mar 2024 10:00:00 +0000\r\n\r\n" % (uid, uid, uid))
    return ('* %d FETCH (%s INTERNALDATE "05-Mar-2024 10:00:00 +0000" '
            "RFC822.SIZE 300 %s {%d}\r\n%s)" % (uid, items, HEADER_ITEM,
                                                len(hdr), hdr))


def serve(c, caps, sort_answer, partial_answer=None):
    """A folder of COUNT messages, UID = sequence number. sort_answer
    (lines) answers UID SORT, its last line being the tagged one;
    partial_answer, when given, a UID FETCH with RFC 9394's PARTIAL
    modifier in the same way, else the modifier is applied."""
    c.send("* OK [CAPABILITY %s] scripted" % caps)
    tag, _ = c.expect_command("AUTHENTICATE")
    c.send("%s OK [CAPABILITY %s] in" % (tag, caps))
    while True:
        m = re.match(r"(\S+) (UID )?(\S+) ?(.*)$", c.read_line())
        tag, verb, rest = m.group(1), m.group(3).upper(), m.group(4)
        if verb in ("SELECT", "EXAMINE"):
            c.send("* %d EXISTS" % COUNT)
            c.send("* OK [UIDVALIDITY 77] ok")
            c.send("* OK [UIDNEXT %d] ok" % (COUNT + 1))
        elif verb == "SORT":
            for line in sort_answer:
                c.send(line.replace("TAG", tag))
            continue
        elif verb == "FETCH":
            seqset, items = rest.split(" ", 1)
            if seqset == "$":
                # No saved result: the SORT that should have saved it
                # was refused.
                c.send("%s BAD [NOTSAVED] no saved search result" % tag)
                continue
            uids = sorted(parse_set(seqset))
            last = re.search(r"\) \(PARTIAL -1:-(\d+)\)$", items)
            if last and partial_answer is not None:
                for line in partial_answer:
                    c.send(line.replace("TAG", tag))
                continue
            if last:
                uids = uids[-int(last.group(1)):]
            for u in uids:
                if u <= COUNT:
                    c.send(fetch_line(u, "HEADER.FIELDS" in items))
        elif verb == "SEARCH":
            c.send("* SEARCH " + " ".join(str(u) for u in range(1, COUNT + 1)))
        elif verb == "LOGOUT":
            c.send("* BYE bye")
            c.send("%s OK bye" % tag)
            return
        c.send("%s OK %s done" % (tag, verb))


def rc_for(srv, cache, **more):
    opts = {"imap_url": "imaps://alice@127.0.0.1:%d/" % srv.port,
            "imap_pass": PASSWORD, "tls_ca_file": CERT,
            "connect_timeout": "5", "cache_dir": cache}
    opts.update(more)
    return opts


def listed(out):
    return [int(line.split("\t")[0]) for line in out.splitlines() if line]


def partial_then_sorted(sort_answer):
    """Connection 1 (no SORT): `list --limit CACHED`, a partial cache.
    Connection 2 (SORT offered, answered with sort_answer): `list
    --limit 20` with sort = subject. The cache is per host and port: one
    server, two connections. Returns the second run and its bytes."""
    cache = T.path("cache")
    marks = {}

    def script(c):
        serve(c, CAPS, [])
        marks["first"] = len(srv.received)
        sock, _ = srv.listener.accept()
        sock.settimeout(srv.timeout)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(CERT, KEY)
        c2 = Conn(srv, ctx.wrap_socket(sock, server_side=True))
        try:
            serve(c2, CAPS + " SORT", sort_answer)
        finally:
            c2.close()

    with ScriptedServer(script, tls="implicit", cert=CERT, key=KEY) as srv:
        r = T.crispin("list", "--limit", str(CACHED), rc=rc_for(srv, cache))
        T.expect_code(r, 0)
        T.expect_eq(listed(r.out), list(range(COUNT - CACHED + 1, COUNT + 1)),
                    "the newest %d, cached (partly)" % CACHED)
        r = T.crispin("list", "--limit", "20",
                      rc=rc_for(srv, cache, sort="subject"))
        srv.wait()
    return r, srv.received[marks.get("first", 0):]


def expect_fallback(r, sent):
    T.expect_code(r, 0)
    T.expect_eq(listed(r.out), list(range(COUNT - 19, COUNT + 1)),
                "the newest 20, as without SORT")
    T.expect(re.search(rb"UID SORT \(SUBJECT DATE\) UTF-8 ALL\r\n", sent),
             "UID SORT asked for the partial cache: %r" % sent[-300:])
    after = sent[sent.find(b"UID SORT"):]
    T.expect(b"UID SEARCH" in after, "then the UIDs from UID SEARCH")
    T.expect(b"HEADER.FIELDS" not in sent,
             "no headers fetched: the newest 20 are cached")


@T.case("SORT refused on a partial cache: UID SEARCH, newest first")
def _():
    r, sent = partial_then_sorted(["TAG NO [UNAVAILABLE] sorting is off today"])
    expect_fallback(r, sent)


@T.case("a garbled SORT answer on a partial cache: UID SEARCH, newest first")
def _():
    r, sent = partial_then_sorted(["* SORT 3 (7 x", "TAG OK sorted"])
    expect_fallback(r, sent)


@T.case("cold: an early first page refused (ESORT offered, SORT BAD) loads as before")
def _():
    caps = CAPS + " SORT ESORT SEARCHRES CONTEXT=SEARCH"

    def script(c):
        serve(c, caps, ["TAG BAD [CLIENTBUG] no RETURN options here"])

    with ScriptedServer(script, tls="implicit", cert=CERT, key=KEY) as srv:
        # 20 ms round trips: the early page is worth sending.
        proxy = LinkProxy("127.0.0.1", srv.port, delay_ms=10)
        try:
            rc = rc_for(srv, T.path("early"))
            rc["imap_url"] = "imaps://alice@127.0.0.1:%d/" % proxy.port
            r = T.crispin("list", "--limit", "20", rc=rc)
            srv.wait()
        finally:
            proxy.stop()
    sent = srv.received
    T.expect_code(r, 0)
    T.expect(re.search(rb"UID SORT RETURN \(SAVE PARTIAL 1:20\) \(REVERSE ARRIVAL\) "
                       rb"UTF-8 ALL\r\n\S+ UID FETCH \$ ", sent),
             "the early page right behind the SELECT: %r" % sent[-400:])
    T.expect_eq(listed(r.out), list(range(COUNT - 19, COUNT + 1)),
                "the newest 20 all the same")
    T.expect(re.search(rb"FETCH 231:250 \(UID FLAGS INTERNALDATE", sent),
             "fetched by number once the early page failed: %r" % sent[-400:])


def cold_partial(args, partial_answer=None):
    """A never-cached folder on a server with PARTIAL and SEARCHRES (no
    SORT), straight over loopback. Returns the run and the bytes sent."""
    caps = CAPS + " PARTIAL"

    def script(c):
        serve(c, caps, [], partial_answer)

    with ScriptedServer(script, tls="implicit", cert=CERT, key=KEY) as srv:
        r = T.crispin(*args, rc=rc_for(srv, T.path("partial%d" % len(args))))
        srv.wait()
    return r, srv.received


@T.case("cold with PARTIAL: the newest 20 by a UID FETCH of the last 20, behind the SELECT")
def _():
    r, sent = cold_partial(["list", "--limit", "20"])
    T.expect_code(r, 0)
    T.expect(re.search(rb"EXAMINE INBOX[^\r]*\r\n\S+ UID FETCH 1:\* \([^\r]*"
                       rb"\) \(PARTIAL -1:-20\)\r\n", sent),
             "the early page in the SELECT's flight, even over loopback: %r"
             % sent[-400:])
    T.expect(b"SORT" not in sent, "no sort asked for")
    T.expect(not re.search(rb"FETCH 2\d\d:", sent),
             "nothing fetched by number: %r" % sent[-300:])
    T.expect_eq(listed(r.out), list(range(COUNT - 19, COUNT + 1)),
                "the newest 20")


@T.case("cold with PARTIAL, the whole folder: the first page early, the rest in batches")
def _():
    r, sent = cold_partial(["list"])
    T.expect_code(r, 0)
    T.expect(re.search(rb"UID FETCH 1:\* \([^\r]*\) \(PARTIAL -1:-100\)\r\n",
                       sent), "a first page of 100: %r" % sent[:600])
    T.expect_eq(listed(r.out), list(range(1, COUNT + 1)), "every message")
    again = set()
    for m in re.finditer(rb"FETCH ([\d:,*]+) [^\r]*HEADER\.FIELDS",
                         sent.split(b"(PARTIAL -1:-100)", 1)[1]):
        again |= parse_set(m.group(1).decode()) & set(range(151, COUNT + 1))
    T.expect(not again, "the first page's 100 not fetched again: %s"
             % sorted(again)[:10])


@T.case("cold with PARTIAL refused (BAD): the newest fetched by number as before")
def _():
    r, sent = cold_partial(["list", "--limit", "20"],
                           ["TAG BAD [CLIENTBUG] no negative ranges here"])
    T.expect_code(r, 0)
    T.expect(b"(PARTIAL -1:-20)\r\n" in sent, "the early page was asked for")
    T.expect_eq(listed(r.out), list(range(COUNT - 19, COUNT + 1)),
                "the newest 20 all the same")
    T.expect(re.search(rb"FETCH 231:250 \(UID FLAGS INTERNALDATE", sent),
             "fetched by number once it failed: %r" % sent[-400:])


T.main(setup=setup)

#!/usr/bin/env python3
"""The folder model against a scripted server that misbehaves on purpose:
EXPUNGE, EXISTS and flag changes from "another client" in the middle of a
pipelined cold open (sequence numbers shift under the client), [MODIFIED]
answers to a conditional STORE, and FETCH data for messages that do not
exist. crispin list must end equal to the server's model, and never crash."""

import json
import os
import re
import subprocess
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from crispintest import Suite  # noqa: E402
from fakeimap import ScriptedServer  # noqa: E402

T = Suite(__file__)
CERT = KEY = None
PASSWORD = "s3cret pass"
HEADER_ITEM = ("BODY[HEADER.FIELDS (DATE FROM TO CC SUBJECT MESSAGE-ID "
               "IN-REPLY-TO REFERENCES)]")


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


def rc_for(srv, **more):
    opts = {"imap_url": "imaps://alice@127.0.0.1:%d/" % srv.port,
            "imap_pass": PASSWORD, "tls_ca_file": CERT,
            "connect_timeout": "5", "cache_dir": T.path("cache")}
    opts.update(more)
    return opts


class Mailbox:
    """The server's truth: [uid, flags] in sequence order."""

    def __init__(self, n, condstore=False):
        self.msgs = [[u, set()] for u in range(1, n + 1)]
        self.uidnext = n + 1
        self.modseq = 10
        self.condstore = condstore

    def seq_of(self, uid):
        for i, (u, _) in enumerate(self.msgs):
            if u == uid:
                return i + 1
        return 0

    def expunge_seq(self, c, seq):
        del self.msgs[seq - 1]
        c.send("* %d EXPUNGE" % seq)

    def deliver(self, c):
        self.msgs.append([self.uidnext, set()])
        self.uidnext += 1
        c.send("* %d EXISTS" % len(self.msgs))

    def state(self):
        return {u: set(f) for u, f in self.msgs}


def parse_set(text, maximum):
    out = set()
    for part in text.split(","):
        lo, _, hi = part.partition(":")
        lo = maximum if lo == "*" else int(lo)
        hi = lo if not hi else (maximum if hi == "*" else int(hi))
        out.update(range(min(lo, hi), max(lo, hi) + 1))
    return out


def fetch_line(mb, seq, headers):
    uid, flags = mb.msgs[seq - 1]
    items = "UID %d FLAGS (%s)" % (uid, " ".join(sorted(flags)))
    if mb.condstore:
        items += " MODSEQ (%d)" % mb.modseq
    if not headers:
        return "* %d FETCH (%s)" % (seq, items)
    hdr = ("From: Sender %d <s%d@example.net>\r\nSubject: message %d\r\n"
           "Date: Tue, 05 Mar 2024 10:00:00 +0000\r\n\r\n" % (uid, uid, uid))
    return ('* %d FETCH (%s INTERNALDATE "05-Mar-2024 10:00:00 +0000" '
            "RFC822.SIZE 300 %s {%d}\r\n%s)" % (seq, items, HEADER_ITEM,
                                                len(hdr), hdr))


def serve(c, mb, hooks=None, caps="IMAP4rev1 SASL-IR AUTH=PLAIN ENABLE ID "
          "NAMESPACE LITERAL+ UIDPLUS"):
    """Answers commands from the model until LOGOUT. hooks: {n: fn(c, mb,
    tag, line)} runs before the n-th command (0-based) after login;
    returning True means the hook answered the command itself."""
    hooks = hooks or {}
    c.send("* OK [CAPABILITY %s] scripted" % caps)
    tag, _ = c.expect_command("AUTHENTICATE")
    c.send("%s OK [CAPABILITY %s] in" % (tag, caps))
    n = 0
    while True:
        line = c.read_line()
        m = re.match(r"(\S+) (UID )?(\S+) ?(.*)$", line)
        tag, uid, verb, rest = m.group(1), bool(m.group(2)), m.group(3).upper(), m.group(4)
        if verb not in ("ENABLE", "ID", "NAMESPACE"):
            hook = hooks.get(n)
            n += 1
            if hook and hook(c, mb, tag, line):
                continue
        if verb == "ENABLE":
            if "QRESYNC" in caps:
                c.send("* ENABLED CONDSTORE QRESYNC")
            elif "CONDSTORE" in caps:
                c.send("* ENABLED CONDSTORE")
        elif verb in ("SELECT", "EXAMINE"):
            c.send("* %d EXISTS" % len(mb.msgs))
            c.send("* OK [UIDVALIDITY 77] ok")
            c.send("* OK [UIDNEXT %d] ok" % mb.uidnext)
            if mb.condstore:
                c.send("* OK [HIGHESTMODSEQ %d] ok" % mb.modseq)
        elif verb == "FETCH":
            seqset, items = rest.split(" ", 1)
            if uid:
                uids = parse_set(seqset, mb.uidnext - 1)
                seqs = [i + 1 for i, (u, _) in enumerate(mb.msgs) if u in uids]
            else:
                seqs = sorted(s for s in parse_set(seqset, len(mb.msgs))
                              if s <= len(mb.msgs))
            for s in seqs:
                c.send(fetch_line(mb, s, "HEADER.FIELDS" in items))
        elif verb == "SEARCH":
            c.send("* SEARCH " + " ".join(str(u) for u, _ in mb.msgs))
        elif verb == "STORE":
            mm = re.match(r"(\S+) (?:\(UNCHANGEDSINCE \d+\) )?([+-])FLAGS\.SILENT "
                          r"\(([^)]*)\)", rest)
            uids = parse_set(mm.group(1), mb.uidnext - 1)
            for u, f in mb.msgs:
                if u in uids:
                    if mm.group(2) == "+":
                        f.update(mm.group(3).split())
                    else:
                        f.difference_update(mm.group(3).split())
            mb.modseq += 1
        elif verb == "LOGOUT":
            c.send("* BYE bye")
            c.send("%s OK bye" % tag)
            return
        c.send("%s OK %s done" % (tag, verb))


def run_list(srv):
    r = T.crispin("list", "--json", rc=rc_for(srv))
    srv.wait()
    T.expect_code(r, 0)
    return {o["uid"]: set(o["flags"]) for o in map(json.loads, r.out.splitlines())}, r


@T.case("cold open: EXPUNGE, EXISTS and FETCH FLAGS between pipelined batches")
def _():
    mb = Mailbox(250)

    def meddle(c, mb, tag, line):
        # Another client: expunges message 5, flags message 3, delivers one.
        mb.expunge_seq(c, 5)
        mb.msgs[2][1].add("\\Flagged")
        c.send("* 3 FETCH (FLAGS (\\Flagged))")
        mb.deliver(c)
        return False

    # Commands after login: 0 EXAMINE, 1 FETCH 151:250, 2 FETCH 1:150.
    with ScriptedServer(lambda c: serve(c, mb, {2: meddle}), tls="implicit",
                        cert=CERT, key=KEY) as srv:
        got, r = run_list(srv)
    T.expect_eq(got, mb.state(), "crispin list vs the server's model")
    T.expect(251 in got and 5 not in got, "new message in, expunged one out")
    T.expect(re.search(rb"FETCH 251 |FETCH 250 \(", srv.received),
             "the new message was fetched: %r" % srv.received[-400:])


@T.case("QRESYNC: VANISHED during a cold open removes by UID, not by position")
def _():
    caps = ("IMAP4rev1 SASL-IR AUTH=PLAIN ENABLE ID NAMESPACE LITERAL+ "
            "UIDPLUS CONDSTORE QRESYNC")
    mb = Mailbox(250, condstore=True)

    def vanish(c, mb, tag, line):
        # UIDs 7:9 (already fetched? no: in this batch) and 240 (fetched).
        mb.msgs = [m for m in mb.msgs if m[0] not in (7, 8, 9, 240)]
        c.send("* VANISHED 7:9,240")
        return False

    with ScriptedServer(lambda c: serve(c, mb, {2: vanish}, caps), tls="implicit",
                        cert=CERT, key=KEY) as srv:
        got, r = run_list(srv)
    T.expect_eq(got, mb.state(), "crispin list vs the server's model")
    T.expect(b"ENABLE CONDSTORE QRESYNC" in srv.received or
             b"ENABLE QRESYNC" in srv.received, "QRESYNC enabled")


@T.case("a FETCH for a message beyond EXISTS is survived and repaired")
def _():
    mb = Mailbox(20)

    def hostile(c, mb, tag, line):
        c.send('* 99 FETCH (UID 999 FLAGS (\\Seen))')
        c.send('* 2 FETCH (UID 1 FLAGS (\\Seen))')
        return False

    with ScriptedServer(lambda c: serve(c, mb, {1: hostile}), tls="implicit",
                        cert=CERT, key=KEY) as srv:
        r = T.crispin("list", "--json", rc=rc_for(srv))
        srv.wait()
    T.expect(r.code in (0, 7), "exit %d: %s" % (r.code, r.err))
    if r.code == 0:
        got = {o["uid"]: set(o["flags"]) for o in map(json.loads, r.out.splitlines())}
        T.expect_eq(sorted(got), sorted(mb.state()), "UIDs repaired from UID SEARCH")
    T.expect(b"UID SEARCH" in srv.received, "the map was rebuilt from UID SEARCH")


@T.case("flag: [MODIFIED] refetches and retries on top of the new state")
def _():
    caps = ("IMAP4rev1 SASL-IR AUTH=PLAIN ENABLE ID NAMESPACE LITERAL+ "
            "UIDPLUS CONDSTORE")
    mb = Mailbox(10, condstore=True)
    seen = {}

    def first_store(c, mb, tag, line):
        if " UID STORE " not in line:
            return False
        if seen.get("store"):
            return False
        seen["store"] = True
        T.expect("(UNCHANGEDSINCE " in line, "conditional: %r" % line)
        mb.msgs[6][1].add("\\Answered")
        mb.modseq += 1
        for u, f in mb.msgs:
            if u in (6, 8):
                f.add("\\Flagged")
        c.send("%s OK [MODIFIED 7] some refused" % tag)
        return True

    hooks = {i: first_store for i in range(0, 12)}
    with ScriptedServer(lambda c: serve(c, mb, hooks, caps), tls="implicit",
                        cert=CERT, key=KEY) as srv:
        r = T.crispin("flag", "6:8", "+\\Flagged", rc=rc_for(srv))
        srv.wait()
    T.expect_code(r, 0)
    T.expect_eq(mb.state()[7], {"\\Answered", "\\Flagged"},
                "message 7 got the flag on its new state")
    T.expect(re.search(rb"UID FETCH 7 \(UID FLAGS MODSEQ\)", srv.received),
             "refetched: %r" % srv.received[-500:])
    T.expect(re.search(rb"UID STORE 7 \(UNCHANGEDSINCE \d+\) \+FLAGS", srv.received),
             "retried")


T.main(setup=setup)

#!/usr/bin/env python3
"""OBJECTID (RFC 8474) against a scripted server (Dovecot 2.3 does not
offer it): where the server does, the index fetch asks for EMAILID and the
cache records it per message, which is what lets a moved message find its
cached parts in the new folder (unit/test-store covers that lookup);
where it does not, EMAILID is never asked for."""

import os
import re
import sqlite3
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
NMSG = 3


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


def serve(c, caps):
    c.send("* OK [CAPABILITY %s] scripted" % caps)
    tag, _ = c.expect_command("AUTHENTICATE")
    c.send("%s OK [CAPABILITY %s] in" % (tag, caps))
    while True:
        line = c.read_line()
        m = re.match(r"(\S+) (UID )?(\S+) ?(.*)$", line)
        tag, verb, rest = m.group(1), m.group(3).upper(), m.group(4)
        if verb in ("SELECT", "EXAMINE"):
            c.send("* %d EXISTS" % NMSG)
            c.send("* OK [UIDVALIDITY 77] ok")
            c.send("* OK [UIDNEXT %d] ok" % (NMSG + 1))
        elif verb == "FETCH":
            for seq in range(1, NMSG + 1):
                hdr = ("From: S <s@example.net>\r\nSubject: message %d\r\n"
                       "\r\n" % seq)
                oid = " EMAILID (M%04d)" % seq if "EMAILID" in rest else ""
                c.send('* %d FETCH (UID %d FLAGS () INTERNALDATE '
                       '"05-Mar-2024 10:00:00 +0000" RFC822.SIZE 300%s '
                       "BODY[HEADER.FIELDS (DATE FROM TO CC SUBJECT "
                       "MESSAGE-ID IN-REPLY-TO REFERENCES)] {%d}\r\n%s)"
                       % (seq, seq, oid, len(hdr), hdr))
        elif verb == "LOGOUT":
            c.send("* BYE bye")
            c.send("%s OK bye" % tag)
            return
        c.send("%s OK %s done" % (tag, verb))


def emailids(cache):
    out = {}
    for root, _, names in os.walk(cache):
        for n in names:
            if n.endswith(".sqlite"):
                db = sqlite3.connect(os.path.join(root, n))
                out.update(db.execute("SELECT uid, emailid FROM messages m"
                                      " JOIN folders f ON f.id = m.folder_id"
                                      " WHERE f.name = 'INBOX'").fetchall())
                db.close()
    return out


def run(caps, cache):
    with ScriptedServer(lambda c: serve(c, caps), tls="implicit", cert=CERT,
                        key=KEY) as srv:
        r = T.crispin("list", rc={
            "imap_url": "imaps://alice@127.0.0.1:%d/" % srv.port,
            "imap_pass": PASSWORD, "tls_ca_file": CERT,
            "connect_timeout": "5", "cache_dir": cache})
        srv.wait()
    T.expect_code(r, 0)
    T.expect_eq(len(r.out.splitlines()), NMSG, "listed")
    return r, srv


@T.case("OBJECTID offered: EMAILID fetched with the index and cached")
def _():
    cache = T.path("cache-oid")
    r, srv = run("IMAP4rev1 SASL-IR AUTH=PLAIN ENABLE ID NAMESPACE OBJECTID",
                 cache)
    T.expect(re.search(rb"FETCH \S+ \([^\r]*EMAILID", srv.received),
             "EMAILID asked for: %r" % srv.received[-300:])
    T.expect_eq(emailids(cache), {1: "M0001", 2: "M0002", 3: "M0003"},
                "EMAILIDs in the cache")


@T.case("no OBJECTID: EMAILID is not asked for")
def _():
    cache = T.path("cache-plain")
    r, srv = run("IMAP4rev1 SASL-IR AUTH=PLAIN ENABLE ID NAMESPACE", cache)
    T.expect(b"EMAILID" not in srv.received, "EMAILID asked for anyway")
    T.expect_eq(emailids(cache), {1: None, 2: None, 3: None}, "none cached")


T.main(setup=setup)

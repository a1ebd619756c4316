#!/usr/bin/env python3
"""Special-use folders are found by their role, not their name: against a
Dovecot whose \\Trash is "Papierkorb", \\Archive "Ablage", \\Sent
"Gesendet" and \\Drafts "Entwuerfe", beside ordinary folders named Trash,
Archive, Sent and Drafts, crispin delete, move :archive and append :sent
and :drafts use the role's folder; the rc options trash, archive, record
and postponed override the role, online and (for a move) offline."""

import imaplib
import os
import re
import ssl
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from crispintest import Suite, account_rc  # noqa: E402
from dovecot import Dovecot  # noqa: E402

T = Suite(__file__)
dc = None
ROLES = [("Gesendet", "\\Sent"), ("Entwuerfe", "\\Drafts"),
         ("Papierkorb", "\\Trash"), ("Spam", "\\Junk"), ("Ablage", "\\Archive")]
DECOYS = ["Trash", "Archive", "Sent", "Drafts"]


def setup():
    global dc
    dc = Dovecot(special_use=ROLES).start()
    for name in DECOYS:
        dc.create_folder("alice", name)


def teardown():
    if dc:
        dc.stop()


def run(*args, **kw):
    more = kw.pop("rc_more", {})
    return T.crispin(*args, rc=account_rc(dc, **more), **kw)


def msg(mid):
    return ("From: Tester <tester@example.org>\nTo: alice@example.org\n"
            "Subject: Role test %s\nMessage-ID: <%s@crispin.test>\n\nBody.\n"
            % (mid, mid))


def mids(folder):
    """{message-id: uid} of a folder, over IMAP."""
    ctx = ssl.create_default_context(cafile=dc.ca_file)
    m = imaplib.IMAP4_SSL(dc.host, dc.imaps_port, ssl_context=ctx)
    m.login("alice", dc.users["alice"])
    try:
        m.select('"%s"' % folder, readonly=True)
        typ, data = m.uid("FETCH", "1:*", "(BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
        out = {}
        for item in data:
            if isinstance(item, tuple):
                uid = int(re.search(rb"UID (\d+)", item[0]).group(1))
                out[re.search(rb"<([^@]+)@", item[1]).group(1).decode()] = uid
        return out
    finally:
        m.logout()


def fill(folder, *names):
    for mid in names:
        dc.deliver("alice", folder, msg(mid))
    return mids(folder)


@T.case("crispin folders names each role's folder; the decoys have none")
def _():
    r = run("folders")
    T.expect_code(r, 0)
    roles = dict(l.split("\t")[:2] for l in r.out.splitlines())
    for name, role in ROLES:
        T.expect_eq(roles.get(name), role, "role of %s" % name)
    for name in DECOYS:
        T.expect_eq(roles.get(name), "-", "%s has no role" % name)


@T.case("delete, move :archive, append :sent and :drafts use the role's folder")
def _():
    u = fill("Eingang", "d1", "a1")
    r = run("delete", "-f", "Eingang", str(u["d1"]))
    T.expect_code(r, 0)
    T.expect(r.out.startswith("moved 1 message to Papierkorb"), r.out)
    r = run("move", "-f", "Eingang", str(u["a1"]), ":archive")
    T.expect_code(r, 0)
    T.expect(r.out.startswith("moved 1 message to Ablage"), r.out)
    path = T.write("m.eml", msg("s1"))
    T.expect_code(run("append", ":sent", path), 0)
    path = T.write("d.eml", msg("e1"))
    T.expect_code(run("append", ":drafts", path), 0)
    T.expect("d1" in mids("Papierkorb") and "a1" in mids("Ablage") and
             "s1" in mids("Gesendet") and "e1" in mids("Entwuerfe"),
             "each in its role's folder")
    for name in DECOYS:
        T.expect_eq(mids(name), {}, "%s untouched" % name)


@T.case("trash, archive, record and postponed in the rc file override the roles")
def _():
    rc = {"trash": "Trash", "archive": "Archive", "record": "Sent",
          "postponed": "Drafts"}
    u = fill("Eingang2", "d2", "a2")
    r = run("delete", "-f", "Eingang2", str(u["d2"]), rc_more=rc)
    T.expect_code(r, 0)
    T.expect(r.out.startswith("moved 1 message to Trash"), r.out)
    r = run("move", "-f", "Eingang2", str(u["a2"]), ":archive", rc_more=rc)
    T.expect_code(r, 0)
    T.expect(r.out.startswith("moved 1 message to Archive"), r.out)
    path = T.write("m2.eml", msg("s2"))
    T.expect_code(run("append", ":sent", path, rc_more=rc), 0)
    path = T.write("d2.eml", msg("e2"))
    T.expect_code(run("append", "\\Drafts", path, rc_more=rc), 0)
    T.expect_eq(set(mids("Trash")), {"d2"}, "Trash")
    T.expect_eq(set(mids("Archive")), {"a2"}, "Archive")
    T.expect_eq(set(mids("Sent")), {"s2"}, "Sent")
    T.expect_eq(set(mids("Drafts")), {"e2"}, "Drafts")
    T.expect("a2" not in mids("Ablage"), "the role's folder untouched")
    # An option may name another role.
    u = fill("Eingang2", "d3")
    r = run("delete", "-f", "Eingang2", str(u["d3"]), rc_more={"trash": ":archive"})
    T.expect_code(r, 0)
    T.expect(r.out.startswith("moved 1 message to Ablage"), r.out)


@T.case("offline, move :archive goes to the archive option's folder; "
        "without it the role cannot be looked up")
def _():
    cache = T.path("cache-roles")
    os.makedirs(cache)
    u = fill("Eingang3", "a3")
    T.expect_code(run("sync", "-f", "Eingang3", rc_more={"cache_dir": cache}), 0)
    down = {"cache_dir": cache, "archive": "Archive"}
    r = run("--offline", "move", "-f", "Eingang3", str(u["a3"]), ":archive",
            rc_more=down)
    T.expect_code(r, 0)
    T.expect("Archive" in r.out, r.out)
    r = run("--offline", "move", "-f", "Eingang3", str(u["a3"]), ":junk",
            rc_more={"cache_dir": cache})
    T.expect_code(r, 2)
    T.expect("cannot be looked up" in r.err, r.err)
    # The next command that connects replays the move.
    r = run("list", "-f", "Eingang3", rc_more={"cache_dir": cache})
    T.expect_code(r, 0)
    T.expect("a3" in mids("Archive") and "a3" not in mids("Eingang3"),
             "replayed into Archive")


if __name__ == "__main__":
    T.main(setup, teardown)

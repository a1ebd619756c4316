#!/usr/bin/env python3
"""A command the link dies under, against Dovecot through
tests/lib/linkproxy.py, whose cut_on resets the connection at the moment
crispin sends a given command: "before" the server sees it, or once the
server "answered" it (done, but crispin never hears). crispin reconnects
and then reads again what it was reading (FETCH), makes a flag change
again, and checks a move, a copy and an append on the server before
doing anything twice: the server ends with exactly the intended flags,
no message twice and none lost, and the command exits 0."""

import os
import re
import ssl
import sys
import imaplib

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))

from crispintest import Suite, account_rc  # noqa: E402
from dovecot import Dovecot  # noqa: E402
from linkproxy import LinkProxy  # noqa: E402

T = Suite(__file__)
dc = None
proxy = None


def setup():
    global dc, proxy
    dc = Dovecot().start()
    # Plain IMAP, so that the proxy can read the commands it aims at.
    proxy = LinkProxy("127.0.0.1", dc.imap_port)


def teardown():
    if proxy:
        proxy.stop()
    if dc:
        dc.stop()


def rc(name, **more):
    cache = os.path.join(T.workdir, "cache-" + name)
    os.makedirs(cache, exist_ok=True)
    opts = account_rc(dc, cache_dir=cache, timeout="5", connect_timeout="3",
                      imap_url="imap://alice@127.0.0.1:%d/" % proxy.port,
                      tls="no", tls_ca_file=None, allow_plaintext="yes")
    opts.update(more)
    return opts


def imap():
    ctx = ssl.create_default_context(cafile=dc.ca_file)
    m = imaplib.IMAP4_SSL(dc.host, dc.imaps_port, ssl_context=ctx)
    m.login("alice", dc.users["alice"])
    return m


def msg(mid):
    return ("From: Tester <tester@example.org>\nTo: alice@example.org\n"
            "Subject: Test %s\nMessage-ID: <%s@crispin.test>\n\nBody of %s.\n"
            % (mid, mid, mid))


def contents(folder):
    """[(message-id, uid, flags)] of a folder, over IMAP, in UID order."""
    m = imap()
    try:
        typ, _ = m.select('"%s"' % folder, readonly=True)
        T.expect(typ == "OK", "cannot select %s" % folder)
        typ, data = m.uid("FETCH", "1:*",
                          "(UID FLAGS BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
        out = []
        for item in data:
            if isinstance(item, tuple):
                uid = int(re.search(rb"UID (\d+)", item[0]).group(1))
                fl = set(re.search(rb"FLAGS \(([^)]*)\)", item[0]).group(1)
                         .decode().split())
                fl.discard("\\Recent")
                mid = re.search(rb"<([^@]+)@", item[1]).group(1).decode()
                out.append((mid, uid, fl))
        return out
    finally:
        m.logout()


def fill(folder, specs):
    """Creates folder with [(mid, flags)]; {mid: uid}."""
    dc.create_folder("alice", folder)
    for mid, fl in specs:
        dc.deliver("alice", folder, msg(mid), flags=fl)
    return {mid: uid for mid, uid, _ in contents(folder)}


def run(name, *args, **kw):
    """crispin through the proxy; the cut must have happened."""
    before = proxy.connections
    r = T.crispin(*args, rc=rc(name), **kw)
    T.expect(proxy.fired.is_set(), "the proxy never cut: %s" % r.describe())
    T.expect(proxy.connections >= before + 2,
             "no second connection: %s" % r.describe())
    return r


@T.case("mid-FETCH: the folder is read again and listed whole")
def _():
    specs = [("f%d" % i, "") for i in range(1, 31)]
    fill("ReadMe", specs)
    proxy.cut_on(r"^\S+ (UID )?FETCH ", "started")
    r = run("fetch", "list", "-f", "ReadMe")
    T.expect_code(r, 0)
    lines = [l for l in r.out.splitlines() if l]
    T.expect_eq(len(lines), 30, "messages listed")
    T.expect("Test f30" in r.out and "Test f1\t" in r.out + "\t",
             "subjects: %s" % r.out[:300])


def flag_case(name, when):
    folder = "Flags" + name
    uids = fill(folder, [("a", "\\Seen"), ("b", "")])
    proxy.cut_on(r"UID STORE", when)
    r = run(name, "flag", "-f", folder, str(uids["a"]), str(uids["b"]),
            "+\\Flagged", "-\\Seen")
    T.expect_code(r, 0)
    got = {mid: fl for mid, _, fl in contents(folder)}
    T.expect_eq(got, {"a": {"\\Flagged"}, "b": {"\\Flagged"}},
                "flags on the server")
    T.expect("reconnecting" in r.err, "says it reconnects: %s" % r.err)
    T.expect("conflict: " not in r.err,
             "its own change taken for another client's: %s" % r.err)


@T.case("mid-STORE, before the server got it: the change is made again")
def _():
    flag_case("store-before", "before")


@T.case("mid-STORE, after the server did it: the flags are right, once")
def _():
    flag_case("store-after", "answered")


def move_case(name, when):
    src, dest = "MoveFrom" + name, "MoveTo" + name
    uids = fill(src, [("m1", ""), ("m2", ""), ("keep", "")])
    dc.create_folder("alice", dest)
    proxy.cut_on(r"UID MOVE", when)
    r = run(name, "move", "-f", src, "%d,%d" % (uids["m1"], uids["m2"]), dest)
    T.expect_code(r, 0)
    left = sorted(mid for mid, _, _ in contents(src))
    moved = sorted(mid for mid, _, _ in contents(dest))
    T.expect_eq(left, ["keep"], "left in the source")
    T.expect_eq(moved, ["m1", "m2"], "in the destination, each once")


@T.case("mid-MOVE, before the server got it: moved after reconnecting")
def _():
    move_case("move-before", "before")


@T.case("mid-MOVE, after the server did it: not moved twice")
def _():
    move_case("move-after", "answered")


@T.case("mid-COPY, after the server did it: not copied twice")
def _():
    src, dest = "CopyFrom", "CopyTo"
    uids = fill(src, [("c1", ""), ("c2", "")])
    dc.create_folder("alice", dest)
    proxy.cut_on(r"UID COPY", "answered")
    r = run("copy-after", "copy", "-f", src, str(uids["c1"]), dest)
    T.expect_code(r, 0)
    T.expect_eq(sorted(mid for mid, _, _ in contents(dest)), ["c1"],
                "copied once")
    T.expect_eq(sorted(mid for mid, _, _ in contents(src)), ["c1", "c2"],
                "the source is untouched")


def append_case(name, when):
    folder = "Append" + name
    dc.create_folder("alice", folder)
    path = T.write("append-" + name, msg("ap-" + name).replace("\n", "\r\n"))
    proxy.cut_on(r"APPEND", when)
    r = run(name, "append", folder, path)
    T.expect_code(r, 0)
    T.expect_eq([mid for mid, _, _ in contents(folder)], ["ap-" + name],
                "the message, once")
    T.expect("appended" in r.out, "says so: %s" % r.out)


@T.case("mid-APPEND, before the server got it: appended after reconnecting")
def _():
    append_case("before", "before")


@T.case("mid-APPEND, after the server did it: not appended twice")
def _():
    append_case("after", "answered")


T.main(setup=setup, teardown=teardown)

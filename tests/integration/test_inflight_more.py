#!/usr/bin/env python3
"""More of a command the link dies under (see test_inflight.py), against
Dovecot through tests/lib/linkproxy.py:
 - a move on a server without MOVE (UID COPY, UID STORE \\Deleted, UID
   EXPUNGE under UIDPLUS) cut after the server did the COPY, or before
   the UID EXPUNGE: the destination has each message once, the source
   none (the copies are found by Message-ID, only marked and expunged);
 - a MOVE the server did before the cut is reported done, found in the
   destination by the Message-IDs recorded with the journal entry;
 - search, show and save, which only read, are asked again on a new
   session and print their output once;
 - SIGINT during the wait before reconnecting ends the command at once
   (exit 130) and keeps the journal entry for the next command."""

import os
import re
import signal
import ssl
import subprocess
import sys
import threading
import time
import imaplib

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))

from crispintest import Suite, account_rc  # noqa: E402
from dovecot import Dovecot  # noqa: E402
from linkproxy import LinkProxy  # noqa: E402

T = Suite(__file__)

BASE_CAPS = ("IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT "
             "THREAD=REFERENCES MULTIAPPEND UNSELECT CHILDREN NAMESPACE "
             "LIST-EXTENDED I18NLEVEL=1 CONDSTORE LIST-STATUS LITERAL+ "
             "SPECIAL-USE")
# No MOVE: a move is UID COPY, UID STORE +FLAGS (\Deleted), UID EXPUNGE.
NOMOVE_CAPS = BASE_CAPS + " UIDPLUS"

servers = {}
proxies = {}


def setup():
    servers["full"] = Dovecot().start()
    servers["nomove"] = Dovecot(imap_capability=NOMOVE_CAPS).start()
    for name, dc in servers.items():
        # Plain IMAP, so that the proxy can read the commands it aims at.
        proxies[name] = LinkProxy("127.0.0.1", dc.imap_port)


def teardown():
    for p in proxies.values():
        p.stop()
    for dc in servers.values():
        dc.stop()


def rc(server, name, **more):
    dc, proxy = servers[server], proxies[server]
    cache = os.path.join(T.workdir, "cache-" + name)
    os.makedirs(cache, exist_ok=True)
    opts = account_rc(dc, cache_dir=cache, timeout="5", connect_timeout="3",
                      imap_url="imap://alice@127.0.0.1:%d/" % proxy.port,
                      tls="no", tls_ca_file=None, allow_plaintext="yes")
    opts.update(more)
    return opts


def imap(dc):
    ctx = ssl.create_default_context(cafile=dc.ca_file)
    m = imaplib.IMAP4_SSL(dc.host, dc.imaps_port, ssl_context=ctx)
    m.login("alice", dc.users["alice"])
    return m


def msg(mid, body=None):
    return ("From: Tester <tester@example.org>\nTo: alice@example.org\n"
            "Subject: Test %s\nMessage-ID: <%s@crispin.test>\n\n%s\n"
            % (mid, mid, body or "Body of %s." % mid))


def contents(dc, folder):
    """[(message-id, uid, flags)] of a folder, over IMAP, in UID order."""
    m = imap(dc)
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


def fill(server, folder, specs):
    """Creates folder with [(mid, flags)]; {mid: uid}."""
    dc = servers[server]
    dc.create_folder("alice", folder)
    for mid, fl in specs:
        dc.deliver("alice", folder, msg(mid), flags=fl)
    return {mid: uid for mid, uid, _ in contents(dc, folder)}


def run(server, name, *args, **kw):
    """crispin through the proxy; the cut must have happened."""
    proxy = proxies[server]
    before = proxy.connections
    r = T.crispin(*args, rc=rc(server, name), **kw)
    T.expect(proxy.fired.is_set(), "the proxy never cut: %s" % r.describe())
    T.expect(proxy.connections >= before + 2,
             "no second connection: %s" % r.describe())
    return r


def nomove_case(name, regex, when):
    src, dest = "NmFrom" + name, "NmTo" + name
    uids = fill("nomove", src, [("n1", ""), ("n2", ""), ("keep", "")])
    servers["nomove"].create_folder("alice", dest)
    proxies["nomove"].cut_on(regex, when)
    r = run("nomove", name, "move", "-f", src,
            "%d,%d" % (uids["n1"], uids["n2"]), dest)
    T.expect_code(r, 0)
    T.expect(re.search(r"UID COPY", r.trace), "no UID COPY: a MOVE server?")
    left = sorted(mid for mid, _, _ in contents(servers["nomove"], src))
    moved = sorted(mid for mid, _, _ in contents(servers["nomove"], dest))
    T.expect_eq(moved, ["n1", "n2"], "in the destination, each once")
    T.expect_eq(left, ["keep"], "left in the source")
    T.expect("journal: replayed: move" in r.err,
             "the move is reported done: %s" % r.err)
    T.expect("not copied again" in r.err,
             "says the copies were found: %s" % r.err)
    return r


@T.case("no MOVE, cut once the COPY was done: not copied twice")
def _():
    nomove_case("copy-answered", r"UID COPY", "answered")


@T.case("no MOVE, cut before the UID EXPUNGE: not copied twice")
def _():
    r = nomove_case("expunge-before", r"UID EXPUNGE", "before")
    # The replay expunged exactly the moved UIDs, never all \Deleted.
    T.expect(not re.search(r"^\S+ EXPUNGE\s*$", r.trace, re.M),
             "a plain EXPUNGE was sent:\n%s" % r.trace[-1500:])


@T.case("MOVE done before the cut: reported done, not dropped")
def _():
    src, dest = "MvFromDone", "MvToDone"
    uids = fill("full", src, [("d1", ""), ("keep", "")])
    servers["full"].create_folder("alice", dest)
    proxies["full"].cut_on(r"UID MOVE", "answered")
    r = run("full", "move-done", "move", "-f", src, str(uids["d1"]), dest)
    T.expect_code(r, 0)
    T.expect_eq(sorted(m for m, _, _ in contents(servers["full"], dest)),
                ["d1"], "moved once")
    T.expect("journal: replayed: move" in r.err and "already in" in r.err,
             "reported done: %s" % r.err)
    T.expect("journal: dropped" not in r.err, "reported dropped: %s" % r.err)


@T.case("search: the link dies under UID SEARCH; asked again, listed once")
def _():
    fill("full", "Seek", [("hit1", ""), ("hit2", ""), ("other", "")])
    proxies["full"].cut_on(r"UID SEARCH .*SUBJECT", "started")
    r = run("full", "search", "search", "-f", "Seek", "subject:hit")
    T.expect_code(r, 0)
    lines = [l for l in r.out.splitlines() if l]
    T.expect_eq(len(lines), 2, "matches listed: %r" % r.out)
    T.expect("Test hit1" in r.out and "Test hit2" in r.out, r.out)
    T.expect("searching again" in r.err, "says so: %s" % r.err)


@T.case("search: the link dies under the FETCH of structures; once")
def _():
    dc = servers["full"]
    dc.create_folder("alice", "SeekAtt")
    dc.deliver("alice", "SeekAtt", msg("plain"))
    dc.deliver("alice", "SeekAtt", (
        "From: Tester <tester@example.org>\nTo: alice@example.org\n"
        "Subject: Test att\nMessage-ID: <att@crispin.test>\n"
        "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=XX\n\n"
        "--XX\nContent-Type: text/plain\n\nSee the file.\n--XX\n"
        "Content-Type: application/octet-stream\n"
        "Content-Disposition: attachment; filename=f.bin\n"
        "Content-Transfer-Encoding: base64\n\nAAECAw==\n--XX--\n"))
    proxies["full"].cut_on(r"UID FETCH \S+ \(UID BODYSTRUCTURE", "started")
    r = run("full", "search-att", "search", "-f", "SeekAtt", "has:attachment")
    T.expect_code(r, 0)
    lines = [l for l in r.out.splitlines() if l]
    T.expect_eq(len(lines), 1, "matches listed: %r" % r.out)
    T.expect("Test att" in r.out, r.out)


def show_folder():
    if "Shown" not in [f for f in getattr(show_folder, "made", [])]:
        fill("full", "Shown", [("v1", "")])
        show_folder.made = ["Shown"]
    return {mid: uid for mid, uid, _ in contents(servers["full"], "Shown")}


@T.case("show: the link dies under the header FETCH; shown once")
def _():
    uids = show_folder()
    proxies["full"].cut_on(r"UID FETCH .*BODYSTRUCTURE", "started")
    r = run("full", "show-head", "show", "-f", "Shown", str(uids["v1"]))
    T.expect_code(r, 0)
    T.expect_eq(r.out.count("Body of v1."), 1, "the text, once: %r" % r.out)
    T.expect_eq(r.out.count("Test v1"), 1, "the header, once: %r" % r.out)


@T.case("show: the link dies under the body FETCH; shown once")
def _():
    uids = show_folder()
    proxies["full"].cut_on(r"UID FETCH .*BODY\.PEEK\[(1|TEXT)\]", "started")
    r = run("full", "show-body", "show", "-f", "Shown", str(uids["v1"]))
    T.expect_code(r, 0)
    T.expect_eq(r.out.count("Body of v1."), 1, "the text, once: %r" % r.out)
    T.expect("reading the message again" in r.err, "says so: %s" % r.err)


@T.case("show --raw: the link dies under the FETCH; the bytes once")
def _():
    uids = show_folder()
    proxies["full"].cut_on(r"UID FETCH .*BODY\.PEEK\[\]", "started")
    r = run("full", "show-raw", "show", "-f", "Shown", "--raw",
            str(uids["v1"]))
    T.expect_code(r, 0)
    T.expect_eq(r.out.count("Message-ID: <v1@crispin.test>"), 1, r.out)
    T.expect_eq(r.out.count("Body of v1."), 1, "the body, once: %r" % r.out)


@T.case("save: the link dies under the part's FETCH; the file is whole")
def _():
    dc = servers["full"]
    dc.create_folder("alice", "Saved")
    text = "".join("line %04d of the attached text\n" % i for i in range(400))
    dc.deliver("alice", "Saved", (
        "From: Tester <tester@example.org>\nTo: alice@example.org\n"
        "Subject: Test save\nMessage-ID: <save@crispin.test>\n"
        "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=XX\n\n"
        "--XX\nContent-Type: text/plain\n\nSee the file.\n--XX\n"
        "Content-Type: text/plain; name=notes.txt\n"
        "Content-Disposition: attachment; filename=notes.txt\n\n"
        + text + "--XX--\n"))
    uid = contents(dc, "Saved")[0][1]
    out = T.path("saved-notes")
    proxies["full"].cut_on(r"UID FETCH .*BODY\.PEEK\[2\]", "started")
    r = run("full", "save", "save", "-f", "Saved", str(uid), "2", "-o", out)
    T.expect_code(r, 0)
    with open(out, encoding="utf-8") as f:
        got = f.read().replace("\r\n", "\n")
    T.expect_eq(got.rstrip("\n"), text.rstrip("\n"), "the part, whole and once")


@T.case("SIGINT while waiting to reconnect: exit 130, the change kept")
def _():
    folder = "IntFlags"
    uids = fill("full", folder, [("i1", "")])
    proxy = proxies["full"]
    opts = rc("full", "sigint")
    rcfile = T.write_rc(opts)
    proxy.cut_on(r"UID STORE", "before")
    p = subprocess.Popen([T.crispin_path, "-F", rcfile, "flag", "-f", folder,
                          str(uids["i1"]), "+\\Flagged"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         env=T.env(), cwd=T.workdir)
    err = []
    waiting = threading.Event()

    def read_err():
        for line in p.stderr:
            line = line.decode("utf-8", "replace")
            err.append(line)
            if "reconnecting in" in line:
                waiting.set()
    reader = threading.Thread(target=read_err, daemon=True)
    reader.start()
    try:
        T.expect(proxy.fired.wait(20), "the proxy never cut")
        # The server is out of reach from now on.
        proxy.cut()
        T.expect(waiting.wait(20), "no reconnect wait: %s" % "".join(err))
        t0 = time.monotonic()
        p.send_signal(signal.SIGINT)
        code = p.wait(10)
        took = time.monotonic() - t0
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        proxy.resume()
    reader.join(5)
    text = "".join(err)
    T.expect_eq(code, 130, "exit status after SIGINT: %s" % text)
    T.expect(took < 1.0, "took %.2fs to stop" % took)
    T.expect("interrupted while waiting to reconnect; 1 change kept" in text,
             "says what is kept: %s" % text)
    T.expect_eq(contents(servers["full"], folder)[0][2], set(),
                "nothing on the server yet")
    # The next command that connects replays it.
    r = T.crispin("list", "-f", folder, rc=opts)
    T.expect_code(r, 0)
    T.expect("journal: replayed: flag +\\Flagged" in r.err, r.err)
    T.expect_eq(contents(servers["full"], folder)[0][2], {"\\Flagged"},
                "the flag, after the replay")


T.main(setup=setup, teardown=teardown)

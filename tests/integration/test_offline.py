#!/usr/bin/env python3
"""Disconnected mode against a real Dovecot: crispin sync fills the cache;
with the server out of reach (an rc pointing at a closed port, whose cache
directory is the real one's) list, flag, move, delete, show and search work
with --offline and the changes go to the journal; the next command that
connects replays them in order and says what it did: the server ends with
exactly those changes, a move whose message another client expunged is
dropped and reported, a flag change over another client's is resolved and
reported, and a crispin killed right after journaling loses nothing."""

import imaplib
import json
import os
import re
import shlex
import ssl
import subprocess
import sys

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))

from crispintest import Suite, account_rc  # noqa: E402
from dovecot import Dovecot, free_port  # noqa: E402

T = Suite(__file__)
dc = None
CLOSED = None


def setup():
    global dc, CLOSED
    dc = Dovecot().start()
    CLOSED = free_port()


def teardown():
    if dc:
        dc.stop()


def cache_dir(name):
    d = os.path.join(T.workdir, "cache-" + name)
    os.makedirs(d, exist_ok=True)
    return d


def rc(cache, **more):
    opts = {"cache_dir": cache, "trash": "Trash", "body_cache_size": "16"}
    opts.update(more)
    return account_rc(dc, **opts)


def down_rc(cache):
    """The same account at a port nothing listens on: its cache directory
    (named user@host:port) is made the real one's."""
    real = os.path.join(cache, "alice@127.0.0.1:%d" % dc.imaps_port)
    down = os.path.join(cache, "alice@127.0.0.1:%d" % CLOSED)
    os.makedirs(real, mode=0o700, exist_ok=True)
    if not os.path.lexists(down):
        os.symlink(real, down)
    return rc(cache, imap_url="imaps://alice@127.0.0.1:%d/" % CLOSED)


def online(cache, *args, **kw):
    return T.crispin(*args, rc=rc(cache), **kw)


def offline(cache, *args, **kw):
    return T.crispin("--offline", *args, rc=down_rc(cache), **kw)


def imap():
    ctx = ssl.create_default_context(cafile=dc.ca_file)
    m = imaplib.IMAP4_SSL(dc.host, dc.imaps_port, ssl_context=ctx)
    m.login("alice", dc.users["alice"])
    return m


def msg(mid, subject=None, sender="Tester <tester@example.org>"):
    return ("From: %s\nTo: alice@example.org\nSubject: %s\n"
            "Message-ID: <%s@crispin.test>\n\nBody of %s.\n"
            % (sender, subject or "Test " + mid, mid, mid))


def contents(folder):
    """{message-id: (uid, flags)} of a folder, over IMAP."""
    m = imap()
    try:
        typ, _ = m.select('"%s"' % folder, readonly=True)
        T.expect(typ == "OK", "cannot select %s" % folder)
        typ, data = m.uid("FETCH", "1:*",
                          "(UID FLAGS BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
        out = {}
        for item in data:
            if isinstance(item, tuple):
                uid = int(re.search(rb"UID (\d+)", item[0]).group(1))
                flags = set(re.search(rb"FLAGS \(([^)]*)\)", item[0]).group(1)
                            .decode().split())
                flags.discard("\\Recent")
                found = re.search(rb"<([^@]+)@", item[1])
                if found:
                    out[found.group(1).decode()] = (uid, flags)
        return out
    finally:
        m.logout()


def flags(folder):
    return {k: v[1] for k, v in contents(folder).items()}


def fill(folder, specs):
    """Creates folder, delivers [(mid, flags, subject, from)]; {mid: uid}."""
    dc.create_folder("alice", folder)
    for spec in specs:
        mid, fl = spec[0], spec[1]
        subject = spec[2] if len(spec) > 2 else None
        sender = spec[3] if len(spec) > 3 else "Tester <tester@example.org>"
        dc.deliver("alice", folder, msg(mid, subject, sender), flags=fl)
    return {k: v[0] for k, v in contents(folder).items()}


def journal_lines(r):
    return [l for l in r.err.splitlines() if l.startswith("crispin: journal: ")]


def listed_uids(r):
    return [int(l.split("\t")[0]) for l in r.out.splitlines() if l.strip()]


@T.case("unreachable server: exit 4, and the message says --offline works")
def _():
    c = cache_dir("down")
    r = T.crispin("list", rc=down_rc(c))
    T.expect_code(r, 4)
    T.expect("--offline" in r.err, r.err)


@T.case("--offline on a folder never synced names it and crispin sync")
def _():
    c = cache_dir("never")
    r = offline(c, "list", "-f", "Nowhere")
    T.expect_code(r, 1)
    T.expect("not in the cache" in r.err and "crispin sync" in r.err, r.err)
    r = T.crispin("--offline", "list", rc=down_rc(c), trace=True)
    T.expect_eq(r.trace, "", "trace of an offline command")
    # A command that needs the server does not connect behind --offline.
    r = T.crispin("--offline", "folders", rc=rc(c))
    T.expect_code(r, 4)
    T.expect("offline" in r.err and r.trace == "", r.err)
    r = T.crispin("list", rc=rc(c, offline="yes"))
    T.expect_code(r, 1)
    T.expect("not in the cache" in r.err and r.trace == "", "offline = yes: %r"
             % r.err)


@T.case("offline flag, move and delete show at once and are replayed in order")
def _():
    c = cache_dir("trip")
    u = fill("Trip", [("t1", []), ("t2", ["\\Seen"]), ("t3", []), ("t4", [])])
    archive_before = set(contents("Archive"))
    r = online(c, "sync", "-f", "Trip")
    T.expect_code(r, 0)
    T.expect_eq(r.out, "synced Trip: 4 messages\n", "sync summary")

    r = offline(c, "list", "-f", "Trip")
    T.expect_code(r, 0)
    T.expect_eq(listed_uids(r), sorted(u.values()), "offline list")
    r = offline(c, "flag", "-f", "Trip", str(u["t1"]), "+\\Flagged", "-\\Seen")
    T.expect_code(r, 0)
    T.expect("queued" in r.out, r.out)
    r = offline(c, "move", "-f", "Trip", str(u["t2"]), "Archive")
    T.expect_code(r, 0)
    T.expect(r.out.startswith("queued: moved 1 message to Archive"), r.out)
    r = offline(c, "delete", "-f", "Trip", str(u["t3"]))
    T.expect_code(r, 0)
    T.expect(r.out.startswith("queued: moved 1 message to Trash"), r.out)
    r = offline(c, "list", "-f", "Trip")
    T.expect_eq(listed_uids(r), [u["t1"], u["t4"]], "the index shows them done")
    T.expect("\\Flagged" in r.out.splitlines()[0], r.out)
    T.expect_eq(flags("Trip"), {"t1": set(), "t2": {"\\Seen"}, "t3": set(),
                                "t4": set()}, "server untouched while offline")

    r = online(c, "folders")
    T.expect_code(r, 0)
    lines = journal_lines(r)
    T.expect_eq(len(lines), 5, "replay report: %r" % r.err)
    T.expect("replayed: flag +\\Flagged on UID %d of Trip" % u["t1"] in lines[0],
             lines)
    T.expect("replayed: flag -\\Seen on UID %d of Trip" % u["t1"] in lines[1],
             lines)
    T.expect("replayed: move UID %d of Trip to Archive" % u["t2"] in lines[2], lines)
    T.expect("replayed: delete UID %d of Trip (to Trash)" % u["t3"] in lines[3],
             lines)
    T.expect("4 replayed, 0 with conflicts, 0 dropped" in lines[4], lines)
    T.expect_eq(flags("Trip"), {"t1": {"\\Flagged"}, "t4": set()}, "Trip")
    archive = [k for k in contents("Archive") if k not in archive_before]
    T.expect_eq(archive, ["t2"], "moved once")
    T.expect_eq(flags("Archive")["t2"], {"\\Seen"}, "flags moved along")
    T.expect("t3" in contents("Trash"), "deleted to Trash")
    r = online(c, "list", "-f", "Trip")
    T.expect_eq(journal_lines(r), [], "the journal is empty afterwards")
    T.expect_eq(listed_uids(r), [u["t1"], u["t4"]], "online list")


@T.case("offline keywords: set and cleared at once, replayed on the server")
def _():
    c = cache_dir("kw")
    u = fill("Tags", [("k1", ["$Old"]), ("k2", [])])
    T.expect_code(online(c, "sync", "-f", "Tags"), 0)
    r = offline(c, "flag", "-f", "Tags", "%d:%d" % (u["k1"], u["k2"]), "+$Work")
    T.expect_code(r, 0)
    T.expect("queued" in r.out, r.out)
    r = offline(c, "flag", "-f", "Tags", str(u["k1"]), "-$Old")
    T.expect_code(r, 0)
    r = offline(c, "list", "-f", "Tags", "--json")
    got = {o["uid"]: set(o["flags"]) for o in map(json.loads, r.out.splitlines())}
    T.expect("$Work" in got[u["k1"]] and "$Work" in got[u["k2"]] and
             "$Old" not in got[u["k1"]], "shown at once: %r" % got)
    T.expect_eq(flags("Tags"), {"k1": {"$Old"}, "k2": set()}, "server untouched")
    T.expect_code(online(c, "folders"), 0)
    T.expect_eq(flags("Tags"), {"k1": {"$Work"}, "k2": {"$Work"}}, "replayed")


@T.case("a journaled move whose message another client expunged is dropped")
def _():
    c = cache_dir("gone")
    u = fill("Gone", [("g1", []), ("g2", [])])
    T.expect_code(online(c, "sync", "-f", "Gone"), 0)
    r = offline(c, "move", "-f", "Gone", str(u["g1"]), "Archive")
    T.expect_code(r, 0)
    dc.doveadm("expunge", "mailbox", "Gone", "uid", str(u["g1"]), user="alice")
    r = online(c, "list", "-f", "Gone")
    T.expect_code(r, 0)
    lines = journal_lines(r)
    T.expect(len(lines) == 2 and "dropped: move UID %d of Gone to Archive"
             % u["g1"] in lines[0] and "nothing to do" in lines[0], r.err)
    T.expect("0 replayed, 0 with conflicts, 1 dropped" in lines[1], lines)
    T.expect("g1" not in contents("Archive"), "nothing moved")
    T.expect_eq(listed_uids(r), [u["g2"]], "list after the replay")
    r = online(c, "list", "-f", "Gone")
    T.expect_eq(journal_lines(r), [], "dropped for good, not retried")


@T.case("a recreated folder, a deleted one and a refused move are dropped; a copy is done")
def _():
    c = cache_dir("odd")
    u = fill("Redo", [("o1", [])])
    v = fill("Doomed", [("d1", [])])
    w = fill("Stays", [("w1", []), ("w2", [])])
    for f in ("Redo", "Doomed", "Stays"):
        T.expect_code(online(c, "sync", "-f", f), 0)
    T.expect_code(offline(c, "flag", "-f", "Redo", str(u["o1"]), "+\\Seen"), 0)
    T.expect_code(offline(c, "flag", "-f", "Doomed", str(v["d1"]), "+\\Seen"), 0)
    T.expect_code(offline(c, "move", "-f", "Stays", str(w["w1"]), "NoSuchFolder"), 0)
    T.expect_code(offline(c, "copy", "-f", "Stays", str(w["w2"]), "Archive"), 0)
    dc.doveadm("mailbox", "delete", "Redo", user="alice")
    dc.doveadm("mailbox", "delete", "Doomed", user="alice")
    fill("Redo", [("o2", [])])
    r = online(c, "folders")
    T.expect_code(r, 0)
    lines = journal_lines(r)
    T.expect_eq(len(lines), 5, "report: %r" % r.err)
    T.expect("dropped: flag +\\Seen on UID %d of Redo" % u["o1"] in lines[0] and
             "UIDVALIDITY" in lines[0], lines[0])
    T.expect("dropped: flag +\\Seen on UID %d of Doomed" % v["d1"] in lines[1],
             lines[1])
    T.expect("refused: move UID %d of Stays to NoSuchFolder" % w["w1"] in lines[2],
             lines[2])
    T.expect("replayed: copy UID %d of Stays to Archive" % w["w2"] in lines[3],
             lines[3])
    T.expect("1 replayed, 0 with conflicts, 2 dropped, 1 refused" in lines[4],
             lines[4])
    T.expect_eq(flags("Redo"), {"o2": set()}, "the new Redo untouched")
    T.expect_eq(flags("Stays"), {"w1": set(), "w2": set()}, "Stays")
    T.expect("w2" in contents("Archive"), "copied")
    r = online(c, "folders")
    T.expect_eq(journal_lines(r), [], "all settled")


@T.case("a flag change over another client's is applied on top and reported")
def _():
    c = cache_dir("conflict")
    u = fill("Conf", [("f1", []), ("f2", [])])
    T.expect_code(online(c, "sync", "-f", "Conf"), 0)
    r = offline(c, "flag", "-f", "Conf", "%d:%d" % (u["f1"], u["f2"]), "+\\Flagged")
    T.expect_code(r, 0)
    dc.set_flags("alice", "Conf", "\\Seen", query=("uid", str(u["f1"])))
    r = online(c, "list", "-f", "Conf")
    T.expect_code(r, 0)
    lines = journal_lines(r)
    T.expect(len(lines) == 2 and "replayed with a conflict" in lines[0] and
             "UID %d meanwhile" % u["f1"] in lines[0], r.err)
    T.expect_eq(flags("Conf"), {"f1": {"\\Seen", "\\Flagged"}, "f2": {"\\Flagged"}},
                "both clients' changes stand")


@T.case("kill -9 between journaling and the server: the next session replays")
def _():
    c = cache_dir("kill")
    u = fill("Kill", [("k1", []), ("k2", [])])
    T.expect_code(online(c, "sync", "-f", "Kill"), 0)
    kill = {"CRISPIN_TEST_KILL_AFTER_JOURNAL": "1"}
    r = online(c, "flag", "-f", "Kill", str(u["k2"]), "+\\Answered", env=kill)
    T.expect_eq(r.code, -9, "killed")
    T.expect_eq(flags("Kill"), {"k1": set(), "k2": set()}, "nothing sent yet")
    # This session replays the flag first, then dies journaling its move.
    r = online(c, "move", "-f", "Kill", str(u["k1"]), "Archive", env=kill)
    T.expect_eq(r.code, -9, "killed")
    T.expect("1 replayed" in r.err, r.err)
    T.expect_eq(flags("Kill"), {"k1": set(), "k2": {"\\Answered"}}, "flag replayed")
    r = online(c, "list", "-f", "Kill")
    T.expect_code(r, 0)
    T.expect("replayed: move UID %d of Kill to Archive" % u["k1"] in r.err, r.err)
    T.expect_eq(flags("Kill"), {"k2": {"\\Answered"}}, "after the replay")
    T.expect("k1" in contents("Archive"), "moved")
    # Confirmed online changes leave nothing behind.
    r = online(c, "flag", "-f", "Kill", str(u["k2"]), "+\\Seen")
    T.expect_code(r, 0)
    r = online(c, "list", "-f", "Kill")
    T.expect_eq(journal_lines(r), [], "confirmed changes are not replayed")


@T.case("sync --bodies, then show --offline prints the text; uncached is named")
def _():
    c = cache_dir("read")
    u = fill("Read", [("r1", [], "Reading matter")])
    r = online(c, "sync", "-f", "Read", "--bodies")
    T.expect_code(r, 0)
    T.expect_eq(r.out, "synced Read: 1 messages, text of 1 cached\n", "summary")
    r = offline(c, "show", "-f", "Read", str(u["r1"]))
    T.expect_code(r, 0)
    T.expect("Body of r1." in r.out and "Reading matter" in r.out, r.out)
    r = offline(c, "parts", "-f", "Read", str(u["r1"]))
    T.expect_code(r, 0)
    T.expect("text/plain" in r.out, r.out)
    r = offline(c, "show", "--raw", "-f", "Read", str(u["r1"]))
    T.expect_code(r, 1)
    T.expect("offline" in r.err, r.err)
    u = fill("Heads", [("h1", [])])
    T.expect_code(online(c, "sync", "-f", "Heads"), 0)
    r = offline(c, "show", "-f", "Heads", str(u["h1"]))
    T.expect_code(r, 1)
    T.expect("not in the cache" in r.err and "sync --bodies" in r.err, r.err)


@T.case("sync --bodies on a terminal shows its progress, then clears it")
def _():
    c = cache_dir("progress")
    fill("Progress", [("p%d" % i, []) for i in range(1, 4)])
    rcfile = T.write_rc(rc(c), stem="crispinrc-progress")
    # script(1) gives crispin a terminal and keeps every byte it wrote.
    typescript = T.path("typescript")
    p = subprocess.run(["script", "-qec", " ".join(shlex.quote(a) for a in [
        T.crispin_path, "-F", rcfile, "sync", "-f", "Progress", "--bodies"]),
        typescript], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, env=T.env(), cwd=T.workdir, timeout=60)
    T.expect_eq(p.returncode, 0, "exit status")
    with open(typescript, "rb") as f:
        text = f.read().decode("utf-8", "replace")
    for n in range(0, 4):
        bar = "#" * (n * 20 // 3) + " " * (20 - n * 20 // 3)
        T.expect("\rsync Progress: bodies [%s] %d/3" % (bar, n) in text,
                 "no progress bar %d/3 in %r" % (n, text[-600:]))
    T.expect("] 3/3\r\x1b[K" in text, "the progress line is not cleared")
    T.expect("synced Progress: 3 messages, text of 3 cached" in text, text[-600:])


@T.case("search --offline answers from the cache by subject, from and flags")
def _():
    c = cache_dir("find")
    u = fill("Find", [("s1", [], "Apple pie", "Carol <carol@example.org>"),
                      ("s2", ["\\Flagged"], "Banana bread"),
                      ("s3", ["\\Seen"], "Cherry tart", "Carol <carol@example.org>")])
    T.expect_code(online(c, "sync", "-f", "Find"), 0)
    for query, want in (("subject:apple", ["s1"]), ("from:carol", ["s1", "s3"]),
                        ("is:flagged", ["s2"]), ("is:unread", ["s1", "s2"]),
                        ("cherry", ["s3"])):
        r = offline(c, "search", "-f", "Find", query)
        T.expect_code(r, 0)
        T.expect_eq(listed_uids(r), [u[k] for k in want], query)
        T.expect("a partial answer from the cache: 3 of 3 messages" in r.err,
                 r.err)
    r = offline(c, "search", "-f", "Find", "body:pie")
    T.expect_code(r, 1)
    T.expect("cannot answer" in r.err, r.err)
    # A cache that holds the newest message only: the answer covers that
    # one and says the rest of the folder was not searched.
    c = cache_dir("find-some")
    T.expect_code(online(c, "list", "-f", "Find", "--limit", "1"), 0)
    r = offline(c, "search", "-f", "Find", "is:unread")
    T.expect_code(r, 0)
    T.expect_eq(listed_uids(r), [], "only the cached (read) message searched")
    T.expect("1 of 1 messages as last synced (the cache holds only the newest "
             "part of the folder" in r.err, r.err)


if __name__ == "__main__":
    T.main(setup, teardown)

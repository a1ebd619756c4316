#!/usr/bin/env python3
"""Message operations (copy, move, delete) and the search command against
a real Dovecot, checked with IMAP and doveadm: once with MOVE, UIDPLUS and
ESEARCH, once without MOVE and ESEARCH, and once without UIDPLUS either,
so that every path of a move runs for real. The search table and its
reference come from test_folderops.py."""

import imaplib
import json
import os
import re
import shutil
import ssl
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, HERE)

# The query table and its reference live in test_folderops.py; importing it
# builds its Suite, which clears CRISPIN_TEST_OUT: give it a scratch one.
_out = os.environ.get("CRISPIN_TEST_OUT")
os.environ["CRISPIN_TEST_OUT"] = tempfile.mkdtemp(prefix="crispin-msgops-import-")
import test_folderops as fo  # noqa: E402
shutil.rmtree(os.environ["CRISPIN_TEST_OUT"], ignore_errors=True)
if _out is None:
    del os.environ["CRISPIN_TEST_OUT"]
else:
    os.environ["CRISPIN_TEST_OUT"] = _out

from crispintest import Suite, account_rc  # noqa: E402
from dovecot import Dovecot, mutf7_encode  # noqa: E402
from fakeimap import ScriptedServer  # noqa: E402

T = Suite(__file__)

BASE_CAPS = ("IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT "
             "THREAD=REFERENCES MULTIAPPEND UNSELECT CHILDREN NAMESPACE "
             "LIST-EXTENDED I18NLEVEL=1 CONDSTORE LIST-STATUS LITERAL+ SPECIAL-USE")
# MOVE and ESEARCH off, UIDPLUS on: COPY + STORE + UID EXPUNGE.
NOMOVE_CAPS = BASE_CAPS + " UIDPLUS"
# Neither: a move can only copy and mark.
PLAIN_CAPS = BASE_CAPS

servers = {}
CERT = KEY = None


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
    servers["full"] = Dovecot().start()
    servers["nomove"] = Dovecot(imap_capability=NOMOVE_CAPS).start()
    servers["plain"] = Dovecot(imap_capability=PLAIN_CAPS).start()
    for name in ("full", "plain"):
        deliver_search_set(servers[name])


def teardown():
    for d in servers.values():
        d.stop()


def run(*args, server="full", rc_more=None, **kw):
    rc = account_rc(servers[server], **(rc_more or {}))
    return T.crispin(*args, rc=rc, **kw)


def imap(server="full"):
    d = servers[server]
    ctx = ssl.create_default_context(cafile=d.ca_file)
    m = imaplib.IMAP4_SSL(d.host, d.imaps_port, ssl_context=ctx)
    m.login("alice", d.users["alice"])
    return m


def msg(mid, subject="Test"):
    return ("From: Tester <tester@example.org>\nTo: alice@example.org\n"
            "Subject: %s\nMessage-ID: <%s@crispin.test>\n\nBody of %s.\n"
            % (subject, mid, mid))


def contents(folder, server="full"):
    """{message-id: flags} of a folder, over IMAP."""
    m = imap(server)
    try:
        typ, _ = m.select('"%s"' % mutf7_encode(folder), readonly=True)
        if typ != "OK":
            raise AssertionError("cannot select %s" % folder)
        typ, data = m.uid("FETCH", "1:*",
                          "(FLAGS BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
        out = {}
        for item in data:
            if isinstance(item, tuple):
                flags = set(re.search(rb"FLAGS \(([^)]*)\)", item[0]).group(1)
                            .decode().split())
                flags.discard("\\Recent")
                found = re.search(rb"<([^@]+)@", item[1])
                if found:
                    out[found.group(1).decode()] = flags
        return out
    finally:
        m.logout()


def uids_of(folder, server="full"):
    """{message-id: uid} of a folder."""
    m = imap(server)
    try:
        m.select('"%s"' % mutf7_encode(folder), readonly=True)
        typ, data = m.uid("FETCH", "1:*", "(BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
        out = {}
        for item in data:
            if isinstance(item, tuple):
                uid = int(re.search(rb"UID (\d+)", item[0]).group(1))
                out[re.search(rb"<([^@]+)@", item[1]).group(1).decode()] = uid
        return out
    finally:
        m.logout()


def fill(folder, specs, server="full"):
    """Delivers [(mid, flags)]; returns {mid: uid}."""
    d = servers[server]
    for mid, flags in specs:
        d.deliver("alice", folder, msg(mid), flags=flags)
    return uids_of(folder, server)


def sent_lines(r, verb):
    return [l for l in r.trace.splitlines()
            if re.match(r"^C: \S+ %s\b" % verb, l)]


# -- copy and move -------------------------------------------------------------

@T.case("copy to a non-ASCII folder keeps flags; the source is untouched")
def _():
    servers["full"].create_folder("alice", "Ziel-äö")
    u = fill("Quelle1", [("c1", ["\\Seen"]), ("c2", ["\\Flagged", "$Work"]),
                         ("c3", [])])
    r = run("copy", "-f", "Quelle1", str(u["c1"]), str(u["c2"]), "Ziel-äö")
    T.expect_code(r, 0)
    want = "copied 2 messages to Ziel-äö (UIDs %d:%d, now " % (u["c1"], u["c2"])
    T.expect(r.out.startswith(want) and r.out.endswith(" there)\n"), r.out)
    T.expect_eq(contents("Ziel-äö"), {"c1": {"\\Seen"}, "c2": {"\\Flagged", "$Work"}},
                "destination")
    new = uids_of("Ziel-äö")
    T.expect(r.out.endswith(", now %d:%d there)\n" % (new["c1"], new["c2"])),
             "new UIDs: %r" % r.out)
    T.expect_eq(contents("Quelle1"), {"c1": {"\\Seen"}, "c2": {"\\Flagged", "$Work"},
                                      "c3": set()}, "source")
    T.expect_eq(len(sent_lines(r, "UID COPY")), 1, "one UID COPY")
    T.expect("UID COPY %d:%d " % (u["c1"], u["c2"]) in r.trace, "compact set")


@T.case("move with MOVE: one UID MOVE, flags kept, to the :archive role")
def _():
    u = fill("Quelle2", [("m1", ["\\Seen"]), ("m2", ["\\Answered"]), ("m3", [])])
    before = set(contents("Archive"))
    r = run("move", "-f", "Quelle2", "%d:%d" % (u["m1"], u["m2"]), ":archive")
    T.expect_code(r, 0)
    T.expect(r.out.startswith("moved 2 messages to Archive (UIDs %d:%d"
                              % (u["m1"], u["m2"])), r.out)
    T.expect_eq(len(sent_lines(r, "UID MOVE")), 1, "UID MOVE sent")
    T.expect(not sent_lines(r, "UID COPY") and not sent_lines(r, "UID EXPUNGE"),
             "fallback used although MOVE is offered")
    got = contents("Archive")
    T.expect_eq({k: v for k, v in got.items() if k not in before},
                {"m1": {"\\Seen"}, "m2": {"\\Answered"}}, "Archive")
    # The untagged COPYUID a MOVE sends before its EXPUNGEs names them.
    new = uids_of("Archive")
    T.expect(r.out.endswith(", now %d:%d there)\n" % (new["m1"], new["m2"])),
             "new UIDs: %r (Archive has %r)" % (r.out, new))
    T.expect_eq(contents("Quelle2"), {"m3": set()}, "source")


@T.case("move without MOVE, with UIDPLUS: COPY, STORE, UID EXPUNGE of exactly those")
def _():
    servers["nomove"].create_folder("alice", "Archiv-日本")
    u = fill("Quelle3", [("n1", ["\\Seen"]), ("n2", ["\\Flagged"]),
                         ("old", ["\\Deleted", "\\Seen"]), ("n3", [])],
             server="nomove")
    r = run("move", "-f", "Quelle3", str(u["n1"]), str(u["n2"]), "Archiv-日本",
            server="nomove")
    T.expect_code(r, 0)
    T.expect(r.out.startswith("moved 2 messages to Archiv-日本 (UIDs %d:%d"
                              % (u["n1"], u["n2"])), r.out)
    uids = "%d:%d" % (u["n1"], u["n2"])
    T.expect(not sent_lines(r, "UID MOVE"), "UID MOVE sent without MOVE")
    T.expect_eq([l.split(None, 2)[2] for l in sent_lines(r, "UID COPY")],
                ["UID COPY %s %s" % (uids, mutf7_encode("Archiv-日本"))], "COPY")
    # UNCHANGEDSINCE: Dovecot offers CONDSTORE, so other clients' changes
    # are not overwritten.
    T.expect_eq([re.sub(r"\(UNCHANGEDSINCE \d+\) ", "", l.split(None, 2)[2])
                 for l in sent_lines(r, "UID STORE")],
                ["UID STORE %s +FLAGS.SILENT (\\Deleted)" % uids], "STORE")
    T.expect_eq([l.split(None, 2)[2] for l in sent_lines(r, "UID EXPUNGE")],
                ["UID EXPUNGE %s" % uids], "UID EXPUNGE")
    T.expect(not sent_lines(r, "EXPUNGE"), "a plain EXPUNGE was sent")
    T.expect_eq(contents("Quelle3", "nomove"),
                {"old": {"\\Deleted", "\\Seen"}, "n3": set()}, "source")
    T.expect_eq(contents("Archiv-日本", "nomove"),
                {"n1": {"\\Seen"}, "n2": {"\\Flagged"}}, "destination")


@T.case("move without UIDPLUS: marks only, other \\Deleted mail survives, says so")
def _():
    servers["plain"].create_folder("alice", "Ziel-plain")
    u = fill("Quelle4", [("p1", ["\\Seen"]), ("old", ["\\Deleted"]), ("p2", [])],
             server="plain")
    r = run("move", "-f", "Quelle4", str(u["p1"]), str(u["p2"]), "Ziel-plain",
            server="plain")
    T.expect_code(r, 1)
    T.expect("marked them \\Deleted in Quelle4" in r.out, r.out)
    T.expect("UIDPLUS" in r.err and "stay in Quelle4 marked \\Deleted" in r.err, r.err)
    T.expect(not sent_lines(r, "EXPUNGE") and not sent_lines(r, "UID EXPUNGE") and
             not sent_lines(r, "CLOSE"), "something expunged")
    T.expect_eq(contents("Quelle4", "plain"),
                {"p1": {"\\Seen", "\\Deleted"}, "old": {"\\Deleted"},
                 "p2": {"\\Deleted"}}, "source")
    T.expect_eq(contents("Ziel-plain", "plain"), {"p1": {"\\Seen"}, "p2": set()},
                "destination")


@T.case("move of UIDs that are not there: non-zero exit, the rest still moves")
def _():
    u = fill("Quelle5", [("x1", [])])
    r = run("move", "-f", "Quelle5", str(u["x1"]), "9999", "Trash")
    T.expect_code(r, 1)
    T.expect(r.out.startswith("moved 1 message to Trash"), r.out)
    T.expect("no message with UID 9999 in Quelle5" in r.err, r.err)
    T.expect_eq(contents("Quelle5"), {}, "source")
    r = run("copy", "-f", "Quelle5", "4711", "Trash")
    T.expect_code(r, 1)
    T.expect("no message with those UIDs in Quelle5" in r.err, r.err)
    u = fill("Quelle5", [("x2", [])])
    r = run("delete", "-f", "Quelle5", str(u["x2"]), "4711")
    T.expect_code(r, 1)
    T.expect(r.out.startswith("moved 1 message to Trash"), r.out)
    T.expect("no message with UID 4711 in Quelle5" in r.err, r.err)
    T.expect_eq(contents("Quelle5"), {}, "source")


@T.case("COPYUID: the destination's cache gets the records, no header refetch")
def _():
    d = servers["full"]
    d.deliver("alice", "Cache-Ziel", msg("k0", "Schon da"))
    d.deliver("alice", "Quelle-K", msg("k1", "Erste Kopie"), flags=["\\Seen"])
    d.deliver("alice", "Quelle-K", msg("k2", "Zweite Kopie"))
    T.expect_code(run("list", "-f", "Cache-Ziel"), 0)
    u = uids_of("Quelle-K")
    r = run("copy", "-f", "Quelle-K", "%d:%d" % (u["k1"], u["k2"]), "Cache-Ziel")
    T.expect_code(r, 0)
    T.expect("[COPYUID " in r.trace, "no COPYUID from the server")
    r = run("list", "-f", "Cache-Ziel")
    T.expect_code(r, 0)
    subjects = [l.split("\t")[3] for l in r.out.splitlines()]
    T.expect_eq(subjects, ["Schon da", "Erste Kopie", "Zweite Kopie"], "list")
    T.expect("\\Seen" in r.out.splitlines()[1], "flags: %r" % r.out)
    T.expect("HEADER.FIELDS" not in r.trace,
             "headers fetched again:\n%s" % r.trace[-1500:])


@T.case("copy and move usage errors")
def _():
    r = run("move", "-f", "INBOX", "1")
    T.expect_code(r, 2)
    r = run("copy", "abc", "Trash")
    T.expect_code(r, 2)
    T.expect("no UID or UID range" in r.err, r.err)
    r = run("move", "1", ":nosuchrole")
    T.expect(r.code != 0, "exit 0 for an unknown role")


@T.case("copy to a folder that does not exist: TRYCREATE advice")
def _():
    u = fill("Quelle6", [("t1", [])])
    r = run("copy", "-f", "Quelle6", str(u["t1"]), "Gibt-es-nicht")
    T.expect_code(r, 1)
    T.expect("crispin mkdir" in r.err, r.err)


# -- a scripted server that refuses the STORE of a fallback move ------------------

SCRIPT_CAPS = "IMAP4rev1 SASL-IR AUTH=PLAIN UIDPLUS"
SCRIPT_MSGS = [(1, 11), (2, 12), (3, 13)]


def scripted_move(store_answer):
    """Runs crispin move 11:12 Dest against a server whose STORE answer
    is store_answer; returns (result, command lines the server got)."""
    seen = []

    def fetch(c, tag):
        for seq, uid in SCRIPT_MSGS:
            hdr = "Subject: m%d\r\n\r\n" % uid
            c.send_raw(("* %d FETCH (UID %d FLAGS () INTERNALDATE \"01-Jan-2024 "
                        "00:00:00 +0000\" RFC822.SIZE 20 BODY[HEADER.FIELDS (DATE FROM "
                        "TO CC SUBJECT MESSAGE-ID IN-REPLY-TO REFERENCES)] {%d}\r\n%s)"
                        "\r\n" % (seq, uid, len(hdr), hdr)).encode())
        c.send("%s OK done" % tag)

    def script(c):
        c.send("* OK [CAPABILITY %s] ready" % SCRIPT_CAPS)
        tag, _ = c.expect_command("AUTHENTICATE")
        c.send("%s OK [CAPABILITY %s] logged in" % (tag, SCRIPT_CAPS))
        while True:
            line = c.read_line()
            seen.append(line)
            words = line.split(" ")
            tag, verb = words[0], words[1].upper()
            if verb == "UID":
                verb += " " + words[2].upper()
            if verb in ("SELECT", "EXAMINE"):
                c.send("* %d EXISTS" % len(SCRIPT_MSGS))
                c.send("* OK [UIDVALIDITY 5] ok")
                c.send("* OK [UIDNEXT 14] ok")
                c.send("%s OK [READ-WRITE] selected" % tag)
            elif verb in ("FETCH", "UID FETCH"):
                fetch(c, tag)
            elif verb == "UID SEARCH":
                c.send("* SEARCH %s" % " ".join(str(u) for _, u in SCRIPT_MSGS))
                c.send("%s OK done" % tag)
            elif verb == "UID COPY":
                c.send("%s OK [COPYUID 9 11:12 1:2] copied" % tag)
            elif verb == "UID STORE":
                c.send(store_answer % tag)
            elif verb == "UID EXPUNGE":
                c.send("* 1 EXPUNGE")
                c.send("* 1 EXPUNGE")
                c.send("%s OK expunged" % tag)
            elif verb == "LOGOUT":
                c.send("* BYE bye")
                c.send("%s OK done" % tag)
                return
            else:
                c.send("%s OK done" % tag)

    with ScriptedServer(script, tls="implicit", cert=CERT, key=KEY) as srv:
        rc = {"imap_url": "imaps://alice@127.0.0.1:%d/" % srv.port, "imap_pass": "x",
              "tls_ca_file": CERT, "connect_timeout": "5", "header_cache": "no"}
        r = T.crispin("move", "11:12", "Dest", rc=rc)
        srv.wait()
    return r, seen


@T.case("scripted: a refused STORE stops the move before any EXPUNGE")
def _():
    r, seen = scripted_move("%s NO [CANNOT] flags are frozen")
    T.expect_code(r, 1)
    T.expect("frozen" in r.err, r.err)
    verbs = [l.split(" ", 1)[1] for l in seen]
    T.expect("UID COPY 11:12 Dest" in verbs, "no COPY: %r" % verbs)
    T.expect(any(v.startswith("UID STORE 11:12 +FLAGS.SILENT (\\Deleted)")
                 for v in verbs), "no STORE: %r" % verbs)
    T.expect(not any("EXPUNGE" in v for v in verbs), "expunged: %r" % verbs)


@T.case("scripted: COPY, STORE, UID EXPUNGE in order; COPYUID reported")
def _():
    r, seen = scripted_move("%s OK stored")
    T.expect_code(r, 0)
    T.expect_eq(r.out, "moved 2 messages to Dest (UIDs 11:12, now 1:2 there)\n",
                "stdout")
    verbs = [l.split(" ", 1)[1] for l in seen]
    ops = [v for v in verbs if v.split(" ")[0] == "UID" and
           v.split(" ")[1] in ("COPY", "STORE", "EXPUNGE")]
    T.expect_eq(ops, ["UID COPY 11:12 Dest",
                      "UID STORE 11:12 +FLAGS.SILENT (\\Deleted)",
                      "UID EXPUNGE 11:12"], "commands")


# -- delete -----------------------------------------------------------------------

@T.case("delete moves to the \\Trash folder by default")
def _():
    u = fill("Quelle7", [("d1", ["\\Seen"]), ("d2", [])])
    before = set(contents("Trash"))
    r = run("delete", "-f", "Quelle7", str(u["d1"]))
    T.expect_code(r, 0)
    T.expect(r.out.startswith("moved 1 message to Trash (UIDs %d" % u["d1"]), r.out)
    T.expect_eq(contents("Quelle7"), {"d2": set()}, "source")
    new = {k: v for k, v in contents("Trash").items() if k not in before}
    T.expect_eq(new, {"d1": {"\\Seen"}}, "Trash")


@T.case("delete with delete_mode=mark only marks \\Deleted")
def _():
    u = fill("Quelle8", [("e1", []), ("e2", ["\\Seen"]), ("e3", [])])
    r = run("delete", "-f", "Quelle8", "%d:%d" % (u["e1"], u["e2"]),
            rc_more={"delete_mode": "mark"})
    T.expect_code(r, 0)
    T.expect_eq(r.out, "marked 2 messages \\Deleted in Quelle8 (UIDs %d:%d)\n"
                % (u["e1"], u["e2"]), "stdout")
    T.expect(not sent_lines(r, "UID MOVE") and not sent_lines(r, "UID EXPUNGE"),
             "moved or expunged")
    T.expect_eq(contents("Quelle8"), {"e1": {"\\Deleted"}, "e2": {"\\Seen", "\\Deleted"},
                                      "e3": set()}, "flags")


@T.case("delete with trash set to a non-ASCII folder")
def _():
    servers["full"].create_folder("alice", "Papierkorb-ü")
    u = fill("Quelle9", [("f1", ["\\Flagged"])])
    r = run("delete", "-f", "Quelle9", str(u["f1"]),
            rc_more={"trash": "Papierkorb-ü"})
    T.expect_code(r, 0)
    T.expect(r.out.startswith("moved 1 message to Papierkorb-ü"), r.out)
    T.expect_eq(contents("Papierkorb-ü"), {"f1": {"\\Flagged"}}, "trash")


# -- search -------------------------------------------------------------------------

RELATIVE = re.compile(r"(since|before|date):\d+[dwmy]")
ATTACHMENT_SEARCHES = [
    ("has:attachment", lambda s: bool(s.get("attachment"))),
    ("has:attachment from:alice",
     lambda s: bool(s.get("attachment")) and "alice" in s["frm"]),
    ("-has:attachment is:read",
     lambda s: not s.get("attachment") and "\\Seen" in s["flags"]),
    ("has:attachment or from:bob",
     lambda s: bool(s.get("attachment")) or "bob" in s["frm"].lower()),
    # Finished from each candidate's header, not just the index fields.
    ("has:attachment or bcc:eve",
     lambda s: bool(s.get("attachment")) or "eve" in s.get("bcc", "")),
    ("has:attachment or header:List-Id:news",
     lambda s: bool(s.get("attachment")) or "List-Id" in s.get("extra", "")),
    ("-has:attachment cc:carol",
     lambda s: not s.get("attachment") and "carol" in s.get("cc", "")),
    ("has:attachment or subject:grüße",
     lambda s: bool(s.get("attachment")) or "Grüße" in s.get("subject_text", "")),
]
# Relative dates move with the clock; the rest of the table holds.
SEARCHES = [(q, ref) for q, ref in fo.SEARCHES if not RELATIVE.search(q)]
SEARCHES += ATTACHMENT_SEARCHES


def deliver_search_set(d):
    specs = [dict(s) for s in fo.SPECS]
    for s in specs:
        s["raw"] = fo.raw_of(s).encode("utf-8")
        s["size"] = len(s["raw"].replace(b"\n", b"\r\n"))
        d.deliver("alice", fo.SEARCH_FOLDER, s["raw"], flags=s["flags"], date=s["date"])
    d.search_specs = specs


def search_table(server):
    specs = servers[server].search_specs
    uids = uids_of(fo.SEARCH_FOLDER, server)
    for s in specs:
        s["uid"] = uids[s["mid"]]
    problems = []
    traces = []
    for query, ref in SEARCHES:
        r = run("search", "-f", fo.SEARCH_FOLDER, query, server=server)
        if r.code != 0:
            problems.append("%r: exit %d: %s" % (query, r.code, r.err))
            continue
        got = {int(l.split("\t")[0]) for l in r.out.splitlines()}
        want = {s["uid"] for s in specs if ref(s)}
        if got != want:
            problems.append("%r: got %s, want %s" % (query, sorted(got), sorted(want)))
        traces.append(r.trace)
    T.expect(not problems, "\n".join(problems))
    return traces


@T.case("search: %d queries with ESEARCH equal the reference" % len(SEARCHES))
def _():
    T.expect(len(SEARCHES) >= 15, "table too small")
    traces = search_table("full")
    T.expect(all("UID SEARCH RETURN (ALL) " in t for t in traces), "no ESEARCH")


@T.case("search: the same queries without ESEARCH equal the reference")
def _():
    traces = search_table("plain")
    T.expect(not any("RETURN (ALL)" in t for t in traces), "ESEARCH without ESEARCH")
    T.expect(all("UID SEARCH " in t for t in traces), "no UID SEARCH")


@T.case("search: one UID SEARCH, CHARSET UTF-8 for non-ASCII, words joined")
def _():
    r = run("search", "-f", fo.SEARCH_FOLDER, "subject:grüße")
    T.expect_code(r, 0)
    T.expect_eq(len(sent_lines(r, "UID SEARCH")), 1, "UID SEARCH count")
    T.expect("CHARSET UTF-8" in r.trace, "no CHARSET UTF-8")
    T.expect_eq(len(r.out.splitlines()), 1, "matches")
    # Words as the shell splits them are joined with spaces.
    r = run("search", "-f", fo.SEARCH_FOLDER, 'subject:"quarterly', 'report"',
            "-is:unread", "(from:alice", "or", "from:bob)")
    T.expect_code(r, 0)
    T.expect_eq(len(r.out.splitlines()), 2, "matches: %r" % r.out)


@T.case("search prints exactly what list prints, also as JSON")
def _():
    lst = run("list", "-f", fo.SEARCH_FOLDER)
    srch = run("search", "-f", fo.SEARCH_FOLDER, "from:alice")
    T.expect_code(srch, 0)
    want = [l for l in lst.out.splitlines() if "Alice Example" in l]
    T.expect(len(want) == 3, "list: %r" % lst.out)
    T.expect_eq(srch.out.splitlines(), want, "lines")
    lst = run("list", "-f", fo.SEARCH_FOLDER, "--json")
    srch = run("search", "-f", fo.SEARCH_FOLDER, "--json", "from:alice")
    objs = [json.loads(l) for l in srch.out.splitlines()]
    T.expect_eq(srch.out.splitlines(),
                [l for l in lst.out.splitlines() if json.loads(l)["uid"] in
                 {o["uid"] for o in objs}], "JSON lines")
    T.expect_eq(len(objs), 3, "JSON matches")


@T.case("search: nothing found is exit 0 and no output; bad queries are usage errors")
def _():
    r = run("search", "-f", fo.SEARCH_FOLDER, "from:nobody-at-all")
    T.expect_code(r, 0)
    T.expect_eq(r.out, "", "stdout")
    r = run("search", "-f", fo.SEARCH_FOLDER, "(from:alice")
    T.expect_code(r, 2)
    T.expect("parenthesis" in r.err and "column" in r.err, r.err)
    r = run("search", "-f", fo.SEARCH_FOLDER)
    T.expect_code(r, 2)


if __name__ == "__main__":
    T.main(setup, teardown)

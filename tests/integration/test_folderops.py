#!/usr/bin/env python3
"""Folder commands (mkdir, rmdir, rename, subscribe, unsubscribe, append)
against a real Dovecot, checked with doveadm and IMAP; and the search
language: for a table of queries, the UIDs Dovecot finds for the
translated SEARCH keys equal a reference computed here from the messages
delivered."""

import calendar
import email.header
import imaplib
import json
import os
import re
import ssl
import subprocess
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from crispintest import Suite, account_rc, folder_names  # noqa: E402
from dovecot import Dovecot  # noqa: E402
from fakeimap import ScriptedServer  # noqa: E402

T = Suite(__file__)
dc = None
dc_nolit = None

# Dovecot 2.3's capabilities after login, without LITERAL+.
NO_LITERAL_PLUS = ("IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT "
                   "THREAD=REFERENCES MULTIAPPEND UNSELECT CHILDREN NAMESPACE "
                   "UIDPLUS LIST-EXTENDED I18NLEVEL=1 CONDSTORE ESEARCH "
                   "LIST-STATUS MOVE SPECIAL-USE")


CERT = KEY = None
PASSWORD = "s3cret pass"


def setup():
    global dc, dc_nolit, CERT, KEY
    CERT = os.path.join(T.workdir, "cert.pem")
    KEY = os.path.join(T.workdir, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
                    "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", KEY, "-out", CERT],
                   check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    dc = Dovecot().start()
    dc_nolit = Dovecot(imap_capability=NO_LITERAL_PLUS).start()
    deliver_search_set()


def teardown():
    for d in (dc, dc_nolit):
        if d:
            d.stop()


def run(*args, server=None, **kw):
    return T.crispin(*args, rc=account_rc(server or dc), **kw)


def folders(user="alice"):
    return set(dc.list_folders(user))


def imap(server=None):
    server = server or dc
    ctx = ssl.create_default_context(cafile=server.ca_file)
    m = imaplib.IMAP4_SSL(server.host, server.imaps_port, ssl_context=ctx)
    m.login("alice", server.users["alice"])
    return m


# -- mkdir, rename, rmdir ---------------------------------------------------

@T.case("mkdir creates non-ASCII folders (doveadm and crispin folders agree)")
def _():
    for name in ("Réunions", "Réunions/2026", "日本語-neu"):
        r = run("mkdir", name)
        T.expect_code(r, 0)
        T.expect_eq(r.out, "created '%s'\n" % name, "stdout")
    got = folders()
    for name in ("Réunions", "Réunions/2026", "日本語-neu"):
        T.expect(name in got, "%s missing from doveadm: %r" % (name, got))
    r = run("folders")
    T.expect_code(r, 0)
    T.expect("Réunions/2026" in folder_names(r.out), "crispin folders: %r" % r.out)
    T.expect("&AMk-" in r.trace or "R&AOk-unions" in r.trace,
             "name not sent in modified UTF-7:\n%s" % r.trace[-800:])


@T.case("mkdir of an existing folder fails with advice")
def _():
    dc.create_folder("alice", "Schon-da")
    r = run("mkdir", "Schon-da")
    T.expect_code(r, 1)
    T.expect("cannot create 'Schon-da'" in r.err and "already exists" in r.err,
             r.err)


@T.case("rename moves the children and says how many")
def _():
    for name in ("Projekte", "Projekte/Ä", "Projekte/B", "Projekte/B/C"):
        dc.create_folder("alice", name)
    r = run("rename", "Projekte", "Archiv-Ü")
    T.expect_code(r, 0)
    T.expect_eq(r.out, "renamed 'Projekte' to 'Archiv-Ü' with 3 subfolders\n",
                "stdout")
    got = folders()
    for name in ("Archiv-Ü", "Archiv-Ü/Ä", "Archiv-Ü/B", "Archiv-Ü/B/C"):
        T.expect(name in got, "%s missing: %r" % (name, got))
    T.expect(not any(n.startswith("Projekte") for n in got), "old names left: %r" % got)
    r = run("folders")
    T.expect_code(r, 0)
    names = folder_names(r.out)
    T.expect("Archiv-Ü/B/C" in names and not any(n.startswith("Projekte") for n in names),
             "crispin folders: %r" % names)


@T.case("rename INBOX: Dovecot refuses, crispin passes the reason on")
def _():
    bob = "bob@example.org"
    before = dc.status(bob, "INBOX")["messages"]
    dc.deliver(bob, "INBOX", "From: a@example.org\nSubject: keep\n\nx\n")
    r = T.crispin("rename", "INBOX", "Alte Post", rc=account_rc(dc, bob))
    T.expect_code(r, 1)
    T.expect("cannot rename 'INBOX': Renaming INBOX isn't supported" in r.err, r.err)
    T.expect_eq(dc.status(bob, "INBOX")["messages"], before + 1, "INBOX messages")


@T.case("rename of a missing folder fails")
def _():
    r = run("rename", "Gibt-es-nicht", "Neu")
    T.expect_code(r, 1)
    T.expect("cannot rename 'Gibt-es-nicht'" in r.err, r.err)


@T.case("rmdir refuses INBOX without touching the server")
def _():
    for name in ("INBOX", "inbox"):
        r = run("rmdir", name)
        T.expect_code(r, 2)
        T.expect("INBOX cannot be deleted" in r.err, r.err)
        T.expect("DELETE" not in r.trace, "DELETE was sent")
    T.expect("INBOX" in folders(), "INBOX is gone")


@T.case("rmdir reports how many messages died")
def _():
    for i in range(3):
        dc.deliver("alice", "Alt-Ö", "From: a@example.org\nSubject: %d\n\nx\n" % i)
    r = run("rmdir", "Alt-Ö")
    T.expect_code(r, 0)
    T.expect_eq(r.out, "deleted 'Alt-Ö' and its 3 messages\n", "stdout")
    T.expect("Alt-Ö" not in folders(), "folder still there")
    T.expect(re.search(r"STATUS .*\(MESSAGES\)", r.trace), "no STATUS in trace")


@T.case("rmdir of a missing folder fails with exit 1")
def _():
    r = run("rmdir", "Nie-gesehen")
    T.expect_code(r, 1)
    T.expect("cannot delete 'Nie-gesehen'" in r.err, r.err)


# -- subscriptions -------------------------------------------------------------

def subscribed():
    out = dc.doveadm("mailbox", "list", "-s", user="alice")
    return set(l for l in out.splitlines() if l)


def lsub():
    m = imap()
    try:
        typ, data = m.lsub('""', "*")
        names = set()
        for d in data:
            if d:
                mm = re.search(rb'"([^"]*)"$|(\S+)$', d)
                names.add((mm.group(1) or mm.group(2)).decode())
        return names
    finally:
        m.logout()


@T.case("subscribe and unsubscribe show in doveadm and LSUB")
def _():
    dc.create_folder("alice", "Abo-ß", subscribe=False)
    T.expect("Abo-ß" not in subscribed(), "subscribed before the test")
    r = run("subscribe", "Abo-ß")
    T.expect_code(r, 0)
    T.expect_eq(r.out, "subscribed to 'Abo-ß'\n", "stdout")
    T.expect("Abo-ß" in subscribed(), "doveadm: not subscribed")
    T.expect("Abo-&AN8-" in lsub(), "LSUB: not subscribed")
    r = run("unsubscribe", "Abo-ß")
    T.expect_code(r, 0)
    T.expect_eq(r.out, "unsubscribed from 'Abo-ß'\n", "stdout")
    T.expect("Abo-ß" not in subscribed(), "doveadm: still subscribed")
    T.expect("Abo-&AN8-" not in lsub(), "LSUB: still subscribed")


# -- append ----------------------------------------------------------------------

MESSAGE = ("From: Jürgen <juergen@example.org>\n"
           "To: alice@example.org\n"
           "Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\n"
           "Message-ID: <append-1@crispin.test>\n"
           "MIME-Version: 1.0\n"
           "Content-Type: text/plain; charset=utf-8\n"
           "Content-Transfer-Encoding: 8bit\n"
           "\n"
           "Schöne Grüße aus Köln — 日本語.\n"
           "Second line.\n").encode("utf-8")


def fetch_all(folder, server=None):
    """[(uid, flags, raw)] of a folder over IMAP."""
    m = imap(server)
    try:
        m.select(imaplib_name(folder), readonly=True)
        typ, data = m.uid("FETCH", "1:*", "(FLAGS BODY.PEEK[])")
        out = []
        for item in data:
            if isinstance(item, tuple):
                head = item[0].decode()
                uid = int(re.search(r"UID (\d+)", head).group(1))
                flags = set(re.search(r"FLAGS \(([^)]*)\)", head).group(1).split())
                flags.discard("\\Recent")
                out.append((uid, flags, item[1]))
        return out
    finally:
        m.logout()


def imaplib_name(name):
    from dovecot import mutf7_encode
    return '"%s"' % mutf7_encode(name)


@T.case("append: 8-bit message with flags and date arrives byte-identical")
def _():
    dc.create_folder("alice", "Ablage-ä")
    path = T.path("message.eml")
    with open(path, "wb") as f:
        f.write(MESSAGE)
    r = run("append", "Ablage-ä", path, "--flags", "\\seen $Forwarded",
            "--date", "Mon, 2 Mar 2026 10:00:00 +0100")
    T.expect_code(r, 0)
    m = re.fullmatch(r"appended to 'Ablage-ä' as UID (\d+) \(uidvalidity (\d+)\)\n", r.out)
    T.expect(m, "stdout: %r" % r.out)
    got = fetch_all("Ablage-ä")
    T.expect_eq(len(got), 1, "messages in the folder")
    uid, flags, raw = got[0]
    T.expect_eq(uid, int(m.group(1)), "UID")
    T.expect_eq(raw, MESSAGE.replace(b"\n", b"\r\n"), "message bytes")
    T.expect_eq(flags, {"\\Seen", "$Forwarded"}, "flags over IMAP")
    out = dc.doveadm("fetch", "flags date.received", "mailbox", "Ablage-ä", "all",
                     user="alice")
    T.expect("\\Seen" in out and "$Forwarded" in out, "doveadm flags: %r" % out)
    T.expect("2026-03-02 09:00:00" in out or "2026-03-02 10:00:00" in out,
             "doveadm date.received: %r" % out)
    T.expect("{%d+}" % len(raw) in r.trace, "no LITERAL+ in trace")


@T.case("append from stdin with CRLF already in place")
def _():
    dc.create_folder("alice", "Ablage-stdin")
    msg = MESSAGE.replace(b"\n", b"\r\n")
    r = run("append", "Ablage-stdin", input=msg.decode("utf-8"))
    T.expect_code(r, 0)
    T.expect(r.out.startswith("appended to 'Ablage-stdin' as UID "), r.out)
    got = fetch_all("Ablage-stdin")
    T.expect_eq([g[2] for g in got], [msg], "message bytes")
    T.expect_eq(got[0][1], set(), "flags")


@T.case("append to a special-use role (:sent)")
def _():
    before = dc.status("alice", "Sent")["messages"]
    path = T.path("sent.eml")
    with open(path, "wb") as f:
        f.write(MESSAGE)
    r = run("append", ":sent", path, "--flags", "\\Seen")
    T.expect_code(r, 0)
    T.expect(r.out.startswith("appended to 'Sent' as UID"), r.out)
    T.expect_eq(dc.status("alice", "Sent")["messages"], before + 1, "Sent count")


@T.case("APPENDUID: the folder's cache gets the record, no header refetch")
def _():
    dc.deliver("alice", "Cache-Append", "From: a@example.org\nSubject: Schon da\n"
               "Message-ID: <ca0@crispin.test>\n\nbody\n")
    T.expect_code(run("list", "-f", "Cache-Append"), 0)
    path = T.write("appended.eml", "From: Zoe <zoe@example.org>\nTo: alice@example.org\n"
                   "Subject: =?UTF-8?Q?Neu_angeh=C3=A4ngt?=\n"
                   "Message-ID: <ca1@crispin.test>\n"
                   "Date: Fri, 27 Nov 2026 18:20:00 +0100\n\nNew.\n")
    r = run("append", "Cache-Append", path, "--flags", "\\Flagged $Work")
    T.expect_code(r, 0)
    T.expect("as UID" in r.out, "no APPENDUID: %r" % r.out)
    r = run("list", "-f", "Cache-Append", "--json")
    T.expect_code(r, 0)
    got = [json.loads(l) for l in r.out.splitlines()]
    T.expect_eq([o["subject"] for o in got], ["Schon da", "Neu angehängt"], "list")
    T.expect("\\Flagged" in got[1]["flags"] and "$Work" in got[1]["flags"],
             "flags: %r" % got[1])
    T.expect("HEADER.FIELDS" not in r.trace,
             "headers fetched again:\n%s" % r.trace[-1500:])


@T.case("append to a missing folder: TRYCREATE hint, non-zero exit")
def _():
    path = T.path("lost.eml")
    with open(path, "wb") as f:
        f.write(MESSAGE)
    r = run("append", "Fehlt-noch", path)
    T.expect_code(r, 1)
    T.expect("'Fehlt-noch' does not exist" in r.err and
             "crispin mkdir 'Fehlt-noch'" in r.err, r.err)
    T.expect("Fehlt-noch" not in folders(), "the folder was created")


@T.case("append with bad flags or date is a usage error")
def _():
    r = run("append", "INBOX", "/dev/null", "--flags", "\\Bogus")
    T.expect_code(r, 2)
    T.expect("bad flag '\\Bogus'" in r.err, r.err)
    r = run("append", "INBOX", "/dev/null", "--date", "yesterday-ish")
    T.expect_code(r, 2)
    T.expect("bad --date" in r.err, r.err)


@T.case("append without LITERAL+: a synchronising literal, 200 KB")
def _():
    dc_nolit.create_folder("alice", "Groß")
    big = MESSAGE + b"".join(("Zeile %05d mit Umlauten äöü\n" % i).encode()
                             for i in range(7000))
    path = T.path("big.eml")
    with open(path, "wb") as f:
        f.write(big)
    r = run("append", "Groß", path, "--flags", "\\Flagged", server=dc_nolit)
    T.expect_code(r, 0)
    T.expect(r.out.startswith("appended to 'Groß' as UID "), r.out)
    want = big.replace(b"\n", b"\r\n")
    T.expect(re.search(r"APPEND \S+ \(\\Flagged\) \{%d\}" % len(want), r.trace),
             "no synchronising literal in the trace:\n%s" % r.trace[-1500:])
    T.expect("{%d+}" % len(want) not in r.trace, "LITERAL+ used anyway")
    got = fetch_all("Groß", server=dc_nolit)
    T.expect_eq(len(got), 1, "messages")
    T.expect(got[0][2] == want, "message bytes differ (%d vs %d)" % (
        len(got[0][2]), len(want)))
    T.expect_eq(got[0][1], {"\\Flagged"}, "flags")


# -- exact bytes, against a scripted server ------------------------------------

SCRIPT_CAPS = "IMAP4rev1 SASL-IR AUTH=PLAIN UIDPLUS"


def scripted_rc(srv):
    return {"imap_url": "imaps://alice@127.0.0.1:%d/" % srv.port,
            "imap_pass": PASSWORD, "tls_ca_file": CERT, "connect_timeout": "5"}


def login_until(c, verb):
    """Logs the client in, answers whatever comes before the first verb
    line, and returns that line's tag."""
    c.send("* OK [CAPABILITY %s] ready" % SCRIPT_CAPS)
    tag, _ = c.expect_command("AUTHENTICATE")
    c.send("%s OK [CAPABILITY %s] logged in" % (tag, SCRIPT_CAPS))
    while True:
        line = c.read_line()
        t, v = line.split(" ")[:2]
        if v.upper() == verb:
            return t, line
        c.send("%s OK done" % t)


def answer_logout(c, data):
    for line in data.decode().split("\r\n"):
        if " LOGOUT" in line.upper():
            c.send("* BYE bye")
            c.send("%s OK done" % line.split(" ")[0])
            return True
    return False


@T.case("scripted: APPEND waits for '+' before the literal, LOGOUT follows it")
def _():
    seen = {}
    msg = b"Subject: hi\r\n\r\nbody \xc3\xa4\r\n"

    def script(c):
        tag, line = login_until(c, "APPEND")
        seen["line"] = line
        seen["early"] = c.pending_input()
        c.send("+ go ahead")
        seen["data"] = c.read_exact(len(msg) + 2)
        seen["after"] = c.pending_input()
        c.buf = b""
        c.send("%s OK [APPENDUID 77 9] done" % tag)
        if not answer_logout(c, seen["after"]):
            tag2, _ = c.expect_command("LOGOUT")
            c.send("* BYE bye")
            c.send("%s OK done" % tag2)

    path = T.path("small.eml")
    with open(path, "wb") as f:
        f.write(msg)
    with ScriptedServer(script, tls="implicit", cert=CERT, key=KEY) as srv:
        r = T.crispin("append", "INBOX", path, "--flags", "\\Seen",
                      rc=scripted_rc(srv))
        srv.wait()
    T.expect_code(r, 0)
    T.expect_eq(r.out, "appended to 'INBOX' as UID 9 (uidvalidity 77)\n", "stdout")
    T.expect(re.fullmatch(r"\S+ APPEND INBOX \(\\Seen\) \{%d\}" % len(msg),
                          seen["line"]), "APPEND line: %r" % seen["line"])
    T.expect_eq(seen["early"], b"", "bytes sent before '+'")
    T.expect_eq(seen["data"], msg + b"\r\n", "literal and command end")
    T.expect(b"LOGOUT" in seen["after"],
             "LOGOUT not pipelined behind APPEND: %r" % seen["after"])


@T.case("scripted: rmdir sends STATUS, DELETE and LOGOUT in one flight")
def _():
    seen = {}

    def script(c):
        tag, line = login_until(c, "STATUS")
        seen["status"] = line
        seen["flight"] = c.pending_input().decode()
        c.buf = b""
        c.send("* STATUS Old (MESSAGES 1)")
        c.send("%s OK done" % tag)
        lines = [l for l in seen["flight"].split("\r\n") if l]
        c.send("%s OK deleted" % lines[0].split(" ")[0])
        if not answer_logout(c, seen["flight"].encode()):
            tag2, _ = c.expect_command("LOGOUT")
            c.send("* BYE bye")
            c.send("%s OK done" % tag2)

    with ScriptedServer(script, tls="implicit", cert=CERT, key=KEY) as srv:
        r = T.crispin("rmdir", "Old", rc=scripted_rc(srv))
        srv.wait()
    T.expect_code(r, 0)
    T.expect_eq(r.out, "deleted 'Old' and its 1 message\n", "stdout")
    T.expect(seen["status"].endswith("STATUS Old (MESSAGES)"), seen["status"])
    verbs = [l.split(" ")[1] for l in seen["flight"].split("\r\n") if l]
    T.expect_eq(verbs, ["DELETE", "LOGOUT"], "pipelined behind STATUS")


def names_server(caps, sent, listed):
    """Logs in with caps (ENABLE UTF8=ACCEPT answered when asked), records
    each command line in sent, answers LIST with the raw names listed and
    everything else with OK."""
    def script(c):
        c.send("* OK [CAPABILITY %s] ready" % caps)
        tag, _ = c.expect_command("AUTHENTICATE")
        c.send("%s OK [CAPABILITY %s] logged in" % (tag, caps))
        while True:
            line = c.read_line()
            sent.append(line)
            tag, verb = line.split(" ")[:2]
            verb = verb.upper()
            if verb == "ENABLE" and "UTF8=ACCEPT" in line:
                c.send("* ENABLED UTF8=ACCEPT")
            elif verb == "LIST":
                # A name, or a whole LIST answer when it starts with "(".
                for name in listed:
                    c.send("* LIST " + name if name.startswith("(") else
                           '* LIST (\\HasNoChildren) "/" "%s"' % name)
            elif verb == "LOGOUT":
                c.send("* BYE bye")
                c.send(tag + " OK bye")
                return
            c.send(tag + " OK done")
    return script


def names_run(caps, listed, *args):
    sent = []
    with ScriptedServer(names_server(caps, sent, listed), tls="implicit",
                        cert=CERT, key=KEY) as srv:
        r = T.crispin(*args, rc=scripted_rc(srv))
        srv.wait()
    return r, [l.split(" ", 1)[1] for l in sent]


@T.case("scripted: non-ASCII names go as UTF-8 once UTF8=ACCEPT is enabled, "
        "as modified UTF-7 otherwise, and come back the same")
def _():
    utf8 = "IMAP4rev1 SASL-IR AUTH=PLAIN ENABLE UTF8=ACCEPT"
    plain = "IMAP4rev1 SASL-IR AUTH=PLAIN"
    for caps, spelt in ((utf8, "Grüße/日本"), (plain, "Gr&APwA3w-e/&ZeVnLA-")):
        r, sent = names_run(caps, [], "mkdir", "Grüße/日本")
        T.expect_code(r, 0)
        T.expect_eq(r.out, "created 'Grüße/日本'\n", "mkdir output")
        T.expect('CREATE "%s"' % spelt in sent or "CREATE %s" % spelt in sent,
                 "CREATE spelt %r: %r" % (spelt, sent))
        T.expect(("ENABLE UTF8=ACCEPT" in sent) == (caps == utf8),
                 "ENABLE: %r" % sent)
        r, sent = names_run(caps, [], "rename", "Grüße/日本", "Ärger")
        T.expect_code(r, 0)
        want = 'RENAME "Grüße/日本" "Ärger"' if caps == utf8 else \
            "RENAME Gr&APwA3w-e/&ZeVnLA- &AMQ-rger"
        T.expect(want in sent, "RENAME %r: %r" % (want, sent))
        r, sent = names_run(caps, ["INBOX", spelt], "folders", "--json")
        T.expect_code(r, 0)
        T.expect_eq([json.loads(l)["name"] for l in r.out.splitlines()],
                    ["INBOX", "Grüße/日本"], "names listed")


@T.case("scripted: a server whose delimiter is '.': rename counts the children "
        "below 'Box.', not 'BoxOther'; folders shows the delimiter")
def _():
    caps = "IMAP4rev1 SASL-IR AUTH=PLAIN"
    listed = ['(\\HasChildren) "." Box', '(\\HasChildren) "." Box.Child',
              '(\\HasNoChildren) "." Box.Child.Deep',
              '(\\HasNoChildren) "." BoxOther']
    r, sent = names_run(caps, listed, "rename", "Box", "Kiste")
    T.expect_code(r, 0)
    T.expect_eq(r.out, "renamed 'Box' to 'Kiste' with 2 subfolders\n", "output")
    T.expect("RENAME Box Kiste" in sent, "RENAME: %r" % sent)
    r, sent = names_run(caps, listed, "folders", "--json")
    T.expect_code(r, 0)
    T.expect_eq({json.loads(l)["delimiter"] for l in r.out.splitlines()}, {"."},
                "delimiters")


# -- the search language against Dovecot ---------------------------------

NOW = calendar.timegm((2024, 6, 15, 12, 0, 0))
SEARCH_FOLDER = "Suche"


def day(y, m, d):
    return calendar.timegm((y, m, d, 12, 0, 0))


def filler(n):
    return "".join("line %04d of filler text\n" % i for i in range(n))


# Messages: headers, body, flags, keywords, internal date (noon UTC).
SPECS = [
    dict(mid="s1", frm="Alice Example <alice@example.org>", to="bob@example.org",
         subject="Quarterly report", body="Numbers attached below.\n",
         flags=["\\Seen"], date=day(2024, 6, 10)),
    dict(mid="s2", frm="Bob <bob@example.org>", to="alice@example.org",
         cc="carol@example.org", subject="Re: Quarterly report",
         body="Looks good.\n", flags=["\\Seen", "\\Answered", "$Label1"],
         date=day(2024, 6, 14)),
    dict(mid="s3", frm="Carol <carol@example.org>", to="team@example.org",
         subject="Lunch on Friday?", body="Bring the invoice please.\n",
         flags=["\\Flagged"], date=day(2024, 5, 20)),
    dict(mid="s4", frm="Alice Example <alice@example.org>", to="carol@example.org",
         subject="Invoice 2024-03", body="Invoice total.\n" + filler(500),
         flags=["\\Seen", "\\Flagged"], date=day(2024, 3, 5)),
    dict(mid="s5", frm="Dave <dave@example.net>", to="alice@example.org",
         subject="=?UTF-8?Q?Gr=C3=BC=C3=9Fe_aus_K=C3=B6ln?=",
         subject_text="Grüße aus Köln", body="Die Straße ist nass.\n",
         flags=[], date=day(2024, 1, 15)),
    dict(mid="s6", frm="Bob <bob@example.org>", to="alice@example.org",
         bcc="eve@example.org", subject="Draft plan", body="Plan v1.\n",
         flags=["\\Draft"], date=day(2024, 2, 29)),
    dict(mid="s7", frm="Carol <carol@example.org>", to="bob@example.org",
         subject="Report draft", body=filler(2500),
         flags=["\\Deleted", "\\Seen"], date=day(2023, 12, 31)),
    dict(mid="s8", frm="newsletter@lists.example.com", to="alice@example.org",
         subject="Weekly news", body="News.\n", flags=[], date=day(2024, 6, 15),
         extra="List-Id: <news.example.com>\nX-Mailer: crispin-test\n"),
    dict(mid="s9", frm="Alice Example <alice@example.org>", to="carol@example.org",
         subject="Photos", body="See the attachment.\n" + filler(800),
         flags=["\\Seen", "work"], date=day(2024, 4, 1), attachment=True),
    dict(mid="s10", frm="Dave <dave@example.net>", to="bob@example.org",
         subject="status", body="All fine.\n", flags=["\\Answered"],
         date=day(2024, 6, 8)),
]


def raw_of(s):
    h = "From: %s\nTo: %s\n" % (s["frm"], s["to"])
    if s.get("cc"):
        h += "Cc: %s\n" % s["cc"]
    if s.get("bcc"):
        h += "Bcc: %s\n" % s["bcc"]
    h += "Subject: %s\nMessage-ID: <%s@crispin.test>\n" % (s["subject"], s["mid"])
    h += s.get("extra", "")
    h += "MIME-Version: 1.0\n"
    if s.get("attachment"):
        h += ('Content-Type: multipart/mixed; boundary="b1"\n\n--b1\n'
              'Content-Type: text/plain; charset=utf-8\n\n%s\n--b1\n'
              'Content-Type: application/octet-stream\n'
              'Content-Disposition: attachment; filename="p.bin"\n'
              'Content-Transfer-Encoding: base64\n\nAAECAwQF\n--b1--\n' % s["body"])
        return h
    h += "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n"
    return h + s["body"]


def deliver_search_set():
    for s in SPECS:
        s["raw"] = raw_of(s).encode("utf-8")
        s["size"] = len(s["raw"].replace(b"\n", b"\r\n"))
        dc.deliver("alice", SEARCH_FOLDER, s["raw"], flags=s["flags"], date=s["date"])
    m = imap()
    try:
        m.select(SEARCH_FOLDER, readonly=True)
        typ, data = m.uid("FETCH", "1:*", "(BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
        for item in data:
            if isinstance(item, tuple):
                uid = int(re.search(rb"UID (\d+)", item[0]).group(1))
                mid = re.search(rb"<(\w+)@", item[1]).group(1).decode()
                next(s for s in SPECS if s["mid"] == mid)["uid"] = uid
    finally:
        m.logout()


def has(field, text):
    return lambda s: text.casefold() in (s.get(field) or "").casefold()


def subj(text):
    return lambda s: text.casefold() in s.get("subject_text", s["subject"]).casefold()


def flag(f):
    return lambda s: f in s["flags"]


def since(y, m, d):
    return lambda s: s["date"] >= day(y, m, d) - 12 * 3600


def before(y, m, d):
    return lambda s: s["date"] < day(y, m, d) - 12 * 3600


def body(text):
    return lambda s: text.casefold() in s["body"].casefold()


def AND(*fs):
    return lambda s: all(f(s) for f in fs)


def OR(*fs):
    return lambda s: any(f(s) for f in fs)


def NOT(f):
    return lambda s: not f(s)


SEARCHES = [
    ("from:alice", has("frm", "alice")),
    ("from:example.net", has("frm", "example.net")),
    ("to:bob", has("to", "bob")),
    ("cc:carol", has("cc", "carol")),
    ("bcc:eve", has("bcc", "eve")),
    ("subject:report", subj("report")),
    ('subject:"quarterly report"', subj("quarterly report")),
    ("body:invoice", body("invoice")),
    ("text:invoice", lambda s: b"invoice" in s["raw"].lower()),
    ("quarterly", OR(subj("quarterly"), has("frm", "quarterly"))),
    ("header:List-Id:news", lambda s: "List-Id: <news" in s.get("extra", "")),
    ("header:X-Mailer:", lambda s: "X-Mailer" in s.get("extra", "")),
    ("date:2024-06", AND(since(2024, 6, 1), before(2024, 7, 1))),
    ("date:2024-01..2024-03", AND(since(2024, 1, 1), before(2024, 4, 1))),
    ("on:2024-02-29", AND(since(2024, 2, 29), before(2024, 3, 1))),
    ("since:2024-06-10", since(2024, 6, 10)),
    ("before:2024-01-01", before(2024, 1, 1)),
    ("since:7d", since(2024, 6, 8)),
    ("since:1m", since(2024, 5, 15)),
    ("before:3m", before(2024, 3, 15)),
    ("date:30d..7d", AND(since(2024, 5, 16), before(2024, 6, 9))),
    ("larger:10K", lambda s: s["size"] > 10240),
    ("smaller:5K", lambda s: s["size"] < 5120),
    ("is:unread", NOT(flag("\\Seen"))),
    ("is:read", flag("\\Seen")),
    ("is:flagged", flag("\\Flagged")),
    ("is:replied", flag("\\Answered")),
    ("is:deleted", flag("\\Deleted")),
    ("is:draft", flag("\\Draft")),
    ("is:unflagged is:read", AND(NOT(flag("\\Flagged")), flag("\\Seen"))),
    ("uid:2:4,7", lambda s: s["uid"] in (2, 3, 4, 7)),
    ("uid:8:* is:unread", AND(lambda s: s["uid"] >= 8, NOT(flag("\\Seen")))),
    ("larger:10K smaller:1M", lambda s: 10240 < s["size"] < 1048576),
    ("keyword:$Label1", flag("$Label1")),
    ("keyword:work", flag("work")),
    ("from:alice or from:bob", OR(has("frm", "alice"), has("frm", "bob"))),
    ("from:alice -subject:invoice", AND(has("frm", "alice"), NOT(subj("invoice")))),
    ("not (is:read or is:flagged)", NOT(OR(flag("\\Seen"), flag("\\Flagged")))),
    ("(from:carol or from:dave) since:2024-05-01",
     AND(OR(has("frm", "carol"), has("frm", "dave")), since(2024, 5, 1))),
    ("subject:grüße", subj("grüße")),
    ("body:straße", body("straße")),
    ("from:alice or from:bob or from:carol or from:dave",
     OR(has("frm", "alice"), has("frm", "bob"), has("frm", "carol"),
        has("frm", "dave"))),
    ("date:2024-02..2024-04 -is:deleted",
     AND(since(2024, 2, 1), before(2024, 5, 1), NOT(flag("\\Deleted")))),
    ("is:replied or (is:draft or keyword:work) -from:carol",
     OR(flag("\\Answered"), AND(OR(flag("\\Draft"), flag("work")),
                                NOT(has("frm", "carol"))))),
]


def helper():
    build = os.environ.get("CRISPIN_BUILDDIR") or os.path.dirname(T.crispin_path)
    return os.path.join(build, "tests", "unit", "query-to-imap")


def translate(query):
    env = dict(os.environ, TZ="UTC")
    p = subprocess.run([helper(), "--now", str(NOW), query], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, env=env, timeout=30)
    if p.returncode != 0:
        raise AssertionError("query-to-imap %r: %s" % (query, p.stderr.decode()))
    return p.stdout[:-1], b"needs-local" in p.stderr


def server_search(m, keys):
    tag = m._new_tag()
    m.send(tag + b" UID SEARCH CHARSET UTF-8 " + keys + b"\r\n")
    uids = set()
    while True:
        line = m.readline()
        if not line:
            raise AssertionError("connection closed")
        if line.startswith(b"* SEARCH"):
            uids |= {int(x) for x in line.split()[2:]}
        elif line.startswith(tag):
            if not line.startswith(tag + b" OK"):
                raise AssertionError("server refused %r: %r" % (keys, line))
            return uids


@T.case("search: %d queries, Dovecot's UIDs equal the reference" % len(SEARCHES))
def _():
    T.expect(os.access(helper(), os.X_OK), "helper not built: %s" % helper())
    # The table must discriminate: most queries match some messages, not all.
    sizes = [sum(1 for s in SPECS if ref(s)) for _, ref in SEARCHES]
    T.expect(sum(1 for n in sizes if 0 < n < len(SPECS)) >= 30,
             "reference too trivial: %r" % sizes)
    m = imap()
    problems = []
    try:
        m.select(SEARCH_FOLDER, readonly=True)
        for query, ref in SEARCHES:
            keys, local = translate(query)
            got = server_search(m, keys)
            want = {s["uid"] for s in SPECS if ref(s)}
            if got != want or local:
                problems.append("%r -> %r: got %s, want %s" % (
                    query, keys, sorted(got), sorted(want)))
    finally:
        m.logout()
    T.expect(not problems, "\n".join(problems))


def esc(v):
    return v.replace("\\", "\\\\").replace("\n", "\\n")


def records():
    """The delivered messages as query-to-imap --match reads them."""
    out = []
    for s in SPECS:
        lines = ["uid %d" % s["uid"], "size %d" % s["size"], "date %d" % s["date"],
                 "tz 0", "attachment %d" % (1 if s.get("attachment") else 0),
                 "subject " + esc(s.get("subject_text", s["subject"])),
                 "body " + esc(s["body"]), "from " + esc(s["frm"]), "to " + esc(s["to"])]
        for f in ("cc", "bcc"):
            if s.get(f):
                lines.append("%s %s" % (f, esc(s[f])))
        for h in s.get("extra", "").splitlines():
            name, value = h.split(":", 1)
            lines.append("header %s:%s" % (name, value.strip()))
        lines += ["flag " + f for f in s["flags"]]
        out.append("\n".join(lines) + "\n.\n")
    return "".join(out)


def local_eval(query):
    p = subprocess.run([helper(), "--now", str(NOW), "--match", query],
                       input=records().encode(), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, env=dict(os.environ, TZ="UTC"),
                       timeout=30)
    if p.returncode != 0:
        raise AssertionError("query-to-imap --match %r: %s" % (query, p.stderr.decode()))
    res = {}
    for line in p.stdout.decode().splitlines():
        uid, truth = line.split()
        res.setdefault(truth, set()).add(int(uid))
    return res


@T.case("search: the offline evaluator agrees with Dovecot on every query")
def _():
    m = imap()
    problems = []
    try:
        m.select(SEARCH_FOLDER, readonly=True)
        for query, _ref in SEARCHES:
            keys, _local = translate(query)
            server = server_search(m, keys)
            res = local_eval(query)
            if res.get("yes", set()) != server or res.get("unknown"):
                problems.append("%r: server %s, local %r" % (query, sorted(server), res))
    finally:
        m.logout()
    T.expect(not problems, "\n".join(problems))
    res = local_eval("has:attachment from:alice")
    T.expect_eq(res.get("yes"), {s["uid"] for s in SPECS if s.get("attachment")},
                "has:attachment finished locally")


@T.case("search: has:attachment is answered with a superset to finish locally")
def _():
    keys, local = translate("has:attachment from:alice")
    T.expect(local, "needs-local not reported")
    m = imap()
    try:
        m.select(SEARCH_FOLDER, readonly=True)
        got = server_search(m, keys)
    finally:
        m.logout()
    want = {s["uid"] for s in SPECS if s.get("attachment") and "alice" in s["frm"]}
    T.expect(want and want <= got, "got %s, want a superset of %s" % (sorted(got), sorted(want)))
    T.expect_eq(got, {s["uid"] for s in SPECS if "alice" in s["frm"]}, "server part")


if __name__ == "__main__":
    T.main(setup, teardown)

#!/usr/bin/env python3
"""Namespaces (RFC 2342) against a real Dovecot with an other users'
namespace ("shared/USER/", a folder bob shares with alice through the acl
plugin) and a public one ("Public/"): crispin folders lists them with
their namespace, and their folders are opened, searched and copied from
and into like alice's own. Against a scripted server whose LIST "*" stays
in the personal namespace, each namespace prefix is listed by itself."""

import imaplib
import json
import os
import ssl
import subprocess
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from crispintest import Suite, account_rc  # noqa: E402
from dovecot import Dovecot  # noqa: E402
from fakeimap import ScriptedServer  # noqa: E402

T = Suite(__file__)
dc = None
CERT = KEY = None
BOB = "bob@example.org"
TEAM = "shared/%s/Team" % BOB


def message(subject, mid):
    return ("From: Bob <bob@example.org>\r\nTo: team@example.org\r\n"
            "Subject: %s\r\nMessage-ID: <%s@example.org>\r\n"
            "Date: Mon, 4 Mar 2024 11:00:00 +0000\r\n\r\nFor the team.\r\n"
            % (subject, mid)).encode()


def imap():
    ctx = ssl.create_default_context(cafile=dc.ca_file)
    m = imaplib.IMAP4_SSL(dc.host, dc.imaps_port, ssl_context=ctx)
    m.login("alice", dc.users["alice"])
    return m


def setup():
    global dc, CERT, KEY
    CERT = os.path.join(T.workdir, "cert.pem")
    KEY = os.path.join(T.workdir, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
                    "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", KEY, "-out", CERT],
                   check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    dc = Dovecot(shared_namespace=True, public_namespace=True).start()
    dc.create_folder(BOB, "Team")
    dc.deliver(BOB, "Team", message("Team plan", "plan"))
    dc.deliver(BOB, "Team", message("Team lunch", "lunch"))
    dc.create_folder(BOB, "Private")
    dc.deliver(BOB, "Private", message("Bob only", "private"))
    dc.share_folder(BOB, "Team", "alice")
    m = imap()
    try:
        T.expect_eq(m.create("Public/Notices")[0], "OK", "public folder made")
        m.append("Public/Notices", None, None, message("Notice one", "n1"))
    finally:
        m.logout()


def teardown():
    if dc:
        dc.stop()


def run(*args, **kw):
    return T.crispin(*args, rc=account_rc(dc), **kw)


def subjects(folder):
    m = imap()
    try:
        m.select('"%s"' % folder, readonly=True)
        typ, data = m.fetch("1:*", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
        return sorted(d[1].decode().strip()[len("Subject: "):]
                      for d in data if isinstance(d, tuple))
    finally:
        m.logout()


@T.case("crispin folders lists every namespace, each folder with its kind")
def _():
    r = run("folders", "--json")
    T.expect_code(r, 0)
    kinds = {}
    for line in r.out.splitlines():
        o = json.loads(line)
        kinds[o["name"]] = o.get("namespace")
    T.expect_eq(kinds.get("INBOX"), "personal", "INBOX: %r" % kinds)
    T.expect_eq(kinds.get(TEAM), "other", "bob's shared folder: %r" % kinds)
    T.expect_eq(kinds.get("Public/Notices"), "shared", "the public folder")
    T.expect("shared/%s/Private" % BOB not in kinds,
             "an unshared folder stays hidden: %r" % kinds)
    r = run("folders", "--counts")
    T.expect_code(r, 0)
    team = [l for l in r.out.splitlines() if l.startswith(TEAM + "\t")]
    T.expect(team and team[0].split("\t")[-2:] == ["2", "2"],
             "counted like the others: %r" % r.out)


@T.case("a folder of another user opens, is searched and copied from")
def _():
    r = run("list", "-f", TEAM)
    T.expect_code(r, 0)
    T.expect("Team plan" in r.out and "Team lunch" in r.out, r.out)
    r = run("search", "-f", TEAM, "subject:lunch", "--json")
    T.expect_code(r, 0)
    found = [json.loads(l) for l in r.out.splitlines() if l.strip()]
    T.expect_eq(len(found), 1, "one match: %r" % r.out)
    uid = found[0]["uid"]
    r = run("copy", "-f", TEAM, str(uid), "INBOX")
    T.expect_code(r, 0)
    T.expect("Team lunch" in subjects("INBOX"), "copied into alice's INBOX")
    T.expect_eq(subjects(TEAM), ["Team lunch", "Team plan"],
                "bob's folder unchanged")


@T.case("a public folder takes a copy like a personal one")
def _():
    r = run("search", "-f", "INBOX", "subject:lunch", "--json")
    uid = json.loads(r.out.splitlines()[0])["uid"]
    r = run("copy", "-f", "INBOX", str(uid), "Public/Notices")
    T.expect_code(r, 0)
    T.expect_eq(subjects("Public/Notices"), ["Notice one", "Team lunch"],
                "the copy landed in the public namespace")


@T.case("a server whose LIST * stays personal: each namespace prefix is listed "
        "(where the counts cost a round trip anyway)")
def _():
    sent = []

    def script(c):
        c.send("* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN NAMESPACE] hi")
        tag, _ = c.expect_command("AUTHENTICATE")
        c.send(tag + " OK in")
        while True:
            line = c.read_line()
            sent.append(line)
            tag, verb = line.split(" ")[:2]
            verb = verb.upper()
            if verb == "NAMESPACE":
                c.send('* NAMESPACE (("" "/")) (("#users/" "/")) '
                       '(("#public/" "/"))')
            elif verb == "LIST" and line.endswith('"*"'):
                c.send('* LIST (\\HasNoChildren) "/" INBOX')
            elif verb == "LIST" and "#users/" in line:
                c.send('* LIST (\\HasNoChildren) "/" "#users/bob/Team"')
            elif verb == "LIST" and "#public/" in line:
                c.send('* LIST (\\HasNoChildren) "/" "#public/News"')
            elif verb == "STATUS":
                name = line.split(" ")[2]
                c.send('* STATUS %s (MESSAGES 2 UNSEEN 1)' % name)
            elif verb == "LOGOUT":
                c.send("* BYE bye")
                c.send(tag + " OK bye")
                return
            c.send(tag + " OK done")

    rc = {"imap_url": "imaps://alice@127.0.0.1:%d/" % 0, "imap_pass": "pw",
          "tls_ca_file": CERT, "connect_timeout": "5"}
    with ScriptedServer(script, tls="implicit", cert=CERT, key=KEY) as srv:
        rc["imap_url"] = "imaps://alice@127.0.0.1:%d/" % srv.port
        r = T.crispin("folders", "--counts", "--json", rc=rc)
        srv.wait()
    T.expect_code(r, 0)
    kinds = {json.loads(l)["name"]: json.loads(l)["namespace"]
             for l in r.out.splitlines()}
    T.expect_eq(kinds, {"INBOX": "personal", "#users/bob/Team": "other",
                        "#public/News": "shared"}, "every namespace listed")
    lists = [l.split(" ", 1)[1] for l in sent if " LIST " in l]
    T.expect_eq(lists, ['LIST "" "*"', 'LIST "" "#users/*"',
                        'LIST "" "#public/*"'], "the LIST commands")
    counted = [json.loads(l) for l in r.out.splitlines()]
    T.expect(all(o["total"] == 2 for o in counted), "all counted: %r" % r.out)


T.main(setup=setup, teardown=teardown)

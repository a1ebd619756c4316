#!/usr/bin/env python3
"""Namespaces (RFC 2342) against a real Dovecot with an other users'
namespace ("shared/USER/", a folder bob shares with alice through the acl
plugin) and a public one ("Public/"): crispin folders lists them with
their namespace, and their folders are opened, searched and copied from
and into like alice's own, made, renamed and deleted. Against a scripted
server whose LIST "*" stays in the personal namespace, each namespace
prefix "*" did not reach is listed by itself, in one more flight the
first time and, remembered in the cache, in the first flight after that."""

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
from crispintest import Suite, account_rc  # noqa: E402
from dovecot import Dovecot  # noqa: E402
from fakeimap import Conn, ScriptedServer  # noqa: E402

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
    # Dovecot's LIST "*" reaches both namespaces: no LIST of a prefix.
    T.expect_eq(len(traced_lists(r)), 1, "LISTs: %r" % traced_lists(r))
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


@T.case("mkdir, subscribe, rename with children and rmdir in the public "
        "namespace, with non-ASCII names")
def _():
    top, child = "Public/Projekte-ü", "Public/Projekte-ü/Q1"
    for name in (top, child):
        r = run("mkdir", name)
        T.expect_code(r, 0)
        T.expect_eq(r.out, "created '%s'\n" % name, "mkdir output")
    r = run("subscribe", top)
    T.expect_code(r, 0)
    m = imap()
    try:
        typ, data = m.lsub('""', '"Public/*"')
        T.expect(any(b"Public/Projekte-&APw-" in d for d in data if d),
                 "subscribed, modified UTF-7 on the wire: %r" % data)
    finally:
        m.logout()
    r = run("rename", top, "Public/Archiv-ö")
    T.expect_code(r, 0)
    T.expect_eq(r.out, "renamed '%s' to 'Public/Archiv-ö' with 1 subfolder\n"
                % top, "rename output")
    r = run("folders", "--json")
    T.expect_code(r, 0)
    kinds = {json.loads(l)["name"]: json.loads(l)["namespace"]
             for l in r.out.splitlines()}
    T.expect_eq(kinds.get("Public/Archiv-ö"), "shared", "renamed: %r" % kinds)
    T.expect_eq(kinds.get("Public/Archiv-ö/Q1"), "shared", "child moved along")
    T.expect(top not in kinds and child not in kinds, "old names gone")
    for name in ("Public/Archiv-ö/Q1", "Public/Archiv-ö"):
        r = run("rmdir", name)
        T.expect_code(r, 0)
        T.expect_eq(r.out, "deleted '%s' and its 0 messages\n" % name,
                    "rmdir output")
    r = run("folders")
    T.expect("Archiv-ö" not in r.out, "deleted: %r" % r.out)


def prefix_server(sent, namespace, star, prefixes, caps=""):
    """A server that answers NAMESPACE with namespace, LIST "" "*" with the
    LIST lines star, and LIST "" "PREFIX*" with prefixes[PREFIX]."""
    def script(c):
        c.send("* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN NAMESPACE%s] hi"
               % caps)
        tag, _ = c.expect_command("AUTHENTICATE")
        c.send(tag + " OK in")
        while True:
            line = c.read_line()
            sent.append(line)
            tag, verb = line.split(" ")[:2]
            verb = verb.upper()
            if verb == "NAMESPACE":
                c.send("* NAMESPACE " + namespace)
            elif verb == "LIST":
                pattern = re.match(r'\S+ LIST "" "([^"]*)"', line).group(1)
                for answer in (star if pattern == "*" else
                               prefixes.get(pattern[:-1], [])):
                    c.send("* LIST " + answer)
                    # LIST-STATUS: the counts come with each name.
                    if "STATUS (MESSAGES UNSEEN)" in line:
                        name = re.search(r'"/" (.*)$', answer).group(1)
                        c.send("* STATUS %s (MESSAGES 2 UNSEEN 1)" % name)
            elif verb == "LOGOUT":
                c.send("* BYE bye")
                c.send(tag + " OK bye")
                return
            c.send(tag + " OK done")
    return script


class TwoSessions(ScriptedServer):
    """A scripted server that runs its script for two connections."""

    def _run(self):
        try:
            self.listener.settimeout(self.timeout)
            for _ in range(2):
                sock, _ = self.listener.accept()
                sock.settimeout(self.timeout)
                conn = Conn(self, self.tls_context().wrap_socket(
                    sock, server_side=True))
                try:
                    self.script(conn)
                finally:
                    conn.close()
        except Exception as e:  # reported by wait()
            self.error = e
        finally:
            self.listener.close()
            self.done.set()


def run_scripted(script, *args, memory=None, server=ScriptedServer):
    """Runs crispin against the script; memory (when not None) is what
    the account's cache remembers of the namespaces "*" missed. Returns
    the result and the memory's path."""
    cache = T.path("cache")
    rc = {"imap_pass": "pw", "tls_ca_file": CERT, "connect_timeout": "5",
          "cache_dir": cache}
    with server(script, tls="implicit", cert=CERT, key=KEY) as srv:
        rc["imap_url"] = "imaps://alice@127.0.0.1:%d/" % srv.port
        path = os.path.join(cache, "alice@127.0.0.1:%d" % srv.port,
                            "unreached-namespaces")
        if memory is not None:
            os.makedirs(os.path.dirname(path), mode=0o700)
            with open(path, "w") as f:
                f.write(memory)
        r = T.crispin(*args, rc=rc)
        srv.wait()
    r.memory = path
    return r


def traced_lists(r):
    return [m.group(1) for m in
            re.finditer(r'^C: \S+ (LIST .*)$', r.trace, re.M)]


def flights(r):
    """The verbs of each run of commands crispin sent without waiting."""
    out, last = [], "S"
    for line in r.trace.splitlines():
        if line.startswith("C: ") and re.match(r"\S+ [A-Z]", line[3:]):
            if last == "S":
                out.append([])
            out[-1].append(line[3:].split(" ")[1].upper())
            last = "C"
        elif line.startswith("S: "):
            last = "S"
    return out


SPACED_NS = ('(("" "/")) (("Other Users/" "/")) (("Shared/" "/"))')
PERSONAL = ['(\\HasNoChildren) "/" INBOX',
            '(\\HasNoChildren \\Sent) "/" Sent']


@T.case("a server whose LIST * stays personal: without --counts, the other "
        "users' and shared prefixes are listed in one more flight")
def _():
    script = prefix_server([], SPACED_NS, PERSONAL, {
        "Other Users/": ['(\\HasNoChildren) "/" "Other Users/bob/Team"'],
        "Shared/": ['(\\HasChildren \\Noselect) "/" "Shared/Sales"',
                    '(\\HasNoChildren) "/" "Shared/Sales/Leads"'],
    }, caps=" LIST-EXTENDED SPECIAL-USE")
    r = run_scripted(script, "folders", "--json")
    T.expect_code(r, 0)
    kinds = {json.loads(l)["name"]: json.loads(l)["namespace"]
             for l in r.out.splitlines()}
    T.expect_eq(kinds, {"INBOX": "personal", "Sent": "personal",
                        "Other Users/bob/Team": "other",
                        "Shared/Sales": "shared",
                        "Shared/Sales/Leads": "shared"},
                "every namespace listed")
    T.expect_eq(traced_lists(r), [
        'LIST "" "*" RETURN (SPECIAL-USE)',
        'LIST "" "Other Users/*" RETURN (SPECIAL-USE)',
        'LIST "" "Shared/*" RETURN (SPECIAL-USE)'], "the LIST commands traced")
    # The prefix LISTs and LOGOUT went together, after NAMESPACE answered.
    T.expect_eq(flights(r)[-2:], [["NAMESPACE", "LIST"],
                                  ["LIST", "LIST", "LOGOUT"]], "flights")
    r = run_scripted(prefix_server([], SPACED_NS, PERSONAL, {
        "Other Users/": ['(\\HasNoChildren) "/" "Other Users/bob/Team"']}),
        "folders")
    T.expect_code(r, 0)
    T.expect_eq(r.out.splitlines(), ["INBOX\t-", "Other Users/bob/Team\t-",
                                     "Sent\t\\Sent"], "text output")


@T.case("with LIST-STATUS, --counts: the prefix LISTs carry the counts too, "
        "no STATUS round")
def _():
    script = prefix_server([], SPACED_NS, PERSONAL, {
        "Other Users/": ['(\\HasNoChildren) "/" "Other Users/bob/Team"'],
        "Shared/": ['(\\HasNoChildren) "/" "Shared/News"'],
    }, caps=" LIST-EXTENDED SPECIAL-USE LIST-STATUS")
    r = run_scripted(script, "folders", "--counts", "--json")
    T.expect_code(r, 0)
    got = {o["name"]: (o["namespace"], o["total"], o["unseen"])
           for o in map(json.loads, r.out.splitlines())}
    T.expect_eq(got, {"INBOX": ("personal", 2, 1), "Sent": ("personal", 2, 1),
                      "Other Users/bob/Team": ("other", 2, 1),
                      "Shared/News": ("shared", 2, 1)}, "folders and counts")
    T.expect_eq(flights(r)[-2:], [["NAMESPACE", "LIST"],
                                  ["LIST", "LIST", "LOGOUT"]], "flights")
    T.expect(all("RETURN (SPECIAL-USE STATUS (MESSAGES UNSEEN))" in l
                 for l in traced_lists(r)), "RETURN options: %r" % traced_lists(r))


@T.case("remembered: the prefixes '*' missed last time and LOGOUT go in the "
        "first flight; a namespace new since is listed on a second session")
def _():
    script = prefix_server([], SPACED_NS, PERSONAL, {
        "Other Users/": ['(\\HasNoChildren) "/" "Other Users/bob/Team"'],
        "Shared/": ['(\\HasNoChildren) "/" "Shared/News"'],
    })
    r = run_scripted(script, "folders", "--json", server=TwoSessions,
                     memory="Other Users/\nGone/\n")
    T.expect_code(r, 0)
    kinds = {json.loads(l)["name"]: json.loads(l)["namespace"]
             for l in r.out.splitlines()}
    T.expect_eq(kinds, {"INBOX": "personal", "Sent": "personal",
                        "Other Users/bob/Team": "other",
                        "Shared/News": "shared"}, "every namespace listed")
    fl = flights(r)
    first = [f for f in fl if "LIST" in f][0]
    T.expect_eq(first, ["NAMESPACE", "LIST", "LIST", "LIST", "LOGOUT"],
                "the first session's one flight")
    T.expect_eq(fl[-1], ["NAMESPACE", "LIST", "LOGOUT"], "the second session's")
    T.expect_eq(traced_lists(r), ['LIST "" "*"', 'LIST "" "Other Users/*"',
                                  'LIST "" "Gone/*"', 'LIST "" "Shared/*"'],
                "the LIST commands")
    with open(r.memory) as f:
        T.expect_eq(f.read(), "Other Users/\nShared/\n", "the memory now")


@T.case("a namespace LIST * reached already, or none named, is not listed again")
def _():
    # "*" reaches Other Users/ but not Shared/: only Shared/ is listed.
    star = PERSONAL + ['(\\HasNoChildren) "/" "Other Users/bob/Team"']
    r = run_scripted(prefix_server([], SPACED_NS, star, {
        "Shared/": ['(\\HasNoChildren) "/" "Shared/News"']}), "folders", "--json")
    T.expect_code(r, 0)
    names = [json.loads(l)["name"] for l in r.out.splitlines()]
    T.expect_eq(names, ["INBOX", "Other Users/bob/Team", "Sent", "Shared/News"],
                "folders")
    T.expect_eq(traced_lists(r), ['LIST "" "*"', 'LIST "" "Shared/*"'],
                "only the unreached prefix listed")
    # Only a personal namespace: the one LIST.
    r = run_scripted(prefix_server([], '(("" "/")) NIL NIL', PERSONAL, {}),
                     "folders", "--json")
    T.expect_code(r, 0)
    T.expect_eq(len(r.out.splitlines()), 2, "personal folders: %r" % r.out)
    T.expect_eq(traced_lists(r), ['LIST "" "*"'], "no prefix LIST")


T.main(setup=setup, teardown=teardown)

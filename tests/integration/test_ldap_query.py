#!/usr/bin/env python3
"""contrib/crispin-ldap-query against a private slapd (mdb, loopback):
substring matches on mail, cn, sn and givenName in mutt's query protocol,
a UTF-8 name (base64 in LDIF) decoded, a query of filter specials (`*)(`)
escaped so that it finds only the entry holding them, a bind with a
password file, and crispin query using it as query_command. Skipped when
slapd or ldap-utils are missing (contrib/deps.sh installs them)."""

import os
import shutil
import socket
import subprocess
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from crispintest import Suite  # noqa: E402

T = Suite(__file__)
SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                      "contrib", "crispin-ldap-query")
SLAPD = shutil.which("slapd") or ("/usr/sbin/slapd"
                                  if os.path.exists("/usr/sbin/slapd") else None)
SKIP = None
slapd = None
URI = None
BASE = "dc=example,dc=org"
ADMIN = "cn=admin," + BASE
PASSWORD = "s3cret"

ENTRIES = """dn: dc=example,dc=org
objectClass: dcObject
objectClass: organization
o: Example
dc: example

dn: ou=people,dc=example,dc=org
objectClass: organizationalUnit
ou: people

dn: uid=anna,ou=people,dc=example,dc=org
objectClass: inetOrgPerson
uid: anna
cn: Anna Smith
sn: Smith
givenName: Anna
mail: anna.smith@example.org
ou: Sales

dn: uid=bob,ou=people,dc=example,dc=org
objectClass: inetOrgPerson
uid: bob
cn: Bob Smithers
sn: Smithers
givenName: Bob
mail: bob@example.org
mail: b.smithers@example.org
title: Engineer

dn: uid=juergen,ou=people,dc=example,dc=org
objectClass: inetOrgPerson
uid: juergen
cn:: SsO8cmdlbiBNw7xsbGVy
sn:: TcO8bGxlcg==
mail: juergen@example.org

dn: uid=star,ou=people,dc=example,dc=org
objectClass: inetOrgPerson
uid: star
cn: Star *)( Person
sn: Person
mail: star@example.org

dn: uid=nomail,ou=people,dc=example,dc=org
objectClass: inetOrgPerson
uid: nomail
cn: Smith Without Mail
sn: Smith
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def setup():
    global SKIP, slapd, URI
    missing = [p for p in ("ldapsearch", "ldapadd") if not shutil.which(p)]
    if SLAPD is None or missing:
        SKIP = "slapd or ldap-utils not installed"
        return
    d = os.path.join(T.workdir, "slapd")
    os.makedirs(os.path.join(d, "db"))
    conf = os.path.join(d, "slapd.conf")
    with open(conf, "w") as f:
        f.write("include /etc/ldap/schema/core.schema\n"
                "include /etc/ldap/schema/cosine.schema\n"
                "include /etc/ldap/schema/inetorgperson.schema\n"
                "pidfile %s/slapd.pid\n"
                "modulepath /usr/lib/ldap\n"
                "moduleload back_mdb\n"
                "database mdb\n"
                "maxsize 10485760\n"
                "suffix \"%s\"\n"
                "rootdn \"%s\"\n"
                "rootpw %s\n"
                "directory %s/db\n" % (d, BASE, ADMIN, PASSWORD, d))
    port = free_port()
    URI = "ldap://127.0.0.1:%d/" % port
    log = open(os.path.join(d, "slapd.log"), "w")
    slapd = subprocess.Popen([SLAPD, "-d", "0", "-f", conf, "-h", URI],
                             stdout=log, stderr=log)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if slapd.poll() is not None:
            SKIP = "slapd cannot start here (see %s/slapd.log)" % d
            slapd = None
            return
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    else:
        SKIP = "slapd did not listen in time"
        return
    subprocess.run(["ldapadd", "-x", "-H", URI, "-D", ADMIN, "-w", PASSWORD],
                   input=ENTRIES.encode(), check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def teardown():
    if slapd is not None:
        slapd.terminate()
        try:
            slapd.wait(timeout=5)
        except subprocess.TimeoutExpired:
            slapd.kill()


def query(text, extra_env=None, conf=None):
    env = T.env({"CRISPIN_LDAP_URI": URI, "CRISPIN_LDAP_BASE": BASE})
    if conf is not None:
        env.pop("CRISPIN_LDAP_URI")
        env.pop("CRISPIN_LDAP_BASE")
        env["CRISPIN_LDAP_CONFIG"] = conf
    if extra_env:
        env.update(extra_env)
    p = subprocess.run([sys.executable, SCRIPT, text], env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=30)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def rows(out):
    lines = out.splitlines()
    return lines[0], [l.split("\t") for l in lines[1:]]


def skipped():
    if SKIP:
        print("# skipped: %s" % SKIP)
        return True
    return False


@T.case("substring matches on names and mail, in mutt's protocol")
def _():
    if skipped():
        return
    code, out, err = query("smith")
    T.expect_eq(code, 0, "exit (stderr %r)" % err)
    status, found = rows(out)
    T.expect("3 matches" in status, "status line: %r" % status)
    T.expect_eq(found, [
        ["anna.smith@example.org", "Anna Smith", "Sales"],
        ["b.smithers@example.org", "Bob Smithers", "Engineer"],
        ["bob@example.org", "Bob Smithers", "Engineer"],
    ], "rows")
    code, out, _ = query("anna.smith@")
    T.expect_eq(rows(out)[1], [["anna.smith@example.org", "Anna Smith",
                                "Sales"]], "by mail")


@T.case("a UTF-8 name arrives decoded")
def _():
    if skipped():
        return
    code, out, _ = query("Müller")
    T.expect_eq(code, 0, "exit")
    T.expect_eq(rows(out)[1], [["juergen@example.org", "Jürgen Müller", ""]],
                "rows")


@T.case("filter specials in the query are escaped (RFC 4515)")
def _():
    if skipped():
        return
    code, out, err = query("*)(")
    T.expect_eq(code, 0, "exit (stderr %r)" % err)
    T.expect_eq(rows(out)[1], [["star@example.org", "Star *)( Person", ""]],
                "only the entry with the specials")
    # Unescaped, "*" alone would have matched everything.
    code, out, _ = query("*")
    T.expect_eq(rows(out)[1], [["star@example.org", "Star *)( Person", ""]],
                "* is a character, not a wildcard")
    code, out, _ = query("nobody-here")
    T.expect_eq(code, 0, "no match is no error")
    T.expect(out.startswith("No matches"), out)


@T.case("a config file with a bind DN and a password file; errors are clear")
def _():
    if skipped():
        return
    pw = T.write("ldap-pass", PASSWORD)
    conf = T.write("ldap-query.conf", "# test\nuri = %s\nbase = %s\n"
                   "binddn = %s\npassword_file = %s\n" % (URI, BASE, ADMIN, pw))
    code, out, err = query("Anna", conf=conf)
    T.expect_eq(code, 0, "exit (stderr %r)" % err)
    T.expect_eq(len(rows(out)[1]), 1, out)
    bad = T.write("ldap-pass-bad", "wrong")
    conf = T.write("ldap-query.conf", "uri = %s\nbase = %s\nbinddn = %s\n"
                   "password_file = %s\n" % (URI, BASE, ADMIN, bad))
    code, out, err = query("Anna", conf=conf)
    T.expect_eq(code, 1, "a refused bind")
    T.expect("ldapsearch failed" in err, err)
    T.expect(PASSWORD not in err and PASSWORD not in out, "no secret shown")


@T.case("crispin query with the script as query_command")
def _():
    if skipped():
        return
    r = T.crispin("query", "smi", rc={"query_command": "%s %s '%%s'" % (
        sys.executable, SCRIPT)},
        env={"CRISPIN_LDAP_URI": URI, "CRISPIN_LDAP_BASE": BASE}, trace=False)
    T.expect_code(r, 0)
    T.expect("anna.smith@example.org\tAnna Smith\tSales" in r.out, r.out)
    r = T.crispin("query", "--json", "*)(", rc={"query_command": "%s %s" % (
        sys.executable, SCRIPT)},
        env={"CRISPIN_LDAP_URI": URI, "CRISPIN_LDAP_BASE": BASE}, trace=False)
    T.expect_code(r, 0)
    T.expect_eq(r.out.strip(), '{"address":"star@example.org","name":"Star *)( '
                'Person","other":null,"source":"query"}', "JSON")


T.main(setup=setup, teardown=teardown)

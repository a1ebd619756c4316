#!/usr/bin/env python3
"""Checks the test harness itself, without crispin: the private Dovecot
from tests/lib/dovecot.py accepts every SASL mechanism it advertises (a
reference client written with Python's imaplib), verifies with the test CA
only, lists special-use folders, and stops cleanly. When one of crispin's
tests fails, this says whether the server side was sound."""

import base64
import hashlib
import hmac
import imaplib
import os
import socket
import ssl
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from crispintest import Suite  # noqa: E402
from dovecot import (Dovecot, AUTH_MECHANISMS, OAUTH_MECHANISMS,  # noqa: E402
                     SPECIAL_USE, port_open, mutf7_encode, mutf7_decode)
import samplemail  # noqa: E402

T = Suite(__file__)
dc = None


def setup():
    global dc
    dc = Dovecot().start()


def teardown():
    if dc:
        dc.stop()


def scram_client(hname, user, password):
    """An imaplib authobject for SCRAM-SHA-1/-256 (RFC 5802), checking the
    server's signature at the end."""
    nonce = base64.b64encode(os.urandom(18)).decode()
    first_bare = "n=%s,r=%s" % (
        user.replace("=", "=3D").replace(",", "=2C"), nonce)
    st = {"step": 0}

    def step(challenge):
        st["step"] += 1
        if st["step"] == 1:
            return "n,," + first_bare
        if st["step"] == 2:
            sf = challenge.decode()
            d = dict(kv.split("=", 1) for kv in sf.split(","))
            if not d["r"].startswith(nonce):
                raise ValueError("server nonce does not extend ours")
            salted = hashlib.pbkdf2_hmac(hname, password.encode(),
                                         base64.b64decode(d["s"]),
                                         int(d["i"]))
            ckey = hmac.new(salted, b"Client Key", hname).digest()
            final = "c=biws,r=" + d["r"]
            msg = ",".join([first_bare, sf, final]).encode()
            sig = hmac.new(hashlib.new(hname, ckey).digest(), msg,
                           hname).digest()
            skey = hmac.new(salted, b"Server Key", hname).digest()
            st["verifier"] = base64.b64encode(
                hmac.new(skey, msg, hname).digest()).decode()
            proof = bytes(a ^ b for a, b in zip(ckey, sig))
            return final + ",p=" + base64.b64encode(proof).decode()
        if challenge.decode() != "v=" + st["verifier"]:
            raise ValueError("bad server signature")
        return ""
    return step


def connect():
    ctx = ssl.create_default_context(cafile=dc.ca_file)
    return imaplib.IMAP4_SSL("127.0.0.1", dc.imaps_port, ssl_context=ctx)


def mech_case(mech):
    @T.case("reference client: AUTHENTICATE %s" % mech)
    def _():
        user = "bob@example.org"
        pw = dc.users[user]
        m = connect()
        T.expect("AUTH=" + mech in m.capabilities, "not advertised")
        if mech == "PLAIN":
            auth = lambda _: "\0%s\0%s" % (user, pw)
        elif mech == "LOGIN":
            it = iter([user, pw])
            auth = lambda _: next(it)
        elif mech.startswith("SCRAM-"):
            auth = scram_client(mech[6:].replace("-", "").lower(), user, pw)
        elif mech == "OAUTHBEARER":
            tok = dc.oauth_token(user)
            auth = lambda _: "n,a=%s,\x01auth=Bearer %s\x01\x01" % (user, tok)
        else:
            tok = dc.oauth_token(user)
            auth = lambda _: "user=%s\x01auth=Bearer %s\x01\x01" % (user, tok)
        typ, _ = m.authenticate(mech, auth)
        T.expect_eq(typ, "OK", "AUTHENTICATE result")
        m.logout()


for _m in AUTH_MECHANISMS + OAUTH_MECHANISMS:
    mech_case(_m)


@T.case("reference client: wrong password and unknown token fail")
def _():
    m = connect()
    try:
        m.login("alice", "wrong")
        T.expect(False, "wrong password accepted")
    except imaplib.IMAP4.error:
        pass
    m = connect()
    try:
        m.authenticate("XOAUTH2", lambda _: "user=alice\x01auth=Bearer "
                       "nope\x01\x01")
        T.expect(False, "unknown token accepted")
    except imaplib.IMAP4.error:
        pass


@T.case("STARTTLS offered on the plain port, not after it")
def _():
    m = imaplib.IMAP4("127.0.0.1", dc.imap_port)
    T.expect("STARTTLS" in m.capabilities, m.capabilities)
    T.expect("LOGINDISABLED" not in m.capabilities,
             "server refuses plaintext itself; client refusal untestable")
    m.starttls(ssl_context=ssl.create_default_context(cafile=dc.ca_file))
    m.login("alice", dc.users["alice"])
    m.logout()


@T.case("certificate: trusted by the test CA only, pinned fingerprint")
def _():
    try:
        imaplib.IMAP4_SSL("127.0.0.1", dc.imaps_port,
                          ssl_context=ssl.create_default_context(
                              cafile=dc.wrong_ca_file))
        T.expect(False, "wrong CA accepted")
    except ssl.SSLError:
        pass
    m = connect()
    der = m.sock.getpeercert(binary_form=True)
    fp = hashlib.sha256(der).hexdigest().upper()
    T.expect_eq(":".join(fp[i:i + 2] for i in range(0, 64, 2)),
                dc.fingerprint, "fingerprint")
    T.expect(dc.fingerprint != dc.wrong_fingerprint, "same fingerprints")
    m.logout()
    ctx = ssl.create_default_context(cafile=dc.ca_file)
    with socket.create_connection(("127.0.0.1", dc.imaps_port)) as s:
        with ctx.wrap_socket(s, server_hostname="localhost"):
            pass


@T.case("special-use folders and non-ASCII names over IMAP")
def _():
    samplemail.populate(dc, "alice")
    m = connect()
    m.login("alice", dc.users["alice"])
    typ, lines = m.list()
    got = {}
    for line in lines:
        line = line.decode()
        flags, rest = line[1:].split(")", 1)
        name = rest.split('"/" ', 1)[1].strip('"')
        got[mutf7_decode(name)] = [f for f in flags.split()
                                   if f in dict(SPECIAL_USE).values()]
    T.expect_eq(sorted(got), sorted(samplemail.FOLDERS), "folders")
    for name, use in SPECIAL_USE:
        T.expect_eq(got[name], [use], "special use of %s" % name)
    for name, (total, unseen) in samplemail.expected_counts().items():
        typ, data = m.status('"%s"' % mutf7_encode(name),
                             "(MESSAGES UNSEEN)")
        T.expect(("MESSAGES %d UNSEEN %d" % (total, unseen))
                 in data[0].decode(), "%s: %r" % (name, data))
    m.logout()


@T.case("modified UTF-7 helpers agree with doveadm")
def _():
    for name in ("Entwürfe", "日本語", "A&B", "Projects/crispin"):
        out = dc.doveadm("mailbox", "mutf7", name).strip()
        T.expect_eq(mutf7_encode(name), out, "encoding of %s" % name)
        T.expect_eq(mutf7_decode(out), name, "decoding of %s" % out)


@T.case("stop() closes the ports and removes the directory")
def _():
    other = Dovecot(oauth=False).start()
    ports, tmp = (other.imap_port, other.imaps_port), other.tmpdir
    T.expect(all(port_open(p) for p in ports), "not listening")
    other.stop()
    T.expect(not any(port_open(p) for p in ports), "still listening")
    T.expect(not os.path.exists(tmp), "temporary directory left behind")
    other.stop()  # idempotent


if __name__ == "__main__":
    T.main(setup, teardown, need_crispin=False)

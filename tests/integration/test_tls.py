#!/usr/bin/env python3
"""crispin verifies the server before it sends credentials: unknown CA,
wrong CA, wrong host name, certificate pinning, and a server that does not
offer STARTTLS; the TLS session resumed by the next connection, never
under other trust settings."""

import os
import re
import shutil
import stat
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from crispintest import Suite, account_rc, folder_names  # noqa: E402
from dovecot import Dovecot  # noqa: E402

T = Suite(__file__)
dc = None          # normal server: certificate for localhost / 127.0.0.1
servers = []


def setup():
    global dc
    dc = Dovecot().start()
    servers.append(dc)


def teardown():
    for s in servers:
        s.stop()


def expect_refused_before_auth(r, server, mark, user="alice"):
    """Exit 5, a message naming the host, nothing of the credentials on the
    wire, and no authentication attempt in Dovecot's log."""
    T.expect_code(r, 5)
    T.expect_error_message(r)
    T.expect("127.0.0.1" in r.err, "stderr does not name the host: %r"
             % r.err)
    T.expect_no_credentials_sent(r)
    T.expect_secret_hidden(r, user, server.users[user], need_stars=False)
    server.wait_log(r"Disconnected", mark, timeout=3)
    log = server.log_since(mark)
    T.expect("user=<%s>" % user not in log and "(%s," % user not in log,
             "Dovecot saw an authentication attempt:\n%s" % log[-1500:])


@T.case("unknown CA (no tls_ca_file), imaps: exit 5, no credentials sent")
def _():
    mark = dc.log_mark()
    r = T.crispin("folders", rc=account_rc(dc, tls_ca_file=None))
    expect_refused_before_auth(r, dc, mark)


@T.case("unknown CA (no tls_ca_file), STARTTLS: exit 5, no credentials")
def _():
    mark = dc.log_mark()
    rc = account_rc(dc, implicit_tls=False, tls_ca_file=None)
    r = T.crispin("folders", rc=rc)
    expect_refused_before_auth(r, dc, mark)


@T.case("tls_ca_file of another CA: exit 5")
def _():
    mark = dc.log_mark()
    r = T.crispin("folders",
                  rc=account_rc(dc, tls_ca_file=dc.wrong_ca_file))
    expect_refused_before_auth(r, dc, mark)


@T.case("certificate for another host name: exit 5")
def _():
    other = Dovecot(cert_cn="mail.example.org",
                    cert_san="DNS:mail.example.org").start()
    servers.append(other)
    mark = other.log_mark()
    r = T.crispin("folders", rc=account_rc(other))
    expect_refused_before_auth(r, other, mark)


@T.case("right pinned fingerprint without tls_ca_file is accepted")
def _():
    rc = account_rc(dc, tls_ca_file=None, tls_fingerprint=dc.fingerprint)
    r = T.crispin("folders", rc=rc)
    T.expect_code(r, 0)
    T.expect("INBOX" in folder_names(r.out), "no INBOX in %r" % r.out)


@T.case("pinned fingerprint as sha256:lower-case hex is accepted")
def _():
    fp = "sha256:" + dc.fingerprint.lower()
    rc = account_rc(dc, tls_ca_file=None, tls_fingerprint=fp)
    r = T.crispin("folders", rc=rc)
    T.expect_code(r, 0)


@T.case("pinned fingerprint over STARTTLS is accepted")
def _():
    rc = account_rc(dc, implicit_tls=False, tls_ca_file=None,
                    tls_fingerprint=dc.fingerprint)
    r = T.crispin("folders", rc=rc)
    T.expect_code(r, 0)


@T.case("wrong pinned fingerprint: exit 5, no credentials sent")
def _():
    mark = dc.log_mark()
    rc = account_rc(dc, tls_ca_file=None,
                    tls_fingerprint=dc.wrong_fingerprint)
    r = T.crispin("folders", rc=rc)
    expect_refused_before_auth(r, dc, mark)


@T.case("wrong pin is refused even when the CA is trusted")
def _():
    mark = dc.log_mark()
    rc = account_rc(dc, tls_fingerprint=dc.wrong_fingerprint)
    r = T.crispin("folders", rc=rc)
    expect_refused_before_auth(r, dc, mark)


@T.case("server without STARTTLS, imap://: exit 5, no credentials sent")
def _():
    plain = Dovecot(ssl=False).start()
    servers.append(plain)
    mark = plain.log_mark()
    rc = account_rc(plain, implicit_tls=False)
    rc["tls_ca_file"] = dc.ca_file
    r = T.crispin("folders", rc=rc)
    expect_refused_before_auth(r, plain, mark)
    T.expect(re.search(r"STARTTLS|TLS", r.err),
             "stderr does not say TLS is missing: %r" % r.err)


@T.case("with tls_ca_file, the system's CAs are read only when the file "
        "does not vouch for the server")
def _():
    log = T.path("trust.log")

    def system_read(rc):
        if os.path.exists(log):
            os.unlink(log)
        r = T.crispin("--log", log, "folders", rc=rc)
        with open(log) as f:
            return r, "reading the system's trusted CAs" in f.read()

    r, read = system_read(account_rc(dc))
    T.expect_code(r, 0)
    T.expect(not read, "the system's CAs were parsed although the CA file "
             "vouched for the server")
    r, read = system_read(account_rc(dc, tls_ca_file=dc.wrong_ca_file))
    T.expect_code(r, 5)
    T.expect(read, "the system's CAs were not tried after the CA file")
    T.expect("not trusted" in r.err, "says why: %r" % r.err)
    r, read = system_read(account_rc(dc, tls_ca_file=None))
    T.expect_code(r, 5)
    T.expect(read, "without a CA file the system's CAs are what is checked")


@T.case("the next connection resumes the TLS session; other trust starts afresh")
def _():
    # One login process for every connection (Dovecot's high-performance
    # mode), so the ticket key that issued the session can take it back.
    hp = Dovecot(extra_config=["service imap-login {", "  service_count = 0",
                               "}"]).start()
    servers.append(hp)
    cache = T.path("resume-cache")
    log = T.path("resume.log")

    def handshake(rc):
        if os.path.exists(log):
            os.unlink(log)
        r = T.crispin("--log", log, "folders", rc=rc)
        T.expect_code(r, 0)
        with open(log) as f:
            lines = [l for l in f if ": TLS1." in l]
        T.expect_eq(len(lines), 1, "one TLS connection logged")
        return lines[0]

    rc = account_rc(hp, cache_dir=cache)
    T.expect("resumed" not in handshake(rc), "the first connection is a full one")
    [account] = os.listdir(cache)
    saved = os.path.join(cache, account, "tls-session")
    T.expect_eq(stat.S_IMODE(os.stat(saved).st_mode), 0o600, "the session file is private")
    T.expect("resumed" in handshake(rc), "the second connection resumes the first")
    # The same CA under another file name is other trust settings: the
    # session verified under the old ones is not offered.
    other_ca = T.path("same-ca-elsewhere.pem")
    shutil.copy(hp.ca_file, other_ca)
    T.expect("resumed" not in handshake(account_rc(hp, cache_dir=cache,
                                                   tls_ca_file=other_ca)),
             "no resumption under another tls_ca_file")
    # A damaged file costs the resumption, not the connection.
    with open(saved, "r+b") as f:
        data = bytearray(f.read())
        for i in range(len(data) - 200, len(data)):
            data[i] ^= 0x5a
        f.seek(0)
        f.write(data)
    T.expect("resumed" not in handshake(rc), "a damaged session is not resumed")
    T.expect("resumed" in handshake(rc), "the new session is kept again")
    # No cache, no session kept: header_cache = no keeps nothing on disk.
    shutil.rmtree(cache)
    handshake(account_rc(hp, cache_dir=cache, header_cache="no"))
    T.expect(not os.path.exists(cache), "nothing written with header_cache off")


if __name__ == "__main__":
    T.main(setup, teardown)

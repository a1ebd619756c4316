#!/usr/bin/env python3
"""A server seen before: what it offered at the last login is kept beside
the cache (server-hint, 0600), so the next login goes out with the end of
the TLS handshake instead of behind the greeting (implicit TLS) or behind
a CAPABILITY command (STARTTLS). A stale or foreign hint costs at most one
refused attempt, never the login; a wrong password is tried once."""

import os
import re
import stat
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from crispintest import Suite, account_rc  # noqa: E402
from dovecot import Dovecot  # noqa: E402

T = Suite(__file__)
dc = None
servers = []


def setup():
    global dc
    dc = Dovecot().start()
    servers.append(dc)


def teardown():
    for s in servers:
        s.stop()


def trace_lines(r):
    with open(r.trace_path, encoding="utf-8", errors="replace") as f:
        return f.read().splitlines()


def first_index(lines, rx):
    for i, line in enumerate(lines):
        if re.search(rx, line):
            return i
    return None


GREETING = r"^S: \* OK "
AUTH = r"^C: \S+ AUTHENTICATE "


def hint_path(cache):
    [account] = os.listdir(cache)
    return os.path.join(cache, account, "server-hint")


def run(rc):
    r = T.crispin("folders", rc=rc)
    T.expect_code(r, 0)
    return r, trace_lines(r)


def read(path):
    with open(path) as f:
        return f.read()


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def learn(server, name, **more):
    """A first run against server with a cache of its own: (rc, the hint
    file, what it says)."""
    cache = T.path(name)
    rc = account_rc(server, cache_dir=cache, **more)
    run(rc)
    path = hint_path(cache)
    return rc, path, read(path)


@T.case("implicit TLS: the second login goes out before the greeting")
def _():
    cache = T.path("implicit-cache")
    rc = account_rc(dc, cache_dir=cache)
    r, lines = run(rc)
    T.expect(first_index(lines, GREETING) < first_index(lines, AUTH),
             "the first connection waits for the greeting:\n%s"
             % "\n".join(lines[:6]))
    path = hint_path(cache)
    T.expect_eq(stat.S_IMODE(os.stat(path).st_mode), 0o600,
                "the hint file is private")
    text = read(path)
    T.expect("greeting " in text and "AUTH=SCRAM-SHA-256" in text,
             "the greeting's capabilities are kept: %r" % text)
    T.expect(re.search(r"^login .*\bQRESYNC\b", text, re.M),
             "the capabilities after login are kept: %r" % text)
    T.expect(dc.users["alice"] not in text, "no password in the hint")
    r, lines = run(rc)
    auth, greeting = first_index(lines, AUTH), first_index(lines, GREETING)
    T.expect(auth is not None and greeting is not None and auth < greeting,
             "the second login did not go out before the greeting:\n%s"
             % "\n".join(lines[:6]))
    T.expect_eq(len([l for l in lines if re.search(AUTH, l)]), 1,
                "one login")
    T.expect("INBOX" in r.out, "the folders are listed: %r" % r.out)
    # Over TLS what follows the login goes out with SCRAM's client-final
    # and the empty answer to the server's signature, before that
    # signature ("v=", base64 "dj") comes.
    final = first_index(lines, r"^S: \+ dj")
    after = first_index(lines, r"^C: \S+ (ENABLE|NAMESPACE|LIST)")
    T.expect(final is not None and after is not None and after < final,
             "nothing went out before the server's signature:\n%s"
             % "\n".join(lines[:14]))


@T.case("a hint with a capability the server no longer offers and nothing "
        "used: the login goes on, the hint is renewed")
def _():
    rc, path, text = learn(dc, "fewer-cache")
    write(path, re.sub(r"^(login .*)$", r"\1 XCRISPIN-GONE", text, flags=re.M))
    r, lines = run(rc)
    T.expect("INBOX" in r.out, "the folders are listed: %r" % r.out)
    T.expect_eq(read(path), text, "the hint is renewed")


@T.case("STARTTLS: the second login asks no CAPABILITY after the handshake")
def _():
    cache = T.path("starttls-cache")
    rc = account_rc(dc, implicit_tls=False, cache_dir=cache)
    r, lines = run(rc)
    starttls = first_index(lines, r"^C: \S+ STARTTLS")
    T.expect(first_index(lines[starttls:], r"^C: \S+ CAPABILITY$") is not None,
             "the first connection asks for the capabilities after TLS")
    r, lines = run(rc)
    starttls = first_index(lines, r"^C: \S+ STARTTLS")
    after = [l for l in lines[starttls + 1:] if l.startswith("C: ")]
    T.expect(after and re.search(AUTH, after[0]),
             "the login does not follow STARTTLS directly: %r" % after[:3])
    T.expect(not any(re.search(r"^C: \S+ CAPABILITY$", l) for l in lines),
             "CAPABILITY asked although it was known")


@T.case("a hint offering a mechanism the server dropped: refused once, then "
        "the server's own offer logs in and the hint is renewed")
def _():
    plain_only = Dovecot(auth_mechanisms=["PLAIN"]).start()
    servers.append(plain_only)
    rc, path, text = learn(plain_only, "stale-cache")
    T.expect("AUTH=SCRAM-SHA-256" not in text, "the server offers PLAIN only")
    # As if the server had offered SCRAM at the last login.
    write(path, text.replace("AUTH=PLAIN", "AUTH=SCRAM-SHA-256"))
    r, lines = run(rc)
    auths = [l for l in lines if re.search(AUTH, l)]
    T.expect_eq(len(auths), 2, "a refused attempt, then the good one")
    T.expect("SCRAM-SHA-256" in auths[0] and "PLAIN" in auths[1],
             "SCRAM on the hint, PLAIN on the greeting: %r" % auths)
    T.expect("AUTH=PLAIN" in read(path), "the hint is renewed")
    r, lines = run(rc)
    T.expect_eq(len([l for l in lines if re.search(AUTH, l)]), 1,
                "the renewed hint logs in at once")


@T.case("a wrong password with a good hint: one attempt, exit 6")
def _():
    cache = T.path("wrong-cache")
    run(account_rc(dc, cache_dir=cache))
    mark = dc.log_mark()
    r = T.crispin("folders", rc=account_rc(dc, cache_dir=cache,
                                           imap_pass="Wrong-Password-42"))
    T.expect_code(r, 6)
    T.expect(re.search(r"auth", r.err, re.I), "says why: %r" % r.err)
    T.expect_eq(len([l for l in trace_lines(r) if re.search(AUTH, l)]), 1,
                "the refused password is not sent twice")
    T.expect_secret_hidden(r, "alice", "Wrong-Password-42", need_stars=False)
    dc.wait_log(r"Disconnected", mark, timeout=3)


@T.case("a hint of another server or a damaged one is not used")
def _():
    rc, path, text = learn(dc, "foreign-cache")
    for bad in (text.replace("server=127.0.0.1:", "server=192.0.2.1:"),
                text.replace("crispin server hint 1", "crispin server hint 9"),
                text[:len(text) // 2], "\0garbage\n" * 10):
        write(path, bad)
        r, lines = run(rc)
        T.expect(first_index(lines, GREETING) < first_index(lines, AUTH),
                 "a hint that does not match was used: %r" % bad[:80])
        T.expect_eq(read(path), text, "the hint is written anew")


@T.case("a hint with a capability a command was built on and the server "
        "dropped: that connection ends with a clear error, the next one works")
def _():
    noqr = Dovecot(imap_capability="IMAP4rev1 SASL-IR LITERAL+ ID ENABLE IDLE "
                   "NAMESPACE UIDPLUS LIST-EXTENDED SPECIAL-USE ESEARCH").start()
    servers.append(noqr)
    rc, path, text = learn(noqr, "dropped-cache")
    T.expect("QRESYNC" not in text, "the server offers no QRESYNC: %r" % text)
    # As if it had offered QRESYNC at the last login: ENABLE asks for it
    # on sight, so the connection's assumptions are spoilt.
    write(path, re.sub(r"^(login .*)$", r"\1 CONDSTORE QRESYNC", text, flags=re.M))
    r = T.crispin("folders", rc=rc)
    enable = [l for l in trace_lines(r) if re.search(r"^C: \S+ ENABLE ", l)]
    T.expect(enable and "QRESYNC" in enable[0], "ENABLE asked for QRESYNC: %r"
             % enable)
    T.expect(r.code != 0 and "no longer offers" in r.err,
             "the connection did not stop: %s" % r.describe())
    T.expect_eq(read(path), text, "the hint is renewed")
    r = T.crispin("folders", rc=rc)
    T.expect_code(r, 0)
    T.expect("INBOX" in r.out, "the folders are listed: %r" % r.out)


if __name__ == "__main__":
    T.main(setup, teardown)

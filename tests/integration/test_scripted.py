#!/usr/bin/env python3
"""crispin against a scripted server: the exact bytes it sends (pipelining,
SASL-IR, STARTTLS), odd servers, hostile responses and dropped links."""

import os
import re
import ssl
import subprocess
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from crispintest import Suite  # noqa: E402
from fakeimap import ScriptedServer, scram_server  # noqa: E402

T = Suite(__file__)
CERT = KEY = None
PASSWORD = "s3cret pass"
CAPS = ("IMAP4rev1 SASL-IR AUTH=PLAIN ENABLE ID NAMESPACE LIST-EXTENDED "
        "SPECIAL-USE LIST-STATUS CONDSTORE LITERAL+")


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


def rc_for(srv, scheme="imaps", **more):
    opts = {"imap_url": "%s://alice@127.0.0.1:%d/" % (scheme, srv.port),
            "imap_pass": PASSWORD, "tls_ca_file": CERT,
            "connect_timeout": "5"}
    opts.update(more)
    return {k: v for k, v in opts.items() if v is not None}


def answer_postlogin(c, lines):
    """Answers ENABLE/ID/NAMESPACE/LIST/STATUS/LOGOUT lines; True once
    LOGOUT was among them."""
    logout = False
    for line in lines:
        tag, verb = line.split(" ")[:2]
        verb = verb.upper()
        if verb == "ENABLE":
            c.send("* ENABLED CONDSTORE")
        elif verb == "NAMESPACE":
            c.send('* NAMESPACE (("" "/")) NIL NIL')
        elif verb == "LIST":
            c.send('* LIST (\\HasNoChildren) "/" INBOX')
            c.send('* STATUS INBOX (MESSAGES 3 UNSEEN 1)')
            c.send('* LIST (\\HasNoChildren \\Sent) "/" Sent')
            c.send('* STATUS Sent (MESSAGES 7 UNSEEN 0)')
        elif verb == "LOGOUT":
            c.send("* BYE bye")
            logout = True
        c.send("%s OK %s done" % (tag, verb))
    return logout


def read_commands(c, n):
    return [c.read_line() for _ in range(n)]


def finish_session(c, lines=()):
    """Answers lines already read, then reads and answers commands until
    LOGOUT."""
    if answer_postlogin(c, lines):
        return
    while not answer_postlogin(c, [c.read_line()]):
        pass


def flight_run(cache, memory=None, **rc_more):
    """crispin folders --counts against a server that answers nothing
    until the client has sent all it would send unanswered, with memory
    (when not None) as what the account's cache remembers of the
    namespaces "*" missed. Returns (result, what the server saw: "auth",
    "flight" and, when more came after the answers, "then", and the
    path of the memory)."""
    seen = {}

    def script(c):
        c.send("* OK [CAPABILITY %s] ready" % CAPS)
        tag, rest = c.expect_command("AUTHENTICATE")
        seen["auth"] = rest
        c.send("%s OK [CAPABILITY %s] logged in" % (tag, CAPS))
        # Answer nothing yet: everything the client sends now was pipelined.
        seen["flight"] = c.pending_input().decode()
        lines = [l for l in seen["flight"].split("\r\n") if l]
        c.buf = b""
        if answer_postlogin(c, lines):
            return
        seen["then"] = c.pending_input().decode()
        c.buf = b""
        finish_session(c, [l for l in seen["then"].split("\r\n") if l])

    with ScriptedServer(script, tls="implicit", cert=CERT, key=KEY) as srv:
        path = os.path.join(cache, "alice@127.0.0.1:%d" % srv.port,
                            "unreached-namespaces")
        if memory is not None:
            os.makedirs(os.path.dirname(path), mode=0o700)
            with open(path, "w") as f:
                f.write(memory)
        r = T.crispin("folders", "--counts",
                      rc=rc_for(srv, cache_dir=cache, **rc_more))
        srv.wait()
    return r, seen, path


def verbs_of(text):
    return [l.split(" ")[1] for l in text.split("\r\n") if l]


@T.case("first commands after login are pipelined in one flight")
def _():
    cache = T.path("cache-flight")
    # The first time, LOGOUT waits for NAMESPACE's answer: other users'
    # and shared namespaces may need a LIST of their own
    # (test_namespaces.py). Which ones "*" missed (none) is remembered.
    r, seen, memory = flight_run(cache)
    T.expect_code(r, 0)
    T.expect_eq(verbs_of(seen["flight"]), ["ENABLE", "NAMESPACE", "LIST"],
                "pipelined commands, the first time")
    T.expect_eq(verbs_of(seen.get("then", "")), ["LOGOUT"], "then LOGOUT alone")
    with open(memory) as f:
        T.expect_eq(f.read(), "", "no namespace remembered as missed")
    T.expect_eq(os.stat(memory).st_mode & 0o777, 0o600, "the memory's mode")
    # From then on (the port names the account: the memory goes along).
    r, seen, _ = flight_run(cache, memory="")
    T.expect_code(r, 0)
    T.expect(seen["auth"].startswith("PLAIN "), "SASL-IR not used: %r" % seen["auth"])
    T.expect_eq(verbs_of(seen["flight"]),
                ["ENABLE", "NAMESPACE", "LIST", "LOGOUT"], "pipelined commands")
    T.expect("RETURN (SPECIAL-USE STATUS (MESSAGES UNSEEN))" in seen["flight"],
             "LIST-STATUS not used: %r" % seen["flight"])
    T.expect_eq(r.out.splitlines(), ["INBOX\t-\t3\t1", "Sent\t\\Sent\t7\t0"], "output")


@T.case("imap_send_id = yes: ID with crispin's name and version in the first flight")
def _():
    r, seen, _ = flight_run(T.path("cache-id"), imap_send_id="yes")
    T.expect_code(r, 0)
    T.expect_eq(verbs_of(seen["flight"]), ["ENABLE", "ID", "NAMESPACE", "LIST"],
                "pipelined commands")
    T.expect(re.search(r' ID \("name" "crispin" "version" "[^"]+"\)\r\n',
                       seen["flight"]), "the ID: %r" % seen["flight"])


@T.case("without SASL-IR or greeting capabilities: CAPABILITY, then an empty challenge")
def _():
    def script(c):
        c.send("* OK ready")
        tag, _ = c.expect_command("CAPABILITY")
        c.send("* CAPABILITY IMAP4rev1 AUTH=PLAIN")
        c.send(tag + " OK done")
        tag, rest = c.expect_command("AUTHENTICATE")
        if rest != "PLAIN":
            raise AssertionError("initial response sent without SASL-IR: %r" % rest)
        c.send("+ ")
        resp = c.read_line()
        import base64
        if base64.b64decode(resp) != ("\0alice\0" + PASSWORD).encode():
            raise AssertionError("bad PLAIN response")
        c.send(tag + " OK logged in")
        # No capabilities in the OK: the client must ask again.
        tag, _ = c.expect_command("CAPABILITY")
        c.send("* CAPABILITY IMAP4rev1 LIST-EXTENDED SPECIAL-USE")
        c.send(tag + " OK done")
        finish_session(c)

    with ScriptedServer(script, tls="implicit", cert=CERT, key=KEY) as srv:
        r = T.crispin("folders", "--counts", rc=rc_for(srv))
        srv.wait()
    T.expect_code(r, 0)
    T.expect_eq(r.out.splitlines(), ["INBOX\t-\t3\t1", "Sent\t\\Sent\t7\t0"],
                "STATUS fallback output")


@T.case("PREAUTH before STARTTLS is refused and nothing is sent")
def _():
    def script(c):
        c.send("* PREAUTH [CAPABILITY IMAP4rev1 STARTTLS] already logged in")
        c.pending_input()

    with ScriptedServer(script) as srv:
        r = T.crispin("folders", rc=rc_for(srv, scheme="imap"))
        srv.wait()
    T.expect_code(r, 5)
    T.expect("pre-authenticated" in r.err, r.err)
    T.expect_eq(srv.received, b"", "bytes sent by the client")


@T.case("bytes injected before the STARTTLS handshake are discarded")
def _():
    seen = {}

    def script(c):
        c.send("* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] ready")
        tag, _ = c.expect_command("STARTTLS")
        # A man in the middle appends plaintext after the OK.
        c.send_raw(("%s OK begin TLS\r\n* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN "
                    "SASL-IR] injected\r\n" % tag).encode())
        c.starttls()
        line = c.read_line()
        seen["after_tls"] = line
        tag = line.split(" ")[0]
        c.send("* CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN")
        c.send(tag + " OK done")
        tag, rest = c.expect_command("AUTHENTICATE")
        c.send("%s OK [CAPABILITY %s] in" % (tag, CAPS))
        finish_session(c)

    with ScriptedServer(script, cert=CERT, key=KEY) as srv:
        r = T.crispin("folders", rc=rc_for(srv, scheme="imap"))
        srv.wait()
    T.expect_code(r, 0)
    T.expect(seen["after_tls"].endswith(" CAPABILITY"),
             "client trusted injected capabilities; first command after TLS: %r"
             % seen["after_tls"])


@T.case("SCRAM-SHA-256-PLUS with tls-unique channel binding over TLS 1.2")
def _():
    seen = {}

    def script(c):
        c.send("* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=SCRAM-SHA-256 "
               "AUTH=SCRAM-SHA-256-PLUS AUTH=PLAIN] ready")
        tag, rest = c.expect_command("AUTHENTICATE")
        mech, _, ir = rest.partition(" ")
        seen["mech"] = mech
        cb = c.sock.get_channel_binding("tls-unique")
        if not scram_server(c, tag, ir, PASSWORD, cb_data=cb):
            return
        c.send("%s OK [CAPABILITY %s] in" % (tag, CAPS))
        finish_session(c)

    with ScriptedServer(script, tls="implicit", cert=CERT, key=KEY,
                        max_tls_version=ssl.TLSVersion.TLSv1_2) as srv:
        r = T.crispin("folders", rc=rc_for(srv))
        srv.wait()
    T.expect_code(r, 0)
    T.expect_eq(seen.get("mech"), "SCRAM-SHA-256-PLUS", "mechanism")
    T.expect_secret_hidden(r, "alice", PASSWORD)


@T.case("a server that cannot prove the SCRAM password is rejected")
def _():
    def script(c):
        c.send("* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=SCRAM-SHA-256] ready")
        tag, rest = c.expect_command("AUTHENTICATE")
        mech, _, ir = rest.partition(" ")
        scram_server(c, tag, ir, PASSWORD, tamper_signature=True)
        c.pending_input()

    with ScriptedServer(script, tls="implicit", cert=CERT, key=KEY) as srv:
        r = T.crispin("folders", rc=rc_for(srv))
        srv.wait()
    T.expect_code(r, 6)
    T.expect("signature" in r.err.lower(), r.err)
    T.expect(" LIST " not in r.trace, "commands sent after a failed login")


@T.case("a server seen before whose SCRAM signature is wrong: the commands "
        "sent ahead of it are answered in vain")
def _():
    cache = T.path("cache-ahead")
    seen = {}

    def answers(c):
        # Everything sent after client-final, answered in the write that
        # carries the bad signature: none of it may be believed.
        seen["ahead"] = c.pending_input().decode()
        out = ["%s OK [CAPABILITY %s] in" % (seen["tag"], CAPS)]
        for line in seen["ahead"].split("\r\n")[1:]:
            if line:
                out += ['* LIST (\\HasNoChildren) "/" Evil',
                        "%s OK done" % line.split(" ")[0]]
        return "\r\n".join(out) + "\r\n"

    def script(c):
        # Known: the login goes out before the greeting.
        tag, rest = c.expect_command("AUTHENTICATE")
        seen["tag"] = tag
        c.send("* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=SCRAM-SHA-256] ready")
        mech, _, ir = rest.partition(" ")
        scram_server(c, tag, ir, PASSWORD, tamper_signature=True,
                     with_final=answers)
        c.pending_input()

    with ScriptedServer(script, tls="implicit", cert=CERT, key=KEY) as srv:
        account = os.path.join(cache, "alice@127.0.0.1:%d" % srv.port)
        os.makedirs(account, mode=0o700)
        with open(os.path.join(account, "server-hint"), "w") as f:
            f.write("crispin server hint 1\nserver=127.0.0.1:%d tls=implicit "
                    "user=alice\ngreeting IMAP4rev1 SASL-IR AUTH=SCRAM-SHA-256\n"
                    "login %s\n" % (srv.port, CAPS))
        r = T.crispin("folders", rc=rc_for(srv, cache_dir=cache))
        srv.wait()
    T.expect(" LIST " in seen.get("ahead", ""),
             "the LIST did not go ahead of the signature: %r" % seen.get("ahead"))
    T.expect_code(r, 6)
    T.expect("signature" in r.err.lower(), r.err)
    T.expect("Evil" not in r.out, "an answer after the bad signature was used")


@T.case("hostile responses: garbage, control characters, huge lines, literals")
def _():
    def script(c):
        c.send("* OK [CAPABILITY %s] ready" % CAPS)
        tag, _ = c.expect_command("AUTHENTICATE")
        c.send("%s OK [CAPABILITY IMAP4rev1 LIST-EXTENDED SPECIAL-USE] in" % tag)
        while True:
            line = c.read_line()
            tag, verb = line.split(" ")[:2]
            if verb == "LIST":
                break
            c.send("%s OK fine" % tag)
        c.send('* LIST (\\HasNoChildren "/" broken')
        c.send_raw(b"* LIST () \"/\" " + b"x" * (2 * 1024 * 1024) + b"\r\n")
        c.send_raw(b"* \x00\x01\xff garbage\r\n")
        c.send('* LIST () "/" "\x1b[31mEvil\x1b]0;owned\x07"')
        c.send_raw(b'* LIST () "/" {5}\r\nLit\xc3\xa9\r\n')
        c.send('* LIST () "/" INBOX')
        c.send("%s OK listed" % tag)
        finish_session(c)


    with ScriptedServer(script, tls="implicit", cert=CERT, key=KEY) as srv:
        r = T.crispin("folders", rc=rc_for(srv), trace=False)
        srv.wait()
    T.expect_code(r, 0)
    names = [l.split("\t")[0] for l in r.out.splitlines()]
    T.expect("\x1b" not in r.out and "\x07" not in r.out,
             "terminal escapes reached stdout: %r" % r.out)
    T.expect_eq(names[0], "INBOX", "first folder")
    T.expect("Lit\u00e9" in names, "literal name missing: %r" % names)
    T.expect(any("Evil" in n for n in names), "sanitised name missing: %r" % names)
    T.expect(len(names) == 3, "malformed entries were not skipped: %r" % names)


@T.case("the link dropping in the middle of LIST is a network failure")
def _():
    def script(c):
        c.send("* OK [CAPABILITY %s] ready" % CAPS)
        tag, _ = c.expect_command("AUTHENTICATE")
        c.send("%s OK [CAPABILITY %s] in" % (tag, CAPS))
        c.pending_input()
        c.send('* LIST () "/" INBOX')
        c.close()

    with ScriptedServer(script, tls="implicit", cert=CERT, key=KEY) as srv:
        r = T.crispin("folders", rc=rc_for(srv))
        srv.wait()
    T.expect_code(r, 4)
    T.expect_error_message(r)
    T.expect(r.out == "", "partial output printed: %r" % r.out)


@T.case("a server that stops answering is a dead link after `timeout` seconds")
def _():
    def script(c):
        c.send("* OK [CAPABILITY %s] ready" % CAPS)
        tag, _ = c.expect_command("AUTHENTICATE")
        c.send("%s OK [CAPABILITY %s] in" % (tag, CAPS))
        c.pending_input()
        # ...and no answer to ENABLE, NAMESPACE or LIST.
        import time
        time.sleep(3)

    with ScriptedServer(script, tls="implicit", cert=CERT, key=KEY) as srv:
        r = T.crispin("folders", rc=rc_for(srv, timeout="1"), timeout=20)
        srv.wait()
    T.expect_code(r, 4)
    T.expect("did not answer for 1 second" in r.err, r.err)


@T.case("a BYE greeting, a refused LIST, no common mechanism")
def _():
    def bye(c):
        c.send("* BYE too many connections")

    with ScriptedServer(bye, tls="implicit", cert=CERT, key=KEY) as srv:
        r = T.crispin("folders", rc=rc_for(srv))
        srv.wait()
    T.expect_code(r, 1)
    T.expect("too many connections" in r.err, r.err)

    def refuse(c):
        c.send("* OK [CAPABILITY %s] ready" % CAPS)
        tag, _ = c.expect_command("AUTHENTICATE")
        c.send("%s OK [CAPABILITY %s] in" % (tag, CAPS))
        lines = [l for l in c.pending_input().decode().split("\r\n") if l]
        c.buf = b""
        for line in lines:
            tag, verb = line.split(" ")[:2]
            if verb == "LIST":
                c.send("%s NO [SERVERBUG] list is broken" % tag)
            elif verb == "LOGOUT":
                c.send("%s OK bye" % tag)
                return
            else:
                c.send("%s OK fine" % tag)
        finish_session(c)

    with ScriptedServer(refuse, tls="implicit", cert=CERT, key=KEY) as srv:
        r = T.crispin("folders", rc=rc_for(srv))
        srv.wait()
    T.expect_code(r, 1)
    T.expect("list is broken" in r.err, r.err)

    def nomech(c):
        c.send("* OK [CAPABILITY IMAP4rev1 AUTH=GSSAPI LOGINDISABLED] ready")
        c.pending_input()

    with ScriptedServer(nomech, tls="implicit", cert=CERT, key=KEY) as srv:
        r = T.crispin("folders", rc=rc_for(srv))
        srv.wait()
    T.expect_code(r, 6)
    T.expect("AUTH=GSSAPI" in r.err, r.err)
    T.expect_no_credentials_sent(r)


T.main(setup=setup)

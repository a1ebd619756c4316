#!/usr/bin/env python3
"""COMPRESS=DEFLATE (RFC 4978): used when Dovecot offers it (imap_zlib),
not when it does not or the rc says imap_compress = no; data compressed
in the same packet as the server's OK is read; a corrupt stream is a
clean protocol error."""

import os
import re
import subprocess
import sys
import zlib

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from crispintest import Suite, account_rc  # noqa: E402
from dovecot import Dovecot  # noqa: E402
from fakeimap import ScriptedServer  # noqa: E402
import samplemail  # noqa: E402

T = Suite(__file__)
dc = None
plain_dc = None
CERT = KEY = None
PASSWORD = "s3cret pass"
CAPS = "IMAP4rev1 SASL-IR AUTH=PLAIN ENABLE NAMESPACE LIST-EXTENDED COMPRESS=DEFLATE"
ZLIB_BUILD = True


def setup():
    global dc, plain_dc, CERT, KEY, ZLIB_BUILD
    dc = Dovecot(extra_config=["protocol imap {",
                               "  mail_plugins = $mail_plugins imap_zlib",
                               "}"]).start()
    samplemail.populate(dc, "alice")
    plain_dc = Dovecot().start()
    samplemail.populate(plain_dc, "alice")
    CERT = os.path.join(T.workdir, "cert.pem")
    KEY = os.path.join(T.workdir, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
                    "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", KEY, "-out", CERT],
                   check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    config_h = os.path.join(os.path.dirname(T.crispin_path), "config.h")
    if os.path.exists(config_h):
        with open(config_h) as f:
            ZLIB_BUILD = "#define HAVE_ZLIB 1" in f.read()


def teardown():
    for d in (dc, plain_dc):
        if d:
            d.stop()


def trace_of(r):
    with open(r.trace_path, encoding="utf-8", errors="replace") as f:
        return f.read()


@T.case("Dovecot with imap_zlib: COMPRESS before anything else, then list and show work")
def _():
    if not ZLIB_BUILD:
        T.ok("built without zlib: nothing to compress")
        return
    r = T.crispin("list", "-f", "INBOX", rc=account_rc(dc, header_cache="no"))
    T.expect_code(r, 0)
    T.expect("Welcome to crispin" in r.out, "list output: " + r.out[:300])
    tr = trace_of(r)
    cmds = [l for l in tr.splitlines()
            if re.match(r"^C: \S+ [A-Z]", l)]
    auth = [i for i, l in enumerate(cmds)
            if " AUTHENTICATE " in l or " LOGIN " in l]
    T.expect(auth and len(cmds) > auth[0] + 1 and
             cmds[auth[0] + 1].endswith(" COMPRESS DEFLATE"),
             "COMPRESS is not the first command after login:\n" +
             "\n".join(cmds[:6]))
    idx = tr.index("COMPRESS DEFLATE")
    T.expect(" OK " in tr[idx:idx + 200], "no OK to COMPRESS:\n" + tr[idx:idx + 200])
    T.expect("EXAMINE" in tr[idx:] or "SELECT" in tr[idx:],
             "nothing went over the compressed link")
    r = T.crispin("show", "-f", "INBOX", "1", rc=account_rc(dc, header_cache="no"))
    T.expect_code(r, 0)
    T.expect("this folder holds sample mail" in r.out, "show output: " + r.out[:300])


@T.case("no COMPRESS when the server does not offer it, or with imap_compress = no")
def _():
    r = T.crispin("list", "-f", "INBOX", rc=account_rc(plain_dc, header_cache="no"))
    T.expect_code(r, 0)
    T.expect("COMPRESS" not in trace_of(r).replace("COMPRESS=DEFLATE", ""),
             "COMPRESS sent to a server without it")
    r = T.crispin("list", "-f", "INBOX",
                  rc=account_rc(dc, header_cache="no", imap_compress="no"))
    T.expect_code(r, 0)
    T.expect("C: C2 COMPRESS" not in trace_of(r) and
             " COMPRESS DEFLATE" not in trace_of(r),
             "COMPRESS sent although imap_compress = no")


def rc_for(srv):
    return {"imap_url": "imaps://alice@127.0.0.1:%d/" % srv.port,
            "imap_pass": PASSWORD, "tls_ca_file": CERT,
            "connect_timeout": "5", "timeout": "5", "header_cache": "no"}


class Inflater:
    """Reads the client's compressed commands line by line."""

    def __init__(self, c):
        self.c = c
        self.z = zlib.decompressobj(-15)
        self.buf = c.buf
        c.buf = b""
        self.buf = self.z.decompress(self.buf)

    def line(self):
        while b"\r\n" not in self.buf:
            chunk = self.c.sock.recv(65536)
            if not chunk:
                raise AssertionError("client closed: %r" % self.buf)
            self.buf += self.z.decompress(chunk)
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line.decode()


@T.case("compressed bytes in the same packet as the OK are read, and the session goes on compressed")
def _():
    if not ZLIB_BUILD:
        T.ok("built without zlib")
        return
    seen = []

    def script(c):
        c.send("* OK [CAPABILITY %s] ready" % CAPS)
        tag, _ = c.expect_command("AUTHENTICATE")
        c.send("%s OK [CAPABILITY %s] logged in" % (tag, CAPS))
        tag, _ = c.expect_command("COMPRESS")
        out = zlib.compressobj(6, zlib.DEFLATED, -15)
        first = out.compress(b"* OK [ALERT] compressed hello\r\n") + \
            out.flush(zlib.Z_SYNC_FLUSH)
        c.send_raw(("%s OK go ahead\r\n" % tag).encode() + first)
        inf = Inflater(c)
        while True:
            line = inf.line()
            seen.append(line)
            t, verb = line.split(" ")[:2]
            resp = b""
            if verb == "LIST":
                resp += b'* LIST (\\HasNoChildren) "/" INBOX\r\n'
            if verb == "NAMESPACE":
                resp += b'* NAMESPACE (("" "/")) NIL NIL\r\n'
            if verb == "LOGOUT":
                resp += b"* BYE bye\r\n"
            resp += ("%s OK %s done\r\n" % (t, verb)).encode()
            c.send_raw(out.compress(resp) + out.flush(zlib.Z_SYNC_FLUSH))
            if verb == "LOGOUT":
                return

    with ScriptedServer(script, tls="implicit", cert=CERT, key=KEY) as srv:
        r = T.crispin("folders", rc=rc_for(srv))
        srv.wait()
    T.expect_code(r, 0)
    T.expect_eq(r.out.splitlines(), ["INBOX\t-"], "folders over the compressed link")
    verbs = [l.split(" ")[1] for l in seen]
    T.expect("LIST" in verbs and verbs[-1] == "LOGOUT",
             "commands the server inflated: %r" % seen)
    T.expect("compressed hello" in r.err or "compressed hello" in trace_of(r),
             "the untagged response sent with the OK was lost: %s" % r.err)


@T.case("a corrupt compressed stream ends the session with a protocol error")
def _():
    if not ZLIB_BUILD:
        T.ok("built without zlib")
        return

    def script(c):
        c.send("* OK [CAPABILITY %s] ready" % CAPS)
        tag, _ = c.expect_command("AUTHENTICATE")
        c.send("%s OK [CAPABILITY %s] logged in" % (tag, CAPS))
        tag, _ = c.expect_command("COMPRESS")
        c.send_raw(("%s OK go ahead\r\n" % tag).encode() +
                   b"\xff\xfe\xfd this is not deflate data \x00\x01")
        try:
            c.sock.recv(65536)
        except OSError:
            pass

    with ScriptedServer(script, tls="implicit", cert=CERT, key=KEY) as srv:
        r = T.crispin("folders", rc=rc_for(srv))
        srv.wait()
    T.expect_code(r, 7)
    T.expect("compressed" in r.err, "error message: " + r.err)


T.main(setup=setup, teardown=teardown)

#!/usr/bin/env python3
"""crispin send against a real SMTP server on loopback (aiosmtpd): STARTTLS
and implicit TLS with AUTH, byte-identical delivery of a MIME message,
Bcc, refused recipients, bad passwords and certificates, dot-stuffing,
pipelining, and messages the server cannot take."""

import email
import email.policy
import os
import socket
import ssl
import logging
import subprocess
import sys
import warnings
from email.message import EmailMessage

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from crispintest import Suite  # noqa: E402
from fakeimap import ScriptedServer, scram_server  # noqa: E402

from smtpsink import controller_class  # noqa: E402

Controller = controller_class()
if Controller is not None:
    from aiosmtpd.smtp import AuthResult

T = Suite(__file__)
CERT = KEY = None
USER, PASSWORD = "alice", "s3cret pass"
SERVERS = {}
REFUSED = "nobody@example.org"


class Sink:
    """Records every delivered message; refuses REFUSED at RCPT; adds
    extensions to EHLO."""

    def __init__(self, extra_ehlo=()):
        self.messages = []
        self.extra_ehlo = list(extra_ehlo)

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        return responses[:-1] + ["250-" + e for e in self.extra_ehlo] + responses[-1:]

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == REFUSED:
            return "550 5.1.1 <%s>: no such mailbox here" % address
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos),
                              bytes(envelope.original_content)))
        return "250 2.0.0 queued"


def authenticator(server, session, envelope, mechanism, auth_data):
    # handled=False: aiosmtpd then answers 535 itself.
    return AuthResult(success=(auth_data.login == USER.encode() and
                               auth_data.password == PASSWORD.encode()),
                      handled=False)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(name, sink, **kw):
    port = free_port()
    ctl = Controller(sink, hostname="127.0.0.1", port=port,
                     authenticator=authenticator, **kw)
    ctl.start()
    SERVERS[name] = (ctl, sink, port)


def setup():
    global CERT, KEY
    # aiosmtpd logs every failed handshake with a traceback: expected here.
    logging.getLogger("mail.log").setLevel(logging.CRITICAL)
    warnings.simplefilter("ignore")
    if Controller is None:
        raise RuntimeError("python3-aiosmtpd is missing (apt-get install "
                           "python3-aiosmtpd, or run contrib/check)")
    CERT = os.path.join(T.workdir, "cert.pem")
    KEY = os.path.join(T.workdir, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
                    "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", KEY, "-out", CERT],
                   check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(CERT, KEY)
    # Port 587 style: STARTTLS required, AUTH only after it, pipelining.
    start("starttls", Sink(["PIPELINING", "ENHANCEDSTATUSCODES"]),
          tls_context=ctx, require_starttls=True, auth_require_tls=True,
          auth_required=True)
    # Port 465 style: TLS from the first byte, no pipelining.
    # (aiosmtpd counts only STARTTLS as TLS for auth_require_tls.)
    start("implicit", Sink(), ssl_context=ctx, auth_require_tls=False,
          auth_required=True)
    # A server that offers no STARTTLS at all.
    start("notls", Sink(), auth_require_tls=False)
    # No 8BITMIME (decoded data) and no SMTPUTF8.
    start("7bit", Sink(["PIPELINING"]), tls_context=ctx, require_starttls=True,
          decode_data=True, enable_SMTPUTF8=False, auth_required=True)


def teardown():
    for ctl, _, _ in SERVERS.values():
        ctl.stop()


def rc_for(name, scheme=None, **more):
    _, _, port = SERVERS[name]
    if scheme is None:
        scheme = "smtps" if name == "implicit" else "smtp"
    opts = {"smtp_url": "%s://%s@127.0.0.1:%d/" % (scheme, USER, port),
            "smtp_pass": PASSWORD, "tls_ca_file": CERT,
            "connect_timeout": "5", "timeout": "10"}
    opts.update(more)
    return {k: v for k, v in opts.items() if v is not None}


def sink(name):
    return SERVERS[name][1]


def sample_message(bcc=None, body=None):
    m = EmailMessage(policy=email.policy.SMTP)
    m["From"] = "Alice Liddell <alice@example.org>"
    m["To"] = "Bob <bob@example.org>, carol@example.org"
    m["Cc"] = "\"Dan, the man\" <dan@example.org>"
    if bcc:
        m["Bcc"] = bcc
    m["Subject"] = "Grüße aus Köln — ½ € 日本"
    m["Message-ID"] = "<test.1@example.org>"
    m.set_content(body or "Hallo Bob,\n\nschöne Grüße — naïve café.\n"
                  ".a line that starts with a dot\n..and two\n.\nend\n",
                  charset="utf-8", cte="8bit")
    m.add_attachment(bytes(range(256)) * 40, maintype="application",
                     subtype="octet-stream", filename="blob.bin")
    return m


def send(rc, msg_bytes, *args, **kw):
    return T.crispin("send", *args, rc=rc,
                     input=msg_bytes.decode("utf-8", "surrogateescape"), **kw)


def last_message(name, before):
    msgs = sink(name).messages
    T.expect(len(msgs) == before + 1, "want one new message at %s, have %d"
             % (name, len(msgs) - before))
    return msgs[-1]


@T.case("STARTTLS + AUTH: non-ASCII subject, 8-bit body and attachment arrive byte-identical")
def _():
    m = sample_message()
    raw = m.as_bytes()
    before = len(sink("starttls").messages)
    r = send(rc_for("starttls"), raw)
    T.expect_code(r, 0)
    mail_from, rcpts, data = last_message("starttls", before)
    T.expect_eq(mail_from, "alice@example.org", "envelope sender")
    T.expect_eq(sorted(rcpts), ["bob@example.org", "carol@example.org",
                                "dan@example.org"], "envelope recipients")
    T.expect(data == raw, "received bytes differ from the message sent")
    got = email.message_from_bytes(data, policy=email.policy.default)
    T.expect_eq(str(got["Subject"]), str(m["Subject"]), "subject")
    parts = list(got.iter_parts())
    T.expect_eq(len(parts), 2, "parts")
    T.expect_eq(parts[0].get_content().replace("\r\n", "\n"),
                m.get_body().get_content(), "text part")
    att = parts[1]
    T.expect_eq(att.get_filename(), "blob.bin", "attachment name")
    T.expect(att.get_content() == bytes(range(256)) * 40, "attachment bytes differ")
    T.expect("C: STARTTLS" in r.trace, "no STARTTLS in the trace")
    T.expect_secret_hidden(r, USER, PASSWORD)


@T.case("implicit TLS (smtps://) without PIPELINING: one command at a time")
def _():
    raw = sample_message().as_bytes()
    before = len(sink("implicit").messages)
    r = send(rc_for("implicit"), raw, "--from", "other@example.org",
             "erin@example.org")
    T.expect_code(r, 0)
    mail_from, rcpts, data = last_message("implicit", before)
    T.expect_eq(mail_from, "other@example.org", "--from is the envelope sender")
    T.expect_eq(rcpts, ["erin@example.org"], "arguments are the recipients")
    T.expect(data == raw, "received bytes differ")
    lines = r.trace.splitlines()
    i_mail = next(i for i, l in enumerate(lines) if l.startswith("C: MAIL FROM"))
    T.expect(lines[i_mail + 1].startswith("S: 250"),
             "RCPT went out before MAIL was answered:\n%s" % r.trace)


@T.case("Bcc is absent from the received bytes but in the envelope")
def _():
    m = sample_message(bcc="Hidden <hidden@example.org>")
    raw = m.as_bytes()
    before = len(sink("starttls").messages)
    r = send(rc_for("starttls"), raw)
    T.expect_code(r, 0)
    _, rcpts, data = last_message("starttls", before)
    T.expect("hidden@example.org" in rcpts, "Bcc address not in the envelope: %r" % rcpts)
    T.expect(b"Bcc" not in data.split(b"\r\n\r\n")[0] and b"hidden@" not in data,
             "Bcc went out in the message")
    del m["Bcc"]
    T.expect(data == m.as_bytes(), "the rest of the message changed")


def refused_case(name):
    raw = sample_message().as_bytes()
    before = len(sink(name).messages)
    r = send(rc_for(name), raw, "bob@example.org", REFUSED, "carol@example.org")
    T.expect_code(r, 1)
    T.expect("%s refused: 550" % REFUSED in r.err and "no such mailbox here" in r.err,
             "refusal not reported with the server's words: %r" % r.err)
    _, rcpts, data = last_message(name, before)
    T.expect_eq(rcpts, ["bob@example.org", "carol@example.org"], "delivered to")
    T.expect(data == raw, "received bytes differ")


@T.case("a refused recipient is reported as the server worded it, exit 1, the others get it (pipelined)")
def _():
    refused_case("starttls")


@T.case("a refused recipient is reported, exit 1, the others get it (one command at a time)")
def _():
    refused_case("implicit")


@T.case("every recipient refused: exit 1 and nothing delivered")
def _():
    for name in ("starttls", "implicit"):
        before = len(sink(name).messages)
        r = send(rc_for(name), sample_message().as_bytes(), REFUSED)
        T.expect_code(r, 1)
        T.expect("every recipient" in r.err, "no clear message: %r" % r.err)
        T.expect_eq(len(sink(name).messages), before, "messages at %s" % name)


@T.case("wrong password: exit 6, nothing sent")
def _():
    before = len(sink("starttls").messages)
    r = send(rc_for("starttls", smtp_pass="wrong"), sample_message().as_bytes())
    T.expect_code(r, 6)
    T.expect_error_message(r)
    T.expect_eq(len(sink("starttls").messages), before, "messages")


@T.case("untrusted certificate: exit 5, no credentials and nothing sent")
def _():
    for name in ("starttls", "implicit"):
        before = len(sink(name).messages)
        r = send(rc_for(name, tls_ca_file=None), sample_message().as_bytes())
        T.expect_code(r, 5)
        T.expect("C: AUTH" not in r.trace and "C: MAIL" not in r.trace,
                 "sent after a failed handshake:\n%s" % r.trace)
        T.expect_eq(len(sink(name).messages), before, "messages at %s" % name)


@T.case("smtp:// to a server without STARTTLS: exit 5, no credentials sent")
def _():
    before = len(sink("notls").messages)
    r = send(rc_for("notls"), sample_message().as_bytes())
    T.expect_code(r, 5)
    T.expect("STARTTLS" in r.err, "error does not mention STARTTLS: %r" % r.err)
    T.expect("C: AUTH" not in r.trace, "credentials sent:\n%s" % r.trace)
    T.expect_eq(len(sink("notls").messages), before, "messages")


@T.case("dot-stuffing: lines starting with '.' arrive unchanged")
def _():
    body = ".\n..\n.hidden\n. space\n...\nlast\n"
    m = sample_message(body=body)
    raw = m.as_bytes()
    before = len(sink("starttls").messages)
    r = send(rc_for("starttls"), raw)
    T.expect_code(r, 0)
    _, _, data = last_message("starttls", before)
    T.expect(data == raw, "received bytes differ")
    got = email.message_from_bytes(data, policy=email.policy.default)
    T.expect_eq(got.get_body().get_content().replace("\r\n", "\n"), body, "body")


@T.case("bare LF line endings become CRLF on the wire")
def _():
    raw = sample_message().as_bytes()
    before = len(sink("starttls").messages)
    r = send(rc_for("starttls"), raw.replace(b"\r\n", b"\n"))
    T.expect_code(r, 0)
    _, _, data = last_message("starttls", before)
    T.expect(data == raw, "received bytes differ")


@T.case("PIPELINING: MAIL, every RCPT and DATA go out before their replies")
def _():
    before = len(sink("starttls").messages)
    r = send(rc_for("starttls"), sample_message().as_bytes())
    T.expect_code(r, 0)
    last_message("starttls", before)
    lines = r.trace.splitlines()
    i_mail = next(i for i, l in enumerate(lines) if l.startswith("C: MAIL FROM"))
    run = [l.split(" ")[1] for l in lines[i_mail:i_mail + 5]]
    T.expect_eq(run, ["MAIL", "RCPT", "RCPT", "RCPT", "DATA"],
                "commands sent before the first reply")
    T.expect("BODY=8BITMIME" in lines[i_mail], "8-bit body without BODY=8BITMIME: %r"
             % lines[i_mail])


@T.case("8-bit message to a server without 8BITMIME: refused clearly, nothing sent")
def _():
    before = len(sink("7bit").messages)
    r = send(rc_for("7bit"), sample_message().as_bytes())
    T.expect_code(r, 1)
    T.expect("8BITMIME" in r.err, "no clear reason: %r" % r.err)
    T.expect("C: MAIL" not in r.trace, "MAIL sent anyway")
    T.expect_eq(len(sink("7bit").messages), before, "messages")


@T.case("non-ASCII address to a server without SMTPUTF8: refused clearly")
def _():
    m = sample_message(body="plain ascii\n")
    raw = m.as_bytes()
    r = send(rc_for("7bit"), raw, "jürgen@exämple.org")
    T.expect_code(r, 1)
    T.expect("SMTPUTF8" in r.err, "no clear reason: %r" % r.err)
    T.expect("C: MAIL" not in r.trace, "MAIL sent anyway")


@T.case("usage: no recipients or a bad one is exit 2; no smtp_url is exit 3")
def _():
    r = send(rc_for("starttls"), b"From: a@example.org\r\nSubject: x\r\n\r\nhi\r\n")
    T.expect_code(r, 2)
    T.expect("no recipients" in r.err, r.err)
    r = send(rc_for("starttls"), sample_message().as_bytes(), "just-a-name")
    T.expect_code(r, 2)
    T.expect("not an email address" in r.err, r.err)
    r = send({"connect_timeout": "5"}, sample_message().as_bytes())
    T.expect_code(r, 3)
    T.expect("smtp_url" in r.err, r.err)


# -- a scripted server: what no real server does on purpose ---------------------

class SmtpSide:
    """Lets fakeimap.scram_server speak SMTP: "+ x" is "334 x", and a
    tagged refusal is 535."""

    def __init__(self, c):
        self.c = c

    def send(self, text):
        if text.startswith("+ "):
            text = "334 " + text[2:]
        elif text.startswith("T "):
            text = "535 5.7.8 " + text[2:]
        self.c.send(text)

    def read_line(self):
        return self.c.read_line()


def finish_sequential(c, seen):
    """MAIL, RCPT, DATA one at a time, the message, QUIT."""
    for verb in ("MAIL", "RCPT", "DATA"):
        line = c.read_line()
        if not line.startswith(verb):
            raise AssertionError("want %s, got %r" % (verb, line))
        c.send("354 go" if verb == "DATA" else "250 ok")
    body = []
    while True:
        line = c.read_line()
        if line == ".":
            break
        body.append(line)
    seen["body"] = body
    c.send("250 queued")
    if c.read_line() == "QUIT":
        c.send("221 bye")


def scripted_rc(srv, scheme):
    return {"smtp_url": "%s://%s@127.0.0.1:%d/" % (scheme, USER, srv.port),
            "smtp_pass": PASSWORD, "tls_ca_file": CERT, "connect_timeout": "5",
            "timeout": "10"}


SMALL = b"From: a@example.org\r\nTo: b@example.org\r\nSubject: s\r\n\r\nhi\r\n"


@T.case("bytes injected before the STARTTLS handshake are discarded; EHLO again")
def _():
    seen = {}

    def script(c):
        c.send("220 fake ESMTP")
        c.read_line()
        c.send("250-fake\r\n250-PIPELINING\r\n250 STARTTLS")
        if c.read_line() != "STARTTLS":
            raise AssertionError("no STARTTLS")
        # A man in the middle appends a plaintext EHLO reply to the 220.
        c.send_raw(b"220 go ahead\r\n250-injected\r\n250 AUTH PLAIN\r\n")
        c.starttls()
        seen["after"] = c.read_line()
        c.send("250-fake\r\n250 AUTH PLAIN")
        seen["auth"] = c.read_line()
        c.send("235 ok")
        finish_sequential(c, seen)

    with ScriptedServer(script, cert=CERT, key=KEY) as srv:
        r = send(scripted_rc(srv, "smtp"), SMALL)
        srv.wait()
    T.expect_code(r, 0)
    T.expect_eq(seen.get("after"), "EHLO localhost", "first line after TLS")
    T.expect(seen.get("auth", "").startswith("AUTH PLAIN "), seen.get("auth"))
    T.expect_eq(seen.get("body"), ["From: a@example.org", "To: b@example.org",
                                   "Subject: s", "", "hi"], "message")


@T.case("SCRAM-SHA-256-PLUS with channel binding, server signature verified")
def _():
    seen = {}

    def script(c):
        c.send("220 fake ESMTP")
        c.read_line()
        c.send("250-fake\r\n250 AUTH PLAIN SCRAM-SHA-256 SCRAM-SHA-256-PLUS")
        line = c.read_line()
        _, mech, ir = line.split(" ", 2)
        seen["mech"] = mech
        cb = c.sock.get_channel_binding("tls-unique")
        if not scram_server(SmtpSide(c), "T", ir, PASSWORD, cb_data=cb):
            return
        c.send("235 2.7.0 ok")
        finish_sequential(c, seen)

    with ScriptedServer(script, tls="implicit", cert=CERT, key=KEY,
                        max_tls_version=ssl.TLSVersion.TLSv1_2) as srv:
        r = send(scripted_rc(srv, "smtps"), SMALL)
        srv.wait()
    T.expect_code(r, 0)
    T.expect_eq(seen.get("mech"), "SCRAM-SHA-256-PLUS", "mechanism")
    T.expect("body" in seen, "message not sent")
    T.expect_secret_hidden(r, USER, PASSWORD)


@T.case("a server that cannot prove the SCRAM password gets no message: exit 6")
def _():
    def script(c):
        c.send("220 fake ESMTP")
        c.read_line()
        c.send("250-fake\r\n250 AUTH SCRAM-SHA-256")
        _, _, ir = c.read_line().split(" ", 2)
        scram_server(SmtpSide(c), "T", ir, PASSWORD, tamper_signature=True)
        c.pending_input()

    with ScriptedServer(script, tls="implicit", cert=CERT, key=KEY) as srv:
        r = send(scripted_rc(srv, "smtps"), SMALL)
        srv.wait()
    T.expect_code(r, 6)
    T.expect("signature" in r.err.lower(), r.err)
    T.expect("C: MAIL" not in r.trace, "MAIL sent after a failed login")


# -- the outbox with TLS and AUTH ------------------------------------------------

@T.case("outbox: a refused login keeps the message queued (exit 6); send --queued "
        "over STARTTLS and implicit TLS delivers it once, byte-identical")
def _():
    for name in ("starttls", "implicit"):
        cache = T.path("cache-" + name)
        m = sample_message(bcc="Hidden <hidden@example.org>")
        raw = m.as_bytes()
        before = len(sink(name).messages)
        r = send(rc_for(name, smtp_pass="wrong", cache_dir=cache), raw)
        T.expect_code(r, 6)
        T.expect("waits in the outbox" in r.err, r.err)
        T.expect_eq(len(sink(name).messages), before, "delivered with a wrong password")
        r = T.crispin("send", "--queued", rc=rc_for(name, cache_dir=cache))
        T.expect_code(r, 0)
        T.expect("outbox: 1 sent, 0 left" in r.out, r.out)
        _, rcpts, data = last_message(name, before)
        T.expect("hidden@example.org" in rcpts, "Bcc not in the envelope: %r" % rcpts)
        del m["Bcc"]
        T.expect(data == m.as_bytes(), "received bytes differ (Bcc must be gone)")
        T.expect_secret_hidden(r, USER, PASSWORD)
        r = T.crispin("send", "--list", rc=rc_for(name, cache_dir=cache))
        T.expect_eq(r.out, "", "outbox after --queued")


T.main(setup=setup, teardown=teardown)

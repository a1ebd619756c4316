#!/usr/bin/env python3
"""SMTPUTF8 end to end (RFC 6531/6532) against aiosmtpd: to and from
addresses with UTF-8 local parts and domains go out with MAIL FROM ...
SMTPUTF8 and arrive unencoded, from a complete message (crispin send) and
from one crispin composed (crispin -s); a server without SMTPUTF8 gets no
MAIL at all, the error says why, and the message stays in the outbox."""

import logging
import os
import socket
import sys
import warnings

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from crispintest import Suite  # noqa: E402

from smtpsink import controller_class  # noqa: E402

Controller = controller_class()

T = Suite(__file__)
SERVERS = {}
FROM = "jürgen@exämple.org"
TO = "zoë@bücher.example"


class Sink:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos),
                              list(envelope.mail_options),
                              bytes(envelope.original_content)))
        return "250 2.0.0 queued"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def setup():
    logging.getLogger("mail.log").setLevel(logging.CRITICAL)
    warnings.simplefilter("ignore")
    if Controller is None:
        raise RuntimeError("python3-aiosmtpd is missing (apt-get install "
                           "python3-aiosmtpd, or run contrib/check)")
    for name, utf8 in (("utf8", True), ("ascii", False)):
        port = free_port()
        sink = Sink()
        ctl = Controller(sink, hostname="127.0.0.1", port=port,
                         enable_SMTPUTF8=utf8, decode_data=False)
        ctl.start()
        SERVERS[name] = (ctl, sink, port)


def teardown():
    for ctl, _, _ in SERVERS.values():
        ctl.stop()


def rc(name):
    return {"smtp_url": "smtp://127.0.0.1:%d/" % SERVERS[name][2],
            "tls": "no", "from": FROM, "record": None,
            "cache_dir": os.path.join(T.workdir, "cache-" + name),
            "connect_timeout": "5", "timeout": "10"}


def sink(name):
    return SERVERS[name][1]


MESSAGE = ("From: Jürgen Müller <%s>\r\n"
           "To: Zoë <%s>\r\n"
           "Subject: Grüße\r\n"
           "MIME-Version: 1.0\r\n"
           "Content-Type: text/plain; charset=utf-8\r\n"
           "Content-Transfer-Encoding: 8bit\r\n"
           "\r\n"
           "Schöne Grüße.\r\n" % (FROM, TO))


@T.case("crispin send: UTF-8 addresses go out with SMTPUTF8, unencoded")
def _():
    before = len(sink("utf8").messages)
    r = T.crispin("send", "--no-record", rc=rc("utf8"), input=MESSAGE)
    T.expect_code(r, 0)
    T.expect_eq(len(sink("utf8").messages), before + 1, "messages")
    mail_from, rcpts, options, data = sink("utf8").messages[-1]
    T.expect("SMTPUTF8" in options, "MAIL options: %r" % options)
    T.expect_eq(mail_from, FROM, "MAIL FROM")
    T.expect_eq(rcpts, [TO], "RCPT TO")
    T.expect(("<%s>" % FROM).encode("utf-8") in data and
             ("<%s>" % TO).encode("utf-8") in data,
             "the addresses in the bytes, unencoded:\n%r" % data[:400])
    T.expect(b"xn--" not in data and b"=?" not in data.split(b"\r\n\r\n")[0]
             .split(b"Subject")[0], "nothing encoded in the addresses")


@T.case("crispin -s: a composed message to a UTF-8 address")
def _():
    before = len(sink("utf8").messages)
    r = T.crispin("-s", "Grüße", TO, rc=dict(rc("utf8"), realname="Jürgen"),
                  input="Schöne Grüße.\n")
    T.expect_code(r, 0)
    T.expect_eq(len(sink("utf8").messages), before + 1, "messages")
    mail_from, rcpts, options, data = sink("utf8").messages[-1]
    T.expect("SMTPUTF8" in options, "MAIL options: %r" % options)
    T.expect_eq(rcpts, [TO], "RCPT TO")
    head = data.split(b"\r\n\r\n")[0]
    T.expect(TO.encode("utf-8") in head, "To in the header:\n%r" % head)
    T.expect(FROM.encode("utf-8") in head, "From in the header:\n%r" % head)


@T.case("a server without SMTPUTF8: no MAIL, a clear error, the message kept")
def _():
    before = len(sink("ascii").messages)
    opts = rc("ascii")
    r = T.crispin("send", "--no-record", rc=opts, input=MESSAGE)
    T.expect_code(r, 1)
    T.expect("SMTPUTF8" in r.err and "not plain ASCII" in r.err,
             "no clear reason: %r" % r.err)
    T.expect("C: MAIL" not in r.trace, "MAIL sent anyway")
    T.expect_eq(len(sink("ascii").messages), before, "messages")
    r = T.crispin("send", "--list", rc=opts)
    T.expect_eq(len(r.out.splitlines()), 1, "the outbox:\n" + r.out)
    T.expect("SMTPUTF8" in r.out, "its last error:\n" + r.out)


T.main(setup=setup, teardown=teardown)

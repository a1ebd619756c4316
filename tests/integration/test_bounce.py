#!/usr/bin/env python3
"""crispin bounce: a message from a real Dovecot goes on to new addresses
through a real SMTP server (aiosmtpd): the bytes received are the
original unchanged with Resent-From, Resent-To, Resent-Date and
Resent-Message-ID in front, the envelope goes to the new addresses only,
and nothing is copied to Sent; usage errors and a missing sender are
refused before anything is sent."""

import email
import email.policy
import logging
import os
import re
import ssl
import sys
import warnings

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from smtpsink import controller_class  # noqa: E402

Controller = controller_class()

from crispintest import Suite, account_rc, rc_text  # noqa: E402
from dovecot import Dovecot, free_port  # noqa: E402

T = Suite(__file__)
dc = None
smtp = None
SINK = None

ORIGINAL = (b"From: Ann Example <ann@example.net>\r\n"
            b"To: Alice <alice@example.org>\r\n"
            b"Bcc: secret@example.net\r\n"
            b"Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?= from the bounce test\r\n"
            b"Date: Tue, 03 Nov 2026 14:05:00 +0000\r\n"
            b"Message-ID: <bounce.1@example.net>\r\n"
            b"MIME-Version: 1.0\r\n"
            b"Content-Type: text/plain; charset=utf-8\r\n"
            b"Content-Transfer-Encoding: 8bit\r\n"
            b"\r\n"
            b"Sch\xc3\xb6ne Gr\xc3\xbc\xc3\x9fe.\r\n"
            b".a line with a dot\r\n")
# What the server has of it, minus the Bcc line the sender strips.
ORIGINAL_SENT = ORIGINAL.replace(b"Bcc: secret@example.net\r\n", b"")


class Sink:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos),
                              bytes(envelope.original_content)))
        return "250 2.0.0 queued"


def setup():
    global dc, smtp, SINK
    logging.getLogger("mail.log").setLevel(logging.CRITICAL)
    warnings.simplefilter("ignore")
    if Controller is None:
        raise RuntimeError("python3-aiosmtpd is missing (apt-get install "
                           "python3-aiosmtpd, or run contrib/check)")
    dc = Dovecot().start()
    dc.deliver("alice", "INBOX", ORIGINAL)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(dc.cert_file, dc.key_file)
    SINK = Sink()
    smtp = Controller(SINK, hostname="127.0.0.1", port=free_port(),
                      tls_context=ctx, require_starttls=True)
    smtp.start()


def teardown():
    if smtp:
        smtp.stop()
    if dc:
        dc.stop()


def rc(**more):
    opts = account_rc(dc, cache_dir=T.path("cache"),
                      smtp_url="smtp://127.0.0.1:%d/" % smtp.port)
    opts["from"] = "alice@example.org"
    opts["realname"] = "Alice Liddell"
    opts.update(more)
    return {k: v for k, v in opts.items() if v is not None}


def sent_count():
    r = T.crispin("list", "-f", "Sent", rc=rc())
    return 0 if r.code != 0 else len([l for l in r.out.splitlines() if l.strip()])


@T.case("bounce: the original unchanged behind Resent- fields, RCPT TO the new address only")
def _():
    before = len(SINK.messages)
    sent_before = sent_count()
    r = T.crispin("bounce", "1", "Carol <carol@example.com>", rc=rc())
    T.expect_code(r, 0)
    T.expect("bounced message 1 to Carol <carol@example.com>" in r.out, r.describe())
    T.expect_eq(len(SINK.messages), before + 1, "messages received")
    mail_from, rcpts, data = SINK.messages[-1]
    T.expect_eq(rcpts, ["carol@example.com"], "envelope recipients")
    T.expect_eq(mail_from, "alice@example.org", "envelope sender")
    T.expect(data.endswith(ORIGINAL_SENT),
             "the original is not there unchanged:\n%r" % data)
    head = data[:len(data) - len(ORIGINAL_SENT)].decode("utf-8")
    lines = head.split("\r\n")
    T.expect_eq([l.split(":")[0] for l in lines if l],
                ["Resent-From", "Resent-To", "Resent-Date", "Resent-Message-ID"],
                "the fields put in front")
    T.expect_eq(lines[0], "Resent-From: Alice Liddell <alice@example.org>",
                "Resent-From")
    T.expect_eq(lines[1], "Resent-To: Carol <carol@example.com>", "Resent-To")
    msg = email.message_from_bytes(data, policy=email.policy.default)
    T.expect(msg["Resent-Date"].datetime is not None, "Resent-Date unparsable")
    T.expect(re.fullmatch(r"<[^<>@\s]+@example\.org>", str(msg["Resent-Message-ID"])),
             "Resent-Message-ID: %r" % msg["Resent-Message-ID"])
    T.expect_eq(str(msg["Message-ID"]), "<bounce.1@example.net>", "original Message-ID")
    T.expect_eq(sent_count(), sent_before, "messages in Sent (a bounce is not copied)")


@T.case("bounce to two addresses: both in RCPT TO and Resent-To, nobody else")
def _():
    before = len(SINK.messages)
    r = T.crispin("bounce", "-f", "INBOX", "1", "dan@example.com",
                  "erin@example.com", rc=rc())
    T.expect_code(r, 0)
    _, rcpts, data = SINK.messages[before]
    T.expect_eq(sorted(rcpts), ["dan@example.com", "erin@example.com"], "recipients")
    T.expect(b"\r\nResent-To: dan@example.com, erin@example.com\r\n" in data,
             "Resent-To:\n%r" % data[:300])


@T.case("an alias key given to bounce becomes its addresses, in RCPT TO and Resent-To")
def _():
    before = len(SINK.messages)
    opts = rc()
    rcfile = T.write("crispinrc", rc_text(opts) +
                     'alias team Fay <fay@example.com>, gus@example.com\n')
    r = T.crispin("bounce", "1", "team", rcfile=rcfile)
    T.expect_code(r, 0)
    _, rcpts, data = SINK.messages[before]
    T.expect_eq(sorted(rcpts), ["fay@example.com", "gus@example.com"], "recipients")
    T.expect(b"\r\nResent-To: Fay <fay@example.com>, gus@example.com\r\n" in data,
             "Resent-To:\n%r" % data[:300])


@T.case("bounce refuses what it cannot do, before sending anything")
def _():
    before = len(SINK.messages)
    r = T.crispin("bounce", "1", rc=rc())
    T.expect_code(r, 2)
    T.expect("to whom?" in r.err, r.describe())
    r = T.crispin("bounce", "x", "carol@example.com", rc=rc())
    T.expect_code(r, 2)
    r = T.crispin("bounce", "1", "carol@example.com", rc=rc(**{"from": None,
                                                               "realname": None}))
    T.expect(r.code != 0 and "set from" in r.err, r.describe())
    r = T.crispin("bounce", "99", "carol@example.com", rc=rc())
    T.expect(r.code != 0, r.describe())
    T.expect_error_message(r)
    T.expect_eq(len(SINK.messages), before, "messages sent")


T.main(setup=setup, teardown=teardown)

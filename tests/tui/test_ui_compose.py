#!/usr/bin/env python3
"""Replying from the pager: r runs the editor (a scripted $EDITOR) on the
quoted draft, y on the compose screen sends, the reply goes out by SMTP with Re:, In-Reply-To and the
quote, and the original shows as answered; an editor that gives up sends
nothing and says so."""

import email
import email.policy
import logging
import os
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
from tuitest import Tui, last_line, line_with  # noqa: E402

T = Suite(__file__)
dc = None
smtp = None
tui = None
SINK = None

ORIGINAL = (b"From: Ann Example <ann@example.net>\r\n"
            b"To: Alice <alice@example.org>\r\n"
            b"Subject: Lunch on Friday\r\n"
            b"Date: Tue, 03 Nov 2026 14:05:00 +0000\r\n"
            b"Message-ID: <lunch.1@example.net>\r\n"
            b"\r\n"
            b"Shall we meet at noon?\r\n")


class Sink:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(bytes(envelope.original_content))
        return "250 2.0.0 queued"


def setup():
    global dc, smtp, tui, SINK
    logging.getLogger("mail.log").setLevel(logging.CRITICAL)
    warnings.simplefilter("ignore")
    if Controller is None:
        raise RuntimeError("python3-aiosmtpd is missing (apt-get install "
                           "python3-aiosmtpd, or run contrib/check)")
    tui = Tui(T)
    dc = Dovecot().start()
    dc.deliver("alice", "INBOX", ORIGINAL)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(dc.cert_file, dc.key_file)
    SINK = Sink()
    smtp = Controller(SINK, hostname="127.0.0.1", port=free_port(),
                      tls_context=ctx, require_starttls=True)
    smtp.start()


def teardown():
    if tui:
        tui.close()
    if smtp:
        smtp.stop()
    if dc:
        dc.stop()


def rc(editor_body):
    ed = T.write("editor.py", editor_body, mode=0o700)
    opts = account_rc(dc, cache_dir=T.path("cache"),
                      smtp_url="smtp://127.0.0.1:%d/" % smtp.port,
                      editor="/usr/bin/python3 " + ed,
                      signature=os.path.join(T.home, "no-signature"))
    opts["from"] = "alice@example.org"
    return T.write("crispinrc", rc_text(opts))


@T.case("r in the pager: the editor, the reply sent with the quote, the original answered")
def _():
    before = len(SINK.messages)
    tui.start(rc("import sys\n"
                 "p = sys.argv[1]\n"
                 "open(p, 'a').write('Noon is fine.\\n')\n"))
    tui.wait(lambda s: "(live)" in last_line(s) and "Lunch on Friday" in s,
             "the index")
    tui.keys("Enter")
    tui.wait(lambda s: "Shall we meet at noon?" in s, "the pager")
    tui.keys("r")
    # After the editor, the compose screen: y sends.
    tui.wait(lambda s: "-- Attachments" in s and "Re: Lunch on Friday" in s,
             "the compose screen", timeout=30)
    tui.keys("y")
    tui.wait(lambda s: len(SINK.messages) > before and "Sent." in last_line(s),
             "the reply sent and the interface back", timeout=30)
    msg = email.message_from_bytes(SINK.messages[-1], policy=email.policy.default)
    T.expect_eq(str(msg["Subject"]), "Re: Lunch on Friday", "subject")
    T.expect_eq(str(msg["In-Reply-To"]), "<lunch.1@example.net>", "In-Reply-To")
    T.expect_eq([a.addr_spec for a in msg["To"].addresses], ["ann@example.net"],
                "To")
    body = msg.get_body().get_content()
    T.expect("> Shall we meet at noon?" in body and "Noon is fine." in body,
             "quote and text:\n" + body)
    tui.keys("q")
    tui.wait(lambda s: "r" in (line_with(s, "Lunch on Friday") or "")[:12],
             "the original marked answered in the index")
    T.expect_eq(tui.quit(), "EXIT=0", "exit status")


@T.case("an editor that gives up: nothing is sent, the interface says so")
def _():
    before = len(SINK.messages)
    tui.start(rc("import sys\nsys.exit(1)\n"))
    tui.wait(lambda s: "(live)" in last_line(s) and "Lunch on Friday" in s,
             "the index")
    tui.keys("r")
    tui.wait(lambda s: "Press any key to return" in s, "the child's message")
    tui.keys("Enter")
    tui.wait(lambda s: "Not sent" in last_line(s), "the note on the status line")
    T.expect_eq(len(SINK.messages), before, "messages sent")
    T.expect_eq(tui.quit(), "EXIT=0", "exit status")


T.main(setup=setup, teardown=teardown)

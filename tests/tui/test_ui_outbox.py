#!/usr/bin/env python3
"""The outbox leaves when the interface is online: a message queued while
the SMTP server was down (crispin -s ... --queue-ok) goes out once the
interface starts with the server up, exactly once, the status line says
so, and the outbox is empty afterwards."""

import logging
import os
import ssl
import sys
import time
import warnings

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from smtpsink import controller_class  # noqa: E402

Controller = controller_class()

from crispintest import Suite, account_rc, rc_text  # noqa: E402
from dovecot import Dovecot, free_port  # noqa: E402
from tuitest import Tui, last_line  # noqa: E402

T = Suite(__file__)
dc = None
smtp = None
tui = None
SINK = None
PORT = None


class Sink:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(bytes(envelope.original_content))
        return "250 2.0.0 queued"


def setup():
    global dc, tui, SINK, PORT
    logging.getLogger("mail.log").setLevel(logging.CRITICAL)
    warnings.simplefilter("ignore")
    if Controller is None:
        raise RuntimeError("python3-aiosmtpd is missing (apt-get install "
                           "python3-aiosmtpd, or run contrib/check)")
    tui = Tui(T)
    dc = Dovecot().start()
    SINK = Sink()
    PORT = free_port()


def teardown():
    if tui:
        tui.close()
    if smtp:
        smtp.stop()
    if dc:
        dc.stop()


def start_sink():
    global smtp
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(dc.cert_file, dc.key_file)
    smtp = Controller(SINK, hostname="127.0.0.1", port=PORT,
                      tls_context=ctx, require_starttls=True)
    smtp.start()


@T.case("a message queued while SMTP was down leaves once the interface is online")
def _():
    opts = account_rc(dc, cache_dir=T.path("cache"),
                      smtp_url="smtp://127.0.0.1:%d/" % PORT,
                      connect_timeout="3")
    opts["from"] = "alice@example.org"
    rc = T.write("crispinrc", rc_text(opts))
    r = T.crispin("-s", "Queued while the server was down", "--queue-ok",
                  "bob@example.org", rcfile=rc, input="Hello from the outbox.\n")
    T.expect_code(r, 0)
    r = T.crispin("send", "--list", rcfile=rc)
    T.expect_eq(len(r.out.splitlines()), 1, "queued messages:\n" + r.out)
    start_sink()
    tui.start(rc)
    tui.wait(lambda s: "1 queued message sent" in last_line(s),
             "the outcome on the status line", timeout=30)
    T.expect_eq(len(SINK.messages), 1, "messages the server got")
    T.expect(b"Queued while the server was down" in SINK.messages[0],
             "the message:\n%r" % SINK.messages[0][:500])
    # Nothing more goes out, however long it runs.
    time.sleep(1)
    T.expect_eq(len(SINK.messages), 1, "messages the server got later")
    T.expect_eq(tui.quit(), "EXIT=0", "exit status")
    r = T.crispin("send", "--list", rcfile=rc)
    T.expect_eq(r.out.strip(), "", "the outbox afterwards")


T.main(setup=setup, teardown=teardown)

#!/usr/bin/env python3
"""crispin recall without a terminal: --list prints the postponed
messages of Drafts; with several and no UID it asks for one (exit 2);
recall UID rebuilds the draft (text, Bcc, a binary attachment), runs the
scripted $EDITOR and sends it, the attachment byte-identical, Bcc only
in the envelope, and the old draft leaves Drafts."""

import email
import email.message
import email.policy
import logging
import os
import ssl
import sys
import warnings

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from crispintest import Suite, account_rc  # noqa: E402
from dovecot import Dovecot, free_port  # noqa: E402

from smtpsink import controller_class  # noqa: E402

Controller = controller_class()

T = Suite(__file__)
USER = "alice"
dc = None
smtp = None
SINK = None
ATTACHED = bytes(range(256)) * 4 + b"\r\n\x00tail"


def draft(subject, to, attach=None):
    msg = email.message.EmailMessage()
    msg["From"] = "alice@example.org"
    msg["To"] = to
    msg["Bcc"] = "hidden@example.net"
    msg["Subject"] = subject
    msg.set_content("Half written.\n")
    if attach is not None:
        msg.add_attachment(attach, maintype="application",
                           subtype="octet-stream", filename="blob.bin")
    return msg.as_bytes(policy=email.policy.SMTP)


class Sink:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((list(envelope.rcpt_tos),
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
    dc.deliver(USER, "Drafts", draft("First draft", "bob@example.net",
                                     ATTACHED), flags=("\\Draft", "\\Seen"))
    dc.deliver(USER, "Drafts", draft("Second draft", "carol@example.net"),
               flags=("\\Draft", "\\Seen"))
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(dc.cert_file, dc.key_file)
    SINK = Sink()
    smtp = Controller(SINK, hostname="127.0.0.1", port=free_port(),
                      tls_context=ctx, require_starttls=True)
    smtp.start()


def teardown():
    if smtp is not None:
        smtp.stop()
    if dc is not None:
        dc.stop()


def rc():
    ed = T.write("editor.py", "import sys\n"
                 "open(sys.argv[1], 'a').write('Finished now.\\n')\n",
                 mode=0o700)
    return account_rc(dc, USER, smtp_url="smtp://127.0.0.1:%d/" % smtp.port,
                      editor="/usr/bin/python3 " + ed, timeout="10",
                      signature=os.path.join(T.home, "no-signature"))


def run(*args):
    return T.crispin(*args, rc=rc(), env={"TMPDIR": T.workdir})


def uids():
    out = dc.doveadm("fetch", "uid", "mailbox", "Drafts", "all", user=USER)
    return [int(l.split(":")[1]) for l in out.splitlines() if l.startswith("uid:")]


@T.case("recall --list prints the drafts; several and no UID asks for one")
def _():
    r = run("recall", "--list")
    T.expect_code(r, 0)
    T.expect("First draft" in r.out and "Second draft" in r.out,
             "both drafts listed:\n" + r.out)
    r = run("recall")
    T.expect_code(r, 2)
    T.expect("2 postponed messages" in r.err and "recall --list" in r.err,
             "the user is told to give a UID: " + r.err)


@T.case("recall UID: the draft rebuilt, edited and sent, the old one deleted")
def _():
    before = len(SINK.messages)
    first = uids()[0]
    r = run("recall", str(first))
    T.expect_code(r, 0)
    T.expect_eq(len(SINK.messages), before + 1, "one message sent")
    rcpts, data = SINK.messages[-1]
    msg = email.message_from_bytes(data, policy=email.policy.default)
    T.expect_eq(sorted(rcpts), ["bob@example.net", "hidden@example.net"],
                "envelope recipients, Bcc included")
    T.expect(msg["Bcc"] is None, "no Bcc on the wire")
    T.expect_eq(str(msg["Subject"]), "First draft", "subject")
    body = msg.get_body(("plain",)).get_content()
    T.expect("Half written." in body and "Finished now." in body,
             "the old text and the new: " + body)
    atts = [(p.get_filename(), p.get_payload(decode=True) == ATTACHED)
            for p in msg.iter_attachments()]
    T.expect_eq(atts, [("blob.bin", True)], "the attachment byte-identical")
    T.expect_eq(len(uids()), 1, "one draft left in Drafts")
    T.expect(first not in uids(), "the recalled draft is gone")


@T.case("a postponed reply recalled and sent marks its original \\Answered")
def _():
    dc.create_folder(USER, "Talks")
    dc.deliver(USER, "Talks", b"From: eve@example.net\r\nTo: alice@example.org\r\n"
               b"Subject: Question\r\nMessage-ID: <q.1@example.net>\r\n\r\n?\r\n")
    reply = (b"From: alice@example.org\r\nTo: eve@example.net\r\n"
             b"Subject: Re: Question\r\nIn-Reply-To: <q.1@example.net>\r\n"
             b"X-Crispin-Reply: 1 Talks\r\n\r\nAnswer.\r\n")
    dc.deliver(USER, "Drafts", reply, flags=("\\Draft", "\\Seen"))
    uid = uids()[-1]
    before = len(SINK.messages)
    r = run("recall", str(uid))
    T.expect_code(r, 0)
    T.expect_eq(len(SINK.messages), before + 1, "sent")
    _, data = SINK.messages[-1]
    T.expect(b"X-Crispin-Reply" not in data, "the marker stays out of the message")
    T.expect(b"In-Reply-To: <q.1@example.net>" in data, "threading kept")
    out = dc.doveadm("fetch", "flags", "mailbox", "Talks", "uid", "1", user=USER)
    T.expect("\\Answered" in out, "the original answered: " + out)
    T.expect(uid not in uids(), "the draft is gone")


T.main(setup=setup, teardown=teardown)

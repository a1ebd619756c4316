#!/usr/bin/env python3
"""print-message, print-entry, bounce-message and edit from the interface:
print_command (a script writing its stdin to a file) gets the message as
the pager shows it or the attachment's decoded bytes, after the `print`
question; b asks for an address, confirms and the SMTP sink receives the
original with Resent- fields, RCPT TO the new address only; e runs a
scripted $EDITOR (sed) on the raw message, the edited one replaces the
original on the server with its flags and date, and the index moves to
it."""

import email
import email.base64mime
import email.policy
import imaplib
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
from tuitest import Tui, last_line, line_with  # noqa: E402

T = Suite(__file__)
dc = None
smtp = None
tui = None
SINK = None

PLAIN = (b"From: Ann Example <ann@example.net>\r\n"
         b"To: Alice <alice@example.org>\r\n"
         b"Subject: Lunch on Friday\r\n"
         b"Date: Tue, 03 Nov 2026 14:05:00 +0000\r\n"
         b"Message-ID: <lunch.1@example.net>\r\n"
         b"X-Weeded: not for the printer\r\n"
         b"\r\n"
         b"Shall we meet at noon?\r\n")
ATTACHED = bytes(range(256)) * 3
MULTI = (b"From: Bob <bob@example.net>\r\n"
         b"To: Alice <alice@example.org>\r\n"
         b"Subject: The numbers\r\n"
         b"Date: Mon, 02 Nov 2026 09:00:00 +0000\r\n"
         b"MIME-Version: 1.0\r\n"
         b"Content-Type: multipart/mixed; boundary=XX\r\n"
         b"\r\n"
         b"--XX\r\n"
         b"Content-Type: text/plain\r\n"
         b"\r\n"
         b"See the file.\r\n"
         b"--XX\r\n"
         b"Content-Type: application/octet-stream; name=blob.bin\r\n"
         b"Content-Disposition: attachment; filename=blob.bin\r\n"
         b"Content-Transfer-Encoding: base64\r\n"
         b"\r\n" +
         email.base64mime.body_encode(ATTACHED).replace("\n", "\r\n").encode() +
         b"--XX--\r\n")
EDITME = (b"From: Carol <carol@example.net>\r\n"
          b"To: Alice <alice@example.org>\r\n"
          b"Subject: Typo in the subjcet\r\n"
          b"Date: Sun, 01 Nov 2026 08:00:00 +0000\r\n"
          b"Message-ID: <edit.1@example.net>\r\n"
          b"\r\n"
          b"Body stays.\r\n")
EDIT_DATE = 1767225600      # 2026-01-01 00:00:00 UTC as INTERNALDATE


class Sink:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((list(envelope.rcpt_tos),
                              bytes(envelope.original_content)))
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
    dc.deliver("alice", "INBOX", EDITME, flags="\\Seen \\Flagged", date=EDIT_DATE)
    dc.deliver("alice", "INBOX", MULTI, flags="\\Seen")
    dc.deliver("alice", "INBOX", PLAIN, flags="\\Seen")
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


def rc(out, **more):
    printer = T.write("printer.sh", "#!/bin/sh\ncat > %s\necho printed-ok\n" % out,
                      mode=0o700)
    opts = account_rc(dc, cache_dir=T.path("cache"),
                      smtp_url="smtp://127.0.0.1:%d/" % smtp.port,
                      print_command=printer)
    opts["from"] = "alice@example.org"
    opts.update(more)
    text = rc_text(opts) + "ignore x-weeded\n"
    return T.write("crispinrc", text)


def wait_file(path, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if os.path.exists(path) and os.path.getsize(path) > 0:
            time.sleep(0.1)     # the script may still be writing
            with open(path, "rb") as f:
                return f.read()
        time.sleep(0.05)
    raise AssertionError("%s was not written; screen:\n%s" % (path, tui.screen()))


def index_ready(s):
    return ("(live)" in last_line(s) and "Lunch on Friday" in s and
            "The numbers" in s)


@T.case("p in the index asks (print = ask-yes), then print_command gets the "
        "message as the pager shows it; 'n' prints nothing")
def _():
    out = T.path("printed.txt")
    tui.start(rc(out))
    tui.wait(index_ready, "the index")
    # Oldest first, the cursor on the first: Lunch on Friday is third.
    tui.keys("j", "j", "p")
    tui.wait(lambda s: "Print the message?" in last_line(s), "the question")
    tui.keys("n")
    tui.wait(lambda s: "Not printed." in last_line(s), "the refusal")
    T.expect(not os.path.exists(out), "printed although refused")
    tui.keys("p")
    tui.wait(lambda s: "Print the message?" in last_line(s), "the question")
    tui.keys("y")
    data = wait_file(out).decode("utf-8")
    T.expect("Subject: Lunch on Friday" in data and "Shall we meet at noon?" in data,
             "printed text:\n" + data)
    T.expect("X-Weeded" not in data, "a weeded field was printed:\n" + data)
    T.expect("\r" not in data, "raw CRLFs printed, not the pager's text")
    tui.wait(lambda s: "Message" in last_line(s) and "printed." in last_line(s),
             "the outcome on the status line")
    T.expect_eq(tui.quit(), "EXIT=0", "exit status")


@T.case("p in the pager with print = yes: no question; a failing command's "
        "exit status and words are shown")
def _():
    out = T.path("printed.txt")
    tui.start(rc(out, **{"print": "yes"}))
    tui.wait(index_ready, "the index")
    tui.keys("j", "j", "Enter")
    tui.wait(lambda s: "Shall we meet at noon?" in s, "the pager")
    tui.keys("p")
    data = wait_file(out).decode("utf-8")
    T.expect("Shall we meet at noon?" in data, "printed text:\n" + data)
    tui.keys(":")
    tui.wait(lambda s: ":" in last_line(s), "the command line")
    tui.text("set print_command='echo no paper >&2; exit 3'")
    tui.keys("Enter")
    tui.keys("p")
    tui.wait(lambda s: "print_command failed (exit status 3: no paper)"
             in last_line(s), "the failure on the status line")
    T.expect_eq(tui.quit(), "EXIT=0", "exit status")


@T.case("print = no never prints; p in the attachments view prints the "
        "attachment's decoded bytes")
def _():
    out = T.path("printed.bin")
    tui.start(rc(out, **{"print": "no"}))
    tui.wait(index_ready, "the index")
    tui.keys("p")
    tui.wait(lambda s: "Not printed (print is no)." in last_line(s), "the note")
    tui.keys(":")
    tui.text("set print=yes")
    tui.keys("Enter")
    tui.keys("j", "v")
    tui.wait(lambda s: "blob.bin" in s, "the attachments view")
    tui.keys("j", "p")
    data = wait_file(out)
    T.expect(data == ATTACHED, "printed bytes differ: %r" % data[:40])
    tui.wait(lambda s: "Part 2 printed." in last_line(s), "the outcome")
    T.expect_eq(tui.quit(), "EXIT=0", "exit status")


@T.case("b asks for an address and confirms; the sink gets the original with "
        "Resent- fields, RCPT TO only the new address")
def _():
    before = len(SINK.messages)
    tui.start(rc(T.path("unused")))
    tui.wait(index_ready, "the index")
    tui.keys("j", "j", "Enter")
    tui.wait(lambda s: "Shall we meet at noon?" in s, "the pager")
    tui.keys("b")
    tui.wait(lambda s: "Bounce message" in last_line(s) and "to:" in last_line(s),
             "the address prompt")
    tui.text("dora@example.com")
    tui.keys("Enter")
    tui.wait(lambda s: "to dora@example.com?" in last_line(s), "the confirmation")
    tui.keys("y")
    tui.wait(lambda s: "bounced to dora@example.com." in last_line(s),
             "the outcome", timeout=30)
    T.expect_eq(len(SINK.messages), before + 1, "messages received")
    rcpts, data = SINK.messages[-1]
    T.expect_eq(rcpts, ["dora@example.com"], "RCPT TO")
    T.expect(data.endswith(PLAIN), "the original is not there unchanged:\n%r" % data)
    T.expect(data.startswith(b"Resent-From: alice@example.org\r\n"
                             b"Resent-To: dora@example.com\r\nResent-Date: "),
             "Resent- fields:\n%r" % data[:200])
    T.expect(b"\r\nResent-Message-ID: <" in data[:400], "no Resent-Message-ID")
    T.expect("Shall we meet at noon?" in tui.screen(), "the pager left the screen")
    T.expect_eq(tui.quit(), "EXIT=0", "exit status")


def imap():
    ctx = ssl.create_default_context(cafile=dc.ca_file)
    m = imaplib.IMAP4_SSL(dc.host, dc.imaps_port, ssl_context=ctx)
    m.login("alice", dc.users["alice"])
    m.select("INBOX")
    return m


@T.case("e: sed as $EDITOR fixes the subject; the edited message replaces "
        "the original with its flags and date, and the pager shows it")
def _():
    tui.start(rc(T.path("unused"), editor="sed -i s/subjcet/subject/"))
    tui.wait(lambda s: index_ready(s) and "Typo in the subjcet" in s, "the index")
    tui.keys("Enter")
    tui.wait(lambda s: "Body stays." in s and "subjcet" in s, "the pager")
    tui.keys("e")
    tui.wait(lambda s: "Typo in the subject" in s and "Body stays." in s and
             "replaced by the edited one" in last_line(s),
             "the edited message in the pager", timeout=30)
    m = imap()
    typ, data = m.uid("SEARCH", None, "ALL")
    T.expect_eq(len(data[0].split()), 3, "messages on the server")
    typ, data = m.uid("SEARCH", None, "SUBJECT", "subjcet")
    T.expect_eq(data[0], b"", "the original is still there")
    typ, data = m.uid("SEARCH", None, "SUBJECT", '"Typo in the subject"')
    uid = data[0].split()[0]
    typ, fl = m.uid("FETCH", uid, "(FLAGS INTERNALDATE BODY.PEEK[])")
    meta = fl[0][0].decode()
    T.expect("\\Flagged" in meta and "\\Seen" in meta, "flags: " + meta)
    T.expect('"01-Jan-2026 00:00:00 +0000"' in meta, "INTERNALDATE: " + meta)
    T.expect_eq(fl[0][1], EDITME.replace(b"subjcet", b"subject"), "edited bytes")
    m.logout()
    tui.keys("q")
    tui.wait(lambda s: "subjcet" not in s and "Typo in the subject" in
             (line_with(s, "Typo") or "") and "F" in (line_with(s, "Typo") or "")[:12],
             "the index shows the new one, flagged")
    T.expect_eq(tui.quit(), "EXIT=0", "exit status")


@T.case("e with an editor that changes nothing stores nothing")
def _():
    tui.start(rc(T.path("unused"), editor="true"))
    tui.wait(index_ready, "the index")
    m = imap()
    typ, before = m.uid("SEARCH", None, "ALL")
    tui.keys("e")
    tui.wait(lambda s: "Message not changed." in last_line(s), "the note")
    typ, after = m.uid("SEARCH", None, "ALL")
    T.expect_eq(after, before, "UIDs on the server")
    m.logout()
    T.expect_eq(tui.quit(), "EXIT=0", "exit status")


T.main(setup=setup, teardown=teardown)

#!/usr/bin/env python3
"""The compose screen after the editor: m in the index runs a scripted
$EDITOR, then the screen edits To (alias completion) and Subject,
attaches files (file-name completion), detaches, renames and describes
one, and sends to an SMTP sink; P postpones a message with a binary
attachment to Drafts (\\Draft, Bcc kept there), R in the index recalls
it, and once sent the old draft is gone and the attachment arrived
byte-identical; with several drafts R shows a menu, ? the compose keys,
and q aborts keeping the draft; a Drafts folder that refuses the message
leaves it in a private file whose path is said."""

import email
import email.policy
import glob
import hashlib
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
from tuitest import Tui, last_line, line_with  # noqa: E402

T = Suite(__file__)
dc = None
smtp = None
tui = None
SINK = None

BINARY = bytes(range(256)) * 9 + b"\r\n\x00end"
PNG = b"\x89PNG\r\n\x1a\n" + BINARY


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
    dc.deliver("alice", "INBOX",
               b"From: Ann <ann@example.net>\r\nTo: alice@example.org\r\n"
               b"Subject: Hello there\r\nMessage-ID: <h.1@example.net>\r\n"
               b"\r\nHi.\r\n")
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


def rc(extra=""):
    ed = T.write("editor.py", "import sys\n"
                 "open(sys.argv[1], 'a').write('Typed in the editor.\\n')\n",
                 mode=0o700)
    opts = account_rc(dc, cache_dir=T.path("cache"),
                      smtp_url="smtp://127.0.0.1:%d/" % smtp.port,
                      editor="/usr/bin/python3 " + ed,
                      signature=os.path.join(T.home, "no-signature"))
    opts["from"] = "alice@example.org"
    return T.write("crispinrc", rc_text(opts) +
                   'alias bob "Bob Builder <bob@example.net>"\n' + extra)


def index(text):
    return "(live)" in last_line(text) and "Hello there" in text


def compose_screen(text):
    return "-- Attachments" in text and "Subject:" in text


def mail(to, subject=""):
    """m asks To and Subject first, as mutt does, then the editor runs."""
    tui.keys("m")
    tui.wait(lambda s: last_line(s).startswith("To:"), "the To prompt")
    tui.text(to)
    tui.keys("Enter")
    tui.wait(lambda s: last_line(s).startswith("Subject:"), "the Subject prompt")
    if subject:
        tui.text(subject)
    tui.keys("Enter")


def drafts():
    """The Drafts folder's messages as (flags, bytes)."""
    path = dc.folder_path("alice", "Drafts")
    out = []
    for f in sorted(glob.glob(os.path.join(path, "cur", "*")) +
                    glob.glob(os.path.join(path, "new", "*"))):
        flags = f.rsplit(":2,", 1)[1] if ":2," in f else ""
        with open(f, "rb") as fp:
            out.append((flags, fp.read()))
    return out


def digest(data):
    """Length and SHA-256: what a failure shows instead of the bytes."""
    return "%d bytes %s" % (len(data), hashlib.sha256(data).hexdigest()[:16])


def attachments(msg):
    return [(p.get_filename(), p.get_content_type(), p["Content-Description"],
             digest(p.get_payload(decode=True))) for p in msg.iter_attachments()]


@T.case("compose screen: To by alias, Subject, attach with completion, detach, rename, describe, send")
def _():
    before = len(SINK.messages)
    keep = T.path("numbers-2026.bin")
    with open(keep, "wb") as f:
        f.write(BINARY)
    drop = T.path("dropped.txt")
    with open(drop, "w") as f:
        f.write("not wanted\n")
    tui.start(rc())
    tui.wait(index, "the index")
    mail("someone@example.net")
    tui.wait(compose_screen, "the compose screen after the editor", timeout=30)
    tui.keys("t")
    tui.wait(lambda s: "To:" in last_line(s), "the To prompt")
    tui.keys("C-u")
    tui.text("bo")
    tui.keys("Tab")
    tui.wait(lambda s: "Bob Builder <bob@example.net>" in last_line(s),
             "the alias completed")
    tui.keys("Enter")
    tui.wait(lambda s: "To: Bob Builder <bob@example.net>" in s,
             "To on the screen")
    tui.keys("s")
    tui.wait(lambda s: "Subject:" in last_line(s), "the Subject prompt")
    tui.keys("C-u")
    tui.text("Quarterly numbers")
    tui.keys("Enter")
    tui.wait(lambda s: "Subject: Quarterly numbers" in s, "the subject")
    # The binary file by completion of its name.
    tui.keys("a")
    tui.wait(lambda s: "Attach file:" in last_line(s), "the file prompt")
    tui.text(os.path.join(os.path.dirname(keep), os.path.basename(keep)[:-8]))
    tui.keys("Tab")
    tui.wait(lambda s: last_line(s).rstrip().endswith("numbers-2026.bin"),
             "the file name completed")
    tui.keys("Enter")
    tui.wait(lambda s: "numbers-2026.bin" in s and "application/octet-stream" in s,
             "the attachment listed with its type")
    tui.keys("a")
    tui.wait(lambda s: "Attach file:" in last_line(s), "the file prompt")
    tui.text(drop)
    tui.keys("Enter")
    tui.wait(lambda s: "dropped.txt" in s and "text/plain" in s,
             "the second attachment")
    # The cursor is on the new one: D takes it away.
    tui.keys("D")
    tui.wait(lambda s: "dropped.txt" not in s, "the attachment detached")
    tui.keys("R")
    tui.wait(lambda s: "Send attachment with name:" in last_line(s),
             "the rename prompt")
    tui.keys("C-u")
    tui.text("q4.bin")
    tui.keys("Enter")
    tui.wait(lambda s: "q4.bin" in s, "the new name")
    tui.keys("d")
    tui.wait(lambda s: "Description:" in last_line(s), "the description prompt")
    tui.text("the numbers")
    tui.keys("Enter")
    tui.wait(lambda s: '"the numbers"' in s, "the description")
    # The editor again with the headers (an Attach: line for the file):
    # name, type and description stay.
    text_line = line_with(tui.screen(), "(the message text)")
    tui.keys("E")
    tui.wait(lambda s: compose_screen(s) and
             line_with(s, "(the message text)") not in (None, text_line),
             "the longer text on the compose screen after the editor")
    T.expect('"the numbers"' in tui.screen() and "q4.bin" in tui.screen(),
             "name and description kept:\n" + tui.screen())
    tui.keys("y")
    tui.wait(lambda s: len(SINK.messages) > before and index(s) and
             "Sent." in last_line(s), "sent and back in the index", timeout=30)
    rcpts, data = SINK.messages[-1]
    msg = email.message_from_bytes(data, policy=email.policy.default)
    T.expect_eq(rcpts, ["bob@example.net"], "envelope recipients")
    T.expect_eq(str(msg["To"]), "Bob Builder <bob@example.net>", "To")
    T.expect_eq(str(msg["Subject"]), "Quarterly numbers", "Subject")
    body = msg.get_body(("plain",)).get_content()
    T.expect(body.count("Typed in the editor.") == 2,
             "the text from both runs of the editor:\n" + body)
    T.expect_eq(attachments(msg), [("q4.bin", "application/octet-stream",
                                    "the numbers", digest(BINARY))],
                "one attachment, renamed, described, byte-identical")
    T.expect_eq(tui.quit(), "EXIT=0", "exit status")


@T.case("postpone to Drafts (\\Draft, Bcc kept), R recalls it, sending removes the old draft")
def _():
    before = len(SINK.messages)
    T.expect_eq(drafts(), [], "Drafts empty at the start")
    pic = T.path("photo.png")
    with open(pic, "wb") as f:
        f.write(PNG)
    tui.start(rc())
    tui.wait(index, "the index")
    mail("carol@example.net")
    tui.wait(compose_screen, "the compose screen", timeout=30)
    for key, value, shown in (("t", "carol@example.net", "To: carol@example.net"),
                              ("b", "hidden@example.net", "Bcc: hidden@example.net"),
                              ("s", "Later, maybe", "Subject: Later, maybe")):
        tui.keys(key)
        tui.wait(lambda s: s.splitlines() and ":" in last_line(s), "a prompt")
        tui.keys("C-u")
        tui.text(value)
        tui.keys("Enter")
        tui.wait(lambda s: shown in s, shown)
    tui.keys("a")
    tui.wait(lambda s: "Attach file:" in last_line(s), "the file prompt")
    tui.text(pic)
    tui.keys("Enter")
    tui.wait(lambda s: "photo.png" in s and "image/png" in s, "the attachment")
    tui.keys("P")
    tui.wait(lambda s: index(s) and "Postponed" in last_line(s),
             "postponed and back in the index", timeout=30)
    T.expect_eq(len(SINK.messages), before, "nothing sent")
    stored = drafts()
    T.expect_eq(len(stored), 1, "one draft in Drafts")
    flags, raw = stored[0]
    T.expect("D" in flags and "S" in flags, "\\Draft and \\Seen: " + flags)
    draft = email.message_from_bytes(raw, policy=email.policy.default)
    T.expect_eq(str(draft["Bcc"]), "hidden@example.net", "Bcc kept in the draft")
    T.expect_eq(str(draft["Subject"]), "Later, maybe", "draft subject")
    T.expect_eq(attachments(draft), [(os.path.basename(pic), "image/png", None,
                                      digest(PNG))], "the attachment in the draft")

    # The interface's R runs crispin recall: one draft, straight to the
    # editor (which adds a line) and the compose screen.
    tui.keys("R")
    tui.wait(lambda s: compose_screen(s) and "Later, maybe" in s and
             "photo.png" in s, "the recalled draft on the compose screen",
             timeout=30)
    tui.keys("y")
    tui.wait(lambda s: len(SINK.messages) > before and index(s) and
             "Sent." in last_line(s), "sent and back in the index", timeout=30)
    rcpts, data = SINK.messages[-1]
    msg = email.message_from_bytes(data, policy=email.policy.default)
    T.expect_eq(sorted(rcpts), ["carol@example.net", "hidden@example.net"],
                "envelope recipients, Bcc included")
    T.expect(msg["Bcc"] is None, "no Bcc on the wire")
    T.expect_eq(str(msg["Subject"]), "Later, maybe", "Subject")
    body = msg.get_body(("plain",)).get_content()
    T.expect(body.count("Typed in the editor.") == 2,
             "the text typed before and after the recall:\n" + body)
    T.expect_eq(attachments(msg), [(os.path.basename(pic), "image/png", None,
                                    digest(PNG))],
                "the attachment byte-identical after postpone and recall")
    T.expect_eq(drafts(), [], "the old draft is gone from Drafts")
    T.expect_eq(tui.quit(), "EXIT=0", "exit status")


@T.case("R with several drafts: a menu picks one; ? lists the compose keys; q aborts and keeps the draft")
def _():
    for subject in ("Alpha draft", "Beta draft"):
        dc.deliver("alice", "Drafts",
                   ("From: alice@example.org\r\nTo: dan@example.net\r\n"
                    "Subject: %s\r\n\r\nSome text.\r\n" % subject).encode(),
                   flags=("\\Draft", "\\Seen"))
    tui.start(rc())
    tui.wait(index, "the index")
    tui.keys("R")
    tui.wait(lambda s: "Postponed messages in Drafts" in s and "Alpha draft" in s
             and "Beta draft" in s, "the menu of drafts", timeout=30)
    tui.keys("j")
    tui.keys("Enter")
    tui.wait(lambda s: compose_screen(s) and "Subject: Beta draft" in s,
             "the second draft on the compose screen", timeout=30)
    tui.keys("?")
    tui.wait(lambda s: "send-message" in s and "postpone-message" in s,
             "help lists the compose map")
    tui.keys("q")
    tui.wait(compose_screen, "back on the compose screen")
    tui.keys("q")
    tui.wait(lambda s: "Abort this message" in last_line(s), "the question")
    tui.keys("y")
    tui.wait(lambda s: index(s) and "Not sent" in last_line(s),
             "aborted, back in the index", timeout=30)
    T.expect_eq(sorted(b"Beta draft" in raw for _, raw in drafts()),
                [False, True], "both drafts still in Drafts")
    T.expect_eq(tui.quit(), "EXIT=0", "exit status")


@T.case("P when Drafts refuses the message: the draft is kept in a file and its path said")
def _():
    # A name longer than a file name may be: Dovecot cannot create it.
    tui.start(rc(extra='set postponed = "%s"\n' % ("x" * 300)))
    tui.wait(index, "the index")
    mail("keep@example.net")
    tui.wait(lambda s: compose_screen(s) and "To: keep@example.net" in s,
             "the compose screen with the To asked for", timeout=30)
    tui.keys("s")
    tui.wait(lambda s: "Subject:" in last_line(s), "the Subject prompt")
    tui.text("Keep me safe")
    tui.keys("Enter")
    tui.wait(lambda s: "Subject: Keep me safe" in s, "the subject")
    tui.keys("P")
    text = tui.wait(lambda s: "Press any key" in s, "the failure on the terminal",
                    timeout=30)
    m = re.search(r"the draft is kept in (\S+\.eml)", text)
    T.expect(m is not None, "the path is said:\n" + text)
    with open(m.group(1), "rb") as f:
        kept = f.read()
    T.expect(b"Subject: Keep me safe" in kept, "the draft in the file")
    T.expect_eq(os.stat(m.group(1)).st_mode & 0o777, 0o600, "a private file")
    tui.keys("Enter")
    tui.wait(lambda s: index(s), "back in the index")
    T.expect_eq(tui.quit(), "EXIT=0", "exit status")


T.main(setup=setup, teardown=teardown)

#!/usr/bin/env python3
"""The sending pipeline against a real SMTP sink (aiosmtpd) and a real
Dovecot: crispin -s with a non-ASCII subject and a binary attachment
arrives byte-identical, Bcc only in the Sent copy, the Sent copy with
\\Seen; the outbox keeps what could not go (server down, offline, killed
mid-send) and send --queued delivers it exactly once; the sendmail
option; a Sent copy that fails is retried without sending again."""

import email
import email.policy
import imaplib
import json
import logging
import os
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import warnings

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from crispintest import Suite, account_rc  # noqa: E402
from dovecot import Dovecot  # noqa: E402

from smtpsink import controller_class  # noqa: E402

Controller = controller_class()

T = Suite(__file__)
dc = None
SINK = None
CTL = None
SINK_PORT = None
BLOB = bytes(range(256)) * 30 + b"\x00\r\n.\r\n\xff"
SUBJECT = "Grüße aus Köln — ½ € 日本"
# Shell syntax that is also a valid address (atext): must stay a word.
EVIL = "`touch${IFS}pwned`@example.org"
BODY = "Hallo Bob,\n\nschöne Grüße — naïve café.\n.\n.. two dots\nend\n"


class Sink:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos),
                              bytes(envelope.original_content)))
        return "250 2.0.0 queued"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def setup():
    global dc, SINK, CTL, SINK_PORT
    logging.getLogger("mail.log").setLevel(logging.CRITICAL)
    warnings.simplefilter("ignore")
    if Controller is None:
        raise RuntimeError("python3-aiosmtpd is missing (apt-get install "
                           "python3-aiosmtpd, or run contrib/check)")
    dc = Dovecot().start()
    SINK = Sink()
    SINK_PORT = free_port()
    CTL = Controller(SINK, hostname="127.0.0.1", port=SINK_PORT)
    CTL.start()


def teardown():
    if CTL:
        CTL.stop()
    if dc:
        dc.stop()


def rc(smtp_port=None, **more):
    """IMAP at Dovecot, SMTP at the sink (plain, no AUTH), a fresh outbox."""
    opts = account_rc(dc, smtp_url="smtp://127.0.0.1:%d/" % (smtp_port or SINK_PORT),
                      tls="no", connect_timeout="5", timeout="10",
                      cache_dir=T.path("cache"), **{"from": "alice@example.org"})
    opts.update(more)
    return {k: v for k, v in opts.items() if v is not None}


def imap():
    ctx = ssl.create_default_context(cafile=dc.ca_file)
    m = imaplib.IMAP4_SSL(dc.host, dc.imaps_port, ssl_context=ctx)
    m.login("alice", dc.users["alice"])
    return m


def folder_messages(folder):
    """[(flags, bytes)] of every message of a folder, in UID order."""
    m = imap()
    try:
        typ, _ = m.select('"%s"' % folder, readonly=True)
        if typ != "OK":
            return []
        typ, data = m.uid("FETCH", "1:*", "(FLAGS BODY.PEEK[])")
        out = []
        for item in data:
            if isinstance(item, tuple):
                flags = imaplib.ParseFlags(item[0])
                out.append(([f.decode() for f in flags], item[1]))
        return out
    finally:
        m.logout()


def empty_folder(folder):
    m = imap()
    try:
        typ, data = m.select('"%s"' % folder)
        if typ == "OK" and int(data[0]) > 0:
            m.store("1:*", "+FLAGS", "\\Deleted")
            m.expunge()
    finally:
        m.logout()


def outbox(rcfile):
    """The lines of send --list: [(id, state, attempts, ...)]."""
    r = T.crispin("send", "--list", rcfile=rcfile)
    T.expect_code(r, 0)
    return [l.split("\t") for l in r.out.splitlines() if l]


def new_messages(before):
    msgs = SINK.messages[before:]
    return msgs


def mailx(rcfile, *args, body=BODY, **kw):
    return T.crispin(*args, rcfile=rcfile, input=body, **kw)


@T.case("crispin -s: non-ASCII subject and a binary attachment arrive byte-identical; "
        "Bcc only in the Sent copy, which has \\Seen")
def _():
    empty_folder("Sent")
    blob = os.path.join(T.path("files"), "Übersicht ½.bin")
    os.makedirs(os.path.dirname(blob))
    with open(blob, "wb") as f:
        f.write(BLOB)
    rcfile = T.write_rc(rc())
    before = len(SINK.messages)
    r = mailx(rcfile, "-s", SUBJECT, "-c", "Carol <carol@example.org>",
              "-b", "hidden@example.org", "-a", blob, "--", "bob@example.org")
    T.expect_code(r, 0)
    got = new_messages(before)
    T.expect_eq(len(got), 1, "messages at the sink")
    mail_from, rcpts, data = got[0]
    T.expect_eq(mail_from, "alice@example.org", "envelope sender")
    T.expect_eq(sorted(rcpts), ["bob@example.org", "carol@example.org",
                                "hidden@example.org"], "envelope recipients")
    T.expect(b"hidden@" not in data and b"\nBcc:" not in data,
             "Bcc went out in the message")
    msg = email.message_from_bytes(data, policy=email.policy.default)
    T.expect_eq(str(msg["Subject"]), SUBJECT, "subject")
    T.expect_eq(str(msg["To"]), "bob@example.org", "To")
    T.expect("crispin/" in str(msg["User-Agent"]), "no User-Agent: %r" % msg["User-Agent"])
    parts = list(msg.iter_parts())
    T.expect_eq(len(parts), 2, "parts")
    T.expect_eq(parts[0].get_content().replace("\r\n", "\n"), BODY, "text")
    T.expect_eq(parts[1].get_filename(), "Übersicht ½.bin", "file name")
    T.expect(parts[1].get_content() == BLOB, "attachment bytes differ")

    sent = folder_messages("Sent")
    T.expect_eq(len(sent), 1, "copies in Sent")
    flags, copy = sent[0]
    T.expect("\\Seen" in flags, "Sent copy flags: %r" % flags)
    T.expect(b"hidden@example.org" in copy, "Bcc missing from the Sent copy")
    without_bcc = b"".join(l for l in copy.splitlines(keepends=True)
                           if not l.startswith(b"Bcc:"))
    T.expect(without_bcc == data, "the Sent copy differs from what was sent "
             "(besides Bcc)")
    T.expect_eq(outbox(rcfile), [], "outbox after a send")


@T.case("crispin -H DRAFT: headers from the draft, -a attaches too, exit 0; "
        "copy = no saves no Sent copy")
def _():
    draft = T.write("draft", "To: Bob <bob@example.org>\nSubject: Entwurf ü\n"
                    "X-Project: crispin\n\nThe body.\n")
    att = os.path.join(T.path("files"), "notes.txt")
    os.makedirs(os.path.dirname(att))
    with open(att, "w") as f:
        f.write("plain notes\n")
    rcfile = T.write_rc(rc(copy="no"))
    before = len(SINK.messages)
    copies = len(folder_messages("Sent"))
    r = T.crispin("-H", draft, "-a", att, "--", rcfile=rcfile)
    T.expect_code(r, 0)
    T.expect_eq(len(folder_messages("Sent")), copies, "copies in Sent")
    got = new_messages(before)
    T.expect_eq(len(got), 1, "messages at the sink")
    msg = email.message_from_bytes(got[0][2], policy=email.policy.default)
    T.expect_eq(str(msg["Subject"]), "Entwurf ü", "subject")
    T.expect_eq(str(msg["X-Project"]), "crispin", "extra header")
    parts = list(msg.iter_parts())
    T.expect_eq(len(parts), 2, "parts")
    T.expect_eq(parts[0].get_content().replace("\r\n", "\n"), "The body.\n", "text")
    T.expect_eq(parts[1].get_filename(), "notes.txt", "attachment")


@T.case("SMTP server down: exit 4 and queued; --queue-ok exit 0; send --queued "
        "delivers each exactly once and empties the outbox")
def _():
    down = free_port()
    rcfile = T.write_rc(rc(smtp_port=down, connect_timeout="2"))
    before = len(SINK.messages)
    r = mailx(rcfile, "-s", "first", "bob@example.org")
    T.expect_code(r, 4)
    T.expect("waits in the outbox as #" in r.err, r.err)
    r = mailx(rcfile, "-s", "second", "--queue-ok", "bob@example.org")
    T.expect_code(r, 0)
    T.expect("waits in the outbox" in r.err, r.err)
    box = outbox(rcfile)
    T.expect_eq([b[1] for b in box], ["queued", "queued"], "states")
    T.expect_eq([b[6] for b in box], ["first", "second"], "subjects")
    T.expect(all(b[2] == "1" for b in box), "one attempt each: %r" % box)
    T.expect_eq(len(SINK.messages), before, "nothing delivered while down")

    # The server is back (same outbox, the sink's port).
    up = dict(rc(smtp_port=SINK_PORT))
    up["cache_dir"] = rc_value(rcfile, "cache_dir")
    uprc = T.write_rc(up)
    r = mailx(uprc, "-s", "third", "bob@example.org")
    T.expect_code(r, 0)
    T.expect("2 older messages wait in the outbox" in r.err, r.err)
    r = T.crispin("send", "--queued", rcfile=uprc)
    T.expect_code(r, 0)
    T.expect("outbox: 2 sent, 0 left" in r.out, r.out)
    got = new_messages(before)
    subjects = sorted(email.message_from_bytes(d, policy=email.policy.default)["Subject"]
                      for _, _, d in got)
    T.expect_eq(subjects, ["first", "second", "third"], "delivered")
    T.expect_eq(outbox(uprc), [], "outbox after --queued")
    r = T.crispin("send", "--queued", rcfile=uprc)
    T.expect_code(r, 0)
    T.expect("outbox: 0 sent, 0 left" in r.out, r.out)
    T.expect_eq(len(SINK.messages), before + 3, "each delivered exactly once")


def rc_value(rcfile, name):
    with open(rcfile, encoding="utf-8") as f:
        for line in f:
            if line.startswith("set %s = " % name):
                return line.split("=", 1)[1].strip().strip('"')
    return None


@T.case("offline (--offline or offline = yes): queued without connecting; exit 4, "
        "or 0 with --queue-ok")
def _():
    rcfile = T.write_rc(rc())
    before = len(SINK.messages)
    r = mailx(rcfile, "--offline", "-s", "offline", "bob@example.org")
    T.expect_code(r, 4)
    T.expect("offline" in r.err, r.err)
    T.expect_eq(r.trace, "", "something was sent while offline")
    r = mailx(rcfile, "-e", "set offline", "-s", "offline 2", "--queue-ok",
              "bob@example.org")
    T.expect_code(r, 0)
    T.expect_eq(len(outbox(rcfile)), 2, "queued")
    T.expect_eq(len(SINK.messages), before, "nothing delivered")
    r = T.crispin("send", "--queued", rcfile=rcfile)
    T.expect_code(r, 0)
    T.expect_eq(len(SINK.messages), before + 2, "delivered later")
    T.expect_eq(outbox(rcfile), [], "outbox")


@T.case("sendmail option: the message on the command's stdin, recipients as "
        "arguments (Bcc stripped); with -t no arguments and Bcc left to it")
def _():
    rec = T.path("sendmail-rec")
    script = T.write("fake-sendmail", "#!/bin/sh\n"
                     "printf '%s\\n' \"$@\" > \"$REC.args\"\n"
                     "cat > \"$REC.msg\"\n", mode=0o700)
    rcfile = T.write_rc(rc(sendmail=script + " -oi", record=None))
    env = {"REC": rec}
    r = mailx(rcfile, "-s", "via sendmail", "-b", "hidden@example.org",
              "bob@example.org", EVIL, env=env)
    T.expect_code(r, 0)
    with open(rec + ".args") as f:
        args = f.read().split("\n")[:-1]
    T.expect_eq(args, ["-oi", "bob@example.org", EVIL, "hidden@example.org"],
                "arguments")
    T.expect(not os.path.exists(os.path.join(T.workdir, "pwned")),
             "an address reached the shell")
    with open(rec + ".msg", "rb") as f:
        data = f.read()
    T.expect(b"\r\n" not in data, "CRLF given to sendmail")
    T.expect(b"hidden@" not in data, "Bcc given to sendmail")
    msg = email.message_from_bytes(data, policy=email.policy.default)
    T.expect_eq(str(msg["Subject"]), "via sendmail", "subject")
    T.expect_eq(outbox(rcfile), [], "outbox")

    rcfile = T.write_rc(rc(sendmail=script + " -oi -t", record=None))
    r = mailx(rcfile, "-s", "with -t", "-b", "hidden@example.org",
              "bob@example.org", env=env)
    T.expect_code(r, 0)
    with open(rec + ".args") as f:
        T.expect_eq(f.read().split(), ["-oi", "-t"], "arguments with -t")
    with open(rec + ".msg", "rb") as f:
        T.expect(b"Bcc: hidden@example.org" in f.read(), "-t gets the Bcc header")

    failing = T.write("failing-sendmail", "#!/bin/sh\ncat >/dev/null\nexit 75\n",
                      mode=0o700)
    rcfile = T.write_rc(rc(sendmail=failing, record=None))
    r = mailx(rcfile, "-s", "fails", "bob@example.org")
    T.expect_code(r, 1)
    T.expect("exit status 75" in r.err and "waits in the outbox" in r.err, r.err)
    T.expect_eq([b[1] for b in outbox(rcfile)], ["queued"], "kept")


class StallServer:
    """Speaks SMTP up to DATA, then never answers it."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1)
        self.port = self.sock.getsockname()[1]
        self.got_data = threading.Event()
        self.conn = None
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        try:
            self.conn, _ = self.sock.accept()
            f = self.conn.makefile("rb")
            self.conn.sendall(b"220 stall ESMTP\r\n")
            for line in f:
                verb = line.split(b" ")[0].strip().upper()
                if verb == b"EHLO":
                    self.conn.sendall(b"250-stall\r\n250 8BITMIME\r\n")
                elif verb == b"DATA":
                    self.got_data.set()
                    f.read()  # until crispin is gone
                    return
                else:
                    self.conn.sendall(b"250 ok\r\n")
        except OSError:
            pass

    def close(self):
        for s in (self.conn, self.sock):
            if s:
                s.close()


@T.case("crispin killed mid-send (server silent after DATA): the message stays "
        "in the outbox and send --queued delivers it once, with a warning")
def _():
    stall = StallServer()
    cache = T.path("cache")
    rcfile = T.write_rc(rc(smtp_port=stall.port, cache_dir=cache, record=None))
    cmd = [T.crispin_path, "-F", rcfile, "send"]
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, env=T.env(), cwd=T.workdir)
    p.stdin.write(b"From: alice@example.org\nTo: bob@example.org\n"
                  b"Subject: killed\n\nbody\n")
    p.stdin.close()
    try:
        T.expect(stall.got_data.wait(20), "crispin never reached DATA")
        p.send_signal(signal.SIGKILL)
        p.wait(10)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        p.stdout.close()
        p.stderr.close()
        stall.close()
    box = outbox(rcfile)
    T.expect_eq([(b[1], b[6]) for b in box], [("sending", "killed")], "outbox")
    before = len(SINK.messages)
    uprc = T.write_rc(rc(cache_dir=cache, record=None))
    r = T.crispin("send", "--queued", rcfile=uprc)
    T.expect_code(r, 0)
    T.expect("interrupted" in r.err and "twice" in r.err, r.err)
    got = new_messages(before)
    T.expect_eq(len(got), 1, "delivered once")
    T.expect_eq(email.message_from_bytes(got[0][2])["Subject"], "killed", "subject")
    T.expect_eq(outbox(uprc), [], "outbox")


@T.case("a Sent copy that cannot be saved is reported and retried by send --queued "
        "without sending the message again")
def _():
    folder = "Gesendet-%d" % os.getpid()
    rcfile = T.write_rc(rc(record=folder))
    before = len(SINK.messages)
    r = mailx(rcfile, "-s", "copy later", "bob@example.org")
    T.expect_code(r, 0)
    T.expect("not saved" in r.err and "#" in r.err, r.err)
    T.expect_eq(len(SINK.messages), before + 1, "delivered")
    T.expect_eq([b[1] for b in outbox(rcfile)], ["sent"], "kept for the copy")
    dc.create_folder("alice", folder)
    r = T.crispin("send", "--queued", rcfile=rcfile)
    T.expect_code(r, 0)
    T.expect_eq(len(SINK.messages), before + 1, "not sent again")
    copies = folder_messages(folder)
    T.expect_eq(len(copies), 1, "copies")
    T.expect("\\Seen" in copies[0][0], "flags %r" % copies[0][0])
    T.expect_eq(outbox(rcfile), [], "outbox")


@T.case("send --drop removes a queued message; a wrong id is exit 1; usage errors exit 2")
def _():
    rcfile = T.write_rc(rc(smtp_port=free_port(), connect_timeout="2"))
    r = mailx(rcfile, "-s", "drop me", "--queue-ok", "bob@example.org")
    T.expect_code(r, 0)
    box = outbox(rcfile)
    T.expect_eq(len(box), 1, "queued")
    r = T.crispin("send", "--drop", box[0][0], rcfile=rcfile)
    T.expect_code(r, 0)
    T.expect_eq(outbox(rcfile), [], "dropped")
    r = T.crispin("send", "--drop", box[0][0], rcfile=rcfile)
    T.expect_code(r, 1)
    r = T.crispin("send", "--queued", "bob@example.org", rcfile=rcfile)
    T.expect_code(r, 2)
    r = mailx(rcfile, "-s", "nobody")
    T.expect_code(r, 2)
    T.expect("no recipients" in r.err, r.err)
    r = mailx(rcfile, "-s", "x", "-a", T.path("missing"), "--", "bob@example.org")
    T.expect_code(r, 2)
    T.expect_eq(outbox(rcfile), [], "nothing queued by usage errors")


def uid_of(folder, message_id):
    m = imap()
    try:
        m.select('"%s"' % folder, readonly=True)
        typ, data = m.uid("SEARCH", "HEADER", "Message-ID", message_id)
        uids = data[0].split()
        return int(uids[-1]) if uids else None
    finally:
        m.logout()


def flags_of(folder, uid):
    m = imap()
    try:
        m.select('"%s"' % folder, readonly=True)
        typ, data = m.uid("FETCH", str(uid), "(FLAGS)")
        return [f.decode() for f in imaplib.ParseFlags(data[0])]
    finally:
        m.logout()


@T.case("reply and forward through the outbox: the original gets \\Answered or "
        "$Forwarded once the message is out")
def _():
    for mid in ("<orig-reply@example.org>", "<orig-forward@example.org>"):
        dc.deliver("alice", "INBOX", "From: Bob <bob@example.org>\n"
                   "To: alice@example.org\nSubject: question\n"
                   "Message-ID: %s\n\nHow are you?\n" % mid)
    reply_uid = uid_of("INBOX", "<orig-reply@example.org>")
    forward_uid = uid_of("INBOX", "<orig-forward@example.org>")
    rcfile = T.write_rc(rc())
    before = len(SINK.messages)
    r = T.crispin("reply", "-f", "INBOX", str(reply_uid), "-m", "Fine.",
                  "--no-edit", rcfile=rcfile)
    T.expect_code(r, 0)
    T.expect("\\Answered" in flags_of("INBOX", reply_uid),
             "flags %r" % flags_of("INBOX", reply_uid))
    T.expect("$Forwarded" not in flags_of("INBOX", reply_uid), "forwarded?")
    r = T.crispin("forward", "-f", "INBOX", str(forward_uid), "-m", "FYI",
                  "--no-edit", "carol@example.org", rcfile=rcfile)
    T.expect_code(r, 0)
    T.expect("$Forwarded" in flags_of("INBOX", forward_uid),
             "flags %r" % flags_of("INBOX", forward_uid))
    T.expect("\\Answered" not in flags_of("INBOX", forward_uid), "answered?")
    got = new_messages(before)
    T.expect_eq(len(got), 2, "messages at the sink")
    T.expect_eq(outbox(rcfile), [], "outbox")


@T.case("the Sent copy's APPENDUID puts it in Sent's cache: the next list "
        "fetches no header")
def _():
    empty_folder("Sent")
    rcfile = T.write_rc(rc())
    r = T.crispin("list", "-f", "Sent", rcfile=rcfile)
    T.expect_code(r, 0)
    T.expect_eq(r.out, "", "Sent is empty and cached")
    r = mailx(rcfile, "-s", "Kept in the cache", "--", "bob@example.org")
    T.expect_code(r, 0)
    T.expect_eq(len(folder_messages("Sent")), 1, "the copy is in Sent")
    r = T.crispin("list", "-f", "Sent", "--json", rcfile=rcfile)
    T.expect_code(r, 0)
    listed = [json.loads(l) for l in r.out.splitlines() if l]
    T.expect_eq([(m["subject"], m["flags"]) for m in listed],
                [("Kept in the cache", ["\\Seen"])], "listed from the cache")
    T.expect("HEADER.FIELDS" not in r.trace,
             "the header was fetched again:\n" + r.trace[-1500:])


T.main(setup=setup, teardown=teardown)

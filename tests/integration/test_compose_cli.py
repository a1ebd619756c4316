#!/usr/bin/env python3
"""crispin compose, reply and forward against Dovecot and an SMTP sink
(aiosmtpd), with a scripted $EDITOR: a reply reaches the sender with
"Re:", In-Reply-To, References, the attribution and the quote, and the
original gets \\Answered; a group reply leaves out the user's own
addresses (from and alternates); a list reply goes to List-Post; forward
--attach carries the original byte for byte as message/rfc822 and sets
$Forwarded; an editor that exits 1 sends nothing and keeps the text."""

import email
import email.policy
import glob
import logging
import os
import ssl
import sys
import warnings

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from crispintest import Suite, account_rc, rc_text  # noqa: E402
from dovecot import Dovecot, free_port  # noqa: E402

from smtpsink import controller_class  # noqa: E402

Controller = controller_class()

T = Suite(__file__)
USER = "alice"
ME = "alice@example.org"
dc = None
smtp = None
SINK = None
EDITORS = {}

ORIGINAL = (
    b"From: Ann Example <ann@example.net>\r\n"
    b"To: Alice <alice@example.org>, bob@example.net\r\n"
    b"Cc: carol@example.net, Alice Again <alice.other@work.example>\r\n"
    b"Subject: Re: Lunch plans\r\n"
    b"Date: Tue, 03 Nov 2026 14:05:00 +0000\r\n"
    b"Message-ID: <lunch.3@example.net>\r\n"
    b"References: <lunch.1@example.net> <lunch.2@example.net>\r\n"
    b"List-Post: <mailto:lunch@lists.example.net>\r\n"
    b"MIME-Version: 1.0\r\n"
    b"Content-Type: text/plain; charset=utf-8; format=flowed\r\n"
    b"Content-Transfer-Encoding: 8bit\r\n"
    b"\r\n"
    b"Shall we meet at the caf\xc3\xa9 at noon? It is the one \r\n"
    b"near the station.\r\n"
    b"> Earlier: are you free?\r\n"
    b"\r\n"
    b"-- \r\n"
    b"Ann, secretly signing\r\n")


class Sink:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos),
                              bytes(envelope.original_content)))
        return "250 2.0.0 queued"


def editor(name, body):
    """A scripted editor: a Python program run as the editor option."""
    path = T.write("ed-" + name + ".py", body, mode=0o700)
    return "/usr/bin/python3 " + path


def setup():
    global dc, smtp, SINK
    logging.getLogger("mail.log").setLevel(logging.CRITICAL)
    warnings.simplefilter("ignore")
    if Controller is None:
        raise RuntimeError("python3-aiosmtpd is missing (apt-get install "
                           "python3-aiosmtpd, or run contrib/check)")
    dc = Dovecot().start()
    for folder in ("reply", "group", "list", "fwd", "abort"):
        dc.create_folder(USER, folder)
        dc.deliver(USER, folder, ORIGINAL)
    # The sink speaks STARTTLS with the certificate Dovecot's CA signed,
    # so one tls_ca_file serves IMAP and SMTP.
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(dc.cert_file, dc.key_file)
    SINK = Sink()
    smtp = Controller(SINK, hostname="127.0.0.1", port=free_port(),
                      tls_context=ctx, require_starttls=True)
    smtp.start()
    # Adds a line below the quote; records how it was called.
    EDITORS["reply"] = editor("reply", (
        "import sys\n"
        "open(sys.argv[0] + '.args', 'w').write(repr(sys.argv[1:]))\n"
        "p = sys.argv[1]\n"
        "t = open(p).read()\n"
        "open(p, 'w').write(t + 'I would love to.\\n')\n"))
    # Fills the To header (edit_headers) and types a line.
    EDITORS["headers"] = editor("headers", (
        "import sys\n"
        "p = sys.argv[1]\n"
        "t = open(p).read()\n"
        "t = t.replace('To: \\n', 'To: Dora <dora@example.net>\\n', 1)\n"
        "t = t.replace('\\n\\n', '\\n\\nSee below.\\n', 1)\n"
        "open(p, 'w').write(t)\n"))
    EDITORS["fail"] = editor("fail", (
        "import sys\n"
        "p = sys.argv[1]\n"
        "open(p, 'a').write('Words I typed and want back.\\n')\n"
        "sys.exit(1)\n"))


def teardown():
    if smtp is not None:
        smtp.stop()
    if dc is not None:
        dc.stop()


def rc(**more):
    opts = account_rc(dc, USER, **{
        "smtp_url": "smtp://127.0.0.1:%d/" % smtp.port,
        "from": ME, "realname": "Alice Liddell",
        "alternates": "^alice[.]other@work[.]example$",
        "editor": EDITORS["reply"],
        "attribution": "On %d, %n wrote:",
        "date_format": "!%Y-%m-%d %H:%M",
        "signature": os.path.join(T.home, "no-signature"),
        "timeout": "10"})
    opts.update(more)
    return {k: v for k, v in opts.items() if v is not None}


def run(*args, env=None, **kw):
    e = {"TZ": "UTC", "TMPDIR": T.workdir}
    e.update(env or {})
    return T.crispin(*args, rc=rc(**kw), env=e)


def new_message(before):
    T.expect(len(SINK.messages) == before + 1, "want one message at the sink, "
             "have %d new" % (len(SINK.messages) - before))
    mail_from, rcpts, data = SINK.messages[-1]
    return mail_from, rcpts, email.message_from_bytes(
        data, policy=email.policy.default), data


def flags(folder, uid=1):
    out = dc.doveadm("fetch", "flags", "mailbox", folder, "uid", str(uid),
                     user=USER)
    return out.split(":", 1)[1].split() if ":" in out else []


def text_of(msg):
    return msg.get_body(("plain",)).get_content().replace("\r\n", "\n")


@T.case("reply: To the sender, Re: once, threading headers, attribution and quote; \\Answered set")
def _():
    before = len(SINK.messages)
    r = run("reply", "-f", "reply", "1")
    T.expect_code(r, 0)
    mail_from, rcpts, m, _ = new_message(before)
    T.expect_eq(mail_from, ME, "envelope sender")
    T.expect_eq(rcpts, ["ann@example.net"], "envelope recipients")
    T.expect_eq(str(m["To"]), "Ann Example <ann@example.net>", "To")
    T.expect_eq(str(m["From"]), "Alice Liddell <alice@example.org>", "From")
    T.expect_eq(str(m["Subject"]), "Re: Lunch plans", "Subject")
    T.expect_eq(str(m["In-Reply-To"]), "<lunch.3@example.net>", "In-Reply-To")
    T.expect_eq(str(m["References"]).split(),
                ["<lunch.1@example.net>", "<lunch.2@example.net>",
                 "<lunch.3@example.net>"], "References")
    T.expect(m["Cc"] is None, "a plain reply has no Cc")
    want = ("On 2026-11-03 14:05, Ann Example wrote:\n"
            "> Shall we meet at the café at noon? It is the one near the station.\n"
            ">> Earlier: are you free?\n"
            "\n"
            "I would love to.\n")
    T.expect_eq(text_of(m), want, "the text")
    T.expect("secretly signing" not in text_of(m), "the old signature was quoted")
    T.expect("\\Answered" in flags("reply"), "original not \\Answered: %r"
             % flags("reply"))
    # The editor got the file as one argument, in a private directory that
    # is gone once the message is out.
    args = eval(open(EDITORS["reply"].split()[-1] + ".args").read())
    T.expect_eq(len(args), 1, "editor arguments")
    T.expect(not os.path.exists(args[0]), "the draft file was left behind")
    T.expect_eq(glob.glob(os.path.join(T.workdir, "crispin-*")), [],
                "temporary directories left")


@T.case("group reply: the sender, then every To and Cc but from and alternates")
def _():
    before = len(SINK.messages)
    r = run("reply", "-f", "group", "1", "--group", "--no-edit", "-m", "Count me in.")
    T.expect_code(r, 0)
    _, rcpts, m, _ = new_message(before)
    T.expect_eq(str(m["To"]), "Ann Example <ann@example.net>", "To")
    T.expect_eq(str(m["Cc"]), "bob@example.net, carol@example.net", "Cc")
    T.expect_eq(sorted(rcpts), ["ann@example.net", "bob@example.net",
                                "carol@example.net"], "envelope recipients")
    T.expect(text_of(m).endswith("\nCount me in.\n"), "the -m text: %r" % text_of(m))
    T.expect("\\Answered" in flags("group"), "original not \\Answered")


@T.case("list reply goes to the List-Post address")
def _():
    before = len(SINK.messages)
    r = run("reply", "-f", "list", "1", "--list", "--no-edit", "-m", "+1")
    T.expect_code(r, 0)
    _, rcpts, m, _ = new_message(before)
    T.expect_eq(rcpts, ["lunch@lists.example.net"], "envelope recipients")
    T.expect_eq(str(m["To"]), "lunch@lists.example.net", "To")


@T.case("forward --attach: the original byte for byte as message/rfc822; $Forwarded set")
def _():
    before = len(SINK.messages)
    r = run("forward", "-f", "fwd", "1", "--attach", "--no-edit", "-m", "FYI",
            "Dora <dora@example.net>")
    T.expect_code(r, 0)
    _, rcpts, m, data = new_message(before)
    T.expect_eq(rcpts, ["dora@example.net"], "envelope recipients")
    T.expect_eq(str(m["Subject"]), "Fwd: Re: Lunch plans", "Subject")
    T.expect(m["In-Reply-To"] is None, "a forward is no reply")
    parts = [p for p in m.iter_attachments()]
    T.expect_eq([p.get_content_type() for p in parts], ["message/rfc822"],
                "attachments")
    # The bytes between the part's header and the next boundary, undone
    # from their transfer encoding here rather than by crispin.
    boundary = m.get_boundary().encode()
    chunks = data.split(b"--" + boundary)
    att = [c for c in chunks if b"message/rfc822" in c.split(b"\r\n\r\n", 1)[0]]
    T.expect_eq(len(att), 1, "message/rfc822 parts in the raw message")
    head, body = att[0].split(b"\r\n\r\n", 1)
    T.expect(body.endswith(b"\r\n"), "part body end")
    body = body[:-2]
    cte = email.message_from_bytes(head.lstrip(b"\r\n") + b"\r\n\r\n").get(
        "Content-Transfer-Encoding", "7bit").lower()
    if cte == "base64":
        import base64
        body = base64.b64decode(body)
    elif cte == "quoted-printable":
        import quopri
        body = quopri.decodestring(body)
    T.expect(body == ORIGINAL, "forwarded bytes differ (%s):\n%r" % (cte, body[:300]))
    T.expect_eq(text_of(m).split("\n")[0], "FYI", "the text")
    T.expect("$Forwarded" in flags("fwd"), "original not $Forwarded: %r"
             % flags("fwd"))


@T.case("forward inline with edit_headers: the editor fills To; the block quotes the chief headers")
def _():
    before = len(SINK.messages)
    r = run("forward", "-f", "fwd", "1", editor=EDITORS["headers"],
            edit_headers="yes")
    T.expect_code(r, 0)
    _, rcpts, m, _ = new_message(before)
    T.expect_eq(rcpts, ["dora@example.net"], "recipients from the edited To")
    body = text_of(m)
    T.expect(body.startswith("See below.\n\n----- Forwarded message from "
                             "Ann Example <ann@example.net> -----\n"),
             "inline forward: %r" % body[:200])
    T.expect("\nSubject: Re: Lunch plans\n" in body, "chief headers")
    T.expect("----- End forwarded message -----" in body, "end of the block")


@T.case("compose --no-edit: a new message from arguments")
def _():
    before = len(SINK.messages)
    r = run("compose", "-s", "Hello there", "-c", "carol@example.net",
            "--no-edit", "-m", "Just saying hi.", "bob@example.net")
    T.expect_code(r, 0)
    _, rcpts, m, _ = new_message(before)
    T.expect_eq(sorted(rcpts), ["bob@example.net", "carol@example.net"], "rcpts")
    T.expect_eq(str(m["Subject"]), "Hello there", "Subject")
    T.expect_eq(text_of(m), "Just saying hi.\n", "text")
    T.expect(str(m["User-Agent"]).startswith("crispin/"), "User-Agent")


@T.case("compose in $VISUAL (before $EDITOR) with edit_headers: To typed in the editor")
def _():
    before = len(SINK.messages)
    r = run("compose", "-s", "Plans", editor=None, edit_headers="yes",
            env={"VISUAL": EDITORS["headers"], "EDITOR": "false"})
    T.expect_code(r, 0)
    _, rcpts, m, _ = new_message(before)
    T.expect_eq(rcpts, ["dora@example.net"], "recipients from the edited To")
    T.expect_eq(str(m["Subject"]), "Plans", "Subject")
    T.expect_eq(text_of(m), "See below.\n\n", "text")


@T.case("an editor that exits 1: nothing sent, not \\Answered, the text kept and named")
def _():
    before = len(SINK.messages)
    r = run("reply", "-f", "abort", "1", editor=EDITORS["fail"])
    T.expect_code(r, 1)
    T.expect_eq(len(SINK.messages), before, "messages sent")
    T.expect("Aborted" in r.err and "status 1" in r.err, "no clear reason: %r" % r.err)
    kept = [w for w in r.err.split()
            if w.startswith(T.workdir) and w.endswith(".eml")]
    T.expect(len(kept) == 1, "the kept file is not named: %r" % r.err)
    path = kept[0]
    T.expect(os.path.exists(path), "the file is gone: %s" % path)
    T.expect_eq(os.stat(path).st_mode & 0o777, 0o600, "file mode")
    T.expect("Words I typed and want back." in open(path).read(), "text lost")
    T.expect("\\Answered" not in flags("abort"), "marked \\Answered anyway")


@T.case("usage: reply without a UID, forward --group, compose without recipients")
def _():
    r = run("reply", "--no-edit")
    T.expect_code(r, 2)
    T.expect("UID" in r.err, r.err)
    r = run("forward", "1", "--group")
    T.expect_code(r, 2)
    r = run("compose", "--no-edit", "-m", "x")
    T.expect_code(r, 2)
    T.expect("no recipients" in r.err, r.err)


@T.case("send-hook: the hooks matching the recipients set options before the draft is made")
def _():
    sig = os.path.join(T.home, "work-signature")
    with open(sig, "w") as f:
        f.write("Alice, at work\n")
    text = rc_text(rc()) + (
        "send-hook . 'set signature=%s'\n"
        "send-hook '@work[.]example$' 'set from=\"Alice at Work <alice@work.example>\"; "
        "set signature=%s'\n" % (os.path.join(T.home, "no-signature"), sig))
    rcfile = T.write("crispinrc-hooks", text)
    env = {"TZ": "UTC", "TMPDIR": T.workdir}
    r = T.crispin("compose", "-s", "Plans", "--no-edit", "-m", "Hello.",
                  "--dry-run", "bob@work.example", rcfile=rcfile, env=env)
    T.expect_code(r, 0)
    msg = email.message_from_string(r.out, policy=email.policy.default)
    T.expect_eq(str(msg["From"]), "Alice at Work <alice@work.example>",
                "From set by the matching send-hook")
    T.expect("Alice, at work" in msg.get_body().get_content(),
             "signature from the hook:\n" + r.out)
    r = T.crispin("compose", "-s", "Plans", "--no-edit", "-m", "Hello.",
                  "--dry-run", "carol@example.net", rcfile=rcfile, env=env)
    T.expect_code(r, 0)
    msg = email.message_from_string(r.out, policy=email.policy.default)
    T.expect("alice@work.example" not in str(msg["From"]),
             "the work hook ran for another recipient: %s" % msg["From"])
    T.expect("Alice, at work" not in msg.get_body().get_content(),
             "the '.' hook did not reset the signature:\n" + r.out)


@T.case("alias: keys in To and Cc become their addresses, aliases of aliases too")
def _():
    text = rc_text(rc()) + (
        "alias bob Bob Builder <bob@work.example>\n"
        "alias team bob, carol@example.net\n")
    rcfile = T.write("crispinrc-aliases", text)
    r = T.crispin("compose", "-s", "Hi", "-c", "bob", "--no-edit", "-m", "Hello.",
                  "--dry-run", "team", "dave@example.org", rcfile=rcfile,
                  env={"TZ": "UTC", "TMPDIR": T.workdir})
    T.expect_code(r, 0)
    msg = email.message_from_string(r.out, policy=email.policy.default)
    to = [a.addr_spec for a in msg["To"].addresses]
    T.expect_eq(to, ["bob@work.example", "carol@example.net", "dave@example.org"],
                "To after alias expansion")
    T.expect_eq([a.display_name for a in msg["Cc"].addresses], ["Bob Builder"],
                "Cc display name from the alias")


T.main(setup, teardown)

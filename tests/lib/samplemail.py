"""Deterministic sample mail for crispin's demo and tests.

messages() returns the same list of Sample(folder, flags, date, raw) every
time: plain text, multipart/alternative, attachments (a small PDF and a PNG),
RFC 2047 subjects and senders in UTF-8 and ISO-8859-1, 8-bit UTF-8 bodies,
format=flowed, a forwarded message/rfc822, threads, and a mix of seen,
unseen, flagged, answered and draft messages across several folders
(including "Entwürfe", "日本語" and "Projects/crispin").

expected_counts() says how many messages and unseen messages each folder
gets, for assertions. populate(dovecot, user) delivers everything into a
running tests/lib/dovecot.py instance; write_maildir(path) writes a plain
Maildir++ tree without any server.
"""

import base64
import collections
import datetime
import os
import struct
import zlib

Sample = collections.namedtuple("Sample", "folder flags date raw")

FOLDERS = ["INBOX", "Sent", "Drafts", "Trash", "Junk", "Archive",
           "Entwürfe", "日本語", "Projects", "Projects/crispin"]

ME = "Demo User <demo@example.org>"
_BASE = datetime.datetime(2024, 3, 4, 9, 15, 0,
                          tzinfo=datetime.timezone(datetime.timedelta(hours=1)))


def _date(hours):
    return _BASE + datetime.timedelta(hours=hours)


def _rfc2822(dt):
    return dt.strftime("%a, %d %b %Y %H:%M:%S %z")


def _b64lines(data):
    text = base64.b64encode(data).decode("ascii")
    return "\n".join(text[i:i + 76] for i in range(0, len(text), 76))


def _ew_b(text, charset="UTF-8"):
    """One RFC 2047 B encoded-word (short input only)."""
    return "=?%s?B?%s?=" % (charset,
                            base64.b64encode(text.encode(charset)).decode())


def _ew_q(text, charset="ISO-8859-1"):
    out = []
    for b in text.encode(charset):
        c = chr(b)
        if c == " ":
            out.append("_")
        elif c.isalnum() and b < 128:
            out.append(c)
        else:
            out.append("=%02X" % b)
    return "=?%s?Q?%s?=" % (charset, "".join(out))


def _qp_latin1(text):
    """Quoted-printable of ISO-8859-1 text, lines kept short by hand."""
    out = []
    for line in text.split("\n"):
        enc = []
        for b in line.encode("iso-8859-1"):
            c = chr(b)
            if b == 0x3d or b > 126:
                enc.append("=%02X" % b)
            else:
                enc.append(c)
        out.append("".join(enc))
    return "\n".join(out)


def tiny_png():
    """A 16x16 RGB PNG, the same bytes on every run."""
    w = h = 16
    rows = b""
    for y in range(h):
        rows += b"\x00" + b"".join(
            bytes(((x * 16) & 0xff, (y * 16) & 0xff, 0x80))
            for x in range(w))

    def chunk(kind, data):
        c = kind + data
        return struct.pack(">I", len(data)) + c + \
            struct.pack(">I", zlib.crc32(c) & 0xffffffff)
    return (b"\x89PNG\r\n\x1a\n" +
            chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(rows, 9)) +
            chunk(b"IEND", b""))


def tiny_pdf():
    """A minimal one-page PDF (with the customary binary comment line)."""
    body = (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
            b"1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
            b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
            b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100]"
            b" /Contents 4 0 R >> endobj\n"
            b"4 0 obj << /Length 44 >> stream\n"
            b"BT /F1 12 Tf 20 50 Td (Quarterly report) Tj ET\n"
            b"endstream endobj\n"
            b"trailer << /Root 1 0 R >>\n%%EOF\n")
    return body


def _msg(n, frm, to, subject, date, body, extra=(), ctype=None):
    hdr = ["Return-Path: <%s>" % frm.split("<")[-1].rstrip(">"),
           "From: %s" % frm,
           "To: %s" % to,
           "Subject: %s" % subject,
           "Date: %s" % _rfc2822(date),
           "Message-ID: <sample-%03d@crispin.example>" % n,
           "MIME-Version: 1.0"]
    hdr += list(extra)
    hdr.append("Content-Type: %s" % (ctype or
                                     "text/plain; charset=UTF-8"))
    return ("\n".join(hdr) + "\n\n" + body.rstrip("\n") + "\n").encode(
        "utf-8")


def messages():
    out = []

    def add(folder, flags, date, raw):
        out.append(Sample(folder, tuple(flags.split()), date, raw))

    # 1. Plain text, seen.
    add("INBOX", "\\Seen", _date(0), _msg(
        1, "Ada Lovelace <ada@example.net>", ME,
        "Welcome to crispin", _date(0),
        "Hello,\n\nthis folder holds sample mail for trying crispin.\n"
        "Nothing here is real.\n\n-- \nAda\n",
        extra=["Content-Transfer-Encoding: 7bit"]))

    # 2. multipart/alternative, unseen.
    b = "=_alt_0002"
    add("INBOX", "", _date(1), _msg(
        2, "Grace Hopper <grace@example.net>", ME,
        "Meeting notes (text and HTML)", _date(1),
        "This is a multi-part message in MIME format.\n\n"
        "--%s\nContent-Type: text/plain; charset=UTF-8\n"
        "Content-Transfer-Encoding: 7bit\n\n"
        "Notes:\n* ship the parser\n* write more tests\n\n"
        "--%s\nContent-Type: text/html; charset=UTF-8\n"
        "Content-Transfer-Encoding: 7bit\n\n"
        "<html><body><p>Notes:</p><ul><li>ship the <b>parser</b></li>"
        "<li>write more tests</li></ul></body></html>\n\n--%s--\n"
        % (b, b, b),
        ctype='multipart/alternative; boundary="%s"' % b))

    # 3. PDF attachment, seen and flagged.
    b = "=_mixed_0003"
    add("INBOX", "\\Seen \\Flagged", _date(2), _msg(
        3, "Accounts <accounts@example.com>", ME,
        "Quarterly report (PDF attached)", _date(2),
        "--%s\nContent-Type: text/plain; charset=UTF-8\n\n"
        "Please find the report attached.\n\n"
        "--%s\nContent-Type: application/pdf; name=\"report-q1.pdf\"\n"
        "Content-Disposition: attachment; filename=\"report-q1.pdf\"\n"
        "Content-Transfer-Encoding: base64\n\n%s\n\n--%s--\n"
        % (b, b, _b64lines(tiny_pdf()), b),
        ctype='multipart/mixed; boundary="%s"' % b))

    # 4. Inline image, unseen; RFC 2231 encoded non-ASCII file name.
    b = "=_mixed_0004"
    add("INBOX", "", _date(3), _msg(
        4, "Photo Bot <photos@example.com>", ME,
        "A picture for you", _date(3),
        "--%s\nContent-Type: text/plain; charset=UTF-8\n\n"
        "Sixteen by sixteen pixels of gradient.\n\n"
        "--%s\nContent-Type: image/png; name=\"gradient.png\"\n"
        "Content-Disposition: inline;\n"
        " filename*=UTF-8''Farbverlauf%%20%%C3%%BC.png\n"
        "Content-Transfer-Encoding: base64\n\n%s\n\n--%s--\n"
        % (b, b, _b64lines(tiny_png()), b),
        ctype='multipart/mixed; boundary="%s"' % b))

    # 5. ISO-8859-1 sender and body (Q encoded-word, quoted-printable),
    #    seen and answered.
    add("INBOX", "\\Seen \\Answered", _date(4), _msg(
        5, "%s <juergen@example.de>" % _ew_q("Jürgen Müller"), ME,
        _ew_q("Grüße aus Köln"), _date(4),
        _qp_latin1("Hallo,\n\nviele Grüße aus Köln und schöne Tage!\n"
                   "Die Straße ist naß.\n\nJürgen"),
        extra=["Content-Transfer-Encoding: quoted-printable"],
        ctype="text/plain; charset=ISO-8859-1"))

    # 6. format=flowed, unseen.
    add("INBOX", "", _date(5), _msg(
        6, "Flo Wed <flo@example.net>", ME,
        "Flowed text test", _date(5),
        "This paragraph is written as format=flowed, so a reader may \n"
        "rewrap it to the width of the window: each line but the last \n"
        "ends in a space.\n\n"
        "> Quoted text can flow too when its lines end \n"
        "> in a space.\n\n"
        "-- \nFlo\n",
        extra=["Content-Transfer-Encoding: 7bit"],
        ctype="text/plain; charset=UTF-8; format=flowed; delsp=no"))

    # 7. A forwarded message (message/rfc822), seen.
    inner = _msg(70, "Alan Turing <alan@example.org>",
                 "Ada Lovelace <ada@example.net>",
                 "Original message", _date(-48),
                 "This is the message that was forwarded.\n").decode()
    b = "=_fwd_0007"
    add("INBOX", "\\Seen", _date(6), _msg(
        7, "Ada Lovelace <ada@example.net>", ME,
        "Fwd: Original message", _date(6),
        "--%s\nContent-Type: text/plain; charset=UTF-8\n\n"
        "Forwarding this, see below.\n\n"
        "--%s\nContent-Type: message/rfc822\n"
        "Content-Disposition: inline\n\n%s\n--%s--\n" % (b, b, inner, b),
        ctype='multipart/mixed; boundary="%s"' % b))

    # 8. UTF-8 8-bit body, B encoded-word subject and sender, unseen.
    add("INBOX", "", _date(7), _msg(
        8, "%s <tanaka@example.jp>" % _ew_b("田中 太郎"), ME,
        _ew_b("会議の件について"), _date(7),
        "お疲れ様です。\n明日の会議は十時からです。\n\n田中\n",
        extra=["Content-Transfer-Encoding: 8bit"]))

    # 9-11. A small thread on a list, mixed flags.
    lst = ["List-Id: crispin development <crispin-dev.example.org>",
           "List-Post: <mailto:crispin-dev@example.org>"]
    add("INBOX", "\\Seen", _date(8), _msg(
        9, "Linus <linus@example.com>", "crispin-dev@example.org",
        "[crispin-dev] IDLE and reconnects", _date(8),
        "How long should we wait before re-issuing IDLE?\n", extra=lst))
    add("INBOX", "\\Seen", _date(9), _msg(
        10, "Grace Hopper <grace@example.net>", "crispin-dev@example.org",
        "Re: [crispin-dev] IDLE and reconnects", _date(9),
        "> How long should we wait before re-issuing IDLE?\n\n"
        "Less than 29 minutes.\n",
        extra=lst + ["In-Reply-To: <sample-009@crispin.example>",
                     "References: <sample-009@crispin.example>"]))
    add("INBOX", "\\Flagged", _date(10), _msg(
        11, "Linus <linus@example.com>", "crispin-dev@example.org",
        "Re: [crispin-dev] IDLE and reconnects", _date(10),
        "> Less than 29 minutes.\n\nAgreed, patch coming.\n",
        extra=lst + ["In-Reply-To: <sample-010@crispin.example>",
                     "References: <sample-009@crispin.example> "
                     "<sample-010@crispin.example>"]))

    # Sent: the answer to message 5, and a note to the list.
    add("Sent", "\\Seen", _date(4.5), _msg(
        20, ME, "%s <juergen@example.de>" % _ew_q("Jürgen Müller"),
        "Re: " + _ew_q("Grüße aus Köln"), _date(4.5),
        "> viele Grüße aus Köln und schöne Tage!\n\nDanke, gleichfalls!\n",
        extra=["In-Reply-To: <sample-005@crispin.example>",
               "Content-Transfer-Encoding: 8bit"]))
    add("Sent", "\\Seen", _date(11), _msg(
        21, ME, "crispin-dev@example.org",
        "Re: [crispin-dev] IDLE and reconnects", _date(11),
        "Thanks both.\n",
        extra=["In-Reply-To: <sample-011@crispin.example>"]))

    # Drafts.
    add("Drafts", "\\Seen \\Draft", _date(12), _msg(
        30, ME, "Ada Lovelace <ada@example.net>",
        "Unfinished thoughts", _date(12),
        "Dear Ada,\n\nI have been meaning to\n"))

    # Trash and Junk.
    add("Trash", "\\Seen", _date(-24), _msg(
        40, "Newsletter <news@example.com>", ME,
        "Your weekly newsletter", _date(-24),
        "Nothing of interest this week.\n"))
    add("Junk", "", _date(-5), _msg(
        41, "Prince <prince@example.invalid>", ME,
        _ew_b("💰 You have won!"), _date(-5),
        "Send us your bank details.\n",
        extra=["Content-Transfer-Encoding: 7bit"]))

    # Archive: older, read mail.
    for i, subj in enumerate(["Q4 planning", "Holiday schedule",
                              "Old receipts"]):
        add("Archive", "\\Seen", _date(-24 * 90 + i), _msg(
            50 + i, "Office <office@example.com>", ME, subj,
            _date(-24 * 90 + i), "Archived: %s.\n" % subj))

    # Non-ASCII folder names.
    add("Entwürfe", "\\Seen", _date(13), _msg(
        60, ME, "%s <juergen@example.de>" % _ew_q("Jürgen Müller"),
        _ew_q("Entwurf: Rückfrage"), _date(13),
        "Noch nicht fertig.\n"))
    add("Entwürfe", "", _date(14), _msg(
        61, ME, "Team <team@example.de>",
        _ew_q("Übersicht"), _date(14), "Stichpunkte folgen.\n"))
    add("日本語", "", _date(15), _msg(
        62, "%s <sato@example.jp>" % _ew_b("佐藤 花子"), ME,
        _ew_b("こんにちは"), _date(15),
        "こんにちは、元気ですか。\n",
        extra=["Content-Transfer-Encoding: 8bit"]))
    add("日本語", "\\Seen", _date(16), _msg(
        63, "%s <tanaka@example.jp>" % _ew_b("田中 太郎"), ME,
        _ew_b("資料の送付"), _date(16), "資料を送ります。\n",
        extra=["Content-Transfer-Encoding: 8bit"]))

    # A folder with a child folder.
    add("Projects", "\\Seen", _date(17), _msg(
        64, "Grace Hopper <grace@example.net>", ME,
        "Project list", _date(17), "crispin, and more to come.\n"))
    for i, (subj, flags) in enumerate([("Roadmap", "\\Seen"),
                                       ("Release checklist", ""),
                                       ("Bug: resize glitch",
                                        "\\Flagged")]):
        add("Projects/crispin", flags, _date(18 + i), _msg(
            65 + i, "Linus <linus@example.com>", ME, subj, _date(18 + i),
            "%s: details inside.\n" % subj))
    return out


def expected_counts():
    """{folder: (total, unseen)} for every folder in FOLDERS."""
    counts = {f: [0, 0] for f in FOLDERS}
    for m in messages():
        counts[m.folder][0] += 1
        if "\\Seen" not in m.flags:
            counts[m.folder][1] += 1
    return {f: tuple(c) for f, c in counts.items()}


def populate(dc, user):
    """Creates every folder and delivers every sample into a running
    dovecot.Dovecot instance for user."""
    for f in FOLDERS:
        if f != "INBOX":
            dc.create_folder(user, f)
    for m in messages():
        dc.deliver(user, m.folder, m.raw, flags=m.flags,
                   date=m.date.timestamp())


def write_maildir(root, uid=None, gid=None):
    """Writes the samples as a Maildir++ tree under root (no server)."""
    from dovecot import MAILDIR_FLAGS, mutf7_encode
    seq = 0
    for folder in FOLDERS:
        path = root if folder == "INBOX" else os.path.join(
            root, "." + mutf7_encode(folder).replace("/", "."))
        for sub in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(path, sub), exist_ok=True)
    for m in messages():
        seq += 1
        folder = m.folder
        path = root if folder == "INBOX" else os.path.join(
            root, "." + mutf7_encode(folder).replace("/", "."))
        letters = "".join(sorted(MAILDIR_FLAGS[f.lower()] for f in m.flags))
        when = int(m.date.timestamp())
        name = "%d.M%dP0.crispin-sample,S=%d:2,%s" % (when, seq, len(m.raw),
                                                       letters)
        file = os.path.join(path, "cur", name)
        with open(file, "wb") as f:
            f.write(m.raw)
        os.utime(file, (when, when))
    if uid is not None:
        for dirpath, dirs, files in os.walk(root):
            os.chown(dirpath, uid, gid)
            for n in files:
                os.chown(os.path.join(dirpath, n), uid, gid)

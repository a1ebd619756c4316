#!/usr/bin/env python3
"""The MIME writer read by an independent parser: messages composed by
tests/unit/compose-tool (mime_compose_write) are parsed with Python's
email package (policy=email.policy.default), which must report no defects
and give back exactly the subject, addresses, display names, body text,
attachment bytes and file names that went in; every line within the RFC
limits, and no value able to add a header line of its own."""

import email
import email.parser
import email.policy
import os
import subprocess
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from crispintest import Suite  # noqa: E402

T = Suite(__file__)


def tool_path():
    build = os.environ.get("CRISPIN_BUILDDIR") or os.path.dirname(T.crispin_path)
    return os.path.join(build, "tests", "unit", "compose-tool")


def hexval(v):
    if isinstance(v, str):
        v = v.encode("utf-8")
    return v.hex()


def spec_text(fields=(), attachments=(), flags=()):
    lines = []
    for k, v in fields:
        lines.append("%s %s" % (k, hexval(v)))
    for f in flags:
        lines.append(f)
    for att in attachments:
        lines.append("attach")
        for k, v in att:
            lines.append(k if v is None else "%s %s" % (k, hexval(v)))
    return "\n".join(lines) + "\n"


def run_tool(args, spec, env=None):
    r = subprocess.run([tool_path()] + args, input=spec.encode(),
                       capture_output=True, timeout=60,
                       env=dict(os.environ, TZ="UTC", **(env or {})))
    err = r.stderr.decode("utf-8", "replace")
    T.expect("Sanitizer" not in err and "runtime error" not in err,
             "sanitizer report: %s" % err)
    return r, err


def compose(fields=(), attachments=(), flags=(), env=None, expect_ok=True):
    """Runs the tool; fields and attachment entries are (key, value)
    pairs (value None: a bare key), flags bare keys. Returns the raw
    message (bytes), or the error text when expect_ok is False."""
    r, err = run_tool([], spec_text(fields, attachments, flags), env)
    if not expect_ok:
        T.expect(r.returncode == 1, "expected an error, got exit %d" %
                 r.returncode)
        return err
    T.expect(r.returncode == 0, "compose-tool: exit %d: %s" %
             (r.returncode, err))
    check_lines(r.stdout)
    return r.stdout


def compose_many(specs):
    """Composes many messages in one run of the tool: specs are
    (fields, flags) pairs. Returns the raw messages."""
    text = "\n---\n".join(spec_text(f, (), fl) for f, fl in specs)
    r, err = run_tool(["--batch"], text)
    T.expect(r.returncode == 0, "compose-tool --batch: exit %d: %s" %
             (r.returncode, err))
    out, pos = [], 0
    data = r.stdout
    while pos < len(data):
        nl = data.index(b"\n", pos)
        status, n = data[pos:nl].split()
        body = data[nl + 1:nl + 1 + int(n)]
        T.expect(status == b"ok", "compose failed: %r" % body)
        check_lines(body)
        out.append(body)
        pos = nl + 1 + int(n) + 1
    T.expect_eq(len(out), len(specs), "messages from --batch")
    return out


def check_lines(raw, header_max=78):
    """CRLF everywhere, no line over 998 octets, header lines within 78
    unless a single word is longer."""
    T.expect(b"\r\n" in raw, "no CRLF at all")
    lines = raw.split(b"\r\n")
    T.expect(all(b"\n" not in ln and b"\r" not in ln for ln in lines),
             "a bare CR or LF in the message")
    in_header = True
    for ln in lines:
        T.expect(len(ln) <= 998, "line of %d octets" % len(ln))
        if in_header:
            if ln == b"":
                in_header = False
                continue
            value = ln if ln[:1] in (b" ", b"\t") else ln.split(b":", 1)[1]
            if len(ln) > header_max:
                T.expect(b" " not in value.strip(),
                         "header line of %d could have been folded: %r" %
                         (len(ln), ln))


def parse(raw, utf8=False):
    pol = email.policy.default
    if utf8:
        msg = email.parser.Parser(policy=pol).parsestr(raw.decode("utf-8"))
    else:
        msg = email.parser.BytesParser(policy=pol).parsebytes(raw)
    for part in msg.walk():
        T.expect(not part.defects, "defects %r in %s" % (
            part.defects, part.get_content_type()))
        for name, value in part.items():
            T.expect(not getattr(value, "defects", ()),
                     "defects in %s: %r (%r)" % (name, value.defects,
                                                str(value)))
    return msg


def basic(**more):
    fields = [("from", "Ann Sender <ann@example.org>"),
              ("to", "bob@example.org")]
    for k, v in more.items():
        fields.append((k, v))
    return fields


def body_text(msg):
    part = msg.get_body(preferencelist=("plain",))
    return part.get_content().replace("\r\n", "\n")


def unflow(text):
    """RFC 3676 (DelSp=no): unstuff, then join lines ending in a space."""
    out = []
    cur = ""
    for line in text.split("\n")[:-1]:
        if line.startswith(" "):
            line = line[1:]
        if line.endswith(" ") and line != "-- ":
            cur += line
        else:
            out.append(cur + line)
            cur = ""
    return "\n".join(out) + "\n"


# Subjects of every length around the 75-character encoded-word limit,
# in every script: each must come back exactly.
PIECES = ["\u00e9", "\u65e5\u672c", "\U0001F600", "a", "x y", "\u0416\u0436",
          "\u00fc\u00df "]


def subjects():
    out = []
    for i, first in enumerate(PIECES):
        s = ""
        n = 0
        while len(s.encode()) < 170:
            s += PIECES[(i + n) % len(PIECES)]
            n += 1
            if s.strip() == s:
                out.append(s)
    return out


@T.case("subjects in every script and length come back exactly")
def _():
    all_ = subjects()
    T.expect(len(all_) > 250, "%d subjects" % len(all_))
    for s, raw in zip(all_, compose_many([(basic(subject=s, body="x\n"), ())
                                          for s in all_])):
        msg = parse(raw)
        T.expect_eq(str(msg["subject"]), s, "subject")
        header = raw.split(b"\r\n\r\n", 1)[0]
        T.expect(all(b < 0x80 for b in header), "8-bit header bytes")


@T.case("ASCII-only subjects stay readable, encoded-word look-alikes do not decode")
def _():
    for s in ["Hello world", "Re: [list] a  b", "=?utf-8?q?not=20a_word?=",
              "x" * 200, " ".join(["word"] * 120), "caf\u00e9 " + "y" * 1100]:
        raw = compose(basic(subject=s, body="x\n"))
        T.expect_eq(str(parse(raw)["subject"]), s, "subject")
    raw = compose(basic(subject="Hello world", body="x\n"))
    T.expect(b"\r\nSubject: Hello world\r\n" in raw, "plain subject kept")


@T.case("CR and LF in a subject cannot add a header line")
def _():
    raw = compose(basic(subject="Hi\r\nBcc: victim@example.org\nX-Evil: 1",
                        body="x\n"))
    msg = parse(raw)
    T.expect(msg["bcc"] is None and msg["x-evil"] is None,
             "an injected header appeared")
    T.expect_eq(str(msg["subject"]),
                "Hi  Bcc: victim@example.org X-Evil: 1", "subject")


NAMES = [
    "Ann Example",
    "Doe, John",
    "O'Brien \"The Boss\"",
    "back\\slash",
    "J\u00fcrgen M\u00fcller",
    "M\u00fcller, Hans (Vertrieb)",
    "\u5c71\u7530 \u592a\u90ce",
    "\U0001F600 Smiley",
    "\u0416\u0435\u043d\u044f \"\u0416\" \u041f\u0435\u0442\u0440\u043e\u0432",
    "A very long display name that by itself is longer than one header line "
    "could be",
    "Lang\u00e9 " * 20,
]


def quoted(name):
    return '"%s"' % name.replace("\\", "\\\\").replace('"', '\\"')


@T.case("display names with quotes, commas and non-ASCII come back exactly")
def _():
    for utf8 in (False, True):
        to = ", ".join("%s <user%d@example.org>" % (quoted(n.strip()), i)
                       for i, n in enumerate(NAMES))
        fields = [("from", "%s <me@example.org>" % quoted(NAMES[4])),
                  ("to", to), ("cc", "plain@example.org"),
                  ("reply_to", "%s <r@example.org>" % quoted(NAMES[1])),
                  ("subject", "names"), ("body", "x\n")]
        raw = compose(fields, flags=["smtputf8"] if utf8 else [])
        msg = parse(raw, utf8=utf8)
        got = [(a.display_name, a.addr_spec) for a in msg["to"].addresses]
        want = [(n.strip(), "user%d@example.org" % i)
                for i, n in enumerate(NAMES)]
        if not utf8:
            # A name needing more than one encoded word: Python keeps the
            # blank between adjacent encoded words in a phrase, which RFC
            # 2047 6.2 says to drop; compare that one without blanks.
            T.expect_eq("".join(got[-1][0].split()),
                        "".join(want[-1][0].split()), "long name")
            got, want = got[:-1], want[:-1]
        T.expect_eq(got, want, "To (smtputf8=%s)" % utf8)
        T.expect_eq(msg["from"].addresses[0].display_name, NAMES[4], "From")
        T.expect_eq(msg["reply-to"].addresses[0].display_name, NAMES[1],
                    "Reply-To")
        T.expect_eq(msg["cc"].addresses[0].addr_spec, "plain@example.org",
                    "Cc")
        if utf8:
            T.expect("\u5c71\u7530".encode() in raw, "SMTPUTF8 keeps UTF-8 raw")


@T.case("groups, Bcc only when kept, and unreadable addresses refused")
def _():
    fields = basic(subject="g", body="x\n")
    fields[1] = ("to", "Team: a@x.org, \u00c4nne <b@x.org>;, c@x.org")
    fields.append(("bcc", "hidden@example.org"))
    msg = parse(compose(fields))
    T.expect_eq([g.display_name for g in msg["to"].groups],
                ["Team", None], "groups")
    T.expect_eq(msg["to"].groups[0].addresses[1].display_name, "\u00c4nne",
                "group member name")
    T.expect(msg["bcc"] is None, "Bcc on the wire")
    msg = parse(compose(fields, flags=["keep_bcc"]))
    T.expect_eq(str(msg["bcc"]), "hidden@example.org", "kept Bcc")
    msg = parse(compose(basic(body="x\n") + [("cc",
                                              "undisclosed-recipients:;")]))
    T.expect_eq(msg["cc"].groups[0].display_name, "undisclosed-recipients",
                "empty group")
    err = compose(basic(body="x\n") + [("cc", "not an address")],
                  expect_ok=False)
    T.expect("not an address" in err and "Cc" in err, "error: %r" % err)


BODIES = [
    ("empty", ""),
    ("ascii", "Hello,\n\nthis is a test.\n"),
    ("no final newline", "no newline at the end"),
    ("From and dots", "From the start\n.\n..\n.leading dot\nFrom again\n"),
    ("latin", "Gr\u00fc\u00dfe aus K\u00f6ln\n"),
    ("cjk", "\u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8\u3067\u3059\u3002\n" * 30),
    ("emoji", "\U0001F600 \U0001F680 done\n"),
    ("long ascii line", "x" * 3000 + "\nshort\n"),
    ("long utf-8 line", ("\u00e9" * 700) + "\n"),
    ("trailing blanks", "blank at end   \ntab\t\n"),
    ("equals and soft breaks", ("a=b " * 40) + "\n"),
    ("crlf typed", "one\r\ntwo\r\n"),
]


@T.case("body text comes back exactly in 7bit, 8bit, QP or base64")
def _():
    for allow in (False, True):
        for name, text in BODIES:
            raw = compose(basic(subject=name, body=text),
                          flags=["allow_8bit"] if allow else [])
            msg = parse(raw)
            want = text.replace("\r\n", "\n")
            if want and not want.endswith("\n"):
                want += "\n"
            T.expect_eq(body_text(msg), want, "%s (8bit=%s)" % (name, allow))
            T.expect(not msg.is_multipart(), "%s: single part" % name)
            cte = msg["content-transfer-encoding"]
            charset = msg.get_content_charset()
            ascii_ = all(ord(c) < 128 for c in text)
            T.expect_eq(charset, "us-ascii" if ascii_ else "utf-8",
                        "%s: charset" % name)
            longest = max(len(ln.encode()) for ln in want.split("\n"))
            if longest > 998:
                T.expect(cte in ("quoted-printable", "base64"),
                         "%s: %s for a line over 998" % (name, cte))
            elif ascii_:
                T.expect_eq(cte, "7bit", "%s: encoding" % name)
            elif allow:
                T.expect_eq(cte, "8bit", "%s: encoding" % name)
            else:
                T.expect(cte in ("quoted-printable", "base64"),
                         "%s: %s without 8BITMIME" % (name, cte))
            if not allow:
                T.expect(all(b < 0x80 for b in raw), "%s: 8-bit bytes" % name)


@T.case("format=flowed: stuffing, trailing blanks, long lines rejoin")
def _():
    text = ("From the start\n>not a quote\n indented\ntrailing   \n-- \nsig\n" +
            "lorem ipsum " * 30 + "end\n")
    raw = compose(basic(subject="flowed", body=text), flags=["flowed"])
    msg = parse(raw)
    T.expect_eq(msg.get_param("format"), "flowed", "format parameter")
    got = body_text(msg)
    T.expect(all(len(ln) <= 78 for ln in got.split("\n")), "lines within 78")
    T.expect(not any(ln.startswith("From ") for ln in got.split("\n")),
             "unstuffed From line:\n" + got)
    # A '>' line is a quote to a flowed reader: never stuffed.
    T.expect(">not a quote" in got.split("\n"),
             "the quote line was stuffed:\n" + got)
    want = text.replace("trailing   ", "trailing")
    T.expect_eq(unflow(got), want, "flowed text")


@T.case("attachments: every byte, text, non-ASCII and long file names")
def _():
    every = bytes(range(256)) * 3
    text_path = T.path("notes.txt")
    with open(text_path, "wb") as f:
        f.write(b"line one\nline two\n")
    inner_path = T.path("forwarded.eml")
    with open(inner_path, "wb") as f:
        f.write("From: =?utf-8?q?Zo=C3=AB?= <z@example.org>\nSubject: "
                "inner =?utf-8?q?=C3=A9?=\nContent-Type: text/plain; "
                "charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n"
                "caf\u00e9\n".encode())
    long_name = "quarterly report " * 6 + ".pdf"
    atts = [
        [("data", every), ("filename", "every byte.bin")],
        [("path", text_path), ("filename", "r\u00e9sum\u00e9 \u65e5\u672c.txt"),
         ("description", "Lebenslauf f\u00fcr dich")],
        [("data", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"), ("filename", long_name)],
        [("data", b"\x89PNG\r\n\x1a\n" + bytes(40)), ("filename",
                                                     "\U0001F600.png"),
         ("inline", None)],
        [("data", "\u00e9t\u00e9\n".encode("latin-1")),
         ("type", "text/plain; charset=iso-8859-1"), ("filename", "latin1.txt")],
        [("path", inner_path), ("type", "message/rfc822")],
    ]
    raw = compose(basic(subject="files", body="see attached\n"),
                  attachments=atts)
    msg = parse(raw)
    T.expect_eq(msg.get_content_type(), "multipart/mixed", "type")
    T.expect_eq(body_text(msg), "see attached\n", "body")
    parts = list(msg.iter_attachments())
    T.expect_eq(len(parts), 6, "attachments")
    T.expect_eq(parts[0].get_filename(), "every byte.bin", "name 0")
    T.expect_eq(parts[0].get_payload(decode=True), every, "every byte")
    T.expect_eq(parts[0]["content-transfer-encoding"], "base64", "binary cte")
    T.expect_eq(parts[1].get_filename(), "r\u00e9sum\u00e9 \u65e5\u672c.txt",
                "non-ASCII name")
    T.expect_eq(str(parts[1]["content-description"]),
                "Lebenslauf f\u00fcr dich", "description")
    T.expect_eq(parts[1].get_content_type(), "text/plain", "text type")
    T.expect_eq(parts[1].get_content().replace("\r\n", "\n"),
                "line one\nline two\n", "text attachment")
    T.expect_eq(parts[2].get_filename(), long_name, "long name")
    T.expect_eq(parts[2].get_content_type(), "application/pdf", "pdf guessed")
    T.expect_eq(parts[3].get_filename(), "\U0001F600.png", "emoji name")
    T.expect_eq(parts[3].get_content_disposition(), "inline", "inline")
    T.expect_eq(parts[3].get_content_type(), "image/png", "png guessed")
    T.expect_eq(parts[4].get_content_charset(), "iso-8859-1", "given charset")
    T.expect_eq(parts[4].get_content().replace("\r\n", "\n"), "\u00e9t\u00e9\n",
                "latin-1 text")
    T.expect(parts[5]["content-transfer-encoding"] in ("7bit", "8bit"),
             "message/rfc822 is never encoded")
    inner = parts[5].get_content()
    T.expect_eq(inner["subject"], "inner \u00e9", "forwarded subject")
    T.expect_eq(inner.get_content().replace("\r\n", "\n"), "caf\u00e9\n",
                "forwarded text")
    T.expect_eq(parts[5].get_filename(), os.path.basename(inner_path),
                "forwarded name")
    boundary = msg.get_boundary()
    T.expect(raw.count(b"--" + boundary.encode()) == 8,
             "boundary occurs only as delimiters")
    again = parse(compose(basic(subject="files", body="see attached\n"),
                          attachments=atts)).get_boundary()
    T.expect(again != boundary, "the boundary is fresh each time")


@T.case("attachments without a body, and a file that cannot be read")
def _():
    raw = compose(basic(subject="only"), attachments=[[("data", b"\0\1\2"),
                                                       ("filename", "x")]])
    msg = parse(raw)
    T.expect_eq(len(list(msg.iter_parts())), 1, "no empty text part")
    missing = os.path.join(T.workdir, "no such file.pdf")
    err = compose(basic(subject="x", body="x\n"),
                  attachments=[[("path", missing)]], expect_ok=False)
    T.expect(missing in err, "error names the file: %r" % err)


@T.case("Date, Message-ID, MIME-Version always; references folded")
def _():
    refs = " ".join("<id%d.part@host.example.org>" % i for i in range(30))
    raw = compose(basic(subject="r", body="x\n") +
                  [("in_reply_to", "<parent@example.org>"),
                   ("references", refs), ("date", "1700000000"),
                   ("header", "X-Extra: caf\u00e9 \u00e0 la carte"),
                   ("user_agent", "crispin/test")])
    msg = parse(raw)
    T.expect_eq(str(msg["date"]), "Tue, 14 Nov 2023 22:13:20 +0000", "Date")
    T.expect_eq(msg["mime-version"], "1.0", "MIME-Version")
    T.expect(str(msg["message-id"]).endswith("@example.org>"),
             "Message-ID domain: %s" % msg["message-id"])
    T.expect_eq(" ".join(str(msg["references"]).split()), refs, "References")
    T.expect_eq(str(msg["in-reply-to"]), "<parent@example.org>", "In-Reply-To")
    T.expect_eq(str(msg["x-extra"]), "caf\u00e9 \u00e0 la carte", "extra header")
    T.expect_eq(str(msg["user-agent"]), "crispin/test", "User-Agent")
    ids = {str(parse(compose(basic(body="x\n")))["message-id"])
           for _ in range(3)}
    T.expect_eq(len(ids), 3, "fresh Message-IDs")
    err = compose(basic(body="x\n") + [("header", "Content-Type: text/html")],
                  expect_ok=False)
    T.expect("Content-Type" in err, "reserved header refused: %r" % err)


@T.case("content types from ~/.mime.types, magic numbers and text")
def _():
    home = os.path.join(T.workdir, "guesshome")
    os.makedirs(home, exist_ok=True)
    with open(os.path.join(home, ".mime.types"), "w") as f:
        f.write("# test\napplication/x-crispin-test  crt\n")
    cases = [("a.crt", b"anything", "application/x-crispin-test"),
             ("noext", b"%PDF-1.7\n", "application/pdf"),
             ("noext", b"GIF89a....", "image/gif"),
             ("noext", "gr\u00fc\u00df\n".encode(), "text/plain"),
             ("noext", b"\x00\x01\x02", "application/octet-stream")]
    for name, data, want in cases:
        p = T.path("guess")
        with open(p, "wb") as f:
            f.write(data)
        r = subprocess.run([tool_path(), "--guess", name, p],
                           capture_output=True, timeout=30,
                           env=dict(os.environ, HOME=home))
        T.expect_eq(r.stdout.decode().strip(), want, "type of %s %r" %
                    (name, data[:10]))


if __name__ == "__main__":
    if not os.access(tool_path(), os.X_OK):
        print("FAIL - setup: %s is not built (make check builds it)" %
              tool_path())
        print("0 passed, 1 failed")
        sys.exit(1)
    T.main(need_crispin=False)

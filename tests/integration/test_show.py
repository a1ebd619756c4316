#!/usr/bin/env python3
"""crispin show, parts and save against Dovecot: parts --json agrees with
the server's BODYSTRUCTURE for every message of tests/data/mime; save
writes exactly the decoded attachment (decoded here, independently);
show of a message with a 20 MB attachment receives the header and the
text part only; escape sequences from a message never reach stdout;
--raw is the message as stored; a second show is served by the cache."""

import base64
import glob
import imaplib
import json
import os
import quopri
import random
import re
import ssl
import subprocess
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from crispintest import Suite, account_rc  # noqa: E402
from dovecot import Dovecot  # noqa: E402

T = Suite(__file__)
SRCDIR = os.environ.get("CRISPIN_SRCDIR") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..")
CORPUS = sorted(glob.glob(os.path.join(SRCDIR, "tests", "data", "mime",
                                       "*.eml")))
USER = "alice"
dc = None
imap = None
BIG_TEXT = ("This is the short text of a message that carries a big "
            "attachment.\r\nOnly this should travel.\r\n")
BIG_DATA = None


EVIL_NAME = (b"From: a@example.org\r\nSubject: names\r\nMIME-Version: 1.0\r\n"
             b"Content-Type: multipart/mixed; boundary=b\r\n\r\n"
             b"--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"
             b"--b\r\nContent-Type: text/plain\r\n"
             b"Content-Disposition: attachment; filename=\"../.evil/x.txt\"\r\n"
             b"Content-Transfer-Encoding: base64\r\n\r\n"
             b"c2FmZQ==\r\n--b--\r\n")


def big_message():
    att = base64.encodebytes(BIG_DATA).replace(b"\n", b"\r\n")
    return (b"From: Big <big@example.org>\r\n"
            b"To: alice@example.org\r\n"
            b"Subject: the report\r\n"
            b"Message-ID: <big@example.org>\r\n"
            b"MIME-Version: 1.0\r\n"
            b"Content-Type: multipart/mixed; boundary=\"XX\"\r\n\r\n"
            b"--XX\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n" +
            BIG_TEXT.encode() +
            b"--XX\r\nContent-Type: application/pdf; name=\"report.pdf\"\r\n"
            b"Content-Disposition: attachment; filename=\"report.pdf\"\r\n"
            b"Content-Transfer-Encoding: base64\r\n\r\n" + att +
            b"--XX--\r\n")


def setup():
    global dc, imap, BIG_DATA
    rnd = random.Random(4)
    BIG_DATA = bytes(rnd.getrandbits(8) for _ in range(20 * 1024 * 1024))
    dc = Dovecot().start()
    dc.create_folder(USER, "mime")
    dc.create_folder(USER, "big")
    for path in CORPUS:
        with open(path, "rb") as f:
            dc.deliver(USER, "mime", f.read())
    dc.deliver(USER, "big", big_message())
    dc.create_folder(USER, "names")
    dc.deliver(USER, "names", EVIL_NAME)
    ctx = ssl.create_default_context(cafile=dc.ca_file)
    ctx.check_hostname = False
    imap = imaplib.IMAP4_SSL(dc.host, dc.imaps_port, ssl_context=ctx)
    imap.login(USER, dc.users[USER])


def teardown():
    if imap is not None:
        try:
            imap.logout()
        except Exception:
            pass
    if dc:
        dc.stop()


def rc(**more):
    opts = {"cache_dir": os.path.join(T.workdir, "cache"),
            "mailcap_path": os.path.join(T.workdir, "no-mailcap")}
    opts.update(more)
    return account_rc(dc, **opts)


# -- IMAP data read independently of crispin ---------------------------------

def fetch(folder, uid, items):
    """The FETCH response of one message, literals put back in place."""
    imap.select(folder, readonly=True)
    typ, data = imap.uid("FETCH", str(uid), items)
    T.expect(typ == "OK" and data and data[0], "FETCH %s: %r" % (items, data))
    raw = b""
    for item in data:
        if isinstance(item, tuple):
            raw += item[0] + b"\r\n" + item[1]
        elif item is not None:
            raw += item
    return raw


def parse_list(data, i):
    """An IMAP parenthesised list at data[i] == '(': (items, next index).
    Strings are bytes, NIL is None, lists are lists."""
    out = []
    i += 1
    while True:
        while data[i:i + 1] == b" ":
            i += 1
        c = data[i:i + 1]
        if c == b")":
            return out, i + 1
        if c == b"(":
            v, i = parse_list(data, i)
        elif c == b'"':
            j, v = i + 1, b""
            while data[j:j + 1] != b'"':
                if data[j:j + 1] == b"\\":
                    j += 1
                v += data[j:j + 1]
                j += 1
            i = j + 1
        elif c == b"{":
            j = data.index(b"}", i)
            n = int(data[i + 1:j])
            i = j + 3
            v, i = data[i:i + n], i + n
        else:
            m = re.compile(rb"[^ ()]+").match(data, i)
            v, i = m.group(0), m.end()
            if v.upper() == b"NIL":
                v = None
        out.append(v)


def bodystructure(folder, uid):
    raw = fetch(folder, uid, "(BODYSTRUCTURE)")
    i = raw.index(b"BODYSTRUCTURE ") + len(b"BODYSTRUCTURE ")
    return parse_list(raw, i)[0]


def s(v):
    return v.decode("utf-8", "replace").lower() if v is not None else None


def children(b):
    """A multipart's parts: the lists before its subtype."""
    kids = []
    for x in b:
        if not isinstance(x, list):
            break
        kids.append(x)
    return kids


def is_placeholder(b):
    """A multipart the server could not split: one empty text/plain."""
    if not isinstance(b[0], list):
        return False
    kids = children(b)
    if len(kids) != 1 or isinstance(kids[0][0], list):
        return False
    k = kids[0]
    return s(k[0]) == "text" and s(k[1]) == "plain" and int(k[6]) == 0


def walk(b, spec, out, under_message=False):
    """(part, type, size) in crispin's order and numbering."""
    if isinstance(b[0], list):
        if is_placeholder(b):
            if under_message:
                spec += ".TEXT"
            out.append((spec or "TEXT", "text/plain", None))
            return
        kids = children(b)
        sub = s(b[len(kids)])
        out.append((spec, "multipart/" + sub, None))
        for n, k in enumerate(kids, 1):
            walk(k, str(n) if spec == "" else "%s.%d" % (spec, n), out)
        return
    typ = "%s/%s" % (s(b[0]), s(b[1]))
    out.append((spec, typ, int(b[6])))
    if s(b[0]) == "message" and s(b[1]) in ("rfc822", "global") and \
            s(b[5]) in ("7bit", "8bit", "binary") and len(b) > 8:
        inner = b[8]
        if isinstance(inner[0], list):
            walk(inner, spec, out, under_message=True)
        else:
            walk(inner, spec + ".1", out)


def server_parts(folder, uid):
    b = bodystructure(folder, uid)
    out = []
    walk(b, "" if isinstance(b[0], list) else "1", out)
    return out


def trace_in(trace):
    """Bytes the server sent from the trace's S: lines, counted from the
    end of EXAMINE: what showing the message cost, beyond connecting,
    logging in and selecting, which cost the same whatever is shown."""
    lines = trace.split("\n")
    start = None
    for n, l in enumerate(lines):
        if re.match(r"^S: \S+ OK \[READ-ONLY\]", l):
            start = n + 1
            break
    T.expect(start is not None, "no EXAMINE in the trace")
    total = 0
    for l in lines[start:]:
        if l.startswith("S: "):
            total += len(l) - 3 + 1
    return total


# -- cases ---------------------------------------------------------------------

def make_parts_case(uid, path):
    name = os.path.basename(path)

    @T.case("%s: parts --json agrees with BODYSTRUCTURE" % name)
    def _():
        r = T.crispin("parts", "-f", "mime", str(uid), "--json", rc=rc())
        T.expect_code(r, 0)
        got = [json.loads(l) for l in r.out.splitlines() if l.strip()]
        for o in got:
            T.expect(set(o) >= {"part", "type", "charset", "encoding", "size",
                                "filename", "disposition", "description"},
                     "keys of %r" % o)
        want = server_parts("mime", uid)
        T.expect_eq([(o["part"], o["type"]) for o in got],
                    [(p, t) for p, t, _ in want], "parts and types")
        for o, (p, t, size) in zip(got, want):
            if size is not None:
                T.expect_eq(o["size"], size, "size of part %s" % p)


def decode_part(data, enc):
    enc = (enc or "7bit").lower()
    if enc == "base64":
        return base64.b64decode(re.sub(rb"[^A-Za-z0-9+/]", b"", data) +
                                b"==", validate=False) if data else b""
    if enc == "quoted-printable":
        return quopri.decodestring(data)
    return data


def make_save_case(uid, path):
    name = os.path.basename(path)

    @T.case("%s: save writes every base64/QP leaf part decoded" % name)
    def _():
        r = T.crispin("parts", "-f", "mime", str(uid), "--json", rc=rc(),
                      trace=False)
        T.expect_code(r, 0)
        n = 0
        for o in (json.loads(l) for l in r.out.splitlines() if l.strip()):
            if o["encoding"] not in ("base64", "quoted-printable") or \
                    o["type"].startswith(("multipart/", "message/")):
                continue
            raw = fetch("mime", uid, "(BODY.PEEK[%s])" % o["part"])
            body = raw[raw.index(b"}\r\n") + 3:] if b"}\r\n" in raw else b""
            body = body[:o["size"]]
            want = decode_part(body, o["encoding"])
            out = T.path("saved")
            s = T.crispin("save", "-f", "mime", str(uid), o["part"],
                          "-o", out, rc=rc(), trace=False)
            T.expect_code(s, 0)
            with open(out, "rb") as f:
                got = f.read()
            if name.startswith("broken") and got != want:
                continue    # tolerant decoders may read junk differently
            T.expect(got == want, "part %s: %d bytes saved, %d decoded here"
                     % (o["part"], len(got), len(want)))
            T.expect_eq(os.stat(out).st_mode & 0o777, 0o600, "file mode")
            n += 1


for n, p in enumerate(CORPUS, 1):
    make_parts_case(n, p)
    make_save_case(n, p)


@T.case("show of a message with a 20 MB attachment fetches only the text")
def _():
    r = T.crispin("show", "-f", "big", "1", rc=rc(body_cache_size="0"))
    T.expect_code(r, 0)
    T.expect("Only this should travel." in r.out, "text missing: %r" % r.out)
    T.expect(re.search(r"\[-- attachment 2: report\.pdf, application/pdf, "
                       r"20 MB: crispin save -f big 1 2 --\]", r.out),
             "no attachment line: %r" % r.out[-400:])
    header = fetch("big", 1, "(BODY.PEEK[HEADER])")
    header_len = len(header[header.index(b"}\r\n") + 3:])
    got = trace_in(r.trace)
    limit = header_len + len(BIG_TEXT) + 1024
    T.expect(got <= limit, "received %d bytes after EXAMINE, limit %d "
             "(header %d + text %d + 1 KB)" % (got, limit, header_len,
                                              len(BIG_TEXT)))
    T.expect("BODY[2]" not in r.trace and "BINARY[2]" not in r.trace,
             "the attachment was fetched")


@T.case("save streams the 20 MB attachment byte-identical in partial fetches")
def _():
    out = T.path("report.pdf")
    r = T.crispin("save", "-f", "big", "1", "2", "-o", out,
                  rc=rc(body_cache_size="0"), timeout=240)
    T.expect_code(r, 0)
    with open(out, "rb") as f:
        data = f.read()
    T.expect(data == BIG_DATA, "saved %d bytes, want %d identical" %
             (len(data), len(BIG_DATA)))
    partial = re.findall(r"^C: \S+ UID FETCH 1 \(UID (?:BODY|BINARY)\.PEEK"
                         r"\[2\]<(\d+)\.(\d+)>\)", r.trace, re.M)
    T.expect(len(partial) >= 20, "partial fetches: %r" % partial[:5])
    T.expect(all(int(n) <= 1024 * 1024 for _, n in partial), "chunks %r" %
             partial[:3])


def max_rss_kb(*args):
    """Peak resident memory of one crispin run, in KB (freed memory is
    not kept in AddressSanitizer's quarantine, so the peak is real)."""
    env = T.env()
    env["ASAN_OPTIONS"] = ":".join(filter(None, [env.get("ASAN_OPTIONS"),
                                                 "quarantine_size_mb=0"]))
    code = ("import resource, subprocess, sys\n"
            "r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)\n"
            "print(r.returncode, resource.getrusage("
            "resource.RUSAGE_CHILDREN).ru_maxrss)\n")
    r = subprocess.run([sys.executable, "-c", code, T.crispin_path, "-F",
                        T.write_rc(rc(body_cache_size="0"))] + list(args),
                       capture_output=True, text=True, env=env,
                       cwd=T.workdir, timeout=240)
    code, kb = r.stdout.split()
    T.expect(code == "0", "crispin %s: exit %s: %s" % (args, code,
                                                      r.stderr[-500:]))
    return int(kb)


@T.case("saving the 20 MB attachment takes no more memory than listing parts")
def _():
    base = max_rss_kb("parts", "-f", "big", "1")
    peak = max_rss_kb("save", "-f", "big", "1", "2", "-o", T.path("m.pdf"))
    T.expect(peak < base + 8 * 1024, "save peaked at %d KB, parts at %d KB"
             % (peak, base))
    peak = max_rss_kb("show", "-f", "big", "1", "--raw")
    T.expect(peak < base + 8 * 1024, "show --raw peaked at %d KB, parts at "
             "%d KB" % (peak, base))


@T.case("save refuses to overwrite, names files safely, -o - writes stdout")
def _():
    out = T.path("exists")
    with open(out, "wb") as f:
        f.write(b"keep")
    r = T.crispin("save", "-f", "big", "1", "1", "-o", out, rc=rc())
    T.expect_code(r, 1)
    T.expect_error_message(r)
    with open(out, "rb") as f:
        T.expect_eq(f.read(), b"keep", "existing file")
    r = T.crispin("save", "-f", "big", "1", "1", "-o", "-", rc=rc())
    T.expect_code(r, 0)
    # The CRLF before a boundary belongs to the boundary.
    T.expect_eq(r.out, BIG_TEXT[:-2], "part 1 on stdout")


@T.case("save names a file from the message safely, in the current directory")
def _():
    r = T.crispin("save", "-f", "names", "1", "2", rc=rc())
    T.expect_code(r, 0)
    T.expect_eq(r.out, "_._.evil_x.txt\n", "name printed")
    path = os.path.join(T.workdir, "_._.evil_x.txt")
    with open(path, "rb") as f:
        T.expect_eq(f.read(), b"safe", "content")
    T.expect_eq(os.stat(path).st_mode & 0o777, 0o600, "file mode")
    T.expect(not os.path.exists(os.path.join(T.workdir, "..", ".evil")),
             "a directory outside was used")
    again = T.crispin("save", "-f", "names", "1", "2", rc=rc())
    T.expect_code(again, 1)
    T.expect("already exists" in again.err, again.err)
    forced = T.crispin("save", "-f", "names", "1", "2", "--force", rc=rc())
    T.expect_code(forced, 0)


@T.case("escape sequences from a message never reach stdout")
def _():
    uid = [os.path.basename(p) for p in CORPUS].index("escapes.eml") + 1
    r = T.crispin("show", "-f", "mime", str(uid), rc=rc(body_cache_size="0"))
    T.expect_code(r, 0)
    raw = fetch("mime", uid, "(BODY.PEEK[])")
    T.expect(b"\x1b" in raw or b"=1B" in raw, "test message lacks ESC")
    for bad in ("\x1b", "\x9b", "\x07", "\x9d"):
        T.expect(bad not in r.out, "%r in stdout: %r" % (bad, r.out))
    T.expect("Invoice" in r.out and "Clear screen" in r.out,
             "subject or body missing: %r" % r.out)
    h = T.crispin("show", "-f", "mime", str(uid), "--headers", rc=rc())
    T.expect_code(h, 0)
    T.expect("\x1b" not in h.out and "\x07" not in h.out, h.out)
    T.expect("Subject: Invoice" in h.out, h.out)


@T.case("HTML goes through mailcap's copiousoutput entry, else built in")
def _():
    uid = [os.path.basename(p) for p in CORPUS].index("html-only.eml") + 1
    r = T.crispin("show", "-f", "mime", str(uid), rc=rc())
    T.expect_code(r, 0)
    T.expect("[1] https://example.com/a?x=1&y=2" in r.out and "<h1>" not in
             r.out, "built-in converter: %r" % r.out)
    mc = T.write("mailcap", "text/html; tr a-z A-Z < %s; copiousoutput\n")
    r = T.crispin("show", "-f", "mime", str(uid), rc=rc(mailcap_path=mc))
    T.expect_code(r, 0)
    T.expect("<H1>THIS WEEK &AMP; NEXT</H1>" in r.out, "mailcap filter "
             "not used: %r" % r.out)
    T.expect("Subject: Newsletter" in r.out, "header: %r" % r.out)


@T.case("show --raw prints the message exactly as the server stores it")
def _():
    for uid in (1, 3, len(CORPUS)):
        r = T.crispin("show", "-f", "mime", str(uid), "--raw", rc=rc())
        T.expect_code(r, 0)
        want = fetch("mime", uid, "(BODY.PEEK[])")
        want = want[want.index(b"}\r\n") + 3:]
        with open(CORPUS[uid - 1], "rb") as f:
            orig = f.read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        got = r.out.encode("utf-8", "surrogateescape")
        T.expect(orig == want[:len(orig)], "server copy differs from file")
        # stdout was decoded as UTF-8; compare what survives that.
        T.expect_eq(got, orig.decode("utf-8", "replace").encode("utf-8"),
                    "raw output of %d" % uid)


@T.case("--raw of the 20 MB message is byte-identical, in chunks")
def _():
    out = T.path("raw.eml")
    r = T.crispin("show", "-f", "big", "1", "--raw", rc=rc(), trace=False,
                  timeout=240)
    T.expect_code(r, 0)
    T.expect(r.out.encode() == big_message(), "raw differs (%d bytes)" %
             len(r.out))


@T.case("a second show is served by the cache: no body fetched")
def _():
    opts = rc(cache_dir=os.path.join(T.workdir, "cache2"))
    uid = [os.path.basename(p) for p in CORPUS].index("nested.eml") + 1
    first = T.crispin("show", "-f", "mime", str(uid), rc=opts)
    T.expect_code(first, 0)
    T.expect(re.search(r"^S: .*BODY\[", first.trace, re.M),
             "first show fetched no body?")
    second = T.crispin("show", "-f", "mime", str(uid), rc=opts)
    T.expect_code(second, 0)
    T.expect_eq(second.out, first.out, "output of the second show")
    T.expect(not re.search(r"^C: .*(BODY|BINARY)", second.trace, re.M),
             "second show fetched: %s" % "\n".join(
                 l for l in second.trace.splitlines() if "FETCH" in l))


@T.case("show --part shows one part; unknown parts and UIDs are errors")
def _():
    r = T.crispin("show", "-f", "big", "1", "--part", "1", rc=rc())
    T.expect_code(r, 0)
    T.expect("Only this should travel." in r.out and "Subject" not in r.out,
             r.out)
    r = T.crispin("show", "-f", "big", "1", "--part", "7", rc=rc())
    T.expect_code(r, 1)
    T.expect("no part 7" in r.err, r.err)
    r = T.crispin("show", "-f", "big", "99", rc=rc())
    T.expect_code(r, 1)
    T.expect("no message with UID 99" in r.err, r.err)
    r = T.crispin("show", rc=rc(), trace=False)
    T.expect_code(r, 2)


if __name__ == "__main__":
    T.main(setup, teardown)

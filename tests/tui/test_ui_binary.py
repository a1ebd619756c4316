#!/usr/bin/env python3
"""BINARY (RFC 3516) in the interface, against Dovecot: the text of a
message and an attachment viewed through mailcap and saved come through
BINARY.PEEK (the trace shows it), byte-identical; a part whose base64 is broken is refused by
the server, then shown and saved through the encoded fallback; when the
link dies on a BINARY fetch, the message is fetched again encoded once
the session has reconnected, and the pager shows its text, not an
error; a save that died so is to be started again, and then works."""

import base64
import os
import random
import re
import sys
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from crispintest import Suite, account_rc, rc_text  # noqa: E402
from dovecot import Dovecot  # noqa: E402
from linkproxy import LinkProxy  # noqa: E402
from tuitest import Tui, last_line  # noqa: E402

T = Suite(__file__)
SRCDIR = os.environ.get("CRISPIN_SRCDIR") or os.path.join(HERE, "..", "..")
BROKEN = os.path.join(SRCDIR, "tests", "data", "mime", "broken-encodings.eml")
TEXT = "Hello through BINARY: the text part is base64.\r\n"
dc = None
tui = None
proxy = None
GOOD = None


def attachment_message(subject, data, name):
    att = base64.encodebytes(data).replace(b"\n", b"\r\n")
    text = base64.encodebytes(TEXT.encode()).replace(b"\n", b"\r\n")
    return (b"From: a@example.org\r\nTo: alice@example.org\r\n"
            b"Subject: " + subject.encode() + b"\r\n"
            b"Date: Mon, 02 Mar 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n"
            b"Content-Type: multipart/mixed; boundary=\"B\"\r\n\r\n"
            b"--B\r\nContent-Type: text/plain; charset=utf-8\r\n"
            b"Content-Transfer-Encoding: base64\r\n\r\n" + text +
            b"--B\r\nContent-Type: application/octet-stream\r\n"
            b"Content-Disposition: attachment; filename=\"" + name.encode() +
            b"\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" + att +
            b"--B--\r\n")


def broken_part1():
    with open(BROKEN, "rb") as f:
        raw = f.read()
    m = re.search(rb"base64\n\n(.*?)\n--XyZ", raw, re.S)
    data = re.sub(rb"[^A-Za-z0-9+/]", b"", m.group(1))
    return base64.b64decode(data + b"=" * (-len(data) % 4))


def setup():
    global dc, tui, proxy, GOOD
    GOOD = bytes(random.Random(3516).getrandbits(8) for _ in range(40 * 1024))
    tui = Tui(T)
    dc = Dovecot().start()
    dc.deliver("alice", "INBOX", attachment_message("Good attachment", GOOD,
                                                    "good.bin"))
    with open(BROKEN, "rb") as f:
        dc.deliver("alice", "INBOX", f.read().replace(b"\n", b"\r\n"))
    proxy = LinkProxy("127.0.0.1", dc.imap_port)


def teardown():
    if tui:
        tui.close()
    if proxy:
        proxy.stop()
    if dc:
        dc.stop()


def write_rc(cache, via_proxy=False, mailcap=None):
    opts = account_rc(dc, cache_dir=T.path(cache),
                      mailcap_path=mailcap or T.path("no-mailcap"))
    if via_proxy:
        # Plain IMAP, so that the proxy can see the command to cut on.
        opts.update(keepalive="1", timeout="2", connect_timeout="3",
                    reconnect_max_delay="1", tls="no",
                    allow_plaintext="yes")
        opts.pop("tls_ca_file", None)
        opts["imap_url"] = "imap://alice@127.0.0.1:%d/" % proxy.port
    return T.write("crispinrc-" + cache, rc_text(opts))


def read(path):
    try:
        with open(path, "r", errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def fetches(trace):
    return [l for l in trace.splitlines() if re.match(r"C: \S+ UID FETCH", l)]


def expect_seen_by_policy(t, uid):
    """Bodies are fetched with .PEEK only; \\Seen comes from a STORE."""
    T.expect(not re.search(r"^C: \S+ UID FETCH .*(BODY|BINARY)\[", t, re.M),
             "a fetch that sets \\Seen: %s" % fetches(t))
    T.expect(re.search(r"^C: \S+ UID STORE %d .*\+FLAGS.*\\Seen" % uid, t,
                       re.M), "no STORE of \\Seen for %d" % uid)


def indicator_line():
    for line in tui.screen(escapes=True).splitlines():
        if "\x1b[7m" in line:
            return re.sub(r"\x1b\[[0-9;]*m", "", line)
    return ""


def cursor_to(subject, tries=5):
    tui.wait(lambda s: subject in s, "%r on the screen" % subject)
    for _ in range(tries):
        if subject in indicator_line():
            return
        before = indicator_line()
        tui.keys("j")
        deadline = time.monotonic() + 2
        while indicator_line() == before and time.monotonic() < deadline:
            time.sleep(0.05)
    T.expect(subject in indicator_line(), "the cursor never reached %r:\n%s"
             % (subject, tui.screen()))


def save_current(target, prompt):
    tui.keys("s")
    tui.wait(lambda s: "Save to file: " + prompt in s, "the save prompt")
    tui.keys("C-u")
    tui.text(target)
    tui.keys("Enter")
    tui.wait(lambda s: "Saved " in s, "the save note")


@T.case("a good message: the text, a viewed and a saved attachment come "
        "through BINARY, byte-identical")
def _():
    trace = T.path("trace-good")
    copy = T.path("viewer-copy.bin")
    mailcap = T.write("mailcap-good",
                      "application/octet-stream; cp %%s %s\n" % copy)
    tui.start(write_rc("cache-good", mailcap=mailcap), "--trace " + trace)
    cursor_to("Good attachment")
    tui.keys("Enter")
    tui.wait(lambda s: "Hello through BINARY: the text part is base64." in s,
             "the text")
    T.expect(re.search(r"^C: \S+ UID FETCH \d+ \(UID BINARY\.SIZE\[1\] "
                       r"BINARY\.PEEK\[1\]\)", read(trace), re.M),
             "the text not asked as BINARY: %s" % fetches(read(trace)))
    tui.keys("v")
    tui.wait(lambda s: "good.bin" in indicator_line(), "the attachments view")
    # Viewed through mailcap: the viewer gets the decoded bytes.
    tui.keys("Enter")
    deadline = time.monotonic() + 10
    while read(copy) == "" and time.monotonic() < deadline:
        time.sleep(0.1)
    tui.wait(lambda s: "good.bin" in indicator_line(), "the attachments again")
    with open(copy, "rb") as f:
        T.expect(f.read() == GOOD, "what the viewer got differs")
    target = T.path("good.bin")
    save_current(target, "good.bin")
    with open(target, "rb") as f:
        T.expect(f.read() == GOOD, "the saved attachment differs")
    t = read(trace)
    T.expect(len(re.findall(r"^C: \S+ UID FETCH \d+ \(UID BINARY\.SIZE\[2\] "
                            r"BINARY\.PEEK\[2\]<0\.\d+>\)", t, re.M)) == 2,
             "the view and the save not asked as BINARY: %s" % fetches(t))
    T.expect(not re.search(r"^C: .*BODY\.PEEK\[[12]\]", t, re.M),
             "fetched encoded as well: %s" % fetches(t))
    expect_seen_by_policy(t, 1)
    T.expect_eq(tui.quit(), "EXIT=0", "exit status")


@T.case("broken base64: the server refuses BINARY, the text shows and the "
        "part saves through the encoded fallback")
def _():
    trace = T.path("trace-broken")
    tui.start(write_rc("cache-broken"), "--trace " + trace)
    cursor_to("Broken encodings")
    tui.keys("Enter")
    tui.wait(lambda s: "Hello, broken base64!" in s, "the text")
    t = read(trace)
    T.expect(re.search(r"^C: .*BINARY\.PEEK\[1\]", t, re.M),
             "BINARY was not tried: %s" % fetches(t))
    T.expect(re.search(r"^S: \S+ NO ", t, re.M), "the server did not refuse")
    T.expect(re.search(r"^C: .*BODY\.PEEK\[1\]", t, re.M),
             "no encoded fetch after the refusal: %s" % fetches(t))
    tui.keys("v")
    tui.wait(lambda s: "[multipart/mixed" in s, "the attachments view")
    tui.keys("j")
    tui.wait(lambda s: "[text/plain" in indicator_line(), "part 1")
    target = T.path("broken-1.txt")
    save_current(target, "")
    with open(target, "rb") as f:
        T.expect_eq(f.read(), broken_part1(), "the saved part")
    t = read(trace)
    # The save knew from the store that part 1 is not for BINARY.
    T.expect(re.search(r"^C: .*BODY\.PEEK\[1\]<0\.\d+>", t, re.M),
             "the save did not stream it encoded: %s" % fetches(t))
    T.expect(not re.search(r"^C: .*BINARY\.PEEK\[1\]<", t, re.M),
             "the save tried BINARY again: %s" % fetches(t))
    expect_seen_by_policy(t, 2)
    T.expect_eq(tui.quit(), "EXIT=0", "exit status")


@T.case("the link dies on a BINARY fetch: after the reconnect the message "
        "is fetched encoded and the pager shows its text")
def _():
    trace = T.path("trace-cut")
    tui.start(write_rc("cache-cut", via_proxy=True), "--trace " + trace)
    tui.wait(lambda s: "(live" in last_line(s) and "Good attachment" in s,
             "the index, live")
    cursor_to("Good attachment")
    before = proxy.connections
    proxy.cut_on(r"BINARY\.PEEK\[1\]")
    tui.keys("Enter")
    T.expect(proxy.fired.wait(15), "the BINARY fetch was never sent")
    text = tui.wait(lambda s: "Hello through BINARY: the text part is "
                    "base64." in s, "the text after the reconnect",
                    timeout=30)
    T.expect(proxy.connections > before, "no new connection")
    T.expect("error" not in last_line(text).lower(), last_line(text))
    t = read(trace)
    T.expect(re.search(r"^C: \S+ UID FETCH \d+ \(UID BODY\.PEEK\[1\]\)", t,
                       re.M), "not fetched encoded: %s" % fetches(t))
    # Still the pager: q goes back to the index.
    tui.keys("q")
    tui.wait(lambda s: "Broken encodings" in s and "Hello through" not in s,
             "the index")
    T.expect_eq(tui.quit(), "EXIT=0", "exit status")


@T.case("the link dies on a BINARY save: once reconnected the user is told "
        "to save again, and that save is fetched encoded, byte-identical")
def _():
    trace = T.path("trace-cut-save")
    tui.start(write_rc("cache-cut-save", via_proxy=True), "--trace " + trace)
    tui.wait(lambda s: "(live" in last_line(s) and "Good attachment" in s,
             "the index, live")
    cursor_to("Good attachment")
    tui.keys("Enter")
    tui.wait(lambda s: "Hello through BINARY: the text part is base64." in s,
             "the text")
    tui.keys("v")
    tui.wait(lambda s: "good.bin" in indicator_line(), "the attachments view")
    target = T.path("cut-good.bin")
    proxy.cut_on(r"BINARY\.PEEK\[2\]")
    tui.keys("s")
    tui.wait(lambda s: "Save to file: good.bin" in s, "the save prompt")
    tui.keys("C-u")
    tui.text(target)
    tui.keys("Enter")
    T.expect(proxy.fired.wait(15), "the BINARY fetch was never sent")
    tui.wait(lambda s: "save the part again" in s, "the note once "
             "reconnected", timeout=30)
    T.expect(not os.path.exists(target), "a partial file was left")
    # The pager came back on the message; its attachments again.
    tui.wait(lambda s: "Hello through BINARY" in s, "the pager")
    tui.keys("v")
    tui.wait(lambda s: "good.bin" in indicator_line(), "the attachments view")
    save_current(target, "good.bin")
    with open(target, "rb") as f:
        T.expect(f.read() == GOOD, "the saved attachment differs")
    t = read(trace)
    T.expect(re.search(r"^C: \S+ UID FETCH \d+ \(UID BODY\.PEEK\[2\]<0\.", t,
                       re.M), "the second save not encoded: %s" % fetches(t))
    T.expect_eq(tui.quit(), "EXIT=0", "exit status")


T.main(setup=setup, teardown=teardown)

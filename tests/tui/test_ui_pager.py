#!/usr/bin/env python3
"""The pager, the attachments view and the help screen in tmux against
Dovecot: a multipart message shows its text and a marker for the
attachment; the attachments view lists the parts and saves one
byte-identically; quote levels and the signature get their colours; `/`
finds a word; next-entry moves on without the index; URLs are listed and
opened with url_command, the URL only an argument; help shows a binding
and a macro of the rc file; Ctrl-G stops a slow download and leaves no
file."""

import os
import re
import sys
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, os.path.join(HERE, "..", "bench"))
from crispintest import Suite, account_rc, rc_text  # noqa: E402
from dovecot import Dovecot  # noqa: E402
from tuitest import Tui, line_with  # noqa: E402
from delayproxy import DelayProxy  # noqa: E402
import samplemail  # noqa: E402

T = Suite(__file__)
dc = None
tui = None

# Set in setup: it names a file that exists only if a shell ran the URL.
EVIL_URL = None
QUOTES = ("From: Quinn Quote <quinn@example.net>\n"
          "To: alice@example.org\n"
          "Subject: Quoting and links\n"
          "Date: Tue, 5 Mar 2024 10:00:00 +0000\n"
          "Message-ID: <quotes@crispin.example>\n"
          "Content-Type: text/plain; charset=UTF-8\n\n"
          "Hello,\n\n"
          "> first level quoted line\n"
          "> > second level quoted line\n\n"
          "Unquoted reply with a zebra in it.\n"
          "The docs are at https://docs.example.org/guide.html, really.\n"
          "And this one is odd: %s\n\n"
          "-- \n"
          "Quinn signs off\n")

# Colours the cases look for: nothing else on screen uses them.
RC_EXTRA = """
color quoted red default
color quoted1 green default
color signature magenta default
color header blue default "^From:"
color body cyan default "zebra"
bind index,pager X flag-message
macro pager Y "<next-line>" "scroll down by one line, as a macro"
"""


def setup():
    global dc, tui
    tui = Tui(T)
    dc = Dovecot().start()
    samplemail.populate(dc, "alice")
    global EVIL_URL
    EVIL_URL = "https://evil.example/x'$(touch$IFS%s)'y" % T.path("PWNED")
    dc.deliver("alice", "INBOX", (QUOTES % EVIL_URL).encode())


def teardown():
    if tui:
        tui.close()
    if dc:
        dc.stop()


def write_rc(extra="", **more):
    return T.write("crispinrc", rc_text(account_rc(dc, **more)) + RC_EXTRA + extra)


def attrs_at(sgr, needle):
    """The SGR state where needle starts in a capture-pane -e screen:
    {"fg": "31" or None, "bg": ..., "flags": {"1", "4", "7", ...}}. tmux
    writes a sequence only where the attributes change, so the state is
    followed from the top of the screen."""
    at = sgr.find(needle)
    if at < 0:
        return None
    st = {"fg": None, "bg": None, "flags": set()}
    for m in re.finditer(r"\x1b\[([0-9;]*)m", sgr[:at]):
        codes = m.group(1).split(";") if m.group(1) else ["0"]
        i = 0
        while i < len(codes):
            c = codes[i]
            if c in ("", "0"):
                st = {"fg": None, "bg": None, "flags": set()}
            elif c in ("38", "48") and i + 2 < len(codes) and codes[i + 1] == "5":
                st["fg" if c == "38" else "bg"] = "%s;5;%s" % (c, codes[i + 2])
                i += 2
            elif re.match(r"^(3[0-7]|9[0-7])$", c):
                st["fg"] = c
            elif c == "39":
                st["fg"] = None
            elif re.match(r"^(4[0-7]|10[0-7])$", c):
                st["bg"] = c
            elif c == "49":
                st["bg"] = None
            elif c in ("22", "23", "24", "25", "27"):
                st["flags"].discard({"22": "1", "23": "3", "24": "4",
                                     "25": "5", "27": "7"}[c])
                if c == "22":
                    st["flags"].discard("2")
            else:
                st["flags"].add(c)
            i += 1
    return st


def indicator_line():
    """The index line drawn in reverse video (the cursor), as plain text."""
    for line in tui.screen(escapes=True).splitlines():
        if "\x1b[7m" in line:
            return re.sub(r"\x1b\[[0-9;]*m", "", line)
    return ""


def move(key):
    """Presses key and waits (a little) for the cursor line to change."""
    before = indicator_line()
    tui.keys(key)
    deadline = time.monotonic() + 1
    while indicator_line() == before and time.monotonic() < deadline:
        time.sleep(0.05)


def cursor_to(subject, tries=40):
    """Moves the cursor down from the first line to subject."""
    tui.wait(lambda s: subject in s, "%r on the screen" % subject)
    move("=")
    for _ in range(tries):
        if subject in indicator_line():
            break
        move("j")
    T.expect(subject in indicator_line(), "the cursor never reached %r:\n%s"
             % (subject, tui.screen()))


def open_message(subject):
    """Moves the index cursor to subject and opens it."""
    cursor_to(subject)
    tui.keys("Enter")


def start(rc, args=""):
    tui.start(rc, args)
    tui.wait(lambda s: "Welcome to crispin" in s or "Big attachment" in s,
             "the index")


@T.case("a multipart message: text and marker; the attachments view lists "
        "and saves a part byte-identically")
def _():
    start(write_rc())
    try:
        open_message("Quarterly report (PDF attached)")
        text = tui.wait(lambda s: "Please find the report attached" in s,
                        "the text part")
        marker = line_with(text, "report-q1.pdf")
        T.expect(marker is not None and "application/pdf" in marker and
                 "press v" in marker, "the attachment marker:\n" + text)
        tui.keys("v")
        text = tui.wait(lambda s: "[application/pdf" in s and
                        "[multipart/mixed" in s, "the attachments view")
        T.expect("[text/plain" in text and "report-q1.pdf" in text,
                 "the parts with types and names:\n" + text)
        # The cursor starts on the attachment.
        T.expect("report-q1.pdf" in indicator_line(), "cursor on the PDF:\n"
                 + tui.screen())
        target = T.path("saved-report.pdf")
        tui.keys("s")
        tui.wait(lambda s: "Save to file: report-q1.pdf" in s, "the prompt")
        tui.keys("C-u")
        tui.text(target)
        tui.keys("Enter")
        tui.wait(lambda s: "Saved " in s, "the save note")
        with open(target, "rb") as f:
            T.expect_eq(f.read(), samplemail.tiny_pdf(), "the saved bytes")
        T.expect_eq(oct(os.stat(target).st_mode & 0o777), "0o600", "mode")
        # Saving again asks first; no keeps the file.
        tui.keys("s")
        tui.wait(lambda s: "Save to file:" in s, "the prompt again")
        tui.keys("C-u")
        tui.text(target)
        tui.keys("Enter")
        tui.wait(lambda s: "File exists, overwrite?" in s, "the question")
        tui.keys("n")
        tui.wait(lambda s: "Not saved" in s, "the answer")
        leftovers = [n for n in os.listdir(os.path.dirname(target))
                     if n.startswith(".crispin-")]
        T.expect_eq(leftovers, [], "temporary files left")
        # Enter on the text part shows it alone in a pager.
        tui.keys("k")
        tui.wait(lambda s: "[text/plain" in indicator_line(), "cursor on the text")
        tui.keys("Enter")
        tui.wait(lambda s: "Please find the report attached" in s and
                 "[application/pdf" not in s, "the text part alone")
        tui.keys("q")
        tui.wait(lambda s: "[application/pdf" in s, "the attachments again")
        T.expect_eq(tui.quit(), "EXIT=0", "exit status")
    finally:
        tui.stop()


@T.case("mailcap viewers get the part in a private file that is removed; "
        "copiousoutput comes back in a pager; | pipes the decoded part")
def _():
    copy = T.path("viewer-copy.pdf")
    seen = T.path("viewer-mode")
    mailcap = T.write("mailcap",
                      "application/pdf; cp %%s %s && stat -c %%%%a %%s > %s\n"
                      "image/png; echo PNG of $(wc -c < %%s) bytes; copiousoutput\n"
                      % (copy, seen))
    tmp = T.path("tmp")
    os.makedirs(tmp, exist_ok=True)
    tui.start(write_rc(mailcap_path=mailcap, tmpdir=tmp), "",
              extra_env={"TMPDIR": tmp})
    try:
        open_message("Quarterly report (PDF attached)")
        tui.wait(lambda s: "Please find the report attached" in s, "the message")
        tui.keys("v")
        tui.wait(lambda s: "report-q1.pdf" in indicator_line(), "the attachments")
        tui.keys("Enter")
        deadline = time.monotonic() + 10
        while not os.path.exists(seen) and time.monotonic() < deadline:
            time.sleep(0.1)
        tui.wait(lambda s: "[application/pdf" in s, "the attachments again")
        with open(copy, "rb") as f:
            T.expect_eq(f.read(), samplemail.tiny_pdf(), "what the viewer got")
        with open(seen) as f:
            T.expect_eq(f.read().strip(), "600", "the temporary file's mode")
        T.expect_eq(os.listdir(tmp), [], "the temporary file removed")
        # | : the decoded part on the command's standard input.
        piped = T.path("piped.pdf")
        tui.keys("|")
        tui.wait(lambda s: "Pipe to command:" in s, "the pipe prompt")
        tui.text("cat > %s" % piped)
        tui.keys("Enter")
        tui.wait(lambda s: "Press any key to return" in s, "the command's end")
        tui.keys("Enter")
        tui.wait(lambda s: "[application/pdf" in s, "the attachments again")
        with open(piped, "rb") as f:
            T.expect_eq(f.read(), samplemail.tiny_pdf(), "the piped bytes")
        tui.keys("q", "q")
        # copiousoutput: the filter's output in a pager.
        open_message("A picture for you")
        tui.wait(lambda s: "Sixteen by sixteen" in s, "the picture message")
        tui.keys("v")
        tui.wait(lambda s: "image/png" in indicator_line(), "cursor on the PNG")
        tui.keys("Enter")
        tui.wait(lambda s: "PNG of %d bytes" % len(samplemail.tiny_png()) in s,
                 "the filter's output")
        T.expect_eq(tui.quit(), "EXIT=0", "exit status")
    finally:
        tui.stop()


@T.case("an attached message opens as a message, also from the index")
def _():
    start(write_rc())
    try:
        cursor_to("Fwd: Original message")
        # v in the index: the parts of the message under the cursor.
        tui.keys("v")
        cursor_to("[message/rfc822")
        tui.keys("Enter")
        text = tui.wait(lambda s: "This is the message that was forwarded" in s,
                        "the attached message")
        T.expect(line_with(text, "Alan Turing") is not None and
                 line_with(text, "Original message") is not None,
                 "its header:\n" + text)
        T.expect("Forwarding this, see below" not in text, "only the attached one")
        T.expect_eq(tui.quit(), "EXIT=0", "exit status")
    finally:
        tui.stop()


@T.case("h shows the ignored header fields; T hides quoted text; a resize "
        "wraps the text again")
def _():
    start(write_rc())
    try:
        open_message("Quoting and links")
        text = tui.wait(lambda s: "first level quoted line" in s, "the message")
        T.expect("Message-ID:" not in text, "weeded by default:\n" + text)
        tui.keys("h")
        tui.wait(lambda s: "Message-ID: <quotes@crispin.example>" in s,
                 "every field")
        tui.keys("h")
        tui.wait(lambda s: "Message-ID:" not in s, "weeded again")
        # T hides the quoted lines and shows them again.
        tui.keys("T")
        tui.wait(lambda s: "first level quoted" not in s and
                 "Unquoted reply" in s, "quoted text hidden")
        tui.keys("T")
        tui.wait(lambda s: "first level quoted" in s, "quoted text shown")
        tui.resize(40, 30)
        text = tui.wait(lambda s: max(len(l) for l in s.splitlines()) <= 40 and
                        "really." in s, "the text at 40 columns")
        T.expect(line_with(text, "The docs are at https://docs.example.org/") is None,
                 "the long line wrapped:\n" + text)
        tui.resize(120, 30)
        tui.wait(lambda s: line_with(s, "The docs are at https://docs.example.org/")
                 is not None, "one line again at 120 columns")
        T.expect_eq(tui.quit(), "EXIT=0", "exit status")
    finally:
        tui.stop()


@T.case("quote levels and the signature get their colours; / finds a word; "
        "next-entry shows the next message")
def _():
    start(write_rc())
    try:
        open_message("Quoting and links")
        tui.wait(lambda s: "first level quoted line" in s, "the message")
        sgr = tui.screen(escapes=True)
        T.expect_eq((attrs_at(sgr, "first level quoted") or {}).get("fg"), "31",
                    "level 1 in red")
        T.expect_eq((attrs_at(sgr, "second level quoted") or {}).get("fg"), "32",
                    "level 2 in green")
        T.expect_eq((attrs_at(sgr, "Quinn signs off") or {}).get("fg"), "35",
                    "the signature in magenta")
        T.expect_eq((attrs_at(sgr, "Unquoted reply") or {}).get("fg"), None,
                    "plain text uncoloured")
        T.expect_eq((attrs_at(sgr, "From: Quinn") or {}).get("fg"), "34",
                    "a header pattern colours its line")
        T.expect_eq((attrs_at(sgr, "Subject: Quoting") or {}).get("fg"), None,
                    "other header lines")
        T.expect_eq((attrs_at(sgr, "zebra") or {}).get("fg"), "36",
                    "a body pattern colours its match")
        T.expect_eq((attrs_at(sgr, " in it.") or {}).get("fg"), None,
                    "and only the match")
        # Search: the line with the word comes to the top, highlighted.
        tui.keys("/")
        tui.wait(lambda s: "Search for:" in s, "the search prompt")
        tui.text("zebra")
        tui.keys("Enter")
        text = tui.wait(lambda s: s.splitlines()[0].startswith("Unquoted reply"),
                        "the match at the top")
        T.expect("From:" not in text.splitlines()[0], "moved")
        sgr = tui.screen(escapes=True)
        T.expect("7" in attrs_at(sgr, "zebra")["flags"], "the match in reverse "
                 "video: %r" % sgr.splitlines()[0])
        T.expect("7" not in attrs_at(sgr, "Unquoted")["flags"], "only the match")
        tui.keys("q")
        # next-entry (J) from the pager goes on to the next message.
        open_message("Welcome to crispin")
        tui.wait(lambda s: "Nothing here is real" in s, "the first message")
        tui.keys("J")
        tui.wait(lambda s: "ship the parser" in s and
                 "Nothing here is real" not in s, "the next message")
        tui.keys("q")
        tui.wait(lambda s: "Meeting notes" in indicator_line(),
                 "the index cursor followed")
        T.expect_eq(tui.quit(), "EXIT=0", "exit status")
    finally:
        tui.stop()


@T.case("URLs are listed and opened with url_command, the URL an argument only")
def _():
    record = T.path("opened-url")
    script = T.write("record-url.sh", "#!/bin/sh\nprintf '%%s' \"$1\" > %s\n"
                     % record, mode=0o700)
    start(write_rc(url_command=script))
    try:
        open_message("Quoting and links")
        tui.wait(lambda s: "docs.example.org" in s, "the message")
        sgr = tui.screen(escapes=True)
        T.expect("4" in attrs_at(sgr, "https://docs.example.org")["flags"],
                 "the URL underlined: %r" % line_with(sgr, "docs.example"))
        T.expect("4" not in attrs_at(sgr, "The docs are")["flags"],
                 "only the URL")
        tui.keys("C-b")
        text = tui.wait(lambda s: "URLs in the message" in s, "the URL list")
        T.expect(line_with(text, "https://docs.example.org/guide.html") is not None,
                 "the first URL, without the comma:\n" + text)
        T.expect(line_with(text, EVIL_URL.split("'")[0]) is not None,
                 "the second URL:\n" + text)
        tui.keys("j", "Enter")
        deadline = time.monotonic() + 10
        while not os.path.exists(record) and time.monotonic() < deadline:
            time.sleep(0.1)
        with open(record) as f:
            T.expect_eq(f.read(), EVIL_URL, "the URL given to url_command")
        T.expect(not os.path.exists(T.path("PWNED")), "nothing from the URL ran")
        T.expect_eq(tui.quit(), "EXIT=0", "exit status")
    finally:
        tui.stop()


@T.case("help lists a binding and a macro of the rc file, and unbound functions")
def _():
    start(write_rc())
    try:
        open_message("Welcome to crispin")
        tui.wait(lambda s: "Nothing here is real" in s, "the message")
        tui.keys("?")
        text = tui.wait(lambda s: "Help for the pager" in s and
                        "Bindings of" in s, "the help screen")
        # The rc file's bindings come last in the map's list: page down.
        for _ in range(10):
            if line_with(text, "as a macro") or "Functions without" in text:
                break
            tui.keys("Space")
            time.sleep(0.2)
            text = tui.screen()
        line = line_with(text, "flag-message")
        T.expect(line is not None and re.match(r"^X\s+flag-message", line),
                 "X flag-message: %r\n%s" % (line, text))
        line = line_with(text, "scroll down by one line, as a macro")
        T.expect(line is not None and re.match(r"^Y\s+macro", line),
                 "the macro: %r\n%s" % (line, text))
        # Scrolls like the pager, down to the functions without a key.
        for _ in range(10):
            if "Functions without a key" in tui.screen():
                break
            tui.keys("Space")
            time.sleep(0.1)
        tui.wait(lambda s: "Functions without a key" in s, "the unbound section")
        tui.keys("q")
        tui.wait(lambda s: "Nothing here is real" in s, "the pager again")
        # The index has its own help, with generic's bindings too.
        tui.keys("q")
        tui.wait(lambda s: "Help for" not in s and "Welcome to crispin" in s,
                 "the index")
        tui.keys("?")
        # The title can be on the screen a moment before the rows under
        # it: wait for both.
        text = tui.wait(lambda s: "Help for the index" in s and
                        line_with(s, "display-message") is not None,
                        "the index help with the index functions")
        for _ in range(10):
            if "Bindings of generic" in text:
                break
            tui.keys("Space")
            time.sleep(0.2)
            text = tui.screen()
        T.expect(line_with(text, "Bindings of generic") is not None,
                 "generic's section:\n" + text)
        T.expect_eq(tui.quit(), "EXIT=0", "exit status")
    finally:
        tui.stop()


@T.case("Ctrl-G stops a slow download and leaves no partial file")
def _():
    big = os.urandom(6 * 1024 * 1024)
    b = "=_big_0001"
    import base64
    enc = base64.encodebytes(big).decode()
    raw = ("From: Big Sender <big@example.com>\nTo: alice@example.org\n"
           "Subject: Big attachment\nDate: Wed, 6 Mar 2024 10:00:00 +0000\n"
           "MIME-Version: 1.0\n"
           "Content-Type: multipart/mixed; boundary=\"%s\"\n\n"
           "--%s\nContent-Type: text/plain\n\nA big one.\n\n"
           "--%s\nContent-Type: application/octet-stream; name=\"big.bin\"\n"
           "Content-Disposition: attachment; filename=\"big.bin\"\n"
           "Content-Transfer-Encoding: base64\n\n%s\n--%s--\n"
           % (b, b, b, enc, b))
    dc.create_folder("alice", "Big")
    dc.deliver("alice", "Big", raw.encode())
    # 4 Mbit/s: the attachment takes over ten seconds.
    proxy = DelayProxy(dc.imaps_port, 5, rate_mbit=4).start()
    url = re.sub(r":\d+/$", ":%d/" % proxy.port, dc.imap_url("alice"))
    start(write_rc(imap_url=url), "-f Big")
    try:
        open_message("Big attachment")
        tui.wait(lambda s: "A big one." in s and "big.bin" in s, "the message")
        tui.keys("v")
        tui.wait(lambda s: "[application/octet-stream" in s, "the parts")
        target = T.path("big.bin")
        tui.keys("s")
        tui.wait(lambda s: "Save to file:" in s, "the prompt")
        tui.keys("C-u")
        tui.text(target)
        tui.keys("Enter")
        tui.wait(lambda s: re.search(r"Saving part 2: [1-9]\d?%", s),
                 "progress on the status line")
        tui.keys("C-g")
        tui.wait(lambda s: "Download cancelled" in s, "the cancel note")
        T.expect(not os.path.exists(target), "no file at the target")
        leftovers = [n for n in os.listdir(os.path.dirname(target))
                     if n.startswith(".crispin-")]
        T.expect_eq(leftovers, [], "temporary files left")
        # The view stays usable and the status stops counting.
        time.sleep(0.5)
        T.expect("Saving part" not in tui.status(), "progress stopped: "
                 + tui.status())
        T.expect_eq(tui.quit(), "EXIT=0", "exit status")
    finally:
        tui.stop()
        proxy.stop()


T.main(setup=setup, teardown=teardown)

#!/usr/bin/env python3
"""`crispin watch` against Dovecot: mail delivered by another client into
the selected folder and into a watched folder (followed through NOTIFY on
the one connection, or without NOTIFY on a connection of its own in IDLE)
shows as `new` lines, a flag set by another client as `flags`, an
expunge as `expunge`; --json carries the subject and sender; --all reports
the unread counts of the other folders and their changes; new_mail_command
gets the folder and the count as arguments, never pasted into the shell
text; SIGINT and SIGTERM end it with status 0."""

import imaplib
import json
import os
import signal
import ssl
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from crispintest import Suite, account_rc  # noqa: E402
from dovecot import Dovecot  # noqa: E402
from watchproc import Watch  # noqa: E402

T = Suite(__file__)
dc = None
ODD = "Odd $(touch pwned) 'q'"


def message(n, subject):
    return ("From: Sender %d <sender%d@example.net>\r\n"
            "To: alice@example.org\r\n"
            "Subject: %s\r\n"
            "Date: Tue, 05 Mar 2024 10:00:00 +0000\r\n"
            "Message-ID: <watch-%d-%f@crispin.example>\r\n"
            "\r\n"
            "body %d\r\n" % (n, n, subject, n, time.time(), n))


def imap():
    ctx = ssl.create_default_context(cafile=dc.ca_file)
    m = imaplib.IMAP4_SSL(dc.host, dc.imaps_port, ssl_context=ctx)
    m.login("alice", dc.users["alice"])
    return m


def quote(name):
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def append(folder, n, subject="hello"):
    """APPENDs a message; returns its UID (APPENDUID)."""
    m = imap()
    typ, data = m.append(quote(folder), None, None,
                         message(n, subject).encode())
    m.logout()
    T.expect(typ == "OK", "APPEND failed: %r" % data)
    text = data[0].decode()
    return int(text.split("APPENDUID ")[1].split()[1].rstrip("]"))


def rc(**more):
    opts = account_rc(dc, watch_folders="INBOX Lists", timeout="10",
                      cache_dir=T.path("cache"))
    opts.update(more)
    return opts


def setup():
    global dc
    dc = Dovecot().start()
    for name in ("Lists", "Other", ODD):
        dc.create_folder("alice", name)
    for n in range(1, 4):
        append("INBOX", n, "old %d" % n)
    append("Other", 10, "unread")


@T.case("new mail in the selected folder and in a watched folder")
def _():
    w = Watch(T, rc())
    w.wait_line(lambda l: l == "ready")
    uid = append("INBOX", 20, "fresh")
    w.wait_line(lambda l: l == "new\tINBOX\t%d" % uid, 10)
    uid2 = append("Lists", 21, "list mail")
    w.wait_line(lambda l: l == "new\tLists\t%d" % uid2, 10)
    T.expect_eq(w.stop(signal.SIGINT), 0, "exit status after SIGINT")
    trace = open(w.trace_path).read()
    T.expect("IDLE" in trace, "no IDLE in the trace")
    # Dovecot offers NOTIFY: one connection follows both folders.
    T.expect("NOTIFY SET (selected (MessageNew MessageExpunge FlagChange)) "
             "(mailboxes (Lists) (MessageNew MessageExpunge FlagChange))"
             in trace, "no NOTIFY SET with a mailboxes filter in the trace")
    T.expect_eq(trace.count("LOGOUT"), 1, "connections (LOGOUTs)")


@T.case("-f A -f B through NOTIFY: new, flags and expunge in the other folder")
def _():
    dc.create_folder("alice", "Second")
    u1 = append("Second", 70, "second one")
    w = Watch(T, rc(watch_folders=""), "-f", "INBOX", "-f", "Second")
    w.wait_line(lambda l: l == "ready")
    u2 = append("Second", 71, "second two")
    w.wait_line(lambda l: l == "new\tSecond\t%d" % u2, 10)
    m = imap()
    m.select("Second")
    m.uid("STORE", str(u1), "+FLAGS", "(\\Flagged)")
    w.wait_line(lambda l: l == "flags\tSecond\t%d\t\\Flagged" % u1, 10)
    m.uid("STORE", str(u2), "+FLAGS", "(\\Deleted)")
    m.expunge()
    m.logout()
    w.wait_line(lambda l: l == "expunge\tSecond\t%d" % u2, 10)
    # The selected folder still reports after the visits.
    u3 = append("INBOX", 72, "home again")
    w.wait_line(lambda l: l == "new\tINBOX\t%d" % u3, 10)
    T.expect_eq(w.stop(), 0, "exit status")
    trace = open(w.trace_path).read()
    T.expect("(mailboxes (Second) " in trace, "NOTIFY names the folder")
    T.expect_eq(trace.count("LOGOUT"), 1, "one connection")


@T.case("without NOTIFY each watched folder has an IDLE connection")
def _():
    global dc
    plain = Dovecot(imap_capability="IMAP4rev1 SASL-IR LITERAL+ ID ENABLE IDLE "
                    "UIDPLUS NAMESPACE CONDSTORE QRESYNC").start()
    main, dc = dc, plain
    try:
        dc.create_folder("alice", "Lists")
        w = Watch(T, rc(cache_dir=T.path("cache-plain")))
        w.wait_line(lambda l: l == "ready")
        uid = append("Lists", 80, "own connection")
        w.wait_line(lambda l: l == "new\tLists\t%d" % uid, 10)
        T.expect_eq(w.stop(), 0, "exit status")
        trace = open(w.trace_path).read()
        T.expect("NOTIFY SET" not in trace, "NOTIFY SET sent without NOTIFY")
        T.expect_eq(trace.count("LOGOUT"), 2, "connections (LOGOUTs)")
    finally:
        dc = main
        plain.stop()


@T.case("flags set and a message expunged by another client")
def _():
    uid = append("INBOX", 30, "to flag")
    w = Watch(T, rc())
    w.wait_line(lambda l: l == "ready")
    m = imap()
    m.select("INBOX")
    m.uid("STORE", str(uid), "+FLAGS", "(\\Flagged $Work)")
    line = w.wait_line(lambda l: l.startswith("flags\tINBOX\t%d\t" % uid), 10)[1]
    flags = line.split("\t")[3].split()
    T.expect("\\Flagged" in flags and "$Work" in flags, "flags line: %r" % line)
    m.uid("STORE", str(uid), "+FLAGS", "(\\Deleted)")
    m.expunge()
    m.logout()
    w.wait_line(lambda l: l == "expunge\tINBOX\t%d" % uid, 10)
    T.expect_eq(w.stop(), 0, "exit status after SIGTERM")


@T.case("--json lines carry subject and sender")
def _():
    w = Watch(T, rc(), "--json")
    w.wait_line(lambda l: json.loads(l).get("event") == "ready")
    uid = append("INBOX", 40, "=?UTF-8?Q?caf=C3=A9?= news")
    line = w.wait_line(lambda l: json.loads(l).get("event") == "new", 10)[1]
    ev = json.loads(line)
    T.expect_eq(ev.get("folder"), "INBOX", "folder")
    T.expect_eq(ev.get("uid"), uid, "uid")
    T.expect_eq(ev.get("subject"), "caf\u00e9 news", "decoded subject")
    T.expect("sender40@example.net" in ev.get("from", ""), "from: %r" % ev)
    T.expect_eq(w.stop(), 0, "exit status")


@T.case("--all reports the unread counts of the other folders")
def _():
    w = Watch(T, rc(status_interval="5"), "--all")
    w.wait_line(lambda l: l == "ready")
    line = w.wait_line(lambda l: l.startswith("unseen\tOther\t"), 10,
                       since=0)[1]
    before = int(line.split("\t")[2])
    T.expect(before >= 1, "unseen count of Other: %r" % line)
    T.expect(not any(l.startswith("unseen\tINBOX\t") or
                     l.startswith("unseen\tLists\t") for l in w.texts()),
             "watched folders are not polled: %r" % w.texts())
    append("Other", 41, "more")
    w.wait_line(lambda l: l == "unseen\tOther\t%d" % (before + 1), 15)
    T.expect_eq(w.stop(), 0, "exit status")


@T.case("--all follows other folders at once through NOTIFY")
def _():
    # An hour between polls: only NOTIFY can tell of the change in time.
    w = Watch(T, rc(status_interval="3600"), "--all")
    w.wait_line(lambda l: l == "ready")
    line = w.wait_line(lambda l: l.startswith("unseen\tOther\t"), 10,
                       since=0)[1]
    before = int(line.split("\t")[2])
    w.wait_line(lambda l: l.startswith("unseen\tArchive\t"), 10, since=0)
    append("Other", 42, "pushed")
    w.wait_line(lambda l: l == "unseen\tOther\t%d" % (before + 1), 5)
    m = imap()
    m.select(quote("Other"))
    m.uid("STORE", "1:*", "+FLAGS", "(\\Seen)")
    m.logout()
    w.wait_line(lambda l: l == "unseen\tOther\t0", 5)
    T.expect_eq(w.stop(), 0, "exit status")
    T.expect("NOTIFY SET" in open(w.trace_path).read(), "no NOTIFY in the trace")


@T.case("new_mail_command gets the folder and the count as arguments")
def _():
    out = T.path("notified")
    cmd = 'echo "$1|$2|$CRISPIN_COUNT" >> %s' % out
    w = Watch(T, rc(watch_folders=""), "-f", ODD,
              rc_lines=["set new_mail_command = '%s'" % cmd])
    w.wait_line(lambda l: l == "ready")
    uid = append(ODD, 50, "odd one")
    w.wait_line(lambda l: l == "new\t%s\t%d" % (ODD, uid), 10)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not os.path.exists(out):
        time.sleep(0.05)
    T.expect_eq(w.stop(), 0, "exit status")
    with open(out) as f:
        T.expect_eq(f.read(), "%s|1|1\n" % ODD, "what the command saw")
    T.expect(not os.path.exists(os.path.join(T.workdir, "pwned")),
             "the folder name was run as shell code")


@T.case("a server without IDLE is polled with NOOP every poll_interval")
def _():
    global dc
    plain = Dovecot(imap_capability="IMAP4rev1 SASL-IR LITERAL+ ID ENABLE "
                    "UIDPLUS NAMESPACE CONDSTORE QRESYNC").start()
    main, dc = dc, plain
    try:
        w = Watch(T, rc(poll_interval="5", keepalive="3600", watch_folders=""))
        w.wait_line(lambda l: l == "ready")
        t0 = time.monotonic()
        uid = append("INBOX", 60, "polled")
        when, _ = w.wait_line(lambda l: l == "new\tINBOX\t%d" % uid, 10)
        T.expect(when - t0 <= 5 + 1.5, "noticed after %.1fs" % (when - t0))
        T.expect_eq(w.stop(), 0, "exit status")
        trace = open(w.trace_path).read()
        T.expect(" IDLE" not in trace, "IDLE sent to a server without it")
        T.expect(" NOOP" in trace, "no NOOP poll in the trace")
    finally:
        dc = main
        plain.stop()


@T.case("usage errors exit 2")
def _():
    r = T.crispin("watch", "--bogus", rc=rc())
    T.expect_code(r, 2)
    r = T.crispin("watch", "extra", rc=rc())
    T.expect_code(r, 2)


@T.case("watch needs the server: --offline is refused with status 4")
def _():
    r = T.crispin("--offline", "watch", rc=rc())
    T.expect_code(r, 4)
    T.expect_error_message(r)


@T.case("a folder that does not exist ends watch with a message")
def _():
    r = T.crispin("watch", "-f", "NoSuchFolder", rc=rc(watch_folders=""),
                  timeout=30)
    T.expect(r.code != 0, "exit 0 for a missing folder: %s" % r.describe())
    T.expect_error_message(r)


def teardown():
    if dc:
        dc.stop()


T.main(setup=setup, teardown=teardown)

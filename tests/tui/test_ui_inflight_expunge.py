#!/usr/bin/env python3
"""$ (sync-mailbox) with the link down: the expunge is journaled as a UID
EXPUNGE of exactly the messages marked deleted when $ was pressed, shown
done at once, and sent when the link is back; a message another client
marked \\Deleted meanwhile stays on the server."""

import glob
import imaplib
import os
import re
import sqlite3
import ssl
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from crispintest import Suite, account_rc, rc_text  # noqa: E402
from dovecot import Dovecot  # noqa: E402
from linkproxy import LinkProxy  # noqa: E402
from tuitest import Tui, last_line  # noqa: E402

T = Suite(__file__)
dc = None
tui = None
proxy = None


def message(subject, day):
    return ("From: Bob <bob@example.com>\r\nTo: alice@example.org\r\n"
            "Subject: %s\r\nDate: Mon, %d Mar 2024 12:00:00 +0000\r\n"
            "Message-ID: <%s@crispin.test>\r\n\r\nHi.\r\n"
            % (subject, day, subject.replace(" ", "-"))).encode()


def imap():
    ctx = ssl.create_default_context(cafile=dc.ca_file)
    m = imaplib.IMAP4_SSL(dc.host, dc.imaps_port, ssl_context=ctx)
    m.login("alice", dc.users["alice"])
    return m


def setup():
    global dc, tui, proxy
    tui = Tui(T)
    dc = Dovecot().start()
    # Plain IMAP through the proxy, which can take the link away.
    proxy = LinkProxy("127.0.0.1", dc.imap_port)


def teardown():
    if tui:
        tui.close()
    if proxy:
        proxy.stop()
    if dc:
        dc.stop()


def server_state(folder):
    """{subject: flags} of folder, read by another client."""
    m = imap()
    try:
        typ, count = m.select(folder, readonly=True)
        if int(count[0]) == 0:
            return {}
        typ, data = m.fetch("1:*", "(FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
        out = {}
        for item in data:
            if isinstance(item, tuple):
                fl = set(re.search(rb"FLAGS \(([^)]*)\)", item[0]).group(1)
                         .decode().split()) - {"\\Recent"}
                subj = re.search(rb"Subject: ([^\r\n]*)", item[1]).group(1)
                out[subj.decode()] = fl
        return out
    finally:
        m.logout()


def cached_deleted(cache_dir, folder):
    """How many of folder's messages the cache has marked \\Deleted."""
    n = 0
    for path in glob.glob(os.path.join(cache_dir, "*", "cache.sqlite")):
        db = sqlite3.connect(path, timeout=5)
        try:
            n += db.execute(
                "SELECT count(*) FROM messages JOIN folders ON folders.id ="
                " messages.folder_id WHERE folders.name = ? AND"
                " (messages.flags & 8) != 0", (folder,)).fetchone()[0]
        except sqlite3.Error:
            pass
        finally:
            db.close()
    return n


def poll(folder, want, timeout=15):
    deadline = time.monotonic() + timeout
    got = server_state(folder)
    while time.monotonic() < deadline and got != want:
        time.sleep(0.1)
        got = server_state(folder)
    return got


def purge_offline(folder):
    """$ on the cached folder, the link down."""
    tui.wait(lambda s: "reconnecting in" in last_line(s) or
             "Disconnected" in last_line(s), "the link down", timeout=10)
    # Another client marks the third one meanwhile: not ours to expunge.
    m = imap()
    m.select(folder)
    m.store("3", "+FLAGS", "(\\Deleted)")
    m.logout()
    tui.keys("$")
    tui.wait(lambda s: "Purge 2 deleted messages" in last_line(s),
             "the confirmation")
    tui.keys("y")
    # Done here at once (the status line may show the link instead).
    tui.wait(lambda s: "Gone one" not in s and "Gone two" not in s and
             "Stays here" in s, "gone from the index")
    T.expect_eq(len(server_state(folder)), 3, "nothing expunged yet")


@T.case("$ with the link down: exactly the marked UIDs expunged on reconnect")
def _():
    folder = "Purge"
    dc.create_folder("alice", folder)
    m = imap()
    for day, subject in ((4, "Gone one"), (5, "Gone two"), (6, "Stays here")):
        m.append(folder, "(\\Seen)", None, message(subject, day))
    m.logout()
    cache = T.path("cache")
    rc = account_rc(dc, cache_dir=cache, keepalive="1",
                    timeout="2", connect_timeout="2", reconnect_max_delay="1",
                    delete_mode="mark", confirm_expunge="ask-yes",
                    tls="no", tls_ca_file=None, allow_plaintext="yes",
                    imap_url="imap://alice@127.0.0.1:%d/" % proxy.port)
    tui.start(T.write("crispinrc", rc_text(rc)), "-f " + folder)
    tui.wait(lambda s: "(live" in last_line(s) and "Stays here" in s,
             "the index, live")
    # Both marked online: the server has the flags, the cache too.
    tui.keys("D")
    tui.wait(lambda s: not last_line(s).startswith("-- crispin"),
             "the pattern prompt")
    tui.text("subject:gone")
    tui.keys("Enter")
    deleted = {"\\Seen", "\\Deleted"}
    T.expect_eq(poll(folder, {"Gone one": deleted, "Gone two": deleted,
                              "Stays here": {"\\Seen"}}),
                {"Gone one": deleted, "Gone two": deleted,
                 "Stays here": {"\\Seen"}}, "marked on the server")
    # And crispin heard the answer: the cache has the marks.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and cached_deleted(cache, folder) != 2:
        time.sleep(0.05)
    T.expect_eq(cached_deleted(cache, folder), 2, "marked in the cache")
    proxy.cut()
    try:
        purge_offline(folder)
    finally:
        proxy.resume()
    tui.wait(lambda s: "(live" in last_line(s), "live again", timeout=20)
    got = poll(folder, {"Stays here": deleted})
    T.expect_eq(got, {"Stays here": deleted},
                "the two gone, the other client's \\Deleted one stays")
    T.expect_eq(tui.quit(), "EXIT=0", "exit status")


@T.case("$ with --offline: journaled, and replayed by the next connection")
def _():
    folder = "PurgeOff"
    dc.create_folder("alice", folder)
    m = imap()
    for day, subject in ((4, "Drop one"), (5, "Drop two"), (6, "Off stays")):
        m.append(folder, "(\\Seen)", None, message(subject, day))
    m.logout()
    rc = account_rc(dc, cache_dir=T.path("cache-off"), delete_mode="mark",
                    confirm_expunge="ask-yes", tls="no", tls_ca_file=None,
                    allow_plaintext="yes",
                    imap_url="imap://alice@127.0.0.1:%d/" % proxy.port)
    rcfile = T.write("crispinrc-off", rc_text(rc))
    # The cache, filled by a session while connected.
    tui.start(rcfile, "-f " + folder)
    tui.wait(lambda s: "(live" in last_line(s) and "Off stays" in s,
             "the index, live")
    T.expect_eq(tui.quit(), "EXIT=0", "exit status")
    before = proxy.connections
    tui.start(rcfile, "--offline -f " + folder)
    tui.wait(lambda s: "(offline" in last_line(s) and "Msgs:3" in s,
             "the cached folder, offline")
    # The rows come without a key press (a held-back rebuild is drawn
    # when it is due).
    tui.wait(lambda s: "Off stays" in s, "the cached index, offline")
    tui.keys("D")
    tui.wait(lambda s: not last_line(s).startswith("-- crispin"),
             "the pattern prompt")
    tui.text("subject:drop")
    tui.keys("Enter")
    tui.wait(lambda s: last_line(s).startswith("-- crispin"),
             "the index after D")
    m = imap()
    m.select(folder)
    m.store("3", "+FLAGS", "(\\Deleted)")
    m.logout()
    tui.keys("$")
    tui.wait(lambda s: "Purge 2 deleted messages" in last_line(s),
             "the confirmation")
    tui.keys("y")
    tui.wait(lambda s: "Drop one" not in s and "Drop two" not in s and
             "Off stays" in s, "gone from the index")
    T.expect_eq(tui.quit(), "EXIT=0", "exit status")
    T.expect_eq(proxy.connections, before, "connections made while offline")
    T.expect_eq(len(server_state(folder)), 3, "nothing expunged yet")
    # The next command that connects replays the marks and the expunge.
    r = T.crispin("list", "-f", folder, rcfile=rcfile)
    T.expect_code(r, 0)
    T.expect("journal: replayed: expunge" in r.err, r.err)
    deleted = {"\\Seen", "\\Deleted"}
    T.expect_eq(server_state(folder), {"Off stays": deleted},
                "the two gone, the other client's \\Deleted one stays")


T.main(setup=setup, teardown=teardown)

#!/usr/bin/env python3
"""The local MIME parser and the BODYSTRUCTURE conversion build the same
part tree: every message of tests/data/mime is delivered to Dovecot, its
BODYSTRUCTURE fetched with Python's imaplib, and the tree printed by
tests/unit/mime-tree from the raw file must equal the tree it prints from
Dovecot's answer (types, part numbers, sizes, lines, dispositions, file
names)."""

import glob
import imaplib
import os
import ssl
import subprocess
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from crispintest import Suite  # noqa: E402
from dovecot import Dovecot  # noqa: E402

T = Suite(__file__)
SRCDIR = os.environ.get("CRISPIN_SRCDIR") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..")
BUILDDIR = os.environ.get("CRISPIN_BUILDDIR", ".")
TREE = os.path.join(BUILDDIR, "tests", "unit", "mime-tree")
CORPUS = sorted(glob.glob(os.path.join(SRCDIR, "tests", "data", "mime",
                                       "*.eml")))
USER = "alice"
FOLDER = "mime"
dc = None
imap = None


def setup():
    global dc, imap
    if not os.access(TREE, os.X_OK):
        raise RuntimeError("%s is not built (make check builds it)" % TREE)
    dc = Dovecot().start()
    dc.create_folder(USER, FOLDER)
    for path in CORPUS:
        with open(path, "rb") as f:
            dc.deliver(USER, FOLDER, f.read())
    ctx = ssl.create_default_context(cafile=dc.ca_file)
    ctx.check_hostname = False
    imap = imaplib.IMAP4_SSL(dc.host, dc.imaps_port, ssl_context=ctx)
    imap.login(USER, dc.users[USER])
    typ, _ = imap.select(FOLDER, readonly=True)
    if typ != "OK":
        raise RuntimeError("SELECT %s failed" % FOLDER)


def teardown():
    if imap is not None:
        try:
            imap.logout()
        except Exception:
            pass
    if dc:
        dc.stop()


def fetch_response(uid):
    """The untagged FETCH response as the server sent it (literals put
    back in place), for the C parser to read."""
    typ, data = imap.uid("FETCH", str(uid), "(BODYSTRUCTURE)")
    T.expect(typ == "OK" and data and data[0], "UID FETCH %d: %r" % (uid, data))
    raw = b""
    for item in data:
        if isinstance(item, tuple):
            raw += item[0] + b"\r\n" + item[1]
        elif item is not None:
            raw += item
    # imaplib drops the FETCH keyword: "12 (UID 12 BODYSTRUCTURE ...)".
    num, rest = raw.split(b" ", 1)
    return b"* " + num + b" FETCH " + rest + b"\r\n"


def tree(*args):
    r = subprocess.run([TREE] + list(args), capture_output=True, timeout=30)
    T.expect(r.returncode == 0, "mime-tree %s: exit %d: %s" % (
        " ".join(args), r.returncode, r.stderr.decode(errors="replace")))
    return r.stdout.decode("utf-8", errors="replace")


@T.case("the corpus is delivered, one message per file, in order")
def _():
    T.expect(len(CORPUS) >= 10, "corpus has %d messages" % len(CORPUS))
    st = dc.status(USER, FOLDER)
    T.expect_eq(st["messages"], len(CORPUS), "messages in %s" % FOLDER)


def make_case(uid, path):
    name = os.path.basename(path)

    @T.case("%s: local tree equals the BODYSTRUCTURE tree" % name)
    def _():
        resp = T.path(name + ".fetch")
        with open(resp, "wb") as f:
            f.write(fetch_response(uid))
        remote = tree("--imap", resp)
        local = tree(path)
        T.expect(local.strip(), "empty local tree")
        T.expect(local == remote, "trees differ for %s\n--- local\n%s"
                 "--- from BODYSTRUCTURE\n%s--- response\n%s" % (
                     name, local, remote,
                     open(resp, "rb").read().decode(errors="replace")[:2000]))


for n, p in enumerate(CORPUS, 1):
    make_case(n, p)


if __name__ == "__main__":
    T.main(setup, teardown, need_crispin=False)

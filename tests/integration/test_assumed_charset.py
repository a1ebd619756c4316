#!/usr/bin/env python3
"""assumed_charset reaches every reader of unlabelled 8-bit text: header
fields in raw KOI8-R (no RFC 2047) and a text part without a charset are
shown as Cyrillic by list, search and show when assumed_charset names
koi8-r, and as the built-in windows-1252 fallback when it is unset."""

import json
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from crispintest import Suite, account_rc  # noqa: E402
from dovecot import Dovecot  # noqa: E402

T = Suite(__file__)
USER = "alice"
SUBJECT = "Привет из Москвы"
NAME = "Иван Петров"
BODY = "Текст письма без кодировки."
dc = None


def setup():
    global dc
    dc = Dovecot().start()
    dc.create_folder(USER, "raw8")
    msg = (b"From: " + NAME.encode("koi8-r") + b" <ivan@example.ru>\r\n"
           b"To: alice@example.org\r\n"
           b"Subject: " + SUBJECT.encode("koi8-r") + b"\r\n"
           b"Date: Mon, 02 Mar 2026 10:00:00 +0300\r\n"
           b"MIME-Version: 1.0\r\n"
           b"Content-Type: text/plain\r\n"
           b"Content-Transfer-Encoding: 8bit\r\n\r\n" +
           BODY.encode("koi8-r") + b"\r\n")
    dc.deliver(USER, "raw8", msg)


def teardown():
    if dc:
        dc.stop()


def rc(**more):
    opts = {"cache_dir": os.path.join(T.workdir, "cache"),
            "mailcap_path": os.path.join(T.workdir, "no-mailcap")}
    opts.update(more)
    return account_rc(dc, **opts)


def cp1252(text):
    return text.encode("koi8-r").decode("cp1252", "replace")


@T.case("list, search and show read raw 8-bit headers with assumed_charset")
def _():
    opts = rc(assumed_charset="koi8-r", cache_dir=os.path.join(T.workdir,
                                                                "c1"))
    r = T.crispin("list", "-f", "raw8", "--json", rc=opts)
    T.expect_code(r, 0)
    m = json.loads(r.out.splitlines()[0])
    T.expect_eq(m["subject"], SUBJECT, "list subject")
    T.expect(NAME in m["from"], "list from: %r" % m["from"])
    s = T.crispin("search", "-f", "raw8", "--json", "from:ivan@example.ru", rc=opts)
    T.expect_code(s, 0)
    m = json.loads(s.out.splitlines()[0])
    T.expect_eq(m["subject"], SUBJECT, "search subject")
    v = T.crispin("show", "-f", "raw8", "1", rc=opts)
    T.expect_code(v, 0)
    T.expect("Subject: " + SUBJECT in v.out, v.out)
    T.expect(NAME in v.out, v.out)
    T.expect(BODY in v.out, v.out)


@T.case("without assumed_charset the same bytes read as windows-1252")
def _():
    opts = rc(cache_dir=os.path.join(T.workdir, "c2"))
    r = T.crispin("list", "-f", "raw8", "--json", rc=opts)
    T.expect_code(r, 0)
    m = json.loads(r.out.splitlines()[0])
    T.expect(SUBJECT not in m["subject"], "Cyrillic without being asked")
    T.expect_eq(m["subject"], cp1252(SUBJECT), "windows-1252 fallback")
    v = T.crispin("show", "-f", "raw8", "1", rc=opts)
    T.expect_code(v, 0)
    T.expect(SUBJECT not in v.out and BODY not in v.out, v.out)


if __name__ == "__main__":
    T.main(setup, teardown)

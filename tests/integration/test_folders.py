#!/usr/bin/env python3
"""`crispin folders` reports what is really in the Maildir: names decoded
from modified UTF-7, special-use roles, hierarchy, and message counts that
agree with doveadm and follow changes made by another client."""

import json
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from crispintest import Suite, account_rc  # noqa: E402
from dovecot import Dovecot, SPECIAL_USE  # noqa: E402
import samplemail  # noqa: E402

T = Suite(__file__)
dc = None
ROLES = dict(SPECIAL_USE)
EXPECTED = samplemail.expected_counts()


def setup():
    global dc
    dc = Dovecot().start()
    samplemail.populate(dc, "alice")


def teardown():
    if dc:
        dc.stop()


def run_json(*extra):
    r = T.crispin("folders", "--json", *extra, rc=account_rc(dc))
    T.expect_code(r, 0)
    objs = []
    for n, line in enumerate(r.out.splitlines(), 1):
        if not line.strip():
            continue
        try:
            objs.append(json.loads(line))
        except ValueError as e:
            T.expect(False, "line %d is not JSON (%s): %r" % (n, e, line))
    T.expect(objs, "no output")
    return {o.get("name"): o for o in objs}


@T.case("fixture: doveadm agrees with the sample mail counts")
def _():
    for folder, (total, unseen) in EXPECTED.items():
        st = dc.status("alice", folder)
        T.expect_eq((st["messages"], st["unseen"]), (total, unseen),
                    "doveadm counts of %s" % folder)
    names = set(dc.list_folders("alice"))
    T.expect_eq(names, set(EXPECTED), "doveadm folder list")


@T.case("folders: one NAME<TAB>ROLE line per folder, UTF-8 names")
def _():
    r = T.crispin("folders", rc=account_rc(dc))
    T.expect_code(r, 0)
    got = sorted(l for l in r.out.splitlines() if l.strip())
    want = sorted("%s\t%s" % (f, ROLES.get(f, "-")) for f in EXPECTED)
    T.expect_eq(got, want, "lines")


@T.case("folders --counts: NAME<TAB>ROLE<TAB>TOTAL<TAB>UNSEEN")
def _():
    r = T.crispin("folders", "--counts", rc=account_rc(dc))
    T.expect_code(r, 0)
    got = sorted(l for l in r.out.splitlines() if l.strip())
    want = sorted("%s\t%s\t%d\t%d" % (f, ROLES.get(f, "-"), t, u)
                  for f, (t, u) in EXPECTED.items())
    T.expect_eq(got, want, "lines")


@T.case("folders --counts --json equals the Maildir contents")
def _():
    got = run_json("--counts")
    T.expect_eq(sorted(got), sorted(EXPECTED), "folder names")
    for name, (total, unseen) in EXPECTED.items():
        o = got[name]
        T.expect_eq(o.get("delimiter"), "/", "delimiter of %s" % name)
        T.expect_eq(o.get("special_use"), ROLES.get(name),
                    "special_use of %s" % name)
        T.expect_eq(o.get("total"), total, "total of %s" % name)
        T.expect_eq(o.get("unseen"), unseen, "unseen of %s" % name)
        T.expect(isinstance(o.get("total"), int), "total is not a number")
    for name in ("Entwürfe", "日本語", "Projects/crispin"):
        T.expect(name in got, "%s missing" % name)


@T.case("folders --json without --counts has no total/unseen")
def _():
    got = run_json()
    T.expect_eq(sorted(got), sorted(EXPECTED), "folder names")
    for name, o in got.items():
        T.expect("total" not in o and "unseen" not in o,
                 "%s has counts without --counts: %r" % (name, o))
        T.expect_eq(o.get("special_use"), ROLES.get(name),
                    "special_use of %s" % name)


@T.case("counts follow changes made by another client (doveadm)")
def _():
    dc.set_flags("alice", "日本語", "\\Seen")
    dc.save("alice", "Entwürfe", samplemail.messages()[0].raw)
    try:
        got = run_json("--counts")
        T.expect_eq(got["日本語"].get("unseen"), 0, "unseen of 日本語")
        t, u = EXPECTED["Entwürfe"]
        T.expect_eq((got["Entwürfe"].get("total"),
                     got["Entwürfe"].get("unseen")), (t + 1, u + 1),
                    "counts of Entwürfe")
        st = dc.status("alice", "Entwürfe")
        T.expect_eq((st["messages"], st["unseen"]), (t + 1, u + 1),
                    "doveadm counts of Entwürfe")
    finally:
        dc.set_flags("alice", "日本語", "\\Seen", remove=True)
        dc.set_flags("alice", "日本語", "\\Seen", query=(
            "header", "Message-ID", "<sample-063@crispin.example>"))
        dc.doveadm("expunge", "mailbox", "Entwürfe", "header", "Message-ID",
                   "<sample-001@crispin.example>", user="alice")


@T.case("an empty account lists INBOX and the special-use folders")
def _():
    r = T.crispin("folders", "--counts", "--json",
                  rc=account_rc(dc, "bob@example.org"))
    T.expect_code(r, 0)
    got = {json.loads(l)["name"]: json.loads(l)
           for l in r.out.splitlines() if l.strip()}
    T.expect_eq(sorted(got), sorted(["INBOX"] + list(ROLES)), "names")
    T.expect(all(o.get("total") == 0 and o.get("unseen") == 0
                 for o in got.values()), "non-zero counts: %r" % got)


if __name__ == "__main__":
    T.main(setup, teardown)

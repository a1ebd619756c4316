#!/usr/bin/env python3
"""The rc language through the real binary: -e runs after the rc files, -A
picks an account block (checked by who logs in to Dovecot), -n skips the
system-wide rc (CRISPIN_SYSTEM_RC), --dump-config round-trips and masks
secrets, and rc errors stop scripting commands with exit 3."""

import os
import re
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from crispintest import Suite, account_rc, folder_names  # noqa: E402
from dovecot import Dovecot, free_port  # noqa: E402

T = Suite(__file__)
dc = None
BOB = "bob@example.org"


def setup():
    global dc
    dc = Dovecot().start()


def teardown():
    if dc:
        dc.stop()


def login_of(mark, user):
    m = dc.wait_log(r"imap-login: Info: Login: user=<%s>.*" % re.escape(user),
                    mark)
    return m is not None


def common_rc():
    """Options every account shares: the test CA and a short timeout."""
    return ('set tls_ca_file = "%s"\nset connect_timeout = 10\n'
            % dc.ca_file)


def accounts_rc():
    return T.write("accounts.rc", common_rc() +
                   "account alice\n"
                   "  set imap_url = \"%s\"\n"
                   "  set imap_pass = \"%s\"\n"
                   "end\n"
                   "account bob\n"
                   "  set imap_url = \"%s\"\n"
                   "  set imap_pass = \"%s\"\n"
                   "end\n" % (dc.imap_url("alice"), dc.users["alice"],
                              dc.imap_url(BOB), dc.users[BOB]))


@T.case("-e sets an option after the rc file (imap_url given only by -e)")
def _():
    rc = T.write("no-url.rc", common_rc() +
                 'set imap_pass = "%s"\n' % dc.users["alice"])
    r = T.crispin("folders", rcfile=rc)
    T.expect_code(r, 3)
    r = T.crispin("-e", "set imap_url = %s" % dc.imap_url("alice"),
                  "folders", rcfile=rc)
    T.expect_code(r, 0)
    T.expect("INBOX" in folder_names(r.out), "no INBOX: %r" % r.out)


@T.case("-e runs after the rc file and in order")
def _():
    rc = T.write("order.rc", "set realname = from-rc sort = size\n")
    r = T.crispin("-e", "set realname = first", "-e",
                  "set realname = second; set sort = threads",
                  "--dump-config", rcfile=rc, trace=False)
    T.expect_code(r, 0)
    T.expect("set realname = second\n" in r.out, r.out)
    T.expect("set sort = threads\n" in r.out, r.out)


@T.case("an account block is used by default: the first one")
def _():
    mark = dc.log_mark()
    r = T.crispin("folders", rcfile=accounts_rc())
    T.expect_code(r, 0)
    T.expect(login_of(mark, "alice"), "alice did not log in")


@T.case("-A bob logs in as bob, -A alice as alice")
def _():
    rc = accounts_rc()
    mark = dc.log_mark()
    r = T.crispin("-A", "bob", "folders", rcfile=rc)
    T.expect_code(r, 0)
    T.expect(login_of(mark, BOB), "bob did not log in")
    mark = dc.log_mark()
    r = T.crispin("-A", "alice", "folders", rcfile=rc)
    T.expect_code(r, 0)
    T.expect(login_of(mark, "alice"), "alice did not log in")


@T.case("-A selects the server too: a dead port in one account only")
def _():
    rc = T.write("ports.rc", common_rc() +
                 'set imap_pass = "%s"\n' % dc.users["alice"] +
                 "account dead\n"
                 "  set imap_url = imaps://alice@127.0.0.1:%d/\n"
                 "end\n"
                 "account live\n"
                 "  set imap_url = %s\n"
                 "end\n" % (free_port(), dc.imap_url("alice")))
    r = T.crispin("folders", rcfile=rc)
    T.expect_code(r, 4)
    r = T.crispin("-A", "live", "folders", rcfile=rc)
    T.expect_code(r, 0)


@T.case("-A with an unknown account: exit 3 naming the accounts")
def _():
    r = T.crispin("-A", "carol", "folders", rcfile=accounts_rc(),
                  trace=False)
    T.expect_code(r, 3)
    T.expect_error_message(r)
    T.expect("carol" in r.err and "alice, bob" in r.err, r.err)


@T.case("the system rc is read first; -n skips it")
def _():
    system = T.write("system.rc", "set realname = system-wide\n"
                     "set imap_url = %s\n" % dc.imap_url("alice"))
    rc = T.write("user.rc", common_rc() +
                 'set imap_pass = "%s"\n' % dc.users["alice"])
    env = {"CRISPIN_SYSTEM_RC": system}
    r = T.crispin("--dump-config", rcfile=rc, env=env, trace=False)
    T.expect_code(r, 0)
    T.expect("set realname = system-wide\n" in r.out, r.out)
    r = T.crispin("folders", rcfile=rc, env=env)
    T.expect_code(r, 0)
    r = T.crispin("-n", "--dump-config", rcfile=rc, env=env, trace=False)
    T.expect_code(r, 0)
    T.expect("system-wide" not in r.out, r.out)
    r = T.crispin("-n", "folders", rcfile=rc, env=env, trace=False)
    T.expect_code(r, 3)
    T.expect("imap_url" in r.err, "no hint about imap_url: %r" % r.err)


@T.case("a typo in the system rc is reported with its name; -n avoids it")
def _():
    system = T.write("bad-system.rc", "set sidebar_widht = 20\n")
    rc = T.write_rc(account_rc(dc))
    env = {"CRISPIN_SYSTEM_RC": system}
    r = T.crispin("folders", rcfile=rc, env=env, trace=False)
    T.expect_code(r, 3)
    T.expect("%s:1: unknown option 'sidebar_widht' (did you mean "
             "'sidebar_width'?)" % system in r.err, r.err)
    r = T.crispin("-n", "folders", rcfile=rc, env=env, trace=False)
    T.expect_code(r, 0)


@T.case("--dump-config round-trips and masks secrets")
def _():
    rc = T.write("full.rc", common_rc() +
                 "set imap_url = %s imap_pass = 'sw0rdfish'\n"
                 "set sort = reverse-threads nobeep_new index_format = "
                 "'%%4C %%-20.20L # %%s'\n"
                 "bind index gg first-entry\n"
                 "unbind index d\n"
                 "macro index ,i '<change-folder>=INBOX<enter>' 'inbox'\n"
                 "color index_subject bold brightyellow default ~N\n"
                 "mailboxes INBOX Archive\n"
                 "alias bob 'Bob <bob@example.org>'\n"
                 "folder-hook . 'set sort=date'\n"
                 "account work\n"
                 "  set smtp_pass = `echo s3cr3t`\n"
                 "end\n" % dc.imap_url("alice"))
    r1 = T.crispin("-n", "--dump-config", rcfile=rc, trace=False)
    T.expect_code(r1, 0)
    for secret in ("sw0rdfish", "s3cr3t"):
        T.expect(secret not in r1.out, "%s in the dump" % secret)
    T.expect('set imap_pass = "***"' in r1.out, r1.out)
    T.expect("bind index gg first-entry" in r1.out, r1.out)
    dump = T.write("dump.rc", r1.out)
    r2 = T.crispin("-n", "--dump-config", rcfile=dump, trace=False)
    T.expect_code(r2, 0)
    T.expect_eq(r2.out, r1.out, "second dump")
    r3 = T.crispin("-n", "--dump-config", "--defaults", rcfile=dump,
                   trace=False)
    T.expect_code(r3, 0)
    T.expect("set tls = yes\n" in r3.out and "set sort = reverse-threads\n"
             in r3.out, "--defaults lacks options")
    dump2 = T.write("dump-all.rc", r3.out)
    r4 = T.crispin("-n", "--dump-config", "--defaults", rcfile=dump2,
                   trace=False)
    T.expect_eq(r4.out, r3.out, "second full dump")


@T.case("an rc with a typo: folders still stops with exit 3, FILE:LINE")
def _():
    opts = account_rc(dc)
    rc = T.write("typo.rc", "".join('set %s = "%s"\n' % kv
                                    for kv in opts.items()) +
                 "set sort = tread\n"
                 "bind index x nxt-entry\n"
                 "color statsu red default\n")
    r = T.crispin("folders", rcfile=rc, trace=False)
    T.expect_code(r, 3)
    T.expect_error_message(r)
    n = len(opts)
    for line, text in ((n + 1, "did you mean 'threads'?"),
                       (n + 2, "did you mean 'next-entry'?"),
                       (n + 3, "did you mean 'status'?")):
        T.expect(re.search(r"%s:%d: .*%s" % (re.escape(rc), line,
                                             re.escape(text)), r.err),
                 "no %s:%d error: %r" % (rc, line, r.err))
    T.expect(r.out == "", "folders ran: %r" % r.out)


@T.case("a failing backtick command is a FILE:LINE error")
def _():
    rc = T.write("backtick.rc", "\n".join(
        'set %s = "%s"' % kv for kv in account_rc(dc).items()) +
        "\nset imap_pass = `false`\n")
    r = T.crispin("folders", rcfile=rc, trace=False)
    T.expect_code(r, 3)
    T.expect("%s:%d: command `false` failed" % (rc, len(account_rc(dc)) + 1)
             in r.err, r.err)


@T.case("-e errors are reported as -e:LINE; --defaults alone is a usage error")
def _():
    r = T.crispin("-n", "-e", "set bogus = 1", "--dump-config",
                  rcfile=T.write("empty.rc", ""), trace=False)
    T.expect_code(r, 3)
    T.expect("crispin: -e:1: unknown option 'bogus'" in r.err, r.err)
    r = T.crispin("--defaults", "folders", trace=False)
    T.expect_code(r, 2)
    r = T.crispin("--dump-config", "folders", trace=False)
    T.expect_code(r, 2)


T.main(setup=setup, teardown=teardown)

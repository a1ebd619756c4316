#!/usr/bin/env python3
"""crispin connects to a real Dovecot: implicit TLS, STARTTLS, plaintext
only when allowed, percent-encoded user names, password commands, and
network failures."""

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


def setup():
    global dc
    dc = Dovecot().start()


def teardown():
    if dc:
        dc.stop()


def login_line(mark, user="alice"):
    """Dovecot's log line for a successful login of user after mark."""
    m = dc.wait_log(r"imap-login: Info: Login: user=<%s>.*" % re.escape(user),
                    mark)
    return m.group(0) if m else None


@T.case("implicit TLS (imaps://) lists folders")
def _():
    mark = dc.log_mark()
    r = T.crispin("folders", rc=account_rc(dc))
    T.expect_code(r, 0)
    T.expect("INBOX" in folder_names(r.out), "no INBOX in %r" % r.out)
    line = login_line(mark)
    T.expect(line and "TLS" in line,
             "Dovecot logged no TLS login: %r" % line)


@T.case("STARTTLS (imap://) upgrades before logging in")
def _():
    mark = dc.log_mark()
    r = T.crispin("folders", rc=account_rc(dc, implicit_tls=False))
    T.expect_code(r, 0)
    T.expect("INBOX" in folder_names(r.out), "no INBOX in %r" % r.out)
    t = r.trace
    st = re.search(r"^C: \S+ STARTTLS\s*$", t, re.M | re.I)
    T.expect(st, "trace has no STARTTLS command:\n%s" % t[-1500:])
    auth = re.search(r"^C: \S+ (AUTHENTICATE|LOGIN)\b", t, re.M | re.I)
    T.expect(auth and auth.start() > st.start(),
             "credentials not sent after STARTTLS:\n%s" % t[-1500:])
    line = login_line(mark)
    T.expect(line and "TLS" in line,
             "Dovecot logged no TLS login: %r" % line)


@T.case("percent-encoded user name in imap_url (bob%40example.org)")
def _():
    mark = dc.log_mark()
    rc = account_rc(dc, "bob@example.org")
    T.expect("bob%40example.org@" in rc["imap_url"], rc["imap_url"])
    r = T.crispin("folders", rc=rc)
    T.expect_code(r, 0)
    T.expect(login_line(mark, "bob@example.org"),
             "Dovecot logged no login for bob@example.org")


@T.case("imap_pass_cmd: first output line is the password")
def _():
    pwfile = T.write("password", dc.users["alice"] + "\nnot-the-password\n")
    rc = account_rc(dc, password=False, imap_pass_cmd="cat " + pwfile)
    r = T.crispin("folders", rc=rc)
    T.expect_code(r, 0)
    T.expect("INBOX" in folder_names(r.out), "no INBOX in %r" % r.out)


@T.case("imap:// with tls = no is refused without allow_plaintext (exit 6)")
def _():
    mark = dc.log_mark()
    rc = account_rc(dc, implicit_tls=False, tls="no", tls_ca_file=None)
    r = T.crispin("folders", rc=rc)
    T.expect_code(r, 6)
    T.expect_error_message(r)
    T.expect_no_credentials_sent(r)
    T.expect_secret_hidden(r, "alice", dc.users["alice"], need_stars=False)
    dc.wait_log(r"Disconnected", mark, timeout=2)
    log = dc.log_since(mark)
    T.expect("user=<alice>" not in log and "(alice," not in log,
             "Dovecot saw an authentication attempt:\n%s" % log[-1500:])


@T.case("imap:// with tls = no and allow_plaintext = yes logs in")
def _():
    mark = dc.log_mark()
    rc = account_rc(dc, implicit_tls=False, tls="no", tls_ca_file=None,
                    allow_plaintext="yes")
    r = T.crispin("folders", rc=rc)
    T.expect_code(r, 0)
    T.expect("INBOX" in folder_names(r.out), "no INBOX in %r" % r.out)
    T.expect(not re.search(r"^C: \S+ STARTTLS", r.trace, re.M | re.I),
             "STARTTLS was sent although tls = no")
    line = login_line(mark)
    T.expect(line and "TLS" not in line,
             "Dovecot logged no plaintext login: %r" % line)


@T.case("connection refused on a closed port: exit 4")
def _():
    port = free_port()
    rc = account_rc(dc)
    rc["imap_url"] = "imaps://alice@127.0.0.1:%d/" % port
    r = T.crispin("folders", rc=rc, timeout=30)
    T.expect_code(r, 4)
    T.expect_error_message(r)
    T.expect("127.0.0.1" in r.err, "stderr does not name the host: %r"
             % r.err)


if __name__ == "__main__":
    T.main(setup, teardown)

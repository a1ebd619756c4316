#!/usr/bin/env python3
"""crispin authenticates with every SASL mechanism Dovecot offers, falls
back to IMAP LOGIN only when told, fails cleanly on bad credentials, and
never writes a credential into its --trace file."""

import os
import re
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from crispintest import Suite, account_rc, folder_names  # noqa: E402
from dovecot import Dovecot, AUTH_MECHANISMS, OAUTH_MECHANISMS  # noqa: E402

T = Suite(__file__)
dc = None


def setup():
    global dc
    dc = Dovecot().start()


def teardown():
    if dc:
        dc.stop()


def authenticate_lines(r):
    return re.findall(r"^C: \S+ AUTHENTICATE (\S+)", r.trace, re.M | re.I)


def logged_method(mark, user="alice"):
    m = dc.wait_log(r"Login: user=<%s>, method=([A-Z0-9-]+)"
                    % re.escape(user), mark)
    return m.group(1) if m else None


def mechanism_case(mech):
    @T.case("SASL %s logs in (trace shows AUTHENTICATE %s)" % (mech, mech))
    def _():
        mark = dc.log_mark()
        r = T.crispin("folders",
                      rc=account_rc(dc, imap_authenticators=mech))
        T.expect_code(r, 0)
        T.expect("INBOX" in folder_names(r.out), "no INBOX in %r" % r.out)
        used = [m.upper() for m in authenticate_lines(r)]
        T.expect(used == [mech], "AUTHENTICATE lines in the trace: %r"
                 % used)
        T.expect_eq(logged_method(mark), mech, "method in Dovecot's log")
        T.expect_secret_hidden(r, "alice", dc.users["alice"],
                               need_stars=not mech.startswith("SCRAM"))


for _mech in AUTH_MECHANISMS:
    mechanism_case(_mech)


def oauth_case(mech):
    @T.case("SASL %s with imap_oauth_cmd logs in" % mech)
    def _():
        mark = dc.log_mark()
        token = dc.oauth_token("alice")
        tokfile = T.write("token", token + "\n")
        rc = account_rc(dc, password=False, imap_authenticators=mech,
                        imap_oauth_cmd="cat " + tokfile)
        r = T.crispin("folders", rc=rc)
        T.expect_code(r, 0)
        used = [m.upper() for m in authenticate_lines(r)]
        T.expect(used == [mech], "AUTHENTICATE lines in the trace: %r"
                 % used)
        T.expect_eq(logged_method(mark), mech, "method in Dovecot's log")
        T.expect_secret_hidden(r, "alice", token)


for _mech in OAUTH_MECHANISMS:
    oauth_case(_mech)


@T.case("OAUTHBEARER with a token the server rejects: exit 6")
def _():
    tokfile = T.write("token", "not-a-valid-token\n")
    rc = account_rc(dc, password=False, imap_authenticators="OAUTHBEARER",
                    imap_oauth_cmd="cat " + tokfile)
    r = T.crispin("folders", rc=rc)
    T.expect_code(r, 6)
    T.expect_error_message(r)
    T.expect_secret_hidden(r, "alice", "not-a-valid-token")


@T.case("default choice uses SASL, not the IMAP LOGIN command")
def _():
    r = T.crispin("folders", rc=account_rc(dc))
    T.expect_code(r, 0)
    T.expect(authenticate_lines(r), "no AUTHENTICATE in the trace:\n%s"
             % r.trace[-1500:])
    T.expect(not re.search(r"^C: \S+ LOGIN\b", r.trace, re.M | re.I),
             "IMAP LOGIN was used although SASL mechanisms fit")
    T.expect_secret_hidden(r, "alice", dc.users["alice"], need_stars=False)


@T.case("imap_authenticators = imap-login uses the IMAP LOGIN command")
def _():
    mark = dc.log_mark()
    r = T.crispin("folders",
                  rc=account_rc(dc, imap_authenticators="imap-login"))
    T.expect_code(r, 0)
    T.expect(re.search(r"^C: \S+ LOGIN\b", r.trace, re.M | re.I),
             "no LOGIN command in the trace:\n%s" % r.trace[-1500:])
    T.expect(not authenticate_lines(r), "AUTHENTICATE was used: %r"
             % authenticate_lines(r))
    T.expect(logged_method(mark), "Dovecot logged no login")
    T.expect_secret_hidden(r, "alice", dc.users["alice"])


@T.case("password with spaces, user with @ (bob@example.org) via LOGIN")
def _():
    rc = account_rc(dc, "bob@example.org", imap_authenticators="imap-login")
    r = T.crispin("folders", rc=rc)
    T.expect_code(r, 0)
    T.expect_secret_hidden(r, "bob@example.org", dc.users["bob@example.org"])


@T.case("password with spaces, user with @ (bob@example.org) via PLAIN")
def _():
    rc = account_rc(dc, "bob@example.org", imap_authenticators="PLAIN")
    r = T.crispin("folders", rc=rc)
    T.expect_code(r, 0)
    T.expect_secret_hidden(r, "bob@example.org", dc.users["bob@example.org"])


def wrong_password_case(mech):
    @T.case("wrong password (%s): exit 6 with a clear message" % mech)
    def _():
        mark = dc.log_mark()
        bad = "Wrong-Password-42"
        rc = account_rc(dc, imap_pass=bad, imap_authenticators=mech)
        r = T.crispin("folders", rc=rc)
        T.expect_code(r, 6)
        T.expect_error_message(r)
        T.expect(re.search(r"auth|password|login|credential", r.err, re.I),
                 "stderr does not say authentication failed: %r" % r.err)
        T.expect_secret_hidden(r, "alice", bad, need_stars=False)
        T.expect(dc.wait_log(r"\(alice,[^)]*\): (Password mismatch|"
                             r".*mismatch)", mark),
                 "Dovecot logged no failed attempt for alice")


for _mech in ("PLAIN", "SCRAM-SHA-256", "imap-login"):
    wrong_password_case(_mech)


@T.case("no usable mechanism (only CRAM-MD5 allowed): exit 6, nothing sent")
def _():
    mark = dc.log_mark()
    r = T.crispin("folders",
                  rc=account_rc(dc, imap_authenticators="CRAM-MD5"))
    T.expect_code(r, 6)
    T.expect_error_message(r)
    T.expect_no_credentials_sent(r)
    dc.wait_log(r"Disconnected", mark, timeout=2)
    T.expect("(alice," not in dc.log_since(mark),
             "Dovecot saw an authentication attempt")


@T.case("ordered imap_authenticators: first offered one is used")
def _():
    r = T.crispin("folders", rc=account_rc(
        dc, imap_authenticators="CRAM-MD5:SCRAM-SHA-1:PLAIN"))
    T.expect_code(r, 0)
    T.expect_eq([m.upper() for m in authenticate_lines(r)],
                ["SCRAM-SHA-1"], "AUTHENTICATE lines")


if __name__ == "__main__":
    T.main(setup, teardown)

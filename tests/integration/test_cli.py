#!/usr/bin/env python3
"""crispin's command line: --version, --help, usage errors, rc file
errors, and a protocol error from a server that does not speak IMAP.
Needs no Dovecot."""

import os
import re
import socket
import sys
import threading

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from crispintest import Suite  # noqa: E402

T = Suite(__file__)


@T.case("--version prints the name and a version, exit 0")
def _():
    r = T.crispin("--version", trace=False)
    T.expect_code(r, 0)
    T.expect(re.search(r"crispin\D*\d+\.\d+", r.out),
             "no version on stdout: %r" % r.out)


@T.case("--help lists commands and every exit code, exit 0")
def _():
    r = T.crispin("--help", trace=False)
    T.expect_code(r, 0)
    T.expect("folders" in r.out, "--help does not mention folders")
    T.expect(re.search(r"exit", r.out, re.I), "--help has no exit codes")
    for code in range(0, 8):
        T.expect(re.search(r"(^|\s)%d(\s|[:.,)=-])" % code, r.out, re.M),
                 "--help does not mention exit code %d" % code)


@T.case("unknown command: exit 2, message on stderr")
def _():
    r = T.crispin("no-such-command", trace=False)
    T.expect_code(r, 2)
    T.expect_error_message(r)


@T.case("unknown option: exit 2")
def _():
    r = T.crispin("--no-such-option", "folders", trace=False)
    T.expect_code(r, 2)
    T.expect_error_message(r)


@T.case("unknown option of folders: exit 2")
def _():
    rc = T.write_rc({"imap_url": "imaps://alice@127.0.0.1:1/"})
    r = T.crispin("folders", "--no-such-flag", rcfile=rc, trace=False)
    T.expect_code(r, 2)
    T.expect_error_message(r)


@T.case("rc syntax error: exit 3 with FILE:LINE:")
def _():
    rc = T.write("bad-syntax.rc",
                 '# a comment\n'
                 'set imap_url = "imaps://alice@127.0.0.1:1/"\n'
                 'set imap_pass = "unterminated\n')
    r = T.crispin("folders", rcfile=rc, trace=False)
    T.expect_code(r, 3)
    T.expect_error_message(r)
    T.expect("%s:3:" % rc in r.err, "stderr lacks %s:3: %r" % (rc, r.err))


@T.case("unknown rc option: exit 3 with FILE:LINE:")
def _():
    rc = T.write("bad-option.rc",
                 'set imap_url = "imaps://alice@127.0.0.1:1/"\n'
                 '\n'
                 'set no_such_option = "1"\n'
                 'set imap_pass = "x"\n')
    r = T.crispin("folders", rcfile=rc, trace=False)
    T.expect_code(r, 3)
    T.expect("%s:3:" % rc in r.err, "stderr lacks %s:3: %r" % (rc, r.err))


@T.case("missing rc file given with -F: exit 3")
def _():
    missing = os.path.join(T.workdir, "does-not-exist.rc")
    r = T.crispin("folders", rcfile=missing, trace=False)
    T.expect_code(r, 3)
    T.expect_error_message(r)
    T.expect(missing in r.err, "stderr does not name the file: %r" % r.err)


@T.case("no imap_url configured: exit 3")
def _():
    rc = T.write("empty.rc", "# nothing here\n")
    r = T.crispin("folders", rcfile=rc, trace=False)
    T.expect_code(r, 3)
    T.expect_error_message(r)


class NotImapServer:
    """Accepts connections on 127.0.0.1 and answers with something that is
    not IMAP."""

    def __init__(self, greeting):
        self.greeting = greeting
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.port = self.sock.getsockname()[1]
        self.received = b""
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        self.sock.settimeout(30)
        try:
            conn, _ = self.sock.accept()
        except OSError:
            return
        with conn:
            conn.settimeout(5)
            try:
                conn.sendall(self.greeting)
                while True:
                    data = conn.recv(4096)
                    if not data:
                        break
                    self.received += data
                    conn.sendall(b")))) this is not IMAP ((((\r\n")
            except OSError:
                pass

    def close(self):
        self.sock.close()


@T.case("a server that does not speak IMAP: exit 7, nothing secret sent")
def _():
    srv = NotImapServer(b"HTTP/1.1 400 Bad Request\r\n"
                        b"Content-Length: 0\r\n\r\n")
    try:
        rc = {"imap_url": "imap://alice@127.0.0.1:%d/" % srv.port,
              "imap_pass": "Secret-Not-Sent-1", "tls": "no",
              "allow_plaintext": "yes", "connect_timeout": "5"}
        r = T.crispin("folders", rc=rc, timeout=30)
        T.expect_code(r, 7)
        T.expect_error_message(r)
        T.expect(b"Secret-Not-Sent-1" not in srv.received,
                 "password sent to a non-IMAP server")
    finally:
        srv.close()


if __name__ == "__main__":
    T.main()

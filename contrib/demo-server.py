#!/usr/bin/env python3
"""Starts a private demo Dovecot with sample mail and shows it with crispin.

usage: contrib/demo-server.py [--crispin PATH] [--no-wait]

The server listens on 127.0.0.1 on free ports (IMAPS and IMAP+STARTTLS),
with user "demo", password "demo", a certificate made on the spot, and the
messages from contrib/demo-mail.py. A crispinrc for it is written next to
the server's files. Then `crispin -F RC folders --counts` and `list -f
INBOX` run; on a terminal the interface opens next (q quits it) and the
server keeps running until Enter or Ctrl-C (it stops right away without a
terminal, or with --no-wait). Everything is removed on exit.
contrib/try builds crispin and runs this.
"""

import argparse
import os
import shlex
import subprocess
import sys

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "lib"))
from dovecot import Dovecot, DovecotError, available  # noqa: E402
import samplemail  # noqa: E402

USER = PASSWORD = "demo"


def write_rc(dc):
    path = os.path.join(dc.tmpdir, "crispinrc")
    with open(path, "w") as f:
        f.write("# crispinrc for the demo server started by contrib/try\n"
                'set imap_url = "imaps://%s@127.0.0.1:%d/"\n'
                'set tls_ca_file = "%s"\n'
                'set imap_pass = "%s"\n'
                '# keep the demo\'s cache with the demo server\n'
                'set cache_dir = "%s"\n'
                % (USER, dc.imaps_port, dc.ca_file, PASSWORD,
                   os.path.join(dc.tmpdir, "cache")))
    os.chmod(path, 0o644)
    return path


def instructions(dc, rc, crispin):
    q = shlex.quote
    print("""
The demo server keeps running:
  host       127.0.0.1
  IMAPS      port %(imaps)d (implicit TLS)
  IMAP       port %(imap)d (STARTTLS)
  user       %(user)s
  password   %(pw)s
  CA file    %(ca)s
  SHA-256    %(fp)s

Try it from another terminal:
  %(crispin)s -F %(rc)s                      (the interface)
  %(crispin)s -F %(rc)s folders --counts
  %(crispin)s -F %(rc)s folders --counts --json
  %(crispin)s -F %(rc)s list -f INBOX
  %(crispin)s -F %(rc)s list -f INBOX --json
  mutt -n -e 'set ssl_ca_certificates_file=%(ca)s imap_pass=%(pw)s' \\
       -f imaps://%(user)s@127.0.0.1:%(imaps)d/
  openssl s_client -connect 127.0.0.1:%(imaps)d -CAfile %(ca)s
""" % {"imaps": dc.imaps_port, "imap": dc.imap_port, "user": USER,
       "pw": PASSWORD, "ca": q(dc.ca_file), "fp": dc.fingerprint,
       "crispin": q(crispin), "rc": q(rc)})


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--crispin", default=os.path.join(HERE, "..", "crispin"),
                    help="the crispin binary (default: ./crispin)")
    ap.add_argument("--no-wait", action="store_true",
                    help="stop right after showing the folders")
    args = ap.parse_args()
    crispin = os.path.abspath(args.crispin)

    if not available():
        print("contrib/demo-server.py: dovecot, doveadm and openssl are "
              "needed (Debian: apt-get install dovecot-imapd openssl)",
              file=sys.stderr)
        return 1
    try:
        dc = Dovecot(users={USER: PASSWORD}, oauth=False).start()
    except DovecotError as e:
        print("contrib/demo-server.py: %s" % e, file=sys.stderr)
        return 1
    try:
        samplemail.populate(dc, USER)
        rc = write_rc(dc)
        print("Demo Dovecot on 127.0.0.1:%d (IMAPS), user %s, password %s,"
              " %d sample messages." % (dc.imaps_port, USER, PASSWORD,
                                         len(samplemail.messages())))
        print("The interactive interface (first steps): %s -F %s"
              % (crispin, rc))
        print("Here are the folder list and the INBOX:")
        print("$ crispin -F %s folders --counts" % rc)
        sys.stdout.flush()
        if os.access(crispin, os.X_OK):
            status = subprocess.run([crispin, "-F", rc, "folders",
                                     "--counts"]).returncode
            if status == 0:
                print("$ crispin -F %s list -f INBOX" % rc)
                sys.stdout.flush()
                status = subprocess.run([crispin, "-F", rc, "list", "-f",
                                         "INBOX"]).returncode
            if status != 0:
                print("crispin exited with status %d" % status)
        else:
            print("contrib/demo-server.py: no crispin binary at %s" % crispin,
                  file=sys.stderr)
            status = 1
        if args.no_wait or not sys.stdin.isatty() or not sys.stdout.isatty():
            return status
        # On a terminal: the interface itself, against the same server.
        if status == 0:
            try:
                input("\nPress Enter to open the interface (? lists the keys, "
                      "q quits it). ")
                subprocess.run([crispin, "-F", rc])
            except (EOFError, KeyboardInterrupt):
                print()
        instructions(dc, rc, crispin)
        try:
            input("Press Enter or Ctrl-C to stop the server. ")
        except (EOFError, KeyboardInterrupt):
            print()
        return status
    finally:
        dc.stop()
        print("Demo server stopped.")


if __name__ == "__main__":
    sys.exit(main())

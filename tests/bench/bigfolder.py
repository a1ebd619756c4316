#!/usr/bin/env python3
"""Keeps a private Dovecot with generated big INBOXes running, for repeated
measurements by hand (peak RSS, heap profiles) without regenerating them.

    tests/bench/bigfolder.py DIR [--sizes 10000,100000]

Generates one user per size (bN, the generator of tests/bench/sync.py),
primes Dovecot's index, writes DIR/crispinrc-N (no proxy: straight to
Dovecot over loopback, cache in DIR/cache-N) and DIR/ready, then runs
until interrupted (SIGINT or SIGTERM; stopping Dovecot takes some
seconds with 100 000 messages). Measure with, for example:

    rm -rf DIR/cache-100000          # cold
    /usr/bin/time -f '%M KiB' ./crispin -F DIR/crispinrc-100000 list >/dev/null
"""

import argparse
import os
import signal
import sys
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, HERE)
from dovecot import Dovecot  # noqa: E402
from sync import PASSWORD, fill_maildir, prime  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--sizes", default="10000,100000")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    os.makedirs(args.dir, exist_ok=True)
    users = {"b%d" % n: PASSWORD for n in sizes}
    with Dovecot(users=users) as dc:
        for n in sizes:
            t0 = time.monotonic()
            fill_maildir(dc, "b%d" % n, n, seed=n)
            prime(dc, "b%d" % n)
            print("generated and indexed %d messages in %.1f s"
                  % (n, time.monotonic() - t0), file=sys.stderr)
            rc = os.path.join(args.dir, "crispinrc-%d" % n)
            with open(rc, "w") as f:
                f.write('set imap_url = "imaps://b%d@127.0.0.1:%d/"\n'
                        'set imap_pass = "%s"\nset tls_ca_file = "%s"\n'
                        'set cache_dir = "%s"\n'
                        % (n, dc.imaps_port, PASSWORD, dc.ca_file,
                           os.path.join(args.dir, "cache-%d" % n)))
        with open(os.path.join(args.dir, "ready"), "w") as f:
            f.write("%d\n" % os.getpid())
        print("ready: %s/crispinrc-N" % args.dir, file=sys.stderr)
        try:
            signal.pause()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()

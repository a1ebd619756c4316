#!/usr/bin/env python3
"""What a warm `crispin list` costs on the wire: time, bytes received and
sent (TLS records included) and crispin's own --stats, run after run, over
the shaped link of tests/bench/sync.py.

    RUNS=4 /usr/bin/python3 tests/bench/warmbytes.py ./crispin [COUNT]
                                                      [--no-resume]

The first run is cold (an empty cache_dir); the next ones are warm with
nothing changed, and from the second on crispin knows the server
(server-hint). The private Dovecot runs in high-performance login mode
(one imap-login process for every connection), so that TLS sessions can
be resumed; --no-resume keeps Debian's default (a login process per
connection: never resumed).
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, HERE)
from dovecot import Dovecot  # noqa: E402
from delayproxy import DelayProxy  # noqa: E402
import sync  # noqa: E402


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    resume = "--no-resume" not in sys.argv
    if not args:
        sys.exit(__doc__)
    crispin = os.path.abspath(args[0])
    count = int(args[1]) if len(args) > 1 else 2000
    runs = int(os.environ.get("RUNS", "4"))
    extra = ["service imap-login {", "  service_count = 0", "}"] if resume else []
    tmp = tempfile.mkdtemp(prefix="crispin-warmbytes-")
    try:
        with Dovecot(users={"b": sync.PASSWORD}, extra_config=extra) as dc:
            sync.fill_maildir(dc, "b", count, seed=count)
            sync.prime(dc, "b")
            proxy = DelayProxy(dc.imaps_port, 20, rate_mbit=20).start()
            rc = os.path.join(tmp, "rc")
            with open(rc, "w") as f:
                f.write('set imap_url = "imaps://b@127.0.0.1:%d/"\n'
                        'set imap_pass = "%s"\nset tls_ca_file = "%s"\n'
                        'set cache_dir = "%s"\n'
                        % (proxy.port, sync.PASSWORD, dc.ca_file,
                           os.path.join(tmp, "cache")))
            env = dict(os.environ, HOME=tmp, LC_ALL="C.UTF-8")
            for run in range(runs):
                down, up = proxy.bytes_down, proxy.bytes_up
                t0 = time.monotonic()
                p = subprocess.run([crispin, "-F", rc, "--stats", "list"],
                                   env=env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE)
                elapsed = time.monotonic() - t0
                time.sleep(0.3)     # the proxy's last bytes
                stats = p.stderr.decode(errors="replace").strip().splitlines()
                print("%s: %.3f s, exit %d, received %d B, sent %d B | %s"
                      % ("cold" if run == 0 else "warm %d" % run, elapsed,
                         p.returncode, proxy.bytes_down - down,
                         proxy.bytes_up - up, stats[-1] if stats else ""))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Cold start over a slow link: connect, TLS, log in and get every folder's
message counts, for crispin and for mutt and neomutt in the same run.

    tests/bench/coldstart.py [--delay-ms 20] [--folders 20] [--runs 5]

crispin runs `crispin folders --counts`. mutt and neomutt run with -Z and
every folder listed in `mailboxes` with no new mail anywhere: they connect,
log in, check each mailbox's status and exit, the same work. A proxy adds
--delay-ms in each direction (20 ms one way = a 40 ms round trip). Prints a
Markdown table with median wall-clock seconds, round trips, and ratios to
crispin. Needs dovecot-imapd; mutt and neomutt are skipped when missing.
"""

import argparse
import imaplib
import ssl
import os
import shutil
import statistics
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


def find_crispin():
    if os.environ.get("CRISPIN"):
        return os.environ["CRISPIN"]
    b = os.environ.get("CRISPIN_BUILDDIR", os.path.join(HERE, "..", ".."))
    return os.path.join(b, "crispin")


def run_timed(cmd, env, timeout=60):
    t0 = time.monotonic()
    try:
        p = subprocess.run(cmd, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                           timeout=timeout)
    except subprocess.TimeoutExpired as e:
        sys.exit("%s timed out; its output: %r" % (cmd[0], (e.stdout or b"")[-800:]))
    return time.monotonic() - t0, p


def clear_recent(dc, nfolders):
    """Selecting a folder once clears \\Recent, which mutt's -Z would take
    for new mail."""
    ctx = ssl.create_default_context(cafile=dc.ca_file)
    m = imaplib.IMAP4_SSL("127.0.0.1", dc.imaps_port, ssl_context=ctx)
    m.login("bench", "bench-pass")
    for i in range(nfolders):
        m.select("Folder%02d" % i)
    m.logout()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--delay-ms", type=float, default=20)
    ap.add_argument("--folders", type=int, default=20)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="crispin-bench-")
    env = dict(os.environ, HOME=tmp, LC_ALL="C.UTF-8", TERM="xterm")
    results = []
    with Dovecot(users={"bench": "bench-pass"}) as dc:
        for i in range(args.folders):
            dc.create_folder("bench", "Folder%02d" % i)
            dc.deliver("bench", "Folder%02d" % i,
                       b"From: a@example.org\r\nSubject: s\r\n\r\nbody\r\n",
                       flags=["\\Seen"])
        clear_recent(dc, args.folders)
        proxy = DelayProxy(dc.imaps_port, args.delay_ms).start()
        url = "imaps://bench@127.0.0.1:%d/" % proxy.port

        rc = os.path.join(tmp, "crispinrc")
        with open(rc, "w") as f:
            f.write('set imap_url = "%s"\nset imap_pass = "bench-pass"\n'
                    'set tls_ca_file = "%s"\n' % (url, dc.ca_file))
        muttrc = os.path.join(tmp, "muttrc")
        folders = " ".join("%sFolder%02d" % (url, i) for i in range(args.folders))
        with open(muttrc, "w") as f:
            f.write('set imap_pass = "bench-pass"\n'
                    'set ssl_ca_certificates_file = "%s"\n'
                    'set certificate_file = "%s"\n'
                    'set folder = "%s"\nset spoolfile = "%sINBOX"\n'
                    'set imap_check_subscribed = no\nset header_cache = ""\n'
                    'set mail_check_stats = yes\nmailboxes %s\n'
                    % (dc.ca_file, dc.ca_file, url, url, folders))

        clients = [("crispin", [find_crispin(), "-F", rc, "folders", "--counts"])]
        for name in ("mutt", "neomutt"):
            if shutil.which(name):
                # They insist on a terminal: script(1) gives them one.
                clients.append((name, ["script", "-qec", "%s -n -F %s -Z" % (
                    name, muttrc), "/dev/null"]))
        for name, cmd in clients:
            times, trips = [], []
            for _ in range(args.runs):
                before = proxy.round_trips
                dt, p = run_timed(cmd, env)
                out = p.stdout.decode("utf-8", "replace")
                ok = p.returncode == 0 or "No mailbox with new mail" in out
                if not ok:
                    print("%s failed: %s" % (name, p.stderr.decode()[-500:]),
                          file=sys.stderr)
                    break
                times.append(dt)
                trips.append(proxy.round_trips - before)
            if times:
                results.append((name, statistics.median(times),
                                statistics.median(trips)))
        proxy.stop()
    shutil.rmtree(tmp, ignore_errors=True)

    base = results[0][1]
    print("| client | median seconds | client round trips | time vs crispin |")
    print("|---|---|---|---|")
    for name, t, rt in results:
        print("| %s | %.3f | %d | %.2fx |" % (name, t, rt, t / base))
    print()
    print("%d folders, %.0f ms one-way delay (%.0f ms round trip), %d runs each"
          % (args.folders, args.delay_ms, 2 * args.delay_ms, args.runs))


if __name__ == "__main__":
    main()

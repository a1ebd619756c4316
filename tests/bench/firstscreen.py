#!/usr/bin/env python3
"""Time to the first screen of the index, cold and warm, for crispin's
interface, mutt and neomutt, over a slow link, on the same server and
mailboxes as tests/bench/sync.py (whose generator and proxy it uses).

    tests/bench/firstscreen.py [--sizes 10000,50000] [--big] [--delay-ms 20]
                               [--rate-mbit 20] [--runs 1]
                               [--clients crispin,mutt,neomutt] [--pty]

Each client runs in tmux with index_format = "BENCHROW %s"; the time runs
from starting it until the first index row is on the screen, and the
bytes are what the proxy had forwarded to the client by then (TLS
included). Then 'q' quits it. Cold: an empty cache (crispin's cache_dir,
mutt's and neomutt's header_cache); warm: the next run with nothing
changed; crispin also cold on a server seen before (the folders' cache
gone, what the last login learnt kept: server-hint, tls-session). crispin draws a cached folder before its login is done and a
cold one when the first (newest) batch of headers has arrived; mutt and
neomutt draw the index once every header is in.
"""

import argparse
import os
import shlex
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
import sync  # noqa: E402
from latency import PtyClient  # noqa: E402

WANT = "BENCHROW"
USE_PTY = False


def forget_folders(cache):
    """Empties crispin's cache but for what it knows of the server."""
    for root, dirs, files in os.walk(cache):
        for name in files:
            if name not in ("server-hint", "tls-session"):
                os.unlink(os.path.join(root, name))


def first_screen_pty(proxy, cmd, timeout):
    """--pty: the client on a pseudo-terminal of our own; the time runs
    from starting it until WANT is in what it wrote (to a fraction of a
    millisecond: no tmux in between)."""
    before = proxy.bytes_down
    t0 = time.monotonic()
    client = PtyClient(shlex.split(cmd), dict(os.environ))
    seen = client.wait_for([WANT.encode()], 0, timeout)
    got = proxy.bytes_down - before
    client.stop([b"q", b"q", b"q"])
    if seen is None:
        raise RuntimeError("%s: no index row" % cmd)
    time.sleep(0.2)
    return seen - t0, got


def first_screen(tmux, proxy, cmd, timeout):
    """Seconds and bytes received until WANT shows; then quits."""
    if USE_PTY:
        return first_screen_pty(proxy, cmd, timeout)
    before = proxy.bytes_down
    t0 = time.monotonic()
    tmux.tmux("new-session", "-d", "-s", "b", "-x", "160", "-y", "48", cmd)
    seen = got = None
    screen = ""
    while time.monotonic() - t0 < timeout:
        screen = tmux.tmux("capture-pane", "-p", "-t", "b", check=False)
        if WANT in screen:
            seen = time.monotonic() - t0
            got = proxy.bytes_down - before
            break
        time.sleep(0.005)
    for _ in range(600):
        if subprocess.run(["tmux", "-S", tmux.sock, "has-session", "-t", "b"],
                          stderr=subprocess.DEVNULL).returncode != 0:
            break
        tmux.tmux("send-keys", "-t", "b", "q", check=False)
        time.sleep(0.05)
    else:
        tmux.tmux("kill-session", "-t", "b", check=False)
    if seen is None:
        raise RuntimeError("%s: no index row; screen:\n%s" % (cmd, screen))
    time.sleep(0.2)
    return seen, got


def bench_size(args, dc, user, count, tmp, tmux, crispin):
    proxy = DelayProxy(dc.imaps_port, args.delay_ms,
                       rate_mbit=args.rate_mbit).start()
    url = "imaps://%s@127.0.0.1:%d/" % (user, proxy.port)
    rows = []
    clients = set(filter(None, args.clients.split(",")))

    def median_of(cmd, prepare):
        samples = []
        for _ in range(args.runs):
            prepare()
            samples.append(first_screen(tmux, proxy, cmd, 900))
        return (statistics.median(s[0] for s in samples),
                statistics.median(s[1] for s in samples))

    cache = os.path.join(tmp, "fs-crispin-cache-%d" % count)
    rc = os.path.join(tmp, "fs-crispinrc-%d" % count)
    with open(rc, "w") as f:
        f.write('set imap_url = "%s"\nset imap_pass = "%s"\n'
                'set tls_ca_file = "%s"\nset cache_dir = "%s"\n'
                'set index_format = "%s %%s"\n'
                % (url, sync.PASSWORD, dc.ca_file, cache, WANT))
    cmd = "env HOME=%s LC_ALL=C.UTF-8 TERM=screen %s -F %s" % (
        shlex.quote(tmp), shlex.quote(crispin), shlex.quote(rc))
    if "crispin" in clients:
        cold = median_of(cmd, lambda: shutil.rmtree(cache, ignore_errors=True))
        # A folder never opened on a server seen before: what the last
        # login learnt (server-hint, tls-session) stays, the folders go.
        known = median_of(cmd, lambda: forget_folders(cache))
        # The cold runs were quit early: one complete open for the warm
        # ones.
        subprocess.run([crispin, "-F", rc, "list"], stdout=subprocess.DEVNULL,
                       env=dict(os.environ, HOME=tmp), check=True)
        warm = median_of(cmd, lambda: None)
        rows.append(("crispin", cold, warm))
        rows.append(("crispin, server seen before", known, None))
    # --sort: cold opens in other orders (the server's SORT or THREAD
    # first where the order is not by date).
    for order in filter(None, args.sort.split(",")):
        src = os.path.join(tmp, "fs-crispinrc-%d-%s" % (count, order))
        with open(src, "w") as f:
            f.write("source %s\nset sort = %s\n" % (rc, order))
        scmd = "env HOME=%s LC_ALL=C.UTF-8 TERM=screen %s -F %s" % (
            shlex.quote(tmp), shlex.quote(crispin), shlex.quote(src))
        rows.append(("crispin sort=%s" % order, median_of(
            scmd, lambda: shutil.rmtree(cache, ignore_errors=True)), None))

    for name in ("mutt", "neomutt"):
        if name not in clients or not shutil.which(name):
            continue
        hcdir = os.path.join(tmp, "fs-%s-hc-%d" % (name, count))
        muttrc = os.path.join(tmp, "fs-muttrc-%s-%d" % (name, count))
        with open(muttrc, "w") as f:
            f.write('set imap_pass = "%s"\nset ssl_ca_certificates_file = "%s"\n'
                    'set certificate_file = "%s"\nset folder = "%s"\n'
                    'set spoolfile = "%sINBOX"\nset imap_check_subscribed = no\n'
                    'set header_cache = "%s/"\nset index_format = "%s %%s"\n'
                    'set quit = yes\nset move = no\nset mark_old = no\n'
                    'set postponed = "%s"\nset record = ""\n'
                    'set imap_qresync = %s\nset sort = date\nset sleep_time = 0\n'
                    % (sync.PASSWORD, dc.ca_file, dc.ca_file, url, url, hcdir,
                       WANT, os.path.join(tmp, "postponed"),
                       "yes" if name == "neomutt" else "no"))
        cmd = "env HOME=%s LC_ALL=C.UTF-8 TERM=screen %s -n -F %s" % (
            shlex.quote(tmp), name, shlex.quote(muttrc))

        def fresh():
            shutil.rmtree(hcdir, ignore_errors=True)
            os.makedirs(hcdir)
        cold = median_of(cmd, fresh)
        warm = median_of(cmd, lambda: None)
        rows.append((name + (" +qresync" if name == "neomutt" else ""),
                     cold, warm))
    proxy.stop()
    return rows


def report(results, args):
    print("| messages | client | cold first screen s | cold received | "
          "warm first screen s | warm received |")
    print("|---|---|---|---|---|---|")
    for count, rows in results:
        for name, cold, warm in rows:
            print("| %d | %s | %.2f | %s | %s | %s |" % (
                count, name, cold[0], sync.fmt_bytes(cold[1]),
                "%.2f" % warm[0] if warm else "-",
                sync.fmt_bytes(warm[1]) if warm else "-"))
    print()
    print("%.0f ms one way (%.0f ms round trip), %s Mbit/s per direction, "
          "median of %d run(s) each" % (args.delay_ms, 2 * args.delay_ms,
                                        args.rate_mbit or "unlimited", args.runs))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="10000,50000")
    ap.add_argument("--big", action="store_true", help="add 100000 messages")
    ap.add_argument("--delay-ms", type=float, default=20)
    ap.add_argument("--rate-mbit", type=float, default=20)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--sort", default="",
                    help="also crispin cold with these sort orders (comma-separated)")
    ap.add_argument("--clients", default="crispin,mutt,neomutt",
                    help="the clients to measure (comma-separated; --sort "
                    "runs are crispin's and come with any of them)")
    ap.add_argument("--pty", action="store_true",
                    help="run each client on a pseudo-terminal of the script's "
                    "own instead of tmux, and time its output to the byte")
    args = ap.parse_args()
    global USE_PTY
    USE_PTY = args.pty
    sizes = [int(s) for s in args.sizes.split(",")]
    if args.big:
        sizes.append(100000)
    crispin = sync.find_crispin()
    tmp = tempfile.mkdtemp(prefix="crispin-fs-")
    users = {"b%d" % n: sync.PASSWORD for n in sizes}
    tmux = sync.Tmux(tmp)
    results = []
    try:
        with Dovecot(users=users) as dc:
            for n in sizes:
                sync.fill_maildir(dc, "b%d" % n, n, seed=n)
                sync.prime(dc, "b%d" % n)
            for n in sizes:
                results.append((n, bench_size(args, dc, "b%d" % n, n, tmp,
                                              tmux, crispin)))
                print("done %d" % n, file=sys.stderr)
    finally:
        subprocess.run(["tmux", "-S", tmux.sock, "kill-server"],
                       stderr=subprocess.DEVNULL)
        shutil.rmtree(tmp, ignore_errors=True)
    report(results, args)


if __name__ == "__main__":
    main()

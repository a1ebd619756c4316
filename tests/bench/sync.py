#!/usr/bin/env python3
"""Opening a big folder over a slow link, cold and warm, for crispin, mutt
and neomutt in the same run, on the same server and mailboxes.

    tests/bench/sync.py [--sizes 10000,50000] [--big] [--delay-ms 20]
                        [--rate-mbit 20] [--runs 1] [--plot FILE.png]
                        [--compress]

A local Dovecot (tests/lib/dovecot.py) gets one user per size whose INBOX
is a generated Maildir (realistic headers, varied sizes, written directly).
Every client reaches it through tests/bench/delayproxy.py: --delay-ms one
way and --rate-mbit per direction.

crispin: `crispin list > /dev/null` (the complete index), cold with an
empty cache_dir, warm on the second run. mutt and neomutt: run in tmux with
status_format set to "BENCH %m"; the time is until the status line shows
the folder's full message count (the index is drawn), then 'q' quits.
Each runs without a header cache (cold only), with header_cache in a fresh
directory (cold, then warm), and neomutt once more with imap_qresync on.
Bytes received are counted by the proxy (TLS included); peak RSS comes from
wait4() of the client process. --big adds the 100 000-message folder.
"""

import argparse
import imaplib
import os
import random
import shlex
import shutil
import ssl
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

PASSWORD = "bench-pass"
WORDS = ("quarterly report meeting notes invoice draft release build failure "
         "review patch kernel network storage budget travel lunch schedule "
         "update question answer urgent project roadmap design proposal "
         "security audit backup server migration customer feedback").split()
NAMES = ("Alice Martin", "Bob Jansen", "Chiara Rossi", "Dmitri Ivanov",
         "Eve Dubois", "Fatima Haddad", "Günther Müller", "Hana Sato",
         "Ivan Petrov", "Julia Nowak", "Kwame Mensah", "Li Wei")
DOMAINS = ("example.org", "example.net", "lists.example.com", "corp.example")
RSS_WRAPPER = ("import os,sys\n"
               "pid=os.fork()\n"
               "if pid==0:\n"
               "    os.execvp(sys.argv[2],sys.argv[2:])\n"
               "_,st,ru=os.wait4(pid,0)\n"
               "open(sys.argv[1],'w').write('%d\\n'%ru.ru_maxrss)\n"
               "sys.exit(os.waitstatus_to_exitcode(st))\n")


def find_crispin():
    if os.environ.get("CRISPIN"):
        return os.environ["CRISPIN"]
    b = os.environ.get("CRISPIN_BUILDDIR", os.path.join(HERE, "..", ".."))
    return os.path.join(b, "crispin")


def address(rnd):
    name = rnd.choice(NAMES)
    local = name.split()[0].lower()
    return "%s <%s@%s>" % (name, local, rnd.choice(DOMAINS))


def make_message(n, rnd, when):
    """One message: the headers a real mailbox has, a body of varied size."""
    subject = " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(2, 9)))
    if rnd.random() < 0.4:
        subject = "Re: " + subject
    date = time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime(when))
    h = ["Return-Path: <bounce-%d@%s>" % (n, rnd.choice(DOMAINS)),
         "Received: from mx%d.example.net (mx%d.example.net [192.0.2.%d])\n"
         "\tby mail.example.org (Postfix) with ESMTPS id %08X\n"
         "\tfor <bench@example.org>; %s" % (n % 9, n % 9, n % 250, n, date),
         "From: %s" % address(rnd),
         "To: %s" % ", ".join(address(rnd) for _ in range(rnd.randint(1, 3))),
         "Subject: %s" % subject,
         "Date: %s" % date,
         "Message-ID: <%d.%d@bench.example.org>" % (when, n)]
    if rnd.random() < 0.3:
        h.append("Cc: %s" % address(rnd))
    if n > 1 and rnd.random() < 0.4:
        parent = "<%d.%d@bench.example.org>" % (when - 60, n - 1)
        h += ["In-Reply-To: %s" % parent, "References: %s" % parent]
    if rnd.random() < 0.2:
        h.append("List-Id: <devel.lists.example.com>")
    h += ["MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8",
          "Content-Transfer-Encoding: 8bit"]
    size = min(int(rnd.lognormvariate(7.3, 1.1)), 200000)
    line = " ".join(rnd.choice(WORDS) for _ in range(11)) + "\n"
    body = (line * (size // len(line) + 1))[:size]
    return ("\n".join(h) + "\n\n" + body).encode("utf-8")


def fill_maildir(dc, user, count, seed):
    """Writes count messages straight into cur/: one file each, flags in
    the name, no Dovecot involved (fast)."""
    rnd = random.Random(seed)
    cur = os.path.join(dc.maildir(user), "cur")
    for d in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(dc.maildir(user), d), exist_ok=True)
    start = 1600000000
    for n in range(1, count + 1):
        when = start + n * 600
        msg = make_message(n, rnd, when)
        flags = "S" if rnd.random() < 0.9 else ""
        if rnd.random() < 0.03:
            flags = "F" + flags
        path = os.path.join(cur, "%d.M%dP1.bench,S=%d:2,%s" % (when, n, len(msg), flags))
        with open(path, "wb") as f:
            f.write(msg)
        os.utime(path, (when, when))
    if os.geteuid() == 0:
        for root, dirs, files in os.walk(dc.maildir(user)):
            for name in dirs + files:
                os.chown(os.path.join(root, name), dc.mail_uid, dc.mail_gid)


def prime(dc, user):
    """One fetch of everything any client asks for, straight to Dovecot, so
    the first client measured does not pay for Dovecot's indexing."""
    ctx = ssl.create_default_context(cafile=dc.ca_file)
    m = imaplib.IMAP4_SSL("127.0.0.1", dc.imaps_port, ssl_context=ctx)
    m.login(user, PASSWORD)
    m.select("INBOX")
    m.fetch("1:*", "(UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODY.PEEK[HEADER])")
    m.logout()


def wait_rss(path):
    try:
        with open(path) as f:
            return int(f.read().strip()) * 1024
    except (OSError, ValueError):
        return 0


class Tmux:
    """A private tmux server: mutt and neomutt want a terminal."""

    def __init__(self, tmp):
        self.sock = os.path.join(tmp, "tmux.sock")

    def tmux(self, *args, check=True):
        return subprocess.run(["tmux", "-S", self.sock] + list(args),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              check=check).stdout.decode("utf-8", "replace")

    def run_until(self, cmd, want, timeout):
        """Starts cmd in a fresh session; returns seconds until the screen
        shows want, then sends 'q' and waits for the session to end."""
        t0 = time.monotonic()
        self.tmux("new-session", "-d", "-s", "b", "-x", "160", "-y", "48", cmd)
        seen = None
        while time.monotonic() - t0 < timeout:
            screen = self.tmux("capture-pane", "-p", "-t", "b", check=False)
            if want in screen:
                seen = time.monotonic() - t0
                break
            time.sleep(0.01)
        for _ in range(400):
            if subprocess.run(["tmux", "-S", self.sock, "has-session", "-t", "b"],
                              stderr=subprocess.DEVNULL).returncode != 0:
                break
            self.tmux("send-keys", "-t", "b", "q", check=False)
            time.sleep(0.05)
        else:
            self.tmux("kill-session", "-t", "b", check=False)
        if seen is None:
            raise RuntimeError("%s: %r never appeared; screen:\n%s" % (cmd, want, screen))
        return seen


def run_crispin(crispin, rc, env, rss_file):
    t0 = time.monotonic()
    with open(os.devnull, "wb") as null:
        p = subprocess.Popen([sys.executable, "-c", RSS_WRAPPER, rss_file,
                              crispin, "-F", rc, "list"], stdout=null,
                             stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=env)
        _, err = p.communicate(timeout=600)
    dt = time.monotonic() - t0
    if p.returncode != 0:
        raise RuntimeError("crispin failed: %s" % err.decode()[-500:])
    return dt


def measure(proxy, fn):
    before_b, before_rt = proxy.bytes_down, proxy.round_trips
    dt = fn()
    time.sleep(0.2)    # the proxy finishes counting the last bytes
    return dt, proxy.bytes_down - before_b, proxy.round_trips - before_rt


def bench_size(args, dc, user, count, tmp, tmux, crispin):
    env = dict(os.environ, HOME=tmp, LC_ALL="C.UTF-8", TERM="xterm-256color")
    proxy = DelayProxy(dc.imaps_port, args.delay_ms, rate_mbit=args.rate_mbit).start()
    url = "imaps://%s@127.0.0.1:%d/" % (user, proxy.port)
    rows = []
    rss_file = os.path.join(tmp, "rss")

    def median_of(fn, prepare):
        samples = []
        for _ in range(args.runs):
            prepare()
            dt, nbytes, rt = measure(proxy, fn)
            samples.append((dt, nbytes, rt, wait_rss(rss_file)))
        return tuple(statistics.median(s[i] for s in samples) for i in range(4))

    # crispin: cold is an empty cache_dir, warm the run after it.
    cache = os.path.join(tmp, "crispin-cache-%d" % count)
    rc = os.path.join(tmp, "crispinrc-%d" % count)
    with open(rc, "w") as f:
        f.write('set imap_url = "%s"\nset imap_pass = "%s"\nset tls_ca_file = "%s"\n'
                'set cache_dir = "%s"\n' % (url, PASSWORD, dc.ca_file, cache))
    run = lambda: run_crispin(crispin, rc, env, rss_file)  # noqa: E731
    cold = median_of(run, lambda: shutil.rmtree(cache, ignore_errors=True))
    run()    # leaves a cache behind for the warm runs
    warm = median_of(run, lambda: None)
    rows.append(("crispin", cold, warm))

    for name in ("mutt", "neomutt"):
        if not shutil.which(name):
            continue
        variants = [("", None, False), (" +hcache", "hc", False)]
        if name == "neomutt":
            variants.append((" +hcache +qresync", "hcq", True))
        for label, hc, qresync in variants:
            hcdir = os.path.join(tmp, "%s-%s-%d" % (name, hc, count)) if hc else ""
            muttrc = os.path.join(tmp, "muttrc-%s-%s-%d" % (name, hc, count))
            with open(muttrc, "w") as f:
                f.write('set imap_pass = "%s"\nset ssl_ca_certificates_file = "%s"\n'
                        'set certificate_file = "%s"\nset folder = "%s"\n'
                        'set spoolfile = "%sINBOX"\nset imap_check_subscribed = no\n'
                        'set header_cache = "%s"\nset status_format = "BENCH %%m"\n'
                        'set quit = yes\nset move = no\nset mark_old = no\n'
                        'set postponed = "%s"\nset record = ""\n'
                        'set imap_qresync = %s\nset sort = date\nset sleep_time = 0\n'
                        % (PASSWORD, dc.ca_file, dc.ca_file, url, url,
                           hcdir + "/" if hcdir else "", os.path.join(tmp, "postponed"),
                           "yes" if qresync else "no"))
            cmd = "env HOME=%s LC_ALL=C.UTF-8 TERM=screen %s -c %s %s %s -n -F %s" % (
                shlex.quote(tmp), shlex.quote(sys.executable), shlex.quote(RSS_WRAPPER),
                shlex.quote(rss_file), name, shlex.quote(muttrc))
            run = lambda: tmux.run_until(cmd, "BENCH %d" % count, 900)  # noqa: E731

            def fresh():
                if hcdir:
                    shutil.rmtree(hcdir, ignore_errors=True)
                    os.makedirs(hcdir)
            cold = median_of(run, fresh)
            warm = None
            if hc:
                run()
                warm = median_of(run, lambda: None)
            rows.append((name + label, cold, warm))
    proxy.stop()
    return rows


def fmt_bytes(n):
    if n >= 1e6:
        return "%.1f MB" % (n / 1e6)
    return "%.1f KB" % (n / 1e3)


def report(results, args):
    print("| messages | client | cold s | cold received | cold RSS | warm s | "
          "warm received | warm RSS | cold time vs crispin | warm time vs crispin |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for count, rows in results:
        base_cold, base_warm = rows[0][1][0], rows[0][2][0]
        for name, cold, warm in rows:
            w = ("%.2f" % warm[0], fmt_bytes(warm[1]), "%.0f MiB" % (warm[3] / 2**20),
                 "%.1fx" % (warm[0] / base_warm)) if warm else ("-",) * 4
            print("| %d | %s | %.2f | %s | %.0f MiB | %s | %s | %s | %.1fx | %s |" % (
                count, name, cold[0], fmt_bytes(cold[1]), cold[3] / 2**20,
                w[0], w[1], w[2], cold[0] / base_cold, w[3]))
    print()
    print("%.0f ms one way (%.0f ms round trip), %s Mbit/s per direction, "
          "median of %d run(s) each" % (args.delay_ms, 2 * args.delay_ms,
                                        args.rate_mbit or "unlimited", args.runs))


def plot(results, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib missing: no plot", file=sys.stderr)
        return
    sizes = [c for c, _ in results]
    series = {}
    for count, rows in results:
        for name, cold, warm in rows:
            series.setdefault(name + " cold", []).append(cold[0])
            if warm:
                series.setdefault(name + " warm", []).append(warm[0])
    fig, ax = plt.subplots(figsize=(8, 5))
    for name, ys in series.items():
        if len(ys) == len(sizes):
            ax.plot(sizes, ys, marker="o", label=name,
                    linestyle="-" if "cold" in name else "--")
    ax.set_xlabel("messages in INBOX")
    ax.set_ylabel("seconds to the complete index")
    ax.set_title("Opening a folder over 40 ms RTT, 20 Mbit/s")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    print("plot written to %s" % path, file=sys.stderr)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="10000,50000")
    ap.add_argument("--big", action="store_true", help="add 100000 messages")
    ap.add_argument("--delay-ms", type=float, default=20)
    ap.add_argument("--rate-mbit", type=float, default=20)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--plot", help="write a PNG of time against folder size")
    ap.add_argument("--compress", action="store_true",
                    help="let the server offer COMPRESS=DEFLATE (imap_zlib); "
                    "each client then uses it as its defaults say")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    if args.big:
        sizes.append(100000)
    crispin = find_crispin()

    tmp = tempfile.mkdtemp(prefix="crispin-bench-")
    users = {"b%d" % n: PASSWORD for n in sizes}
    tmux = Tmux(tmp)
    results = []
    try:
        extra = (["protocol imap {", "  mail_plugins = $mail_plugins imap_zlib",
                  "}"] if args.compress else [])
        with Dovecot(users=users, extra_config=extra) as dc:
            for n in sizes:
                t0 = time.monotonic()
                fill_maildir(dc, "b%d" % n, n, seed=n)
                prime(dc, "b%d" % n)
                print("generated and indexed %d messages in %.1f s"
                      % (n, time.monotonic() - t0), file=sys.stderr)
            for n in sizes:
                results.append((n, bench_size(args, dc, "b%d" % n, n, tmp, tmux,
                                              crispin)))
                print("done %d" % n, file=sys.stderr)
    finally:
        subprocess.run(["tmux", "-S", tmux.sock, "kill-server"],
                       stderr=subprocess.DEVNULL)
        shutil.rmtree(tmp, ignore_errors=True)
    report(results, args)
    if args.plot:
        plot(results, args.plot)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Push latency of `crispin watch` over a slow link, and how fast it is
back in step after the link returns.

    tests/bench/push.py [--delay-ms 20] [--messages 5000] [--runs 10]

A private Dovecot (tests/lib/dovecot.py) holds an INBOX of --messages
messages and a folder Lists. `crispin watch -f INBOX` (watch_folders =
"INBOX Lists": one connection with NOTIFY, or two in IDLE on a server
without it) reaches it through
tests/lib/linkproxy.py, which adds --delay-ms in each direction and can
cut and stall the link. Another client, talking to Dovecot directly,
then per run:

  - delivers a message into INBOX (APPEND), and into Lists;
  - sets \\Flagged on a message of INBOX;

and the time from the server's OK to the matching `watch` line is taken.
For the link, in up to 5 runs each after 10 s of a good link (a link that
flaps faster is retried more slowly): the proxy resets every connection and refuses new
ones, a message is delivered meanwhile, and the link comes back the moment
watch prints `reconnect`; the time is from then until `reconnected` and
the `new` line of the message delivered while it was down (both folders'
connections must be back). Then a stall (no reset: silence) with
keepalive = 5 and timeout = 5: the time until watch says `reconnect`
for each connection.

Medians and maxima are printed as a table for doc/performance.md.
"""

import argparse
import imaplib
import os
import shutil
import ssl
import statistics
import sys
import tempfile
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from crispintest import account_rc  # noqa: E402
from dovecot import Dovecot  # noqa: E402
from linkproxy import LinkProxy  # noqa: E402
from watchproc import Watch  # noqa: E402


class Bench:
    """What tests/lib/watchproc.py needs of a test suite."""

    def __init__(self, crispin, workdir):
        self.crispin_path = crispin
        self.workdir = workdir
        self.home = os.path.join(workdir, "home")
        os.makedirs(self.home, exist_ok=True)
        self._n = 0

    def path(self, stem):
        self._n += 1
        return os.path.join(self.workdir, "%02d-%s" % (self._n, stem))

    def write(self, stem, text):
        p = self.path(stem)
        with open(p, "w") as f:
            f.write(text)
        os.chmod(p, 0o600)
        return p

    def env(self):
        env = dict(os.environ, HOME=self.home, LANG="C.UTF-8", LC_ALL="C.UTF-8")
        return env

    def expect(self, cond, detail):
        if not cond:
            raise RuntimeError(detail)


def find_crispin():
    if os.environ.get("CRISPIN"):
        return os.path.abspath(os.environ["CRISPIN"])
    b = os.environ.get("CRISPIN_BUILDDIR", os.path.join(HERE, "..", ".."))
    return os.path.abspath(os.path.join(b, "crispin"))


def message(n):
    return ("From: Bench <bench@example.net>\r\nTo: alice@example.org\r\n"
            "Subject: push %d\r\nMessage-ID: <push-%d-%f@crispin.example>\r\n"
            "\r\nbody %d\r\n" % (n, n, time.time(), n)).encode()


class Other:
    """The other client: direct to Dovecot, no delay."""

    def __init__(self, dc):
        ctx = ssl.create_default_context(cafile=dc.ca_file)
        self.m = imaplib.IMAP4_SSL(dc.host, dc.imaps_port, ssl_context=ctx)
        self.m.login("alice", dc.users["alice"])
        self.m.select("INBOX")
        self.n = 100000

    def append(self, folder):
        self.n += 1
        typ, data = self.m.append(folder, None, None, message(self.n))
        t = time.monotonic()
        uid = int(data[0].decode().split("APPENDUID ")[1].split()[1].rstrip("]"))
        return t, uid

    def flag(self, uid):
        self.m.uid("STORE", str(uid), "+FLAGS", "(\\Flagged)")
        return time.monotonic()


class RawIdle:
    """The floor: a bare IDLE client on the same proxy, no parsing beyond
    finding the EXISTS line. What crispin adds is the difference."""

    def __init__(self, dc, port):
        ctx = ssl.create_default_context(cafile=dc.ca_file)
        self.m = imaplib.IMAP4_SSL("127.0.0.1", port, ssl_context=ctx)
        self.m.login("alice", dc.users["alice"])
        self.m.select("INBOX", readonly=True)
        self.m.send(b"I1 IDLE\r\n")
        while not self.m.readline().startswith(b"+"):
            pass

    def wait_exists(self):
        while True:
            line = self.m.readline()
            if line.endswith(b"EXISTS\r\n"):
                return time.monotonic()


def summary(values):
    return "%.0f" % (1000 * statistics.median(values)), "%.0f" % (1000 * max(values))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--delay-ms", type=float, default=20)
    ap.add_argument("--messages", type=int, default=5000)
    ap.add_argument("--runs", type=int, default=10)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="crispin-push-")
    bench = Bench(find_crispin(), tmp)
    res = {k: [] for k in ("raw", "inbox", "lists", "flag", "back", "stall")}
    try:
        with Dovecot() as dc:
            dc.create_folder("alice", "Lists")
            for n in range(args.messages):
                dc.deliver("alice", "INBOX", message(n))
            other = Other(dc)
            proxy = LinkProxy("127.0.0.1", dc.imaps_port, delay_ms=args.delay_ms)
            rc = account_rc(dc, watch_folders="INBOX Lists",
                            cache_dir=os.path.join(tmp, "cache"))
            rc["imap_url"] = "imaps://alice@127.0.0.1:%d/" % proxy.port
            raw = RawIdle(dc, proxy.port)
            for _ in range(args.runs):
                t, _ = other.append("INBOX")
                res["raw"].append(raw.wait_exists() - t)
            raw.m.shutdown()
            w = Watch(bench, rc, trace=False)
            w.wait_line(lambda l: l == "ready", 120)
            for _ in range(args.runs):
                t, uid = other.append("INBOX")
                when, _ = w.wait_line(lambda l: l == "new\tINBOX\t%d" % uid)
                res["inbox"].append(when - t)
                t, uid2 = other.append("Lists")
                when, _ = w.wait_line(lambda l: l == "new\tLists\t%d" % uid2)
                res["lists"].append(when - t)
                t = other.flag(uid)
                when, _ = w.wait_line(
                    lambda l: l.startswith("flags\tINBOX\t%d\t" % uid))
                res["flag"].append(when - t)
            for _ in range(min(args.runs, 5)):
                # A link must have been up 10 s for the backoff to start
                # again at 1 s; a link that flaps faster waits longer.
                time.sleep(10.5)
                proxy.cut()
                w.wait_line(lambda l: l.startswith("reconnect\t"), 30)
                _, uid = other.append("INBOX")
                mark = w.mark()
                t = time.monotonic()
                proxy.resume()
                a, _ = w.wait_line(lambda l: l == "reconnected\tINBOX", 30, since=mark)
                b, _ = w.wait_line(lambda l: l == "reconnected\tLists", 30, since=mark)
                c, _ = w.wait_line(lambda l: l == "new\tINBOX\t%d" % uid, 30, since=mark)
                res["back"].append(max(a, b, c) - t)
            w.stop()
            rc.update(keepalive="5", timeout="5")
            w = Watch(bench, rc, trace=False)
            w.wait_line(lambda l: l == "ready", 120)
            for _ in range(min(args.runs, 3)):
                mark = w.mark()
                t = time.monotonic()
                proxy.stall()
                for folder in ("INBOX", "Lists"):
                    when, _ = w.wait_line(
                        lambda l: l.startswith("reconnect\t%s\t" % folder), 30,
                        since=mark)
                    res["stall"].append(when - t)
                proxy.resume()
                w.wait_line(lambda l: l == "reconnected\tINBOX", 60, since=mark)
                w.wait_line(lambda l: l == "reconnected\tLists", 60, since=mark)
            w.stop()
            proxy.stop()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("| event | median ms | max ms |")
    print("|---|---|---|")
    names = (("raw", "floor: EXISTS to a bare IDLE client (INBOX)"),
             ("inbox", "new mail in the selected folder (INBOX)"),
             ("lists", "new mail in a watched folder (Lists)"),
             ("flag", "flag set by another client (INBOX)"),
             ("back", "link back to both folders in step, with the mail "
                      "delivered meanwhile"),
             ("stall", "stalled link noticed (keepalive 5 s, timeout 5 s)"))
    for key, label in names:
        med, top = summary(res[key])
        print("| %s | %s | %s |" % (label, med, top))
    print()
    print("%.0f ms one way (%.0f ms round trip), INBOX of %d messages, %d run(s)"
          % (args.delay_ms, 2 * args.delay_ms, args.messages, args.runs))


if __name__ == "__main__":
    main()

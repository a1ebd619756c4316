"""`crispin watch` as a running process for tests and benchmarks.

    w = Watch(T, rc, "-f", "INBOX", "--json")   # started
    w.wait_line(lambda l: l == "ready", 20)      # polls, never sleeps blind
    w.stop()                                     # SIGTERM; returns exit code

Lines are collected by a thread with the time each arrived
(w.lines: [(monotonic time, text)]); wait_line returns the first line
after the last one waited for (or after `since`) that matches."""

import atexit
import ctypes
import os
import signal
import subprocess
import threading
import time

_running = set()


def _kill_left():
    """A case that failed half-way leaves its watch running: end it with
    the test script rather than let it reconnect forever."""
    for proc in list(_running):
        if proc.poll() is None:
            proc.kill()
            proc.wait()


atexit.register(_kill_left)


def _die_with_parent():
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class Watch:
    def __init__(self, suite, rc, *args, trace=True, rc_lines=()):
        """rc: options (a dict, as Suite.crispin takes); rc_lines: more rc
        lines written verbatim after them (for values that need quoting)."""
        self.suite = suite
        from crispintest import rc_text
        rcfile = suite.write("crispinrc", rc_text(rc) + "".join(
            l + "\n" for l in rc_lines))
        cmd = [suite.crispin_path, "-F", rcfile]
        self.trace_path = None
        if trace:
            self.trace_path = suite.path("trace")
            cmd += ["--trace", self.trace_path]
        cmd += ["watch"] + list(args)
        self.cmd = cmd
        self.err_path = suite.path("watch.stderr")
        self._err = open(self.err_path, "wb")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                                     stderr=self._err, env=suite.env(),
                                     cwd=suite.workdir,
                                     preexec_fn=_die_with_parent)
        _running.add(self.proc)
        self.lines = []
        self._seen = 0
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()
        self.code = None

    def _read(self):
        for raw in self.proc.stdout:
            text = raw.decode("utf-8", "replace").rstrip("\n")
            with self._cond:
                self.lines.append((time.monotonic(), text))
                self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()

    @property
    def stderr(self):
        with open(self.err_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def texts(self):
        with self._cond:
            return [t for _, t in self.lines]

    def wait_line(self, pred, timeout=20, since=None):
        """The first line (index >= since, default: after the last match)
        for which pred(text) is true, as (time, text); fails the case after
        timeout seconds."""
        start = self._seen if since is None else since
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for i in range(start, len(self.lines)):
                    if pred(self.lines[i][1]):
                        self._seen = i + 1
                        return self.lines[i]
                start = len(self.lines)
                left = deadline - time.monotonic()
                if left <= 0 or (self.proc.poll() is not None and
                                 not self._thread.is_alive()):
                    break
                self._cond.wait(min(left, 0.5))
        self.suite.expect(False, "no matching watch line within %ss; lines: %r; "
                          "stderr: %s" % (timeout, self.texts(),
                                          self.stderr[-1500:]))

    def mark(self):
        """Index of the next line, for wait_line(since=...)."""
        with self._cond:
            return len(self.lines)

    def stop(self, sig=signal.SIGTERM, timeout=15):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            self.code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.code = self.proc.wait()
            self.suite.expect(False, "watch did not end on signal %d" % sig)
        _running.discard(self.proc)
        self._thread.join(5)
        self._err.close()
        err = self.stderr
        from crispintest import SANITIZER_RX
        self.suite.expect(not SANITIZER_RX.search(err),
                          "sanitizer report:\n" + err[-3000:])
        return self.code

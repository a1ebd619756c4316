"""Driving the interactive interface in tmux for TUI tests: one private
tmux server per test program, a session per case running crispin with a
test rc file, and the screen read back with capture-pane.

    tui = Tui(T)                  # T: the crispintest.Suite
    tui.start(rc_path, "-f INBOX", extra_env={...})
    tui.wait(lambda s: "Subject" in s, "the index")
    tui.keys("j", "Enter")
    tui.quit()                    # q until it exits; returns "EXIT=0"
"""

import os
import shutil
import subprocess
import time


class Tui:
    def __init__(self, suite, width=120, height=30):
        if not shutil.which("tmux"):
            raise RuntimeError("tmux is not installed")
        self.T = suite
        self.socket = "crispin-tui-%d" % os.getpid()
        self.width = width
        self.height = height
        self.done = None
        self.n = 0
        # A session that outlives the cases: killing the last one makes
        # the server exit, racing the next case's new-session.
        self.tmux("new-session", "-d", "-s", "keep", "sleep", "3600")

    def tmux(self, *args, check=True):
        return subprocess.run(["tmux", "-L", self.socket] + list(args),
                              check=check, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)

    def start(self, rc, args="", extra_env=None, width=None, height=None,
              term="screen-256color"):
        """Runs crispin -F rc args in a fresh session "t" (TERM=term)."""
        self.stop()
        self.n += 1
        self.done = self.T.path("tui-done-%d" % self.n)
        cmd = "%s -F %s %s; echo EXIT=$? > %s; sleep 30" % (
            self.T.crispin_path, rc, args, self.done)
        env = self.T.env(extra_env)
        pairs = ["%s=%s" % (k, v) for k, v in sorted(env.items())
                 if k in ("HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME",
                          "EDITOR", "VISUAL", "PATH", "TMPDIR")
                 or k.endswith("SAN_OPTIONS")
                 or (extra_env and k in extra_env)]
        self.tmux("new-session", "-d", "-s", "t",
                  "-x", str(width or self.width), "-y", str(height or self.height),
                  "env", *pairs, "LC_ALL=C.UTF-8", "TERM=" + term,
                  "sh", "-c", cmd)

    def screen(self, escapes=False):
        args = ["capture-pane", "-p", "-t", "t"] + (["-e"] if escapes else [])
        return self.tmux(*args, check=False).stdout

    def wait(self, pred, what, timeout=20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.screen()
            try:
                if pred(text):
                    return text
            except (IndexError, AttributeError, TypeError):
                pass
            time.sleep(0.1)
        raise AssertionError("timed out waiting for %s; screen:\n%s"
                             % (what, self.screen()))

    def keys(self, *k):
        """tmux key names ("Enter", "Escape", "C-g") or literal text."""
        self.tmux("send-keys", "-t", "t", *k)

    def text(self, s):
        """Types s literally (no key-name lookup)."""
        self.tmux("send-keys", "-t", "t", "-l", s)

    def status(self):
        """The status line now. Inside a wait() predicate use
        last_line(s) instead, so that the screen returned is the one
        that matched."""
        return last_line(self.screen())

    def exited(self, timeout=10):
        """Waits for crispin to exit; returns "EXIT=<status>"."""
        deadline = time.monotonic() + timeout
        while not os.path.exists(self.done) and time.monotonic() < deadline:
            time.sleep(0.1)
        self.T.expect(os.path.exists(self.done),
                      "crispin did not exit; screen:\n" + self.screen())
        with open(self.done) as f:
            return f.read().strip()

    def quit(self, timeout=10):
        """Leaves every screen with q and returns the exit line. The
        question about messages marked deleted is answered no, so that
        they stay as the test left them."""
        deadline = time.monotonic() + timeout
        while not os.path.exists(self.done) and time.monotonic() < deadline:
            try:
                asking = "deleted message" in self.status()
            except Exception:
                asking = False  # the pane is gone with crispin
            if asking:
                self.keys("n")
            else:
                self.keys("q")
            time.sleep(0.3)
        return self.exited(timeout=1)

    def resize(self, width, height):
        self.tmux("resize-window", "-t", "t", "-x", str(width), "-y", str(height))

    def stop(self):
        self.tmux("kill-session", "-t", "t", check=False)

    def close(self):
        self.tmux("kill-server", check=False)


def last_line(text):
    """The bottom row of a captured screen (the status line)."""
    lines = text.rstrip("\n").splitlines()
    return lines[-1] if lines else ""


def line_with(text, needle):
    """The first screen line that contains needle, or None."""
    for line in text.splitlines():
        if needle in line:
            return line
    return None

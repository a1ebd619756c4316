"""Tiny test helper shared by tests/integration and tests/tui scripts.

    T = Suite(__file__)

    @T.case("lists folders over implicit TLS")
    def _():
        r = T.crispin("folders", rc={...})
        T.expect(r.code == 0, "exit %d: %s" % (r.code, r.err))

    T.main(setup=start_server)   # prints "ok - ..." / "FAIL - ...: detail"
                                 # and ends with "N passed, N failed"

Each case counts once. A case fails on the first failed expect(), on any
exception, or when crispin's stderr shows a sanitizer report.

Environment (set by tests/run; all optional when run by hand):
  CRISPIN            path of the crispin binary
  CRISPIN_BUILDDIR   build directory (crispin is $CRISPIN_BUILDDIR/crispin)
  CRISPIN_TEST_OUT   directory for this script's rc files, traces and logs
"""

import base64
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import traceback

SANITIZER_RX = re.compile(r"(ERROR: AddressSanitizer|ERROR: LeakSanitizer|"
                          r"runtime error:|UndefinedBehaviorSanitizer|"
                          r"AddressSanitizer:DEADLYSIGNAL)")

AUTH_LINE_RX = re.compile(r"^C: \S+ (LOGIN|AUTHENTICATE)\b", re.M | re.I)


class Failure(Exception):
    pass


class Result:
    def __init__(self, cmd, code, out, err, trace_path, elapsed):
        self.cmd = cmd
        self.code = code
        self.out = out
        self.err = err
        self.trace_path = trace_path
        self.elapsed = elapsed

    @property
    def trace(self):
        """The --trace file's text ("" when crispin wrote none)."""
        if not self.trace_path:
            return ""
        try:
            with open(self.trace_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def auth_lines(self):
        """The trace lines where credentials would have been sent."""
        return [m.group(0) for m in AUTH_LINE_RX.finditer(self.trace)]

    def describe(self):
        return "exit %s; stdout: %r; stderr: %r" % (
            self.code, clip(self.out), clip(self.err))


def clip(text, n=600):
    """Beginning and end of a long text."""
    if len(text) <= n:
        return text
    return text[:n // 2] + " [...] " + text[-n // 2:]


def find_crispin():
    path = os.environ.get("CRISPIN")
    if not path:
        build = os.environ.get("CRISPIN_BUILDDIR", ".")
        path = os.path.join(build, "crispin")
    return os.path.abspath(path)


def rc_text(options):
    """rc file text: `set NAME = "value"` per option (in the given order)."""
    lines = ["# written by tests/lib/crispintest.py"]
    for name, value in options.items():
        if value is None:
            continue
        value = str(value)
        if '"' in value or "\\" in value or "\n" in value:
            raise ValueError("rc values used by tests must not need "
                             "escaping: %r" % value)
        lines.append('set %s = "%s"' % (name, value))
    return "\n".join(lines) + "\n"


def credential_forms(user, secret):
    """Strings that must never appear in a trace for this user/secret:
    the secret itself, base64 of it (SASL LOGIN), and base64 of the SASL
    PLAIN, XOAUTH2 and OAUTHBEARER initial responses."""
    b64 = lambda s: base64.b64encode(s.encode("utf-8")).decode("ascii")
    forms = {
        secret,
        b64(secret),
        b64("\0%s\0%s" % (user, secret)),
        b64("%s\0%s\0%s" % (user, user, secret)),
        b64("user=%s\x01auth=Bearer %s\x01\x01" % (user, secret)),
        b64("n,a=%s,\x01auth=Bearer %s\x01\x01" % (user, secret)),
        b64("n,,\x01auth=Bearer %s\x01\x01" % secret),
    }
    return sorted(forms, key=len)


class Suite:
    def __init__(self, script):
        self.name = os.path.splitext(os.path.basename(script))[0]
        self.cases = []
        self.passed = 0
        self.failed = 0
        self.crispin_path = find_crispin()
        out = os.environ.get("CRISPIN_TEST_OUT")
        if out:
            self.workdir = os.path.abspath(out)
            if os.path.isdir(self.workdir):
                shutil.rmtree(self.workdir, ignore_errors=True)
            os.makedirs(self.workdir, exist_ok=True)
            self._tmp_owned = False
        else:
            self.workdir = tempfile.mkdtemp(prefix="crispin-%s-" % self.name)
            self._tmp_owned = True
        self.home = os.path.join(self.workdir, "home")
        os.makedirs(self.home, exist_ok=True)
        self._n = 0
        self.current = None

    # -- defining and running cases -----------------------------------------

    def case(self, name):
        def deco(fn):
            self.cases.append((name, fn))
            return fn
        return deco

    def expect(self, cond, detail="expectation failed"):
        if not cond:
            raise Failure(detail)

    def expect_eq(self, got, want, what="value"):
        if got != want:
            raise Failure("%s: got %r, want %r" % (what, got, want))

    def ok(self, name):
        self.passed += 1
        print("ok - %s" % name, flush=True)

    def fail(self, name, detail):
        self.failed += 1
        detail = str(detail).strip().replace("\n", "\n    ")
        print("FAIL - %s: %s" % (name, detail), flush=True)

    def run_cases(self, only=None):
        for name, fn in self.cases:
            if only and not any(o in name for o in only):
                continue
            self.current = name
            t0 = time.monotonic()
            try:
                fn()
            except Failure as e:
                self.fail(name, e)
            except Exception:
                self.fail(name, traceback.format_exc())
            else:
                self.ok(name)
            dt = time.monotonic() - t0
            if dt > 20:
                print("# %s took %.1fs" % (name, dt), flush=True)
        self.current = None

    def finish(self):
        print("%d passed, %d failed" % (self.passed, self.failed), flush=True)
        if self._tmp_owned and self.failed == 0:
            shutil.rmtree(self.workdir, ignore_errors=True)
        elif self.failed:
            print("# files of this run: %s" % self.workdir, flush=True)
        sys.exit(0 if self.failed == 0 else 1)

    def main(self, setup=None, teardown=None, need_crispin=True):
        """Runs setup(), every case, teardown(); prints the summary and
        exits. Arguments on the command line select cases by substring."""
        only = sys.argv[1:]
        if need_crispin and not os.access(self.crispin_path, os.X_OK):
            self.fail("setup", "crispin binary not found at %s (build it, "
                      "or set CRISPIN or CRISPIN_BUILDDIR)" %
                      self.crispin_path)
            self.finish()
        try:
            if setup:
                setup()
        except Exception:
            self.fail("setup", traceback.format_exc())
            if teardown:
                try:
                    teardown()
                except Exception:
                    pass
            self.finish()
        try:
            self.run_cases(only)
        finally:
            if teardown:
                try:
                    teardown()
                except Exception:
                    self.fail("teardown", traceback.format_exc())
        self.finish()

    # -- files and the binary ------------------------------------------------

    def path(self, stem):
        """A fresh file name in the work directory."""
        self._n += 1
        safe = re.sub(r"[^A-Za-z0-9._-]+", "-", stem)
        return os.path.join(self.workdir, "%02d-%s" % (self._n, safe))

    def write(self, stem, text, mode=0o600):
        p = self.path(stem)
        with open(p, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(p, mode)
        return p

    def write_rc(self, options, stem="crispinrc"):
        return self.write(stem, rc_text(options))

    def env(self, extra=None):
        env = dict(os.environ)
        for k in list(env):
            if k.startswith("CRISPIN_") and k not in ("CRISPIN_BUILDDIR",):
                env.pop(k)
        env.update({
            "HOME": self.home,
            "XDG_CONFIG_HOME": os.path.join(self.home, ".config"),
            "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8",
            "TERM": env.get("TERM", "dumb"),
        })
        env.pop("SSL_CERT_FILE", None)
        env.pop("SSL_CERT_DIR", None)
        if extra:
            env.update(extra)
        return env

    def crispin(self, *args, rc=None, rcfile=None, trace=True, timeout=60,
                input=None, env=None, check_sanitizers=True):
        """Runs crispin [-F RC] [--trace FILE] ARGS... rc is a dict of
        options written to a fresh rc file; rcfile an existing path."""
        cmd = [self.crispin_path]
        if rc is not None:
            rcfile = self.write_rc(rc)
        if rcfile is not None:
            cmd += ["-F", rcfile]
        trace_path = None
        if trace:
            trace_path = self.path("trace")
            cmd += ["--trace", trace_path]
        cmd += list(args)
        t0 = time.monotonic()
        try:
            p = subprocess.run(cmd, input=(input or "").encode("utf-8"),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env=self.env(env), timeout=timeout,
                               cwd=self.workdir)
        except subprocess.TimeoutExpired as e:
            raise Failure("crispin timed out after %ds: %s\nstderr: %s" % (
                timeout, " ".join(cmd),
                (e.stderr or b"").decode("utf-8", "replace")[-1000:]))
        r = Result(cmd, p.returncode,
                   p.stdout.decode("utf-8", "replace"),
                   p.stderr.decode("utf-8", "replace"), trace_path,
                   time.monotonic() - t0)
        with open(self.path("run.log"), "w", encoding="utf-8") as f:
            f.write("$ %s\nexit %d (%.2fs)\n--- stdout\n%s\n--- stderr\n%s\n"
                    % (" ".join(cmd), r.code, r.elapsed, r.out, r.err))
        if check_sanitizers and SANITIZER_RX.search(r.err):
            raise Failure("sanitizer report from %s:\n%s" % (
                " ".join(cmd), r.err[-3000:]))
        return r

    # -- common assertions ----------------------------------------------------

    def expect_code(self, r, code):
        if r.code != code:
            raise Failure("want exit %d, got %s" % (code, r.describe()))

    def expect_error_message(self, r):
        """stderr has a "crispin: message" line."""
        if not re.search(r"^crispin: \S", r.err, re.M):
            raise Failure('no "crispin: message" line on stderr: %r'
                          % clip(r.err))

    def expect_no_credentials_sent(self, r):
        lines = r.auth_lines()
        if lines:
            raise Failure("credentials were sent: %r" % lines)

    def expect_secret_hidden(self, r, user, secret, need_stars=True):
        """Neither the secret nor its encodings appear in the trace,
        stdout or stderr; the trace shows *** where it was."""
        for where, text in (("trace", r.trace), ("stdout", r.out),
                            ("stderr", r.err)):
            for form in credential_forms(user, secret):
                if form and form in text:
                    raise Failure("%s contains the secret (as %r)" %
                                  (where, form))
        if need_stars and "***" not in r.trace:
            raise Failure("trace has no *** where the credentials were:\n%s"
                          % r.trace[-1500:])


def cache_rows(cache, folder, columns="m.uid"):
    """Rows (columns of the messages table m) of folder's records in every
    cache under cache, read without disturbing a crispin that writes."""
    import sqlite3
    rows = []
    for root, _, names in os.walk(cache):
        for n in names:
            if not n.endswith(".sqlite"):
                continue
            db = sqlite3.connect("file:%s?mode=ro" % os.path.join(root, n),
                                 uri=True, timeout=5)
            try:
                rows += db.execute(
                    "SELECT %s FROM messages m JOIN folders f"
                    " ON f.id = m.folder_id WHERE f.name = ?" % columns,
                    (folder,)).fetchall()
            except sqlite3.Error:
                pass
            finally:
                db.close()
    return rows


RECORD_STRINGS = ("from", "to", "cc", "subject", "message_id",
                  "in_reply_to", "references")


def cache_record(blob):
    """The fields packed in a cache record (the column m.record; format in
    src/store/record.c) as a dict; strings are str or None."""
    if not blob:
        return dict(internaldate=0, date=0, size=0,
                    **{k: None for k in RECORD_STRINGS})
    pos = 0

    def varint():
        nonlocal pos
        v = shift = 0
        while True:
            b = blob[pos]
            pos += 1
            v |= (b & 0x7f) << shift
            shift += 7
            if b < 0x80:
                return v

    out = {}
    for k in ("internaldate", "date"):
        z = varint()
        out[k] = (z >> 1) ^ -(z & 1)
    out["size"] = varint()
    for k in RECORD_STRINGS:
        n = varint()
        out[k] = blob[pos:pos + n - 1].decode("utf-8", "replace") if n else None
        pos += n
    return out


def account_rc(dc, user="alice", implicit_tls=True, password=True, **more):
    """The usual rc options for a user of a tests/lib/dovecot.py server:
    imap_url, imap_pass (unless password=False) and tls_ca_file; more
    options (or None to drop one) are merged in last."""
    opts = {"imap_url": dc.imap_url(user, implicit_tls=implicit_tls)}
    if password:
        opts["imap_pass"] = dc.users[user]
    if dc.ssl:
        opts["tls_ca_file"] = dc.ca_file
    opts["connect_timeout"] = "10"
    opts.update(more)
    return {k: v for k, v in opts.items() if v is not None}


def folder_names(stdout):
    """First tab-separated field of each non-empty output line."""
    return [l.split("\t")[0] for l in stdout.splitlines() if l.strip()]

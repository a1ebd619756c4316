"""A private Dovecot for crispin's tests and demo.

Dovecot(...) writes its own configuration into a temporary directory (nothing
is read from /etc), generates certificates with openssl, picks free ports on
127.0.0.1 and runs the master in the foreground as a child of this process.
The server is always stopped: by the context manager, by stop(), by an atexit
hook, on SIGTERM/SIGINT/SIGHUP, and by the kernel (PR_SET_PDEATHSIG) if this
process dies without cleaning up.

    with Dovecot(users={"alice": "secret"}) as dc:
        dc.create_folder("alice", "Entwürfe")
        dc.deliver("alice", "INBOX", raw_bytes, flags="\\Seen")
        dc.status("alice", "INBOX")   # {'messages': 1, 'unseen': 0}

What an instance offers (attributes after start()):
    host, imap_port (plain + STARTTLS), imaps_port (implicit TLS)
    users {name: password}; default: alice and bob@example.org
    ca_file (pass as tls_ca_file), cert_file, fingerprint (SHA-256 of the
    server certificate, "AB:CD:..."), wrong_ca_file, wrong_cert_file,
    wrong_fingerprint (a second CA and certificate the server does not use)
    log_path, config_path (for doveadm -c), tmpdir
    imap_url(user, implicit_tls=True), oauth_token(user)
    log_mark(), log_since(mark), wait_log(regex, mark)
    doveadm(...), create_folder, folder_path, deliver, save, set_flags,
    status, list_folders

Options of Dovecot(...):
    users            {name: password} ({PLAIN} in a passwd-file)
    ssl=False        no TLS at all: the plain port offers no STARTTLS (Dovecot
                     2.3 adds STARTTLS to any imap_capability while ssl is on)
    implicit_tls     False: no imaps listener
    imap_capability  replaces the capability banner (tests of fallbacks)
    auth_mechanisms  list of SASL mechanisms (default PLAIN LOGIN SCRAM-*)
    oauth            OAUTHBEARER and XOAUTH2 through Dovecot's oauth2 passdb
                     and a token-introspection server on 127.0.0.1 (default on)
    cert_cn/cert_san the server certificate's names (to test name checks)
    extra_config     more dovecot.conf lines, appended last
    shared_namespace other users' folders under "shared/USER/" (RFC 2342
                     other users' namespace) with the acl plugin; share with
                     share_folder(owner, folder, user)
    public_namespace a public namespace "Public/" (a maildir of its own)

Only the Python standard library is used.
"""

import atexit
import base64
import ctypes
import ctypes.util
import hashlib
import http.server
import json
import os
import pwd
import grp
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

HOST = "127.0.0.1"
DEFAULT_USERS = {
    "alice": "alice-Secret-1",
    "bob@example.org": "b0b has spaces",
}
SPECIAL_USE = [
    ("Sent", "\\Sent"),
    ("Drafts", "\\Drafts"),
    ("Trash", "\\Trash"),
    ("Junk", "\\Junk"),
    ("Archive", "\\Archive"),
]
AUTH_MECHANISMS = ["PLAIN", "LOGIN", "SCRAM-SHA-1", "SCRAM-SHA-256"]
OAUTH_MECHANISMS = ["OAUTHBEARER", "XOAUTH2"]

# Maildir info letters for the IMAP system flags.
MAILDIR_FLAGS = {
    "\\draft": "D",
    "\\flagged": "F",
    "\\answered": "R",
    "\\seen": "S",
    "\\deleted": "T",
}

_live = set()
_hooks_installed = False
_old_handlers = {}


class DovecotError(Exception):
    pass


def find_program(name):
    """Path of a Dovecot program, also where /usr/sbin is not on PATH."""
    path = shutil.which(name)
    if path:
        return path
    for d in ("/usr/sbin", "/usr/local/sbin", "/usr/bin", "/usr/local/bin"):
        p = os.path.join(d, name)
        if os.access(p, os.X_OK):
            return p
    return None


def available():
    """True when dovecot, doveadm and openssl are installed."""
    return all(find_program(p) for p in ("dovecot", "doveadm", "openssl"))


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def port_open(port, host=HOST):
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def pem_fingerprint(path):
    """SHA-256 fingerprint of the first certificate in a PEM file, as
    upper-case hex pairs joined by colons (the form openssl prints)."""
    with open(path) as f:
        text = f.read()
    m = re.search(r"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----",
                  text, re.S)
    if not m:
        raise DovecotError("no certificate in %s" % path)
    der = base64.b64decode("".join(m.group(1).split()))
    digest = hashlib.sha256(der).hexdigest().upper()
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


def mutf7_encode(name):
    """IMAP modified UTF-7 (RFC 3501 5.1.3) of a Unicode mailbox name."""
    out, pending = [], []

    def flush():
        if pending:
            raw = "".join(pending).encode("utf-16-be")
            b64 = base64.b64encode(raw).decode("ascii").rstrip("=")
            out.append("&" + b64.replace("/", ",") + "-")
            pending.clear()

    for ch in name:
        if 0x20 <= ord(ch) <= 0x7e:
            flush()
            out.append("&-" if ch == "&" else ch)
        else:
            pending.append(ch)
    flush()
    return "".join(out)


def mutf7_decode(name):
    def repl(m):
        if m.group(1) == "":
            return "&"
        b64 = m.group(1).replace(",", "/")
        b64 += "=" * (-len(b64) % 4)
        return base64.b64decode(b64).decode("utf-16-be")
    return re.sub(r"&([^-]*)-", repl, name)


def _set_pdeathsig():
    """Runs in the child before exec: SIGTERM it when we die."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6",
                           use_errno=True)
        PR_SET_PDEATHSIG = 1
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except Exception:
        pass


def _stop_all():
    for dc in list(_live):
        try:
            dc.stop()
        except Exception as e:  # keep stopping the others
            print("dovecot.py: stopping %s: %s" % (dc.tmpdir, e),
                  file=sys.stderr)


def _on_signal(signum, frame):
    _stop_all()
    old = _old_handlers.get(signum)
    if callable(old):
        old(signum, frame)
        return
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    # Die of the same signal so the parent sees what happened.
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


def _install_hooks():
    global _hooks_installed
    if _hooks_installed:
        return
    _hooks_installed = True
    atexit.register(_stop_all)
    if threading.current_thread() is not threading.main_thread():
        return
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        try:
            old = signal.getsignal(sig)
            if old in (signal.SIG_IGN,):
                continue
            _old_handlers[sig] = old if old not in (
                signal.SIG_DFL, signal.default_int_handler) else None
            signal.signal(sig, _on_signal)
        except (ValueError, OSError):
            pass


class _TokenServer:
    """A tiny OAuth2 token-introspection endpoint on 127.0.0.1.

    Dovecot's oauth2 passdb POSTs "token=..." to it; the answer says whether
    the token is active and whom it belongs to."""

    def __init__(self):
        self.tokens = {}
        self.requests = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self, token):
                outer.requests.append((self.command, self.path, token))
                user = outer.tokens.get(token)
                body = {"active": True, "username": user} if user else \
                    {"active": False}
                data = json.dumps(body).encode()
                self.send_response(200 if user else 401)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                form = urllib.parse.parse_qs(self.rfile.read(n).decode())
                token = (form.get("token") or [""])[0]
                if not token:
                    token = self._bearer()
                self._answer(token)

            def do_GET(self):
                token = self._bearer()
                if not token:
                    token = urllib.parse.unquote(
                        self.path.rsplit("/", 1)[-1].split("=")[-1])
                self._answer(token)

            def _bearer(self):
                auth = self.headers.get("Authorization") or ""
                if auth.lower().startswith("bearer "):
                    return auth[7:].strip()
                return ""

            def log_message(self, fmt, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer((HOST, 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       name="oauth-introspection",
                                       daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class Dovecot:
    """One private Dovecot instance. See the module docstring."""

    def __init__(self, users=None, imap_capability=None, ssl=True,
                 implicit_tls=True, oauth=True, extra_config=(),
                 auth_mechanisms=None, tmpdir=None, keep_tmpdir=False,
                 start_timeout=20, cert_cn="localhost",
                 cert_san="DNS:localhost,IP:127.0.0.1",
                 shared_namespace=False, public_namespace=False,
                 special_use=None):
        self.users = dict(DEFAULT_USERS if users is None else users)
        # [(folder, "\\Role")]: the special-use folders made for each user.
        self.special_use = list(SPECIAL_USE if special_use is None
                                else special_use)
        self.shared_namespace = shared_namespace
        self.public_namespace = public_namespace
        self.imap_capability = imap_capability
        self.ssl = ssl
        self.implicit_tls = implicit_tls and ssl
        self.oauth = oauth
        self.extra_config = list(extra_config)
        self.auth_mechanisms = auth_mechanisms
        self.keep_tmpdir = keep_tmpdir
        self.cert_cn = cert_cn
        self.cert_san = cert_san
        self.start_timeout = start_timeout
        self.host = HOST
        self.proc = None
        self.imap_port = None
        self.imaps_port = None
        self.token_server = None
        self._folder_paths = {}
        self._seq = 0
        self.mechanisms = list(auth_mechanisms or AUTH_MECHANISMS)

        self.dovecot_bin = find_program("dovecot")
        self.doveadm_bin = find_program("doveadm")
        self.openssl_bin = find_program("openssl")
        if not (self.dovecot_bin and self.doveadm_bin and self.openssl_bin):
            raise DovecotError("dovecot, doveadm and openssl must be "
                               "installed (Debian: dovecot-imapd openssl)")

        # Unix socket paths are limited to ~107 bytes: keep the base short.
        parent = tmpdir
        if parent is None:
            parent = tempfile.gettempdir()
            if len(parent) > 40:
                parent = "/tmp"
        self.tmpdir = tempfile.mkdtemp(prefix="crispin-dc-", dir=parent)
        os.chmod(self.tmpdir, 0o755)
        self.base_dir = os.path.join(self.tmpdir, "run")
        self.state_dir = os.path.join(self.tmpdir, "state")
        self.home_root = os.path.join(self.tmpdir, "home")
        self.config_path = os.path.join(self.tmpdir, "dovecot.conf")
        self.log_path = os.path.join(self.tmpdir, "dovecot.log")
        self.stderr_path = os.path.join(self.tmpdir, "master.stderr")
        self.passwd_path = os.path.join(self.tmpdir, "passwd")
        self.certdir = os.path.join(self.tmpdir, "certs")

        self._pick_accounts()

    # -- accounts and files ------------------------------------------------

    def _pick_accounts(self):
        """Which system users the server and the mail processes run as."""
        self.is_root = os.geteuid() == 0
        if self.is_root:
            self.login_user = self._existing_user("dovenull", "nobody")
            self.internal_user = self._existing_user("dovecot", "nobody")
            # Mail is stored as an unprivileged account, never as root.
            try:
                pw = pwd.getpwnam("nobody")
                self.mail_uid, self.mail_gid = pw.pw_uid, pw.pw_gid
            except KeyError:
                self.mail_uid = self.mail_gid = 65534
        else:
            me = pwd.getpwuid(os.geteuid()).pw_name
            self.login_user = self.internal_user = me
            self.mail_uid, self.mail_gid = os.geteuid(), os.getegid()

    @staticmethod
    def _existing_user(*names):
        for n in names:
            try:
                pwd.getpwnam(n)
                return n
            except KeyError:
                continue
        raise DovecotError("none of the users %s exists" % ", ".join(names))

    def home(self, user):
        safe = re.sub(r"[^A-Za-z0-9._-]", "_", user)
        return os.path.join(self.home_root, safe)

    def maildir(self, user):
        return os.path.join(self.home(user), "Maildir")

    def _chown(self, path):
        if self.is_root:
            os.chown(path, self.mail_uid, self.mail_gid)

    def _write_passwd(self):
        lines = []
        for user, password in self.users.items():
            if ":" in user or ":" in password or "\n" in password:
                raise DovecotError("user names and passwords may not "
                                   "contain ':' or newlines")
            home = self.home(user)
            for d in (home, os.path.join(home, "Maildir")):
                os.makedirs(d, exist_ok=True)
                os.chmod(d, 0o700)
                self._chown(d)
            lines.append("%s:{PLAIN}%s:%d:%d::%s::\n" % (
                user, password, self.mail_uid, self.mail_gid, home))
        with open(self.passwd_path, "w") as f:
            f.writelines(lines)
        os.chmod(self.passwd_path, 0o644)

    def add_user(self, user, password):
        """Adds a user; passwd-file is re-read by Dovecot on change."""
        self.users[user] = password
        self._write_passwd()

    def _openssl(self, *args):
        r = subprocess.run([self.openssl_bin] + list(args),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=60)
        if r.returncode != 0:
            raise DovecotError("openssl %s failed: %s" % (
                args[0], r.stderr.decode(errors="replace")))

    def _make_ca(self, stem, cn):
        key, cert = stem + "-ca.key", stem + "-ca.pem"
        self._openssl("req", "-x509", "-newkey", "ec",
                      "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                      "-keyout", key, "-out", cert, "-days", "3650",
                      "-subj", "/O=crispin tests/CN=" + cn,
                      "-addext", "basicConstraints=critical,CA:TRUE",
                      "-addext", "keyUsage=critical,keyCertSign,cRLSign")
        return key, cert

    def _make_leaf(self, stem, ca_key, ca_cert, cn, san):
        key, csr, cert = stem + ".key", stem + ".csr", stem + ".pem"
        ext = stem + ".ext"
        with open(ext, "w") as f:
            f.write("basicConstraints=critical,CA:FALSE\n"
                    "keyUsage=critical,digitalSignature,keyEncipherment\n"
                    "extendedKeyUsage=serverAuth\n"
                    "subjectAltName=%s\n" % san)
        self._openssl("req", "-new", "-newkey", "ec",
                      "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                      "-keyout", key, "-out", csr,
                      "-subj", "/O=crispin tests/CN=" + cn)
        self._openssl("x509", "-req", "-in", csr, "-CA", ca_cert,
                      "-CAkey", ca_key, "-set_serial",
                      str(int.from_bytes(os.urandom(8), "big")),
                      "-days", "3650", "-extfile", ext, "-out", cert)
        return key, cert

    def _make_certs(self):
        os.makedirs(self.certdir)
        d = lambda n: os.path.join(self.certdir, n)
        san = "DNS:localhost,IP:127.0.0.1"
        ca_key, self.ca_file = self._make_ca(d("test"), "crispin test CA")
        self.key_file, self.cert_file = self._make_leaf(
            d("server"), ca_key, self.ca_file, self.cert_cn, self.cert_san)
        # A second CA and a certificate from it: trusting this CA (or pinning
        # this certificate) must make connections to the server fail.
        wca_key, self.wrong_ca_file = self._make_ca(d("wrong"),
                                                    "crispin wrong CA")
        self.wrong_key_file, self.wrong_cert_file = self._make_leaf(
            d("wrong-server"), wca_key, self.wrong_ca_file, "localhost", san)
        for f in os.listdir(self.certdir):
            os.chmod(d(f), 0o600 if f.endswith(".key") else 0o644)
        self.fingerprint = pem_fingerprint(self.cert_file)
        self.wrong_fingerprint = pem_fingerprint(self.wrong_cert_file)

    # -- configuration -----------------------------------------------------

    def _config_text(self):
        mechs = [m.lower() for m in self.mechanisms]
        if self.oauth:
            mechs += [m.lower() for m in OAUTH_MECHANISMS]
        c = []
        a = c.append
        a("# Generated by tests/lib/dovecot.py for crispin's tests.")
        a("base_dir = %s" % self.base_dir)
        a("state_dir = %s" % self.state_dir)
        a("instance_name = crispin-%s" % os.path.basename(self.tmpdir))
        a("log_path = %s" % self.log_path)
        a("info_log_path = %s" % self.log_path)
        a("debug_log_path = %s" % self.log_path)
        a("protocols = imap")
        a("listen = %s" % HOST)
        a("shutdown_clients = yes")
        a("default_login_user = %s" % self.login_user)
        a("default_internal_user = %s" % self.internal_user)
        if not self.is_root:
            # Unix listeners are chown()ed to this group; only ours works.
            a("default_internal_group = %s"
              % grp.getgrgid(os.getegid()).gr_name)
        # Mail processes run as mail_uid, which must be in the valid range.
        a("first_valid_uid = %d" % min(self.mail_uid, 500))
        a("last_valid_uid = 0")
        a("first_valid_gid = %d" % min(self.mail_gid, 1))
        a("mail_location = maildir:~/Maildir")
        a("auth_mechanisms = %s" % " ".join(mechs))
        # Loopback only: the server would accept plaintext credentials, so a
        # test of crispin refusing to send them proves crispin's own check.
        a("disable_plaintext_auth = no")
        a("auth_verbose = yes")
        a("auth_failure_delay = 0")
        a("verbose_ssl = yes")
        a("mail_max_userip_connections = 100")
        if self.ssl:
            a("ssl = yes")
            a("ssl_cert = <%s" % self.cert_file)
            a("ssl_key = <%s" % self.key_file)
            a("ssl_min_protocol = TLSv1.2")
        else:
            a("ssl = no")
        if self.imap_capability is not None:
            a("imap_capability = %s" % self.imap_capability)
        a("passdb {")
        a("  driver = passwd-file")
        a("  args = scheme=PLAIN username_format=%%u %s" % self.passwd_path)
        a("  mechanisms = %s" % " ".join(m.lower() for m in self.mechanisms))
        a("}")
        if self.oauth:
            a("passdb {")
            a("  driver = oauth2")
            a("  mechanisms = %s" % " ".join(
                m.lower() for m in OAUTH_MECHANISMS))
            a("  args = %s" % os.path.join(self.tmpdir, "oauth2.conf.ext"))
            a("}")
        a("userdb {")
        a("  driver = passwd-file")
        a("  args = username_format=%%u %s" % self.passwd_path)
        a("}")
        a("namespace inbox {")
        a("  inbox = yes")
        a("  separator = /")
        for name, use in self.special_use:
            a("  mailbox %s {" % name)
            a("    special_use = %s" % use)
            a("    auto = subscribe")
            a("  }")
        a("}")
        a("service imap-login {")
        a("  inet_listener imap {")
        a("    address = %s" % HOST)
        a("    port = %d" % self.imap_port)
        a("  }")
        a("  inet_listener imaps {")
        a("    address = %s" % HOST)
        a("    port = %d" % (self.imaps_port if self.implicit_tls else 0))
        if self.implicit_tls:
            a("    ssl = yes")
        a("  }")
        if not self.is_root:
            a("  chroot =")
        a("}")
        if not self.is_root:
            # chroot needs root; these services chroot by default.
            for svc in ("imap-urlauth-login", "ipc", "aggregator",
                        "director", "old-stats"):
                a("service %s {" % svc)
                a("  chroot =")
                a("}")
        # Auth failures would otherwise slow every later login from
        # 127.0.0.1 by up to 15 s (anvil's auth penalty): tests fail
        # passwords on purpose. Unreachable penalty socket = no penalty.
        a("service anvil {")
        a("  unix_listener anvil-auth-penalty {")
        a("    mode = 0")
        a("  }")
        if not self.is_root:
            a("  chroot =")
        a("}")
        a("protocol imap {")
        a("  mail_max_userip_connections = 100")
        a("}")
        if self.shared_namespace or self.public_namespace:
            self._namespace_config(a)
        for line in self.extra_config:
            a(line)
        return "\n".join(c) + "\n"

    def _namespace_config(self, a):
        """The other users' and public namespaces, with per-folder ACLs
        (dovecot-acl files; the shared dict says who shares with whom)."""
        a("mail_plugins = $mail_plugins acl")
        a("plugin {")
        # A global ACL file opens Public/ to everyone; the rest is per
        # folder (dovecot-acl files that share_folder writes).
        a("  acl = vfile:%s" % os.path.join(self.acl_dir, "global-acl"))
        a("  acl_shared_dict = file:%s" % os.path.join(self.acl_dir,
                                                         "shared-mailboxes.db"))
        a("}")
        if self.shared_namespace:
            a("namespace shared {")
            a("  type = shared")
            a("  separator = /")
            a("  prefix = shared/%%u/")
            a("  location = maildir:%%h/Maildir:INDEXPVT=~/Maildir/shared/%%u")
            a("  subscriptions = no")
            a("  list = children")
            a("}")
        if self.public_namespace:
            a("namespace public {")
            a("  type = public")
            a("  separator = /")
            a("  prefix = Public/")
            a("  location = maildir:%s:INDEXPVT=~/Maildir/public"
              % self.public_path)
            a("  subscriptions = no")
            a("  list = children")
            a("}")

    @property
    def acl_dir(self):
        """Written by the mail processes (the shared dict)."""
        return os.path.join(self.tmpdir, "acl")

    @property
    def public_path(self):
        return os.path.join(self.tmpdir, "public")

    def share_folder(self, owner, folder, user, rights="lookup read"):
        """Lets user see owner's folder (shared_namespace): an ACL through
        doveadm, which also records the share in the shared dict."""
        self.doveadm("acl", "set", "-u", owner, folder, "user=" + user,
                     *rights.split())

    def _write_oauth_conf(self):
        with open(os.path.join(self.tmpdir, "oauth2.conf.ext"), "w") as f:
            f.write("introspection_mode = post\n"
                    "introspection_url = http://%s:%d/introspect\n"
                    "force_introspection = yes\n"
                    "username_attribute = username\n"
                    "active_attribute = active\n"
                    "active_value = true\n"
                    "timeout_msecs = 5000\n" % (HOST, self.token_server.port))

    # -- life cycle --------------------------------------------------------

    def start(self):
        if self.proc is not None:
            return self
        _install_hooks()
        _live.add(self)
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self):
        os.makedirs(self.state_dir, exist_ok=True)
        os.makedirs(self.home_root, exist_ok=True)
        os.chmod(self.home_root, 0o755)
        if self.shared_namespace or self.public_namespace:
            os.makedirs(self.acl_dir, exist_ok=True)
            self._chown(self.acl_dir)
            with open(os.path.join(self.acl_dir, "global-acl"), "w") as f:
                if self.public_namespace:
                    f.write("Public anyone lrwstipekxa\n"
                            "Public/* anyone lrwstipekxa\n")
        if self.public_namespace:
            os.makedirs(self.public_path, exist_ok=True)
            self._chown(self.public_path)
        if self.ssl:
            self._make_certs()
        else:
            self.ca_file = self.cert_file = self.key_file = None
            self.wrong_ca_file = self.wrong_cert_file = None
            self.fingerprint = self.wrong_fingerprint = None
        self._write_passwd()
        if self.oauth:
            self.token_server = _TokenServer()
            self._write_oauth_conf()

        last_error = None
        for attempt in range(4):
            self.imap_port = free_port()
            self.imaps_port = free_port() if self.implicit_tls else None
            while self.imaps_port == self.imap_port:
                self.imaps_port = free_port()
            with open(self.config_path, "w") as f:
                f.write(self._config_text())
            try:
                self._launch()
                return
            except DovecotError as e:
                last_error = e
                if "in use" not in str(e):
                    raise
        raise last_error

    def _launch(self):
        env = dict(os.environ)
        env.pop("DOVECONF_ENV", None)
        stderr = open(self.stderr_path, "ab")
        self.proc = subprocess.Popen(
            [self.dovecot_bin, "-F", "-c", self.config_path],
            stdin=subprocess.DEVNULL, stdout=stderr, stderr=stderr,
            preexec_fn=_set_pdeathsig, env=env, close_fds=True,
            start_new_session=True)
        stderr.close()
        ports = [self.imap_port] + ([self.imaps_port]
                                    if self.implicit_tls else [])
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.proc = None
                raise DovecotError("dovecot exited at startup:\n" +
                                   self.diagnostics())
            if all(port_open(p) for p in ports) and self._greets():
                return
            time.sleep(0.05)
        self._kill_master()
        raise DovecotError("dovecot did not start listening within %ds:\n%s"
                           % (self.start_timeout, self.diagnostics()))

    def _greets(self):
        try:
            with socket.create_connection((HOST, self.imap_port),
                                          timeout=2) as s:
                return s.recv(200).startswith(b"* OK")
        except OSError:
            return False

    def diagnostics(self):
        out = []
        for p in (self.stderr_path, self.log_path):
            try:
                with open(p, errors="replace") as f:
                    out.append("--- %s\n%s" % (p, f.read()[-4000:]))
            except OSError:
                pass
        return "\n".join(out)

    def _kill_master(self):
        """SIGTERM to the master, which stops its children. A login process
        that is still waiting for a stats handshake can delay that by 5 s, so
        after a short grace period the whole process group (the master is
        its leader) gets SIGKILL."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        if proc.poll() is None:
            try:
                proc.send_signal(signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass

    def stop(self):
        """Stops the server (SIGTERM to the master, wait for it and for the
        ports to close) and removes the temporary directory. Idempotent."""
        _live.discard(self)
        self._kill_master()
        deadline = time.monotonic() + 10
        for p in (self.imap_port, self.imaps_port):
            while p and port_open(p) and time.monotonic() < deadline:
                time.sleep(0.05)
        if self.token_server:
            self.token_server.stop()
            self.token_server = None
        if not self.keep_tmpdir and os.path.isdir(self.tmpdir):
            shutil.rmtree(self.tmpdir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    @property
    def running(self):
        return self.proc is not None and self.proc.poll() is None

    # -- URLs, tokens, logs ------------------------------------------------

    def imap_url(self, user, implicit_tls=True):
        """imaps://user@127.0.0.1:PORT/ (or imap:// on the STARTTLS port)
        with the user name percent-encoded."""
        u = urllib.parse.quote(user, safe="")
        if implicit_tls:
            return "imaps://%s@%s:%d/" % (u, HOST, self.imaps_port)
        return "imap://%s@%s:%d/" % (u, HOST, self.imap_port)

    def oauth_token(self, user):
        """A fresh bearer token that the introspection server maps to user."""
        if not self.token_server:
            raise DovecotError("this instance was started with oauth=False")
        token = "tok-" + secrets.token_urlsafe(24)
        self.token_server.tokens[token] = user
        return token

    def log_mark(self):
        try:
            return os.path.getsize(self.log_path)
        except OSError:
            return 0

    def log_since(self, mark=0):
        try:
            with open(self.log_path, "rb") as f:
                f.seek(mark)
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def wait_log(self, pattern, mark=0, timeout=5.0):
        """Waits until the log after mark matches the regex; returns the
        match or None on timeout."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            m = rx.search(self.log_since(mark))
            if m or time.monotonic() >= deadline:
                return m
            time.sleep(0.05)

    # -- doveadm -----------------------------------------------------------

    def doveadm(self, *args, user=None, input=None, check=True, fmt=None):
        """Runs doveadm against this instance; returns stdout as text."""
        cmd = [self.doveadm_bin, "-c", self.config_path]
        if fmt:
            cmd += ["-f", fmt]
        cmd += [args[0]]
        if len(args) > 1 and args[0] in ("mailbox", "flags", "auth"):
            cmd += [args[1]]
            rest = list(args[2:])
        else:
            rest = list(args[1:])
        if user is not None:
            cmd += ["-u", user]
        cmd += rest
        r = subprocess.run(cmd, input=input, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=60)
        out = r.stdout.decode("utf-8", "replace")
        if check and r.returncode != 0:
            raise DovecotError("%s: exit %d: %s" % (
                " ".join(cmd), r.returncode,
                r.stderr.decode("utf-8", "replace").strip()))
        return out

    def create_folder(self, user, name, subscribe=True):
        """Creates a folder (UTF-8 name, "/" between levels); no error when
        it exists already."""
        args = ["mailbox", "create"] + (["-s"] if subscribe else []) + [name]
        try:
            self.doveadm(*args, user=user)
        except DovecotError as e:
            if "exists" not in str(e):
                raise

    def list_folders(self, user):
        out = self.doveadm("mailbox", "list", user=user)
        return [l for l in out.splitlines() if l]

    def folder_path(self, user, name):
        """The Maildir directory of a folder, created if needed."""
        key = (user, name)
        path = self._folder_paths.get(key)
        if path and os.path.isdir(os.path.join(path, "cur")):
            return path
        if name != "INBOX":
            self.create_folder(user, name)
        path = self.doveadm("mailbox", "path", name, user=user).strip()
        for sub in ("cur", "new", "tmp"):
            d = os.path.join(path, sub)
            if not os.path.isdir(d):
                os.makedirs(d, exist_ok=True)
                self._chown(d)
        self._folder_paths[key] = path
        return path

    def status(self, user, name):
        """{'messages': N, 'unseen': N, 'recent': N} through doveadm."""
        out = self.doveadm("mailbox", "status", "messages unseen recent",
                           name, user=user, fmt="flow")
        return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", out)}

    @staticmethod
    def _split_flags(flags):
        if isinstance(flags, str):
            flags = flags.split()
        system, keywords = "", []
        for f in flags:
            letter = MAILDIR_FLAGS.get(f.lower())
            if letter:
                system += letter
            elif f.startswith("\\"):
                raise DovecotError("unknown system flag %s" % f)
            else:
                keywords.append(f)
        return "".join(sorted(set(system))), keywords

    def deliver(self, user, folder, message, flags=(), date=None):
        """Writes one message into a folder's Maildir (cur/ with the flags
        in the file name, e.g. ":2,RS"). message: bytes or str. flags:
        IMAP flags ("\\Seen \\Answered" or a list); keywords go through
        doveadm. date: INTERNALDATE as a Unix time (default: now)."""
        if isinstance(message, str):
            message = message.encode("utf-8")
        message = message.replace(b"\r\n", b"\n")
        system, keywords = self._split_flags(flags)
        path = self.folder_path(user, folder)
        self._seq += 1
        when = int(date if date is not None else time.time())
        base = "%d.M%dP%d.crispintest,S=%d" % (when, self._seq, os.getpid(),
                                               len(message))
        tmp = os.path.join(path, "tmp", base)
        with open(tmp, "wb") as f:
            f.write(message)
        os.chmod(tmp, 0o600)
        self._chown(tmp)
        os.utime(tmp, (when, when))
        final = os.path.join(path, "cur", base + ":2," + system)
        os.rename(tmp, final)
        if keywords:
            mid = re.search(rb"^Message-ID:\s*(\S+)", message, re.M | re.I)
            if not mid:
                raise DovecotError("keywords need a Message-ID header")
            self.doveadm("flags", "add", " ".join(keywords), "mailbox",
                         folder, "header", "Message-ID",
                         mid.group(1).decode(), user=user)
        return final

    def save(self, user, folder, message):
        """Delivers through "doveadm save" (Dovecot writes the file)."""
        if isinstance(message, str):
            message = message.encode("utf-8")
        if folder != "INBOX":
            self.create_folder(user, folder)
        self.doveadm("save", "-m", folder, user=user, input=message)

    def set_flags(self, user, folder, flags, query=("all",), remove=False):
        """Adds (or removes) flags on the messages matching a doveadm
        search query (default: all of the folder)."""
        if not isinstance(flags, str):
            flags = " ".join(flags)
        self.doveadm("flags", "remove" if remove else "add", flags,
                     "mailbox", folder, *query, user=user)


if __name__ == "__main__":
    # A manual check: start, print the connection details, wait for Enter.
    with Dovecot() as dc:
        print("imap  %s:%d (STARTTLS)" % (HOST, dc.imap_port))
        print("imaps %s:%d" % (HOST, dc.imaps_port))
        print("CA    %s" % dc.ca_file)
        print("users %s" % dc.users)
        print("log   %s" % dc.log_path)
        try:
            input("Enter stops the server. ")
        except (EOFError, KeyboardInterrupt):
            pass

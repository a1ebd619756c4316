"""A scripted IMAP server for tests that need an odd or hostile server.

The script is a Python function that talks to one client connection:

    def script(c):
        c.send("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR] hi")
        tag, line = c.expect_command("AUTHENTICATE")
        c.send(tag + " OK done")

    with ScriptedServer(script, tls="implicit", cert=..., key=...) as srv:
        run crispin against srv.port
        srv.wait()          # re-raises whatever went wrong in the script
        srv.received        # every byte the client sent, decrypted

Lines are sent with CRLF added. Only the standard library is used.
"""

import base64
import hashlib
import hmac
import os
import re
import socket
import ssl
import threading


class ScriptError(Exception):
    pass


class Conn:
    def __init__(self, server, sock):
        self.server = server
        self.sock = sock
        self.buf = b""
        self.lines = []
        # A client need not wait for LOGOUT's answer: it may have closed
        # the connection by the time the script sends it.
        self.logged_out = False

    # -- output --------------------------------------------------------------

    def send(self, text):
        data = text.encode("utf-8") if isinstance(text, str) else text
        if not data.endswith(b"\n"):
            data += b"\r\n"
        try:
            self.sock.sendall(data)
        except OSError:
            if not self.logged_out:
                raise

    def send_raw(self, data):
        self.sock.sendall(data)

    # -- input ---------------------------------------------------------------

    def _fill(self):
        try:
            chunk = self.sock.recv(65536)
        except socket.timeout:
            raise ScriptError("timed out waiting for the client; got so far: %r"
                              % self.server.received[-500:])
        if not chunk:
            raise ScriptError("client closed the connection; got so far: %r"
                              % self.server.received[-500:])
        self.server.received += chunk
        self.buf += chunk
        self._note_logout()

    def _note_logout(self):
        if re.search(rb"(?im)^\S+ LOGOUT\r?$", self.buf):
            self.logged_out = True

    def read_line(self):
        while b"\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\n", 1)
        text = line.rstrip(b"\r").decode("utf-8", "replace")
        self.lines.append(text)
        return text

    def read_exact(self, n):
        while len(self.buf) < n:
            self._fill()
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def expect_command(self, verb):
        """Reads one command line; fails unless its verb is verb.
        Returns (tag, rest of the line)."""
        line = self.read_line()
        m = re.match(r"(\S+) (\S+)(?: (.*))?$", line)
        if not m or m.group(2).upper() != verb.upper():
            raise ScriptError("expected %s, got %r" % (verb, line))
        return m.group(1), m.group(3) or ""

    def pending_input(self):
        """Bytes the client sent that the script has not read yet, after
        waiting briefly for more: shows pipelining."""
        self.sock.settimeout(0.3)
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    break
                self.server.received += chunk
                self.buf += chunk
                self._note_logout()
        except (socket.timeout, ssl.SSLWantReadError):
            pass
        finally:
            self.sock.settimeout(self.server.timeout)
        return self.buf

    # -- TLS -----------------------------------------------------------------

    def starttls(self):
        if self.buf:
            raise ScriptError("client sent data before the TLS handshake: %r"
                              % self.buf)
        self.sock = self.server.tls_context().wrap_socket(
            self.sock, server_side=True)
        return self.sock

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


class ScriptedServer:
    def __init__(self, script, tls=None, cert=None, key=None,
                 max_tls_version=None, timeout=10):
        self.script = script
        self.tls = tls
        self.cert = cert
        self.key = key
        self.max_tls_version = max_tls_version
        self.timeout = timeout
        self.received = b""
        self.error = None
        self.done = threading.Event()
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(4)
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._run, daemon=True)

    def tls_context(self):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(self.cert, self.key)
        if self.max_tls_version:
            ctx.maximum_version = self.max_tls_version
        return ctx

    def _run(self):
        conn = None
        try:
            self.listener.settimeout(self.timeout)
            sock, _ = self.listener.accept()
            sock.settimeout(self.timeout)
            if self.tls == "implicit":
                sock = self.tls_context().wrap_socket(sock, server_side=True)
            conn = Conn(self, sock)
            self.script(conn)
        except Exception as e:  # reported by wait()
            self.error = e
        finally:
            if conn is not None:
                conn.close()
            self.listener.close()
            self.done.set()

    def start(self):
        self.thread.start()
        return self

    def wait(self, timeout=15):
        if not self.done.wait(timeout):
            raise ScriptError("the server script did not finish")
        if self.error is not None:
            raise self.error

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        try:
            self.listener.close()
        except OSError:
            pass


# -- SCRAM server side, for channel-binding tests ------------------------------

def scram_server(conn, tag, client_first_b64, password, hash_name="sha256",
                 cb_data=None, iterations=4096, tamper_signature=False,
                 with_final=None):
    """Runs the server side of SCRAM (RFC 5802) over IMAP continuations.
    Returns True when the client's proof and channel binding are right.
    with_final(conn), if given, returns more lines to send in the same
    write as the server-final message."""
    h = getattr(hashlib, hash_name)
    client_first = base64.b64decode(client_first_b64).decode()
    gs2, _, bare = client_first.partition(",,")
    gs2 += ",,"
    attrs = dict(kv.split("=", 1) for kv in bare.split(","))
    salt = os.urandom(16)
    nonce = attrs["r"] + base64.b64encode(os.urandom(12)).decode()
    server_first = "r=%s,s=%s,i=%d" % (nonce, base64.b64encode(salt).decode(),
                                       iterations)
    conn.send("+ " + base64.b64encode(server_first.encode()).decode())
    client_final = base64.b64decode(conn.read_line()).decode()
    without_proof, _, proof_b64 = client_final.rpartition(",p=")
    cattrs = dict(kv.split("=", 1) for kv in without_proof.split(","))
    want_c = gs2.encode() + (cb_data or b"")
    if base64.b64decode(cattrs["c"]) != want_c or cattrs["r"] != nonce:
        conn.send(tag + " NO channel binding or nonce mismatch")
        return False
    salted = hashlib.pbkdf2_hmac(hash_name, password.encode(), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", h).digest()
    stored = h(client_key).digest()
    auth_msg = ("%s,%s,%s" % (bare, server_first, without_proof)).encode()
    sig = hmac.new(stored, auth_msg, h).digest()
    proof = base64.b64decode(proof_b64)
    if bytes(a ^ b for a, b in zip(client_key, sig)) != proof:
        conn.send(tag + " NO wrong password")
        return False
    server_key = hmac.new(salted, b"Server Key", h).digest()
    server_sig = hmac.new(server_key, auth_msg, h).digest()
    if tamper_signature:
        server_sig = bytes([server_sig[0] ^ 1]) + server_sig[1:]
    final = "+ " + base64.b64encode(b"v=" + base64.b64encode(server_sig)).decode()
    if with_final is None:
        conn.send(final)
    else:
        conn.send(final + "\r\n" + with_final(conn))
    reply = conn.read_line()
    if reply == "*":
        conn.send(tag + " BAD authentication cancelled")
        return False
    return True

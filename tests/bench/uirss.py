#!/usr/bin/env python3
"""Peak RSS of the interface on a big folder, cold then warm.

    tests/bench/bigfolder.py /tmp/big --sizes 100000 &
    python3 tests/bench/uirss.py ./crispin /tmp/big/crispinrc-100000

crispin runs on a pseudo-terminal of its own (120x40) with the rc file
given, its cache in a directory of this script's; the peak is VmHWM
from /proc once it has not moved for four seconds (the folder is
loaded), then q quits. One cold run (empty cache) and two warm ones.
"""

import os
import re
import shutil
import sys
import tempfile
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, HERE)
from latency import PtyClient  # noqa: E402


def hwm_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        return int(re.search(r"VmHWM:\s+(\d+)", f.read()).group(1))


def run(crispin, rc):
    c = PtyClient([crispin, "-F", rc],
                  dict(os.environ, TERM="xterm-256color", LC_ALL="C.UTF-8"))
    t0 = time.monotonic()
    hwm = stable = 0
    try:
        while time.monotonic() - t0 < 300 and stable < 8:
            time.sleep(0.5)
            try:
                now = hwm_kib(c.pid)
            except (OSError, AttributeError):
                break
            stable = stable + 1 if now == hwm else 0
            hwm = now
    finally:
        c.stop([b"q", b"q"])
    return hwm / 1024.0, time.monotonic() - t0


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    crispin, source = os.path.abspath(sys.argv[1]), sys.argv[2]
    tmp = tempfile.mkdtemp(prefix="crispin-uirss-")
    try:
        rc = os.path.join(tmp, "rc")
        with open(source) as f:
            lines = [l for l in f if not l.startswith("set cache_dir")]
        with open(rc, "w") as f:
            f.write("".join(lines) + 'set cache_dir = "%s/cache"\n' % tmp)
        for name in ("cold", "warm", "warm"):
            mib, secs = run(crispin, rc)
            print("%s: peak RSS %.1f MiB (%.0f s)" % (name, mib, secs),
                  flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
